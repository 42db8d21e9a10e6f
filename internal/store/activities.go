package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/sales"
)

const activityColumns = `a.id, a.kind, a.subject, a.notes, a.due_at, a.remind_at, a.reminded_at, a.done_at, a.recurrence,
    a.attendees, COALESCE(a.owner_id, 0), COALESCE(u.name, ''), COALESCE(a.team_id, 0), COALESCE(a.customer_id, 0),
    COALESCE(c.display_name, ''), COALESCE(a.lead_id, 0), COALESCE(a.opportunity_id, 0), COALESCE(a.interaction_id, 0),
    COALESCE(a.created_by, 0), a.created_at, a.updated_at`

const activityFrom = ` FROM activities a LEFT JOIN users u ON u.id = a.owner_id LEFT JOIN customers c ON c.id = a.customer_id`

func scanActivity(row interface{ Scan(...any) error }) (sales.Activity, error) {
	var x sales.Activity
	var due, remind, reminded, done sql.NullTime
	var attendees string
	err := row.Scan(&x.ID, &x.Kind, &x.Subject, &x.Notes, &due, &remind, &reminded, &done, &x.Recurrence, &attendees,
		&x.OwnerID, &x.OwnerName, &x.TeamID, &x.CustomerID, &x.CustomerName, &x.LeadID, &x.OpportunityID, &x.InteractionID,
		&x.CreatedBy, &x.CreatedAt, &x.UpdatedAt)
	if err != nil {
		return x, err
	}
	x.DueAt, x.RemindAt, x.RemindedAt, x.DoneAt = timeOf(due), timeOf(remind), timeOf(reminded), timeOf(done)
	x.CreatedAt, x.UpdatedAt = x.CreatedAt.UTC(), x.UpdatedAt.UTC()
	if err := json.Unmarshal([]byte(attendees), &x.Attendees); err != nil {
		return x, fmt.Errorf("store: activity attendees: %w", err)
	}
	return x, nil
}

func attendeesText(ids []int64) string {
	if ids == nil {
		ids = []int64{}
	}
	b, _ := json.Marshal(ids)
	return string(b)
}

// CreateActivity stores a new activity.
func (s *Store) CreateActivity(ctx context.Context, x sales.Activity, e audit.Entry) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.c.QueryRowContext(ctx, `INSERT INTO activities (kind, subject, notes, due_at, remind_at, recurrence,
    attendees, owner_id, team_id, customer_id, lead_id, opportunity_id, created_by, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, x.Kind, x.Subject, x.Notes, nullTime(x.DueAt),
			nullTime(x.RemindAt), x.Recurrence, attendeesText(x.Attendees), nullID(x.OwnerID), nullID(x.TeamID),
			nullID(x.CustomerID), nullID(x.LeadID), nullID(x.OpportunityID), nullID(x.CreatedBy), x.CreatedAt,
			x.UpdatedAt).Scan(&id); err != nil {
			return mapErr(err)
		}
		e.EntityID = id
		return t.appendAudit(ctx, e)
	})
	return id, err
}

// FindActivity returns one activity.
func (s *Store) FindActivity(ctx context.Context, id int64) (sales.Activity, error) {
	x, err := scanActivity(s.readConn().QueryRowContext(ctx, `SELECT `+activityColumns+activityFrom+` WHERE a.id = ?`, id))
	return x, notFoundOr(err, "Activity not found.")
}

// UpdateActivity runs a read-modify-write of an activity.
func (s *Store) UpdateActivity(ctx context.Context, id int64, change func(cur sales.Activity) (sales.Activity, audit.Entry, error)) (sales.Activity, error) {
	var out sales.Activity
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.lockRow(ctx, "activities", id); err != nil {
			return notFoundOr(err, "Activity not found.")
		}
		cur, err := scanActivity(t.c.QueryRowContext(ctx, `SELECT `+activityColumns+activityFrom+` WHERE a.id = ?`, id))
		if err != nil {
			return notFoundOr(err, "Activity not found.")
		}
		x, e, err := change(cur)
		if err != nil {
			return err
		}
		if _, err := t.c.ExecContext(ctx, `UPDATE activities SET kind = ?, subject = ?, notes = ?, due_at = ?, remind_at = ?,
    reminded_at = ?, done_at = ?, recurrence = ?, attendees = ?, owner_id = ?, customer_id = ?, lead_id = ?,
    opportunity_id = ?, interaction_id = ?, updated_at = ? WHERE id = ?`, x.Kind, x.Subject, x.Notes, nullTime(x.DueAt),
			nullTime(x.RemindAt), nullTime(x.RemindedAt), nullTime(x.DoneAt), x.Recurrence, attendeesText(x.Attendees),
			nullID(x.OwnerID), nullID(x.CustomerID), nullID(x.LeadID), nullID(x.OpportunityID), nullID(x.InteractionID),
			x.UpdatedAt, id); err != nil {
			return mapErr(err)
		}
		if len(e.Changes) > 0 {
			if err := t.appendAudit(ctx, e); err != nil {
				return err
			}
		}
		out, err = scanActivity(t.c.QueryRowContext(ctx, `SELECT `+activityColumns+activityFrom+` WHERE a.id = ?`, id))
		return err
	})
	return out, err
}

// ListActivities returns activities, soonest due first (undated last).
func (s *Store) ListActivities(ctx context.Context, f sales.ActivityFilter, v sales.Visibility) ([]sales.Activity, error) {
	w := &where{}
	if f.OwnerID != 0 {
		w.add("a.owner_id = ?", f.OwnerID)
	}
	if f.CustomerID != 0 {
		w.add("a.customer_id = ?", f.CustomerID)
	}
	if f.Open {
		w.add("a.done_at IS NULL")
	}
	if !f.DueBefore.IsZero() {
		w.add("a.due_at < ?", f.DueBefore)
	}
	switch v.Scope {
	case auth.ScopeTeam:
		w.add("(a.owner_id = ? OR a.team_id = ?)", v.UserID, v.TeamID)
	case auth.ScopeOwn:
		w.add("a.owner_id = ?", v.UserID)
	}
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+activityColumns+activityFrom+w.sql()+`
ORDER BY CASE WHEN a.due_at IS NULL THEN 1 ELSE 0 END, a.due_at, a.id LIMIT ?`, append(w.args, f.Limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sales.Activity
	for rows.Next() {
		x, err := scanActivity(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// MarkReminded records a reminder as sent and notifies, once.
func (s *Store) MarkReminded(ctx context.Context, id int64, at time.Time, title, body, link string) (bool, error) {
	sent := false
	err := s.inTx(ctx, func(t *tx) error {
		res, err := t.c.ExecContext(ctx, `UPDATE activities SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL
AND done_at IS NULL`, at, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		x, err := scanActivity(t.c.QueryRowContext(ctx, `SELECT `+activityColumns+activityFrom+` WHERE a.id = ?`, id))
		if err != nil {
			return err
		}
		to := append([]int64{x.OwnerID}, x.Attendees...)
		seen := map[int64]bool{}
		for _, uid := range to {
			if uid == 0 || seen[uid] {
				continue
			}
			seen[uid] = true
			if _, err := t.c.ExecContext(ctx, `INSERT INTO notifications (user_id, kind, title, body, link, created_at)
VALUES (?, 'reminder', ?, ?, ?, ?)`, uid, title, body, link, at); err != nil {
				return err
			}
		}
		sent = true
		return nil
	})
	return sent, err
}
