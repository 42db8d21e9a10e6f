package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/loyalty"
)

// The accrual run's batches: orders booked as credits, returns taken
// back, tier upgrades, the program's cursor.

// BookOrders books a batch of the accrual run.
func (s *Store) BookOrders(ctx context.Context, p loyalty.Program, accruals []loyalty.AccrualBooking, returns []loyalty.ReturnBooking,
	cursor int64, now time.Time) ([]int64, error) {
	var touched []int64
	err := s.inTx(ctx, func(t *tx) error {
		touched = touched[:0]
		// One run books a program's orders at a time: the batch stands only
		// if the cursor is still where the batch was read from.
		if err := t.lockRow(ctx, "loyalty_programs", p.ID); err != nil {
			return err
		}
		var at int64
		if err := t.c.QueryRowContext(ctx, `SELECT order_cursor FROM loyalty_programs WHERE id = ?`, p.ID).Scan(&at); err != nil {
			return err
		}
		if at != p.OrderCursor {
			return loyalty.ErrStale
		}
		b, err := t.newBatch(ctx, accruals)
		if err != nil {
			return err
		}
		// The fast way: members enrolled and credits written many rows per
		// statement. It gives way to one row at a time when a credit turns
		// out to be booked already (never in a normal run).
		if booked, ok, err := t.bookBulk(ctx, p, b, accruals, now); err != nil {
			return err
		} else if ok {
			touched, err = t.finishBooking(ctx, p, b, returns, booked, cursor, now)
			return err
		}
		b, err = t.newBatch(ctx, accruals)
		if err != nil {
			return err
		}
		enrolled := map[int64]int64{}
		for _, a := range accruals {
			x := a.Txn
			x.MemberID = a.MemberID
			if x.MemberID == 0 {
				x.MemberID = enrolled[a.CustomerID]
			}
			if x.MemberID == 0 {
				id, err := t.enrol(ctx, loyalty.Member{ProgramID: p.ID, CustomerID: a.CustomerID,
					Number: loyalty.MemberNumber(p.ID, a.CustomerID), Status: loyalty.Active, Source: "purchase", EnrolledAt: now})
				if err != nil {
					return err
				}
				b.balance[id] = 0
				if pts := p.Rules.Events["signup"]; pts > 0 {
					if _, err := b.credit(ctx, t, loyalty.Txn{MemberID: id, Kind: loyalty.BonusKind, Points: pts, Status: "posted",
						Reason: "Welcome bonus.", Key: "event:signup", OccurredAt: x.OccurredAt, CreatedAt: now, AvailableAt: now,
						ExpiresAt: expiry(p, now)}); err != nil {
						return err
					}
				}
				enrolled[a.CustomerID], x.MemberID = id, id
			}
			booked, err := b.credit(ctx, t, x)
			if err != nil {
				return err
			}
			if booked {
				touched = append(touched, x.MemberID)
			}
		}
		touched, err = t.finishBooking(ctx, p, b, returns, touched, cursor, now)
		return err
	})
	return touched, err
}

// finishBooking writes the balances, books the returns, moves members up
// a tier and moves the program's cursor; it returns the members touched.
func (t *tx) finishBooking(ctx context.Context, p loyalty.Program, b *creditBatch, returns []loyalty.ReturnBooking, touched []int64,
	cursor int64, now time.Time) ([]int64, error) {
	if err := b.flush(ctx, t); err != nil {
		return nil, err
	}
	for _, r := range returns {
		if err := t.bookReturn(ctx, r, now); err != nil {
			return nil, err
		}
		touched = append(touched, r.MemberID)
	}
	if err := t.upgradeTiers(ctx, p, touched, now); err != nil {
		return nil, err
	}
	_, err := t.c.ExecContext(ctx, `UPDATE loyalty_programs SET order_cursor = ? WHERE id = ? AND order_cursor < ?`, cursor, p.ID, cursor)
	return touched, err
}

// bookBulk enrols the batch's new buyers and writes its credits (welcome
// bonuses, then the orders' points) many rows per statement. ok is false,
// with nothing written, when a credit was booked before: the caller then
// books the batch one row at a time, which skips those.
func (t *tx) bookBulk(ctx context.Context, p loyalty.Program, b *creditBatch, accruals []loyalty.AccrualBooking,
	now time.Time) ([]int64, bool, error) {
	// Orders of known members booked before would conflict: look first,
	// by member and order (the unique index's columns).
	var known []any
	for _, a := range accruals {
		if a.MemberID != 0 && a.Txn.OrderID != 0 {
			known = append(known, a.MemberID, a.Txn.OrderID)
		}
	}
	for start := 0; start < len(known); start += 400 {
		part := known[start:min(start+400, len(known))]
		var n int
		if err := t.c.QueryRowContext(ctx, `SELECT COUNT(*) FROM loyalty_transactions WHERE kind = 'accrual' AND (`+
			strings.TrimPrefix(strings.Repeat(" OR (member_id = ? AND order_id = ?)", len(part)/2), " OR ")+`)`, part...).Scan(&n); err != nil {
			return nil, false, err
		}
		if n > 0 {
			return nil, false, nil
		}
	}
	// New members, in the order their first order came.
	var fresh []int64
	seen := map[int64]bool{}
	for _, a := range accruals {
		if a.MemberID == 0 && !seen[a.CustomerID] {
			seen[a.CustomerID] = true
			fresh = append(fresh, a.CustomerID)
		}
	}
	memberOf := map[int64]int64{}
	for start := 0; start < len(fresh); start += 200 {
		part := fresh[start:min(start+200, len(fresh))]
		args := make([]any, 0, len(part)*6)
		for _, c := range part {
			args = append(args, p.ID, c, loyalty.MemberNumber(p.ID, c), loyalty.Active, "purchase", now)
		}
		rows, err := t.c.QueryContext(ctx, `INSERT INTO loyalty_members (program_id, customer_id, number, status, source, enrolled_at)
VALUES (?, ?, ?, ?, ?, ?)`+strings.Repeat(", (?, ?, ?, ?, ?, ?)", len(part)-1)+` RETURNING id, customer_id`, args...)
		if err != nil {
			return nil, false, mapErr(err)
		}
		for rows.Next() {
			var id, c int64
			if err := rows.Scan(&id, &c); err != nil {
				rows.Close()
				return nil, false, err
			}
			memberOf[c] = id
			b.balance[id] = 0
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, false, err
		}
	}
	var txns []loyalty.Txn
	if pts := p.Rules.Events["signup"]; pts > 0 {
		for _, c := range fresh {
			txns = append(txns, loyalty.Txn{MemberID: memberOf[c], Kind: loyalty.BonusKind, Points: pts, Status: "posted",
				Reason: "Welcome bonus.", Key: "event:signup", CreatedAt: now, AvailableAt: now, ExpiresAt: expiry(p, now)})
		}
		// The bonus dates from the member's first order.
		first := map[int64]time.Time{}
		for _, a := range accruals {
			if _, ok := first[a.CustomerID]; !ok && a.MemberID == 0 {
				first[a.CustomerID] = a.Txn.OccurredAt
			}
		}
		for i, c := range fresh {
			txns[i].OccurredAt = first[c]
		}
	}
	var touched []int64
	for _, a := range accruals {
		x := a.Txn
		x.MemberID = a.MemberID
		if x.MemberID == 0 {
			x.MemberID = memberOf[a.CustomerID]
		}
		txns = append(txns, x)
		touched = append(touched, x.MemberID)
	}
	const cols = 15
	for start := 0; start < len(txns); start += 200 {
		part := txns[start:min(start+200, len(txns))]
		args := make([]any, 0, len(part)*cols)
		for i := range part {
			x := &part[i]
			next := b.remaining(x)
			args = append(args, x.MemberID, x.Kind, x.Points, x.Status, x.Remaining, x.Qualifying, nullID(x.OrderID), x.Reason,
				x.Detail, nullText(x.Key), x.OccurredAt, x.CreatedAt, x.AvailableAt, nullTime(x.ExpiresAt))
			b.account(*x, next)
		}
		row := "(?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, NULL, ?, ?, ?, ?)"
		res, err := t.c.ExecContext(ctx, `INSERT INTO loyalty_transactions (member_id, kind, points, status, remaining, qualifying,
    order_id, reverses_id, reason, detail, idempotency_key, created_by, occurred_at, created_at, available_at, expires_at)
    VALUES `+row+strings.Repeat(", "+row, len(part)-1), args...)
		if err != nil {
			return nil, false, mapErr(err)
		}
		if n, _ := res.RowsAffected(); n != int64(len(part)) {
			return nil, false, fmt.Errorf("store: loyalty batch wrote %d of %d credits", n, len(part))
		}
	}
	return touched, true, nil
}

// upgradeTiers moves members up at once when their qualifying amount over
// the tier period reaches a higher tier; downgrades wait for the review.
func (t *tx) upgradeTiers(ctx context.Context, p loyalty.Program, members []int64, now time.Time) error {
	if len(p.Tiers) == 0 || len(members) == 0 {
		return nil
	}
	seen := map[int64]bool{}
	var ids []int64
	for _, id := range members {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	since := p.QualifyingSince(now)
	// Members at the top tier have nowhere to go: their qualifying points
	// are not added up again (for a frequent buyer that sum grows with
	// every order).
	top := slices.MaxFunc(p.Tiers, func(a, b loyalty.Tier) int { return a.Rank - b.Rank }).ID
	for start := 0; start < len(ids); start += 500 {
		part := ids[start:min(start+500, len(ids))]
		marks := "?" + strings.Repeat(", ?", len(part)-1)
		args := []any{since}
		for _, id := range part {
			args = append(args, id)
		}
		args = append(args, top)
		rows, err := t.c.QueryContext(ctx, `SELECT m.id, COALESCE(m.tier_id, 0), COALESCE((SELECT SUM(x.qualifying)
    FROM loyalty_transactions x WHERE x.member_id = m.id AND x.qualifying <> 0 AND x.occurred_at >= ?), 0)
    FROM loyalty_members m WHERE m.id IN (`+marks+`) AND COALESCE(m.tier_id, 0) <> ?`, args...)
		if err != nil {
			return err
		}
		type up struct{ member, tier int64 }
		var ups []up
		for rows.Next() {
			var id, tier, q int64
			if err := rows.Scan(&id, &tier, &q); err != nil {
				rows.Close()
				return err
			}
			to := p.TierFor(q)
			if to == nil {
				continue
			}
			if cur := p.Tier(tier); cur == nil || to.Rank > cur.Rank {
				ups = append(ups, up{id, to.ID})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ups) > 0 {
			var cases strings.Builder
			var caseArgs, inArgs []any
			for _, u := range ups {
				cases.WriteString(" WHEN ? THEN CAST(? AS BIGINT)")
				caseArgs = append(caseArgs, u.member, u.tier)
				inArgs = append(inArgs, u.member)
			}
			args := append(append(caseArgs, now), inArgs...)
			if _, err := t.c.ExecContext(ctx, `UPDATE loyalty_members SET tier_id = CASE id`+cases.String()+` END, tier_since = ?,
    tier_notice_at = NULL WHERE id IN (?`+strings.Repeat(", ?", len(ups)-1)+`)`, args...); err != nil {
				return err
			}
		}
	}
	return nil
}

func expiry(p loyalty.Program, from time.Time) time.Time {
	if p.ExpiryMonths <= 0 {
		return time.Time{}
	}
	return from.AddDate(0, p.ExpiryMonths, 0)
}

// bookReturn takes back what returned units earned, from the member's
// latest earlier accruals of each product, each unit once.
func (t *tx) bookReturn(ctx context.Context, r loyalty.ReturnBooking, now time.Time) error {
	for _, l := range r.Lines {
		left := l.Quantity
		pattern, _ := json.Marshal(l.SKU)
		rows, err := t.c.QueryContext(ctx, `SELECT `+txnColumns+` WHERE member_id = ? AND kind = 'accrual' AND order_id < ?
    AND detail LIKE ? ORDER BY id DESC LIMIT 50`, r.MemberID, r.OrderID, `%"sku":`+strings.NewReplacer("%", `\%`, "_", `\_`).Replace(string(pattern))+`%`)
		if err != nil {
			return err
		}
		var lots []loyalty.Txn
		for rows.Next() {
			x, err := scanTxn(rows)
			if err != nil {
				rows.Close()
				return err
			}
			lots = append(lots, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, lot := range lots {
			if left <= 0 {
				break
			}
			var lines []loyalty.LinePoints
			if err := json.Unmarshal([]byte(lot.Detail), &lines); err != nil {
				continue
			}
			for _, lp := range lines {
				if lp.SKU != l.SKU || left <= 0 {
					continue
				}
				var before int64
				err := t.c.QueryRowContext(ctx, `SELECT quantity FROM loyalty_returned WHERE accrual_id = ? AND sku = ?`, lot.ID, l.SKU).Scan(&before)
				if err != nil && !errors.Is(err, sql.ErrNoRows) {
					return err
				}
				n := min(left, lp.Quantity-before)
				if n <= 0 {
					continue
				}
				pts := loyalty.ReturnedPoints(lp, before, n)
				if _, err := t.c.ExecContext(ctx, `INSERT INTO loyalty_returned (accrual_id, sku, quantity) VALUES (?, ?, ?)
    ON CONFLICT (accrual_id, sku) DO UPDATE SET quantity = loyalty_returned.quantity + excluded.quantity`, lot.ID, l.SKU, n); err != nil {
					return err
				}
				left -= n
				if pts > 0 {
					if err := t.reverse(ctx, lot, pts, r.OrderID, now); err != nil {
						return err
					}
					lot.Remaining = max(0, lot.Remaining-pts)
				}
			}
		}
	}
	return nil
}
