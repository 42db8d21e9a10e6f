package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/analytics"
)

// ChurnRows reads the churn model's features for every customer who has
// bought, with whether they are marked churned.
func (s *Store) ChurnRows(ctx context.Context, now time.Time) ([]analytics.ChurnRow, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT c.id, COALESCE(c.owner_id, 0), c.lifecycle_stage = 'churned',
    c.last_order_at, c.first_order_at, c.order_count, c.total_spent,
    (SELECT COUNT(*) FROM interactions i WHERE i.customer_id = c.id AND i.occurred_at >= ?),
    (SELECT COUNT(*) FROM cases k WHERE k.customer_id = c.id AND k.status IN ('new', 'open', 'pending')),
    (SELECT COUNT(*) FROM cases k WHERE k.customer_id = c.id),
    (SELECT COUNT(*) FROM surveys v WHERE v.customer_id = c.id AND v.kind = 'csat' AND v.score IS NOT NULL AND v.score <= 2),
    (SELECT MAX(m.opened_at) FROM campaign_messages m WHERE m.customer_id = c.id),
    COALESCE((SELECT SUM(lm.balance) FROM loyalty_members lm WHERE lm.customer_id = c.id), 0)
    FROM customers c WHERE c.order_count > 0 AND c.deleted_at IS NULL ORDER BY c.id`, now.AddDate(0, 0, -90))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	days := func(t sql.NullTime, none float64) float64 {
		if !t.Valid {
			return none
		}
		return now.Sub(t.Time).Hours() / 24
	}
	var out []analytics.ChurnRow
	for rows.Next() {
		var r analytics.ChurnRow
		var last, first sql.NullTime
		var opened sql.NullString
		var orders, spent, inter, open, cases, low, points int64
		if err := rows.Scan(&r.CustomerID, &r.OwnerID, &r.Churned, &last, &first, &orders, &spent, &inter, &open, &cases, &low,
			&opened, &points); err != nil {
			return nil, err
		}
		openedDays := 3650.0
		if opened.Valid && opened.String != "" {
			if t, err := parseDBTime(opened.String); err == nil {
				openedDays = now.Sub(t).Hours() / 24
			}
		}
		r.X = []float64{days(last, 3650), float64(orders), float64(spent) / analytics.Scale, days(first, 0), float64(inter),
			float64(open), float64(cases), float64(low), openedDays, float64(points)}
		out = append(out, r)
	}
	return out, rows.Err()
}

// parseDBTime reads a time an aggregate returned as text (SQLite).
func parseDBTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("store: %q is not a time", s)
}

// SaveChurn stores a training and replaces the scores with its own.
func (s *Store) SaveChurn(ctx context.Context, m analytics.ChurnModel, weights string, scores []analytics.ChurnScore) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.c.QueryRowContext(ctx, `INSERT INTO churn_models (trained_at, examples, churned, auc, weights)
    VALUES (?, ?, ?, ?, ?) RETURNING id`, m.TrainedAt, m.Examples, m.Churned, m.AUC, weights).Scan(&id); err != nil {
			return err
		}
		// Scores are replaced; when the owner last got a task is kept.
		if _, err := t.c.ExecContext(ctx, `UPDATE customer_churn SET risk = 0, reasons = '', scored_at = ?`, m.TrainedAt); err != nil {
			return err
		}
		for _, sc := range scores {
			if _, err := t.c.ExecContext(ctx, `INSERT INTO customer_churn (customer_id, risk, reasons, scored_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (customer_id) DO UPDATE SET risk = excluded.risk, reasons = excluded.reasons, scored_at = excluded.scored_at`,
				sc.CustomerID, sc.Risk, strings.Join(sc.Reasons, "|"), sc.ScoredAt); err != nil {
				return err
			}
		}
		return nil
	})
	return id, err
}

// CustomerChurn returns a customer's latest churn score.
func (s *Store) CustomerChurn(ctx context.Context, customerID int64) (analytics.ChurnScore, error) {
	sc := analytics.ChurnScore{CustomerID: customerID}
	var reasons string
	err := s.readConn().QueryRowContext(ctx, `SELECT risk, reasons, scored_at FROM customer_churn WHERE customer_id = ?`, customerID).
		Scan(&sc.Risk, &reasons, &sc.ScoredAt)
	if reasons != "" {
		sc.Reasons = strings.Split(reasons, "|")
	}
	sc.ScoredAt = sc.ScoredAt.UTC()
	return sc, notFoundOr(err, fmt.Sprintf("No churn risk for customer %d yet.", customerID))
}

// ClaimChurnTask records a task for a customer's owner unless one was
// given since the time given.
func (s *Store) ClaimChurnTask(ctx context.Context, customerID int64, now, since time.Time) (bool, error) {
	ok := false
	err := s.inTx(ctx, func(t *tx) error {
		res, err := t.c.ExecContext(ctx, `UPDATE customer_churn SET task_at = ? WHERE customer_id = ? AND (task_at IS NULL OR task_at < ?)`,
			now, customerID, since)
		if err != nil {
			return err
		}
		k, _ := res.RowsAffected()
		ok = k == 1
		return nil
	})
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return ok, err
}
