package loyalty

import (
	"fmt"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/pdf"
)

// StatementPDF is a statement as a one-page PDF.
func StatementPDF(st Statement, m Member, p Program) []byte {
	month, _ := time.Parse("2006-01", st.Period)
	row := func(label string, n int64) pdf.Line {
		return pdf.Line{Text: fmt.Sprintf("%-20s %12d", label, n), Size: 11}
	}
	lines := []pdf.Line{{Text: p.Name + " statement", Size: 20, Bold: true},
		{Text: month.Format("January 2006") + " · member " + m.Number, Size: 11, Gap: 4},
		row("Opening balance", st.Opening), row("Earned", st.Earned), row("Spent", -st.Spent), row("Expired", -st.Expired),
		row("Adjusted", st.Adjusted), {Text: fmt.Sprintf("%-20s %12d", "Closing balance", st.Closing), Size: 11, Bold: true, Gap: 4}}
	if st.ExpiringSoon > 0 {
		lines = append(lines, pdf.Line{Text: fmt.Sprintf("%d points expire in the next two months.", st.ExpiringSoon), Size: 11, Gap: 12})
	}
	if st.Tier != "" {
		lines = append(lines, pdf.Line{Text: "Tier: " + st.Tier, Size: 11, Gap: 8})
	}
	if st.NextTier != "" {
		lines = append(lines, pdf.Line{Text: fmt.Sprintf("%d more to reach %s.", st.ToNext, st.NextTier), Size: 11})
	}
	return pdf.Write(p.Name+" statement "+st.Period, lines)
}

// NoticeText is the plain text of an expiry notice email.
func NoticeText(firstName string, n Notice, link string) string {
	var b strings.Builder
	if firstName != "" {
		fmt.Fprintf(&b, "Hello %s,\n\n", firstName)
	}
	fmt.Fprintf(&b, "%d of your points expire soon, the first of them on %s. Spend them on a reward before then to keep their value.\n",
		n.Points, n.ExpiresAt.Format("2 January 2006"))
	if link != "" {
		fmt.Fprintf(&b, "\nYour points and what they are worth: %s\n", link)
	}
	return b.String()
}

// StatementText is the statement email's text.
func StatementText(firstName string, st Statement, link string) string {
	var b strings.Builder
	if firstName != "" {
		fmt.Fprintf(&b, "Hello %s,\n\n", firstName)
	}
	fmt.Fprintf(&b, "Your points for %s:\n\n  Opening balance  %8d\n  Earned           %8d\n  Spent            %8d\n  Expired          %8d\n",
		st.Period, st.Opening, st.Earned, -st.Spent, -st.Expired)
	if st.Adjusted != 0 {
		fmt.Fprintf(&b, "  Adjusted         %8d\n", st.Adjusted)
	}
	fmt.Fprintf(&b, "  Closing balance  %8d\n", st.Closing)
	if st.ExpiringSoon > 0 {
		fmt.Fprintf(&b, "\n%d points expire in the next two months.\n", st.ExpiringSoon)
	}
	if st.NextTier != "" {
		fmt.Fprintf(&b, "\n%d more to reach %s.\n", st.ToNext, st.NextTier)
	}
	if link != "" {
		fmt.Fprintf(&b, "\nYour statement online (and as PDF): %s\n", link)
	}
	return b.String()
}
