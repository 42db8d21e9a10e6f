package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/support"
)

const caseColumns = `k.id, k.ref, k.subject, k.case_type, k.category, k.priority, k.status, k.channel, k.customer_id,
    COALESCE(cu.display_name, ''), COALESCE((SELECT p.value FROM contact_points p WHERE p.customer_id = k.customer_id
    AND p.kind = 'email' ORDER BY p.is_primary DESC, p.position LIMIT 1), ''), COALESCE(k.queue_id, 0), COALESCE(q.name, ''),
    COALESCE(k.assignee_id, 0), COALESCE(u.name, ''), k.product_sku, COALESCE(k.order_id, 0), COALESCE(k.policy_id, 0),
    k.first_response_due, k.first_responded_at, k.next_response_due, k.resolution_due, k.paused_at, k.resolved_at,
    k.closed_at, k.resolution_code, k.root_cause, k.suggested_category, COALESCE(k.suggested_queue_id, 0),
    COALESCE(k.merged_into, 0), COALESCE(k.parent_id, 0), k.reopened, COALESCE(k.created_by, 0), k.created_at,
    k.updated_at, k.last_customer_at`

const caseFrom = ` FROM cases k JOIN customers cu ON cu.id = k.customer_id LEFT JOIN queues q ON q.id = k.queue_id
    LEFT JOIN users u ON u.id = k.assignee_id`

func scanCase(row interface{ Scan(...any) error }) (support.Case, error) {
	var c support.Case
	var frd, fra, nrd, rd, pa, ra, ca, lca sql.NullTime
	err := row.Scan(&c.ID, &c.Ref, &c.Subject, &c.Type, &c.Category, &c.Priority, &c.Status, &c.Channel, &c.CustomerID,
		&c.CustomerName, &c.CustomerEmail, &c.QueueID, &c.QueueName, &c.AssigneeID, &c.AssigneeName, &c.ProductSKU,
		&c.OrderID, &c.PolicyID, &frd, &fra, &nrd, &rd, &pa, &ra, &ca, &c.ResolutionCode, &c.RootCause,
		&c.SuggestedCategory, &c.SuggestedQueueID, &c.MergedInto, &c.ParentID, &c.Reopened, &c.CreatedBy, &c.CreatedAt,
		&c.UpdatedAt, &lca)
	c.FirstResponseDue, c.FirstRespondedAt, c.NextResponseDue, c.ResolutionDue = timeOf(frd), timeOf(fra), timeOf(nrd), timeOf(rd)
	c.PausedAt, c.ResolvedAt, c.ClosedAt, c.LastCustomerAt = timeOf(pa), timeOf(ra), timeOf(ca), timeOf(lca)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, err
}

func (t *tx) insertCaseMessage(ctx context.Context, caseID int64, m *support.Message) error {
	m.CaseID = caseID
	if err := t.c.QueryRowContext(ctx, `INSERT INTO case_messages (case_id, kind, inbound, internal, auto, author_id,
    from_address, to_address, subject, body, message_id, in_reply_to, refs, recording_url, sent_at, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, caseID, m.Kind, m.Inbound, m.Internal, m.Auto,
		nullID(m.AuthorID), m.From, m.To, m.Subject, m.Body, m.MessageID, m.InReplyTo, m.References, m.RecordingURL,
		nullTime(m.SentAt), m.CreatedAt).Scan(&m.ID); err != nil {
		return mapErr(err)
	}
	for i := range m.Attachments {
		at := &m.Attachments[i]
		at.MessageID, at.CaseID, at.Size = m.ID, caseID, int64(len(at.Data))
		if err := t.c.QueryRowContext(ctx, `INSERT INTO case_attachments (message_id, case_id, name, content_type, size, data)
    VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, m.ID, caseID, at.Name, at.ContentType, at.Size, at.Data).Scan(&at.ID); err != nil {
			return mapErr(err)
		}
	}
	return nil
}

func (t *tx) writeCase(ctx context.Context, c support.Case) error {
	_, err := t.c.ExecContext(ctx, `UPDATE cases SET subject = ?, case_type = ?, category = ?, priority = ?, status = ?,
    customer_id = ?, queue_id = ?, assignee_id = ?, product_sku = ?, order_id = ?, policy_id = ?, first_response_due = ?,
    first_responded_at = ?, next_response_due = ?, resolution_due = ?, paused_at = ?, resolved_at = ?, closed_at = ?,
    resolution_code = ?, root_cause = ?, merged_into = ?, reopened = ?, updated_at = ?, last_customer_at = ? WHERE id = ?`,
		c.Subject, c.Type, c.Category, c.Priority, c.Status, c.CustomerID, nullID(c.QueueID), nullID(c.AssigneeID),
		c.ProductSKU, nullID(c.OrderID), nullID(c.PolicyID), nullTime(c.FirstResponseDue), nullTime(c.FirstRespondedAt),
		nullTime(c.NextResponseDue), nullTime(c.ResolutionDue), nullTime(c.PausedAt), nullTime(c.ResolvedAt),
		nullTime(c.ClosedAt), c.ResolutionCode, c.RootCause, nullID(c.MergedInto), c.Reopened, c.UpdatedAt,
		nullTime(c.LastCustomerAt), c.ID)
	return mapErr(err)
}

// CreateCase stores a new case with its first message.
func (s *Store) CreateCase(ctx context.Context, c support.Case, first *support.Message, e audit.Entry) (support.Case, error) {
	var out support.Case
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.c.QueryRowContext(ctx, `INSERT INTO cases (ref, subject, case_type, category, priority, status, channel,
    customer_id, queue_id, assignee_id, product_sku, order_id, policy_id, first_response_due, resolution_due,
    suggested_category, suggested_queue_id, parent_id, created_by, created_at, updated_at, last_customer_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, c.Ref, c.Subject, c.Type,
			c.Category, c.Priority, c.Status, c.Channel, c.CustomerID, nullID(c.QueueID), nullID(c.AssigneeID), c.ProductSKU,
			nullID(c.OrderID), nullID(c.PolicyID), nullTime(c.FirstResponseDue), nullTime(c.ResolutionDue),
			c.SuggestedCategory, nullID(c.SuggestedQueueID), nullID(c.ParentID), nullID(c.CreatedBy), c.CreatedAt,
			c.UpdatedAt, nullTime(c.LastCustomerAt)).Scan(&c.ID); err != nil {
			return mapErr(err)
		}
		if first != nil {
			if err := t.insertCaseMessage(ctx, c.ID, first); err != nil {
				return err
			}
		}
		e.EntityID = c.ID
		if err := t.appendAudit(ctx, e); err != nil {
			return err
		}
		var err error
		out, err = scanCase(t.c.QueryRowContext(ctx, `SELECT `+caseColumns+caseFrom+` WHERE k.id = ?`, c.ID))
		return err
	})
	return out, err
}

// FindCase returns one case.
func (s *Store) FindCase(ctx context.Context, id int64) (support.Case, error) {
	c, err := scanCase(s.readConn().QueryRowContext(ctx, `SELECT `+caseColumns+caseFrom+` WHERE k.id = ?`, id))
	return c, notFoundOr(err, fmt.Sprintf("Case %d was not found.", id))
}

// UpdateCase runs a read-modify-write of a case, adding msg in the same transaction.
func (s *Store) UpdateCase(ctx context.Context, id int64, msg *support.Message, change func(cur support.Case) (support.Case, audit.Entry, error)) (support.Case, error) {
	var out support.Case
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.lockRow(ctx, "cases", id); err != nil {
			return notFoundOr(err, fmt.Sprintf("Case %d was not found.", id))
		}
		cur, err := scanCase(t.c.QueryRowContext(ctx, `SELECT `+caseColumns+caseFrom+` WHERE k.id = ?`, id))
		if err != nil {
			return notFoundOr(err, fmt.Sprintf("Case %d was not found.", id))
		}
		c, e, err := change(cur)
		if err != nil {
			return err
		}
		c.ID = id
		if err := t.writeCase(ctx, c); err != nil {
			return err
		}
		if msg != nil {
			if err := t.insertCaseMessage(ctx, id, msg); err != nil {
				return err
			}
		}
		if e.Action != "" {
			if err := t.appendAudit(ctx, e); err != nil {
				return err
			}
		}
		out, err = scanCase(t.c.QueryRowContext(ctx, `SELECT `+caseColumns+caseFrom+` WHERE k.id = ?`, id))
		return err
	})
	return out, err
}

// AppendCaseMessage adds a message to a case without changing the case.
func (s *Store) AppendCaseMessage(ctx context.Context, caseID int64, m *support.Message) error {
	return s.inTx(ctx, func(t *tx) error { return t.insertCaseMessage(ctx, caseID, m) })
}

// ListCases returns cases a reader may see, newest first.
func (s *Store) ListCases(ctx context.Context, f support.CaseFilter, v support.Visibility) ([]support.Case, error) {
	w := &where{}
	switch f.Status {
	case "":
	case "active":
		w.add("k.status IN ('new', 'open', 'pending')")
	default:
		w.add("k.status = ?", f.Status)
	}
	if f.QueueID != 0 {
		w.add("k.queue_id = ?", f.QueueID)
	}
	if f.AssigneeID != 0 {
		w.add("k.assignee_id = ?", f.AssigneeID)
	}
	if f.Unassigned {
		w.add("k.assignee_id IS NULL")
	}
	if f.CustomerID != 0 {
		w.add("k.customer_id = ?", f.CustomerID)
	}
	if f.Priority != "" {
		w.add("k.priority = ?", f.Priority)
	}
	if f.AfterID != 0 {
		w.add("k.id < ?", f.AfterID)
	}
	if f.Breached {
		w.add(`k.status IN ('new', 'open') AND ((k.first_response_due < ? AND k.first_responded_at IS NULL)
    OR k.next_response_due < ? OR k.resolution_due < ?)`, f.Now, f.Now, f.Now)
	}
	if t := strings.TrimSpace(f.Text); t != "" {
		w.add("LOWER(k.subject) LIKE ?", "%"+strings.ToLower(t)+"%")
	}
	switch v.Scope {
	case auth.ScopeTeam:
		w.add("(cu.owner_id = ? OR cu.team_id = ? OR k.assignee_id = ?)", v.UserID, v.TeamID, v.UserID)
	case auth.ScopeOwn:
		w.add("(cu.owner_id = ? OR k.assignee_id = ?)", v.UserID, v.UserID)
	}
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+caseColumns+caseFrom+w.sql()+` ORDER BY k.id DESC LIMIT ?`,
		append(w.args, f.Limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []support.Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

const caseMessageColumns = `m.id, m.case_id, m.kind, m.inbound, m.internal, m.auto, COALESCE(m.author_id, 0),
    COALESCE(u.name, ''), m.from_address, m.to_address, m.subject, m.body, m.message_id, m.in_reply_to, m.refs,
    m.recording_url, m.sent_at, COALESCE(m.interaction_id, 0), m.created_at
    FROM case_messages m LEFT JOIN users u ON u.id = m.author_id`

func scanCaseMessage(row interface{ Scan(...any) error }) (support.Message, error) {
	var m support.Message
	var sent sql.NullTime
	err := row.Scan(&m.ID, &m.CaseID, &m.Kind, &m.Inbound, &m.Internal, &m.Auto, &m.AuthorID, &m.AuthorName, &m.From,
		&m.To, &m.Subject, &m.Body, &m.MessageID, &m.InReplyTo, &m.References, &m.RecordingURL, &sent, &m.InteractionID,
		&m.CreatedAt)
	m.SentAt, m.CreatedAt = timeOf(sent), m.CreatedAt.UTC()
	return m, err
}

func (s *Store) caseAttachmentsOf(ctx context.Context, cond string, arg int64) (map[int64][]support.Attachment, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT id, message_id, case_id, name, content_type, size FROM case_attachments
    WHERE `+cond+` ORDER BY id`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]support.Attachment{}
	for rows.Next() {
		var a support.Attachment
		if err := rows.Scan(&a.ID, &a.MessageID, &a.CaseID, &a.Name, &a.ContentType, &a.Size); err != nil {
			return nil, err
		}
		out[a.MessageID] = append(out[a.MessageID], a)
	}
	return out, rows.Err()
}

// CaseMessages returns a case's messages, oldest first, with their files listed.
func (s *Store) CaseMessages(ctx context.Context, caseID int64) ([]support.Message, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+caseMessageColumns+` WHERE m.case_id = ? ORDER BY m.id`, caseID)
	if err != nil {
		return nil, err
	}
	var out []support.Message
	for rows.Next() {
		m, err := scanCaseMessage(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	atts, err := s.caseAttachmentsOf(ctx, "case_id = ?", caseID)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Attachments = atts[out[i].ID]
	}
	return out, nil
}

// FindCaseMessage returns one message with its files listed.
func (s *Store) FindCaseMessage(ctx context.Context, id int64) (support.Message, error) {
	m, err := scanCaseMessage(s.readConn().QueryRowContext(ctx, `SELECT `+caseMessageColumns+` WHERE m.id = ?`, id))
	if err != nil {
		return m, notFoundOr(err, "Message not found.")
	}
	atts, err := s.caseAttachmentsOf(ctx, "message_id = ?", id)
	m.Attachments = atts[id]
	return m, err
}

// MarkCaseMessageSent records that an outgoing message went out, once.
func (s *Store) MarkCaseMessageSent(ctx context.Context, id int64, at time.Time) (bool, error) {
	var n int64
	err := s.inTx(ctx, func(t *tx) error {
		res, err := t.c.ExecContext(ctx, `UPDATE case_messages SET sent_at = ? WHERE id = ? AND sent_at IS NULL`, at, id)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n > 0, err
}

// SetMessageInteraction links a message to its timeline interaction.
func (s *Store) SetMessageInteraction(ctx context.Context, messageID, interactionID int64) error {
	return s.inTx(ctx, func(t *tx) error {
		_, err := t.c.ExecContext(ctx, `UPDATE case_messages SET interaction_id = ? WHERE id = ?`, interactionID, messageID)
		return err
	})
}

// CaseByEmailIDs finds the newest case holding a message with one of the ids.
func (s *Store) CaseByEmailIDs(ctx context.Context, ids []string) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	if len(ids) > 50 {
		ids = ids[len(ids)-50:]
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	var caseID int64
	err := s.readConn().QueryRowContext(ctx, `SELECT case_id FROM case_messages WHERE message_id IN (?`+
		strings.Repeat(", ?", len(ids)-1)+`) ORDER BY id DESC LIMIT 1`, args...).Scan(&caseID)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return caseID, err
}

// CountAutoMessagesTo counts SCRMS's automatic messages to an address since a time.
func (s *Store) CountAutoMessagesTo(ctx context.Context, address string, since time.Time) (int, error) {
	var n int
	err := s.readConn().QueryRowContext(ctx, `SELECT COUNT(*) FROM case_messages WHERE auto AND to_address = ? AND created_at >= ?`,
		address, since).Scan(&n)
	return n, err
}

// CaseAttachment returns one file with its content.
func (s *Store) CaseAttachment(ctx context.Context, id int64) (support.Attachment, error) {
	var a support.Attachment
	err := s.readConn().QueryRowContext(ctx, `SELECT id, message_id, case_id, name, content_type, size, data
    FROM case_attachments WHERE id = ?`, id).Scan(&a.ID, &a.MessageID, &a.CaseID, &a.Name, &a.ContentType, &a.Size, &a.Data)
	return a, notFoundOr(err, fmt.Sprintf("Attachment %d was not found.", id))
}

// MoveCaseMessages moves messages (all when ids is empty) from one case to another.
func (s *Store) MoveCaseMessages(ctx context.Context, fromCase, toCase int64, ids []int64, e audit.Entry) error {
	return s.inTx(ctx, func(t *tx) error {
		cond, args := "case_id = ?", []any{toCase, fromCase}
		if len(ids) > 0 {
			cond += " AND id IN (?" + strings.Repeat(", ?", len(ids)-1) + ")"
			for _, id := range ids {
				args = append(args, id)
			}
		}
		if _, err := t.c.ExecContext(ctx, `UPDATE case_messages SET case_id = ? WHERE `+cond, args...); err != nil {
			return err
		}
		if _, err := t.c.ExecContext(ctx, `UPDATE case_attachments SET case_id = (SELECT m.case_id FROM case_messages m
    WHERE m.id = case_attachments.message_id) WHERE case_id = ?`, fromCase); err != nil {
			return err
		}
		e.Changes = append(e.Changes, audit.Change{Field: "messages_from", New: fmt.Sprint(fromCase)})
		return t.appendAudit(ctx, e)
	})
}

// SaveCaseModel stores a trained category model.
func (s *Store) SaveCaseModel(ctx context.Context, examples int, accuracy float64, model []byte, at time.Time) error {
	return s.inTx(ctx, func(t *tx) error {
		if _, err := t.c.ExecContext(ctx, `DELETE FROM case_models`); err != nil {
			return err
		}
		_, err := t.c.ExecContext(ctx, `INSERT INTO case_models (examples, accuracy, model, created_at) VALUES (?, ?, ?, ?)`,
			examples, accuracy, model, at)
		return err
	})
}

// LatestCaseModel returns the stored category model (NotFound when none).
func (s *Store) LatestCaseModel(ctx context.Context) ([]byte, time.Time, error) {
	var model []byte
	var at time.Time
	err := s.readConn().QueryRowContext(ctx, `SELECT model, created_at FROM case_models ORDER BY id DESC LIMIT 1`).Scan(&model, &at)
	return model, at, notFoundOr(err, "No model trained yet.")
}

// CaseExamples returns the subject and first customer message of resolved
// cases with a category, newest first, for training.
func (s *Store) CaseExamples(ctx context.Context, limit int) ([]support.Example, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT k.subject, COALESCE((SELECT m.body FROM case_messages m
    WHERE m.case_id = k.id AND m.inbound ORDER BY m.id LIMIT 1), ''), k.category FROM cases k
    WHERE k.category <> '' AND k.status IN ('resolved', 'closed') AND k.merged_into IS NULL ORDER BY k.id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []support.Example
	for rows.Next() {
		var subject, body, cat string
		if err := rows.Scan(&subject, &body, &cat); err != nil {
			return nil, err
		}
		out = append(out, support.Example{Text: subject + "\n" + body, Label: cat})
	}
	return out, rows.Err()
}
