package marketing

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
)

// Offer is a discount or gift: a shared code anyone eligible may use, or
// unique codes issued one per customer.
type Offer struct {
	ID             int64
	Name           string
	Description    string
	Kind           string // percent, amount, free_shipping, gift
	Value          int64  // percent × 10000 for percent; ten-thousandths of a unit for amount
	Currency       string // for amount offers
	SharedCode     string // "" for unique codes
	SegmentID      int64  // only customers in this segment; 0 for everyone
	ProgramID      int64  // only active members of this loyalty program; 0 for everyone
	MinTierRank    int    // members at this tier rank or above (with ProgramID)
	ProductSKU     string // an offer on a product: only while it is in stock; "" for none
	MinOrder       int64  // ten-thousandths
	ValidFrom      time.Time
	ValidTo        time.Time
	MaxRedemptions int // 0: no limit
	PerCustomer    int // 0: no limit
	Redemptions    int
	Active         bool
	CreatedBy      int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// OfferKinds are the kinds of offer.
var OfferKinds = []string{"percent", "amount", "free_shipping", "gift"}

// Coupon is a unique code of an offer.
type Coupon struct {
	ID         int64
	OfferID    int64
	Code       string
	CustomerID int64
	IssuedAt   time.Time
	RedeemedAt time.Time
}

// Redemption is an offer used on an order.
type Redemption struct {
	ID         int64
	OfferID    int64
	OfferName  string
	CouponID   int64
	CustomerID int64
	OrderID    int64
	Discount   int64 // ten-thousandths
	RedeemedAt time.Time
}

// OfferStore keeps offers, their codes and their redemptions.
type OfferStore interface {
	CreateOffer(ctx context.Context, o Offer, e audit.Entry) (int64, error)
	UpdateOffer(ctx context.Context, o Offer, e audit.Entry) error
	Offers(ctx context.Context) ([]Offer, error)
	FindOffer(ctx context.Context, id int64) (Offer, error)
	// IssueCoupons makes a unique code for each customer (0 for a code not
	// yet given to anyone) and returns the codes made.
	IssueCoupons(ctx context.Context, offerID int64, customerIDs []int64, codes []string, at time.Time) ([]Coupon, error)
	Coupons(ctx context.Context, offerID int64, limit int) ([]Coupon, error)
	// OfferForCode finds the offer of a shared or unique code.
	OfferForCode(ctx context.Context, code string) (Offer, error)
	// SegmentCustomers returns the ids of a segment's customers who have no
	// code of the offer yet.
	SegmentCustomers(ctx context.Context, offerID int64, r Rule, now time.Time, limit int) ([]int64, error)
	// Redeem records a redemption if the offer, the code and the customer
	// are still within their limits, checked and counted in one transaction.
	Redeem(ctx context.Context, o Offer, code string, customerID, orderID int64, discount int64, at time.Time) (Redemption, error)
	CustomerCoupons(ctx context.Context, customerID int64) ([]Coupon, error)
	CustomerRedemptions(ctx context.Context, customerID int64) ([]Redemption, error)
	// InSegment reports whether a customer matches rules.
	InSegment(ctx context.Context, r Rule, customerID int64, now time.Time) (bool, error)
	// OfferMember reports whether a customer is an active member of the
	// offer's loyalty program at its tier rank or above.
	OfferMember(ctx context.Context, o Offer, customerID int64) (bool, error)
	// ProgramTiers returns a loyalty program's name and highest tier rank
	// (NotFound when there is no such program).
	ProgramTiers(ctx context.Context, programID int64) (string, int, error)
	// ProductStock reports whether a product exists and whether it is in
	// stock (a product without stock records is).
	ProductStock(ctx context.Context, sku string) (exists, inStock bool, err error)
}

// OfferInput is a new offer or its new terms.
type OfferInput struct {
	Name           string
	Description    string
	Kind           string
	Value          float64 // percent (e.g. 15) or an amount in currency units
	Currency       string
	SharedCode     string
	SegmentID      int64
	ProgramID      int64
	MinTierRank    int
	ProductSKU     string
	MinOrder       float64
	ValidFrom      time.Time
	ValidTo        time.Time
	MaxRedemptions int
	PerCustomer    *int
	Active         *bool
}

func (s *Service) offerFrom(ctx context.Context, in OfferInput, o Offer) (Offer, error) {
	var f fault.Fields
	o.Name, o.Description, o.Kind = strings.TrimSpace(in.Name), strings.TrimSpace(in.Description), in.Kind
	o.SharedCode, o.Currency = strings.ToUpper(strings.TrimSpace(in.SharedCode)), strings.ToUpper(strings.TrimSpace(in.Currency))
	o.SegmentID, o.ValidFrom, o.ValidTo, o.MaxRedemptions = in.SegmentID, in.ValidFrom.UTC(), in.ValidTo.UTC(), in.MaxRedemptions
	o.ProgramID, o.MinTierRank, o.ProductSKU = in.ProgramID, in.MinTierRank, strings.TrimSpace(in.ProductSKU)
	o.MinOrder = int64(in.MinOrder * 10000)
	if in.PerCustomer != nil {
		o.PerCustomer = *in.PerCustomer
	}
	if in.Active != nil {
		o.Active = *in.Active
	}
	if o.Name == "" || len(o.Name) > 100 {
		f.Add("name", "must be 1 to 100 characters")
	}
	if !slices.Contains(OfferKinds, o.Kind) {
		f.Add("kind", "must be one of %s", strings.Join(OfferKinds, ", "))
	}
	switch o.Kind {
	case "percent":
		if in.Value <= 0 || in.Value > 100 {
			f.Add("value", "a percent offer takes 0 to 100")
		}
		o.Value = int64(in.Value * 10000)
	case "amount":
		if in.Value <= 0 {
			f.Add("value", "an amount offer takes an amount above 0")
		}
		if len(o.Currency) != 3 {
			f.Add("currency", "an amount offer needs a currency code such as EUR")
		}
		o.Value = int64(in.Value * 10000)
	default:
		o.Value = 0
	}
	if o.SharedCode != "" && (len(o.SharedCode) < 4 || len(o.SharedCode) > 40 || strings.ContainsAny(o.SharedCode, " \t\r\n")) {
		f.Add("shared_code", "must be 4 to 40 characters without spaces")
	}
	if !o.ValidTo.IsZero() && !o.ValidFrom.IsZero() && !o.ValidTo.After(o.ValidFrom) {
		f.Add("valid_to", "must be after valid_from")
	}
	if o.MaxRedemptions < 0 || o.PerCustomer < 0 || o.MinOrder < 0 {
		f.Add("limits", "cannot be negative")
	}
	if o.SegmentID != 0 {
		if _, err := s.store.FindSegment(ctx, o.SegmentID); err != nil {
			f.Add("segment_id", "segment %d does not exist", o.SegmentID)
		}
	}
	switch {
	case o.ProgramID != 0:
		_, top, err := s.store.ProgramTiers(ctx, o.ProgramID)
		if fault.Is(err, fault.NotFound) {
			f.Add("program_id", "loyalty program %d does not exist", o.ProgramID)
		} else if err != nil {
			return o, err
		} else if o.MinTierRank < 0 || o.MinTierRank > top {
			f.Add("min_tier_rank", "must be 0 to %d, the program's highest tier rank", top)
		}
	case o.MinTierRank != 0:
		f.Add("min_tier_rank", "needs a program_id")
	}
	if o.ProductSKU != "" {
		if exists, _, err := s.store.ProductStock(ctx, o.ProductSKU); err != nil {
			return o, err
		} else if !exists {
			f.Add("product_sku", "product %q does not exist", o.ProductSKU)
		}
	}
	return o, f.Err()
}

// CreateOffer stores an offer.
func (s *Service) CreateOffer(ctx context.Context, a auth.Actor, in OfferInput) (Offer, error) {
	if err := a.Require(auth.MarketingWrite); err != nil {
		return Offer{}, err
	}
	now := s.at()
	o, err := s.offerFrom(ctx, in, Offer{PerCustomer: 1, Active: true, CreatedBy: a.UserID, CreatedAt: now, UpdatedAt: now})
	if err != nil {
		return Offer{}, err
	}
	e := a.Audit("create", "offer", 0, now)
	e.Changes = []audit.Change{{Field: "name", New: o.Name}}
	o.ID, err = s.store.CreateOffer(ctx, o, e)
	return o, err
}

// UpdateOffer changes an offer's terms (its redemptions so far stay).
func (s *Service) UpdateOffer(ctx context.Context, a auth.Actor, id int64, in OfferInput) (Offer, error) {
	if err := a.Require(auth.MarketingWrite); err != nil {
		return Offer{}, err
	}
	cur, err := s.store.FindOffer(ctx, id)
	if err != nil {
		return Offer{}, err
	}
	o, err := s.offerFrom(ctx, in, cur)
	if err != nil {
		return Offer{}, err
	}
	o.UpdatedAt = s.at()
	e := a.Audit("update", "offer", id, o.UpdatedAt)
	e.Changes = []audit.Change{{Field: "name", Old: cur.Name, New: o.Name}}
	return o, s.store.UpdateOffer(ctx, o, e)
}

// Offers lists the offers.
func (s *Service) Offers(ctx context.Context, a auth.Actor) ([]Offer, error) {
	if err := a.Require(auth.MarketingRead); err != nil {
		return nil, err
	}
	return s.store.Offers(ctx)
}

// FindOffer returns an offer.
func (s *Service) FindOffer(ctx context.Context, a auth.Actor, id int64) (Offer, error) {
	if err := a.Require(auth.MarketingRead); err != nil {
		return Offer{}, err
	}
	return s.store.FindOffer(ctx, id)
}

// couponAlphabet leaves out letters and digits that read alike.
const couponAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

func newCode(prefix string) string {
	b := make([]byte, 10)
	for i := range b {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(couponAlphabet))))
		b[i] = couponAlphabet[n.Int64()]
	}
	return prefix + string(b[:5]) + "-" + string(b[5:])
}

// IssueCodes makes unique codes: one for each customer of the offer's
// segment (or of another segment) who has none yet, or count codes given
// to nobody. It returns how many it made.
func (s *Service) IssueCodes(ctx context.Context, a auth.Actor, offerID, segmentID int64, count int) (int, error) {
	if err := a.Require(auth.MarketingWrite); err != nil {
		return 0, err
	}
	o, err := s.store.FindOffer(ctx, offerID)
	if err != nil {
		return 0, err
	}
	if o.SharedCode != "" {
		return 0, fault.New(fault.Conflict, "Offer %q has a shared code; unique codes are for offers without one.", o.Name)
	}
	if segmentID == 0 && count == 0 {
		segmentID = o.SegmentID
	}
	var ids []int64
	switch {
	case segmentID == 0 && count == 0 && o.ProgramID != 0:
		// A members' offer without a segment goes to the program's members
		// (the store keeps codes of members' offers to members).
		if ids, err = s.store.SegmentCustomers(ctx, offerID, Rule{}, s.at(), 200000); err != nil {
			return 0, err
		}
	case segmentID != 0:
		sg, err := s.store.FindSegment(ctx, segmentID)
		if err != nil {
			return 0, fault.Field("segment_id", "segment %d does not exist", segmentID)
		}
		if ids, err = s.store.SegmentCustomers(ctx, offerID, sg.Rules, s.at(), 200000); err != nil {
			return 0, err
		}
	case count > 0 && count <= 100000:
		ids = make([]int64, count)
	default:
		return 0, fault.Field("count", "give a segment, or a count of 1 to 100000 codes")
	}
	prefix := ""
	for _, r := range strings.ToUpper(o.Name) {
		if r >= 'A' && r <= 'Z' && len(prefix) < 4 {
			prefix += string(r)
		}
	}
	issued := 0
	for start := 0; start < len(ids); start += 1000 {
		batch := ids[start:min(start+1000, len(ids))]
		codes := make([]string, len(batch))
		for i := range codes {
			codes[i] = newCode(prefix + "-")
		}
		cs, err := s.store.IssueCoupons(ctx, offerID, batch, codes, s.at())
		if err != nil {
			return issued, err
		}
		issued += len(cs)
	}
	return issued, nil
}

// Codes lists an offer's unique codes.
func (s *Service) Codes(ctx context.Context, a auth.Actor, offerID int64) ([]Coupon, error) {
	if _, err := s.FindOffer(ctx, a, offerID); err != nil {
		return nil, err
	}
	return s.store.Coupons(ctx, offerID, 1000)
}

// Discount is what an offer takes off an order total (ten-thousandths).
func (o Offer) Discount(total int64, currency string) int64 {
	switch o.Kind {
	case "percent":
		return total * o.Value / 1000000
	case "amount":
		if o.Currency != "" && !strings.EqualFold(o.Currency, currency) {
			return 0
		}
		return min(o.Value, total)
	}
	return 0
}

// RedeemInput is a code used by a customer, on an order or at the till.
type RedeemInput struct {
	Code       string
	CustomerID int64
	OrderID    int64  // 0 when the order is not in SCRMS (yet)
	Total      int64  // the order total, ten-thousandths
	Currency   string // the order's currency
}

// Redeem uses a code: the offer must be active and valid now, the
// customer eligible (segment, minimum order), and the limits not reached;
// a unique code must be the customer's (or nobody's) and unused. The check
// and the count happen in one transaction, so that two tills cannot both
// use the last redemption.
func (s *Service) Redeem(ctx context.Context, a auth.Actor, in RedeemInput) (Redemption, error) {
	if err := a.Require(auth.SalesWrite); err != nil {
		return Redemption{}, err
	}
	code := strings.ToUpper(strings.TrimSpace(in.Code))
	if code == "" {
		return Redemption{}, fault.Field("code", "is required")
	}
	o, err := s.store.OfferForCode(ctx, code)
	if err != nil {
		return Redemption{}, err
	}
	now := s.at()
	switch {
	case !o.Active:
		return Redemption{}, fault.Field("code", "offer %q is not active", o.Name)
	case !o.ValidFrom.IsZero() && now.Before(o.ValidFrom):
		return Redemption{}, fault.Field("code", "offer %q starts on %s", o.Name, o.ValidFrom.Format("2 Jan 2006"))
	case !o.ValidTo.IsZero() && !now.Before(o.ValidTo):
		return Redemption{}, fault.Field("code", "offer %q ended on %s", o.Name, o.ValidTo.Format("2 Jan 2006"))
	case in.Total < o.MinOrder:
		return Redemption{}, fault.Field("code", "offer %q needs an order of at least %.2f", o.Name, float64(o.MinOrder)/10000)
	}
	if o.SegmentID != 0 {
		sg, err := s.store.FindSegment(ctx, o.SegmentID)
		if err != nil {
			return Redemption{}, err
		}
		ok, err := s.store.InSegment(ctx, sg.Rules, in.CustomerID, now)
		if err != nil {
			return Redemption{}, err
		}
		if !ok {
			return Redemption{}, fault.Field("code", "offer %q is not for this customer", o.Name)
		}
	}
	if o.ProductSKU != "" {
		if _, inStock, err := s.store.ProductStock(ctx, o.ProductSKU); err != nil {
			return Redemption{}, err
		} else if !inStock {
			return Redemption{}, fault.Field("code", "offer %q is on %s, which is out of stock", o.Name, o.ProductSKU)
		}
	}
	if o.ProgramID != 0 {
		ok, err := s.store.OfferMember(ctx, o, in.CustomerID)
		if err != nil {
			return Redemption{}, err
		}
		if !ok {
			return Redemption{}, fault.Field("code", "offer %q is for loyalty members%s only", o.Name,
				map[bool]string{true: " of a higher tier", false: ""}[o.MinTierRank > 1])
		}
	}
	return s.store.Redeem(ctx, o, code, in.CustomerID, in.OrderID, o.Discount(in.Total, in.Currency), now)
}

// CustomerOffers are the offers a customer may use now, with their codes,
// and what they used before.
type CustomerOffers struct {
	Offers      []Offer
	Codes       []Coupon
	Redemptions []Redemption
}

// ForCustomer lists the active offers a customer is eligible for (their
// unique codes among them), and their redemptions.
func (s *Service) ForCustomer(ctx context.Context, a auth.Actor, c customer.Customer) (CustomerOffers, error) {
	if err := a.Require(auth.CustomerRead); err != nil {
		return CustomerOffers{}, err
	}
	var out CustomerOffers
	offers, err := s.store.Offers(ctx)
	if err != nil {
		return out, err
	}
	if out.Codes, err = s.store.CustomerCoupons(ctx, c.ID); err != nil {
		return out, err
	}
	if out.Redemptions, err = s.store.CustomerRedemptions(ctx, c.ID); err != nil {
		return out, err
	}
	now := s.at()
	used := map[int64]int{}
	for _, r := range out.Redemptions {
		used[r.OfferID]++
	}
	for _, o := range offers {
		if !o.Active || (!o.ValidTo.IsZero() && !now.Before(o.ValidTo)) || (o.MaxRedemptions > 0 && o.Redemptions >= o.MaxRedemptions) ||
			(o.PerCustomer > 0 && used[o.ID] >= o.PerCustomer) {
			continue
		}
		if o.SharedCode == "" && !slices.ContainsFunc(out.Codes, func(cp Coupon) bool { return cp.OfferID == o.ID && cp.RedeemedAt.IsZero() }) {
			continue
		}
		if o.SegmentID != 0 {
			sg, err := s.store.FindSegment(ctx, o.SegmentID)
			if err != nil {
				return out, err
			}
			if ok, err := s.store.InSegment(ctx, sg.Rules, c.ID, now); err != nil || !ok {
				if err != nil {
					return out, err
				}
				continue
			}
		}
		if o.ProductSKU != "" {
			if _, inStock, err := s.store.ProductStock(ctx, o.ProductSKU); err != nil || !inStock {
				if err != nil {
					return out, err
				}
				continue
			}
		}
		if o.ProgramID != 0 {
			if ok, err := s.store.OfferMember(ctx, o, c.ID); err != nil || !ok {
				if err != nil {
					return out, err
				}
				continue
			}
		}
		out.Offers = append(out.Offers, o)
	}
	return out, nil
}

func describeOffer(o Offer) string {
	switch o.Kind {
	case "percent":
		return fmt.Sprintf("%g%% off", float64(o.Value)/10000)
	case "amount":
		return fmt.Sprintf("%.2f %s off", float64(o.Value)/10000, o.Currency)
	case "free_shipping":
		return "free shipping"
	}
	return "a gift"
}

// Describe says what the offer gives, e.g. "15% off".
func (o Offer) Describe() string { return describeOffer(o) }
