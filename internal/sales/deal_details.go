package sales

import (
	"context"
	"fmt"
	"strings"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// DealLine is a product of an opportunity, with its stock now.
type DealLine struct {
	SKU         string
	Description string
	Quantity    int64
	UnitPrice   int64 // cents
	Discount    int64 // basis points
	LineTotal   int64
	OnHand      int64
	Available   bool
}

// DealContact is a person involved in a deal and their role (decision
// maker, champion, buyer…).
type DealContact struct {
	CustomerID int64
	Name       string
	Role       string
}

// DealDetailStore keeps the products and contacts of deals.
type DealDetailStore interface {
	SetOpportunityLines(ctx context.Context, id int64, lines []DealLine, amount int64, e audit.Entry) error
	OpportunityLines(ctx context.Context, id int64) ([]DealLine, error)
	SetOpportunityContact(ctx context.Context, id int64, c DealContact, e audit.Entry) error
	OpportunityContacts(ctx context.Context, id int64) ([]DealContact, error)
}

// DealDetails keeps the products and contacts of deals.
type DealDetails struct {
	store     DealDetailStore
	deals     *Service
	catalog   ProductStore
	customers Interactions
}

// NewDealDetails returns the service.
func NewDealDetails(st DealDetailStore, deals *Service, catalog ProductStore, customers Interactions) *DealDetails {
	return &DealDetails{store: st, deals: deals, catalog: catalog, customers: customers}
}

// SetLines replaces a deal's products; the deal's amount becomes their
// total. Stock is reported with each line, not enforced (quotes warn).
func (s *DealDetails) SetLines(ctx context.Context, a auth.Actor, id int64, lines []DealLine) ([]DealLine, error) {
	if err := a.Require(auth.SalesWrite); err != nil {
		return nil, err
	}
	o, err := s.deals.Opportunity(ctx, a, id)
	if err != nil {
		return nil, err
	}
	var f fault.Fields
	var total int64
	for i := range lines {
		l := &lines[i]
		l.SKU = strings.TrimSpace(l.SKU)
		p, err := s.catalog.ProductBySKU(ctx, l.SKU)
		if fault.Is(err, fault.NotFound) {
			f.Add(fmt.Sprintf("lines[%d].sku", i), "is not a product")
			continue
		} else if err != nil {
			return nil, err
		}
		if l.Quantity <= 0 {
			f.Add(fmt.Sprintf("lines[%d].quantity", i), "must be above 0")
		}
		if l.Discount < 0 || l.Discount > 10000 {
			f.Add(fmt.Sprintf("lines[%d].discount", i), "must be between 0 and 10000 basis points")
		}
		if l.UnitPrice == 0 {
			l.UnitPrice = p.Price / 100
		}
		if l.Description == "" {
			l.Description = p.Name
		}
		gross := l.Quantity * l.UnitPrice
		l.LineTotal = gross - gross*l.Discount/10000
		l.OnHand, l.Available = p.OnHand, p.OnHand >= l.Quantity
		total += l.LineTotal
	}
	if len(lines) > 200 {
		f.Add("lines", "at most 200 lines")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	e := a.Audit("set_lines", "opportunity", id, s.deals.at())
	e.CustomerID = o.CustomerID
	e.Changes = []audit.Change{{Field: "lines", New: fmt.Sprint(len(lines))},
		{Field: "amount", Old: money(o.Amount, o.Currency), New: money(total, o.Currency)}}
	if err := s.store.SetOpportunityLines(ctx, id, lines, total, e); err != nil {
		return nil, err
	}
	s.deals.publish(o.PipelineID)
	return s.Lines(ctx, a, id)
}

// Lines returns a deal's products with their stock now.
func (s *DealDetails) Lines(ctx context.Context, a auth.Actor, id int64) ([]DealLine, error) {
	if _, err := s.deals.Opportunity(ctx, a, id); err != nil {
		return nil, err
	}
	ls, err := s.store.OpportunityLines(ctx, id)
	if err != nil {
		return nil, err
	}
	for i := range ls {
		if p, err := s.catalog.ProductBySKU(ctx, ls[i].SKU); err == nil {
			ls[i].OnHand, ls[i].Available = p.OnHand, p.OnHand >= ls[i].Quantity
		}
	}
	return ls, nil
}

// SetContact adds a person to a deal with their role (or changes the role).
func (s *DealDetails) SetContact(ctx context.Context, a auth.Actor, id int64, c DealContact) error {
	if err := a.Require(auth.SalesWrite); err != nil {
		return err
	}
	o, err := s.deals.Opportunity(ctx, a, id)
	if err != nil {
		return err
	}
	if _, err := s.customers.FindCustomer(ctx, a, c.CustomerID); err != nil {
		return &fault.Error{Code: fault.Invalid, Message: "Some fields are not valid.",
			Fields: []fault.FieldError{{Field: "customer_id", Message: "is not a customer you can see"}}}
	}
	c.Role = strings.TrimSpace(c.Role)
	if len(c.Role) > 100 {
		return &fault.Error{Code: fault.Invalid, Message: "Some fields are not valid.",
			Fields: []fault.FieldError{{Field: "role", Message: "must be at most 100 characters"}}}
	}
	e := a.Audit("set_contact", "opportunity", id, s.deals.at())
	e.CustomerID = o.CustomerID
	e.Changes = []audit.Change{{Field: "contact", New: fmt.Sprint(c.CustomerID)}, {Field: "role", New: c.Role}}
	return s.store.SetOpportunityContact(ctx, id, c, e)
}

// Contacts returns the people of a deal.
func (s *DealDetails) Contacts(ctx context.Context, a auth.Actor, id int64) ([]DealContact, error) {
	if _, err := s.deals.Opportunity(ctx, a, id); err != nil {
		return nil, err
	}
	return s.store.OpportunityContacts(ctx, id)
}
