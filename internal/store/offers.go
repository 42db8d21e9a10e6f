package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/marketing"
)

const offerColumns = `id, name, description, kind, value, currency, COALESCE(shared_code, ''), COALESCE(segment_id, 0),
    min_order, valid_from, valid_to, max_redemptions, per_customer, redemptions, active, COALESCE(created_by, 0), created_at,
    updated_at, COALESCE(program_id, 0), min_tier_rank, product_sku FROM offers`

func scanOffer(row interface{ Scan(...any) error }) (marketing.Offer, error) {
	var o marketing.Offer
	var from, to sql.NullTime
	err := row.Scan(&o.ID, &o.Name, &o.Description, &o.Kind, &o.Value, &o.Currency, &o.SharedCode, &o.SegmentID, &o.MinOrder,
		&from, &to, &o.MaxRedemptions, &o.PerCustomer, &o.Redemptions, &o.Active, &o.CreatedBy, &o.CreatedAt, &o.UpdatedAt,
		&o.ProgramID, &o.MinTierRank, &o.ProductSKU)
	o.ValidFrom, o.ValidTo, o.CreatedAt, o.UpdatedAt = timeOf(from), timeOf(to), o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	return o, err
}

func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// CreateOffer stores an offer (Conflict when its name or code is taken).
func (s *Store) CreateOffer(ctx context.Context, o marketing.Offer, e audit.Entry) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.c.QueryRowContext(ctx, `INSERT INTO offers (name, description, kind, value, currency, shared_code, segment_id,
    min_order, valid_from, valid_to, max_redemptions, per_customer, active, created_by, created_at, updated_at, program_id,
    min_tier_rank, product_sku) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, o.Name, o.Description,
			o.Kind, o.Value, o.Currency, nullText(o.SharedCode), nullID(o.SegmentID), o.MinOrder, nullTime(o.ValidFrom),
			nullTime(o.ValidTo), o.MaxRedemptions, o.PerCustomer, o.Active, nullID(o.CreatedBy), o.CreatedAt, o.UpdatedAt,
			nullID(o.ProgramID), o.MinTierRank, o.ProductSKU).Scan(&id); err != nil {
			return mapErr(err)
		}
		e.EntityID = id
		return t.appendAudit(ctx, e)
	})
	return id, err
}

// UpdateOffer stores an offer's new terms.
func (s *Store) UpdateOffer(ctx context.Context, o marketing.Offer, e audit.Entry) error {
	return s.inTx(ctx, func(t *tx) error {
		if _, err := t.c.ExecContext(ctx, `UPDATE offers SET name = ?, description = ?, kind = ?, value = ?, currency = ?,
    shared_code = ?, segment_id = ?, min_order = ?, valid_from = ?, valid_to = ?, max_redemptions = ?, per_customer = ?,
    active = ?, updated_at = ?, program_id = ?, min_tier_rank = ?, product_sku = ? WHERE id = ?`, o.Name, o.Description, o.Kind,
			o.Value, o.Currency, nullText(o.SharedCode), nullID(o.SegmentID), o.MinOrder, nullTime(o.ValidFrom), nullTime(o.ValidTo),
			o.MaxRedemptions, o.PerCustomer, o.Active, o.UpdatedAt, nullID(o.ProgramID), o.MinTierRank, o.ProductSKU, o.ID); err != nil {
			return mapErr(err)
		}
		return t.appendAudit(ctx, e)
	})
}

// Offers lists the offers by name.
func (s *Store) Offers(ctx context.Context) ([]marketing.Offer, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+offerColumns+` ORDER BY name LIMIT 1000`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []marketing.Offer
	for rows.Next() {
		o, err := scanOffer(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// FindOffer returns an offer.
func (s *Store) FindOffer(ctx context.Context, id int64) (marketing.Offer, error) {
	o, err := scanOffer(s.readConn().QueryRowContext(ctx, `SELECT `+offerColumns+` WHERE id = ?`, id))
	return o, notFoundOr(err, fmt.Sprintf("Offer %d was not found.", id))
}

// OfferForCode finds the offer of a shared or unique code.
func (s *Store) OfferForCode(ctx context.Context, code string) (marketing.Offer, error) {
	o, err := scanOffer(s.readConn().QueryRowContext(ctx, `SELECT `+offerColumns+` WHERE shared_code = ?
    OR id = (SELECT offer_id FROM coupons WHERE code = ?)`, code, code))
	if err == sql.ErrNoRows {
		return o, fault.Field("code", "%q is not a code of any offer", code)
	}
	return o, err
}

// IssueCoupons stores unique codes, one per customer (0: nobody yet).
func (s *Store) IssueCoupons(ctx context.Context, offerID int64, customerIDs []int64, codes []string, at time.Time) ([]marketing.Coupon, error) {
	var out []marketing.Coupon
	err := s.inTx(ctx, func(t *tx) error {
		out = out[:0]
		for i, c := range customerIDs {
			cp := marketing.Coupon{OfferID: offerID, Code: codes[i], CustomerID: c, IssuedAt: at}
			if err := t.c.QueryRowContext(ctx, `INSERT INTO coupons (offer_id, code, customer_id, issued_at) VALUES (?, ?, ?, ?)
    RETURNING id`, offerID, cp.Code, nullID(c), at).Scan(&cp.ID); err != nil {
				return mapErr(err)
			}
			out = append(out, cp)
		}
		return nil
	})
	return out, err
}

const couponColumns = `id, offer_id, code, COALESCE(customer_id, 0), issued_at, redeemed_at FROM coupons`

func scanCoupons(rows *sql.Rows) ([]marketing.Coupon, error) {
	defer rows.Close()
	var out []marketing.Coupon
	for rows.Next() {
		var c marketing.Coupon
		var redeemed sql.NullTime
		if err := rows.Scan(&c.ID, &c.OfferID, &c.Code, &c.CustomerID, &c.IssuedAt, &redeemed); err != nil {
			return nil, err
		}
		c.IssuedAt, c.RedeemedAt = c.IssuedAt.UTC(), timeOf(redeemed)
		out = append(out, c)
	}
	return out, rows.Err()
}

// Coupons lists an offer's codes.
func (s *Store) Coupons(ctx context.Context, offerID int64, limit int) ([]marketing.Coupon, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+couponColumns+` WHERE offer_id = ? ORDER BY id LIMIT ?`, offerID, limit)
	if err != nil {
		return nil, err
	}
	return scanCoupons(rows)
}

// CustomerCoupons lists a customer's codes.
func (s *Store) CustomerCoupons(ctx context.Context, customerID int64) ([]marketing.Coupon, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+couponColumns+` WHERE customer_id = ? ORDER BY id DESC LIMIT 200`, customerID)
	if err != nil {
		return nil, err
	}
	return scanCoupons(rows)
}

// SegmentCustomers returns a segment's customers (an empty rule: every live customer)
// without a code of the offer; a members' offer keeps to its members.
func (s *Store) SegmentCustomers(ctx context.Context, offerID int64, r marketing.Rule, now time.Time, limit int) ([]int64, error) {
	w := &where{}
	w.add("c.deleted_at IS NULL AND c.merged_into IS NULL AND c.erased_at IS NULL")
	if !r.Empty() {
		var err error
		if w, err = s.segmentWhere(ctx, r, customer.Visibility{Scope: auth.ScopeAll}, now); err != nil {
			return nil, err
		}
	}
	w.add("NOT EXISTS (SELECT 1 FROM coupons k WHERE k.offer_id = ? AND k.customer_id = c.id)", offerID)
	// A members' offer goes to its program's members only.
	w.add(`NOT EXISTS (SELECT 1 FROM offers o WHERE o.id = ? AND o.program_id IS NOT NULL AND NOT EXISTS (SELECT 1
    FROM loyalty_members lm LEFT JOIN loyalty_tiers lt ON lt.id = lm.tier_id WHERE lm.customer_id = c.id
    AND lm.program_id = o.program_id AND lm.status = 'active' AND COALESCE(lt.rank, 0) >= o.min_tier_rank))`, offerID)
	rows, err := s.readConn().QueryContext(ctx, `SELECT c.id FROM customers c`+w.sql()+` ORDER BY c.id LIMIT ?`,
		append(w.args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// OfferMember reports whether a customer is an active member of the
// offer's program at its tier rank or above.
func (s *Store) OfferMember(ctx context.Context, o marketing.Offer, customerID int64) (bool, error) {
	var n int
	err := s.readConn().QueryRowContext(ctx, `SELECT COUNT(*) FROM loyalty_members lm LEFT JOIN loyalty_tiers lt ON lt.id = lm.tier_id
    WHERE lm.customer_id = ? AND lm.program_id = ? AND lm.status = 'active' AND COALESCE(lt.rank, 0) >= ?`, customerID, o.ProgramID,
		o.MinTierRank).Scan(&n)
	return n > 0, err
}

// ProductStock reports whether a product exists and whether it is in
// stock: on hand over all locations above zero, or no stock records.
func (s *Store) ProductStock(ctx context.Context, sku string) (bool, bool, error) {
	var inStock bool
	err := s.readConn().QueryRowContext(ctx, `SELECT COALESCE((SELECT SUM(st.on_hand) FROM product_stock st WHERE st.product_id = p.id), 1) > 0
    FROM products p WHERE p.sku = ?`, sku).Scan(&inStock)
	if errors.Is(err, sql.ErrNoRows) {
		return false, false, nil
	}
	return err == nil, inStock, err
}

// ProgramTiers returns a loyalty program's name and highest tier rank.
func (s *Store) ProgramTiers(ctx context.Context, programID int64) (string, int, error) {
	var name string
	var top int
	err := s.readConn().QueryRowContext(ctx, `SELECT p.name, COALESCE((SELECT MAX(rank) FROM loyalty_tiers t WHERE t.program_id = p.id), 0)
    FROM loyalty_programs p WHERE p.id = ?`, programID).Scan(&name, &top)
	return name, top, notFoundOr(err, fmt.Sprintf("Loyalty program %d was not found.", programID))
}

// InSegment reports whether one customer matches rules.
func (s *Store) InSegment(ctx context.Context, r marketing.Rule, customerID int64, now time.Time) (bool, error) {
	w, err := s.segmentWhere(ctx, r, customer.Visibility{Scope: auth.ScopeAll}, now)
	if err != nil {
		return false, err
	}
	w.add("c.id = ?", customerID)
	var n int
	err = s.readConn().QueryRowContext(ctx, `SELECT COUNT(*) FROM customers c`+w.sql(), w.args...).Scan(&n)
	return n > 0, err
}

// Redeem records a redemption within the offer's, the code's and the
// customer's limits, checked and counted in one transaction: the offer's
// count is raised only while under its limit, and a unique code is marked
// used only while unused, so two concurrent redemptions cannot both take
// the last one.
func (s *Store) Redeem(ctx context.Context, o marketing.Offer, code string, customerID, orderID int64, discount int64,
	at time.Time) (marketing.Redemption, error) {
	r := marketing.Redemption{OfferID: o.ID, OfferName: o.Name, CustomerID: customerID, OrderID: orderID, Discount: discount,
		RedeemedAt: at}
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.lockRow(ctx, "offers", o.ID); err != nil {
			return notFoundOr(err, "Offer not found.")
		}
		if o.PerCustomer > 0 {
			var used int
			if err := t.c.QueryRowContext(ctx, `SELECT COUNT(*) FROM offer_redemptions WHERE offer_id = ? AND customer_id = ?`,
				o.ID, customerID).Scan(&used); err != nil {
				return err
			}
			if used >= o.PerCustomer {
				return fault.Field("code", "this customer has used offer %q already", o.Name)
			}
		}
		res, err := t.c.ExecContext(ctx, `UPDATE offers SET redemptions = redemptions + 1 WHERE id = ?
    AND (max_redemptions = 0 OR redemptions < max_redemptions)`, o.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fault.Field("code", "offer %q has been used as often as it may be", o.Name)
		}
		if o.SharedCode == "" {
			err := t.c.QueryRowContext(ctx, `UPDATE coupons SET redeemed_at = ?, customer_id = COALESCE(customer_id, ?)
    WHERE code = ? AND offer_id = ? AND redeemed_at IS NULL AND (customer_id IS NULL OR customer_id = ?) RETURNING id`,
				at, customerID, strings.ToUpper(code), o.ID, customerID).Scan(&r.CouponID)
			if err == sql.ErrNoRows {
				return fault.Field("code", "code %s was used already or belongs to another customer", code)
			}
			if err != nil {
				return err
			}
		}
		err = t.c.QueryRowContext(ctx, `INSERT INTO offer_redemptions (offer_id, coupon_id, customer_id, order_id, discount,
    redeemed_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, o.ID, nullID(r.CouponID), customerID, nullID(orderID), discount,
			at).Scan(&r.ID)
		if err != nil {
			if fault.Is(mapErr(err), fault.Conflict) {
				return fault.Field("code", "offer %q was used on this order already", o.Name)
			}
			return err
		}
		return nil
	})
	return r, err
}

// CustomerRedemptions lists a customer's redemptions, newest first.
func (s *Store) CustomerRedemptions(ctx context.Context, customerID int64) ([]marketing.Redemption, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT r.id, r.offer_id, o.name, COALESCE(r.coupon_id, 0), r.customer_id,
    COALESCE(r.order_id, 0), r.discount, r.redeemed_at FROM offer_redemptions r JOIN offers o ON o.id = r.offer_id
    WHERE r.customer_id = ? ORDER BY r.id DESC LIMIT 200`, customerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []marketing.Redemption
	for rows.Next() {
		var r marketing.Redemption
		if err := rows.Scan(&r.ID, &r.OfferID, &r.OfferName, &r.CouponID, &r.CustomerID, &r.OrderID, &r.Discount,
			&r.RedeemedAt); err != nil {
			return nil, err
		}
		r.RedeemedAt = r.RedeemedAt.UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}
