package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/loyalty"
)

const voucherColumns = `v.id, v.member_id, COALESCE(v.reward_id, 0), COALESCE(r.name, ''), v.txn_id, v.points, v.voucher, v.status,
    COALESCE(v.order_id, 0), v.created_at, v.used_at FROM loyalty_redemptions v LEFT JOIN loyalty_rewards r ON r.id = v.reward_id`

func scanVoucher(row interface{ Scan(...any) error }) (loyalty.Voucher, error) {
	var v loyalty.Voucher
	var used sql.NullTime
	err := row.Scan(&v.ID, &v.MemberID, &v.RewardID, &v.RewardName, &v.TxnID, &v.Points, &v.Code, &v.Status, &v.OrderID,
		&v.CreatedAt, &used)
	v.CreatedAt, v.UsedAt = v.CreatedAt.UTC(), timeOf(used)
	return v, err
}

func voucherCode() string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return "LV-" + string(b[:4]) + "-" + string(b[4:8]) + "-" + string(b[8:])
}

// RedeemPoints spends points on a reward or a discount and issues its voucher.
func (s *Store) RedeemPoints(ctx context.Context, v loyalty.Voucher, x loyalty.Txn, pool []int64, now time.Time,
	e audit.Entry) (loyalty.Voucher, bool, error) {
	short, created := false, false
	err := s.inTx(ctx, func(t *tx) error {
		short, created = false, false
		if err := t.lockMembers(ctx, append([]int64{x.MemberID}, pool...)...); err != nil {
			return err
		}
		old, found, err := t.txnByKey(ctx, x.MemberID, x.Key)
		if err != nil {
			return err
		}
		if found {
			if old.Kind != loyalty.Redemption {
				return fault.Field("idempotency_key", "was used for another kind of transaction")
			}
			v, err = scanVoucher(t.c.QueryRowContext(ctx, `SELECT `+voucherColumns+` WHERE v.txn_id = ?`, old.ID))
			return err
		}
		var status string
		if err := t.c.QueryRowContext(ctx, `SELECT status FROM loyalty_members WHERE id = ?`, x.MemberID).Scan(&status); err != nil {
			return mapErr(err)
		}
		if status != loyalty.Active {
			return fault.New(fault.Conflict, "The membership is %s; points cannot be spent.", status)
		}
		if _, err := t.expireMember(ctx, x.MemberID, now); err != nil {
			return err
		}
		if len(pool) > 0 {
			drawn, err := t.drawFromHousehold(ctx, x, pool, now)
			if err != nil {
				return err
			}
			if drawn > 0 {
				e.Changes = append(e.Changes, audit.Change{Field: "from_household", New: fmt.Sprint(drawn)})
			}
		}
		var ok bool
		if x, ok, err = t.debit(ctx, x); err != nil {
			return err
		}
		if !ok {
			short = true
			return nil
		}
		v.Code = voucherCode()
		var codeID int64
		if v.RewardID != 0 {
			res, err := t.c.ExecContext(ctx, `UPDATE loyalty_rewards SET stock = stock - 1 WHERE id = ? AND stock > 0`, v.RewardID)
			if err != nil {
				return err
			}
			var stock sql.NullInt64
			var partner string
			if err := t.c.QueryRowContext(ctx, `SELECT stock, partner, name FROM loyalty_rewards WHERE id = ?`,
				v.RewardID).Scan(&stock, &partner, &v.RewardName); err != nil {
				return mapErr(err)
			}
			if k, _ := res.RowsAffected(); k == 0 && stock.Valid {
				return fault.New(fault.Conflict, "The reward is out of stock.")
			}
			if partner != "" {
				err := t.c.QueryRowContext(ctx, `SELECT id, code FROM loyalty_reward_codes WHERE reward_id = ? AND redemption_id IS NULL
    ORDER BY id LIMIT 1`, v.RewardID).Scan(&codeID, &v.Code)
				if errors.Is(err, sql.ErrNoRows) {
					return fault.New(fault.Conflict, "The partner has no codes left for this reward.")
				}
				if err != nil {
					return err
				}
			}
		}
		v.MemberID, v.TxnID, v.Points, v.Status, v.CreatedAt = x.MemberID, x.ID, -x.Points, "issued", now
		if err := t.c.QueryRowContext(ctx, `INSERT INTO loyalty_redemptions (member_id, reward_id, txn_id, points, voucher, status,
    created_at) VALUES (?, ?, ?, ?, ?, 'issued', ?) RETURNING id`, v.MemberID, nullID(v.RewardID), v.TxnID, v.Points, v.Code,
			now).Scan(&v.ID); err != nil {
			return mapErr(err)
		}
		if codeID != 0 {
			res, err := t.c.ExecContext(ctx, `UPDATE loyalty_reward_codes SET redemption_id = ? WHERE id = ? AND redemption_id IS NULL`,
				v.ID, codeID)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k != 1 {
				return fault.New(fault.Conflict, "The partner code was taken at the same moment; try again.")
			}
		}
		created = true
		e.EntityID = x.MemberID
		return t.appendAudit(ctx, e)
	})
	if err == nil && short {
		err = loyalty.ErrShort
	}
	return v, created, err
}

// UseVoucher marks a voucher used by an order.
func (s *Store) UseVoucher(ctx context.Context, code string, orderID int64, at time.Time) (loyalty.Voucher, error) {
	var v loyalty.Voucher
	err := s.inTx(ctx, func(t *tx) error {
		var err error
		v, err = scanVoucher(t.c.QueryRowContext(ctx, `SELECT `+voucherColumns+` WHERE v.voucher = ?`, code))
		if err != nil {
			return notFoundOr(err, fmt.Sprintf("No voucher has the code %q.", code))
		}
		if v.Status != "issued" {
			return fault.New(fault.Conflict, "The voucher %s is %s already.", code, v.Status)
		}
		res, err := t.c.ExecContext(ctx, `UPDATE loyalty_redemptions SET status = 'used', order_id = ?, used_at = ?
    WHERE id = ? AND status = 'issued'`, nullID(orderID), at, v.ID)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return fault.New(fault.Conflict, "The voucher %s was used at the same moment.", code)
		}
		v.Status, v.OrderID, v.UsedAt = "used", orderID, at
		return nil
	})
	return v, err
}

// Vouchers lists a member's redemptions, newest first.
func (s *Store) Vouchers(ctx context.Context, memberID int64, limit int) ([]loyalty.Voucher, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+voucherColumns+` WHERE v.member_id = ? ORDER BY v.id DESC LIMIT ?`,
		memberID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []loyalty.Voucher
	for rows.Next() {
		v, err := scanVoucher(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Transactions lists a member's transactions, newest first.
func (s *Store) Transactions(ctx context.Context, memberID int64, limit int) ([]loyalty.Txn, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+txnColumns+` WHERE member_id = ? ORDER BY id DESC LIMIT ?`, memberID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []loyalty.Txn
	for rows.Next() {
		x, err := scanTxn(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}
