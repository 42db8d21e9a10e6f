package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
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

// Queues.

func (t *tx) writeQueueMembers(ctx context.Context, q support.Queue) error {
	if _, err := t.c.ExecContext(ctx, `DELETE FROM queue_members WHERE queue_id = ?`, q.ID); err != nil {
		return err
	}
	for _, m := range q.Members {
		skills, _ := json.Marshal(nonNil(m.Skills))
		if _, err := t.c.ExecContext(ctx, `INSERT INTO queue_members (queue_id, user_id, skills, capacity) VALUES (?, ?, ?, ?)`,
			q.ID, m.UserID, string(skills), m.Capacity); err != nil {
			if strings.Contains(err.Error(), "FOREIGN KEY") || strings.Contains(err.Error(), "23503") {
				return fault.Field("members", "user %d does not exist", m.UserID)
			}
			return mapErr(err)
		}
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// CreateQueue stores a queue and its members.
func (s *Store) CreateQueue(ctx context.Context, q support.Queue, e audit.Entry) (int64, error) {
	err := s.inTx(ctx, func(t *tx) error {
		cats, _ := json.Marshal(nonNil(q.Categories))
		if err := t.c.QueryRowContext(ctx, `INSERT INTO queues (name, email, strategy, team_id, manager_id, categories, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, q.Name, q.Email, q.Strategy, nullID(q.TeamID), nullID(q.ManagerID),
			string(cats), q.CreatedAt).Scan(&q.ID); err != nil {
			if fault.Is(mapErr(err), fault.Conflict) {
				return fault.New(fault.Conflict, "A queue with that name or address exists already.")
			}
			return mapErr(err)
		}
		if err := t.writeQueueMembers(ctx, q); err != nil {
			return err
		}
		e.EntityID = q.ID
		return t.appendAudit(ctx, e)
	})
	return q.ID, err
}

// UpdateQueue stores a queue's new settings and members.
func (s *Store) UpdateQueue(ctx context.Context, q support.Queue, e audit.Entry) error {
	return s.inTx(ctx, func(t *tx) error {
		cats, _ := json.Marshal(nonNil(q.Categories))
		if _, err := t.c.ExecContext(ctx, `UPDATE queues SET name = ?, email = ?, strategy = ?, team_id = ?, manager_id = ?,
    categories = ? WHERE id = ?`, q.Name, q.Email, q.Strategy, nullID(q.TeamID), nullID(q.ManagerID), string(cats), q.ID); err != nil {
			if fault.Is(mapErr(err), fault.Conflict) {
				return fault.New(fault.Conflict, "A queue with that name or address exists already.")
			}
			return mapErr(err)
		}
		if err := t.writeQueueMembers(ctx, q); err != nil {
			return err
		}
		return t.appendAudit(ctx, e)
	})
}

func (s *Store) queryQueues(ctx context.Context, cond string, args ...any) ([]support.Queue, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT id, name, email, strategy, COALESCE(team_id, 0),
    COALESCE(manager_id, 0), categories, created_at FROM queues`+cond+` ORDER BY name`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []support.Queue
	for rows.Next() {
		var q support.Queue
		var cats string
		if err := rows.Scan(&q.ID, &q.Name, &q.Email, &q.Strategy, &q.TeamID, &q.ManagerID, &cats, &q.CreatedAt); err != nil {
			return nil, err
		}
		_ = json.Unmarshal([]byte(cats), &q.Categories)
		out = append(out, q)
	}
	return out, rows.Err()
}

// Queues lists the queues by name.
func (s *Store) Queues(ctx context.Context) ([]support.Queue, error) { return s.queryQueues(ctx, "") }

// FindQueue returns a queue with its members.
func (s *Store) FindQueue(ctx context.Context, id int64) (support.Queue, error) {
	qs, err := s.queryQueues(ctx, " WHERE id = ?", id)
	if err != nil {
		return support.Queue{}, err
	}
	if len(qs) == 0 {
		return support.Queue{}, fault.New(fault.NotFound, "Queue %d was not found.", id)
	}
	q := qs[0]
	q.Members, err = s.QueueLoad(ctx, id)
	return q, err
}

// QueueByEmail returns the queue whose inbound address this is; 0 when none.
func (s *Store) QueueByEmail(ctx context.Context, address string) (int64, error) {
	var id int64
	err := s.readConn().QueryRowContext(ctx, `SELECT id FROM queues WHERE email = ?`, strings.ToLower(address)).Scan(&id)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return id, err
}

// QueueForCategory returns the first queue that takes a category; 0 when none.
func (s *Store) QueueForCategory(ctx context.Context, category string) (int64, error) {
	qs, err := s.Queues(ctx)
	if err != nil {
		return 0, err
	}
	for _, q := range qs {
		for _, c := range q.Categories {
			if strings.EqualFold(c, category) {
				return q.ID, nil
			}
		}
	}
	return 0, nil
}

// QueueLoad returns a queue's members with status and open cases.
func (s *Store) QueueLoad(ctx context.Context, queueID int64) ([]support.Member, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT m.user_id, u.name, m.skills, m.capacity,
    COALESCE(a.status, 'available'), m.last_assigned_at,
    (SELECT COUNT(*) FROM cases k WHERE k.assignee_id = m.user_id AND k.status IN ('new', 'open', 'pending'))
    FROM queue_members m JOIN users u ON u.id = m.user_id LEFT JOIN agent_status a ON a.user_id = m.user_id
    WHERE m.queue_id = ? AND u.active ORDER BY m.user_id`, queueID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []support.Member
	for rows.Next() {
		var m support.Member
		var skills string
		var last sql.NullTime
		if err := rows.Scan(&m.UserID, &m.Name, &skills, &m.Capacity, &m.Status, &last, &m.Open); err != nil {
			return nil, err
		}
		_ = json.Unmarshal([]byte(skills), &m.Skills)
		m.LastAssignedAt = timeOf(last)
		out = append(out, m)
	}
	return out, rows.Err()
}

// MarkAssigned records when a member last got a case.
func (s *Store) MarkAssigned(ctx context.Context, queueID, userID int64, at time.Time) error {
	return s.inTx(ctx, func(t *tx) error {
		_, err := t.c.ExecContext(ctx, `UPDATE queue_members SET last_assigned_at = ? WHERE queue_id = ? AND user_id = ?`,
			at, queueID, userID)
		return err
	})
}

// SetAgentStatus stores an agent's status.
func (s *Store) SetAgentStatus(ctx context.Context, userID int64, status string, at time.Time) error {
	return s.inTx(ctx, func(t *tx) error {
		_, err := t.c.ExecContext(ctx, `INSERT INTO agent_status (user_id, status, updated_at) VALUES (?, ?, ?)
ON CONFLICT (user_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at`, userID, status, at)
		return err
	})
}

// AgentStatus returns an agent's status ("" when never set).
func (s *Store) AgentStatus(ctx context.Context, userID int64) (string, error) {
	var st string
	err := s.readConn().QueryRowContext(ctx, `SELECT status FROM agent_status WHERE user_id = ?`, userID).Scan(&st)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return st, err
}

// SLA.

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
