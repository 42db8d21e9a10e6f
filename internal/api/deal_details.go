package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/scrms/scrms/internal/sales"
)

// DealLineJSON is a product of a deal with its stock now.
type DealLineJSON struct {
	SKU         string `json:"sku" maxLength:"64"`
	Description string `json:"description,omitempty" maxLength:"300"`
	Quantity    int64  `json:"quantity" minimum:"1"`
	UnitPrice   int64  `json:"unit_price,omitempty" minimum:"0" doc:"Cents; default: the product's price."`
	Discount    int64  `json:"discount,omitempty" minimum:"0" maximum:"10000" doc:"Basis points."`
	LineTotal   int64  `json:"line_total,omitempty" readOnly:"true"`
	OnHand      int64  `json:"on_hand" readOnly:"true" doc:"Stock of the product now, over all locations."`
	Available   bool   `json:"available" readOnly:"true" doc:"Enough in stock for this line."`
}

// DealContactJSON is a person of a deal.
type DealContactJSON struct {
	CustomerID int64  `json:"customer_id"`
	Name       string `json:"name"`
	Role       string `json:"role,omitempty"`
}

func (s *server) registerDealDetails(api huma.API) {
	tags := []string{"Sales"}
	linesOut := func(ls []sales.DealLine) []DealLineJSON {
		out := []DealLineJSON{}
		for _, l := range ls {
			out = append(out, DealLineJSON{SKU: l.SKU, Description: l.Description, Quantity: l.Quantity, UnitPrice: l.UnitPrice,
				Discount: l.Discount, LineTotal: l.LineTotal, OnHand: l.OnHand, Available: l.Available})
		}
		return out
	}
	huma.Register(api, huma.Operation{OperationID: "set-opportunity-lines", Method: http.MethodPut,
		Path: "/opportunities/{id}/lines", Summary: "Set a deal's products (its amount becomes their total)", Tags: tags},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body struct {
				Lines []DealLineJSON `json:"lines" maxItems:"200"`
			}
		}) (*struct{ Body []DealLineJSON }, error) {
			var ls []sales.DealLine
			for _, l := range in.Body.Lines {
				ls = append(ls, sales.DealLine{SKU: l.SKU, Description: l.Description, Quantity: l.Quantity,
					UnitPrice: l.UnitPrice, Discount: l.Discount})
			}
			got, err := s.DealDetails.SetLines(ctx, actorFrom(ctx), in.ID, ls)
			if err != nil {
				return nil, s.fail(ctx, "set lines", err)
			}
			return &struct{ Body []DealLineJSON }{linesOut(got)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-opportunity-lines", Method: http.MethodGet,
		Path: "/opportunities/{id}/lines", Summary: "A deal's products with their stock now", Tags: tags},
		func(ctx context.Context, in *struct {
			ID int64 `path:"id" minimum:"1"`
		}) (*struct{ Body []DealLineJSON }, error) {
			got, err := s.DealDetails.Lines(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "lines", err)
			}
			return &struct{ Body []DealLineJSON }{linesOut(got)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "set-opportunity-contact", Method: http.MethodPut,
		Path: "/opportunities/{id}/contacts/{customer_id}", Summary: "Add a person to a deal with their role", Tags: tags,
		DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *struct {
			ID         int64 `path:"id" minimum:"1"`
			CustomerID int64 `path:"customer_id" minimum:"1"`
			Body       struct {
				Role string `json:"role,omitempty" maxLength:"100" doc:"decision maker, champion, buyer…"`
			}
		}) (*struct{}, error) {
			if err := s.DealDetails.SetContact(ctx, actorFrom(ctx), in.ID, sales.DealContact{CustomerID: in.CustomerID, Role: in.Body.Role}); err != nil {
				return nil, s.fail(ctx, "set contact", err)
			}
			return nil, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-opportunity-contacts", Method: http.MethodGet,
		Path: "/opportunities/{id}/contacts", Summary: "The people of a deal", Tags: tags},
		func(ctx context.Context, in *struct {
			ID int64 `path:"id" minimum:"1"`
		}) (*struct{ Body []DealContactJSON }, error) {
			cs, err := s.DealDetails.Contacts(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "contacts", err)
			}
			out := []DealContactJSON{}
			for _, c := range cs {
				out = append(out, DealContactJSON(c))
			}
			return &struct{ Body []DealContactJSON }{out}, nil
		})
}
