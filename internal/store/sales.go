package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/sales"
)

// Pipelines returns every pipeline with its stages in order.
func (s *Store) Pipelines(ctx context.Context) ([]sales.Pipeline, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT p.id, p.name, p.position, st.id, st.name, st.position,
    st.probability, st.kind
FROM pipelines p JOIN pipeline_stages st ON st.pipeline_id = p.id ORDER BY p.position, p.id, st.position, st.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sales.Pipeline
	for rows.Next() {
		var p sales.Pipeline
		var st sales.Stage
		if err := rows.Scan(&p.ID, &p.Name, &p.Position, &st.ID, &st.Name, &st.Position, &st.Probability, &st.Kind); err != nil {
			return nil, err
		}
		st.PipelineID = p.ID
		if n := len(out); n == 0 || out[n-1].ID != p.ID {
			out = append(out, p)
		}
		out[len(out)-1].Stages = append(out[len(out)-1].Stages, st)
	}
	return out, rows.Err()
}

const oppColumns = `o.id, o.pipeline_id, o.stage_id, COALESCE(o.customer_id, 0), COALESCE(c.display_name, ''), o.name,
    o.amount, o.currency, o.expected_close, COALESCE(o.owner_id, 0), COALESCE(u.name, ''), COALESCE(o.team_id, 0),
    o.next_step, o.lost_reason, COALESCE(o.created_by, 0), o.created_at, o.updated_at, o.stage_entered_at, o.closed_at`

const oppFrom = ` FROM opportunities o LEFT JOIN customers c ON c.id = o.customer_id LEFT JOIN users u ON u.id = o.owner_id`

func scanOpp(row interface{ Scan(...any) error }) (sales.Opportunity, error) {
	var o sales.Opportunity
	var closed sql.NullTime
	err := row.Scan(&o.ID, &o.PipelineID, &o.StageID, &o.CustomerID, &o.CustomerName, &o.Name, &o.Amount, &o.Currency,
		&o.ExpectedClose, &o.OwnerID, &o.OwnerName, &o.TeamID, &o.NextStep, &o.LostReason, &o.CreatedBy, &o.CreatedAt,
		&o.UpdatedAt, &o.StageEnteredAt, &closed)
	o.CreatedAt, o.UpdatedAt, o.StageEnteredAt, o.ClosedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC(), o.StageEnteredAt.UTC(), timeOf(closed)
	return o, err
}

func (s *Store) queryOpps(ctx context.Context, q conn, query string, args ...any) ([]sales.Opportunity, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sales.Opportunity
	for rows.Next() {
		o, err := scanOpp(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// CreateOpportunity stores a new deal with its first history entry.
func (s *Store) CreateOpportunity(ctx context.Context, o sales.Opportunity, e audit.Entry) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.c.QueryRowContext(ctx, `INSERT INTO opportunities (pipeline_id, stage_id, customer_id, name, amount,
    currency, expected_close, owner_id, team_id, next_step, lost_reason, created_by, created_at, updated_at,
    stage_entered_at, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			o.PipelineID, o.StageID, nullID(o.CustomerID), o.Name, o.Amount, o.Currency, o.ExpectedClose, nullID(o.OwnerID),
			nullID(o.TeamID), o.NextStep, o.LostReason, nullID(o.CreatedBy), o.CreatedAt, o.UpdatedAt, o.StageEnteredAt,
			nullTime(o.ClosedAt)).Scan(&id); err != nil {
			return mapErr(err)
		}
		if _, err := t.c.ExecContext(ctx, `INSERT INTO opportunity_stage_history (opportunity_id, from_stage_id, to_stage_id,
    moved_by, moved_at) VALUES (?, NULL, ?, ?, ?)`, id, o.StageID, nullID(o.CreatedBy), o.CreatedAt); err != nil {
			return err
		}
		e.EntityID = id
		return t.appendAudit(ctx, e)
	})
	return id, err
}

// FindOpportunity returns one live deal.
func (s *Store) FindOpportunity(ctx context.Context, id int64) (sales.Opportunity, error) {
	o, err := scanOpp(s.readConn().QueryRowContext(ctx, `SELECT `+oppColumns+oppFrom+` WHERE o.id = ? AND o.deleted_at IS NULL`, id))
	return o, notFoundOr(err, "Opportunity not found.")
}

// UpdateOpportunity writes a deal's new state, and a stage move to the history.
func (s *Store) UpdateOpportunity(ctx context.Context, id int64,
	change func(cur sales.Opportunity) (sales.Opportunity, audit.Entry, error)) (sales.Opportunity, error) {
	var out sales.Opportunity
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.lockRow(ctx, "opportunities", id); err != nil {
			return notFoundOr(err, "Opportunity not found.")
		}
		cur, err := scanOpp(t.c.QueryRowContext(ctx, `SELECT `+oppColumns+oppFrom+` WHERE o.id = ? AND o.deleted_at IS NULL`, id))
		if err != nil {
			return notFoundOr(err, "Opportunity not found.")
		}
		o, e, err := change(cur)
		if err != nil {
			return err
		}
		if _, err := t.c.ExecContext(ctx, `UPDATE opportunities SET pipeline_id = ?, stage_id = ?, customer_id = ?, name = ?,
    amount = ?, currency = ?, expected_close = ?, owner_id = ?, next_step = ?, lost_reason = ?, updated_at = ?,
    stage_entered_at = ?, closed_at = ? WHERE id = ?`, o.PipelineID, o.StageID, nullID(o.CustomerID), o.Name, o.Amount,
			o.Currency, o.ExpectedClose, nullID(o.OwnerID), o.NextStep, o.LostReason, o.UpdatedAt, o.StageEnteredAt,
			nullTime(o.ClosedAt), id); err != nil {
			return mapErr(err)
		}
		if o.StageID != cur.StageID || o.PipelineID != cur.PipelineID {
			secs := int64(o.UpdatedAt.Sub(cur.StageEnteredAt).Seconds())
			if _, err := t.c.ExecContext(ctx, `INSERT INTO opportunity_stage_history (opportunity_id, from_stage_id,
    to_stage_id, moved_by, moved_at, seconds_in_from) VALUES (?, ?, ?, ?, ?, ?)`, id, cur.StageID, o.StageID,
				nullID(e.ActorID), o.UpdatedAt, max(0, secs)); err != nil {
				return err
			}
		}
		if len(e.Changes) > 0 {
			if err := t.appendAudit(ctx, e); err != nil {
				return err
			}
		}
		out, err = scanOpp(t.c.QueryRowContext(ctx, `SELECT `+oppColumns+oppFrom+` WHERE o.id = ?`, id))
		return err
	})
	return out, err
}

func oppVisibility(w *where, v sales.Visibility) {
	switch v.Scope {
	case auth.ScopeTeam:
		w.add("(o.owner_id = ? OR o.team_id = ?)", v.UserID, v.TeamID)
	case auth.ScopeOwn:
		w.add("o.owner_id = ?", v.UserID)
	}
}

// BoardOpportunities returns a pipeline's open deals and those closed since.
func (s *Store) BoardOpportunities(ctx context.Context, pipelineID int64, closedSince time.Time, v sales.Visibility) ([]sales.Opportunity, error) {
	w := &where{}
	w.add("o.pipeline_id = ?", pipelineID)
	w.add("o.deleted_at IS NULL")
	w.add("(o.closed_at IS NULL OR o.closed_at >= ?)", closedSince)
	oppVisibility(w, v)
	return s.queryOpps(ctx, s.readConn(), `SELECT `+oppColumns+oppFrom+w.sql()+` ORDER BY o.stage_entered_at DESC, o.id DESC`, w.args...)
}

// ChangedOpportunities returns a pipeline's deals changed after since.
func (s *Store) ChangedOpportunities(ctx context.Context, pipelineID int64, since time.Time, v sales.Visibility) ([]sales.Opportunity, error) {
	w := &where{}
	w.add("o.updated_at > ?", since)
	w.add("o.deleted_at IS NULL")
	w.add("(o.pipeline_id = ? OR o.id IN (SELECT h.opportunity_id FROM opportunity_stage_history h WHERE h.moved_at > ?))",
		pipelineID, since)
	oppVisibility(w, v)
	return s.queryOpps(ctx, s.readConn(), `SELECT `+oppColumns+oppFrom+w.sql()+` ORDER BY o.updated_at LIMIT 500`, w.args...)
}

// OpportunityHistory returns a deal's stage moves, oldest first.
func (s *Store) OpportunityHistory(ctx context.Context, id int64) ([]sales.Move, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT h.id, h.opportunity_id, COALESCE(h.from_stage_id, 0), h.to_stage_id,
    COALESCE(h.moved_by, 0), COALESCE(u.name, ''), h.moved_at, h.seconds_in_from
FROM opportunity_stage_history h LEFT JOIN users u ON u.id = h.moved_by WHERE h.opportunity_id = ? ORDER BY h.id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sales.Move
	for rows.Next() {
		var m sales.Move
		if err := rows.Scan(&m.ID, &m.OpportunityID, &m.FromStageID, &m.ToStageID, &m.MovedBy, &m.MovedByName, &m.MovedAt,
			&m.SecondsInFrom); err != nil {
			return nil, err
		}
		m.MovedAt = m.MovedAt.UTC()
		out = append(out, m)
	}
	return out, rows.Err()
}

// ListOpportunities returns deals for the list view, newest first.
func (s *Store) ListOpportunities(ctx context.Context, f sales.Filter, v sales.Visibility) ([]sales.Opportunity, error) {
	w := &where{}
	w.add("o.deleted_at IS NULL")
	if f.PipelineID != 0 {
		w.add("o.pipeline_id = ?", f.PipelineID)
	}
	if f.StageID != 0 {
		w.add("o.stage_id = ?", f.StageID)
	}
	if f.OwnerID != 0 {
		w.add("o.owner_id = ?", f.OwnerID)
	}
	if f.CustomerID != 0 {
		w.add("o.customer_id = ?", f.CustomerID)
	}
	if f.Open {
		w.add("o.closed_at IS NULL")
	}
	oppVisibility(w, v)
	return s.queryOpps(ctx, s.readConn(), `SELECT `+oppColumns+oppFrom+w.sql()+` ORDER BY o.id DESC LIMIT ?`,
		append(w.args, f.Limit)...)
}

// CreatePipeline stores a pipeline with its stages, after the others.
func (s *Store) CreatePipeline(ctx context.Context, p sales.Pipeline, e audit.Entry) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.c.QueryRowContext(ctx, `INSERT INTO pipelines (name, position, created_at)
VALUES (?, (SELECT COALESCE(MAX(position), -1) + 1 FROM pipelines), ?) RETURNING id`, p.Name, e.At).Scan(&id); err != nil {
			return mapErr(err)
		}
		for _, st := range p.Stages {
			if _, err := t.c.ExecContext(ctx, `INSERT INTO pipeline_stages (pipeline_id, name, position, probability, kind)
VALUES (?, ?, ?, ?, ?)`, id, st.Name, st.Position, st.Probability, st.Kind); err != nil {
				return mapErr(err)
			}
		}
		e.EntityID = id
		return t.appendAudit(ctx, e)
	})
	return id, err
}

// DeleteOpportunity marks a deal deleted.
func (s *Store) DeleteOpportunity(ctx context.Context, id int64, at time.Time, e audit.Entry) error {
	return s.inTx(ctx, func(t *tx) error {
		if _, err := t.c.ExecContext(ctx, `UPDATE opportunities SET deleted_at = ?, updated_at = ? WHERE id = ?`, at, at, id); err != nil {
			return err
		}
		return t.appendAudit(ctx, e)
	})
}
