// Package pdf writes simple text documents as PDF: pages of lines in the
// standard Helvetica font, enough for quotes and statements to print and
// attach. Text outside Latin-1 is replaced, since the standard fonts carry
// no other characters.
package pdf

import (
	"bytes"
	"fmt"
	"strings"
)

// Line is one line of text: its size in points and whether it is bold.
type Line struct {
	Text string
	Size float64
	Bold bool
	Gap  float64 // extra space above the line, in points
}

// A4 in points, and the margins.
const (
	pageW, pageH = 595.0, 842.0
	margin       = 56.0
)

// escape makes text safe inside a PDF string in WinAnsi (Latin-1) encoding.
func escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString("    ")
		case r < 32:
		case r < 128:
			b.WriteRune(r)
		case r <= 0xFF:
			fmt.Fprintf(&b, "\\%03o", r)
		case r == '€':
			b.WriteString("\\200")
		case r == '–' || r == '—':
			b.WriteString("-")
		case r == '’' || r == '‘':
			b.WriteString("'")
		default:
			b.WriteString("?")
		}
	}
	return b.String()
}

// Write lays the lines out on as many A4 pages as they need.
func Write(title string, lines []Line) []byte {
	var pages [][]byte
	var cur bytes.Buffer
	y := pageH - margin
	flush := func() {
		pages = append(pages, append([]byte(nil), cur.Bytes()...))
		cur.Reset()
		y = pageH - margin
	}
	for _, l := range lines {
		size := l.Size
		if size == 0 {
			size = 10
		}
		step := size*1.35 + l.Gap
		if y-step < margin {
			flush()
		}
		y -= step
		font := "F1"
		if l.Bold {
			font = "F2"
		}
		fmt.Fprintf(&cur, "BT /%s %.1f Tf %.1f %.1f Td (%s) Tj ET\n", font, size, margin, y, escape(l.Text))
	}
	if cur.Len() > 0 || len(pages) == 0 {
		flush()
	}
	var out bytes.Buffer
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, out.Len())
		fmt.Fprintf(&out, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	out.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	n := len(pages)
	// 1 catalog, 2 pages, 3-4 fonts, 5 info, then a page and its contents for each page.
	kids := make([]string, n)
	for i := range pages {
		kids[i] = fmt.Sprintf("%d 0 R", 6+2*i)
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
	obj(fmt.Sprintf("<< /Title (%s) /Producer (SCRMS) >>", escape(title)))
	for i, p := range pages {
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.0f %.0f] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents %d 0 R >>",
			pageW, pageH, 7+2*i))
		obj(fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", len(p), p))
	}
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, off := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return out.Bytes()
}
