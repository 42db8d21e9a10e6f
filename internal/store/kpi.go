package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/analytics"
	"github.com/scrms/scrms/internal/audit"
)

// dayString reads a day the database returned (text in SQLite, a date in
// PostgreSQL) as YYYY-MM-DD.
func dayString(v any) string {
	switch d := v.(type) {
	case time.Time:
		return d.UTC().Format("2006-01-02")
	case string:
		return d[:min(len(d), 10)]
	case []byte:
		return string(d[:min(len(d), 10)])
	}
	return ""
}

// KPISums adds up the daily roll-ups of the given metrics over the days
// from..to (YYYY-MM-DD, both included): metric → dimension → sum.
func (s *Store) KPISums(ctx context.Context, from, to string, metrics ...string) (map[string]map[string]int64, error) {
	args := []any{from, to}
	for _, m := range metrics {
		args = append(args, m)
	}
	rows, err := s.readConn().QueryContext(ctx, `SELECT metric, dim, SUM(value) FROM kpi_daily
WHERE day >= ? AND day <= ? AND metric IN (?`+strings.Repeat(", ?", len(metrics)-1)+`) GROUP BY metric, dim`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[string]int64{}
	for rows.Next() {
		var m, d string
		var v int64
		if err := rows.Scan(&m, &d, &v); err != nil {
			return nil, err
		}
		if out[m] == nil {
			out[m] = map[string]int64{}
		}
		out[m][d] = v
	}
	return out, rows.Err()
}

// KPISeries returns a metric's value per day over from..to for one
// dimension ("*": all dimensions added up); days without any are left
// out.
func (s *Store) KPISeries(ctx context.Context, metric, dim, from, to string) (map[string]int64, error) {
	q := `SELECT day, SUM(value) FROM kpi_daily WHERE metric = ? AND day >= ? AND day <= ?`
	args := []any{metric, from, to}
	if dim != "*" {
		q += ` AND dim = ?`
		args = append(args, dim)
	}
	rows, err := s.readConn().QueryContext(ctx, q+` GROUP BY day`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var day any
		var v int64
		if err := rows.Scan(&day, &v); err != nil {
			return nil, err
		}
		out[dayString(day)] = v
	}
	return out, rows.Err()
}

// OpenPipeline sums the open opportunities per stage (amounts in
// ten-thousandths; deals keep cents), with the stage's probability for the
// weighted value.
func (s *Store) OpenPipeline(ctx context.Context) ([]analytics.StageTotal, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT st.id, st.name, st.pipeline_id, st.position, st.probability,
    COALESCE(o.n, 0), COALESCE(o.amount, 0), COALESCE(o.currency, '')
FROM pipeline_stages st
LEFT JOIN (SELECT stage_id, currency, COUNT(*) AS n, SUM(amount) * 100 AS amount FROM opportunities
           WHERE closed_at IS NULL AND deleted_at IS NULL GROUP BY stage_id, currency) o ON o.stage_id = st.id
WHERE st.kind = 'open' ORDER BY st.pipeline_id, st.position, o.currency`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []analytics.StageTotal
	for rows.Next() {
		var t analytics.StageTotal
		if err := rows.Scan(&t.StageID, &t.Stage, &t.PipelineID, &t.Position, &t.Probability, &t.Deals, &t.Amount,
			&t.Currency); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// OpenCaseCount counts the cases not yet resolved.
func (s *Store) OpenCaseCount(ctx context.Context) (int64, error) {
	var n int64
	err := s.readConn().QueryRowContext(ctx, `SELECT COUNT(*) FROM cases WHERE status IN ('new', 'open', 'pending')`).Scan(&n)
	return n, err
}

// LoyaltyTotals counts the active members and what their points are worth
// (in ten-thousandths of the programs' currencies).
func (s *Store) LoyaltyTotals(ctx context.Context) (members, points, value int64, err error) {
	err = s.readConn().QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(m.balance), 0), COALESCE(SUM(m.balance * p.point_value), 0)
FROM loyalty_members m JOIN loyalty_programs p ON p.id = m.program_id WHERE m.status = 'active'`).Scan(&members, &points, &value)
	return members, points, value, err
}

// AddCost records a sales or marketing cost.
func (s *Store) AddCost(ctx context.Context, c analytics.Cost, e audit.Entry) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.c.QueryRowContext(ctx, `INSERT INTO cost_entries (day, kind, channel, amount, currency, note, created_by,
    created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, c.Day, c.Kind, c.Channel, c.Amount, c.Currency, c.Note,
			nullID(c.CreatedBy), c.CreatedAt).Scan(&id); err != nil {
			return err
		}
		e.EntityID = id
		return t.appendAudit(ctx, e)
	})
	return id, err
}

// Costs lists the cost entries of from..to, oldest first.
func (s *Store) Costs(ctx context.Context, from, to string) ([]analytics.Cost, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT id, day, kind, channel, amount, currency, note, COALESCE(created_by, 0),
    created_at FROM cost_entries WHERE day >= ? AND day <= ? ORDER BY day, id`, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []analytics.Cost
	for rows.Next() {
		var c analytics.Cost
		var day any
		if err := rows.Scan(&c.ID, &day, &c.Kind, &c.Channel, &c.Amount, &c.Currency, &c.Note, &c.CreatedBy, &c.CreatedAt); err != nil {
			return nil, err
		}
		c.Day, c.CreatedAt = dayString(day), c.CreatedAt.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// CampaignCosts adds up the costs of the campaigns started in from..to.
func (s *Store) CampaignCosts(ctx context.Context, from, to time.Time) (int64, error) {
	var n int64
	err := s.readConn().QueryRowContext(ctx, `SELECT COALESCE(SUM(cost), 0) FROM campaigns WHERE started_at >= ? AND started_at < ?`,
		from, to).Scan(&n)
	return n, err
}

// LeadFunnel counts the leads created in from..to per source and
// campaign: all, qualified (or beyond), converted, and converted into a
// deal that was won.
func (s *Store) LeadFunnel(ctx context.Context, from, to time.Time) ([]analytics.FunnelRow, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT l.source, l.campaign, COUNT(*),
    SUM(CASE WHEN l.status IN ('qualified', 'converted') THEN 1 ELSE 0 END),
    SUM(CASE WHEN l.opportunity_id IS NOT NULL THEN 1 ELSE 0 END),
    SUM(CASE WHEN st.kind = 'won' THEN 1 ELSE 0 END)
FROM leads l LEFT JOIN opportunities o ON o.id = l.opportunity_id LEFT JOIN pipeline_stages st ON st.id = o.stage_id
WHERE l.created_at >= ? AND l.created_at < ? GROUP BY l.source, l.campaign ORDER BY COUNT(*) DESC, l.source, l.campaign`, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []analytics.FunnelRow
	for rows.Next() {
		var r analytics.FunnelRow
		if err := rows.Scan(&r.Source, &r.Campaign, &r.Leads, &r.Qualified, &r.Opportunities, &r.Won); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RepPerformance sums the deals won and lost in from..to per owner.
func (s *Store) RepPerformance(ctx context.Context, from, to time.Time) ([]analytics.RepRow, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT o.owner_id, COALESCE(u.name, ''), o.currency,
    SUM(CASE WHEN st.kind = 'won' THEN 1 ELSE 0 END), SUM(CASE WHEN st.kind = 'won' THEN o.amount * 100 ELSE 0 END),
    SUM(CASE WHEN st.kind = 'lost' THEN 1 ELSE 0 END)
FROM opportunities o JOIN pipeline_stages st ON st.id = o.stage_id LEFT JOIN users u ON u.id = o.owner_id
WHERE o.closed_at >= ? AND o.closed_at < ? AND o.deleted_at IS NULL AND o.owner_id IS NOT NULL
GROUP BY o.owner_id, u.name, o.currency ORDER BY 5 DESC, o.owner_id`, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []analytics.RepRow
	for rows.Next() {
		var r analytics.RepRow
		if err := rows.Scan(&r.UserID, &r.Name, &r.Currency, &r.Won, &r.WonAmount, &r.Lost); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Cohorts counts, per month of first purchase since from, the customers
// who bought in each later month (0: the first month).
func (s *Store) Cohorts(ctx context.Context, from time.Time) ([]analytics.Cohort, error) {
	month := func(col string) string {
		if s.engine == Postgres {
			return fmt.Sprintf("to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM')", col)
		}
		return fmt.Sprintf("strftime('%%Y-%%m', %s)", col)
	}
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+month("c.first_order_at")+`, `+month("o.ordered_at")+`,
    COUNT(DISTINCT o.customer_id)
FROM orders o JOIN customers c ON c.id = o.customer_id
WHERE c.first_order_at >= ? AND o.status = 'placed' AND c.deleted_at IS NULL GROUP BY 1, 2 ORDER BY 1, 2`, from)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []analytics.Cohort
	for rows.Next() {
		var first, m string
		var n int
		if err := rows.Scan(&first, &m, &n); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].Month != first {
			out = append(out, analytics.Cohort{Month: first})
		}
		c := &out[len(out)-1]
		k := monthsBetween(first, m)
		if k < 0 {
			continue
		}
		for len(c.Active) <= k {
			c.Active = append(c.Active, 0)
		}
		c.Active[k] = n
	}
	return out, rows.Err()
}

func monthsBetween(a, b string) int {
	ta, err1 := time.Parse("2006-01", a)
	tb, err2 := time.Parse("2006-01", b)
	if err1 != nil || err2 != nil {
		return -1
	}
	return (tb.Year()-ta.Year())*12 + int(tb.Month()) - int(ta.Month())
}

// StageCounts counts the customers in the churned stage and those in the
// stages customer or churned.
func (s *Store) StageCounts(ctx context.Context) (churned, customers int64, err error) {
	err = s.readConn().QueryRowContext(ctx, `SELECT
    (SELECT COUNT(*) FROM customers WHERE lifecycle_stage = 'churned' AND deleted_at IS NULL),
    (SELECT COUNT(*) FROM customers WHERE lifecycle_stage IN ('customer', 'churned') AND deleted_at IS NULL)`).Scan(&churned, &customers)
	return
}

// KPIMonthly adds up the daily roll-ups of from..to per month.
func (s *Store) KPIMonthly(ctx context.Context, from, to string, metrics ...string) (map[string]map[string]map[string]int64, error) {
	month := "substr(day, 1, 7)"
	if s.engine == Postgres {
		month = "to_char(day, 'YYYY-MM')"
	}
	args := []any{from, to}
	for _, m := range metrics {
		args = append(args, m)
	}
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+month+`, metric, dim, SUM(value) FROM kpi_daily
WHERE day >= ? AND day <= ? AND metric IN (?`+strings.Repeat(", ?", len(metrics)-1)+`) GROUP BY 1, metric, dim`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[string]map[string]int64{}
	for rows.Next() {
		var mo, m, d string
		var v int64
		if err := rows.Scan(&mo, &m, &d, &v); err != nil {
			return nil, err
		}
		if out[mo] == nil {
			out[mo] = map[string]map[string]int64{}
		}
		if out[mo][m] == nil {
			out[mo][m] = map[string]int64{}
		}
		out[mo][m][d] = v
	}
	return out, rows.Err()
}

// DashboardHidden returns the widgets a user hid.
func (s *Store) DashboardHidden(ctx context.Context, userID int64) ([]string, error) {
	var h string
	err := s.readConn().QueryRowContext(ctx, `SELECT hidden FROM dashboard_prefs WHERE user_id = ?`, userID).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) || h == "" {
		return nil, nil
	}
	return strings.Split(h, ","), err
}

// SetDashboardHidden stores the widgets a user hides.
func (s *Store) SetDashboardHidden(ctx context.Context, userID int64, hidden []string) error {
	return s.inTx(ctx, func(t *tx) error {
		_, err := t.c.ExecContext(ctx, `INSERT INTO dashboard_prefs (user_id, hidden) VALUES (?, ?)
ON CONFLICT (user_id) DO UPDATE SET hidden = excluded.hidden`, userID, strings.Join(hidden, ","))
		return err
	})
}
