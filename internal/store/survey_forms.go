package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/support"
)

const formColumns = `id, name, kind, intro, questions, audience, every_days, quiet_days, active, next_run_at, last_run_at,
    running_since, run_cursor, COALESCE(created_by, 0), created_at, updated_at FROM survey_forms`

func scanForm(row interface{ Scan(...any) error }) (support.SurveyForm, error) {
	var f support.SurveyForm
	var questions, audience string
	var next, last, running sql.NullTime
	err := row.Scan(&f.ID, &f.Name, &f.Kind, &f.Intro, &questions, &audience, &f.EveryDays, &f.QuietDays, &f.Active, &next,
		&last, &running, &f.RunCursor, &f.CreatedBy, &f.CreatedAt, &f.UpdatedAt)
	if err != nil {
		return f, err
	}
	f.NextRunAt, f.LastRunAt, f.RunningSince = timeOf(next), timeOf(last), timeOf(running)
	f.CreatedAt, f.UpdatedAt = f.CreatedAt.UTC(), f.UpdatedAt.UTC()
	if err := json.Unmarshal([]byte(questions), &f.Questions); err != nil {
		return f, fmt.Errorf("store: survey form %d questions: %w", f.ID, err)
	}
	if err := json.Unmarshal([]byte(audience), &f.Audience); err != nil {
		return f, fmt.Errorf("store: survey form %d audience: %w", f.ID, err)
	}
	return f, nil
}

func formJSON(f support.SurveyForm) (string, string) {
	q, _ := json.Marshal(f.Questions)
	if f.Questions == nil {
		q = []byte("[]")
	}
	a, _ := json.Marshal(f.Audience)
	return string(q), string(a)
}

// CreateSurveyForm stores a survey form (Conflict when the name is taken).
func (s *Store) CreateSurveyForm(ctx context.Context, f support.SurveyForm, e audit.Entry) (int64, error) {
	var id int64
	q, a := formJSON(f)
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.c.QueryRowContext(ctx, `INSERT INTO survey_forms (name, kind, intro, questions, audience, every_days,
    quiet_days, active, next_run_at, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    RETURNING id`, f.Name, f.Kind, f.Intro, q, a, f.EveryDays, f.QuietDays, f.Active, nullTime(f.NextRunAt),
			nullID(f.CreatedBy), f.CreatedAt, f.UpdatedAt).Scan(&id); err != nil {
			return mapErr(err)
		}
		e.EntityID = id
		return t.appendAudit(ctx, e)
	})
	return id, err
}

// UpdateSurveyForm stores a form's new settings.
func (s *Store) UpdateSurveyForm(ctx context.Context, f support.SurveyForm, e audit.Entry) error {
	q, a := formJSON(f)
	return s.inTx(ctx, func(t *tx) error {
		if _, err := t.c.ExecContext(ctx, `UPDATE survey_forms SET name = ?, intro = ?, questions = ?, audience = ?,
    every_days = ?, quiet_days = ?, active = ?, next_run_at = ?, updated_at = ? WHERE id = ?`, f.Name, f.Intro, q, a,
			f.EveryDays, f.QuietDays, f.Active, nullTime(f.NextRunAt), f.UpdatedAt, f.ID); err != nil {
			return mapErr(err)
		}
		return t.appendAudit(ctx, e)
	})
}

// SurveyForms lists the forms by name.
func (s *Store) SurveyForms(ctx context.Context) ([]support.SurveyForm, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+formColumns+` ORDER BY name LIMIT 500`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []support.SurveyForm
	for rows.Next() {
		f, err := scanForm(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// FindSurveyForm returns a form.
func (s *Store) FindSurveyForm(ctx context.Context, id int64) (support.SurveyForm, error) {
	f, err := scanForm(s.readConn().QueryRowContext(ctx, `SELECT `+formColumns+` WHERE id = ?`, id))
	return f, notFoundOr(err, fmt.Sprintf("Survey %d was not found.", id))
}

// StartFormRuns starts the runs of active forms that are due and returns
// every form with a run in progress. A form sent once has no next run; a
// repeating one's next run keeps its cadence (the first of its due times
// after now). Each start is a compare-and-set, so that two instances never
// start the same run.
func (s *Store) StartFormRuns(ctx context.Context, now time.Time) ([]support.SurveyForm, error) {
	err := s.inTx(ctx, func(t *tx) error {
		rows, err := t.c.QueryContext(ctx, `SELECT id, every_days, next_run_at FROM survey_forms
    WHERE active AND running_since IS NULL AND next_run_at IS NOT NULL AND next_run_at <= ?`, now)
		if err != nil {
			return err
		}
		type due struct {
			id   int64
			days int
			at   time.Time
		}
		var ds []due
		for rows.Next() {
			var d due
			if err := rows.Scan(&d.id, &d.days, &d.at); err != nil {
				rows.Close()
				return err
			}
			ds = append(ds, d)
		}
		rows.Close()
		for _, d := range ds {
			var next any
			if d.days > 0 {
				n := d.at
				for !n.After(now) {
					n = n.Add(time.Duration(d.days) * 24 * time.Hour)
				}
				next = n
			}
			if _, err := t.c.ExecContext(ctx, `UPDATE survey_forms SET running_since = ?, run_cursor = 0, next_run_at = ?
    WHERE id = ? AND running_since IS NULL AND next_run_at = ?`, now, next, d.id, d.at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+formColumns+` WHERE running_since IS NOT NULL ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []support.SurveyForm
	for rows.Next() {
		f, err := scanForm(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// StartFormRun starts a run of one form now, unless one is running.
func (s *Store) StartFormRun(ctx context.Context, id int64, now time.Time) (bool, error) {
	var n int64
	err := s.inTx(ctx, func(t *tx) error {
		res, err := t.c.ExecContext(ctx, `UPDATE survey_forms SET running_since = ?, run_cursor = 0
    WHERE id = ? AND running_since IS NULL`, now, id)
		if err == nil {
			n, _ = res.RowsAffected()
		}
		return err
	})
	return n == 1, err
}

// FormAudience returns the next recipients of a form's run.
func (s *Store) FormAudience(ctx context.Context, f support.SurveyForm, quietSince time.Time, afterID int64, limit int) ([]support.Recipient, error) {
	w, err := s.filterWhere(ctx, customer.ListQuery{Tag: f.Audience.Tag, ListID: f.Audience.ListID, Stage: f.Audience.Stage,
		Status: f.Audience.Status, SegmentID: f.Audience.SegmentID, Visibility: customer.Visibility{Scope: auth.ScopeAll}})
	if err != nil {
		return nil, err
	}
	w.add("c.id > ?", afterID)
	w.add("c.erased_at IS NULL")
	w.add("c.merged_into IS NULL")
	w.add(`NOT EXISTS (SELECT 1 FROM surveys v WHERE v.customer_id = c.id AND v.form_id = ? AND v.sent_at > ?)`, f.ID, quietSince)
	// The latest marketing consent on email (or on every channel) is not a withdrawal.
	w.add(`NOT EXISTS (SELECT 1 FROM consent_events e WHERE e.customer_id = c.id AND e.purpose = 'marketing'
    AND e.channel IN ('email', 'all') AND e.status = 'withdrawn' AND NOT EXISTS (SELECT 1 FROM consent_events l
    WHERE l.customer_id = c.id AND l.purpose = 'marketing' AND l.channel IN ('email', 'all')
    AND (l.occurred_at > e.occurred_at OR (l.occurred_at = e.occurred_at AND l.id > e.id))))`)
	rows, err := s.readConn().QueryContext(ctx, `SELECT c.id, cp.value FROM customers c
    JOIN contact_points cp ON cp.customer_id = c.id AND cp.kind = 'email' AND cp.is_primary`+w.sql()+
		` ORDER BY c.id LIMIT ?`, append(w.args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []support.Recipient
	for rows.Next() {
		var r support.Recipient
		if err := rows.Scan(&r.CustomerID, &r.Email); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// AddFormSurveys stores a batch of a run's surveys with the run's cursor.
// A survey the run made already (the same customer and run) is skipped.
func (s *Store) AddFormSurveys(ctx context.Context, formID int64, svs []support.Survey, cursor int64) ([]int64, error) {
	var ids []int64
	err := s.inTx(ctx, func(t *tx) error {
		ids = ids[:0]
		for _, sv := range svs {
			var id int64
			err := t.c.QueryRowContext(ctx, `INSERT INTO surveys (kind, token, customer_id, sent_at, form_id, email)
    VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`, sv.Kind, sv.Token, sv.CustomerID, sv.SentAt, formID,
				sv.Email).Scan(&id)
			if err == sql.ErrNoRows {
				continue
			}
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		_, err := t.c.ExecContext(ctx, `UPDATE survey_forms SET run_cursor = ? WHERE id = ?`, cursor, formID)
		return err
	})
	return ids, err
}

// FinishFormRun ends a form's run.
func (s *Store) FinishFormRun(ctx context.Context, id int64, at time.Time) error {
	return s.inTx(ctx, func(t *tx) error {
		_, err := t.c.ExecContext(ctx, `UPDATE survey_forms SET running_since = NULL, run_cursor = 0, last_run_at = ?
    WHERE id = ?`, at, id)
		return err
	})
}

// FindSurvey returns a survey by id.
func (s *Store) FindSurvey(ctx context.Context, id int64) (support.Survey, error) {
	sv, err := scanSurvey(s.readConn().QueryRowContext(ctx, `SELECT `+surveyColumns+` WHERE id = ?`, id))
	return sv, notFoundOr(err, "Survey not found.")
}

// MarkSurveyMailed records that a survey's email left, once.
func (s *Store) MarkSurveyMailed(ctx context.Context, id int64, at time.Time) (bool, error) {
	var n int64
	err := s.inTx(ctx, func(t *tx) error {
		res, err := t.c.ExecContext(ctx, `UPDATE surveys SET mailed_at = ? WHERE id = ? AND mailed_at IS NULL`, at, id)
		if err == nil {
			n, _ = res.RowsAffected()
		}
		return err
	})
	return n == 1, err
}

// UnmailedSurveys returns form surveys stored before a time and not mailed.
func (s *Store) UnmailedSurveys(ctx context.Context, before time.Time, limit int) ([]int64, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT id FROM surveys WHERE form_id IS NOT NULL AND mailed_at IS NULL
    AND sent_at < ? AND email <> '' ORDER BY id LIMIT ?`, before, limit)
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

// SetSurveyAnswers records a custom survey's answers.
func (s *Store) SetSurveyAnswers(ctx context.Context, id int64, answers map[string]string, at time.Time) error {
	b, _ := json.Marshal(answers)
	return s.inTx(ctx, func(t *tx) error {
		res, err := t.c.ExecContext(ctx, `UPDATE surveys SET answers = ?, answered_at = ? WHERE id = ?`, string(b), at, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fault.New(fault.NotFound, "Survey not found.")
		}
		return nil
	})
}

// FormSurveys returns a form's surveys, newest first.
func (s *Store) FormSurveys(ctx context.Context, formID int64) ([]support.Survey, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+surveyColumns+` WHERE form_id = ? ORDER BY id DESC`, formID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []support.Survey
	for rows.Next() {
		sv, err := scanSurvey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sv)
	}
	return out, rows.Err()
}
