package store

import (
	"context"
	"fmt"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/sales"
)

// CreateTarget stores a quota.
func (s *Store) CreateTarget(ctx context.Context, t sales.Target, by int64, at time.Time, e audit.Entry) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *tx) error {
		if err := tx.c.QueryRowContext(ctx, `INSERT INTO sales_targets (user_id, team_id, metric, period_start, period_end,
    target, currency, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, nullID(t.UserID),
			nullID(t.TeamID), t.Metric, t.PeriodStart, t.PeriodEnd, t.Target, t.Currency, nullID(by), at).Scan(&id); err != nil {
			return mapErr(err)
		}
		e.EntityID = id
		return tx.appendAudit(ctx, e)
	})
	return id, err
}

// Targets returns the targets running on day with their attainment: won
// deals (by close date) or new customers (by creation), of the user or of
// the team's members.
func (s *Store) Targets(ctx context.Context, day string) ([]sales.Target, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT t.id, COALESCE(t.user_id, 0), COALESCE(u.name, ''),
    COALESCE(t.team_id, 0), COALESCE(tm.name, ''), t.metric, t.period_start, t.period_end, t.target, t.currency
FROM sales_targets t LEFT JOIN users u ON u.id = t.user_id LEFT JOIN teams tm ON tm.id = t.team_id
WHERE t.period_start <= ? AND t.period_end >= ? ORDER BY t.period_end, t.id`, day, day)
	if err != nil {
		return nil, err
	}
	var ts []sales.Target
	for rows.Next() {
		var t sales.Target
		if err := rows.Scan(&t.ID, &t.UserID, &t.UserName, &t.TeamID, &t.TeamName, &t.Metric, &t.PeriodStart,
			&t.PeriodEnd, &t.Target, &t.Currency); err != nil {
			rows.Close()
			return nil, err
		}
		ts = append(ts, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range ts {
		t := &ts[i]
		from, _ := time.Parse("2006-01-02", t.PeriodStart)
		to, _ := time.Parse("2006-01-02", t.PeriodEnd)
		to = to.AddDate(0, 0, 1)
		who, arg := "o.owner_id = ?", t.UserID
		if t.TeamID != 0 {
			who, arg = "o.owner_id IN (SELECT id FROM users WHERE team_id = ?)", t.TeamID
		}
		var q string
		switch t.Metric {
		case "revenue":
			q = `SELECT COALESCE(SUM(o.amount), 0) FROM opportunities o JOIN pipeline_stages st ON st.id = o.stage_id
WHERE st.kind = 'won' AND o.deleted_at IS NULL AND o.closed_at >= ? AND o.closed_at < ? AND ` + who
		case "deals_won":
			q = `SELECT COUNT(*) FROM opportunities o JOIN pipeline_stages st ON st.id = o.stage_id
WHERE st.kind = 'won' AND o.deleted_at IS NULL AND o.closed_at >= ? AND o.closed_at < ? AND ` + who
		default:
			q = `SELECT COUNT(*) FROM customers o WHERE o.deleted_at IS NULL AND o.created_at >= ? AND o.created_at < ? AND ` + who
		}
		if err := s.readConn().QueryRowContext(ctx, q, from, to, arg).Scan(&t.Attained); err != nil {
			return nil, fmt.Errorf("store: target %d: %w", t.ID, err)
		}
	}
	return ts, nil
}

// Forecast sums the open deals a reader may see by month of expected close
// and owner, weighted by their stage's probability.
func (s *Store) Forecast(ctx context.Context, v sales.Visibility) ([]sales.ForecastRow, error) {
	w := &where{}
	w.add("o.deleted_at IS NULL")
	w.add("o.closed_at IS NULL")
	switch v.Scope {
	case auth.ScopeTeam:
		w.add("(o.owner_id = ? OR o.team_id = ?)", v.UserID, v.TeamID)
	case auth.ScopeOwn:
		w.add("o.owner_id = ?", v.UserID)
	}
	rows, err := s.readConn().QueryContext(ctx, `SELECT SUBSTR(o.expected_close, 1, 7) AS month, COALESCE(o.owner_id, 0),
    COALESCE(MAX(u.name), ''), COALESCE(MAX(o.team_id), 0), o.currency, COUNT(*), SUM(o.amount),
    SUM(o.amount * st.probability / 100)
FROM opportunities o JOIN pipeline_stages st ON st.id = o.stage_id LEFT JOIN users u ON u.id = o.owner_id`+w.sql()+`
GROUP BY SUBSTR(o.expected_close, 1, 7), o.owner_id, o.currency ORDER BY month, 3`, w.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sales.ForecastRow
	for rows.Next() {
		var r sales.ForecastRow
		if err := rows.Scan(&r.Month, &r.OwnerID, &r.OwnerName, &r.TeamID, &r.Currency, &r.Deals, &r.Amount, &r.Weighted); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
