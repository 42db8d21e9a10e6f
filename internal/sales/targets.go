package sales

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// Target is a quota for a representative or a team over a period.
type Target struct {
	ID          int64
	UserID      int64
	UserName    string
	TeamID      int64
	TeamName    string
	Metric      string // revenue, deals_won, new_customers
	PeriodStart string // YYYY-MM-DD, inclusive
	PeriodEnd   string // YYYY-MM-DD, inclusive
	Target      int64  // minor units for revenue, a count otherwise
	Currency    string
	Attained    int64
}

// Pace compares attainment with the share of the period gone by at now:
// 1 is on pace, below 0.8 is behind.
func (t Target) Pace(now time.Time) float64 {
	start, _ := time.Parse("2006-01-02", t.PeriodStart)
	end, _ := time.Parse("2006-01-02", t.PeriodEnd)
	end = end.AddDate(0, 0, 1)
	span := end.Sub(start)
	gone := now.Sub(start)
	if span <= 0 || gone <= 0 {
		return 1
	}
	if gone > span {
		gone = span
	}
	expected := float64(t.Target) * float64(gone) / float64(span)
	if expected <= 0 {
		return 1
	}
	return float64(t.Attained) / expected
}

// Behind reports whether the target needs a nudge: attainment under 80 %
// of where the period's elapsed share says it should be.
func (t Target) Behind(now time.Time) bool { return t.Pace(now) < 0.8 }

// ForecastRow is the open pipeline of one owner (or team) in one month of
// expected closing.
type ForecastRow struct {
	Month     string // YYYY-MM, or "" for deals without a date
	OwnerID   int64
	OwnerName string
	TeamID    int64
	Currency  string
	Deals     int
	Amount    int64
	Weighted  int64
}

// TargetStore is what targets and the forecast need from storage.
type TargetStore interface {
	CreateTarget(ctx context.Context, t Target, by int64, at time.Time, e audit.Entry) (int64, error)
	// Targets returns the targets whose period contains day, with what was
	// attained so far.
	Targets(ctx context.Context, day string) ([]Target, error)
	Forecast(ctx context.Context, v Visibility) ([]ForecastRow, error)
}

// Targets sets quotas and measures them.
type Targets struct {
	store TargetStore
	now   func() time.Time
}

// NewTargets returns the targets service.
func NewTargets(st TargetStore, now func() time.Time) *Targets {
	if now == nil {
		now = time.Now
	}
	return &Targets{store: st, now: now}
}

// SetTarget records a quota (managers and administrators).
func (s *Targets) SetTarget(ctx context.Context, a auth.Actor, t Target) (Target, error) {
	if err := a.Require(auth.SalesAdmin); err != nil {
		return Target{}, err
	}
	var f fault.Fields
	if (t.UserID == 0) == (t.TeamID == 0) {
		f.Add("user_id", "give a user or a team, not both")
	}
	if !slices.Contains([]string{"revenue", "deals_won", "new_customers"}, t.Metric) {
		f.Add("metric", "must be revenue, deals_won or new_customers")
	}
	start, err1 := time.Parse("2006-01-02", t.PeriodStart)
	end, err2 := time.Parse("2006-01-02", t.PeriodEnd)
	if err1 != nil {
		f.Add("period_start", "must be a date as YYYY-MM-DD")
	}
	if err2 != nil {
		f.Add("period_end", "must be a date as YYYY-MM-DD")
	}
	if err1 == nil && err2 == nil && end.Before(start) {
		f.Add("period_end", "must not be before the start")
	}
	if t.Target <= 0 {
		f.Add("target", "must be more than 0")
	}
	if err := f.Err(); err != nil {
		return Target{}, err
	}
	now := s.now().UTC()
	e := a.Audit("create", "sales_target", 0, now)
	e.Changes = []audit.Change{{Field: "metric", New: t.Metric}, {Field: "target", New: fmt.Sprint(t.Target)},
		{Field: "period", New: t.PeriodStart + " – " + t.PeriodEnd}}
	id, err := s.store.CreateTarget(ctx, t, a.UserID, now, e)
	t.ID = id
	return t, err
}

// Current returns the targets running today that the actor may see, with
// attainment: their own, their team's, or all for managers.
func (s *Targets) Current(ctx context.Context, a auth.Actor) ([]Target, error) {
	if err := a.Require(auth.SalesRead); err != nil {
		return nil, err
	}
	all, err := s.store.Targets(ctx, s.now().UTC().Format("2006-01-02"))
	if err != nil {
		return nil, err
	}
	var out []Target
	for _, t := range all {
		switch {
		case a.Role.Scope() == auth.ScopeAll, t.UserID == a.UserID, t.TeamID != 0 && t.TeamID == a.TeamID:
			out = append(out, t)
		}
	}
	return out, nil
}

// Forecast returns the weighted open pipeline per month and owner.
func (s *Targets) Forecast(ctx context.Context, a auth.Actor) ([]ForecastRow, error) {
	if err := a.Require(auth.SalesRead); err != nil {
		return nil, err
	}
	return s.store.Forecast(ctx, visibilityOf(a))
}
