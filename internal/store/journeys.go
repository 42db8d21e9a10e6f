package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/marketing"
)

const journeyColumns = `id, name, starts_on, steps, goal, reentry, status, COALESCE(created_by, 0), created_at, updated_at
    FROM journeys`

func scanJourney(row interface{ Scan(...any) error }) (marketing.Journey, error) {
	var j marketing.Journey
	var trigger, steps string
	if err := row.Scan(&j.ID, &j.Name, &trigger, &steps, &j.Goal, &j.Reentry, &j.Status, &j.CreatedBy, &j.CreatedAt,
		&j.UpdatedAt); err != nil {
		return j, err
	}
	j.CreatedAt, j.UpdatedAt = j.CreatedAt.UTC(), j.UpdatedAt.UTC()
	if err := json.Unmarshal([]byte(trigger), &j.Trigger); err != nil {
		return j, fmt.Errorf("store: journey %d trigger: %w", j.ID, err)
	}
	return j, json.Unmarshal([]byte(steps), &j.Steps)
}

// CreateJourney stores a journey (Conflict when the name is taken).
func (s *Store) CreateJourney(ctx context.Context, j marketing.Journey, e audit.Entry) (int64, error) {
	trigger, _ := json.Marshal(j.Trigger)
	steps, _ := json.Marshal(j.Steps)
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.c.QueryRowContext(ctx, `INSERT INTO journeys (name, starts_on, steps, goal, reentry, status, created_by,
    created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, j.Name, string(trigger), string(steps), j.Goal,
			j.Reentry, j.Status, nullID(j.CreatedBy), j.CreatedAt, j.UpdatedAt).Scan(&id); err != nil {
			return mapErr(err)
		}
		e.EntityID = id
		return t.appendAudit(ctx, e)
	})
	return id, err
}

// UpdateJourney stores a journey's new definition.
func (s *Store) UpdateJourney(ctx context.Context, j marketing.Journey, e audit.Entry) error {
	trigger, _ := json.Marshal(j.Trigger)
	steps, _ := json.Marshal(j.Steps)
	return s.inTx(ctx, func(t *tx) error {
		if _, err := t.c.ExecContext(ctx, `UPDATE journeys SET name = ?, starts_on = ?, steps = ?, goal = ?, reentry = ?,
    status = ?, updated_at = ? WHERE id = ?`, j.Name, string(trigger), string(steps), j.Goal, j.Reentry, j.Status, j.UpdatedAt,
			j.ID); err != nil {
			return mapErr(err)
		}
		return t.appendAudit(ctx, e)
	})
}

// Journeys lists the journeys by name.
func (s *Store) Journeys(ctx context.Context) ([]marketing.Journey, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+journeyColumns+` ORDER BY name LIMIT 500`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []marketing.Journey
	for rows.Next() {
		j, err := scanJourney(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// FindJourney returns a journey.
func (s *Store) FindJourney(ctx context.Context, id int64) (marketing.Journey, error) {
	j, err := scanJourney(s.readConn().QueryRowContext(ctx, `SELECT `+journeyColumns+` WHERE id = ?`, id))
	return j, notFoundOr(err, fmt.Sprintf("Journey %d was not found.", id))
}

// Enter starts a customer's run through a journey, unless they are on it
// now, or went through it and may not again.
func (s *Store) Enter(ctx context.Context, journeyID, customerID int64, reentry bool, at time.Time) (bool, error) {
	var n int64
	err := s.inTx(ctx, func(t *tx) error {
		cond := "status = 'active'"
		if !reentry {
			cond = "1 = 1"
		}
		var had int
		if err := t.c.QueryRowContext(ctx, `SELECT COUNT(*) FROM journey_runs WHERE journey_id = ? AND customer_id = ? AND `+cond,
			journeyID, customerID).Scan(&had); err != nil {
			return err
		}
		if had > 0 {
			return nil
		}
		res, err := t.c.ExecContext(ctx, `INSERT INTO journey_runs (journey_id, customer_id, step, status, next_at, entered_at,
    updated_at) VALUES (?, ?, 0, 'active', ?, ?, ?) ON CONFLICT DO NOTHING`, journeyID, customerID, at, at, at)
		if err == nil {
			n, _ = res.RowsAffected()
		}
		return err
	})
	return n == 1, err
}

// SegmentEntrants returns customers matching rules who are not on the
// journey: who never entered it, or (with re-entry) whose last entry is
// over 30 days old and whose run has ended.
func (s *Store) SegmentEntrants(ctx context.Context, journeyID int64, r marketing.Rule, now time.Time, limit int,
	reentry bool) ([]int64, error) {
	w, err := s.segmentWhere(ctx, r, customer.Visibility{Scope: auth.ScopeAll}, now)
	if err != nil {
		return nil, err
	}
	if reentry {
		w.add(`NOT EXISTS (SELECT 1 FROM journey_runs j WHERE j.journey_id = ? AND j.customer_id = c.id
    AND (j.status = 'active' OR j.entered_at > ?))`, journeyID, now.AddDate(0, 0, -30))
	} else {
		w.add("NOT EXISTS (SELECT 1 FROM journey_runs j WHERE j.journey_id = ? AND j.customer_id = c.id)", journeyID)
	}
	rows, err := s.readConn().QueryContext(ctx, `SELECT c.id FROM customers c`+w.sql()+` ORDER BY c.id LIMIT ?`,
		append(w.args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

const runColumns = `id, journey_id, customer_id, step, status, next_at, entered_at, lap FROM journey_runs`

func scanRuns(ctx context.Context, s *Store, query string, args ...any) ([]marketing.Run, error) {
	rows, err := s.readConn().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []marketing.Run
	for rows.Next() {
		var r marketing.Run
		if err := rows.Scan(&r.ID, &r.JourneyID, &r.CustomerID, &r.Step, &r.Status, &r.NextAt, &r.EnteredAt, &r.Lap); err != nil {
			return nil, err
		}
		r.NextAt, r.EnteredAt = r.NextAt.UTC(), r.EnteredAt.UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// DueRuns returns active runs whose next step is due.
func (s *Store) DueRuns(ctx context.Context, now time.Time, limit int) ([]marketing.Run, error) {
	return scanRuns(ctx, s, `SELECT `+runColumns+` WHERE status = 'active' AND next_at <= ? ORDER BY next_at, id LIMIT ?`, now, limit)
}

// JourneyRuns lists a journey's runs, newest first.
func (s *Store) JourneyRuns(ctx context.Context, journeyID int64, limit int) ([]marketing.Run, error) {
	return scanRuns(ctx, s, `SELECT `+runColumns+` WHERE journey_id = ? ORDER BY id DESC LIMIT ?`, journeyID, limit)
}

// Advance moves a run on.
func (s *Store) Advance(ctx context.Context, runID int64, step int, status string, next time.Time) error {
	return s.inTx(ctx, func(t *tx) error {
		_, err := t.c.ExecContext(ctx, `UPDATE journey_runs SET step = ?, status = ?, next_at = ?, updated_at = ? WHERE id = ?`,
			step, status, next, time.Now().UTC(), runID)
		return err
	})
}

// SplitPaths counts each split path's customers and those who reached the
// goal (runs that left the journey other than by going round).
func (s *Store) SplitPaths(ctx context.Context, journeyID int64) ([]marketing.SplitPath, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT l.step, l.outcome, COUNT(DISTINCT r.id),
    COUNT(DISTINCT CASE WHEN r.status = 'exited' AND NOT EXISTS (SELECT 1 FROM journey_log x WHERE x.run_id = r.id
        AND x.action LIKE 'loop%') THEN r.id END)
    FROM journey_log l JOIN journey_runs r ON r.id = l.run_id
    WHERE r.journey_id = ? AND (l.action = 'split' OR l.action LIKE 'split#%')
    GROUP BY l.step, l.outcome ORDER BY l.step, l.outcome`, journeyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []marketing.SplitPath
	for rows.Next() {
		var p marketing.SplitPath
		if err := rows.Scan(&p.Step, &p.Path, &p.Customers, &p.Reached); err != nil {
			return nil, err
		}
		p.Step++ // the log counts steps from 0
		out = append(out, p)
	}
	return out, rows.Err()
}

// Loop moves a run back to an earlier step for another pass.
func (s *Store) Loop(ctx context.Context, runID int64, step, lap int, next time.Time) error {
	return s.inTx(ctx, func(t *tx) error {
		_, err := t.c.ExecContext(ctx, `UPDATE journey_runs SET step = ?, lap = ?, next_at = ?, updated_at = ? WHERE id = ?`,
			step, lap, next, time.Now().UTC(), runID)
		return err
	})
}

// LogStep records a step's action once.
func (s *Store) LogStep(ctx context.Context, runID int64, step int, action, outcome string, at time.Time) (bool, error) {
	var n int64
	err := s.inTx(ctx, func(t *tx) error {
		res, err := t.c.ExecContext(ctx, `INSERT INTO journey_log (run_id, step, action, outcome, at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT DO NOTHING`, runID, step, action, outcome, at)
		if err == nil {
			n, _ = res.RowsAffected()
		}
		return err
	})
	return n == 1, err
}

// CustomerFields reads a customer's template fields and email consent.
func (s *Store) CustomerFields(ctx context.Context, customerID int64) (map[string]string, bool, error) {
	var first, last, name, email, city, country string
	var consent int
	err := s.readConn().QueryRowContext(ctx, `SELECT c.first_name, c.last_name, c.display_name,
    COALESCE((SELECT p.value FROM contact_points p WHERE p.customer_id = c.id AND p.kind = 'email' AND p.is_primary), ''),
    COALESCE(a.city, ''), COALESCE(a.country, ''), CASE WHEN `+consentFor("email")+` THEN 1 ELSE 0 END
    FROM customers c LEFT JOIN customer_addresses a ON a.customer_id = c.id AND a.position = 0
    WHERE c.id = ? AND c.deleted_at IS NULL AND c.erased_at IS NULL`, customerID).Scan(&first, &last, &name, &email, &city,
		&country, &consent)
	if err != nil {
		return nil, false, notFoundOr(err, "Customer not found.")
	}
	return map[string]string{"first_name": first, "last_name": last, "name": name, "email": email, "city": city,
		"country": country, "customer_id": strconv.FormatInt(customerID, 10)}, consent == 1, nil
}

// ClaimRun takes a due run for one runner until a time.
func (s *Store) ClaimRun(ctx context.Context, runID int64, seen, until time.Time) (bool, error) {
	var n int64
	err := s.inTx(ctx, func(t *tx) error {
		res, err := t.c.ExecContext(ctx, `UPDATE journey_runs SET next_at = ? WHERE id = ? AND status = 'active' AND next_at = ?`,
			until, runID, seen)
		if err == nil {
			n, _ = res.RowsAffected()
		}
		return err
	})
	return n == 1, err
}
