package sales

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// Product is an entry of the catalogue with its stock.
type Product struct {
	ID        int64
	SKU       string
	Name      string
	Category  string
	Price     int64 // ten-thousandths
	Currency  string
	Active    bool
	OneTime   bool  // bought once for good: never recommended to an owner
	OnHand    int64 // over all locations
	Stock     []StockLevel
	UpdatedAt time.Time
}

// Available reports whether any is in stock.
func (p Product) Available() bool { return p.OnHand > 0 }

// StockLevel is the stock of a product at one location.
type StockLevel struct {
	SKU       string
	Location  string
	OnHand    int64
	UpdatedAt time.Time
}

// ProductStore is what the catalogue needs from storage.
type ProductStore interface {
	UpsertProduct(ctx context.Context, p Product, at time.Time, e audit.Entry) (Product, error)
	Products(ctx context.Context, query string, limit int) ([]Product, error)
	ProductBySKU(ctx context.Context, sku string) (Product, error)
	// SetStock applies stock levels in one transaction, creating minimal
	// products for unknown SKUs; it returns how many levels it wrote.
	SetStock(ctx context.Context, levels []StockLevel, at time.Time, e audit.Entry) (int, error)
}

// Catalogue is the product catalogue and its stock, kept in step with the
// inventory system.
type Catalogue struct {
	store ProductStore
	now   func() time.Time
}

// NewCatalogue returns the catalogue service.
func NewCatalogue(st ProductStore, now func() time.Time) *Catalogue {
	if now == nil {
		now = time.Now
	}
	return &Catalogue{store: st, now: now}
}

func (c *Catalogue) at() time.Time { return c.now().UTC().Truncate(time.Microsecond) }

// SaveProduct creates or changes a product by SKU.
func (c *Catalogue) SaveProduct(ctx context.Context, a auth.Actor, p Product) (Product, error) {
	if err := a.Require(auth.SalesAdmin); err != nil {
		return Product{}, err
	}
	p.SKU, p.Name, p.Category = strings.TrimSpace(p.SKU), strings.TrimSpace(p.Name), strings.TrimSpace(p.Category)
	p.Currency = strings.ToUpper(strings.TrimSpace(p.Currency))
	var f fault.Fields
	if p.SKU == "" || len(p.SKU) > 64 {
		f.Add("sku", "must be 1 to 64 characters")
	}
	if p.Name == "" || len(p.Name) > 300 {
		f.Add("name", "must be 1 to 300 characters")
	}
	if len(p.Category) > 100 {
		f.Add("category", "must be at most 100 characters")
	}
	if p.Price < 0 {
		f.Add("price", "must not be negative")
	}
	if p.Currency != "" && (len(p.Currency) != 3 || strings.Trim(p.Currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "") {
		f.Add("currency", "must be a three-letter ISO 4217 code")
	}
	if err := f.Err(); err != nil {
		return Product{}, err
	}
	now := c.at()
	e := a.Audit("save", "product", 0, now)
	e.Changes = []audit.Change{{Field: "sku", New: p.SKU}, {Field: "name", New: p.Name}}
	return c.store.UpsertProduct(ctx, p, now, e)
}

// Products lists the catalogue, optionally those whose SKU or name starts with query.
func (c *Catalogue) Products(ctx context.Context, a auth.Actor, query string, limit int) ([]Product, error) {
	if err := a.Require(auth.SalesRead); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	return c.store.Products(ctx, strings.TrimSpace(query), limit)
}

// Product returns one product with its stock per location.
func (c *Catalogue) Product(ctx context.Context, a auth.Actor, sku string) (Product, error) {
	if err := a.Require(auth.SalesRead); err != nil {
		return Product{}, err
	}
	p, err := c.store.ProductBySKU(ctx, sku)
	if fault.Is(err, fault.NotFound) {
		return p, fault.New(fault.NotFound, "Product %q was not found.", sku)
	}
	return p, err
}

// maxSync bounds one stock synchronisation.
const maxSync = 50_000

// SetStock records stock levels reported by the inventory system (one
// change, a bulk synchronisation, or a webhook), all or none.
func (c *Catalogue) SetStock(ctx context.Context, a auth.Actor, levels []StockLevel) (int, error) {
	if err := a.Require(auth.SalesAdmin); err != nil {
		return 0, err
	}
	var f fault.Fields
	if len(levels) == 0 || len(levels) > maxSync {
		f.Add("items", "give 1 to %d stock levels", maxSync)
	}
	for i := range levels {
		l := &levels[i]
		l.SKU, l.Location = strings.TrimSpace(l.SKU), strings.TrimSpace(l.Location)
		if l.Location == "" {
			l.Location = "main"
		}
		if l.SKU == "" || len(l.SKU) > 64 {
			f.Add(fmt.Sprintf("items[%d].sku", i), "must be 1 to 64 characters")
		}
		if len(l.Location) > 100 {
			f.Add(fmt.Sprintf("items[%d].location", i), "must be at most 100 characters")
		}
		if l.OnHand < -1e12 || l.OnHand > 1e12 {
			f.Add(fmt.Sprintf("items[%d].on_hand", i), "is out of range")
		}
		if len(f) > 20 {
			break
		}
	}
	if err := f.Err(); err != nil {
		return 0, err
	}
	now := c.at()
	e := a.Audit("sync", "stock", 0, now)
	e.Changes = []audit.Change{{Field: "levels", New: fmt.Sprint(len(levels))}}
	return c.store.SetStock(ctx, levels, now, e)
}
