package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/loyalty"
)

// The accrual run's batches: orders booked as credits, returns taken
// back, tier upgrades, the program's cursor.

// errBookedBefore turns a batch from the bulk path to the one-row-at-a-time
// path, which skips credits booked before (never in a normal run).
var errBookedBefore = errors.New("store: a credit of the batch was booked before")

// AccrueOrders runs one batch of the accrual run in one transaction: the
// orders and memberships are read inside it, on the writer's warm page
// cache, and the cursor moves past the orders read.
func (s *Store) AccrueOrders(ctx context.Context, p loyalty.Program, limit int, now time.Time, plan loyalty.Plan) (int, error) {
	read := 0
	book := func(bulk bool) error {
		return s.inTx(ctx, func(t *tx) error {
			read = 0
			// One run books a program's orders at a time.
			if err := t.lockRow(ctx, "loyalty_programs", p.ID); err != nil {
				return err
			}
			var at int64
			if err := t.c.QueryRowContext(ctx, `SELECT order_cursor FROM loyalty_programs WHERE id = ?`, p.ID).Scan(&at); err != nil {
				return mapErr(err)
			}
			orders, err := ordersAfter(ctx, t.c, at, limit)
			if err != nil || len(orders) == 0 {
				return err
			}
			read = len(orders)
			members, err := accrualMembers(ctx, t.c, p.ID, orders)
			if err != nil {
				return err
			}
			accruals, returns := plan(orders, members)
			b, err := t.newBatch(ctx, accruals)
			if err != nil {
				return err
			}
			var touched []int64
			if bulk {
				touched, err = t.bookBulk(ctx, p, b, accruals, now)
			} else {
				touched, err = t.bookEach(ctx, p, b, accruals, now)
			}
			if err != nil {
				return err
			}
			_, err = t.finishBooking(ctx, p, b, returns, touched, orders[len(orders)-1].OrderID, now)
			return err
		})
	}
	err := book(true)
	if errors.Is(err, errBookedBefore) {
		err = book(false)
	}
	return read, err
}

// bookEach enrols and credits one row at a time, skipping credits booked
// before.
func (t *tx) bookEach(ctx context.Context, p loyalty.Program, b *creditBatch, accruals []loyalty.AccrualBooking,
	now time.Time) ([]int64, error) {
	var touched []int64
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
				return nil, err
			}
			b.balance[id] = 0
			if pts := p.Rules.Events["signup"]; pts > 0 {
				if _, err := b.credit(ctx, t, loyalty.Txn{MemberID: id, Kind: loyalty.BonusKind, Points: pts, Status: "posted",
					Reason: "Welcome bonus.", Key: "event:signup", OccurredAt: x.OccurredAt, CreatedAt: now, AvailableAt: now,
					ExpiresAt: expiry(p, now)}); err != nil {
					return nil, err
				}
			}
			enrolled[a.CustomerID], x.MemberID = id, id
		}
		booked, err := b.credit(ctx, t, x)
		if err != nil {
			return nil, err
		}
		if booked {
			touched = append(touched, x.MemberID)
		}
	}
	return touched, nil
}

// ordersAfter reads orders with their lines and product categories after
// an order id.
func ordersAfter(ctx context.Context, c conn, after int64, limit int) ([]loyalty.OrderRow, error) {
	rows, err := c.QueryContext(ctx, `SELECT o.id, o.customer_id, o.ordered_at, o.currency, l.sku,
    COALESCE(p.category, ''), l.quantity, l.line_total
    FROM (SELECT id, customer_id, ordered_at, currency FROM orders WHERE id > ? ORDER BY id LIMIT ?) o
    JOIN order_lines l ON l.order_id = o.id LEFT JOIN products p ON p.id = l.product_id ORDER BY o.id, l.id`, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []loyalty.OrderRow
	for rows.Next() {
		var o loyalty.OrderRow
		var l loyalty.Line
		if err := rows.Scan(&o.OrderID, &o.CustomerID, &o.At, &o.Currency, &l.SKU, &l.Category, &l.Quantity, &l.LineTotal); err != nil {
			return nil, err
		}
		if n := len(out); n > 0 && out[n-1].OrderID == o.OrderID {
			out[n-1].Lines = append(out[n-1].Lines, l)
		} else {
			o.At = o.At.UTC()
			o.Lines = []loyalty.Line{l}
			out = append(out, o)
		}
	}
	for i := range out {
		for _, l := range out[i].Lines {
			if l.Quantity < 0 {
				out[i].Return = true
			}
		}
	}
	return out, rows.Err()
}

// accrualMembers returns the program's memberships of the orders' buyers,
// by customer id (without the customers' names, which the run does not
// need).
func accrualMembers(ctx context.Context, c conn, programID int64, orders []loyalty.OrderRow) (map[int64]loyalty.Member, error) {
	seen := map[int64]bool{}
	var ids []int64
	for _, o := range orders {
		if !seen[o.CustomerID] {
			seen[o.CustomerID] = true
			ids = append(ids, o.CustomerID)
		}
	}
	out := make(map[int64]loyalty.Member, len(ids))
	const chunk = 500
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		args := make([]any, 0, len(part)+1)
		args = append(args, programID)
		for _, id := range part {
			args = append(args, id)
		}
		rows, err := c.QueryContext(ctx, `SELECT m.id, m.program_id, m.customer_id, '', m.number, m.status, COALESCE(m.tier_id, 0),
    m.tier_since, m.tier_notice_at, m.balance, m.pending, m.source, m.enrolled_at FROM loyalty_members m
    WHERE m.program_id = ? AND m.customer_id IN (?`+strings.Repeat(", ?", len(part)-1)+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			m, err := scanMember(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[m.CustomerID] = m
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
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
// bonuses, then the orders' points) many rows per statement, in chunks
// small enough for the statement cache. A credit booked before fails the
// batch with errBookedBefore, for the caller to book it one row at a time.
func (t *tx) bookBulk(ctx context.Context, p loyalty.Program, b *creditBatch, accruals []loyalty.AccrualBooking,
	now time.Time) ([]int64, error) {
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
	for start := 0; start < len(fresh); start += 150 {
		part := fresh[start:min(start+150, len(fresh))]
		args := make([]any, 0, len(part)*6)
		for _, c := range part {
			args = append(args, p.ID, c, loyalty.MemberNumber(p.ID, c), loyalty.Active, "purchase", now)
		}
		rows, err := t.c.QueryContext(ctx, `INSERT INTO loyalty_members (program_id, customer_id, number, status, source, enrolled_at)
VALUES (?, ?, ?, ?, ?, ?)`+strings.Repeat(", (?, ?, ?, ?, ?, ?)", len(part)-1)+` RETURNING id, customer_id`, args...)
		if err != nil {
			return nil, mapErr(err)
		}
		for rows.Next() {
			var id, c int64
			if err := rows.Scan(&id, &c); err != nil {
				rows.Close()
				return nil, err
			}
			memberOf[c] = id
			b.balance[id] = 0
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
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
	for start := 0; start < len(txns); start += 64 {
		part := txns[start:min(start+64, len(txns))]
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
    VALUES `+row+strings.Repeat(", "+row, len(part)-1)+` ON CONFLICT DO NOTHING`, args...)
		if err != nil {
			return nil, mapErr(err)
		}
		if n, _ := res.RowsAffected(); n != int64(len(part)) {
			return nil, errBookedBefore
		}
	}
	return touched, nil
}

// UpgradeTier moves one member up when their qualifying amount reaches a
// higher tier.
func (s *Store) UpgradeTier(ctx context.Context, p loyalty.Program, memberID int64, now time.Time) error {
	return s.inTx(ctx, func(t *tx) error { return t.upgradeTiers(ctx, p, []int64{memberID}, now) })
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
