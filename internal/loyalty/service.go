package loyalty

import (
	"context"
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
	pts, status := p.Rules.Events[event], p.Rules.StatusEvents[event]
	if p.Rules.StatusRate <= 0 {
		status = 0
	}
	if pts <= 0 && status <= 0 {
		return Txn{}, false, fault.New(fault.Conflict, "The program gives no points for %s.", event)
	}
	if strings.TrimSpace(key) == "" {
		return Txn{}, false, fault.Field("key", "name this occurrence (a review id, the referred customer…) so it counts once")
	}
	now := s.clock()
	x := Txn{MemberID: m.ID, Kind: BonusKind, Points: max(pts, 0), Qualifying: status,
		Reason: "Points for " + strings.ReplaceAll(event, "_", " ") + ".", Key: "event:" + event + ":" + key, CreatedBy: by,
		OccurredAt: now, CreatedAt: now, AvailableAt: now, ExpiresAt: p.expiry(now)}
	x, created, err := s.store.Credit(ctx, x, nil)
	if err == nil && created && status > 0 {
		// Status points move the member up at once, as an order's do.
		err = s.store.UpgradeTier(ctx, p, m.ID, now)
	}
	return x, created, err
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
