package loyalty

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// Run does the loyalty work that is due: points for new orders (and back
// for returns), pending points becoming available, expiry, the daily tier
// review and the monthly statements. Every step keeps its place in the
// database, so a run cut short by a crash carries on where it stopped.
func (s *Service) Run(ctx context.Context) (int, error) {
	total, err := s.AccrueAll(ctx)
	if err != nil {
		return total, err
	}
	programs, err := s.store.Programs(ctx)
	if err != nil {
		return total, err
	}
	now := s.clock()
	for {
		n, err := s.store.ReleaseDue(ctx, now, 5000)
		total += n
		if err != nil || n == 0 {
			if err != nil {
				return total, fmt.Errorf("loyalty: release pending points: %w", err)
			}
			break
		}
	}
	for {
		n, err := s.store.ExpireDue(ctx, now, 2000)
		total += n
		if err != nil {
			return total, fmt.Errorf("loyalty: expire points: %w", err)
		}
		if n == 0 {
			break
		}
	}
	for _, p := range programs {
		if !p.Active {
			continue
		}
		n, err := s.birthdays(ctx, p, now)
		total += n
		if err != nil {
			return total, fmt.Errorf("loyalty: birthday points %s: %w", p.Name, err)
		}
		if err := s.reviewTiers(ctx, p, now); err != nil {
			return total, fmt.Errorf("loyalty: tier review %s: %w", p.Name, err)
		}
		n, err = s.makeStatements(ctx, p, now)
		total += n
		if err != nil {
			return total, fmt.Errorf("loyalty: statements %s: %w", p.Name, err)
		}
		n, err = s.expiryNotices(ctx, p, now)
		total += n
		if err != nil {
			return total, fmt.Errorf("loyalty: expiry notices %s: %w", p.Name, err)
		}
	}
	n, err := s.mailStatements(ctx)
	total += n
	if err != nil {
		return total, err
	}
	n, err = s.mailNotices(ctx)
	return total + n, err
}

// AccrueAll books the points of new orders and returns in every active
// program and returns how many orders it looked at.
func (s *Service) AccrueAll(ctx context.Context) (int, error) {
	programs, err := s.store.Programs(ctx)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, p := range programs {
		if !p.Active {
			continue
		}
		n, err := s.Accrue(ctx, p)
		total += n
		if err != nil {
			return total, fmt.Errorf("loyalty: accrue %s: %w", p.Name, err)
		}
	}
	return total, nil
}

// Accrue books the points of the orders placed since the program's cursor
// (enrolling buyers when enrolment is automatic) and takes back the points
// of returned goods. It returns how many orders it booked.
func (s *Service) Accrue(ctx context.Context, p Program) (int, error) {
	// The segments of bonus campaigns, as they stand at the start of the run.
	segments := map[int64]map[int64]bool{}
	for _, b := range p.Rules.Bonuses {
		if b.SegmentID == 0 || segments[b.SegmentID] != nil {
			continue
		}
		members, err := s.store.SegmentMembers(ctx, b.SegmentID, s.clock())
		if fault.Is(err, fault.NotFound) {
			members = map[int64]bool{} // a segment deleted since: nobody is in it
		} else if err != nil {
			return 0, err
		}
		segments[b.SegmentID] = members
	}
	n := 0
	for {
		now := s.clock()
		read, err := s.store.AccrueOrders(ctx, p, s.BatchSize, now, func(rows []OrderRow, members map[int64]Member) ([]AccrualBooking,
			[]ReturnBooking) {
			return p.plan(rows, members, segments, now)
		})
		n += read
		if err != nil || read == 0 {
			return n, err
		}
	}
}

// plan works out what a batch of orders earns and what its returns take
// back.
func (p Program) plan(rows []OrderRow, members map[int64]Member, segments map[int64]map[int64]bool,
	now time.Time) ([]AccrualBooking, []ReturnBooking) {
	var accruals []AccrualBooking
	var returns []ReturnBooking
	for _, o := range rows {
		if !p.EarnFrom.IsZero() && o.At.Before(p.EarnFrom) {
			continue
		}
		m, isMember := members[o.CustomerID]
		if isMember && m.Status != Active {
			continue
		}
		var bought, back []Line
		for _, l := range o.Lines {
			if l.Quantity > 0 {
				bought = append(bought, l)
			} else if l.Quantity < 0 {
				back = append(back, Line{SKU: l.SKU, Category: l.Category, Quantity: -l.Quantity, LineTotal: -l.LineTotal})
			}
		}
		if len(back) > 0 && isMember {
			returns = append(returns, ReturnBooking{MemberID: m.ID, OrderID: o.OrderID, At: o.At, Lines: back})
		}
		if len(bought) == 0 || (!isMember && p.Enrolment != "auto") {
			continue
		}
		buyer := o.CustomerID
		inSegment := func(id int64) bool { return segments[id][buyer] }
		e := p.Earn(Purchase{OrderID: o.OrderID, At: o.At, Currency: o.Currency, Lines: bought, InSegment: inSegment}, p.Tier(m.TierID))
		if e.Points <= 0 {
			continue
		}
		accruals = append(accruals, AccrualBooking{CustomerID: o.CustomerID, MemberID: m.ID, Txn: p.accrual(o, e, now)})
	}
	return accruals, returns
}

// accrual is the credit an order's earning books.
func (p Program) accrual(o OrderRow, e Earning, now time.Time) Txn {
	merged := []LinePoints{}
	at := map[string]int{}
	for _, l := range e.Lines {
		if i, ok := at[l.SKU]; ok {
			merged[i].Quantity += l.Quantity
			merged[i].Points += l.Points
			continue
		}
		at[l.SKU] = len(merged)
		merged = append(merged, l)
	}
	detail, _ := json.Marshal(merged)
	x := Txn{Kind: Accrual, Points: e.Points, Status: "posted", Qualifying: e.Qualifying, OrderID: o.OrderID,
		Reason: fmt.Sprintf("Order %d.", o.OrderID), Detail: string(detail), OccurredAt: o.At, CreatedAt: now,
		AvailableAt: o.At.AddDate(0, 0, p.PendingDays), ExpiresAt: p.expiry(o.At)}
	if x.AvailableAt.After(now) {
		x.Status = "pending"
	} else {
		x.AvailableAt = now
	}
	if !x.ExpiresAt.IsZero() && x.ExpiresAt.Before(x.AvailableAt) {
		x.ExpiresAt = x.AvailableAt
	}
	return x
}

// birthdays gives the program's birthday points, once a day, to the
// members born on this day (once per member and year, by the key).
func (s *Service) birthdays(ctx context.Context, p Program, now time.Time) (int, error) {
	if p.Rules.Events["birthday"] <= 0 {
		return 0, nil
	}
	day := now.Format("2006-01-02")
	if _, found, err := s.store.RunCursor(ctx, p.ID, "birthday", day); err != nil || found {
		return 0, err
	}
	ms, err := s.store.BirthdayMembers(ctx, p.ID, now.Format("01-02"))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range ms {
		_, created, err := s.awardEvent(ctx, m, "birthday", now.Format("2006"), 0)
		if err != nil {
			return n, err
		}
		if created {
			n++
		}
	}
	return n, s.store.SetRunCursor(ctx, p.ID, "birthday", day, 0, true, now)
}

// reviewTiers runs once a day: members below their tier's threshold are
// told (the notice date is recorded) and moved down when the grace period
// has passed without them qualifying again.
func (s *Service) reviewTiers(ctx context.Context, p Program, now time.Time) error {
	if len(p.Tiers) == 0 {
		return nil
	}
	day := now.Format("2006-01-02")
	cursor, found, err := s.store.RunCursor(ctx, p.ID, "tiers", day)
	if err != nil || (found && cursor < 0) {
		return err
	}
	since := p.QualifyingSince(now)
	for {
		ms, err := s.store.Members(ctx, p.ID, cursor, 500)
		if err != nil {
			return err
		}
		if len(ms) == 0 {
			return s.store.SetRunCursor(ctx, p.ID, "tiers", day, cursor, true, now)
		}
		for _, m := range ms {
			cursor = m.ID
			cur := p.Tier(m.TierID)
			if cur == nil || m.Status != Active {
				continue
			}
			q, err := s.store.Qualifying(ctx, m.ID, since)
			if err != nil {
				return err
			}
			target := p.TierFor(q)
			switch {
			case target != nil && target.Rank >= cur.Rank:
				if !m.TierNoticeAt.IsZero() {
					err = s.store.SetTier(ctx, m.ID, -1, now, true, nil)
				}
			case m.TierNoticeAt.IsZero():
				// The notice is recorded first and mailed after: a crash in
				// between loses the email, never sends it twice.
				if err = s.store.SetTier(ctx, m.ID, 0, now, true, nil); err == nil && s.MailTierNotice != nil {
					next := ""
					if target != nil {
						next = target.Name
					}
					if merr := s.MailTierNotice(ctx, m, cur.Name, next, now.AddDate(0, 0, p.TierGraceDays)); merr != nil &&
						!errors.Is(merr, ErrNoAddress) {
						err = merr
					}
				}
			case now.Sub(m.TierNoticeAt) >= time.Duration(p.TierGraceDays)*24*time.Hour:
				to, name := int64(0), "no tier"
				if target != nil {
					to, name = target.ID, target.Name
				}
				e := auth.System("loyalty").Audit("downgrade", "loyalty_member", m.ID, now)
				e.CustomerID = m.CustomerID
				e.Changes = append(e.Changes, auditChange("tier", cur.Name, name))
				err = s.store.SetTier(ctx, m.ID, to, now, false, &e)
			}
			if err != nil {
				return err
			}
		}
		if err := s.store.SetRunCursor(ctx, p.ID, "tiers", day, cursor, false, now); err != nil {
			return err
		}
	}
}

// makeStatements writes last month's statements once the month is over,
// one per member, keeping its place so that a restart neither skips nor
// repeats one.
func (s *Service) makeStatements(ctx context.Context, p Program, now time.Time) (int, error) {
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
	period := month.Format("2006-01")
	cursor, found, err := s.store.RunCursor(ctx, p.ID, "statements", period)
	if err != nil || (found && cursor < 0) {
		return 0, err
	}
	made := 0
	for {
		ms, err := s.store.Members(ctx, p.ID, cursor, 500)
		if err != nil {
			return made, err
		}
		if len(ms) == 0 {
			return made, s.store.SetRunCursor(ctx, p.ID, "statements", period, cursor, true, now)
		}
		for _, m := range ms {
			cursor = m.ID
			if m.EnrolledAt.After(month.AddDate(0, 1, 0)) {
				continue
			}
			st, err := s.statement(ctx, p, m, month)
			if err != nil {
				return made, err
			}
			st.CreatedAt = now
			ok, err := s.store.SaveStatement(ctx, st, s.MailStatement != nil && m.Status == Active)
			if err != nil {
				return made, err
			}
			if ok {
				made++
			}
		}
		if err := s.store.SetRunCursor(ctx, p.ID, "statements", period, cursor, false, now); err != nil {
			return made, err
		}
	}
}

// statement works out a member's statement for the month starting at from.
func (s *Service) statement(ctx context.Context, p Program, m Member, from time.Time) (Statement, error) {
	to := from.AddDate(0, 1, 0)
	st, err := s.store.MonthFigures(ctx, m.ID, from, to)
	if err != nil {
		return st, err
	}
	st.MemberID, st.Period = m.ID, from.Format("2006-01")
	if st.ExpiringSoon, err = s.store.ExpiringBetween(ctx, m.ID, to, to.AddDate(0, 2, 0)); err != nil {
		return st, err
	}
	rank := 0
	if t := p.Tier(m.TierID); t != nil {
		st.Tier, rank = t.Name, t.Rank
	}
	if next := p.NextTier(rank); next != nil {
		q, err := s.store.Qualifying(ctx, m.ID, p.QualifyingSince(to))
		if err != nil {
			return st, err
		}
		st.NextTier, st.ToNext = next.Name, max(0, next.Threshold-q)
	}
	return st, nil
}

// mailStatements sends the queued statements.
func (s *Service) mailStatements(ctx context.Context) (int, error) {
	if s.MailStatement == nil {
		return 0, nil
	}
	return mailQueued(ctx, s, s.store.StatementsToMail, func(st Statement) (int64, int64) { return st.ID, st.MemberID },
		s.store.ClaimStatement, s.store.SetStatementMail, s.MailStatement)
}

// mailNotices sends the queued expiry notices.
func (s *Service) mailNotices(ctx context.Context) (int, error) {
	if s.MailExpiryNotice == nil {
		return 0, nil
	}
	return mailQueued(ctx, s, s.store.NoticesToMail, func(n Notice) (int64, int64) { return n.ID, n.MemberID },
		s.store.ClaimNotice, s.store.SetNoticeMail, s.MailExpiryNotice)
}

// mailQueued sends queued mail (statements, notices). Each is marked
// sending in its own commit just before its email goes out; one left so by
// a crash is marked uncertain at the next start and not sent again.
func mailQueued[T any](ctx context.Context, s *Service, list func(context.Context, int) ([]T, error), ids func(T) (int64, int64),
	claim func(context.Context, int64) (bool, error), set func(context.Context, int64, string, time.Time) error,
	send func(context.Context, Member, T) error) (int, error) {
	sent := 0
	for {
		items, err := list(ctx, 100)
		if err != nil || len(items) == 0 {
			return sent, err
		}
		for _, it := range items {
			id, memberID := ids(it)
			mine, err := claim(ctx, id)
			if err != nil {
				return sent, err
			}
			if !mine {
				continue
			}
			m, err := s.store.FindMember(ctx, memberID)
			state := "sent"
			if err == nil {
				err = send(ctx, m, it)
			}
			if errors.Is(err, ErrNoAddress) {
				state = "skipped"
			} else if err != nil {
				state = "failed"
			}
			if err := set(ctx, id, state, s.clock()); err != nil {
				return sent, err
			}
			if state == "sent" {
				sent++
			}
		}
	}
}

// expiryNotices records, once a day, a notice for each member with points
// expiring within the program's notice period (one per member and month
// of expiry), queued for email.
func (s *Service) expiryNotices(ctx context.Context, p Program, now time.Time) (int, error) {
	if p.Rules.ExpiryNoticeDays <= 0 || p.ExpiryMonths <= 0 {
		return 0, nil
	}
	day := now.Format("2006-01-02")
	if _, found, err := s.store.RunCursor(ctx, p.ID, "expiry_notices", day); err != nil || found {
		return 0, err
	}
	n, err := s.store.NoteExpiring(ctx, p.ID, now, now.AddDate(0, 0, p.Rules.ExpiryNoticeDays), s.MailExpiryNotice != nil, now)
	if err != nil {
		return n, err
	}
	return n, s.store.SetRunCursor(ctx, p.ID, "expiry_notices", day, 0, true, now)
}

// ErrNoAddress is what MailStatement returns for a customer without a
// usable email address or without consent to statements by email.
var ErrNoAddress = errors.New("loyalty: no address to mail")

// Recover marks statements and notices whose mailing a crash interrupted;
// call it when the process starts.
func (s *Service) Recover(ctx context.Context) (int, error) {
	n, err := s.store.MarkUncertainStatements(ctx)
	if err != nil {
		return n, err
	}
	k, err := s.store.MarkUncertainNotices(ctx)
	return n + k, err
}

// Statement returns a member's statement for a month: the stored one, or,
// for the current month, one worked out now.
func (s *Service) Statement(ctx context.Context, a auth.Actor, memberID int64, period string) (Statement, Member, Program, error) {
	if err := a.Require(auth.LoyaltyRead); err != nil {
		return Statement{}, Member{}, Program{}, err
	}
	m, err := s.member(ctx, a, memberID)
	if err != nil {
		return Statement{}, m, Program{}, err
	}
	return s.statementFor(ctx, m, period)
}

func (s *Service) statementFor(ctx context.Context, m Member, period string) (Statement, Member, Program, error) {
	month, err := periodOf(period)
	if err != nil {
		return Statement{}, m, Program{}, fault.Field("period", "%s", err.Error())
	}
	p, err := s.store.FindProgram(ctx, m.ProgramID)
	if err != nil {
		return Statement{}, m, p, err
	}
	st, err := s.store.FindStatement(ctx, m.ID, month.Format("2006-01"))
	if err == nil || !fault.Is(err, fault.NotFound) {
		return st, m, p, err
	}
	now := s.clock()
	if month.After(now) || month.AddDate(0, 1, 0).Before(m.EnrolledAt) {
		return Statement{}, m, p, fault.New(fault.NotFound, "Member %d has no statement for %s.", m.ID, period)
	}
	st, err = s.statement(ctx, p, m, month)
	st.CreatedAt = now
	return st, m, p, err
}

// MemberStatement is the statement a customer reads on their signed page.
func (s *Service) MemberStatement(ctx context.Context, memberID int64, period string) (Statement, Member, Program, error) {
	m, err := s.store.FindMember(ctx, memberID)
	if err != nil {
		return Statement{}, m, Program{}, err
	}
	return s.statementFor(ctx, m, period)
}

func auditChange(field, old, new string) audit.Change {
	return audit.Change{Field: field, Old: old, New: new}
}
