package marketing

import (
	"context"
	"fmt"
	"math"

	"github.com/scrms/scrms/internal/auth"
)

// SplitPath is how the customers sent down one path of a split did: how
// many took it and how many of them reached the journey's goal.
type SplitPath struct {
	Step      int    // the split step, from 1
	Path      string // A (went on) or B (the other branch)
	Customers int
	Reached   int
}

// Rate is the share of the path's customers who reached the goal.
func (p SplitPath) Rate() float64 {
	if p.Customers == 0 {
		return 0
	}
	return float64(p.Reached) / float64(p.Customers)
}

// SplitReport compares the paths of one split step.
type SplitReport struct {
	Step    int
	A, B    SplitPath
	Verdict string
}

// SplitResults reports, for each split step of a journey, its paths and
// whether one reaches the goal more often than the other at 95 %
// confidence (a two-proportion z-test).
func (s *Service) SplitResults(ctx context.Context, a auth.Actor, journeyID int64) ([]SplitReport, error) {
	if err := a.Require(auth.MarketingRead); err != nil {
		return nil, err
	}
	j, err := s.store.FindJourney(ctx, journeyID)
	if err != nil {
		return nil, err
	}
	paths, err := s.store.SplitPaths(ctx, journeyID)
	if err != nil {
		return nil, err
	}
	var out []SplitReport
	for i, st := range j.Steps {
		if st.Type != "split" {
			continue
		}
		r := SplitReport{Step: i + 1, A: SplitPath{Step: i + 1, Path: "A"}, B: SplitPath{Step: i + 1, Path: "B"}}
		for _, p := range paths {
			if p.Step == i+1 && p.Path == "A" {
				r.A = p
			} else if p.Step == i+1 && p.Path == "B" {
				r.B = p
			}
		}
		r.Verdict = splitVerdict(j.Goal != "", r.A, r.B)
		out = append(out, r)
	}
	return out, nil
}

func splitVerdict(hasGoal bool, a, b SplitPath) string {
	switch {
	case !hasGoal:
		return "the journey has no goal to compare the paths by"
	case a.Customers == 0 || b.Customers == 0:
		return "not enough customers on both paths yet"
	}
	n1, n2 := float64(a.Customers), float64(b.Customers)
	p1, p2 := a.Rate(), b.Rate()
	pooled := (p1*n1 + p2*n2) / (n1 + n2)
	se := math.Sqrt(pooled * (1 - pooled) * (1/n1 + 1/n2))
	z := 0.0
	if se > 0 {
		z = (p1 - p2) / se
	}
	better := "A"
	if z < 0 {
		better, z = "B", -z
	}
	if z >= 1.96 {
		return fmt.Sprintf("%s reaches the goal more often: %.1f %% vs %.1f %% (z = %.2f, significant at 95 %%)", better,
			100*max(p1, p2), 100*min(p1, p2), z)
	}
	return fmt.Sprintf("no clear difference yet: A %.1f %%, B %.1f %% (z = %.2f)", 100*p1, 100*p2, z)
}
