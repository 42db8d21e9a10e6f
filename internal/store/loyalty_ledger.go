package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/loyalty"
)

// The ledger's rules, kept by every function here inside one transaction
// that first locks the member's row:
//   - balance is the sum of the member's posted transactions, pending the
//     sum of the pending ones;
//   - the posted lots' remaining points add up to the balance when it is
//     positive (a return can leave a member owing points; the next credits
//     settle that before they form spendable lots);
//   - a lot gives points to a debit or an expiry once, recorded in
//     loyalty_lot_uses, and never after its expiry time.

const txnColumns = `id, member_id, kind, points, status, remaining, qualifying, COALESCE(order_id, 0), COALESCE(reverses_id, 0),
    reason, detail, COALESCE(idempotency_key, ''), COALESCE(created_by, 0), occurred_at, created_at, available_at, expires_at
    FROM loyalty_transactions`

func scanTxn(row interface{ Scan(...any) error }) (loyalty.Txn, error) {
	var t loyalty.Txn
	var exp sql.NullTime
	err := row.Scan(&t.ID, &t.MemberID, &t.Kind, &t.Points, &t.Status, &t.Remaining, &t.Qualifying, &t.OrderID, &t.ReversesID,
		&t.Reason, &t.Detail, &t.Key, &t.CreatedBy, &t.OccurredAt, &t.CreatedAt, &t.AvailableAt, &exp)
	t.OccurredAt, t.CreatedAt, t.AvailableAt, t.ExpiresAt = t.OccurredAt.UTC(), t.CreatedAt.UTC(), t.AvailableAt.UTC(), timeOf(exp)
	return t, err
}

// insertTxn writes a transaction as given (remaining included).
func (t *tx) insertTxn(ctx context.Context, x loyalty.Txn) (int64, error) {
	var id int64
	err := t.c.QueryRowContext(ctx, `INSERT INTO loyalty_transactions (member_id, kind, points, status, remaining, qualifying,
    order_id, reverses_id, reason, detail, idempotency_key, created_by, occurred_at, created_at, available_at, expires_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, x.MemberID, x.Kind, x.Points, x.Status, x.Remaining,
		x.Qualifying, nullID(x.OrderID), nullID(x.ReversesID), x.Reason, x.Detail, nullText(x.Key), nullID(x.CreatedBy),
		x.OccurredAt, x.CreatedAt, x.AvailableAt, nullTime(x.ExpiresAt)).Scan(&id)
	return id, mapErr(err)
}

// credit books a credit (a lot). A posted credit first settles what the
// member owes; what is left is the lot's remaining. A credit of status
// points alone (tier-qualifying, nothing to spend) has no points.
func (t *tx) credit(ctx context.Context, x loyalty.Txn) (loyalty.Txn, error) {
	if x.Points < 0 || (x.Points == 0 && x.Qualifying <= 0) {
		return x, fmt.Errorf("store: a credit needs points or status points above zero")
	}
	if x.Status == "" {
		x.Status = "posted"
	}
	x.Remaining = x.Points
	if x.Status == "posted" {
		var bal int64
		if err := t.c.QueryRowContext(ctx, `UPDATE loyalty_members SET balance = balance + ? WHERE id = ? RETURNING balance`,
			x.Points, x.MemberID).Scan(&bal); err != nil {
			return x, mapErr(err)
		}
		x.Remaining = min(x.Points, max(0, bal))
	} else if _, err := t.c.ExecContext(ctx, `UPDATE loyalty_members SET pending = pending + ? WHERE id = ?`,
		x.Points, x.MemberID); err != nil {
		return x, err
	}
	var err error
	x.ID, err = t.insertTxn(ctx, x)
	return x, err
}

// creditBatch books many credits in one transaction: it reads the
// members' balances once (locking their rows on PostgreSQL), works out
// each lot's remaining from them, and writes each member's new balance
// and pending points once at the end.
type creditBatch struct {
	balance map[int64]int64
	delta   map[int64]*[2]int64 // balance, pending
}

func (t *tx) newBatch(ctx context.Context, accruals []loyalty.AccrualBooking) (*creditBatch, error) {
	b := &creditBatch{balance: map[int64]int64{}, delta: map[int64]*[2]int64{}}
	var ids []int64
	for _, a := range accruals {
		if _, ok := b.balance[a.MemberID]; a.MemberID != 0 && !ok {
			b.balance[a.MemberID] = 0
			ids = append(ids, a.MemberID)
		}
	}
	slices.Sort(ids)
	lock := ""
	if t.s.engine == Postgres {
		lock = " ORDER BY id FOR UPDATE"
	}
	for start := 0; start < len(ids); start += 500 {
		part := ids[start:min(start+500, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := t.c.QueryContext(ctx, `SELECT id, balance FROM loyalty_members WHERE id IN (?`+
			strings.Repeat(", ?", len(part)-1)+`)`+lock, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id, bal int64
			if err := rows.Scan(&id, &bal); err != nil {
				rows.Close()
				return nil, err
			}
			b.balance[id] = bal
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// credit books a credit unless its order's accrual or its idempotency key
// is booked already.
func (b *creditBatch) credit(ctx context.Context, t *tx, x loyalty.Txn) (bool, error) {
	next := b.remaining(&x)
	var id int64
	err := t.c.QueryRowContext(ctx, `INSERT INTO loyalty_transactions (member_id, kind, points, status, remaining, qualifying,
    order_id, reverses_id, reason, detail, idempotency_key, created_by, occurred_at, created_at, available_at, expires_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, NULL, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`, x.MemberID, x.Kind,
		x.Points, x.Status, x.Remaining, x.Qualifying, nullID(x.OrderID), x.Reason, x.Detail, nullText(x.Key), x.OccurredAt,
		x.CreatedAt, x.AvailableAt, nullTime(x.ExpiresAt)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, mapErr(err)
	}
	b.account(x, next)
	return true, nil
}

// remaining sets what is left of a credit as a lot (a posted credit first
// pays back what the member owes) and returns the balance after it.
func (b *creditBatch) remaining(x *loyalty.Txn) int64 {
	x.Remaining = x.Points
	next := b.balance[x.MemberID] + x.Points
	if x.Status == "posted" {
		x.Remaining = min(x.Points, max(0, next))
	}
	return next
}

// account adds a written credit to the member's balance or pending points.
func (b *creditBatch) account(x loyalty.Txn, next int64) {
	d := b.delta[x.MemberID]
	if d == nil {
		d = &[2]int64{}
		b.delta[x.MemberID] = d
	}
	if x.Status == "posted" {
		b.balance[x.MemberID] = next
		d[0] += x.Points
	} else {
		d[1] += x.Points
	}
}

// flush writes the members' new balances and pending points.
func (b *creditBatch) flush(ctx context.Context, t *tx) error {
	ids := make([]int64, 0, len(b.delta))
	for id := range b.delta {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	// Many members per statement, in chunks small enough for the statement
	// cache: the changes as a list of values joined to the members.
	const chunk = 64
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		args := make([]any, 0, 3*len(part))
		for _, id := range part {
			d := b.delta[id]
			args = append(args, id, d[0], d[1])
		}
		row := "(CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT))"
		if _, err := t.c.ExecContext(ctx, `WITH v (id, balance, pending) AS (VALUES `+row+strings.Repeat(", "+row, len(part)-1)+`)
    UPDATE loyalty_members SET balance = loyalty_members.balance + v.balance, pending = loyalty_members.pending + v.pending
    FROM v WHERE loyalty_members.id = v.id`, args...); err != nil {
			return err
		}
	}
	return nil
}

// takeLots takes points from a member's posted lots, oldest expiry first
// (lots without expiry last), the preferred lot first when given, and
// records the uses; it returns how many points it found.
func (t *tx) takeLots(ctx context.Context, memberID, debitID, preferred, points int64) (int64, error) {
	type lot struct{ id, remaining int64 }
	var lots []lot
	if preferred != 0 {
		var r int64
		err := t.c.QueryRowContext(ctx, `SELECT remaining FROM loyalty_transactions WHERE id = ? AND status = 'posted'`,
			preferred).Scan(&r)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, err
		}
		if r > 0 {
			lots = append(lots, lot{preferred, r})
		}
	}
	taken := int64(0)
	for len(lots) > 0 || taken < points {
		if len(lots) == 0 {
			rows, err := t.c.QueryContext(ctx, `SELECT id, remaining FROM loyalty_transactions WHERE member_id = ? AND remaining > 0
    AND status = 'posted' AND id <> ? ORDER BY expires_at IS NULL, expires_at, id LIMIT 100`, memberID, preferred)
			if err != nil {
				return 0, err
			}
			for rows.Next() {
				var l lot
				if err := rows.Scan(&l.id, &l.remaining); err != nil {
					rows.Close()
					return 0, err
				}
				lots = append(lots, l)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return 0, err
			}
			if len(lots) == 0 {
				return taken, nil
			}
		}
		l := lots[0]
		lots = lots[1:]
		n := min(l.remaining, points-taken)
		if n <= 0 {
			break
		}
		res, err := t.c.ExecContext(ctx, `UPDATE loyalty_transactions SET remaining = remaining - ? WHERE id = ? AND remaining >= ?`,
			n, l.id, n)
		if err != nil {
			return 0, err
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return 0, fmt.Errorf("store: loyalty lot %d changed under a debit", l.id)
		}
		if _, err := t.c.ExecContext(ctx, `INSERT INTO loyalty_lot_uses (txn_id, lot_id, points) VALUES (?, ?, ?)`,
			debitID, l.id, n); err != nil {
			return 0, err
		}
		taken += n
		if taken == points {
			break
		}
	}
	return taken, nil
}

// expireMember expires a member's lots that are due at now.
func (t *tx) expireMember(ctx context.Context, memberID int64, now time.Time) (int, error) {
	rows, err := t.c.QueryContext(ctx, `SELECT id, remaining FROM loyalty_transactions WHERE member_id = ? AND remaining > 0
    AND status = 'posted' AND expires_at <= ? ORDER BY expires_at, id`, memberID, now)
	if err != nil {
		return 0, err
	}
	type lot struct{ id, remaining int64 }
	var due []lot
	for rows.Next() {
		var l lot
		if err := rows.Scan(&l.id, &l.remaining); err != nil {
			rows.Close()
			return 0, err
		}
		due = append(due, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, l := range due {
		if err := t.expireLot(ctx, memberID, l.id, l.remaining, now); err != nil {
			return 0, err
		}
	}
	return len(due), nil
}

func (t *tx) expireLot(ctx context.Context, memberID, lotID, remaining int64, now time.Time) error {
	res, err := t.c.ExecContext(ctx, `UPDATE loyalty_transactions SET remaining = 0 WHERE id = ? AND remaining = ?`, lotID, remaining)
	if err != nil {
		return err
	}
	if k, _ := res.RowsAffected(); k != 1 {
		return fmt.Errorf("store: loyalty lot %d changed under its expiry", lotID)
	}
	id, err := t.insertTxn(ctx, loyalty.Txn{MemberID: memberID, Kind: loyalty.Expiry, Points: -remaining, Status: "posted",
		ReversesID: 0, Reason: "Points expired.", OccurredAt: now, CreatedAt: now, AvailableAt: now})
	if err != nil {
		return err
	}
	if _, err := t.c.ExecContext(ctx, `INSERT INTO loyalty_lot_uses (txn_id, lot_id, points) VALUES (?, ?, ?)`, id, lotID, remaining); err != nil {
		return err
	}
	_, err = t.c.ExecContext(ctx, `UPDATE loyalty_members SET balance = balance - ? WHERE id = ?`, remaining, memberID)
	return err
}

// debit books a debit of x.Points (given as a positive number) when the
// balance covers it, reporting false when it does not.
func (t *tx) debit(ctx context.Context, x loyalty.Txn) (loyalty.Txn, bool, error) {
	p := x.Points
	res, err := t.c.ExecContext(ctx, `UPDATE loyalty_members SET balance = balance - ? WHERE id = ? AND balance >= ?`,
		p, x.MemberID, p)
	if err != nil {
		return x, false, err
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return x, false, nil
	}
	x.Points, x.Status, x.Remaining = -p, "posted", 0
	if x.ID, err = t.insertTxn(ctx, x); err != nil {
		return x, false, err
	}
	got, err := t.takeLots(ctx, x.MemberID, x.ID, 0, p)
	if err != nil {
		return x, false, err
	}
	if got != p {
		return x, false, fmt.Errorf("store: member %d: lots hold %d points for a debit of %d; the ledger is inconsistent", x.MemberID, got, p)
	}
	return x, true, nil
}

func (t *tx) txnByKey(ctx context.Context, memberID int64, key string) (loyalty.Txn, bool, error) {
	if key == "" {
		return loyalty.Txn{}, false, nil
	}
	x, err := scanTxn(t.c.QueryRowContext(ctx, `SELECT `+txnColumns+` WHERE member_id = ? AND idempotency_key = ?`, memberID, key))
	if errors.Is(err, sql.ErrNoRows) {
		return x, false, nil
	}
	return x, err == nil, err
}

// Credit books a credit once per idempotency key.
func (s *Store) Credit(ctx context.Context, x loyalty.Txn, e *audit.Entry) (loyalty.Txn, bool, error) {
	created := false
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.lockRow(ctx, "loyalty_members", x.MemberID); err != nil {
			return err
		}
		old, found, err := t.txnByKey(ctx, x.MemberID, x.Key)
		if err != nil || found {
			x, created = old, false
			return err
		}
		if x, err = t.credit(ctx, x); err != nil {
			return err
		}
		created = true
		if e != nil {
			e.EntityID = x.MemberID
			return t.appendAudit(ctx, *e)
		}
		return nil
	})
	return x, created, err
}

// Debit books a debit once per idempotency key, after expiring what is due.
func (s *Store) Debit(ctx context.Context, x loyalty.Txn, now time.Time, e *audit.Entry) (loyalty.Txn, bool, error) {
	short, created := false, false
	err := s.inTx(ctx, func(t *tx) error {
		short, created = false, false
		if err := t.lockRow(ctx, "loyalty_members", x.MemberID); err != nil {
			return err
		}
		old, found, err := t.txnByKey(ctx, x.MemberID, x.Key)
		if err != nil || found {
			x = old
			return err
		}
		if _, err := t.expireMember(ctx, x.MemberID, now); err != nil {
			return err
		}
		var ok bool
		if x, ok, err = t.debit(ctx, x); err != nil {
			return err
		}
		if !ok {
			// Nothing but the expiry is written: commit that and report.
			short = true
			return nil
		}
		created = true
		if e != nil {
			e.EntityID = x.MemberID
			return t.appendAudit(ctx, *e)
		}
		return nil
	})
	if err == nil && short {
		err = loyalty.ErrShort
	}
	return x, created, err
}

// reverse takes back points a credit earned: from a pending credit its
// pending points, from a posted one the balance (which may go below zero)
// and then its own lot first.
func (t *tx) reverse(ctx context.Context, lot loyalty.Txn, points, orderID int64, at time.Time) error {
	q := int64(0)
	if lot.Points != 0 {
		q = lot.Qualifying * points / lot.Points
	}
	x := loyalty.Txn{MemberID: lot.MemberID, Kind: loyalty.Reversal, Points: -points, Status: lot.Status, Qualifying: -q,
		OrderID: orderID, ReversesID: lot.ID, Reason: "Goods returned.", OccurredAt: at, CreatedAt: at, AvailableAt: at}
	if lot.Status == "pending" {
		if _, err := t.c.ExecContext(ctx, `UPDATE loyalty_transactions SET remaining = remaining - ? WHERE id = ?`, points, lot.ID); err != nil {
			return err
		}
		if _, err := t.c.ExecContext(ctx, `UPDATE loyalty_members SET pending = pending - ? WHERE id = ?`, points, lot.MemberID); err != nil {
			return err
		}
		_, err := t.insertTxn(ctx, x)
		return err
	}
	if _, err := t.c.ExecContext(ctx, `UPDATE loyalty_members SET balance = balance - ? WHERE id = ?`, points, lot.MemberID); err != nil {
		return err
	}
	id, err := t.insertTxn(ctx, x)
	if err != nil {
		return err
	}
	_, err = t.takeLots(ctx, lot.MemberID, id, lot.ID, points)
	return err
}

// ReleaseDue posts the pending credits whose return window has closed,
// with their pending reversals.
func (s *Store) ReleaseDue(ctx context.Context, now time.Time, limit int) (int, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT id, member_id FROM loyalty_transactions WHERE status = 'pending'
    AND available_at <= ? AND reverses_id IS NULL ORDER BY available_at LIMIT ?`, now, limit)
	if err != nil {
		return 0, err
	}
	type due struct{ id, member int64 }
	var list []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.member); err != nil {
			rows.Close()
			return 0, err
		}
		list = append(list, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for start := 0; start < len(list); start += 200 {
		batch := list[start:min(start+200, len(list))]
		err := s.inTx(ctx, func(t *tx) error {
			n0 := 0
			for _, d := range batch {
				if err := t.lockRow(ctx, "loyalty_members", d.member); err != nil {
					return err
				}
				var points, remaining int64
				err := t.c.QueryRowContext(ctx, `SELECT points, remaining FROM loyalty_transactions WHERE id = ? AND status = 'pending'`,
					d.id).Scan(&points, &remaining)
				if errors.Is(err, sql.ErrNoRows) {
					continue // released by another instance
				}
				if err != nil {
					return err
				}
				if _, err := t.c.ExecContext(ctx, `UPDATE loyalty_transactions SET status = 'posted' WHERE (id = ? OR reverses_id = ?)
    AND status = 'pending'`, d.id, d.id); err != nil {
					return err
				}
				var bal int64
				if err := t.c.QueryRowContext(ctx, `UPDATE loyalty_members SET balance = balance + ?, pending = pending - ? WHERE id = ?
    RETURNING balance`, remaining, remaining, d.member).Scan(&bal); err != nil {
					return err
				}
				if keep := min(remaining, max(0, bal)); keep != remaining {
					if _, err := t.c.ExecContext(ctx, `UPDATE loyalty_transactions SET remaining = ? WHERE id = ?`, keep, d.id); err != nil {
						return err
					}
				}
				n0++
			}
			n += n0
			return nil
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// ExpireDue expires due lots, a batch of members per transaction, each lot
// once (a lot is re-read under its member's lock).
func (s *Store) ExpireDue(ctx context.Context, now time.Time, limit int) (int, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT DISTINCT member_id FROM loyalty_transactions WHERE remaining > 0
    AND status = 'posted' AND expires_at <= ? LIMIT ?`, now, limit)
	if err != nil {
		return 0, err
	}
	var members []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		members = append(members, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for start := 0; start < len(members); start += 200 {
		batch := members[start:min(start+200, len(members))]
		k := 0
		err := s.inTx(ctx, func(t *tx) error {
			k = 0
			for _, m := range batch {
				if err := t.lockRow(ctx, "loyalty_members", m); err != nil {
					return err
				}
				got, err := t.expireMember(ctx, m, now)
				if err != nil {
					return err
				}
				k += got
			}
			return nil
		})
		if err != nil {
			return n, err
		}
		n += k
	}
	return n, nil
}
