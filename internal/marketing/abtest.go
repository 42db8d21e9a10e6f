package marketing

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/fault"
)

// ABTest tries subject lines on a share of a campaign's recipients, waits,
// and sends the one that did best to the others.
type ABTest struct {
	Subjects []string // variant i (from 1) uses Subjects[i-1]
	Share    int      // percent of the recipients in the test
	Metric   string   // open or click
	Wait     time.Duration
	Until    time.Time // when the winner is chosen (set once the test went out)
	Winner   int       // the variant chosen; 0 until then
	Note     string    // how it was chosen
}

// Active reports whether the campaign tests subjects.
func (t ABTest) Active() bool { return len(t.Subjects) >= 2 && t.Share > 0 }

func (t ABTest) validate() error {
	if len(t.Subjects) == 0 {
		return nil
	}
	var f fault.Fields
	if len(t.Subjects) < 2 || len(t.Subjects) > 5 {
		f.Add("ab_test", "give 2 to 5 subjects")
	}
	for i, s := range t.Subjects {
		if strings.TrimSpace(s) == "" || len(s) > 250 {
			f.Add("ab_test", "subject %d must be 1 to 250 characters", i+1)
		} else if _, err := compileText(s); err != nil {
			f.Add("ab_test", "subject %d: %s", i+1, err.Error())
		}
	}
	if t.Share < 2 || t.Share > 50 {
		f.Add("ab_test", "the test share must be 2 to 50 percent")
	}
	if t.Metric != "open" && t.Metric != "click" {
		f.Add("ab_test", "the metric must be open or click")
	}
	if t.Wait < time.Minute || t.Wait > 7*24*time.Hour {
		f.Add("ab_test", "the wait must be 1 minute to 7 days")
	}
	return f.Err()
}

// VariantResult is how one subject did in a test.
type VariantResult struct {
	Variant int
	Sent    int
	Opened  int
	Clicked int
}

// Rate is the variant's open or click rate.
func (v VariantResult) Rate(metric string) float64 {
	if v.Sent == 0 {
		return 0
	}
	if metric == "click" {
		return float64(v.Clicked) / float64(v.Sent)
	}
	return float64(v.Opened) / float64(v.Sent)
}

// pickWinner chooses the variant with the best rate, and says whether it
// beats the runner-up at 95 % confidence (a two-proportion z-test).
func pickWinner(metric string, vs []VariantResult) (int, string) {
	if len(vs) == 0 {
		return 1, "no test results; the first subject was sent"
	}
	best, second := -1, -1
	for i, v := range vs {
		switch {
		case best < 0 || v.Rate(metric) > vs[best].Rate(metric):
			best, second = i, best
		case second < 0 || v.Rate(metric) > vs[second].Rate(metric):
			second = i
		}
	}
	b := vs[best]
	if second < 0 {
		return b.Variant, "only one subject was tried"
	}
	r := vs[second]
	n1, n2 := float64(b.Sent), float64(r.Sent)
	p1, p2 := b.Rate(metric), r.Rate(metric)
	pooled := (p1*n1 + p2*n2) / (n1 + n2)
	se := math.Sqrt(pooled * (1 - pooled) * (1/n1 + 1/n2))
	z := 0.0
	if se > 0 {
		z = (p1 - p2) / se
	}
	verdict := "not significant at 95 %; the better subject was sent"
	if z >= 1.96 {
		verdict = "significant at 95 %"
	}
	return b.Variant, fmt.Sprintf("subject %d: %s rate %.1f %% vs %.1f %% (z = %.2f), %s", b.Variant, metric,
		100*p1, 100*p2, z, verdict)
}

// decide chooses a test's winner once its wait is over, and releases the
// recipients who waited for it. It reports whether the campaign may go on.
func (s *Service) decide(ctx context.Context, c Campaign) (bool, error) {
	if !c.AB.Active() || c.AB.Winner != 0 {
		return true, nil
	}
	if c.AB.Until.IsZero() || s.at().Before(c.AB.Until) {
		return false, nil
	}
	vs, err := s.store.VariantResults(ctx, c.ID)
	if err != nil {
		return false, err
	}
	winner, note := pickWinner(c.AB.Metric, vs)
	return true, s.store.ChooseWinner(ctx, c.ID, winner, note)
}
