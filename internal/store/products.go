package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/sales"
)

const productColumns = `p.id, p.sku, p.name, p.category, p.price, p.currency, p.active, p.one_time, p.updated_at,
    COALESCE((SELECT SUM(s.on_hand) FROM product_stock s WHERE s.product_id = p.id), 0)`

func scanProduct(row interface{ Scan(...any) error }) (sales.Product, error) {
	var p sales.Product
	err := row.Scan(&p.ID, &p.SKU, &p.Name, &p.Category, &p.Price, &p.Currency, &p.Active, &p.OneTime, &p.UpdatedAt, &p.OnHand)
	p.UpdatedAt = p.UpdatedAt.UTC()
	return p, err
}

// UpsertProduct creates or changes a product by SKU.
func (s *Store) UpsertProduct(ctx context.Context, p sales.Product, at time.Time, e audit.Entry) (sales.Product, error) {
	err := s.inTx(ctx, func(t *tx) error {
		var id int64
		if err := t.c.QueryRowContext(ctx, `INSERT INTO products (sku, name, category, price, currency, active, one_time,
    created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (sku) DO UPDATE SET name = excluded.name, category = excluded.category, price = excluded.price,
    currency = excluded.currency, active = excluded.active, one_time = excluded.one_time, updated_at = excluded.updated_at
RETURNING id`, p.SKU, p.Name, p.Category, p.Price, p.Currency, p.Active, p.OneTime, at, at).Scan(&id); err != nil {
			return mapErr(err)
		}
		e.EntityID = id
		return t.appendAudit(ctx, e)
	})
	if err != nil {
		return p, err
	}
	return s.ProductBySKU(ctx, p.SKU)
}

// Products lists products by SKU, those whose SKU or name starts with query.
func (s *Store) Products(ctx context.Context, query string, limit int) ([]sales.Product, error) {
	w := &where{}
	if query != "" {
		w.add("(LOWER(p.sku) LIKE LOWER(?) OR LOWER(p.name) LIKE LOWER(?))", escapeLike(query)+"%", escapeLike(query)+"%")
	}
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+productColumns+` FROM products p`+w.sql()+
		` ORDER BY p.sku LIMIT ?`, append(w.args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sales.Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func escapeLike(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == '%' || r == '_' {
			continue
		}
		out = append(out, r)
	}
	return string(out)
}

// ProductBySKU returns a product with its stock per location.
func (s *Store) ProductBySKU(ctx context.Context, sku string) (sales.Product, error) {
	p, err := scanProduct(s.readConn().QueryRowContext(ctx, `SELECT `+productColumns+` FROM products p WHERE p.sku = ?`, sku))
	if err != nil {
		return p, notFoundOr(err, "Product not found.")
	}
	rows, err := s.readConn().QueryContext(ctx, `SELECT location, on_hand, updated_at FROM product_stock
WHERE product_id = ? ORDER BY location`, p.ID)
	if err != nil {
		return p, err
	}
	defer rows.Close()
	for rows.Next() {
		l := sales.StockLevel{SKU: p.SKU}
		if err := rows.Scan(&l.Location, &l.OnHand, &l.UpdatedAt); err != nil {
			return p, err
		}
		l.UpdatedAt = l.UpdatedAt.UTC()
		p.Stock = append(p.Stock, l)
	}
	return p, rows.Err()
}

// SetStock writes stock levels in one transaction.
func (s *Store) SetStock(ctx context.Context, levels []sales.StockLevel, at time.Time, e audit.Entry) (int, error) {
	err := s.inTx(ctx, func(t *tx) error {
		ids := map[string]int64{}
		for _, l := range levels {
			if _, ok := ids[l.SKU]; ok {
				continue
			}
			var id int64
			err := t.c.QueryRowContext(ctx, `SELECT id FROM products WHERE sku = ?`, l.SKU).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				err = t.c.QueryRowContext(ctx, `INSERT INTO products (sku, name, created_at, updated_at) VALUES (?, ?, ?, ?)
RETURNING id`, l.SKU, l.SKU, at, at).Scan(&id)
			}
			if err != nil {
				return fmt.Errorf("store: stock product %q: %w", l.SKU, err)
			}
			ids[l.SKU] = id
		}
		stmt, err := t.c.PrepareContext(ctx, `INSERT INTO product_stock (product_id, location, on_hand, updated_at)
VALUES (?, ?, ?, ?) ON CONFLICT (product_id, location) DO UPDATE SET on_hand = excluded.on_hand,
    updated_at = excluded.updated_at`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, l := range levels {
			if _, err := stmt.ExecContext(ctx, ids[l.SKU], l.Location, l.OnHand, at); err != nil {
				return fmt.Errorf("store: stock of %q: %w", l.SKU, err)
			}
		}
		return t.appendAudit(ctx, e)
	})
	return len(levels), err
}
