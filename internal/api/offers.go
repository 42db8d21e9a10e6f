package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/scrms/scrms/internal/marketing"
)

// OfferJSON is a discount or gift for customers.
type OfferJSON struct {
	ID             int64     `json:"id" readOnly:"true"`
	Name           string    `json:"name" minLength:"1" maxLength:"100"`
	Description    string    `json:"description,omitempty" maxLength:"1000"`
	Kind           string    `json:"kind" enum:"percent,amount,free_shipping,gift"`
	Value          float64   `json:"value,omitempty" doc:"Percent (15 for 15 %) or an amount in currency units."`
	Currency       string    `json:"currency,omitempty" maxLength:"3" doc:"For amount offers."`
	SharedCode     string    `json:"shared_code,omitempty" maxLength:"40" doc:"One code for everyone eligible; leave empty to issue unique codes."`
	SegmentID      int64     `json:"segment_id,omitempty" doc:"Only customers in this segment may use it."`
	ProgramID      int64     `json:"program_id,omitempty" doc:"A members' offer: only active members of this loyalty program may use it or get its codes."`
	MinTierRank    int       `json:"min_tier_rank,omitempty" minimum:"0" doc:"With program_id: members at this tier rank (1 = lowest) or above."`
	ProductSKU     string    `json:"product_sku,omitempty" maxLength:"100" doc:"An offer on a product: usable only while the product is in stock."`
	MinOrder       float64   `json:"min_order,omitempty" minimum:"0" doc:"Smallest order total, in currency units."`
	ValidFrom      time.Time `json:"valid_from,omitzero"`
	ValidTo        time.Time `json:"valid_to,omitzero"`
	MaxRedemptions int       `json:"max_redemptions,omitempty" minimum:"0" doc:"0: no limit."`
	PerCustomer    *int      `json:"per_customer,omitempty" minimum:"0" doc:"Uses per customer (default 1; 0: no limit)."`
	Active         *bool     `json:"active,omitempty"`
	Redemptions    int       `json:"redemptions" readOnly:"true"`
	Describe       string    `json:"what" readOnly:"true" doc:"What it gives, e.g. 15% off."`
}

func (in OfferJSON) input() marketing.OfferInput {
	return marketing.OfferInput{Name: in.Name, Description: in.Description, Kind: in.Kind, Value: in.Value, Currency: in.Currency,
		SharedCode: in.SharedCode, SegmentID: in.SegmentID, ProgramID: in.ProgramID, MinTierRank: in.MinTierRank, ProductSKU: in.ProductSKU, MinOrder: in.MinOrder, ValidFrom: in.ValidFrom, ValidTo: in.ValidTo,
		MaxRedemptions: in.MaxRedemptions, PerCustomer: in.PerCustomer, Active: in.Active}
}

func offerJSON(o marketing.Offer) OfferJSON {
	out := OfferJSON{ID: o.ID, Name: o.Name, Description: o.Description, Kind: o.Kind, Currency: o.Currency, SharedCode: o.SharedCode,
		SegmentID: o.SegmentID, ProgramID: o.ProgramID, MinTierRank: o.MinTierRank, ProductSKU: o.ProductSKU, MinOrder: float64(o.MinOrder) / 10000, ValidFrom: o.ValidFrom, ValidTo: o.ValidTo,
		MaxRedemptions: o.MaxRedemptions, PerCustomer: &o.PerCustomer, Active: &o.Active, Redemptions: o.Redemptions,
		Describe: o.Describe()}
	if o.Kind == "percent" || o.Kind == "amount" {
		out.Value = float64(o.Value) / 10000
	}
	return out
}

// OfferOutput is one offer.
type OfferOutput struct{ Body OfferJSON }

// CouponJSON is a unique code.
type CouponJSON struct {
	Code       string    `json:"code"`
	OfferID    int64     `json:"offer_id"`
	CustomerID int64     `json:"customer_id,omitempty"`
	IssuedAt   time.Time `json:"issued_at"`
	RedeemedAt time.Time `json:"redeemed_at,omitzero"`
}

// RedemptionJSON is an offer used.
type RedemptionJSON struct {
	ID         int64     `json:"id"`
	OfferID    int64     `json:"offer_id"`
	Offer      string    `json:"offer"`
	CustomerID int64     `json:"customer_id"`
	OrderID    int64     `json:"order_id,omitempty"`
	Discount   float64   `json:"discount"`
	RedeemedAt time.Time `json:"redeemed_at"`
}

func redemptionJSON(r marketing.Redemption) RedemptionJSON {
	return RedemptionJSON{ID: r.ID, OfferID: r.OfferID, Offer: r.OfferName, CustomerID: r.CustomerID, OrderID: r.OrderID,
		Discount: float64(r.Discount) / 10000, RedeemedAt: r.RedeemedAt}
}

func couponsJSON(cs []marketing.Coupon) []CouponJSON {
	out := make([]CouponJSON, 0, len(cs))
	for _, c := range cs {
		out = append(out, CouponJSON{Code: c.Code, OfferID: c.OfferID, CustomerID: c.CustomerID, IssuedAt: c.IssuedAt,
			RedeemedAt: c.RedeemedAt})
	}
	return out
}

// CustomerOffersJSON is what a customer may use now and used before.
type CustomerOffersJSON struct {
	Offers      []OfferJSON      `json:"offers"`
	Codes       []CouponJSON     `json:"codes"`
	Redemptions []RedemptionJSON `json:"redemptions"`
}

func (s *server) registerOffers(api huma.API) {
	tags := []string{"Marketing"}
	huma.Register(api, huma.Operation{OperationID: "list-offers", Method: http.MethodGet, Path: "/offers",
		Summary: "Offers", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body []OfferJSON }, error) {
			os, err := s.Marketing.Offers(ctx, actorFrom(ctx))
			if err != nil {
				return nil, s.fail(ctx, "offers", err)
			}
			out := make([]OfferJSON, 0, len(os))
			for _, o := range os {
				out = append(out, offerJSON(o))
			}
			return &struct{ Body []OfferJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "create-offer", Method: http.MethodPost, Path: "/offers",
		Summary: "Add an offer", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct{ Body OfferJSON }) (*OfferOutput, error) {
			o, err := s.Marketing.CreateOffer(ctx, actorFrom(ctx), in.Body.input())
			if err != nil {
				return nil, s.fail(ctx, "create offer", err)
			}
			return &OfferOutput{offerJSON(o)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-offer", Method: http.MethodGet, Path: "/offers/{id}",
		Summary: "An offer", Tags: tags},
		func(ctx context.Context, in *struct {
			ID int64 `path:"id" minimum:"1"`
		}) (*OfferOutput, error) {
			o, err := s.Marketing.FindOffer(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "offer", err)
			}
			return &OfferOutput{offerJSON(o)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "update-offer", Method: http.MethodPut, Path: "/offers/{id}",
		Summary: "Change an offer's terms", Tags: tags},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body OfferJSON
		}) (*OfferOutput, error) {
			o, err := s.Marketing.UpdateOffer(ctx, actorFrom(ctx), in.ID, in.Body.input())
			if err != nil {
				return nil, s.fail(ctx, "update offer", err)
			}
			return &OfferOutput{offerJSON(o)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "issue-codes", Method: http.MethodPost, Path: "/offers/{id}/codes",
		Summary: "Issue unique codes: one per customer of a segment without one, or a number given to nobody yet", Tags: tags,
		DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body struct {
				SegmentID int64 `json:"segment_id,omitempty" doc:"Default: the offer's segment."`
				Count     int   `json:"count,omitempty" minimum:"0" maximum:"100000"`
			}
		}) (*struct {
			Body struct {
				Issued int `json:"issued"`
			}
		}, error) {
			n, err := s.Marketing.IssueCodes(ctx, actorFrom(ctx), in.ID, in.Body.SegmentID, in.Body.Count)
			if err != nil {
				return nil, s.fail(ctx, "issue codes", err)
			}
			out := &struct {
				Body struct {
					Issued int `json:"issued"`
				}
			}{}
			out.Body.Issued = n
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "list-codes", Method: http.MethodGet, Path: "/offers/{id}/codes",
		Summary: "An offer's unique codes", Tags: tags},
		func(ctx context.Context, in *struct {
			ID int64 `path:"id" minimum:"1"`
		}) (*struct{ Body []CouponJSON }, error) {
			cs, err := s.Marketing.Codes(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "codes", err)
			}
			return &struct{ Body []CouponJSON }{couponsJSON(cs)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "redeem-offer", Method: http.MethodPost, Path: "/offers/redeem",
		Summary: "Use a code (at a till, or for an order recorded elsewhere)", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct {
			Body struct {
				Code       string  `json:"code" minLength:"1" maxLength:"60"`
				CustomerID int64   `json:"customer_id" minimum:"1"`
				OrderID    int64   `json:"order_id,omitempty"`
				Total      float64 `json:"total" minimum:"0" doc:"The order total, in currency units."`
				Currency   string  `json:"currency,omitempty" maxLength:"3"`
			}
		}) (*struct{ Body RedemptionJSON }, error) {
			b := in.Body
			r, err := s.Marketing.Redeem(ctx, actorFrom(ctx), marketing.RedeemInput{Code: b.Code, CustomerID: b.CustomerID,
				OrderID: b.OrderID, Total: int64(b.Total * 10000), Currency: b.Currency})
			if err != nil {
				return nil, s.fail(ctx, "redeem", err)
			}
			return &struct{ Body RedemptionJSON }{redemptionJSON(r)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "customer-offers", Method: http.MethodGet, Path: "/customers/{id}/offers",
		Summary: "The offers a customer may use now, their codes and what they used before", Tags: tags},
		func(ctx context.Context, in *struct {
			ID int64 `path:"id" minimum:"1"`
		}) (*struct{ Body CustomerOffersJSON }, error) {
			a := actorFrom(ctx)
			c, err := s.Customers.FindCustomer(ctx, a, in.ID)
			if err != nil {
				return nil, s.fail(ctx, "customer offers", err)
			}
			co, err := s.Marketing.ForCustomer(ctx, a, c)
			if err != nil {
				return nil, s.fail(ctx, "customer offers", err)
			}
			out := CustomerOffersJSON{Offers: []OfferJSON{}, Codes: couponsJSON(co.Codes), Redemptions: []RedemptionJSON{}}
			for _, o := range co.Offers {
				out.Offers = append(out.Offers, offerJSON(o))
			}
			for _, r := range co.Redemptions {
				out.Redemptions = append(out.Redemptions, redemptionJSON(r))
			}
			return &struct{ Body CustomerOffersJSON }{out}, nil
		})
}
