package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/marketing"
	"github.com/scrms/scrms/internal/sales"
)

// OrderLineJSON is one line of an order.
type OrderLineJSON struct {
	SKU         string  `json:"sku" maxLength:"64"`
	Description string  `json:"description,omitempty" maxLength:"300"`
	Quantity    int64   `json:"quantity" doc:"Negative for a returned item."`
	UnitPrice   float64 `json:"unit_price" minimum:"0" doc:"In currency units, e.g. 2.55."`
	LineTotal   float64 `json:"line_total,omitempty" readOnly:"true"`
}

// OrderJSON is an order.
type OrderJSON struct {
	ID           int64           `json:"id"`
	CustomerID   int64           `json:"customer_id"`
	CustomerName string          `json:"customer_name,omitempty"`
	ExternalID   string          `json:"external_id,omitempty"`
	OrderedAt    time.Time       `json:"ordered_at"`
	Currency     string          `json:"currency"`
	Total        float64         `json:"total"`
	Status       string          `json:"status" enum:"placed,returned"`
	Source       string          `json:"source"`
	Lines        []OrderLineJSON `json:"lines,omitempty"`
	Discount     float64         `json:"discount,omitempty" doc:"What the coupon took off, when one was used."`
	CouponError  string          `json:"coupon_error,omitempty" doc:"Why the coupon was not applied (the order stands)."`
}

func orderJSON(o sales.Order) OrderJSON {
	j := OrderJSON{ID: o.ID, CustomerID: o.CustomerID, CustomerName: o.CustomerName, ExternalID: o.ExternalID,
		OrderedAt: o.OrderedAt, Currency: o.Currency, Total: float64(o.Total) / sales.Scale, Status: o.Status, Source: o.Source}
	for _, l := range o.Lines {
		j.Lines = append(j.Lines, OrderLineJSON{SKU: l.SKU, Description: l.Description, Quantity: l.Quantity,
			UnitPrice: float64(l.UnitPrice) / sales.Scale, LineTotal: float64(l.LineTotal) / sales.Scale})
	}
	return j
}

// PurchaseSummaryJSON is what a customer's orders add up to.
type PurchaseSummaryJSON struct {
	Orders       int              `json:"orders"`
	TotalSpent   float64          `json:"total_spent" doc:"Returns deducted."`
	AverageOrder float64          `json:"average_order"`
	FirstOrderAt *time.Time       `json:"first_order_at,omitempty"`
	LastOrderAt  *time.Time       `json:"last_order_at,omitempty"`
	TenureDays   int              `json:"tenure_days" doc:"Days since the first purchase."`
	TopProducts  []TopProductJSON `json:"top_products"`
	Categories   []string         `json:"favourite_categories" doc:"Product categories bought most."`
}

// TopProductJSON is a product a customer bought most of.
type TopProductJSON struct {
	SKU         string `json:"sku"`
	Description string `json:"description"`
	Quantity    int64  `json:"quantity"`
}

func (s *server) registerOrders(api huma.API) {
	tags := []string{"Orders"}
	huma.Register(api, huma.Operation{OperationID: "create-order", Method: http.MethodPost, Path: "/orders",
		Summary: "Record an order (or a return) from a shop or till", Tags: tags, DefaultStatus: http.StatusCreated,
		MaxBodyBytes: s.MaxBodyBytes,
		Description: "Give customer_id, or customer_external_id (an unknown one creates a minimal customer). An " +
			"unknown sku creates a minimal product. An order whose external_id exists is refused (409)."},
		func(ctx context.Context, in *struct {
			Body struct {
				CustomerID         int64           `json:"customer_id,omitempty"`
				CustomerExternalID string          `json:"customer_external_id,omitempty" maxLength:"100"`
				ExternalID         string          `json:"external_id,omitempty" maxLength:"100"`
				OrderedAt          time.Time       `json:"ordered_at"`
				Currency           string          `json:"currency" maxLength:"3"`
				Source             string          `json:"source,omitempty" maxLength:"50" doc:"web shop, POS… Default: api."`
				Lines              []OrderLineJSON `json:"lines" minItems:"1" maxItems:"1000"`
				CouponCode         string          `json:"coupon_code,omitempty" maxLength:"60" doc:"An offer's code used on the order: its redemption is recorded."`
			}
		}) (*struct{ Body OrderJSON }, error) {
			b := in.Body
			oi := sales.OrderInput{CustomerID: b.CustomerID, CustomerExternalID: b.CustomerExternalID, ExternalID: b.ExternalID,
				OrderedAt: b.OrderedAt, Currency: b.Currency, Source: b.Source}
			for i, l := range b.Lines {
				price, ok := sales.ToScaled(l.UnitPrice)
				if !ok {
					return nil, s.fail(ctx, "create order", &fault.Error{Code: fault.Invalid, Message: "Some fields are not valid.",
						Fields: []fault.FieldError{{Field: "lines[" + itoa(i) + "].unit_price", Message: "is not a price"}}})
				}
				oi.Lines = append(oi.Lines, sales.OrderLine{SKU: l.SKU, Description: l.Description, Quantity: l.Quantity, UnitPrice: price})
			}
			o, _, err := s.Orders.CreateOrder(ctx, actorFrom(ctx), oi)
			if err != nil {
				return nil, s.fail(ctx, "create order", err)
			}
			out := orderJSON(o)
			if b.CouponCode != "" {
				// The order stands whatever happens to the code; the answer
				// says whether the code was applied.
				r, err := s.Marketing.Redeem(ctx, actorFrom(ctx), marketing.RedeemInput{Code: b.CouponCode, CustomerID: o.CustomerID,
					OrderID: o.ID, Total: o.Total, Currency: o.Currency})
				if err != nil {
					if e, ok := fault.As(err); ok {
						out.CouponError = e.Message
						for _, f := range e.Fields {
							out.CouponError = f.Message
						}
					} else {
						return nil, s.fail(ctx, "redeem coupon", err)
					}
				} else {
					out.Discount = float64(r.Discount) / 10000
				}
			}
			return &struct{ Body OrderJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "list-orders", Method: http.MethodGet, Path: "/orders",
		Summary: "A customer's orders, newest first", Tags: tags},
		func(ctx context.Context, in *struct {
			CustomerID int64 `query:"customer_id" required:"true" minimum:"1"`
			Limit      int   `query:"limit" minimum:"1" maximum:"500" default:"50"`
		}) (*struct{ Body []OrderJSON }, error) {
			os, err := s.Orders.Orders(ctx, actorFrom(ctx), in.CustomerID, in.Limit)
			if err != nil {
				return nil, s.fail(ctx, "orders", err)
			}
			out := []OrderJSON{}
			for _, o := range os {
				out = append(out, orderJSON(o))
			}
			return &struct{ Body []OrderJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-order", Method: http.MethodGet, Path: "/orders/{id}",
		Summary: "An order with its lines", Tags: tags},
		func(ctx context.Context, in *struct {
			ID int64 `path:"id" minimum:"1"`
		}) (*struct{ Body OrderJSON }, error) {
			o, err := s.Orders.Order(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "order", err)
			}
			return &struct{ Body OrderJSON }{orderJSON(o)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-purchase-summary", Method: http.MethodGet,
		Path: "/customers/{id}/purchases", Summary: "A customer's purchase summary: value and tenure", Tags: tags},
		func(ctx context.Context, in *CustomerPath) (*struct{ Body PurchaseSummaryJSON }, error) {
			p, err := s.Orders.Summary(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "purchases", err)
			}
			out := PurchaseSummaryJSON{Orders: p.Orders, TotalSpent: float64(p.TotalSpent) / sales.Scale,
				AverageOrder: float64(p.Average()) / sales.Scale, FirstOrderAt: optTime(p.FirstOrder),
				LastOrderAt: optTime(p.LastOrder)}
			if !p.FirstOrder.IsZero() {
				out.TenureDays = int(time.Since(p.FirstOrder).Hours() / 24)
			}
			out.Categories = nonNil(p.Categories)
			out.TopProducts = make([]TopProductJSON, len(p.TopProducts))
			for i, tp := range p.TopProducts {
				out.TopProducts[i].SKU, out.TopProducts[i].Description, out.TopProducts[i].Quantity = tp.SKU, tp.Description, tp.Quantity
			}
			return &struct{ Body PurchaseSummaryJSON }{out}, nil
		})
}

func itoa(i int) string { return strconv.Itoa(i) }
