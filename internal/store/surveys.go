package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/support"
)

const surveyColumns = `id, kind, token, COALESCE(case_id, 0), customer_id, COALESCE(agent_id, 0), COALESCE(queue_id, 0),
    sent_at, answered_at, COALESCE(score, -1), comment, COALESCE(follow_up, 0), COALESCE(form_id, 0), email, answers,
    mailed_at FROM surveys`

func scanSurvey(row interface{ Scan(...any) error }) (support.Survey, error) {
	var sv support.Survey
	var answered, mailed sql.NullTime
	var answers string
	err := row.Scan(&sv.ID, &sv.Kind, &sv.Token, &sv.CaseID, &sv.CustomerID, &sv.AgentID, &sv.QueueID, &sv.SentAt, &answered,
		&sv.Score, &sv.Comment, &sv.FollowUp, &sv.FormID, &sv.Email, &answers, &mailed)
	if err != nil {
		return sv, err
	}
	sv.AnsweredAt, sv.MailedAt, sv.SentAt = timeOf(answered), timeOf(mailed), sv.SentAt.UTC()
	if answers != "" && answers != "{}" {
		if err := json.Unmarshal([]byte(answers), &sv.Answers); err != nil {
			return sv, fmt.Errorf("store: survey %d answers: %w", sv.ID, err)
		}
	}
	return sv, nil
}

// CreateSurvey stores a survey sent (Conflict when the case has one of the kind).
func (s *Store) CreateSurvey(ctx context.Context, sv support.Survey) (support.Survey, error) {
	err := s.inTx(ctx, func(t *tx) error {
		return mapErr(t.c.QueryRowContext(ctx, `INSERT INTO surveys (kind, token, case_id, customer_id, agent_id, queue_id, sent_at)
    VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, sv.Kind, sv.Token, nullID(sv.CaseID), sv.CustomerID, nullID(sv.AgentID),
			nullID(sv.QueueID), sv.SentAt).Scan(&sv.ID))
	})
	sv.Score = -1
	return sv, err
}

// SurveyByToken returns a survey by its secret token.
func (s *Store) SurveyByToken(ctx context.Context, token string) (support.Survey, error) {
	sv, err := scanSurvey(s.readConn().QueryRowContext(ctx, `SELECT `+surveyColumns+` WHERE token = ?`, token))
	return sv, notFoundOr(err, "Survey not found.")
}

// AnswerSurvey records a score and comment.
func (s *Store) AnswerSurvey(ctx context.Context, id int64, score int, comment string, at time.Time) error {
	return s.inTx(ctx, func(t *tx) error {
		_, err := t.c.ExecContext(ctx, `UPDATE surveys SET score = ?, comment = ?, answered_at = ? WHERE id = ?`, score, comment, at, id)
		return err
	})
}

// SetSurveyFollowUp links the task opened for a low answer.
func (s *Store) SetSurveyFollowUp(ctx context.Context, id, activityID int64) error {
	return s.inTx(ctx, func(t *tx) error {
		_, err := t.c.ExecContext(ctx, `UPDATE surveys SET follow_up = ? WHERE id = ?`, activityID, id)
		return err
	})
}

// SatisfactionBy averages answered surveys per agent or queue since a time.
func (s *Store) SatisfactionBy(ctx context.Context, kind, by string, since time.Time) ([]support.Satisfaction, error) {
	key, join := "v.agent_id", "LEFT JOIN users x ON x.id = v.agent_id"
	if by == "queue" {
		key, join = "v.queue_id", "LEFT JOIN queues x ON x.id = v.queue_id"
	}
	if kind != "csat" && kind != "nps" {
		return nil, fault.Field("kind", "must be csat or nps")
	}
	rows, err := s.readConn().QueryContext(ctx, `SELECT COALESCE(`+key+`, 0), COALESCE(MAX(x.name), ''), COUNT(*),
    AVG(CAST(v.score AS REAL)), SUM(CASE WHEN v.score >= 9 THEN 1 ELSE 0 END), SUM(CASE WHEN v.score <= 6 THEN 1 ELSE 0 END)
    FROM surveys v `+join+` WHERE v.kind = ? AND v.answered_at IS NOT NULL AND v.answered_at >= ?
    GROUP BY `+key+` ORDER BY 1`, kind, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []support.Satisfaction
	for rows.Next() {
		var x support.Satisfaction
		var promoters, detractors int
		if err := rows.Scan(&x.Key, &x.Name, &x.Answers, &x.Average, &promoters, &detractors); err != nil {
			return nil, err
		}
		if kind == "nps" && x.Answers > 0 {
			x.NPS = 100 * float64(promoters-detractors) / float64(x.Answers)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// CustomerServiceStats sums up a customer's cases, breaches and CSAT.
func (s *Store) CustomerServiceStats(ctx context.Context, customerID int64) (support.CustomerService, error) {
	var st support.CustomerService
	var avg sql.NullFloat64
	var nps sql.NullInt64
	err := s.readConn().QueryRowContext(ctx, `SELECT
    (SELECT COUNT(*) FROM cases WHERE customer_id = ? AND status IN ('new', 'open', 'pending')),
    (SELECT COUNT(*) FROM cases WHERE customer_id = ? AND status IN ('resolved', 'closed') AND merged_into IS NULL),
    (SELECT COUNT(DISTINCT b.case_id) FROM sla_breaches b JOIN cases k ON k.id = b.case_id WHERE k.customer_id = ?
        AND k.status IN ('resolved', 'closed')),
    (SELECT AVG(CAST(score AS REAL)) FROM surveys WHERE customer_id = ? AND kind = 'csat' AND score IS NOT NULL),
    (SELECT COUNT(*) FROM surveys WHERE customer_id = ? AND kind = 'csat' AND score IS NOT NULL),
    (SELECT score FROM surveys WHERE customer_id = ? AND kind = 'nps' AND score IS NOT NULL ORDER BY answered_at DESC, id DESC LIMIT 1)`,
		customerID, customerID, customerID, customerID, customerID, customerID).Scan(&st.Open, &st.Resolved, &st.Breached, &avg,
		&st.CSATCount, &nps)
	st.CSAT = avg.Float64
	st.NPS = -1
	if nps.Valid {
		st.NPS = int(nps.Int64)
	}
	return st, err
}
