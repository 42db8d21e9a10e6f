package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/sales"
)

// EnsureProducts returns product ids by SKU, creating minimal products.
func (s *Store) EnsureProducts(ctx context.Context, skus map[string]string, currency string, at time.Time) (map[string]int64, error) {
	ids := make(map[string]int64, len(skus))
	err := s.inTx(ctx, func(t *tx) error {
		for sku, desc := range skus {
			name := desc
			if name == "" {
				name = sku
			}
			var id int64
			err := t.c.QueryRowContext(ctx, `SELECT id FROM products WHERE sku = ?`, sku).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				err = t.c.QueryRowContext(ctx, `INSERT INTO products (sku, name, currency, created_at, updated_at)
VALUES (?, ?, ?, ?, ?) RETURNING id`, sku, name, currency, at, at).Scan(&id)
			}
			if err != nil {
				return fmt.Errorf("store: product %q: %w", sku, err)
			}
			ids[sku] = id
		}
		return nil
	})
	return ids, err
}

// CommitOrders writes a batch of orders (see sales.OrderStore).
func (s *Store) CommitOrders(ctx context.Context, orders []sales.Order, entries []audit.Entry, job *customer.ImportJob,
	rejects []customer.Rejection) (int, int, error) {
	created, joined := 0, 0
	err := s.inTx(ctx, func(t *tx) error {
		created, joined = 0, 0
		touched := map[int64]bool{}
		var lines [][]any
		importID := int64(0)
		if job != nil {
			importID = job.ID
		}
		for i, o := range orders {
			var id int64
			err := t.c.QueryRowContext(ctx, `INSERT INTO orders (customer_id, external_id, ordered_at, currency, total,
    line_count, status, source, import_id, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT DO NOTHING RETURNING id`, o.CustomerID, nullString(o.ExternalID), o.OrderedAt, o.Currency, o.Total,
				len(o.Lines), o.Status, o.Source, nullID(importID), nullID(entries[i].ActorID), o.CreatedAt).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				// An order with this external id exists. Rows of one order
				// that stand apart in the same file join it; an order from
				// elsewhere (an earlier import of the file) is left alone.
				var prevImport int64
				if err := t.c.QueryRowContext(ctx, `SELECT id, COALESCE(import_id, 0) FROM orders WHERE external_id = ?`,
					o.ExternalID).Scan(&id, &prevImport); err != nil {
					return fmt.Errorf("store: find order: %w", err)
				}
				if importID == 0 || prevImport != importID {
					continue
				}
				if _, err := t.c.ExecContext(ctx, `UPDATE orders SET total = total + ?, line_count = line_count + ?,
    status = CASE WHEN ? = 'placed' THEN 'placed' ELSE status END WHERE id = ?`, o.Total, len(o.Lines), o.Status, id); err != nil {
					return err
				}
				touched[o.CustomerID] = true
				for _, l := range o.Lines {
					lines = append(lines, []any{id, nullID(l.ProductID), l.SKU, l.Description, l.Quantity, l.UnitPrice, l.LineTotal})
				}
				joined++
				continue
			}
			if err != nil {
				return fmt.Errorf("store: insert order: %w", mapErr(err))
			}
			created++
			touched[o.CustomerID] = true
			for _, l := range o.Lines {
				lines = append(lines, []any{id, nullID(l.ProductID), l.SKU, l.Description, l.Quantity, l.UnitPrice, l.LineTotal})
			}
			e := entries[i]
			e.EntityID = id
			if err := t.appendAudit(ctx, e); err != nil {
				return err
			}
		}
		if len(lines) > 0 {
			if err := t.multiInsert(ctx, `INSERT INTO order_lines (order_id, product_id, sku, description, quantity,
    unit_price, line_total)`, 7, lines); err != nil {
				return err
			}
		}
		for cid := range touched {
			if err := t.refreshPurchases(ctx, cid); err != nil {
				return err
			}
		}
		if job != nil {
			for _, r := range rejects {
				if _, err := t.c.ExecContext(ctx, `INSERT INTO import_rejects (import_id, line, reason, row_text)
VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, job.ID, r.Line, r.Reason, rowText(r.Record)); err != nil {
					return err
				}
			}
			return t.saveImport(ctx, *job)
		}
		return nil
	})
	return created, joined, err
}

const orderColumns = `o.id, o.customer_id, COALESCE(c.display_name, ''), COALESCE(o.external_id, ''), o.ordered_at,
    o.currency, o.total, o.status, o.source, o.created_at`

func scanOrder(row interface{ Scan(...any) error }) (sales.Order, error) {
	var o sales.Order
	err := row.Scan(&o.ID, &o.CustomerID, &o.CustomerName, &o.ExternalID, &o.OrderedAt, &o.Currency, &o.Total, &o.Status,
		&o.Source, &o.CreatedAt)
	o.OrderedAt, o.CreatedAt = o.OrderedAt.UTC(), o.CreatedAt.UTC()
	return o, err
}

// ListOrders returns a customer's orders, newest first, without lines.
func (s *Store) ListOrders(ctx context.Context, customerID int64, limit int) ([]sales.Order, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+orderColumns+` FROM orders o
LEFT JOIN customers c ON c.id = o.customer_id WHERE o.customer_id = ? ORDER BY o.ordered_at DESC, o.id DESC LIMIT ?`,
		customerID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sales.Order
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// FindOrder returns an order with its lines.
func (s *Store) FindOrder(ctx context.Context, id int64) (sales.Order, error) {
	o, err := scanOrder(s.readConn().QueryRowContext(ctx, `SELECT `+orderColumns+` FROM orders o
LEFT JOIN customers c ON c.id = o.customer_id WHERE o.id = ?`, id))
	if err != nil {
		return o, notFoundOr(err, "Order not found.")
	}
	rows, err := s.readConn().QueryContext(ctx, `SELECT COALESCE(product_id, 0), sku, description, quantity, unit_price,
    line_total FROM order_lines WHERE order_id = ? ORDER BY id`, id)
	if err != nil {
		return o, err
	}
	defer rows.Close()
	for rows.Next() {
		var l sales.OrderLine
		if err := rows.Scan(&l.ProductID, &l.SKU, &l.Description, &l.Quantity, &l.UnitPrice, &l.LineTotal); err != nil {
			return o, err
		}
		o.Lines = append(o.Lines, l)
	}
	return o, rows.Err()
}

// PurchaseSummary reads a customer's kept summary and top products.
func (s *Store) PurchaseSummary(ctx context.Context, customerID int64) (sales.PurchaseSummary, error) {
	var p sales.PurchaseSummary
	var first, last sql.NullTime
	err := s.readConn().QueryRowContext(ctx, `SELECT order_count, total_spent, first_order_at, last_order_at
FROM customers WHERE id = ?`, customerID).Scan(&p.Orders, &p.TotalSpent, &first, &last)
	if err != nil {
		return p, notFoundOr(err, "Customer not found.")
	}
	p.FirstOrder, p.LastOrder = timeOf(first), timeOf(last)
	rows, err := s.readConn().QueryContext(ctx, `SELECT l.sku, MAX(l.description), SUM(l.quantity) AS q
FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.customer_id = ?
GROUP BY l.sku HAVING SUM(l.quantity) > 0 ORDER BY q DESC, l.sku LIMIT 5`, customerID)
	if err != nil {
		return p, err
	}
	defer rows.Close()
	for rows.Next() {
		var pc sales.ProductCount
		if err := rows.Scan(&pc.SKU, &pc.Description, &pc.Quantity); err != nil {
			return p, err
		}
		p.TopProducts = append(p.TopProducts, pc)
	}
	if err := rows.Err(); err != nil {
		return p, err
	}
	cats, err := s.readConn().QueryContext(ctx, `SELECT pr.category FROM order_lines l JOIN orders o ON o.id = l.order_id
JOIN products pr ON pr.id = l.product_id WHERE o.customer_id = ? AND pr.category <> ''
GROUP BY pr.category HAVING SUM(l.quantity) > 0 ORDER BY SUM(l.quantity) DESC, pr.category LIMIT 3`, customerID)
	if err != nil {
		return p, err
	}
	defer cats.Close()
	for cats.Next() {
		var c string
		if err := cats.Scan(&c); err != nil {
			return p, err
		}
		p.Categories = append(p.Categories, c)
	}
	return p, cats.Err()
}
