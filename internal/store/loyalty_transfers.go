package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/loyalty"
)

// Points moving between members: transfers, and a household's pool
// making up what a redeeming member lacks.

// Transfer moves points between two members of one program: a debit from
// the giver's lots, oldest expiry first, and a credit to the receiver that
// expires when the earliest of those lots would have. Both members' rows
// are locked in id order; ErrShort when the giver has too few points.
func (s *Store) Transfer(ctx context.Context, from, to loyalty.Txn, now time.Time, e audit.Entry) (loyalty.Txn, error) {
	short := false
	err := s.inTx(ctx, func(t *tx) error {
		short = false
		if err := t.lockMembers(ctx, from.MemberID, to.MemberID); err != nil {
			return err
		}
		old, found, err := t.txnByKey(ctx, from.MemberID, from.Key)
		if err != nil || found {
			from = old
			return err
		}
		if _, err := t.expireMember(ctx, from.MemberID, now); err != nil {
			return err
		}
		var ok bool
		if from, ok, err = t.transfer(ctx, from, to); err != nil {
			return err
		}
		if !ok {
			short = true
			return nil
		}
		e.EntityID = from.MemberID
		return t.appendAudit(ctx, e)
	})
	if err == nil && short {
		err = loyalty.ErrShort
	}
	return from, err
}

// lockMembers locks members' rows in id order, so that two transactions
// locking the same members cannot wait on each other.
func (t *tx) lockMembers(ctx context.Context, ids ...int64) error {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	for _, id := range slices.Compact(ids) {
		if err := t.lockRow(ctx, "loyalty_members", id); err != nil {
			return err
		}
	}
	return nil
}

// transfer debits the giver's lots, oldest expiry first, and credits the
// receiver with a lot that expires when the earliest of those would have.
// ok is false, with nothing written, when the giver has too few points.
func (t *tx) transfer(ctx context.Context, from, to loyalty.Txn) (loyalty.Txn, bool, error) {
	from, ok, err := t.debit(ctx, from)
	if err != nil || !ok {
		return from, ok, err
	}
	var earliest sql.NullTime
	err = t.c.QueryRowContext(ctx, `SELECT l.expires_at FROM loyalty_lot_uses u JOIN loyalty_transactions l ON l.id = u.lot_id
    WHERE u.txn_id = ? AND l.expires_at IS NOT NULL ORDER BY l.expires_at LIMIT 1`, from.ID).Scan(&earliest)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return from, false, err
	}
	to.Points, to.ExpiresAt, to.ReversesID = -from.Points, timeOf(earliest), from.ID
	if _, err := t.credit(ctx, to); err != nil {
		return from, false, err
	}
	return from, true, nil
}

// drawFromHousehold tops a member's balance up to what a debit of x needs
// from the pool (other members of the household, rows locked), largest
// balance first, as recorded transfers. It draws nothing when the
// household together has too little, and returns the points drawn.
func (t *tx) drawFromHousehold(ctx context.Context, x loyalty.Txn, pool []int64, now time.Time) (int64, error) {
	var bal int64
	var number string
	if err := t.c.QueryRowContext(ctx, `SELECT balance, number FROM loyalty_members WHERE id = ?`, x.MemberID).Scan(&bal,
		&number); err != nil {
		return 0, mapErr(err)
	}
	need := x.Points - bal
	if need <= 0 {
		return 0, nil
	}
	type donor struct {
		id, balance int64
		number      string
	}
	var donors []donor
	var total int64
	for _, id := range pool {
		if _, err := t.expireMember(ctx, id, now); err != nil {
			return 0, err
		}
		var d donor
		var status string
		if err := t.c.QueryRowContext(ctx, `SELECT id, balance, number, status FROM loyalty_members WHERE id = ?`, id).Scan(&d.id,
			&d.balance, &d.number, &status); err != nil {
			return 0, mapErr(err)
		}
		if status == loyalty.Active && d.balance > 0 {
			donors = append(donors, d)
			total += d.balance
		}
	}
	if total < need {
		return 0, nil
	}
	slices.SortStableFunc(donors, func(a, b donor) int { return cmp.Compare(b.balance, a.balance) })
	drawn := int64(0)
	for _, d := range donors {
		take := min(need-drawn, d.balance)
		if take <= 0 {
			break
		}
		out := loyalty.Txn{MemberID: d.id, Kind: loyalty.Transfer, Points: take, Reason: fmt.Sprintf("Household pool: to member %s.", number),
			CreatedBy: x.CreatedBy, OccurredAt: now, CreatedAt: now, AvailableAt: now}
		in := loyalty.Txn{MemberID: x.MemberID, Kind: loyalty.Transfer, Status: "posted", Reason: fmt.Sprintf("Household pool: from member %s.",
			d.number), CreatedBy: x.CreatedBy, OccurredAt: now, CreatedAt: now, AvailableAt: now}
		_, ok, err := t.transfer(ctx, out, in)
		if err != nil {
			return 0, err
		}
		if !ok {
			return 0, fmt.Errorf("store: member %d: balance %d read under lock did not cover a transfer of %d", d.id, d.balance, take)
		}
		drawn += take
	}
	return drawn, nil
}
