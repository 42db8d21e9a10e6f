package store

import (
	"context"
	"fmt"
	"time"

	"github.com/scrms/scrms/internal/analytics"
)

// CLVSummaries reads each buying customer's purchase days (same-day orders
// count as one purchase of their sum) up to and including asOf's day.
func (s *Store) CLVSummaries(ctx context.Context, asOf time.Time) ([]analytics.CustomerSummary, error) {
	day := "substr(ordered_at, 1, 10)"
	if s.engine == Postgres {
		day = "to_char(ordered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
	}
	end := time.Date(asOf.Year(), asOf.Month(), asOf.Day(), 0, 0, 0, 0, time.UTC)
	rows, err := s.readConn().QueryContext(ctx, `SELECT customer_id, `+day+` AS d, SUM(total) FROM orders
    WHERE status = 'placed' AND ordered_at < ? GROUP BY customer_id, d ORDER BY customer_id, d`, end.AddDate(0, 0, 1))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []analytics.CustomerSummary
	var cur analytics.CustomerSummary
	var first time.Time
	var repeatSum float64
	flush := func() {
		if cur.CustomerID == 0 {
			return
		}
		cur.T = end.Sub(first).Hours() / 24 / 7
		if cur.X > 0 {
			cur.Spend = repeatSum / cur.X
		}
		out = append(out, cur)
	}
	for rows.Next() {
		var id, total int64
		var d string
		if err := rows.Scan(&id, &d, &total); err != nil {
			return nil, err
		}
		at, err := time.Parse("2006-01-02", d)
		if err != nil {
			return nil, fmt.Errorf("store: order day %q: %w", d, err)
		}
		if id != cur.CustomerID {
			flush()
			cur, first, repeatSum = analytics.CustomerSummary{CustomerID: id}, at, 0
			continue
		}
		cur.X++
		cur.Tx = at.Sub(first).Hours() / 24 / 7
		repeatSum += float64(total) / analytics.Scale
	}
	flush()
	return out, rows.Err()
}

// SaveCLV stores a fit and replaces the predictions with its own.
func (s *Store) SaveCLV(ctx context.Context, m analytics.Model, ps []analytics.Prediction) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.c.QueryRowContext(ctx, `INSERT INTO clv_models (fitted_at, as_of, horizon_weeks, customers, repeat_customers,
    r, alpha, a, b, ll_bgnbd, p, q, gamma, ll_gg) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, m.FittedAt, m.AsOf,
			m.HorizonWeeks, m.Customers, m.RepeatCustomers, m.BGNBD.R, m.BGNBD.Alpha, m.BGNBD.A, m.BGNBD.B, m.LLBGNBD, m.Spend.P,
			m.Spend.Q, m.Spend.Gamma, m.LLSpend).Scan(&id); err != nil {
			return err
		}
		if _, err := t.c.ExecContext(ctx, `DELETE FROM customer_clv`); err != nil {
			return err
		}
		for _, p := range ps {
			if _, err := t.c.ExecContext(ctx, `INSERT INTO customer_clv (customer_id, model_id, x, t_x, t, spend, p_alive,
    expected_purchases, expected_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, p.CustomerID, id, p.Summary.X, p.Summary.Tx, p.Summary.T,
				int64(p.Summary.Spend*analytics.Scale), p.PAlive, p.ExpectedPurchases, p.ExpectedValue); err != nil {
				return err
			}
		}
		return nil
	})
	return id, err
}

const clvModelColumns = `id, fitted_at, as_of, horizon_weeks, customers, repeat_customers, r, alpha, a, b, ll_bgnbd, p, q, gamma,
    ll_gg FROM clv_models`

// LatestCLVModel returns the latest fit.
func (s *Store) LatestCLVModel(ctx context.Context) (analytics.Model, error) {
	var m analytics.Model
	err := s.readConn().QueryRowContext(ctx, `SELECT `+clvModelColumns+` ORDER BY id DESC LIMIT 1`).Scan(&m.ID, &m.FittedAt, &m.AsOf,
		&m.HorizonWeeks, &m.Customers, &m.RepeatCustomers, &m.BGNBD.R, &m.BGNBD.Alpha, &m.BGNBD.A, &m.BGNBD.B, &m.LLBGNBD,
		&m.Spend.P, &m.Spend.Q, &m.Spend.Gamma, &m.LLSpend)
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
