package sales

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/mail"
	"github.com/scrms/scrms/internal/pdf"
)

// Quote is an offer made from an opportunity. Amounts are in minor units
// (cents); rates in basis points (1 % = 100).
type Quote struct {
	ID            int64
	Number        string
	OpportunityID int64
	Opportunity   string
	CustomerID    int64
	CustomerName  string
	Status        string // draft, sent, accepted, declined
	Currency      string
	ValidUntil    string
	TaxRate       int64
	Subtotal      int64
	DiscountTotal int64
	TaxTotal      int64
	Total         int64
	Notes         string
	OrderID       int64
	Lines         []QuoteLine
	CreatedAt     time.Time
	SentAt        time.Time
	DecidedAt     time.Time
}

// QuoteLine is one product of a quote.
type QuoteLine struct {
	SKU         string
	Description string
	Quantity    int64
	UnitPrice   int64 // cents
	Discount    int64 // basis points
	LineTotal   int64
	OnHand      int64 // stock when the quote was made
}

// QuoteInput is a new quote.
type QuoteInput struct {
	Lines         []QuoteLine // UnitPrice 0 takes the product's price
	TaxRate       int64
	ValidUntil    string
	Notes         string
	AcceptNoStock bool // add products that are out of stock anyway
}

// QuoteStore is what quotes need from storage.
type QuoteStore interface {
	CreateQuote(ctx context.Context, q Quote, e audit.Entry) (Quote, error)
	FindQuote(ctx context.Context, id int64) (Quote, error)
	ListQuotes(ctx context.Context, opportunityID int64) ([]Quote, error)
	SetQuoteStatus(ctx context.Context, id int64, status string, at time.Time, orderID int64, e audit.Entry) error
}

// Quotes makes, sends and settles quotes.
type Quotes struct {
	store   QuoteStore
	deals   *Service
	catalog ProductStore
	orders  *OrderService
	now     func() time.Time
	// Mail sends quotes; nil when SCRMS has no mail server.
	Mail mail.Sender
	// Publish, when set, tells other systems of quotes sent (webhooks, journeys).
	Publish func(ctx context.Context, event string, data any)
}

// NewQuotes returns the quotes service.
func NewQuotes(st QuoteStore, deals *Service, catalog ProductStore, orders *OrderService, now func() time.Time) *Quotes {
	if now == nil {
		now = time.Now
	}
	return &Quotes{store: st, deals: deals, catalog: catalog, orders: orders, now: now}
}

// CreateQuote prices the lines (product prices unless given; a product
// out of stock is refused unless the caller accepts it), applies discounts
// and tax, and keeps the quote as a draft.
func (s *Quotes) CreateQuote(ctx context.Context, a auth.Actor, opportunityID int64, in QuoteInput) (Quote, error) {
	if err := a.Require(auth.SalesWrite); err != nil {
		return Quote{}, err
	}
	o, err := s.deals.Opportunity(ctx, a, opportunityID)
	if err != nil {
		return Quote{}, err
	}
	var f fault.Fields
	if len(in.Lines) == 0 || len(in.Lines) > 200 {
		f.Add("lines", "a quote has 1 to 200 lines")
	}
	if in.TaxRate < 0 || in.TaxRate > 10000 {
		f.Add("tax_rate", "must be between 0 and 10000 basis points (100 per cent)")
	}
	now := s.now().UTC()
	if in.ValidUntil == "" {
		in.ValidUntil = now.AddDate(0, 0, 30).Format("2006-01-02")
	} else if _, err := time.Parse("2006-01-02", in.ValidUntil); err != nil {
		f.Add("valid_until", "must be a date as YYYY-MM-DD")
	}
	q := Quote{OpportunityID: o.ID, Opportunity: o.Name, CustomerID: o.CustomerID, CustomerName: o.CustomerName,
		Status: "draft", Currency: o.Currency, ValidUntil: in.ValidUntil, TaxRate: in.TaxRate,
		Notes: strings.TrimSpace(in.Notes), CreatedAt: now.Truncate(time.Microsecond)}
	for i, l := range in.Lines {
		l.SKU = strings.TrimSpace(l.SKU)
		p, err := s.catalog.ProductBySKU(ctx, l.SKU)
		switch {
		case fault.Is(err, fault.NotFound):
			f.Add(fmt.Sprintf("lines[%d].sku", i), "is not a product")
			continue
		case err != nil:
			return Quote{}, err
		}
		if l.Quantity <= 0 || l.Quantity > 1e7 {
			f.Add(fmt.Sprintf("lines[%d].quantity", i), "must be a whole number above 0")
		}
		if l.Discount < 0 || l.Discount > 10000 {
			f.Add(fmt.Sprintf("lines[%d].discount", i), "must be between 0 and 10000 basis points")
		}
		if p.OnHand < l.Quantity && !in.AcceptNoStock {
			f.Add(fmt.Sprintf("lines[%d].sku", i), "only %d in stock for %d ordered; confirm to quote it anyway", p.OnHand, l.Quantity)
		}
		if l.UnitPrice == 0 {
			l.UnitPrice = p.Price / 100 // catalogue prices are kept in ten-thousandths
		}
		if l.Description == "" {
			l.Description = p.Name
		}
		l.OnHand = p.OnHand
		gross := l.Quantity * l.UnitPrice
		disc := gross * l.Discount / 10000
		l.LineTotal = gross - disc
		q.Subtotal += gross
		q.DiscountTotal += disc
		q.Lines = append(q.Lines, l)
	}
	if err := f.Err(); err != nil {
		return Quote{}, err
	}
	net := q.Subtotal - q.DiscountTotal
	q.TaxTotal = (net*q.TaxRate + 5000) / 10000
	q.Total = net + q.TaxTotal
	e := a.Audit("create", "quote", 0, q.CreatedAt)
	e.CustomerID = q.CustomerID
	e.Changes = []audit.Change{{Field: "opportunity_id", New: fmt.Sprint(o.ID)}, {Field: "total", New: money(q.Total, q.Currency)}}
	return s.store.CreateQuote(ctx, q, e)
}

// Quote returns a quote whose opportunity the actor may see.
func (s *Quotes) Quote(ctx context.Context, a auth.Actor, id int64) (Quote, error) {
	q, err := s.store.FindQuote(ctx, id)
	if err == nil {
		_, err = s.deals.Opportunity(ctx, a, q.OpportunityID)
	}
	if err != nil {
		return Quote{}, fault.New(fault.NotFound, "Quote %d was not found.", id)
	}
	return q, nil
}

// PDF renders a quote for printing and sending.
func (s *Quotes) PDF(q Quote) []byte {
	lines := []pdf.Line{{Text: "Quote " + q.Number, Size: 20, Bold: true},
		{Text: q.CustomerName, Size: 12, Gap: 8}, {Text: "For: " + q.Opportunity},
		{Text: "Date: " + q.CreatedAt.Format("2 January 2006") + "    Valid until: " + q.ValidUntil},
		{Text: fmt.Sprintf("%-14s %-36s %8s %14s %8s %14s", "SKU", "Item", "Qty", "Unit price", "Disc.", "Amount"), Bold: true, Gap: 14}}
	for _, l := range q.Lines {
		desc := l.Description
		if len(desc) > 36 {
			desc = desc[:35] + "…"
		}
		lines = append(lines, pdf.Line{Text: fmt.Sprintf("%-14s %-36s %8d %14s %7.1f%% %14s", l.SKU, desc, l.Quantity,
			plainMoney(l.UnitPrice), float64(l.Discount)/100, plainMoney(l.LineTotal))})
	}
	lines = append(lines,
		pdf.Line{Text: "Subtotal: " + money(q.Subtotal, q.Currency), Gap: 12},
		pdf.Line{Text: "Discounts: -" + money(q.DiscountTotal, q.Currency)},
		pdf.Line{Text: fmt.Sprintf("Tax (%.2f%%): %s", float64(q.TaxRate)/100, money(q.TaxTotal, q.Currency))},
		pdf.Line{Text: "Total: " + money(q.Total, q.Currency), Size: 13, Bold: true})
	if q.Notes != "" {
		lines = append(lines, pdf.Line{Text: q.Notes, Gap: 12})
	}
	return pdf.Write("Quote "+q.Number, lines)
}

func plainMoney(cents int64) string { return fmt.Sprintf("%d.%02d", cents/100, cents%100) }

// Send emails a quote as a PDF to an address and marks it sent.
func (s *Quotes) Send(ctx context.Context, a auth.Actor, id int64, to string) (Quote, error) {
	if err := a.Require(auth.SalesWrite); err != nil {
		return Quote{}, err
	}
	q, err := s.Quote(ctx, a, id)
	if err != nil {
		return Quote{}, err
	}
	if s.Mail == nil {
		return Quote{}, fault.New(fault.Conflict, "SCRMS has no mail server (SCRMS_SMTP_URL); download the PDF instead.")
	}
	if q.Status == "accepted" || q.Status == "declined" {
		return Quote{}, fault.New(fault.Conflict, "Quote %s is %s.", q.Number, q.Status)
	}
	to = strings.TrimSpace(to)
	if !strings.Contains(to, "@") {
		return Quote{}, &fault.Error{Code: fault.Invalid, Message: "Some fields are not valid.",
			Fields: []fault.FieldError{{Field: "to", Message: "is not an email address"}}}
	}
	text := fmt.Sprintf("Hello,\n\nplease find our quote %s for %s attached: %s, valid until %s.\n\nKind regards\n%s\n",
		q.Number, q.Opportunity, money(q.Total, q.Currency), q.ValidUntil, a.Name)
	if err := s.Mail.Send(ctx, mail.Message{To: to, Subject: "Quote " + q.Number, Text: text,
		Attachments: []mail.Attachment{{Name: q.Number + ".pdf", Type: "application/pdf", Data: s.PDF(q)}}}); err != nil {
		return Quote{}, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	e := a.Audit("send", "quote", id, now)
	e.CustomerID = q.CustomerID
	e.Changes = []audit.Change{{Field: "to", New: to}}
	if err := s.store.SetQuoteStatus(ctx, id, "sent", now, 0, e); err != nil {
		return Quote{}, err
	}
	if s.Publish != nil {
		s.Publish(ctx, "quote.sent", map[string]any{"id": q.ID, "number": q.Number, "customer_id": q.CustomerID,
			"total": float64(q.Total) / 10000, "currency": q.Currency, "valid_until": q.ValidUntil})
	}
	return s.store.FindQuote(ctx, id)
}

// Accept records the customer's acceptance: the opportunity moves to its
// pipeline's won stage and an order with the quote's lines is created.
func (s *Quotes) Accept(ctx context.Context, a auth.Actor, id int64) (Quote, error) {
	if err := a.Require(auth.SalesWrite); err != nil {
		return Quote{}, err
	}
	q, err := s.Quote(ctx, a, id)
	if err != nil {
		return Quote{}, err
	}
	if q.Status == "accepted" || q.Status == "declined" {
		return Quote{}, fault.New(fault.Conflict, "Quote %s is already %s.", q.Number, q.Status)
	}
	if q.CustomerID == 0 {
		return Quote{}, fault.New(fault.Conflict, "The opportunity of quote %s has no customer to order for.", q.Number)
	}
	o, err := s.deals.Opportunity(ctx, a, q.OpportunityID)
	if err != nil {
		return Quote{}, err
	}
	p, err := s.deals.Pipeline(ctx, a, o.PipelineID)
	if err != nil {
		return Quote{}, err
	}
	won := int64(0)
	for _, st := range p.Stages {
		if st.Kind == StageWon {
			won = st.ID
			break
		}
	}
	if won == 0 {
		return Quote{}, fault.New(fault.Conflict, "Pipeline %q has no won stage.", p.Name)
	}
	in := OrderInput{CustomerID: q.CustomerID, ExternalID: q.Number, OrderedAt: s.now().UTC(), Currency: q.Currency,
		Source: "quote"}
	for _, l := range q.Lines {
		// Order lines carry the discounted unit price, in ten-thousandths.
		in.Lines = append(in.Lines, OrderLine{SKU: l.SKU, Description: l.Description, Quantity: l.Quantity,
			UnitPrice: l.LineTotal * 100 / l.Quantity})
	}
	order, _, err := s.orders.CreateOrder(ctx, a, in)
	if err != nil && !fault.Is(err, fault.Conflict) {
		return Quote{}, err
	}
	amount := q.Total - q.TaxTotal
	if _, err := s.deals.UpdateOpportunity(ctx, a, o.ID, Input{StageID: &won, Amount: &amount}); err != nil {
		return Quote{}, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	e := a.Audit("accept", "quote", id, now)
	e.CustomerID = q.CustomerID
	e.Changes = []audit.Change{{Field: "order_id", New: fmt.Sprint(order.ID)}}
	if err := s.store.SetQuoteStatus(ctx, id, "accepted", now, order.ID, e); err != nil {
		return Quote{}, err
	}
	return s.store.FindQuote(ctx, id)
}

// Quotes lists an opportunity's quotes.
func (s *Quotes) Quotes(ctx context.Context, a auth.Actor, opportunityID int64) ([]Quote, error) {
	if _, err := s.deals.Opportunity(ctx, a, opportunityID); err != nil {
		return nil, err
	}
	return s.store.ListQuotes(ctx, opportunityID)
}
