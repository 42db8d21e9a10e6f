package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/analytics"
)

// CLVSummaries reads each buying customer's purchase days (same-day orders
// count as one purchase of their sum) up to and including asOf's day. The
// orders are read in one pass in table order and sorted here: sorting five
// million small records in memory is several times faster than asking the
// database to group them.
func (s *Store) CLVSummaries(ctx context.Context, asOf time.Time) ([]analytics.CustomerSummary, error) {
	end := time.Date(asOf.Year(), asOf.Month(), asOf.Day(), 0, 0, 0, 0, time.UTC)
	at := "ordered_at"
	if s.engine == SQLite {
		at = "CAST(ordered_at AS TEXT)"
	}
	rows, err := s.readConn().QueryContext(ctx, `SELECT customer_id, `+at+`, total FROM orders
    WHERE status = 'placed' AND ordered_at < ?`, end.AddDate(0, 0, 1))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type purchase struct {
		customer int64
		day      int32 // days since 1970-01-01, UTC
		total    int64
	}
	var ps []purchase
	// SQLite hands the time over as text: its day is looked up by the
	// text's first ten characters when the rest says UTC, which spares
	// parsing five million timestamps.
	days := map[string]int32{}
	for rows.Next() {
		var p purchase
		var at any
		if err := rows.Scan(&p.customer, &at, &p.total); err != nil {
			return nil, err
		}
		switch v := at.(type) {
		case time.Time:
			p.day = int32(v.UTC().Unix() / 86400)
		case string:
			d, err := dayOfText(days, v)
			if err != nil {
				return nil, err
			}
			p.day = d
		default:
			return nil, fmt.Errorf("store: order time %v (%T)", at, at)
		}
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(ps, func(a, b purchase) int {
		if a.customer != b.customer {
			return cmp.Compare(a.customer, b.customer)
		}
		return cmp.Compare(a.day, b.day)
	})
	endDay := float64(end.Unix() / 86400)
	var out []analytics.CustomerSummary
	for i := 0; i < len(ps); {
		c := analytics.CustomerSummary{CustomerID: ps[i].customer}
		first, last := ps[i].day, ps[i].day
		repeat := 0.0
		j := i
		for j < len(ps) && ps[j].customer == c.CustomerID {
			if ps[j].day != last {
				c.X++
				last = ps[j].day
			}
			if ps[j].day != first {
				repeat += float64(ps[j].total) / analytics.Scale
			}
			j++
		}
		c.Tx = float64(last-first) / 7
		c.T = (endDay - float64(first)) / 7
		if c.X > 0 {
			c.Spend = repeat / c.X
		}
		out = append(out, c)
		i = j
	}
	return out, nil
}

// dayOfText returns the UTC day (since 1970) of a time SQLite stored as
// text; times written in UTC are looked up by their date part.
func dayOfText(cache map[string]int32, v string) (int32, error) {
	if len(v) >= 10 && (strings.HasSuffix(v, "+00:00") || strings.HasSuffix(v, "Z")) {
		if d, ok := cache[v[:10]]; ok {
			return d, nil
		}
		t, err := time.Parse("2006-01-02", v[:10])
		if err != nil {
			return 0, fmt.Errorf("store: order time %q: %w", v, err)
		}
		d := int32(t.Unix() / 86400)
		cache[v[:10]] = d
		return d, nil
	}
	t, err := parseDBTime(v)
	if err != nil {
		return 0, fmt.Errorf("store: order time %q: %w", v, err)
	}
	return int32(t.UTC().Unix() / 86400), nil
}

// SaveCLV stores a fit and replaces the predictions with its own.
func (s *Store) SaveCLV(ctx context.Context, m analytics.Model, ps []analytics.Prediction) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.c.QueryRowContext(ctx, `INSERT INTO clv_models (fitted_at, as_of, horizon_weeks, customers, repeat_customers,
    r, alpha, a, b, ll_bgnbd, p, q, gamma, ll_gg, mean_value, lapsed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id`, m.FittedAt, m.AsOf,
			m.HorizonWeeks, m.Customers, m.RepeatCustomers, m.BGNBD.R, m.BGNBD.Alpha, m.BGNBD.A, m.BGNBD.B, m.LLBGNBD, m.Spend.P,
			m.Spend.Q, m.Spend.Gamma, m.LLSpend, m.MeanValue, m.Lapsed).Scan(&id); err != nil {
			return err
		}
		if _, err := t.c.ExecContext(ctx, `DELETE FROM customer_clv`); err != nil {
			return err
		}
		// Many rows per statement: a million predictions are written in
		// seconds rather than minutes.
		const per = 400
		for lo := 0; lo < len(ps); lo += per {
			batch := ps[lo:min(lo+per, len(ps))]
			args := make([]any, 0, len(batch)*9)
			for _, p := range batch {
				args = append(args, p.CustomerID, id, p.Summary.X, p.Summary.Tx, p.Summary.T, int64(p.Summary.Spend*analytics.Scale),
					p.PAlive, p.ExpectedPurchases, p.ExpectedValue)
			}
			q := `INSERT INTO customer_clv (customer_id, model_id, x, t_x, t, spend, p_alive, expected_purchases, expected_value)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)` + strings.Repeat(", (?, ?, ?, ?, ?, ?, ?, ?, ?)", len(batch)-1)
			if _, err := t.c.ExecContext(ctx, q, args...); err != nil {
				return err
			}
		}
		return nil
	})
	return id, err
}

const clvModelColumns = `id, fitted_at, as_of, horizon_weeks, customers, repeat_customers, r, alpha, a, b, ll_bgnbd, p, q, gamma,
    ll_gg, mean_value, lapsed FROM clv_models`

// LatestCLVModel returns the latest fit.
func (s *Store) LatestCLVModel(ctx context.Context) (analytics.Model, error) {
	var m analytics.Model
	err := s.readConn().QueryRowContext(ctx, `SELECT `+clvModelColumns+` ORDER BY id DESC LIMIT 1`).Scan(&m.ID, &m.FittedAt, &m.AsOf,
		&m.HorizonWeeks, &m.Customers, &m.RepeatCustomers, &m.BGNBD.R, &m.BGNBD.Alpha, &m.BGNBD.A, &m.BGNBD.B, &m.LLBGNBD,
		&m.Spend.P, &m.Spend.Q, &m.Spend.Gamma, &m.LLSpend, &m.MeanValue, &m.Lapsed)
	m.FittedAt, m.AsOf = m.FittedAt.UTC(), m.AsOf.UTC()
	return m, notFoundOr(err, "The lifetime value models have not been fitted yet.")
}

// CustomerCLV returns the latest prediction for a customer.
func (s *Store) CustomerCLV(ctx context.Context, customerID int64) (analytics.Prediction, error) {
	p := analytics.Prediction{CustomerID: customerID}
	var spend int64
	err := s.readConn().QueryRowContext(ctx, `SELECT model_id, x, t_x, t, spend, p_alive, expected_purchases, expected_value
    FROM customer_clv WHERE customer_id = ?`, customerID).Scan(&p.ModelID, &p.Summary.X, &p.Summary.Tx, &p.Summary.T, &spend,
		&p.PAlive, &p.ExpectedPurchases, &p.ExpectedValue)
	p.Summary.Spend = float64(spend) / analytics.Scale
	return p, notFoundOr(err, fmt.Sprintf("There is no lifetime value prediction for customer %d yet.", customerID))
}

// rfmSegments names the cells of the recency × frequency grid, first
// match wins.
const rfmSegments = `CASE
    WHEN r >= 4 AND f >= 4 THEN 'champions'
    WHEN r = 3 AND f >= 4 THEN 'loyal'
    WHEN r = 5 AND f = 1 THEN 'new'
    WHEN r >= 4 AND f <= 2 THEN 'promising'
    WHEN r >= 4 THEN 'potential_loyalist'
    WHEN r <= 2 AND f >= 3 THEN 'at_risk'
    WHEN r = 3 THEN 'need_attention'
    ELSE 'hibernating' END`

// ComputeRFM scores every buying customer in quintiles of recency,
// frequency and spend, in the database, and names their segment.
func (s *Store) ComputeRFM(ctx context.Context, at time.Time) (map[string]int, error) {
	out := map[string]int{}
	err := s.inTx(ctx, func(t *tx) error {
		clear(out)
		if _, err := t.c.ExecContext(ctx, `DELETE FROM customer_rfm`); err != nil {
			return err
		}
		if _, err := t.c.ExecContext(ctx, `INSERT INTO customer_rfm (customer_id, r, f, m, computed_at)
    SELECT id, NTILE(5) OVER (ORDER BY last_order_at, id), NTILE(5) OVER (ORDER BY order_count, id),
    NTILE(5) OVER (ORDER BY total_spent, id), ? FROM customers WHERE order_count > 0 AND deleted_at IS NULL`, at); err != nil {
			return err
		}
		if _, err := t.c.ExecContext(ctx, `UPDATE customer_rfm SET segment = `+rfmSegments); err != nil {
			return err
		}
		rows, err := t.c.QueryContext(ctx, `SELECT segment, COUNT(*) FROM customer_rfm GROUP BY segment`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var seg string
			var n int
			if err := rows.Scan(&seg, &n); err != nil {
				return err
			}
			out[seg] = n
		}
		return rows.Err()
	})
	return out, err
}

// CustomerRFM returns a customer's scores and segment ("" when none).
func (s *Store) CustomerRFM(ctx context.Context, customerID int64) (analytics.RFM, error) {
	var v analytics.RFM
	err := s.readConn().QueryRowContext(ctx, `SELECT r, f, m, segment FROM customer_rfm WHERE customer_id = ?`, customerID).
		Scan(&v.R, &v.F, &v.M, &v.Segment)
	return v, notFoundOr(err, "No RFM scores for this customer yet.")
}
