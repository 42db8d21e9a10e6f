package loyalty

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// Programs: their settings, earning rules and tiers, the rule tester and
// the liability report.

// TierInput is a tier as a user gives it.
type TierInput struct {
	Name           string
	Threshold      float64 // points, or currency units of spend
	EarnMultiplier float64 // 0 means 1
	Benefits       []string
}

// ProgramInput is a program as a user gives it; nil and zero fields keep
// their defaults (or, on update, the current values).
type ProgramInput struct {
	Name          string
	Currency      string
	Rules         *Rules
	PointValue    *float64 // currency per point
	ExpiryMonths  *int
	PendingDays   *int
	Enrolment     string
	TierBasis     string
	TierPeriod    string
	TierGraceDays *int
	EarnFrom      time.Time
	Tiers         []TierInput // nil: keep (defaults on create)
	Active        *bool
}

// DefaultTiers are a new program's tiers.
var DefaultTiers = []TierInput{
	{Name: "Bronze", Threshold: 0, EarnMultiplier: 1},
	{Name: "Silver", Threshold: 1000, EarnMultiplier: 1.25, Benefits: []string{"free_shipping"}},
	{Name: "Gold", Threshold: 5000, EarnMultiplier: 1.5, Benefits: []string{"free_shipping", "priority_service", "exclusive_rewards"}},
}

// DefaultRules are a new program's earning rules.
func DefaultRules() Rules {
	return Rules{EarnRate: 1, Rounding: "down", ExpiryNoticeDays: 30, Events: map[string]int64{"signup": 100, "birthday": 200, "review": 50,
		"referral": 500, "survey_answered": 25}}
}

func (s *Service) apply(p *Program, in ProgramInput) error {
	var f fault.Fields
	if n := strings.TrimSpace(in.Name); n != "" || p.ID == 0 {
		p.Name = n
		if n == "" || len(n) > 100 {
			f.Add("name", "must be 1 to 100 characters")
		}
	}
	if in.Currency != "" {
		p.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
		if len(p.Currency) != 3 {
			f.Add("currency", "must be a three-letter ISO 4217 code")
		}
	}
	if in.Rules != nil {
		for _, msg := range in.Rules.Validate() {
			f.Add("rules", "%s", msg)
		}
		p.Rules = *in.Rules
	}
	if in.PointValue != nil {
		if *in.PointValue < 0 || *in.PointValue > 1000 {
			f.Add("point_value", "must be between 0 and 1,000 currency units")
		}
		p.PointValue = int64(*in.PointValue*Scale + 0.5)
	}
	if in.ExpiryMonths != nil {
		if *in.ExpiryMonths < 0 || *in.ExpiryMonths > 240 {
			f.Add("expiry_months", "must be 0 (never) to 240")
		}
		p.ExpiryMonths = *in.ExpiryMonths
	}
	if in.PendingDays != nil {
		if *in.PendingDays < 0 || *in.PendingDays > 365 {
			f.Add("pending_days", "must be 0 to 365")
		}
		p.PendingDays = *in.PendingDays
	}
	set := func(field string, v string, dst *string, allowed ...string) {
		if v == "" {
			return
		}
		if !slices.Contains(allowed, v) {
			f.Add(field, "must be one of %s", strings.Join(allowed, ", "))
		}
		*dst = v
	}
	set("enrolment", in.Enrolment, &p.Enrolment, "auto", "opt_in")
	set("tier_basis", in.TierBasis, &p.TierBasis, "points", "spend")
	set("tier_period", in.TierPeriod, &p.TierPeriod, "rolling_12", "calendar_year")
	if in.TierGraceDays != nil {
		if *in.TierGraceDays < 0 || *in.TierGraceDays > 365 {
			f.Add("tier_grace_days", "must be 0 to 365")
		}
		p.TierGraceDays = *in.TierGraceDays
	}
	if !in.EarnFrom.IsZero() {
		p.EarnFrom = in.EarnFrom.UTC()
	}
	if in.Active != nil {
		p.Active = *in.Active
	}
	if in.Tiers != nil {
		old := p.Tiers
		p.Tiers = nil
		names := map[string]bool{}
		for i, t := range in.Tiers {
			t.Name = strings.TrimSpace(t.Name)
			if t.Name == "" || names[strings.ToLower(t.Name)] {
				f.Add(fmt.Sprintf("tiers[%d].name", i), "must be given and differ from the other tiers")
			}
			names[strings.ToLower(t.Name)] = true
			if t.EarnMultiplier == 0 {
				t.EarnMultiplier = 1
			}
			if t.EarnMultiplier < 0 || t.EarnMultiplier > 20 || t.Threshold < 0 {
				f.Add(fmt.Sprintf("tiers[%d]", i), "threshold must not be negative and earn_multiplier must be 0–20")
			}
			if i > 0 && t.Threshold <= in.Tiers[i-1].Threshold {
				f.Add(fmt.Sprintf("tiers[%d].threshold", i), "must be above the tier before it (list tiers from the lowest)")
			}
			for _, b := range t.Benefits {
				if !slices.Contains(TierBenefits, b) {
					f.Add(fmt.Sprintf("tiers[%d].benefits", i), "%q is not one of %s", b, strings.Join(TierBenefits, ", "))
				}
			}
			th := int64(t.Threshold)
			if p.TierBasis == "spend" {
				th = int64(t.Threshold * Scale)
			}
			tier := Tier{Name: t.Name, Rank: i + 1, Threshold: th, EarnMultiplier: milli(t.EarnMultiplier), Benefits: t.Benefits}
			for _, o := range old {
				if o.Rank == tier.Rank {
					tier.ID = o.ID
				}
			}
			p.Tiers = append(p.Tiers, tier)
		}
	}
	return f.Err()
}

// CreateProgram creates a program; what is not given takes the defaults
// (a point per currency unit, points lasting 24 months, three tiers).
func (s *Service) CreateProgram(ctx context.Context, a auth.Actor, in ProgramInput) (Program, error) {
	if err := a.Require(auth.LoyaltyAdmin); err != nil {
		return Program{}, err
	}
	now := s.clock()
	p := Program{Rules: DefaultRules(), PointValue: 100, ExpiryMonths: 24, Enrolment: "auto", TierBasis: "points",
		TierPeriod: "rolling_12", TierGraceDays: 30, Active: true, CreatedAt: now, UpdatedAt: now}
	if in.Tiers == nil {
		in.Tiers = DefaultTiers
	}
	if err := s.apply(&p, in); err != nil {
		return Program{}, err
	}
	if err := s.checkSegments(ctx, p.Rules); err != nil {
		return Program{}, err
	}
	e := a.Audit("create", "loyalty_program", 0, now)
	e.Changes = []audit.Change{{Field: "name", New: p.Name}}
	id, err := s.store.CreateProgram(ctx, p, e)
	if err != nil {
		return Program{}, err
	}
	return s.store.FindProgram(ctx, id)
}

// checkSegments refuses bonus campaigns for segments that do not exist.
func (s *Service) checkSegments(ctx context.Context, r Rules) error {
	var f fault.Fields
	for i, b := range r.Bonuses {
		if b.SegmentID == 0 {
			continue
		}
		ok, err := s.store.SegmentExists(ctx, b.SegmentID)
		if err != nil {
			return err
		}
		if !ok {
			f.Add("rules", "bonuses[%d]: segment %d does not exist", i, b.SegmentID)
		}
	}
	return f.Err()
}

// UpdateProgram changes a program's settings, rules or tiers.
func (s *Service) UpdateProgram(ctx context.Context, a auth.Actor, id int64, in ProgramInput) (Program, error) {
	if err := a.Require(auth.LoyaltyAdmin); err != nil {
		return Program{}, err
	}
	p, err := s.store.FindProgram(ctx, id)
	if err != nil {
		return Program{}, err
	}
	before, _ := json.Marshal(p.Rules)
	if err := s.apply(&p, in); err != nil {
		return Program{}, err
	}
	if err := s.checkSegments(ctx, p.Rules); err != nil {
		return Program{}, err
	}
	after, _ := json.Marshal(p.Rules)
	p.UpdatedAt = s.clock()
	e := a.Audit("update", "loyalty_program", id, p.UpdatedAt)
	e.Changes = []audit.Change{{Field: "rules", Old: string(before), New: string(after)}}
	if err := s.store.UpdateProgram(ctx, p, e); err != nil {
		return Program{}, err
	}
	return s.store.FindProgram(ctx, id)
}

// Programs lists the programs.
func (s *Service) Programs(ctx context.Context, a auth.Actor) ([]Program, error) {
	if err := a.Require(auth.LoyaltyRead); err != nil {
		return nil, err
	}
	return s.store.Programs(ctx)
}

// Program returns a program.
func (s *Service) Program(ctx context.Context, a auth.Actor, id int64) (Program, error) {
	if err := a.Require(auth.LoyaltyRead); err != nil {
		return Program{}, err
	}
	return s.store.FindProgram(ctx, id)
}

// TestRules shows what an order would earn in a program, and why.
func (s *Service) TestRules(ctx context.Context, a auth.Actor, programID int64, o Purchase, tierID int64) (Earning, error) {
	if err := a.Require(auth.LoyaltyRead); err != nil {
		return Earning{}, err
	}
	p, err := s.store.FindProgram(ctx, programID)
	if err != nil {
		return Earning{}, err
	}
	if o.At.IsZero() {
		o.At = s.clock()
	}
	if o.Currency == "" {
		o.Currency = p.Currency
	}
	return p.Earn(o, p.Tier(tierID)), nil
}

// Liability reports a program's outstanding points by expiry month, with
// their value.
func (s *Service) Liability(ctx context.Context, a auth.Actor, programID int64) ([]LiabilityRow, error) {
	if err := a.Require(auth.LoyaltyRead); err != nil {
		return nil, err
	}
	p, err := s.store.FindProgram(ctx, programID)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.Liability(ctx, programID)
	for i := range rows {
		rows[i].Value = rows[i].Points * p.PointValue
	}
	return rows, err
}
