package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/scrms/scrms/internal/analytics"
)

// PurchaseHistories reads which products each customer has bought (sales
// lines of placed orders), as indexes into the returned product ids. The
// lines are read in one pass in table order and sorted here, packed as
// customer << 24 | product index, which is several times faster than
// having the database sort ten million rows.
func (s *Store) PurchaseHistories(ctx context.Context) ([]int64, [][]int, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT o.customer_id, l.product_id FROM orders o
    JOIN order_lines l ON l.order_id = o.id
    WHERE o.status = 'placed' AND l.quantity > 0 AND l.product_id IS NOT NULL`)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	index := map[int64]int{}
	var ids []int64
	var pairs []uint64
	for rows.Next() {
		var cust, pid int64
		if err := rows.Scan(&cust, &pid); err != nil {
			return nil, nil, err
		}
		i, ok := index[pid]
		if !ok {
			if len(ids) == 1<<24 {
				return nil, nil, fmt.Errorf("store: more than %d products bought", 1<<24)
			}
			i = len(ids)
			index[pid] = i
			ids = append(ids, pid)
		}
		pairs = append(pairs, uint64(cust)<<24|uint64(i))
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	slices.Sort(pairs)
	var histories [][]int
	for k := 0; k < len(pairs); {
		cust := pairs[k] >> 24
		var h []int
		for ; k < len(pairs) && pairs[k]>>24 == cust; k++ {
			if k > 0 && pairs[k] == pairs[k-1] {
				continue // the same product again
			}
			h = append(h, int(pairs[k]&(1<<24-1)))
		}
		histories = append(histories, h)
	}
	return ids, histories, nil
}

// SaveRecModel replaces the product neighbours and popularity with a new
// build, in one transaction.
func (s *Store) SaveRecModel(ctx context.Context, m analytics.RecModel, ids []int64, nbs [][]analytics.Neighbour,
	buyers []int) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		if _, err := t.c.ExecContext(ctx, `DELETE FROM product_neighbours`); err != nil {
			return err
		}
		if _, err := t.c.ExecContext(ctx, `UPDATE products SET buyers = 0 WHERE buyers <> 0`); err != nil {
			return err
		}
		const per = 200
		var b strings.Builder
		args := make([]any, 0, per*4)
		flush := func() error {
			if len(args) == 0 {
				return nil
			}
			b.Reset()
			b.WriteString(`INSERT INTO product_neighbours (product_id, neighbour_id, score, together) VALUES `)
			for i := 0; i < len(args)/4; i++ {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString("(?, ?, ?, ?)")
			}
			_, err := t.c.ExecContext(ctx, b.String(), args...)
			args = args[:0]
			return err
		}
		for i, ns := range nbs {
			for _, n := range ns {
				args = append(args, ids[i], ids[n.Item], n.Score, n.Together)
				if len(args) == per*4 {
					if err := flush(); err != nil {
						return err
					}
				}
			}
		}
		if err := flush(); err != nil {
			return err
		}
		stmt, err := t.c.PrepareContext(ctx, `UPDATE products SET buyers = ? WHERE id = ?`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i, n := range buyers {
			if _, err := stmt.ExecContext(ctx, n, ids[i]); err != nil {
				return err
			}
		}
		return t.c.QueryRowContext(ctx, `INSERT INTO rec_models (built_at, customers, products, pairs) VALUES (?, ?, ?, ?)
RETURNING id`, m.BuiltAt, m.Customers, m.Products, m.Pairs).Scan(&id)
	})
	return id, err
}

// LatestRecModel returns the latest build of the recommendations.
func (s *Store) LatestRecModel(ctx context.Context) (analytics.RecModel, error) {
	var m analytics.RecModel
	err := s.readConn().QueryRowContext(ctx, `SELECT id, built_at, customers, products, pairs FROM rec_models
ORDER BY id DESC LIMIT 1`).Scan(&m.ID, &m.BuiltAt, &m.Customers, &m.Products, &m.Pairs)
	m.BuiltAt = m.BuiltAt.UTC()
	return m, notFoundOr(err, "The recommendations have not been built yet.")
}

// recProductColumns describes a product for recommendations; available
// means active and, when its stock is tracked, some on hand.
const recProductColumns = `p.id, p.sku, p.name, p.category, p.price, p.currency, p.one_time,
    p.active AND COALESCE((SELECT SUM(s.on_hand) FROM product_stock s WHERE s.product_id = p.id), 1) > 0`

func scanRecProduct(dest []any, p *analytics.ProductInfo) []any {
	return append(dest, &p.ID, &p.SKU, &p.Name, &p.Category, &p.Price, &p.Currency, &p.OneTime, &p.Available)
}

// OwnedProducts reads the products a customer has bought (with how many
// orders held each, most bought first, at most limit) and the customer's
// preferred categories.
func (s *Store) OwnedProducts(ctx context.Context, customerID int64, limit int) ([]analytics.OwnedProduct, []string, error) {
	var prefs string
	if err := s.readConn().QueryRowContext(ctx, `SELECT preferred_categories FROM customers WHERE id = ? AND deleted_at IS NULL`,
		customerID).Scan(&prefs); err != nil {
		return nil, nil, notFoundOr(err, fmt.Sprintf("Customer %d not found.", customerID))
	}
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+recProductColumns+`, b.times FROM products p
    JOIN (SELECT l.product_id, COUNT(DISTINCT o.id) AS times FROM orders o JOIN order_lines l ON l.order_id = o.id
          WHERE o.customer_id = ? AND o.status = 'placed' AND l.quantity > 0 AND l.product_id IS NOT NULL
          GROUP BY l.product_id) b ON b.product_id = p.id
    ORDER BY b.times DESC, p.id LIMIT ?`, customerID, limit)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var out []analytics.OwnedProduct
	for rows.Next() {
		var o analytics.OwnedProduct
		if err := rows.Scan(append(scanRecProduct(nil, &o.ProductInfo), &o.Times)...); err != nil {
			return nil, nil, err
		}
		out = append(out, o)
	}
	return out, splitList(prefs), rows.Err()
}

// ProductNeighbours reads the stored neighbours of the given products,
// with what recommendations need to know of each neighbour.
func (s *Store) ProductNeighbours(ctx context.Context, productIDs []int64) (map[int64][]analytics.NeighbourRow, error) {
	out := map[int64][]analytics.NeighbourRow{}
	if len(productIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(productIDs))
	for i, id := range productIDs {
		args[i] = id
	}
	rows, err := s.readConn().QueryContext(ctx, `SELECT n.product_id, n.score, n.together, `+recProductColumns+`
    FROM product_neighbours n JOIN products p ON p.id = n.neighbour_id
    WHERE n.product_id IN (?`+strings.Repeat(", ?", len(productIDs)-1)+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var r analytics.NeighbourRow
		var of int64
		if err := rows.Scan(append([]any{&of, &r.Score, &r.Together}, scanRecProduct(nil, &r.Product)...)...); err != nil {
			return nil, err
		}
		out[of] = append(out[of], r)
	}
	return out, rows.Err()
}

// PopularProducts lists the products most customers have bought that can
// be offered now (active, in stock or untracked).
func (s *Store) PopularProducts(ctx context.Context, limit int) ([]analytics.ProductInfo, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+recProductColumns+` FROM products p
    WHERE p.buyers > 0 AND p.active ORDER BY p.buyers DESC, p.id LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []analytics.ProductInfo
	for rows.Next() {
		var p analytics.ProductInfo
		if err := rows.Scan(scanRecProduct(nil, &p)...); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
