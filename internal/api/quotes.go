package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/scrms/scrms/internal/sales"
)

// QuoteLineJSON is a line of a quote.
type QuoteLineJSON struct {
	SKU         string `json:"sku" maxLength:"64"`
	Description string `json:"description,omitempty" maxLength:"300"`
	Quantity    int64  `json:"quantity" minimum:"1"`
	UnitPrice   int64  `json:"unit_price,omitempty" minimum:"0" doc:"Cents; default: the product's price."`
	Discount    int64  `json:"discount,omitempty" minimum:"0" maximum:"10000" doc:"Basis points (1 % = 100)."`
	LineTotal   int64  `json:"line_total,omitempty" readOnly:"true"`
}

// QuoteJSON is a quote.
type QuoteJSON struct {
	ID            int64           `json:"id"`
	Number        string          `json:"number"`
	OpportunityID int64           `json:"opportunity_id"`
	CustomerID    *int64          `json:"customer_id,omitempty"`
	Status        string          `json:"status" enum:"draft,sent,accepted,declined"`
	Currency      string          `json:"currency"`
	ValidUntil    string          `json:"valid_until"`
	TaxRate       int64           `json:"tax_rate" doc:"Basis points."`
	Subtotal      int64           `json:"subtotal"`
	DiscountTotal int64           `json:"discount_total"`
	TaxTotal      int64           `json:"tax_total"`
	Total         int64           `json:"total"`
	Notes         string          `json:"notes,omitempty"`
	OrderID       *int64          `json:"order_id,omitempty" doc:"The order created when it was accepted."`
	Lines         []QuoteLineJSON `json:"lines,omitempty"`
	CreatedAt     time.Time       `json:"created_at"`
	SentAt        *time.Time      `json:"sent_at,omitempty"`
	PDFURL        string          `json:"pdf_url"`
}

func quoteJSON(q sales.Quote) QuoteJSON {
	j := QuoteJSON{ID: q.ID, Number: q.Number, OpportunityID: q.OpportunityID, CustomerID: optID(q.CustomerID), Status: q.Status,
		Currency: q.Currency, ValidUntil: q.ValidUntil, TaxRate: q.TaxRate, Subtotal: q.Subtotal, DiscountTotal: q.DiscountTotal,
		TaxTotal: q.TaxTotal, Total: q.Total, Notes: q.Notes, OrderID: optID(q.OrderID), CreatedAt: q.CreatedAt,
		SentAt: optTime(q.SentAt), PDFURL: Prefix + "/quotes/" + itoa(int(q.ID)) + "/pdf"}
	for _, l := range q.Lines {
		j.Lines = append(j.Lines, QuoteLineJSON{SKU: l.SKU, Description: l.Description, Quantity: l.Quantity,
			UnitPrice: l.UnitPrice, Discount: l.Discount, LineTotal: l.LineTotal})
	}
	return j
}

func (s *server) registerQuotes(api huma.API) {
	tags := []string{"Quotes"}
	type out = struct{ Body QuoteJSON }
	huma.Register(api, huma.Operation{OperationID: "create-quote", Method: http.MethodPost, Path: "/opportunities/{id}/quotes",
		Summary: "Make a quote from an opportunity", Tags: tags, DefaultStatus: http.StatusCreated,
		Description: "A product without enough stock is refused (422 on its line) unless accept_out_of_stock is set."},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body struct {
				Lines            []QuoteLineJSON `json:"lines" minItems:"1" maxItems:"200"`
				TaxRate          int64           `json:"tax_rate,omitempty" minimum:"0" maximum:"10000"`
				ValidUntil       string          `json:"valid_until,omitempty" doc:"YYYY-MM-DD; default: in 30 days."`
				Notes            string          `json:"notes,omitempty" maxLength:"2000"`
				AcceptOutOfStock bool            `json:"accept_out_of_stock,omitempty"`
			}
		}) (*out, error) {
			qi := quoteInput(in.Body.Lines, in.Body.TaxRate, in.Body.ValidUntil, in.Body.Notes, in.Body.AcceptOutOfStock)
			q, err := s.Quotes.CreateQuote(ctx, actorFrom(ctx), in.ID, qi)
			if err != nil {
				return nil, s.fail(ctx, "create quote", err)
			}
			return &out{Body: quoteJSON(q)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "create-quote-for", Method: http.MethodPost, Path: "/quotes",
		Summary: "Make a quote (the opportunity named in the body)", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct {
			Body struct {
				OpportunityID    int64           `json:"opportunity_id" minimum:"1"`
				Lines            []QuoteLineJSON `json:"lines" minItems:"1" maxItems:"200"`
				TaxRate          int64           `json:"tax_rate,omitempty" minimum:"0" maximum:"10000"`
				ValidUntil       string          `json:"valid_until,omitempty"`
				Notes            string          `json:"notes,omitempty" maxLength:"2000"`
				AcceptOutOfStock bool            `json:"accept_out_of_stock,omitempty"`
			}
		}) (*out, error) {
			qi := quoteInput(in.Body.Lines, in.Body.TaxRate, in.Body.ValidUntil, in.Body.Notes, in.Body.AcceptOutOfStock)
			q, err := s.Quotes.CreateQuote(ctx, actorFrom(ctx), in.Body.OpportunityID, qi)
			if err != nil {
				return nil, s.fail(ctx, "create quote", err)
			}
			return &out{Body: quoteJSON(q)}, nil
		})
	type quotePath struct {
		ID int64 `path:"id" minimum:"1"`
	}
	huma.Register(api, huma.Operation{OperationID: "get-quote", Method: http.MethodGet, Path: "/quotes/{id}",
		Summary: "A quote with its lines", Tags: tags},
		func(ctx context.Context, in *quotePath) (*out, error) {
			q, err := s.Quotes.Quote(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "quote", err)
			}
			return &out{Body: quoteJSON(q)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-quote-pdf", Method: http.MethodGet, Path: "/quotes/{id}/pdf",
		Summary: "A quote as PDF", Tags: tags},
		func(ctx context.Context, in *quotePath) (*struct {
			ContentType string `header:"Content-Type"`
			Body        []byte
		}, error) {
			q, err := s.Quotes.Quote(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "quote pdf", err)
			}
			return &struct {
				ContentType string `header:"Content-Type"`
				Body        []byte
			}{"application/pdf", s.Quotes.PDF(q)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "send-quote", Method: http.MethodPost, Path: "/quotes/{id}/send",
		Summary: "Email a quote (PDF attached)", Tags: tags},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body struct {
				To string `json:"to" maxLength:"254"`
			}
		}) (*out, error) {
			q, err := s.Quotes.Send(ctx, actorFrom(ctx), in.ID, in.Body.To)
			if err != nil {
				return nil, s.fail(ctx, "send quote", err)
			}
			return &out{Body: quoteJSON(q)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "accept-quote", Method: http.MethodPost, Path: "/quotes/{id}/accept",
		Summary: "Record that the customer accepted: the deal is won and an order created", Tags: tags},
		func(ctx context.Context, in *quotePath) (*out, error) {
			q, err := s.Quotes.Accept(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "accept quote", err)
			}
			return &out{Body: quoteJSON(q)}, nil
		})
}

func quoteInput(lines []QuoteLineJSON, taxRate int64, validUntil, notes string, acceptNoStock bool) sales.QuoteInput {
	qi := sales.QuoteInput{TaxRate: taxRate, ValidUntil: validUntil, Notes: notes, AcceptNoStock: acceptNoStock}
	for _, l := range lines {
		qi.Lines = append(qi.Lines, sales.QuoteLine{SKU: l.SKU, Description: l.Description, Quantity: l.Quantity,
			UnitPrice: l.UnitPrice, Discount: l.Discount})
	}
	return qi
}
