package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/support"
)

// CreateCalendar stores business hours.
func (s *Store) CreateCalendar(ctx context.Context, c support.Calendar, e audit.Entry) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		hours, _ := json.Marshal(c.Hours)
		hol, _ := json.Marshal(nonNil(c.Holidays))
		if err := t.c.QueryRowContext(ctx, `INSERT INTO business_calendars (name, time_zone, hours, holidays, created_at)
    VALUES (?, ?, ?, ?, ?) RETURNING id`, c.Name, c.TimeZone, string(hours), string(hol), e.At).Scan(&id); err != nil {
			if fault.Is(mapErr(err), fault.Conflict) {
				return fault.New(fault.Conflict, "A calendar named %q exists already.", c.Name)
			}
			return mapErr(err)
		}
		e.EntityID = id
		return t.appendAudit(ctx, e)
	})
	return id, err
}

// Calendars lists the business-hours calendars.
func (s *Store) Calendars(ctx context.Context) ([]support.Calendar, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT id, name, time_zone, hours, holidays FROM business_calendars ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []support.Calendar
	for rows.Next() {
		var c support.Calendar
		var hours, hol string
		if err := rows.Scan(&c.ID, &c.Name, &c.TimeZone, &hours, &hol); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(hours), &c.Hours); err != nil {
			return nil, fmt.Errorf("store: calendar %d hours: %w", c.ID, err)
		}
		_ = json.Unmarshal([]byte(hol), &c.Holidays)
		out = append(out, c)
	}
	return out, rows.Err()
}

// CreatePolicy stores an SLA policy after the others.
func (s *Store) CreatePolicy(ctx context.Context, p support.Policy, e audit.Entry) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		esc, _ := json.Marshal(p.Escalations)
		if p.Position == 0 {
			if err := t.c.QueryRowContext(ctx, `SELECT COALESCE(MAX(position), 0) + 1 FROM sla_policies`).Scan(&p.Position); err != nil {
				return err
			}
		}
		if err := t.c.QueryRowContext(ctx, `INSERT INTO sla_policies (name, position, case_type, priority, tier,
    first_response_secs, next_response_secs, resolution_secs, calendar_id, escalations, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, p.Name, p.Position, p.Type, p.Priority, p.Tier,
			int64(p.FirstResponse/time.Second), int64(p.NextResponse/time.Second), int64(p.Resolution/time.Second),
			nullID(p.CalendarID), string(esc), p.CreatedAt).Scan(&id); err != nil {
			return mapErr(err)
		}
		e.EntityID = id
		e.Changes = []audit.Change{{Field: "name", New: p.Name}, {Field: "escalations", New: string(esc)}}
		return t.appendAudit(ctx, e)
	})
	return id, err
}

// Policies lists the SLA policies in the order they are tried.
func (s *Store) Policies(ctx context.Context) ([]support.Policy, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT id, name, position, case_type, priority, tier, first_response_secs,
    next_response_secs, resolution_secs, COALESCE(calendar_id, 0), escalations, created_at FROM sla_policies ORDER BY position, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []support.Policy
	for rows.Next() {
		var p support.Policy
		var fr, nr, res int64
		var esc string
		if err := rows.Scan(&p.ID, &p.Name, &p.Position, &p.Type, &p.Priority, &p.Tier, &fr, &nr, &res, &p.CalendarID,
			&esc, &p.CreatedAt); err != nil {
			return nil, err
		}
		p.FirstResponse, p.NextResponse, p.Resolution = time.Duration(fr)*time.Second, time.Duration(nr)*time.Second,
			time.Duration(res)*time.Second
		if err := json.Unmarshal([]byte(esc), &p.Escalations); err != nil {
			return nil, fmt.Errorf("store: policy %d escalations: %w", p.ID, err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// RecordSLAFiring notes that an escalation rule fired for a due time, once.
func (s *Store) RecordSLAFiring(ctx context.Context, caseID int64, rule int, metric string, due, at time.Time) (bool, error) {
	var n int64
	err := s.inTx(ctx, func(t *tx) error {
		res, err := t.c.ExecContext(ctx, `INSERT INTO sla_firings (case_id, rule, metric, due_at, fired_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT DO NOTHING`, caseID, rule, metric, due.UTC(), at)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n > 0, err
}

// RecordBreach keeps a missed target, once.
func (s *Store) RecordBreach(ctx context.Context, b support.Breach) (bool, error) {
	var n int64
	err := s.inTx(ctx, func(t *tx) error {
		res, err := t.c.ExecContext(ctx, `INSERT INTO sla_breaches (case_id, metric, due_at, breached_at) VALUES (?, ?, ?, ?)
ON CONFLICT DO NOTHING`, b.CaseID, b.Metric, b.DueAt.UTC(), b.BreachedAt)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n > 0, err
}

// Breaches returns a case's missed targets.
func (s *Store) Breaches(ctx context.Context, caseID int64) ([]support.Breach, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT case_id, metric, due_at, breached_at FROM sla_breaches
    WHERE case_id = ? ORDER BY id`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []support.Breach
	for rows.Next() {
		var b support.Breach
		if err := rows.Scan(&b.CaseID, &b.Metric, &b.DueAt, &b.BreachedAt); err != nil {
			return nil, err
		}
		b.DueAt, b.BreachedAt = b.DueAt.UTC(), b.BreachedAt.UTC()
		out = append(out, b)
	}
	return out, rows.Err()
}

// SetSLANextCheck stores when a case's escalations must next be looked at.
func (s *Store) SetSLANextCheck(ctx context.Context, caseID int64, at time.Time) error {
	return s.inTx(ctx, func(t *tx) error {
		_, err := t.c.ExecContext(ctx, `UPDATE cases SET sla_next_check = ? WHERE id = ?`, nullTime(at), caseID)
		return err
	})
}

// CasesToCheck returns cases whose escalation check time has come.
func (s *Store) CasesToCheck(ctx context.Context, now time.Time, limit int) ([]int64, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT id FROM cases WHERE sla_next_check IS NOT NULL AND sla_next_check <= ?
    ORDER BY sla_next_check LIMIT ?`, now, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
