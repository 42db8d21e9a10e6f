package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/sales"
)

const leadColumns = `l.id, l.status, l.status_reason, l.first_name, l.last_name, l.company, l.job_title, l.email, l.phone,
    l.country, l.message, l.estimated_value, l.source, l.form_key, l.campaign, l.utm_source, l.utm_medium, l.utm_campaign,
    l.utm_term, l.utm_content, l.score, l.score_reasons, COALESCE(l.owner_id, 0), COALESCE(u.name, ''),
    COALESCE(l.team_id, 0), COALESCE(l.customer_id, 0), COALESCE(l.opportunity_id, 0), l.created_at, l.updated_at,
    l.last_activity_at, l.converted_at`

const leadFrom = ` FROM leads l LEFT JOIN users u ON u.id = l.owner_id`

func scanLead(row interface{ Scan(...any) error }) (sales.Lead, error) {
	var l sales.Lead
	var reasons string
	var converted sql.NullTime
	err := row.Scan(&l.ID, &l.Status, &l.StatusReason, &l.FirstName, &l.LastName, &l.Company, &l.JobTitle, &l.Email,
		&l.Phone, &l.Country, &l.Message, &l.EstimatedValue, &l.Source, &l.FormKey, &l.Campaign, &l.UTM.Source,
		&l.UTM.Medium, &l.UTM.Campaign, &l.UTM.Term, &l.UTM.Content, &l.Score, &reasons, &l.OwnerID, &l.OwnerName,
		&l.TeamID, &l.CustomerID, &l.OpportunityID, &l.CreatedAt, &l.UpdatedAt, &l.LastActivityAt, &converted)
	if err != nil {
		return l, err
	}
	l.CreatedAt, l.UpdatedAt, l.LastActivityAt, l.ConvertedAt = l.CreatedAt.UTC(), l.UpdatedAt.UTC(),
		l.LastActivityAt.UTC(), timeOf(converted)
	if err := json.Unmarshal([]byte(reasons), &l.Reasons); err != nil {
		return l, fmt.Errorf("store: lead score reasons: %w", err)
	}
	return l, nil
}

func reasonsText(rs []sales.ScoreReason) string {
	if rs == nil {
		rs = []sales.ScoreReason{}
	}
	b, _ := json.Marshal(rs)
	return string(b)
}

// CreateLead stores a new lead.
func (s *Store) CreateLead(ctx context.Context, l sales.Lead, e audit.Entry) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.c.QueryRowContext(ctx, `INSERT INTO leads (status, status_reason, first_name, last_name, company,
    job_title, email, phone, country, message, estimated_value, source, form_key, campaign, utm_source, utm_medium,
    utm_campaign, utm_term, utm_content, score, score_reasons, owner_id, team_id, created_at, updated_at,
    last_activity_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			l.Status, l.StatusReason, l.FirstName, l.LastName, l.Company, l.JobTitle, l.Email, l.Phone, l.Country, l.Message,
			l.EstimatedValue, l.Source, l.FormKey, l.Campaign, l.UTM.Source, l.UTM.Medium, l.UTM.Campaign, l.UTM.Term,
			l.UTM.Content, l.Score, reasonsText(l.Reasons), nullID(l.OwnerID), nullID(l.TeamID), l.CreatedAt, l.UpdatedAt,
			l.LastActivityAt).Scan(&id); err != nil {
			return mapErr(err)
		}
		e.EntityID = id
		return t.appendAudit(ctx, e)
	})
	return id, err
}

// FindLead returns one lead.
func (s *Store) FindLead(ctx context.Context, id int64) (sales.Lead, error) {
	l, err := scanLead(s.readConn().QueryRowContext(ctx, `SELECT `+leadColumns+leadFrom+` WHERE l.id = ?`, id))
	return l, notFoundOr(err, "Lead not found.")
}

// UpdateLead runs a read-modify-write of a lead.
func (s *Store) UpdateLead(ctx context.Context, id int64, change func(cur sales.Lead) (sales.Lead, audit.Entry, error)) (sales.Lead, error) {
	var out sales.Lead
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.lockRow(ctx, "leads", id); err != nil {
			return notFoundOr(err, "Lead not found.")
		}
		cur, err := scanLead(t.c.QueryRowContext(ctx, `SELECT `+leadColumns+leadFrom+` WHERE l.id = ?`, id))
		if err != nil {
			return notFoundOr(err, "Lead not found.")
		}
		l, e, err := change(cur)
		if err != nil {
			return err
		}
		if _, err := t.c.ExecContext(ctx, `UPDATE leads SET status = ?, status_reason = ?, job_title = ?, phone = ?,
    message = ?, estimated_value = ?, score = ?, score_reasons = ?, owner_id = ?, customer_id = ?, opportunity_id = ?,
    updated_at = ?, last_activity_at = ?, converted_at = ? WHERE id = ?`, l.Status, l.StatusReason, l.JobTitle, l.Phone,
			l.Message, l.EstimatedValue, l.Score, reasonsText(l.Reasons), nullID(l.OwnerID), nullID(l.CustomerID),
			nullID(l.OpportunityID), l.UpdatedAt, l.LastActivityAt, nullTime(l.ConvertedAt), id); err != nil {
			return mapErr(err)
		}
		if len(e.Changes) > 0 {
			if err := t.appendAudit(ctx, e); err != nil {
				return err
			}
		}
		out, err = scanLead(t.c.QueryRowContext(ctx, `SELECT `+leadColumns+leadFrom+` WHERE l.id = ?`, id))
		return err
	})
	return out, err
}

// ListLeads returns leads a reader may see, newest first.
func (s *Store) ListLeads(ctx context.Context, f sales.LeadFilter, v sales.Visibility) ([]sales.Lead, error) {
	w := &where{}
	if f.Status != "" {
		w.add("l.status = ?", f.Status)
	} else {
		w.add("l.status NOT IN ('converted', 'disqualified')")
	}
	if f.OwnerID != 0 {
		w.add("l.owner_id = ?", f.OwnerID)
	}
	switch v.Scope {
	case auth.ScopeTeam:
		w.add("(l.owner_id = ? OR l.team_id = ?)", v.UserID, v.TeamID)
	case auth.ScopeOwn:
		w.add("l.owner_id = ?", v.UserID)
	}
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+leadColumns+leadFrom+w.sql()+` ORDER BY l.id DESC LIMIT ?`,
		append(w.args, f.Limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sales.Lead
	for rows.Next() {
		l, err := scanLead(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// ScoreRules returns the lead scoring rules.
func (s *Store) ScoreRules(ctx context.Context) ([]sales.ScoreRule, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT id, kind, field, op, value, points, label FROM lead_score_rules ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sales.ScoreRule
	for rows.Next() {
		var r sales.ScoreRule
		if err := rows.Scan(&r.ID, &r.Kind, &r.Field, &r.Op, &r.Value, &r.Points, &r.Label); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// CreateLeadForm stores a web form.
func (s *Store) CreateLeadForm(ctx context.Context, f sales.LeadForm, e audit.Entry) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.c.QueryRowContext(ctx, `INSERT INTO lead_forms (form_key, name, team_id, campaign, active, created_at)
VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, f.Key, f.Name, nullID(f.TeamID), f.Campaign, f.Active, f.CreatedAt).Scan(&id); err != nil {
			return mapErr(err)
		}
		e.EntityID = id
		return t.appendAudit(ctx, e)
	})
	return id, err
}

func (s *Store) queryForms(ctx context.Context, cond string, args ...any) ([]sales.LeadForm, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT id, form_key, name, COALESCE(team_id, 0), campaign, active, created_at
FROM lead_forms`+cond+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sales.LeadForm
	for rows.Next() {
		var f sales.LeadForm
		if err := rows.Scan(&f.ID, &f.Key, &f.Name, &f.TeamID, &f.Campaign, &f.Active, &f.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// LeadFormByKey returns a form by its public key.
func (s *Store) LeadFormByKey(ctx context.Context, key string) (sales.LeadForm, error) {
	fs, err := s.queryForms(ctx, ` WHERE form_key = ?`, key)
	if err != nil {
		return sales.LeadForm{}, err
	}
	if len(fs) == 0 {
		return sales.LeadForm{}, notFoundOr(sql.ErrNoRows, "Form not found.")
	}
	return fs[0], nil
}

// LeadForms lists the forms.
func (s *Store) LeadForms(ctx context.Context) ([]sales.LeadForm, error) {
	return s.queryForms(ctx, "")
}

// TerritoryTeam returns the team that receives a country's leads.
func (s *Store) TerritoryTeam(ctx context.Context, country string) (int64, error) {
	var id int64
	err := s.readConn().QueryRowContext(ctx, `SELECT team_id FROM lead_territories WHERE country = ?`, country).Scan(&id)
	return id, notFoundOr(err, "No territory.")
}

// AssignableReps returns a team's active sales representatives with their
// open leads and their latest lead.
func (s *Store) AssignableReps(ctx context.Context, teamID int64) ([]sales.Rep, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT u.id,
    (SELECT COUNT(*) FROM leads l WHERE l.owner_id = u.id AND l.status NOT IN ('converted', 'disqualified')),
    (SELECT COALESCE(MAX(l.id), 0) FROM leads l WHERE l.owner_id = u.id)
FROM users u WHERE u.team_id = ? AND u.active AND u.role = 'sales' ORDER BY u.id`, teamID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sales.Rep
	for rows.Next() {
		r := sales.Rep{TeamID: teamID}
		if err := rows.Scan(&r.ID, &r.OpenLeads, &r.LastLead); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// LeadIDByEmail returns the newest lead with an email address.
func (s *Store) LeadIDByEmail(ctx context.Context, email string) (int64, error) {
	var id int64
	err := s.readConn().QueryRowContext(ctx, `SELECT id FROM leads WHERE email = ? ORDER BY id DESC LIMIT 1`, email).Scan(&id)
	return id, notFoundOr(err, "No lead.")
}

// ReplaceScoreRules swaps the scoring rules in one transaction.
func (s *Store) ReplaceScoreRules(ctx context.Context, rules []sales.ScoreRule, e audit.Entry) error {
	return s.inTx(ctx, func(t *tx) error {
		if _, err := t.c.ExecContext(ctx, `DELETE FROM lead_score_rules`); err != nil {
			return err
		}
		for _, r := range rules {
			if _, err := t.c.ExecContext(ctx, `INSERT INTO lead_score_rules (kind, field, op, value, points, label)
VALUES (?, ?, ?, ?, ?, ?)`, r.Kind, r.Field, r.Op, r.Value, r.Points, r.Label); err != nil {
				return err
			}
		}
		return t.appendAudit(ctx, e)
	})
}

// SetTerritory routes a country's leads to a team; team 0 removes the route.
func (s *Store) SetTerritory(ctx context.Context, country string, teamID int64, e audit.Entry) error {
	return s.inTx(ctx, func(t *tx) error {
		var err error
		if teamID == 0 {
			_, err = t.c.ExecContext(ctx, `DELETE FROM lead_territories WHERE country = ?`, country)
		} else {
			_, err = t.c.ExecContext(ctx, `INSERT INTO lead_territories (country, team_id) VALUES (?, ?)
ON CONFLICT (country) DO UPDATE SET team_id = excluded.team_id`, country, teamID)
		}
		if err != nil {
			return mapErr(err)
		}
		return t.appendAudit(ctx, e)
	})
}
