package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/loyalty"
)

const programColumns = `id, name, currency, rules, point_value, expiry_months, pending_days, enrolment, tier_basis, tier_period,
    tier_grace_days, earn_from, order_cursor, active, created_at, updated_at FROM loyalty_programs`

func scanProgram(row interface{ Scan(...any) error }) (loyalty.Program, error) {
	var p loyalty.Program
	var rules string
	var from sql.NullTime
	err := row.Scan(&p.ID, &p.Name, &p.Currency, &rules, &p.PointValue, &p.ExpiryMonths, &p.PendingDays, &p.Enrolment, &p.TierBasis,
		&p.TierPeriod, &p.TierGraceDays, &from, &p.OrderCursor, &p.Active, &p.CreatedAt, &p.UpdatedAt)
	if err == nil {
		err = json.Unmarshal([]byte(rules), &p.Rules)
	}
	p.EarnFrom, p.CreatedAt, p.UpdatedAt = timeOf(from), p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p, err
}

func (t *tx) saveTiers(ctx context.Context, programID int64, tiers []loyalty.Tier) error {
	// Tiers are matched by rank: members keep their tier row when it is
	// renamed or re-priced; ranks no longer given are removed only when no
	// member holds them.
	keep := map[int]bool{}
	for _, tr := range tiers {
		keep[tr.Rank] = true
		if _, err := t.c.ExecContext(ctx, `INSERT INTO loyalty_tiers (program_id, name, rank, threshold, earn_multiplier, benefits)
    VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (program_id, rank) DO UPDATE SET name = excluded.name, threshold = excluded.threshold,
    earn_multiplier = excluded.earn_multiplier, benefits = excluded.benefits`, programID, tr.Name, tr.Rank, tr.Threshold,
			tr.EarnMultiplier, strings.Join(tr.Benefits, ",")); err != nil {
			return mapErr(err)
		}
	}
	rows, err := t.c.QueryContext(ctx, `SELECT id, rank FROM loyalty_tiers WHERE program_id = ?`, programID)
	if err != nil {
		return err
	}
	var drop []int64
	for rows.Next() {
		var id int64
		var rank int
		if err := rows.Scan(&id, &rank); err != nil {
			rows.Close()
			return err
		}
		if !keep[rank] {
			drop = append(drop, id)
		}
	}
	rows.Close()
	for _, id := range drop {
		var n int
		if err := t.c.QueryRowContext(ctx, `SELECT COUNT(*) FROM loyalty_members WHERE tier_id = ?`, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fault.Field("tiers", "a tier that %d members hold cannot be removed; keep its rank", n)
		}
		if _, err := t.c.ExecContext(ctx, `DELETE FROM loyalty_tiers WHERE id = ?`, id); err != nil {
			return err
		}
	}
	return nil
}

// CreateProgram stores a program with its tiers.
func (s *Store) CreateProgram(ctx context.Context, p loyalty.Program, e audit.Entry) (int64, error) {
	rules, _ := json.Marshal(p.Rules)
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.c.QueryRowContext(ctx, `INSERT INTO loyalty_programs (name, currency, rules, point_value, expiry_months,
    pending_days, enrolment, tier_basis, tier_period, tier_grace_days, earn_from, order_cursor, active, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, p.Name, p.Currency, string(rules), p.PointValue,
			p.ExpiryMonths, p.PendingDays, p.Enrolment, p.TierBasis, p.TierPeriod, p.TierGraceDays, nullTime(p.EarnFrom),
			p.OrderCursor, p.Active, p.CreatedAt, p.UpdatedAt).Scan(&id); err != nil {
			return mapErr(err)
		}
		if err := t.saveTiers(ctx, id, p.Tiers); err != nil {
			return err
		}
		e.EntityID = id
		return t.appendAudit(ctx, e)
	})
	return id, err
}

// UpdateProgram stores a program's new settings and tiers.
func (s *Store) UpdateProgram(ctx context.Context, p loyalty.Program, e audit.Entry) error {
	rules, _ := json.Marshal(p.Rules)
	return s.inTx(ctx, func(t *tx) error {
		if _, err := t.c.ExecContext(ctx, `UPDATE loyalty_programs SET name = ?, currency = ?, rules = ?, point_value = ?,
    expiry_months = ?, pending_days = ?, enrolment = ?, tier_basis = ?, tier_period = ?, tier_grace_days = ?, earn_from = ?,
    active = ?, updated_at = ? WHERE id = ?`, p.Name, p.Currency, string(rules), p.PointValue, p.ExpiryMonths, p.PendingDays,
			p.Enrolment, p.TierBasis, p.TierPeriod, p.TierGraceDays, nullTime(p.EarnFrom), p.Active, p.UpdatedAt, p.ID); err != nil {
			return mapErr(err)
		}
		if err := t.saveTiers(ctx, p.ID, p.Tiers); err != nil {
			return err
		}
		return t.appendAudit(ctx, e)
	})
}

func (s *Store) tiers(ctx context.Context, programID int64) ([]loyalty.Tier, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT id, name, rank, threshold, earn_multiplier, benefits FROM loyalty_tiers
    WHERE program_id = ? ORDER BY rank`, programID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []loyalty.Tier
	for rows.Next() {
		var tr loyalty.Tier
		var benefits string
		if err := rows.Scan(&tr.ID, &tr.Name, &tr.Rank, &tr.Threshold, &tr.EarnMultiplier, &benefits); err != nil {
			return nil, err
		}
		if benefits != "" {
			tr.Benefits = strings.Split(benefits, ",")
		}
		out = append(out, tr)
	}
	return out, rows.Err()
}

// Programs lists the programs with their tiers.
func (s *Store) Programs(ctx context.Context) ([]loyalty.Program, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+programColumns+` ORDER BY id`)
	if err != nil {
		return nil, err
	}
	var out []loyalty.Program
	for rows.Next() {
		p, err := scanProgram(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Tiers, err = s.tiers(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// FindProgram returns a program with its tiers.
func (s *Store) FindProgram(ctx context.Context, id int64) (loyalty.Program, error) {
	p, err := scanProgram(s.readConn().QueryRowContext(ctx, `SELECT `+programColumns+` WHERE id = ?`, id))
	if err != nil {
		return p, notFoundOr(err, fmt.Sprintf("Loyalty program %d was not found.", id))
	}
	p.Tiers, err = s.tiers(ctx, id)
	return p, err
}

const memberColumns = `m.id, m.program_id, m.customer_id, COALESCE(c.display_name, ''), m.number, m.status, COALESCE(m.tier_id, 0),
    m.tier_since, m.tier_notice_at, m.balance, m.pending, m.source, m.enrolled_at
    FROM loyalty_members m LEFT JOIN customers c ON c.id = m.customer_id`

func scanMember(row interface{ Scan(...any) error }) (loyalty.Member, error) {
	var m loyalty.Member
	var since, notice sql.NullTime
	err := row.Scan(&m.ID, &m.ProgramID, &m.CustomerID, &m.CustomerName, &m.Number, &m.Status, &m.TierID, &since, &notice,
		&m.Balance, &m.Pending, &m.Source, &m.EnrolledAt)
	m.TierSince, m.TierNoticeAt, m.EnrolledAt = timeOf(since), timeOf(notice), m.EnrolledAt.UTC()
	return m, err
}

func (t *tx) enrol(ctx context.Context, m loyalty.Member) (int64, error) {
	var id int64
	err := t.c.QueryRowContext(ctx, `INSERT INTO loyalty_members (program_id, customer_id, number, status, balance, pending, source,
    enrolled_at) VALUES (?, ?, ?, ?, 0, 0, ?, ?) RETURNING id`, m.ProgramID, m.CustomerID, m.Number, m.Status, m.Source,
		m.EnrolledAt).Scan(&id)
	if err != nil {
		err = mapErr(err)
		if fault.Is(err, fault.Conflict) {
			return 0, fault.New(fault.Conflict, "Customer %d is a member of this program already.", m.CustomerID)
		}
	}
	return id, err
}

// Enrol adds a member with its welcome credit.
func (s *Store) Enrol(ctx context.Context, m loyalty.Member, welcome loyalty.Txn, e audit.Entry) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		var err error
		if id, err = t.enrol(ctx, m); err != nil {
			return err
		}
		if welcome.Points > 0 {
			welcome.MemberID = id
			if _, err := t.credit(ctx, welcome); err != nil {
				return err
			}
		}
		e.EntityID = id
		return t.appendAudit(ctx, e)
	})
	return id, err
}

// FindMember returns a member.
func (s *Store) FindMember(ctx context.Context, id int64) (loyalty.Member, error) {
	m, err := scanMember(s.readConn().QueryRowContext(ctx, `SELECT `+memberColumns+` WHERE m.id = ?`, id))
	return m, notFoundOr(err, fmt.Sprintf("Member %d was not found.", id))
}

// MemberByNumber finds a member by card number.
func (s *Store) MemberByNumber(ctx context.Context, number string) (loyalty.Member, error) {
	m, err := scanMember(s.readConn().QueryRowContext(ctx, `SELECT `+memberColumns+` WHERE m.number = ?`, number))
	return m, notFoundOr(err, fmt.Sprintf("No member has the number %q.", number))
}

func (s *Store) members(ctx context.Context, where string, args ...any) ([]loyalty.Member, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+memberColumns+` WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []loyalty.Member
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// CustomerMembers lists a customer's memberships.
func (s *Store) CustomerMembers(ctx context.Context, customerID int64) ([]loyalty.Member, error) {
	return s.members(ctx, `m.customer_id = ? ORDER BY m.program_id`, customerID)
}

// Members lists a program's members by id, after an id.
func (s *Store) Members(ctx context.Context, programID, after int64, limit int) ([]loyalty.Member, error) {
	return s.members(ctx, `m.program_id = ? AND m.id > ? ORDER BY m.id LIMIT ?`, programID, after, limit)
}

// HouseholdMembers lists the other active members of a member's program
// whose customers share the member's household.
func (s *Store) HouseholdMembers(ctx context.Context, memberID int64) ([]loyalty.Member, error) {
	return s.members(ctx, `m.id <> ? AND m.status = 'active'
    AND m.program_id = (SELECT program_id FROM loyalty_members WHERE id = ?)
    AND m.customer_id IN (SELECT h2.customer_id FROM household_members h1 JOIN household_members h2 ON h2.household_id = h1.household_id
        WHERE h1.customer_id = (SELECT customer_id FROM loyalty_members WHERE id = ?))
    ORDER BY m.id`, memberID, memberID, memberID)
}

// BirthdayMembers lists a program's active members whose birthday is on
// a month and day ("12-24").
func (s *Store) BirthdayMembers(ctx context.Context, programID int64, monthDay string) ([]loyalty.Member, error) {
	return s.members(ctx, `m.program_id = ? AND m.status = 'active' AND c.birth_date <> '' AND substr(c.birth_date, 6, 5) = ?
    ORDER BY m.id`, programID, monthDay)
}

// SetMemberStatus suspends, closes or reactivates a membership.
func (s *Store) SetMemberStatus(ctx context.Context, id int64, status string, e audit.Entry) error {
	return s.inTx(ctx, func(t *tx) error {
		if _, err := t.c.ExecContext(ctx, `UPDATE loyalty_members SET status = ? WHERE id = ?`, status, id); err != nil {
			return err
		}
		e.EntityID = id
		return t.appendAudit(ctx, e)
	})
}

// Qualifying sums a member's qualifying amounts since a time.
func (s *Store) Qualifying(ctx context.Context, memberID int64, since time.Time) (int64, error) {
	var q int64
	err := s.readConn().QueryRowContext(ctx, `SELECT COALESCE(SUM(qualifying), 0) FROM loyalty_transactions
    WHERE member_id = ? AND qualifying <> 0 AND occurred_at >= ?`, memberID, since).Scan(&q)
	return q, err
}

// SetTier moves a member to a tier (0: none), or, with notice, only records
// that the member was told of a coming downgrade (tierID -1 clears that).
func (s *Store) SetTier(ctx context.Context, memberID, tierID int64, at time.Time, notice bool, e *audit.Entry) error {
	return s.inTx(ctx, func(t *tx) error {
		var err error
		switch {
		case notice && tierID < 0:
			_, err = t.c.ExecContext(ctx, `UPDATE loyalty_members SET tier_notice_at = NULL WHERE id = ?`, memberID)
		case notice:
			_, err = t.c.ExecContext(ctx, `UPDATE loyalty_members SET tier_notice_at = ? WHERE id = ?`, at, memberID)
		default:
			_, err = t.c.ExecContext(ctx, `UPDATE loyalty_members SET tier_id = ?, tier_since = ?, tier_notice_at = NULL WHERE id = ?`,
				nullID(tierID), at, memberID)
		}
		if err != nil || e == nil {
			return err
		}
		e.EntityID = memberID
		return t.appendAudit(ctx, *e)
	})
}

// --- rewards ---

const rewardColumns = `r.id, r.program_id, r.name, r.description, r.cost, COALESCE(r.stock, -1), r.min_tier_rank, r.partner,
    r.valid_from, r.valid_to, r.active, r.created_at, r.updated_at,
    (SELECT COUNT(*) FROM loyalty_reward_codes k WHERE k.reward_id = r.id AND k.redemption_id IS NULL) FROM loyalty_rewards r`

func scanReward(row interface{ Scan(...any) error }) (loyalty.Reward, error) {
	var r loyalty.Reward
	var from, to sql.NullTime
	err := row.Scan(&r.ID, &r.ProgramID, &r.Name, &r.Description, &r.Cost, &r.Stock, &r.MinTierRank, &r.Partner, &from, &to,
		&r.Active, &r.CreatedAt, &r.UpdatedAt, &r.CodesLeft)
	r.ValidFrom, r.ValidTo, r.CreatedAt, r.UpdatedAt = timeOf(from), timeOf(to), r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return r, err
}

func stockOf(n int64) sql.NullInt64 { return sql.NullInt64{Int64: n, Valid: n >= 0} }

// CreateReward adds a reward to the catalogue.
func (s *Store) CreateReward(ctx context.Context, r loyalty.Reward, e audit.Entry) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.c.QueryRowContext(ctx, `INSERT INTO loyalty_rewards (program_id, name, description, cost, stock, min_tier_rank,
    partner, valid_from, valid_to, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			r.ProgramID, r.Name, r.Description, r.Cost, stockOf(r.Stock), r.MinTierRank, r.Partner, nullTime(r.ValidFrom),
			nullTime(r.ValidTo), r.Active, r.CreatedAt, r.UpdatedAt).Scan(&id); err != nil {
			return mapErr(err)
		}
		e.EntityID = id
		return t.appendAudit(ctx, e)
	})
	return id, err
}

// UpdateReward stores a reward's new terms.
func (s *Store) UpdateReward(ctx context.Context, r loyalty.Reward, e audit.Entry) error {
	return s.inTx(ctx, func(t *tx) error {
		if _, err := t.c.ExecContext(ctx, `UPDATE loyalty_rewards SET name = ?, description = ?, cost = ?, stock = ?, min_tier_rank = ?,
    partner = ?, valid_from = ?, valid_to = ?, active = ?, updated_at = ? WHERE id = ?`, r.Name, r.Description, r.Cost,
			stockOf(r.Stock), r.MinTierRank, r.Partner, nullTime(r.ValidFrom), nullTime(r.ValidTo), r.Active, r.UpdatedAt, r.ID); err != nil {
			return mapErr(err)
		}
		e.EntityID = r.ID
		return t.appendAudit(ctx, e)
	})
}

// Rewards lists a program's rewards (0: all programs).
func (s *Store) Rewards(ctx context.Context, programID int64) ([]loyalty.Reward, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+rewardColumns+` WHERE (? = 0 OR r.program_id = ?) ORDER BY r.cost, r.name`,
		programID, programID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []loyalty.Reward
	for rows.Next() {
		r, err := scanReward(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// FindReward returns a reward.
func (s *Store) FindReward(ctx context.Context, id int64) (loyalty.Reward, error) {
	r, err := scanReward(s.readConn().QueryRowContext(ctx, `SELECT `+rewardColumns+` WHERE r.id = ?`, id))
	return r, notFoundOr(err, fmt.Sprintf("Reward %d was not found.", id))
}

// AddRewardCodes adds partner codes to a reward's pool, skipping known ones.
func (s *Store) AddRewardCodes(ctx context.Context, rewardID int64, codes []string) (int, error) {
	n := 0
	err := s.inTx(ctx, func(t *tx) error {
		n = 0
		for _, c := range codes {
			res, err := t.c.ExecContext(ctx, `INSERT INTO loyalty_reward_codes (reward_id, code) VALUES (?, ?) ON CONFLICT DO NOTHING`,
				rewardID, c)
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n += int(k)
		}
		return nil
	})
	return n, err
}

// --- statements and reports ---

// bookedAt is when a transaction counts in a statement: a pending credit
// when it became available.
const bookedAt = `CASE WHEN available_at > created_at THEN available_at ELSE created_at END`

// MonthFigures sums a member's posted transactions in [from, to) by kind,
// and what came before as the opening balance.
func (s *Store) MonthFigures(ctx context.Context, memberID int64, from, to time.Time) (loyalty.Statement, error) {
	st := loyalty.Statement{MemberID: memberID}
	if err := s.readConn().QueryRowContext(ctx, `SELECT COALESCE(SUM(points), 0) FROM loyalty_transactions
    WHERE member_id = ? AND status = 'posted' AND `+bookedAt+` < ?`, memberID, from).Scan(&st.Opening); err != nil {
		return st, err
	}
	rows, err := s.readConn().QueryContext(ctx, `SELECT kind, COALESCE(SUM(points), 0) FROM loyalty_transactions
    WHERE member_id = ? AND status = 'posted' AND `+bookedAt+` >= ? AND `+bookedAt+` < ? GROUP BY kind`, memberID, from, to)
	if err != nil {
		return st, err
	}
	defer rows.Close()
	for rows.Next() {
		var kind string
		var pts int64
		if err := rows.Scan(&kind, &pts); err != nil {
			return st, err
		}
		switch kind {
		case loyalty.Accrual, loyalty.BonusKind, loyalty.Reversal:
			st.Earned += pts
		case loyalty.Redemption:
			st.Spent -= pts
		case loyalty.Expiry:
			st.Expired -= pts
		default:
			st.Adjusted += pts
		}
	}
	st.Closing = st.Opening + st.Earned - st.Spent - st.Expired + st.Adjusted
	return st, rows.Err()
}

// ExpiringBetween sums a member's points that expire in [from, to).
func (s *Store) ExpiringBetween(ctx context.Context, memberID int64, from, to time.Time) (int64, error) {
	var n int64
	err := s.readConn().QueryRowContext(ctx, `SELECT COALESCE(SUM(remaining), 0) FROM loyalty_transactions WHERE member_id = ?
    AND remaining > 0 AND status = 'posted' AND expires_at >= ? AND expires_at < ?`, memberID, from, to).Scan(&n)
	return n, err
}

const statementColumns = `id, member_id, period, opening, earned, spent, expired, adjusted, closing, expiring_soon, tier, next_tier,
    to_next, created_at, email_state FROM loyalty_statements`

func scanStatement(row interface{ Scan(...any) error }) (loyalty.Statement, error) {
	var st loyalty.Statement
	err := row.Scan(&st.ID, &st.MemberID, &st.Period, &st.Opening, &st.Earned, &st.Spent, &st.Expired, &st.Adjusted, &st.Closing,
		&st.ExpiringSoon, &st.Tier, &st.NextTier, &st.ToNext, &st.CreatedAt, &st.EmailState)
	st.CreatedAt = st.CreatedAt.UTC()
	return st, err
}

// SaveStatement stores a statement once per member and month (false when
// it existed), queued for mailing when asked.
func (s *Store) SaveStatement(ctx context.Context, st loyalty.Statement, queue bool) (bool, error) {
	state := "none"
	if queue {
		state = "queued"
	}
	created := false
	err := s.inTx(ctx, func(t *tx) error {
		res, err := t.c.ExecContext(ctx, `INSERT INTO loyalty_statements (member_id, period, opening, earned, spent, expired, adjusted,
    closing, expiring_soon, tier, next_tier, to_next, created_at, email_state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (member_id, period) DO NOTHING`, st.MemberID, st.Period, st.Opening, st.Earned, st.Spent, st.Expired, st.Adjusted,
			st.Closing, st.ExpiringSoon, st.Tier, st.NextTier, st.ToNext, st.CreatedAt, state)
		if err != nil {
			return err
		}
		k, _ := res.RowsAffected()
		created = k == 1
		return nil
	})
	return created, err
}

// FindStatement returns a stored statement.
func (s *Store) FindStatement(ctx context.Context, memberID int64, period string) (loyalty.Statement, error) {
	st, err := scanStatement(s.readConn().QueryRowContext(ctx, `SELECT `+statementColumns+` WHERE member_id = ? AND period = ?`,
		memberID, period))
	return st, notFoundOr(err, fmt.Sprintf("Member %d has no statement for %s.", memberID, period))
}

// RunCursor returns where a run stands (found false: not started).
func (s *Store) RunCursor(ctx context.Context, programID int64, kind, period string) (int64, bool, error) {
	var cursor int64
	var done sql.NullTime
	err := s.readConn().QueryRowContext(ctx, `SELECT cursor, done_at FROM loyalty_runs WHERE program_id = ? AND kind = ? AND period = ?`,
		programID, kind, period).Scan(&cursor, &done)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if done.Valid {
		return -1, true, err
	}
	return cursor, true, err
}

// SetRunCursor records where a run stands.
func (s *Store) SetRunCursor(ctx context.Context, programID int64, kind, period string, cursor int64, done bool, at time.Time) error {
	return s.inTx(ctx, func(t *tx) error {
		_, err := t.c.ExecContext(ctx, `INSERT INTO loyalty_runs (program_id, kind, period, cursor, done_at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (program_id, kind, period) DO UPDATE SET cursor = excluded.cursor, done_at = excluded.done_at`,
			programID, kind, period, cursor, nullTime(map[bool]time.Time{true: at}[done]))
		return err
	})
}

// Liability sums a program's outstanding points by the month they expire.
func (s *Store) Liability(ctx context.Context, programID int64) ([]loyalty.LiabilityRow, error) {
	month := "substr(t.expires_at, 1, 7)"
	if s.engine == Postgres {
		month = "to_char(t.expires_at AT TIME ZONE 'UTC', 'YYYY-MM')"
	}
	rows, err := s.readConn().QueryContext(ctx, `SELECT COALESCE(`+month+`, 'never'), SUM(t.remaining)
    FROM loyalty_transactions t JOIN loyalty_members m ON m.id = t.member_id
    WHERE m.program_id = ? AND t.remaining > 0 GROUP BY 1 ORDER BY 1`, programID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []loyalty.LiabilityRow
	for rows.Next() {
		var r loyalty.LiabilityRow
		if err := rows.Scan(&r.Month, &r.Points); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
