package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/reports"
)

// RunReport runs a report's query (built by the reports package from its
// fixed fields) and reads its rows: the group label as text, then each
// measure as a number (nil when empty).
func (s *Store) RunReport(ctx context.Context, q string, args []any, grouped bool, measures int) ([][]any, error) {
	rows, err := s.readConn().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		var label string
		nums := make([]sql.NullFloat64, measures)
		dest := make([]any, 0, measures+1)
		if grouped {
			dest = append(dest, &label)
		}
		for i := range nums {
			dest = append(dest, &nums[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		row := make([]any, 0, measures+1)
		if grouped {
			row = append(row, label)
		}
		for _, n := range nums {
			if n.Valid {
				row = append(row, n.Float64)
			} else {
				row = append(row, nil)
			}
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// CreateReport saves a report.
func (s *Store) CreateReport(ctx context.Context, r reports.Report, e audit.Entry) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.c.QueryRowContext(ctx, `INSERT INTO reports (name, definition, owner_id, shared, schedule, recipients,
    next_run_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, r.Name,
			reports.MarshalDefinition(r.Definition), r.OwnerID, r.Shared, r.Schedule, strings.Join(r.Recipients, ","),
			nullTime(r.NextRunAt), r.CreatedAt, r.UpdatedAt).Scan(&id); err != nil {
			return err
		}
		e.EntityID = id
		return t.appendAudit(ctx, e)
	})
	return id, err
}

// UpdateReport changes a report.
func (s *Store) UpdateReport(ctx context.Context, r reports.Report, e audit.Entry) error {
	return s.inTx(ctx, func(t *tx) error {
		if _, err := t.c.ExecContext(ctx, `UPDATE reports SET name = ?, definition = ?, shared = ?, schedule = ?, recipients = ?,
    next_run_at = ?, updated_at = ? WHERE id = ?`, r.Name, reports.MarshalDefinition(r.Definition), r.Shared, r.Schedule,
			strings.Join(r.Recipients, ","), nullTime(r.NextRunAt), r.UpdatedAt, r.ID); err != nil {
			return err
		}
		return t.appendAudit(ctx, e)
	})
}

// DeleteReport removes a report.
func (s *Store) DeleteReport(ctx context.Context, id int64, e audit.Entry) error {
	return s.inTx(ctx, func(t *tx) error {
		if _, err := t.c.ExecContext(ctx, `DELETE FROM reports WHERE id = ?`, id); err != nil {
			return err
		}
		return t.appendAudit(ctx, e)
	})
}

const reportColumns = `id, name, definition, owner_id, shared, schedule, recipients, next_run_at, last_sent_at, created_at,
    updated_at FROM reports`

func scanReport(row interface{ Scan(...any) error }) (reports.Report, error) {
	var r reports.Report
	var def, to string
	var next, last sql.NullTime
	if err := row.Scan(&r.ID, &r.Name, &def, &r.OwnerID, &r.Shared, &r.Schedule, &to, &next, &last, &r.CreatedAt,
		&r.UpdatedAt); err != nil {
		return r, err
	}
	d, err := reports.UnmarshalDefinition(def)
	if err != nil {
		return r, err
	}
	r.Definition = d
	if to != "" {
		r.Recipients = strings.Split(to, ",")
	}
	if next.Valid {
		r.NextRunAt = next.Time.UTC()
	}
	if last.Valid {
		r.LastSentAt = last.Time.UTC()
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return r, nil
}

// FindReport returns a report.
func (s *Store) FindReport(ctx context.Context, id int64) (reports.Report, error) {
	r, err := scanReport(s.readConn().QueryRowContext(ctx, `SELECT `+reportColumns+` WHERE id = ?`, id))
	return r, notFoundOr(err, "Report not found.")
}

// Reports lists a user's reports and the shared ones, by name.
func (s *Store) Reports(ctx context.Context, ownerID int64) ([]reports.Report, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+reportColumns+` WHERE owner_id = ? OR shared ORDER BY name, id`, ownerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []reports.Report
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ClaimDueReport moves the earliest due report to its next run time, if
// no other run moved it first, and returns it.
func (s *Store) ClaimDueReport(ctx context.Context, now time.Time, next func(reports.Report) time.Time) (reports.Report, bool, error) {
	var r reports.Report
	claimed := false
	err := s.inTx(ctx, func(t *tx) error {
		var err error
		r, err = scanReport(t.c.QueryRowContext(ctx, `SELECT `+reportColumns+` WHERE next_run_at IS NOT NULL AND next_run_at <= ?
ORDER BY next_run_at, id LIMIT 1`, now))
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return err
		}
		res, err := t.c.ExecContext(ctx, `UPDATE reports SET next_run_at = ? WHERE id = ? AND next_run_at = ?`,
			nullTime(next(r)), r.ID, r.NextRunAt)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		claimed = n == 1
		return nil
	})
	return r, claimed, err
}

// MarkReportSent records when a report last went out.
func (s *Store) MarkReportSent(ctx context.Context, id int64, at time.Time) error {
	return s.inTx(ctx, func(t *tx) error {
		_, err := t.c.ExecContext(ctx, `UPDATE reports SET last_sent_at = ? WHERE id = ?`, at, id)
		return err
	})
}
