package loyalty

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
)

// Customers is what loyalty needs of the customer service.
type Customers interface {
	FindCustomer(ctx context.Context, a auth.Actor, id int64) (customer.Customer, error)
}

// Service runs the loyalty programs.
type Service struct {
	store     Store
	customers Customers
	now       func() time.Time
	// BatchSize is how many orders the accrual run books per transaction.
	BatchSize int
	// MailStatement, when set, emails a statement to its member's customer.
	MailStatement func(ctx context.Context, m Member, st Statement) error
	// MailExpiryNotice, when set, emails an expiry notice to its member's
	// customer (ErrNoAddress when there is no usable address).
	MailExpiryNotice func(ctx context.Context, m Member, n Notice) error
	// MailTierNotice, when set, tells a member that they no longer reach
	// their tier and when they move down to the next one ("" for none).
	MailTierNotice func(ctx context.Context, m Member, tier, next string, on time.Time) error
	// Secret signs the links of statement pages; BaseURL is SCRMS's address.
	Secret  []byte
	BaseURL string
}

// NewService returns the loyalty service.
func NewService(st Store, customers Customers, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, customers: customers, now: now, BatchSize: 5000}
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

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

// MemberView is a member with where they stand.
type MemberView struct {
	Member
	Program    Program
	Tier       *Tier
	NextTier   *Tier
	Qualifying int64
	ToNext     int64
	// Household is the other members of the household pooling points
	// with this one (programs that pool households only), and
	// HouseholdBalance what all of them, this member too, can spend.
	Household        []Member
	HouseholdBalance int64
}

func (s *Service) view(ctx context.Context, m Member) (MemberView, error) {
	p, err := s.store.FindProgram(ctx, m.ProgramID)
	if err != nil {
		return MemberView{}, err
	}
	v := MemberView{Member: m, Program: p, Tier: p.Tier(m.TierID)}
	if v.Qualifying, err = s.store.Qualifying(ctx, m.ID, p.QualifyingSince(s.clock())); err != nil {
		return v, err
	}
	rank := 0
	if v.Tier != nil {
		rank = v.Tier.Rank
	}
	if v.NextTier = p.NextTier(rank); v.NextTier != nil {
		v.ToNext = max(0, v.NextTier.Threshold-v.Qualifying)
	}
	v.HouseholdBalance = m.Balance
	if p.Rules.PoolHouseholds {
		if v.Household, err = s.store.HouseholdMembers(ctx, m.ID); err != nil {
			return v, err
		}
		for _, h := range v.Household {
			v.HouseholdBalance += max(0, h.Balance)
		}
	}
	return v, nil
}

// member returns a member whose customer the actor may see.
func (s *Service) member(ctx context.Context, a auth.Actor, id int64) (Member, error) {
	m, err := s.store.FindMember(ctx, id)
	if err != nil {
		return m, err
	}
	if _, err := s.customers.FindCustomer(ctx, a, m.CustomerID); err != nil {
		return Member{}, fault.New(fault.NotFound, "Member %d was not found.", id)
	}
	return m, nil
}

// Member returns a member with balance, tier and progress.
func (s *Service) Member(ctx context.Context, a auth.Actor, id int64) (MemberView, error) {
	if err := a.Require(auth.LoyaltyRead); err != nil {
		return MemberView{}, err
	}
	m, err := s.member(ctx, a, id)
	if err != nil {
		return MemberView{}, err
	}
	return s.view(ctx, m)
}

// CustomerMemberships lists a customer's memberships.
func (s *Service) CustomerMemberships(ctx context.Context, a auth.Actor, customerID int64) ([]MemberView, error) {
	if err := a.Require(auth.LoyaltyRead); err != nil {
		return nil, err
	}
	if _, err := s.customers.FindCustomer(ctx, a, customerID); err != nil {
		return nil, err
	}
	ms, err := s.store.CustomerMembers(ctx, customerID)
	if err != nil {
		return nil, err
	}
	out := make([]MemberView, 0, len(ms))
	for _, m := range ms {
		v, err := s.view(ctx, m)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Enrol makes a customer a member (opting in: the consent is the request
// itself, recorded with its source), with the program's sign-up points.
func (s *Service) Enrol(ctx context.Context, a auth.Actor, customerID, programID int64, source string) (MemberView, error) {
	if err := a.Require(auth.LoyaltyWrite); err != nil {
		return MemberView{}, err
	}
	if _, err := s.customers.FindCustomer(ctx, a, customerID); err != nil {
		return MemberView{}, fault.Field("customer_id", "is not a customer you can see")
	}
	p, err := s.store.FindProgram(ctx, programID)
	if err != nil {
		return MemberView{}, fault.Field("program_id", "is not a loyalty program")
	}
	if !p.Active {
		return MemberView{}, fault.New(fault.Conflict, "The program %s is closed to new members.", p.Name)
	}
	if source == "" {
		source = "opt_in"
	}
	now := s.clock()
	m := Member{ProgramID: p.ID, CustomerID: customerID, Number: MemberNumber(p.ID, customerID), Status: Active, Source: source,
		EnrolledAt: now}
	welcome := Txn{Kind: BonusKind, Points: p.Rules.Events["signup"], Reason: "Welcome bonus.", Key: "event:signup",
		OccurredAt: now, CreatedAt: now, AvailableAt: now, ExpiresAt: p.expiry(now), CreatedBy: a.UserID}
	e := a.Audit("enrol", "loyalty_member", 0, now)
	e.CustomerID = customerID
	e.Changes = []audit.Change{{Field: "program", New: p.Name}, {Field: "source", New: source}}
	id, err := s.store.Enrol(ctx, m, welcome, e)
	if err != nil {
		return MemberView{}, err
	}
	if t := p.TierFor(0); t != nil {
		if err := s.store.SetTier(ctx, id, t.ID, now, false, nil); err != nil {
			return MemberView{}, err
		}
	}
	m, err = s.store.FindMember(ctx, id)
	if err != nil {
		return MemberView{}, err
	}
	return s.view(ctx, m)
}

func (p Program) expiry(from time.Time) time.Time {
	if p.ExpiryMonths <= 0 {
		return time.Time{}
	}
	return from.AddDate(0, p.ExpiryMonths, 0)
}

// SetStatus suspends, closes or reactivates a membership.
func (s *Service) SetStatus(ctx context.Context, a auth.Actor, id int64, status string) error {
	if err := a.Require(auth.LoyaltyAdmin); err != nil {
		return err
	}
	if status != Active && status != Suspended && status != Closed {
		return fault.Field("status", "must be active, suspended or closed")
	}
	m, err := s.member(ctx, a, id)
	if err != nil {
		return err
	}
	e := a.Audit("update", "loyalty_member", id, s.clock())
	e.CustomerID = m.CustomerID
	e.Changes = []audit.Change{{Field: "status", Old: m.Status, New: status}}
	return s.store.SetMemberStatus(ctx, id, status, e)
}

// Transactions lists a member's ledger, newest first.
// Notices lists the expiry notices a member was sent (or will be), newest
// first.
func (s *Service) Notices(ctx context.Context, a auth.Actor, memberID int64) ([]Notice, error) {
	if err := a.Require(auth.LoyaltyRead); err != nil {
		return nil, err
	}
	if _, err := s.member(ctx, a, memberID); err != nil {
		return nil, err
	}
	return s.store.Notices(ctx, memberID, 100)
}

// Transactions lists a member's ledger, newest first.
func (s *Service) Transactions(ctx context.Context, a auth.Actor, memberID int64, limit int) ([]Txn, error) {
	if err := a.Require(auth.LoyaltyRead); err != nil {
		return nil, err
	}
	if _, err := s.member(ctx, a, memberID); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	return s.store.Transactions(ctx, memberID, limit)
}

// Vouchers lists a member's redemptions.
func (s *Service) Vouchers(ctx context.Context, a auth.Actor, memberID int64) ([]Voucher, error) {
	if err := a.Require(auth.LoyaltyRead); err != nil {
		return nil, err
	}
	if _, err := s.member(ctx, a, memberID); err != nil {
		return nil, err
	}
	return s.store.Vouchers(ctx, memberID, 200)
}

// Adjust adds or takes points by hand, with a reason; taking more than the
// balance is refused. It is audited.
func (s *Service) Adjust(ctx context.Context, a auth.Actor, memberID, points int64, reason, key string) (Txn, error) {
	if err := a.Require(auth.LoyaltyAdmin); err != nil {
		return Txn{}, err
	}
	reason = strings.TrimSpace(reason)
	var f fault.Fields
	if points == 0 || points > 10_000_000 || points < -10_000_000 {
		f.Add("points", "must be a whole number other than 0, at most 10,000,000 either way")
	}
	if reason == "" || len(reason) > 500 {
		f.Add("reason", "say why, in up to 500 characters")
	}
	if err := f.Err(); err != nil {
		return Txn{}, err
	}
	m, err := s.member(ctx, a, memberID)
	if err != nil {
		return Txn{}, err
	}
	p, err := s.store.FindProgram(ctx, m.ProgramID)
	if err != nil {
		return Txn{}, err
	}
	now := s.clock()
	x := Txn{MemberID: memberID, Kind: Adjustment, Points: points, Reason: reason, Key: key, CreatedBy: a.UserID,
		OccurredAt: now, CreatedAt: now, AvailableAt: now}
	e := a.Audit("adjust", "loyalty_member", memberID, now)
	e.CustomerID = m.CustomerID
	e.Changes = []audit.Change{{Field: "points", New: fmt.Sprint(points)}, {Field: "reason", New: reason}}
	if points > 0 {
		x.ExpiresAt = p.expiry(now)
		x, _, err = s.store.Credit(ctx, x, &e)
		return x, err
	}
	x.Points = -points
	x, _, err = s.store.Debit(ctx, x, now, &e)
	if errors.Is(err, ErrShort) {
		return Txn{}, fault.New(fault.Conflict, "The member has fewer than %d points.", -points)
	}
	return x, err
}

// RedeemInput asks to spend points on a reward, or a number of points on
// a discount voucher.
type RedeemInput struct {
	RewardID int64
	Points   int64
	Key      string
}

// Redeem spends a member's points. A repeated idempotency key returns the
// first voucher (replayed true); too few points is a Conflict.
func (s *Service) Redeem(ctx context.Context, a auth.Actor, memberID int64, in RedeemInput) (Voucher, bool, error) {
	if err := a.Require(auth.LoyaltyWrite); err != nil {
		return Voucher{}, false, err
	}
	if (in.RewardID == 0) == (in.Points <= 0) {
		return Voucher{}, false, fault.Field("reward_id", "give a reward_id or a number of points, not both")
	}
	if len(in.Key) > 100 {
		return Voucher{}, false, fault.Field("idempotency_key", "must be at most 100 characters")
	}
	m, err := s.member(ctx, a, memberID)
	if err != nil {
		return Voucher{}, false, err
	}
	now := s.clock()
	cost, reason := in.Points, fmt.Sprintf("%d points for a voucher.", in.Points)
	if in.RewardID != 0 {
		r, err := s.store.FindReward(ctx, in.RewardID)
		if err != nil || r.ProgramID != m.ProgramID {
			return Voucher{}, false, fault.Field("reward_id", "is not a reward of the member's program")
		}
		if !r.Active || (!r.ValidFrom.IsZero() && now.Before(r.ValidFrom)) || (!r.ValidTo.IsZero() && !now.Before(r.ValidTo)) {
			return Voucher{}, false, fault.New(fault.Conflict, "The reward %s is not available now.", r.Name)
		}
		if r.MinTierRank > 0 {
			p, err := s.store.FindProgram(ctx, m.ProgramID)
			if err != nil {
				return Voucher{}, false, err
			}
			if t := p.Tier(m.TierID); t == nil || t.Rank < r.MinTierRank {
				return Voucher{}, false, fault.New(fault.Conflict, "The reward %s is for higher tiers.", r.Name)
			}
		}
		cost, reason = r.Cost, "Reward: "+r.Name
	}
	// In a program that pools households, the other members' points make
	// up what this member lacks.
	var pool []int64
	if p, err := s.store.FindProgram(ctx, m.ProgramID); err != nil {
		return Voucher{}, false, err
	} else if p.Rules.PoolHouseholds {
		hh, err := s.store.HouseholdMembers(ctx, m.ID)
		if err != nil {
			return Voucher{}, false, err
		}
		for _, h := range hh {
			pool = append(pool, h.ID)
		}
	}
	x := Txn{MemberID: memberID, Kind: Redemption, Points: cost, Reason: reason, Key: in.Key, CreatedBy: a.UserID,
		OccurredAt: now, CreatedAt: now, AvailableAt: now}
	e := a.Audit("redeem", "loyalty_member", memberID, now)
	e.CustomerID = m.CustomerID
	e.Changes = []audit.Change{{Field: "points", New: fmt.Sprint(-cost)}, {Field: "for", New: reason}}
	v, created, err := s.store.RedeemPoints(ctx, Voucher{RewardID: in.RewardID}, x, pool, now, e)
	if errors.Is(err, ErrShort) {
		if len(pool) > 0 {
			return Voucher{}, false, fault.New(fault.Conflict, "The member's household has fewer than %d points together.", cost)
		}
		return Voucher{}, false, fault.New(fault.Conflict, "The member has fewer than %d points.", cost)
	}
	return v, !created && err == nil, err
}

// UseVoucher records that an order consumed a voucher.
func (s *Service) UseVoucher(ctx context.Context, a auth.Actor, code string, orderID int64) (Voucher, error) {
	if err := a.Require(auth.LoyaltyWrite); err != nil {
		return Voucher{}, err
	}
	return s.store.UseVoucher(ctx, strings.TrimSpace(code), orderID, s.clock())
}

// AwardEvent gives a member the points the program's rules set for an
// event (review, referral…), once per key.
func (s *Service) AwardEvent(ctx context.Context, a auth.Actor, memberID int64, event, key string) (Txn, bool, error) {
	if err := a.Require(auth.LoyaltyWrite); err != nil {
		return Txn{}, false, err
	}
	m, err := s.member(ctx, a, memberID)
	if err != nil {
		return Txn{}, false, err
	}
	return s.awardEvent(ctx, m, event, key, a.UserID)
}

func (s *Service) awardEvent(ctx context.Context, m Member, event, key string, by int64) (Txn, bool, error) {
	if !slices.Contains(EventKinds, event) {
		return Txn{}, false, fault.Field("event", "must be one of %s", strings.Join(EventKinds, ", "))
	}
	p, err := s.store.FindProgram(ctx, m.ProgramID)
	if err != nil {
		return Txn{}, false, err
	}
	pts := p.Rules.Events[event]
	if pts <= 0 {
		return Txn{}, false, fault.New(fault.Conflict, "The program gives no points for %s.", event)
	}
	if strings.TrimSpace(key) == "" {
		return Txn{}, false, fault.Field("key", "name this occurrence (a review id, the referred customer…) so it counts once")
	}
	now := s.clock()
	x := Txn{MemberID: m.ID, Kind: BonusKind, Points: pts, Reason: "Points for " + strings.ReplaceAll(event, "_", " ") + ".",
		Key: "event:" + event + ":" + key, CreatedBy: by, OccurredAt: now, CreatedAt: now, AvailableAt: now, ExpiresAt: p.expiry(now)}
	return s.store.Credit(ctx, x, nil)
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

func (s *Service) checkReward(ctx context.Context, r *Reward) error {
	var f fault.Fields
	r.Name, r.Partner = strings.TrimSpace(r.Name), strings.TrimSpace(r.Partner)
	if r.Name == "" {
		f.Add("name", "must be given")
	}
	if r.Cost <= 0 {
		f.Add("cost", "must be at least 1 point")
	}
	if !r.ValidFrom.IsZero() && !r.ValidTo.IsZero() && !r.ValidTo.After(r.ValidFrom) {
		f.Add("valid_to", "must be after valid_from")
	}
	p, err := s.store.FindProgram(ctx, r.ProgramID)
	if err != nil {
		f.Add("program_id", "is not a loyalty program")
	} else if r.MinTierRank > len(p.Tiers) {
		f.Add("min_tier_rank", "the program has %d tiers", len(p.Tiers))
	}
	return f.Err()
}

// CreateReward adds a reward to a program's catalogue.
func (s *Service) CreateReward(ctx context.Context, a auth.Actor, r Reward) (Reward, error) {
	if err := a.Require(auth.LoyaltyAdmin); err != nil {
		return Reward{}, err
	}
	if err := s.checkReward(ctx, &r); err != nil {
		return Reward{}, err
	}
	r.CreatedAt, r.UpdatedAt = s.clock(), s.clock()
	e := a.Audit("create", "loyalty_reward", 0, r.CreatedAt)
	e.Changes = []audit.Change{{Field: "name", New: r.Name}, {Field: "cost", New: fmt.Sprint(r.Cost)}}
	id, err := s.store.CreateReward(ctx, r, e)
	if err != nil {
		return Reward{}, err
	}
	return s.store.FindReward(ctx, id)
}

// UpdateReward changes a reward (its program stays).
func (s *Service) UpdateReward(ctx context.Context, a auth.Actor, id int64, r Reward) (Reward, error) {
	if err := a.Require(auth.LoyaltyAdmin); err != nil {
		return Reward{}, err
	}
	old, err := s.store.FindReward(ctx, id)
	if err != nil {
		return Reward{}, err
	}
	r.ID, r.ProgramID = id, old.ProgramID
	if err := s.checkReward(ctx, &r); err != nil {
		return Reward{}, err
	}
	r.UpdatedAt = s.clock()
	e := a.Audit("update", "loyalty_reward", id, r.UpdatedAt)
	e.Changes = []audit.Change{{Field: "cost", Old: fmt.Sprint(old.Cost), New: fmt.Sprint(r.Cost)},
		{Field: "stock", Old: fmt.Sprint(old.Stock), New: fmt.Sprint(r.Stock)}}
	if err := s.store.UpdateReward(ctx, r, e); err != nil {
		return Reward{}, err
	}
	return s.store.FindReward(ctx, id)
}

// Rewards lists the catalogue (0: every program).
func (s *Service) Rewards(ctx context.Context, a auth.Actor, programID int64) ([]Reward, error) {
	if err := a.Require(auth.LoyaltyRead); err != nil {
		return nil, err
	}
	return s.store.Rewards(ctx, programID)
}

// AddRewardCodes adds partner codes to a reward's pool.
func (s *Service) AddRewardCodes(ctx context.Context, a auth.Actor, rewardID int64, codes []string) (int, error) {
	if err := a.Require(auth.LoyaltyAdmin); err != nil {
		return 0, err
	}
	r, err := s.store.FindReward(ctx, rewardID)
	if err != nil {
		return 0, err
	}
	if r.Partner == "" {
		return 0, fault.Field("codes", "only partner rewards hand out codes from a pool; set the reward's partner first")
	}
	clean := make([]string, 0, len(codes))
	for i, c := range codes {
		c = strings.TrimSpace(c)
		if c == "" || len(c) > 80 {
			return 0, fault.Field(fmt.Sprintf("codes[%d]", i), "must be 1 to 80 characters")
		}
		clean = append(clean, c)
	}
	return s.store.AddRewardCodes(ctx, rewardID, clean)
}

// TierLabels names a customer's tiers in active memberships, lower case,
// and their benefits, for rules elsewhere (SLA policies match them).
func (s *Service) TierLabels(ctx context.Context, customerID int64) []string {
	ms, err := s.store.CustomerMembers(ctx, customerID)
	if err != nil {
		return nil
	}
	var out []string
	for _, m := range ms {
		if m.Status != Active || m.TierID == 0 {
			continue
		}
		p, err := s.store.FindProgram(ctx, m.ProgramID)
		if err != nil {
			continue
		}
		if t := p.Tier(m.TierID); t != nil {
			out = append(out, strings.ToLower(t.Name))
			out = append(out, t.Benefits...)
		}
	}
	return out
}

// SurveyAnswered gives the points for answering a survey in each program
// the customer is an active member of, once per survey.
func (s *Service) SurveyAnswered(ctx context.Context, customerID, surveyID int64) error {
	ms, err := s.store.CustomerMembers(ctx, customerID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.Status != Active {
			continue
		}
		p, err := s.store.FindProgram(ctx, m.ProgramID)
		if err != nil {
			return err
		}
		if !p.Active || p.Rules.Events["survey_answered"] <= 0 {
			continue
		}
		if _, _, err := s.awardEvent(ctx, m, "survey_answered", fmt.Sprint(surveyID), 0); err != nil {
			return err
		}
	}
	return nil
}

// TransferPoints moves points from one member to another of the same
// program (a household pooling its points, a gift). Both customers must be
// visible to the actor; too few points is a Conflict.
func (s *Service) TransferPoints(ctx context.Context, a auth.Actor, fromID, toID, points int64, reason, key string) (Txn, error) {
	if err := a.Require(auth.LoyaltyWrite); err != nil {
		return Txn{}, err
	}
	if points <= 0 || points > 10_000_000 {
		return Txn{}, fault.Field("points", "must be 1 to 10,000,000")
	}
	if fromID == toID {
		return Txn{}, fault.Field("to_member_id", "must be another member")
	}
	from, err := s.member(ctx, a, fromID)
	if err != nil {
		return Txn{}, err
	}
	to, err := s.member(ctx, a, toID)
	if err != nil {
		return Txn{}, fault.Field("to_member_id", "is not a member you can see")
	}
	if from.ProgramID != to.ProgramID {
		return Txn{}, fault.Field("to_member_id", "is a member of another program")
	}
	if from.Status != Active || to.Status != Active {
		return Txn{}, fault.New(fault.Conflict, "Points move only between active memberships.")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		reason = "Transfer"
	}
	now := s.clock()
	out := Txn{MemberID: fromID, Kind: Transfer, Points: points, Reason: fmt.Sprintf("%s: to member %s.", reason, to.Number),
		Key: key, CreatedBy: a.UserID, OccurredAt: now, CreatedAt: now, AvailableAt: now}
	in := Txn{MemberID: toID, Kind: Transfer, Status: "posted", Reason: fmt.Sprintf("%s: from member %s.", reason, from.Number),
		CreatedBy: a.UserID, OccurredAt: now, CreatedAt: now, AvailableAt: now}
	e := a.Audit("transfer", "loyalty_member", fromID, now)
	e.CustomerID = from.CustomerID
	e.Changes = []audit.Change{{Field: "points", New: fmt.Sprint(-points)}, {Field: "to_member", New: to.Number}}
	x, err := s.store.Transfer(ctx, out, in, now, e)
	if errors.Is(err, ErrShort) {
		return Txn{}, fault.New(fault.Conflict, "The member has fewer than %d points.", points)
	}
	return x, err
}
