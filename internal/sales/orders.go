package sales

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
)

// Scale is how many units of an order amount make one unit of currency:
// amounts are kept in ten-thousandths, so that prices such as 0.001 are exact.
const Scale = 10000

// Order is a purchase of a customer, or a return (negative quantities).
type Order struct {
	ID           int64
	CustomerID   int64
	CustomerName string
	ExternalID   string
	OrderedAt    time.Time
	Currency     string
	Total        int64 // in ten-thousandths
	Status       string
	Source       string
	Lines        []OrderLine
	CreatedAt    time.Time
}

// OrderLine is one product of an order.
type OrderLine struct {
	ProductID   int64
	SKU         string
	Description string
	Quantity    int64
	UnitPrice   int64 // in ten-thousandths
	LineTotal   int64
}

// OrderInput is an order as a shop or a till reports it.
type OrderInput struct {
	CustomerID         int64
	CustomerExternalID string
	ExternalID         string
	OrderedAt          time.Time
	Currency           string
	Source             string
	Lines              []OrderLine
}

// PurchaseSummary is what a customer's orders add up to.
type PurchaseSummary struct {
	Orders      int
	TotalSpent  int64 // in ten-thousandths, returns deducted
	FirstOrder  time.Time
	LastOrder   time.Time
	TopProducts []ProductCount
	// Categories are the product categories the customer buys most, by quantity.
	Categories []string
}

// Average is the mean value of an order.
func (p PurchaseSummary) Average() int64 {
	if p.Orders == 0 {
		return 0
	}
	return p.TotalSpent / int64(p.Orders)
}

// ProductCount is a product and how many of it a customer bought.
type ProductCount struct {
	SKU         string
	Description string
	Quantity    int64
}

// OrderStore is what orders need from storage.
type OrderStore interface {
	// EnsureProducts returns the ids of the products with these SKUs,
	// creating minimal products (named by the description) for unknown ones.
	EnsureProducts(ctx context.Context, skus map[string]string, currency string, at time.Time) (map[string]int64, error)
	// CommitOrders writes new orders with their lines and audit entries,
	// skipping those whose external id exists, refreshes the purchase
	// summaries of their customers, and, when job is not nil, records its
	// rejected rows and checkpoint, all in one transaction. Lines of an order
	// the same import created before join it. It returns how many orders were
	// new and how many joined one.
	CommitOrders(ctx context.Context, orders []Order, entries []audit.Entry, job *customer.ImportJob, rejects []customer.Rejection) (int, int, error)
	ListOrders(ctx context.Context, customerID int64, limit int) ([]Order, error)
	FindOrder(ctx context.Context, id int64) (Order, error)
	PurchaseSummary(ctx context.Context, customerID int64) (PurchaseSummary, error)
}

// Customers is what orders need of the customer service.
type Customers interface {
	FindCustomer(ctx context.Context, a auth.Actor, id int64) (customer.Customer, error)
	// EnsureCustomerByExternalID returns the customer with the external id,
	// creating a minimal one when there is none.
	EnsureCustomerByExternalID(ctx context.Context, a auth.Actor, externalID string) (int64, error)
}

// OrderService records orders.
type OrderService struct {
	store     OrderStore
	customers Customers
	now       func() time.Time
	// Publish, when set, tells other systems of new orders (webhooks).
	Publish func(ctx context.Context, event string, data any)
}

// NewOrderService returns the order service.
func NewOrderService(st OrderStore, customers Customers, now func() time.Time) *OrderService {
	if now == nil {
		now = time.Now
	}
	return &OrderService{store: st, customers: customers, now: now}
}

// toScaled reads a decimal amount into ten-thousandths, or reports that it
// is not one.
func toScaled(v float64) (int64, bool) {
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1e12 {
		return 0, false
	}
	return int64(math.Round(v * Scale)), true
}

// ToScaled converts a decimal amount for an order line.
func ToScaled(v float64) (int64, bool) { return toScaled(v) }

// prepare validates an order and fills its totals; it names every problem.
func prepare(in OrderInput) (Order, error) {
	var f fault.Fields
	o := Order{CustomerID: in.CustomerID, ExternalID: strings.TrimSpace(in.ExternalID), OrderedAt: in.OrderedAt.UTC(),
		Currency: strings.ToUpper(strings.TrimSpace(in.Currency)), Source: strings.TrimSpace(in.Source), Status: "placed"}
	if o.Source == "" {
		o.Source = "api"
	}
	if in.CustomerID == 0 && strings.TrimSpace(in.CustomerExternalID) == "" {
		f.Add("customer_id", "give customer_id or customer_external_id")
	}
	if len(o.ExternalID) > 100 {
		f.Add("external_id", "must be at most 100 characters")
	}
	if o.OrderedAt.IsZero() || o.OrderedAt.Year() < 1990 || o.OrderedAt.After(time.Now().Add(48*time.Hour)) {
		f.Add("ordered_at", "must be a date and time between 1990 and now")
	}
	if len(o.Currency) != 3 || strings.Trim(o.Currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		f.Add("currency", "must be a three-letter ISO 4217 code")
	}
	if len(in.Lines) == 0 || len(in.Lines) > 1000 {
		f.Add("lines", "an order has 1 to 1,000 lines")
	}
	returns, sales := 0, 0
	for i, l := range in.Lines {
		l.SKU = strings.TrimSpace(l.SKU)
		l.Description = strings.TrimSpace(l.Description)
		if l.SKU == "" || len(l.SKU) > 64 {
			f.Add(fmt.Sprintf("lines[%d].sku", i), "must be 1 to 64 characters")
		}
		if l.Quantity == 0 || l.Quantity > 1e9 || l.Quantity < -1e9 {
			f.Add(fmt.Sprintf("lines[%d].quantity", i), "must be a whole number other than 0 (negative for a return)")
		}
		if l.UnitPrice < 0 {
			f.Add(fmt.Sprintf("lines[%d].unit_price", i), "must not be negative (return goods with a negative quantity)")
		}
		if len(l.Description) > 300 {
			l.Description = l.Description[:300]
		}
		l.LineTotal = l.Quantity * l.UnitPrice
		o.Total += l.LineTotal
		if l.Quantity < 0 {
			returns++
		} else {
			sales++
		}
		o.Lines = append(o.Lines, l)
	}
	if returns > 0 && sales == 0 {
		o.Status = "returned"
	}
	return o, f.Err()
}

// CreateOrder records one order through the API.
func (s *OrderService) CreateOrder(ctx context.Context, a auth.Actor, in OrderInput) (Order, bool, error) {
	if err := a.Require(auth.SalesWrite); err != nil {
		return Order{}, false, err
	}
	o, err := prepare(in)
	if err != nil {
		return Order{}, false, err
	}
	if o.CustomerID == 0 {
		if o.CustomerID, err = s.customers.EnsureCustomerByExternalID(ctx, a, strings.TrimSpace(in.CustomerExternalID)); err != nil {
			return Order{}, false, err
		}
	} else if _, err := s.customers.FindCustomer(ctx, a, o.CustomerID); err != nil {
		return Order{}, false, &fault.Error{Code: fault.Invalid, Message: "The customer was not found.",
			Fields: []fault.FieldError{{Field: "customer_id", Message: "is not a customer you can see"}}}
	}
	created, _, err := s.commit(ctx, a, []Order{o}, nil, nil)
	if err != nil {
		return Order{}, false, err
	}
	if created == 0 {
		return Order{}, false, &fault.Error{Code: fault.Conflict, Message: "An order with this external id exists.",
			Fields: []fault.FieldError{{Field: "external_id", Message: "is already used by another order"}}}
	}
	list, err := s.store.ListOrders(ctx, o.CustomerID, 1)
	if err != nil || len(list) == 0 {
		return Order{}, true, err
	}
	full, err := s.store.FindOrder(ctx, list[0].ID)
	if err == nil && s.Publish != nil {
		s.Publish(ctx, "order.placed", map[string]any{"id": full.ID, "customer_id": full.CustomerID, "external_id": full.ExternalID,
			"ordered_at": full.OrderedAt, "currency": full.Currency, "total": float64(full.Total) / 10000, "lines": len(full.Lines)})
	}
	return full, true, err
}

// commit makes the products of the orders exist and writes the orders.
func (s *OrderService) commit(ctx context.Context, a auth.Actor, orders []Order, job *customer.ImportJob,
	rejects []customer.Rejection) (int, int, error) {
	now := s.now().UTC().Truncate(time.Microsecond)
	skus := map[string]string{}
	for _, o := range orders {
		for _, l := range o.Lines {
			if _, ok := skus[l.SKU]; !ok || skus[l.SKU] == "" {
				skus[l.SKU] = l.Description
			}
		}
	}
	currency := ""
	if len(orders) > 0 {
		currency = orders[0].Currency
	}
	ids, err := s.store.EnsureProducts(ctx, skus, currency, now)
	if err != nil {
		return 0, 0, err
	}
	entries := make([]audit.Entry, len(orders))
	for i := range orders {
		o := &orders[i]
		o.CreatedAt = now
		for j := range o.Lines {
			o.Lines[j].ProductID = ids[o.Lines[j].SKU]
		}
		e := a.Audit("create", "order", 0, now)
		e.CustomerID = o.CustomerID
		e.Changes = []audit.Change{{Field: "external_id", New: o.ExternalID},
			{Field: "total", New: fmt.Sprintf("%s %s", formatScaled(o.Total), o.Currency)},
			{Field: "lines", New: fmt.Sprint(len(o.Lines))}}
		entries[i] = e
	}
	return s.store.CommitOrders(ctx, orders, entries, job, rejects)
}

// FormatScaled writes an amount in ten-thousandths with two decimals.
func FormatScaled(v int64) string { return formatScaled(v) }

func formatScaled(v int64) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/Scale, (v%Scale)/100)
}

// Orders lists a customer's orders, newest first.
func (s *OrderService) Orders(ctx context.Context, a auth.Actor, customerID int64, limit int) ([]Order, error) {
	if err := a.Require(auth.SalesRead); err != nil {
		return nil, err
	}
	if _, err := s.customers.FindCustomer(ctx, a, customerID); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	return s.store.ListOrders(ctx, customerID, limit)
}

// Order returns one order with its lines, when its customer is visible.
func (s *OrderService) Order(ctx context.Context, a auth.Actor, id int64) (Order, error) {
	if err := a.Require(auth.SalesRead); err != nil {
		return Order{}, err
	}
	o, err := s.store.FindOrder(ctx, id)
	if err == nil {
		_, err = s.customers.FindCustomer(ctx, a, o.CustomerID)
	}
	if err != nil {
		return Order{}, fault.New(fault.NotFound, "Order %d was not found.", id)
	}
	return o, nil
}

// Summary returns a customer's purchase summary (value and tenure).
func (s *OrderService) Summary(ctx context.Context, a auth.Actor, customerID int64) (PurchaseSummary, error) {
	if _, err := s.customers.FindCustomer(ctx, a, customerID); err != nil {
		return PurchaseSummary{}, err
	}
	return s.store.PurchaseSummary(ctx, customerID)
}
