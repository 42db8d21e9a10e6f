package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/support"
)

const chatColumns = `c.id, c.token_hash, c.name, c.email, COALESCE(c.customer_id, 0), COALESCE(c.queue_id, 0),
    COALESCE(c.agent_id, 0), COALESCE(u.name, ''), c.status, c.page, COALESCE(c.case_id, 0), COALESCE(c.interaction_id, 0),
    c.created_at, c.accepted_at, c.ended_at, c.updated_at FROM chats c LEFT JOIN users u ON u.id = c.agent_id`

func scanChat(row interface{ Scan(...any) error }) (support.Chat, error) {
	var c support.Chat
	var accepted, ended sql.NullTime
	err := row.Scan(&c.ID, &c.TokenHash, &c.Name, &c.Email, &c.CustomerID, &c.QueueID, &c.AgentID, &c.AgentName,
		&c.Status, &c.Page, &c.CaseID, &c.InteractionID, &c.CreatedAt, &accepted, &ended, &c.UpdatedAt)
	c.AcceptedAt, c.EndedAt, c.CreatedAt, c.UpdatedAt = timeOf(accepted), timeOf(ended), c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, err
}

// CreateChat stores a new chat with its first line.
func (s *Store) CreateChat(ctx context.Context, c support.Chat, first support.ChatLine) (support.Chat, error) {
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.c.QueryRowContext(ctx, `INSERT INTO chats (token_hash, name, email, customer_id, queue_id, agent_id, status,
    page, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, c.TokenHash, c.Name, c.Email,
			nullID(c.CustomerID), nullID(c.QueueID), nullID(c.AgentID), c.Status, c.Page, c.CreatedAt, c.UpdatedAt).Scan(&c.ID); err != nil {
			return mapErr(err)
		}
		_, err := t.c.ExecContext(ctx, `INSERT INTO chat_lines (chat_id, author, user_id, body, created_at) VALUES (?, ?, ?, ?, ?)`,
			c.ID, first.Author, nullID(first.UserID), first.Body, first.CreatedAt)
		return err
	})
	return c, err
}

// FindChat returns a chat.
func (s *Store) FindChat(ctx context.Context, id int64) (support.Chat, error) {
	c, err := scanChat(s.readConn().QueryRowContext(ctx, `SELECT `+chatColumns+` WHERE c.id = ?`, id))
	return c, notFoundOr(err, "This chat was not found.")
}

// AddChatLine stores a line of a chat that has not ended.
func (s *Store) AddChatLine(ctx context.Context, l support.ChatLine) (support.ChatLine, error) {
	err := s.inTx(ctx, func(t *tx) error {
		res, err := t.c.ExecContext(ctx, `UPDATE chats SET updated_at = ? WHERE id = ? AND (status <> 'ended' OR ?)`,
			l.CreatedAt, l.ChatID, l.Author == support.ChatSystem)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fault.New(fault.Conflict, "This chat has ended.")
		}
		return t.c.QueryRowContext(ctx, `INSERT INTO chat_lines (chat_id, author, user_id, body, created_at) VALUES (?, ?, ?, ?, ?)
    RETURNING id`, l.ChatID, l.Author, nullID(l.UserID), l.Body, l.CreatedAt).Scan(&l.ID)
	})
	return l, err
}

// ChatLines returns a chat's lines after a line id, in order, with the
// names of the agents who wrote them.
func (s *Store) ChatLines(ctx context.Context, chatID, afterID int64) ([]support.ChatLine, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT l.id, l.chat_id, l.author, COALESCE(l.user_id, 0),
    CASE WHEN l.author = 'visitor' THEN c.name ELSE COALESCE(u.name, '') END, l.body, l.created_at
    FROM chat_lines l JOIN chats c ON c.id = l.chat_id LEFT JOIN users u ON u.id = l.user_id
    WHERE l.chat_id = ? AND l.id > ? ORDER BY l.id LIMIT 1000`, chatID, afterID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []support.ChatLine
	for rows.Next() {
		var l support.ChatLine
		if err := rows.Scan(&l.ID, &l.ChatID, &l.Author, &l.UserID, &l.Name, &l.Body, &l.CreatedAt); err != nil {
			return nil, err
		}
		l.CreatedAt = l.CreatedAt.UTC()
		out = append(out, l)
	}
	return out, rows.Err()
}

// AcceptChat gives a waiting chat to an agent.
func (s *Store) AcceptChat(ctx context.Context, id, agentID int64, at time.Time) (bool, error) {
	var n int64
	err := s.inTx(ctx, func(t *tx) error {
		res, err := t.c.ExecContext(ctx, `UPDATE chats SET status = 'active', agent_id = ?, accepted_at = ?, updated_at = ?
    WHERE id = ? AND status = 'waiting'`, agentID, at, at, id)
		if err == nil {
			n, _ = res.RowsAffected()
		}
		return err
	})
	return n == 1, err
}

// EndChat ends a chat that has not ended.
func (s *Store) EndChat(ctx context.Context, id int64, at time.Time) (bool, error) {
	var n int64
	err := s.inTx(ctx, func(t *tx) error {
		res, err := t.c.ExecContext(ctx, `UPDATE chats SET status = 'ended', ended_at = ?, updated_at = ? WHERE id = ? AND status <> 'ended'`,
			at, at, id)
		if err == nil {
			n, _ = res.RowsAffected()
		}
		return err
	})
	return n == 1, err
}

// SetChatCase links the case a chat became.
func (s *Store) SetChatCase(ctx context.Context, id, caseID int64) error {
	return s.inTx(ctx, func(t *tx) error {
		_, err := t.c.ExecContext(ctx, `UPDATE chats SET case_id = ? WHERE id = ?`, caseID, id)
		return err
	})
}

// SetChatInteraction links the transcript's interaction.
func (s *Store) SetChatInteraction(ctx context.Context, id, interactionID int64) error {
	return s.inTx(ctx, func(t *tx) error {
		_, err := t.c.ExecContext(ctx, `UPDATE chats SET interaction_id = ? WHERE id = ?`, interactionID, id)
		return err
	})
}

// OpenChats are the chats not ended and those ended in the last hour,
// oldest first.
func (s *Store) OpenChats(ctx context.Context) ([]support.Chat, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+chatColumns+` WHERE c.status <> 'ended' OR c.ended_at > ?
    ORDER BY c.id LIMIT 500`, time.Now().UTC().Add(-time.Hour))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []support.Chat
	for rows.Next() {
		c, err := scanChat(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CustomerByEmail finds the live customer with the address; 0 when none.
func (s *Store) CustomerByEmail(ctx context.Context, address string) (int64, error) {
	ids, err := s.ListCustomerIDsByContact(ctx, "email", address)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return ids[0], nil
}

// CreatePortalLink stores a sign-in link; the customer's earlier unused
// links stop working (a newer link supersedes them).
func (s *Store) CreatePortalLink(ctx context.Context, tokenHash string, customerID int64, email string, expires time.Time) error {
	return s.inTx(ctx, func(t *tx) error {
		if _, err := t.c.ExecContext(ctx, `UPDATE portal_links SET used_at = ? WHERE customer_id = ? AND used_at IS NULL`,
			time.Now().UTC(), customerID); err != nil {
			return err
		}
		_, err := t.c.ExecContext(ctx, `INSERT INTO portal_links (token_hash, customer_id, email, expires_at) VALUES (?, ?, ?, ?)`,
			tokenHash, customerID, email, expires)
		return mapErr(err)
	})
}

// CountPortalLinks counts the links of a customer that expire after since
// plus their life: those made since then.
func (s *Store) CountPortalLinks(ctx context.Context, customerID int64, since time.Time) (int, error) {
	var n int
	err := s.readConn().QueryRowContext(ctx, `SELECT COUNT(*) FROM portal_links WHERE customer_id = ? AND expires_at > ?`,
		customerID, since).Scan(&n)
	return n, err
}

// UsePortalLink spends a link once.
func (s *Store) UsePortalLink(ctx context.Context, tokenHash string, at time.Time) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		err := t.c.QueryRowContext(ctx, `UPDATE portal_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL
    AND expires_at > ? RETURNING customer_id`, at, tokenHash, at).Scan(&id)
		return notFoundOr(err, "Link not found.")
	})
	return id, err
}

// CreatePortalSession stores a portal session.
func (s *Store) CreatePortalSession(ctx context.Context, secretHash string, customerID int64, at, expires time.Time) error {
	return s.inTx(ctx, func(t *tx) error {
		_, err := t.c.ExecContext(ctx, `INSERT INTO portal_sessions (secret_hash, customer_id, created_at, expires_at)
    VALUES (?, ?, ?, ?)`, secretHash, customerID, at, expires)
		return mapErr(err)
	})
}

// PortalSession returns the customer of a session that has not expired.
func (s *Store) PortalSession(ctx context.Context, secretHash string, at time.Time) (int64, error) {
	var id int64
	err := s.readConn().QueryRowContext(ctx, `SELECT customer_id FROM portal_sessions WHERE secret_hash = ? AND expires_at > ?`,
		secretHash, at).Scan(&id)
	return id, notFoundOr(err, "Session not found.")
}

// EndPortalSession removes a session.
func (s *Store) EndPortalSession(ctx context.Context, secretHash string) error {
	return s.inTx(ctx, func(t *tx) error {
		_, err := t.c.ExecContext(ctx, `DELETE FROM portal_sessions WHERE secret_hash = ?`, secretHash)
		return err
	})
}

const macroColumns = `id, name, body, set_status, shared, COALESCE(created_by, 0), uses, created_at, updated_at FROM macros`

func scanMacro(row interface{ Scan(...any) error }) (support.Macro, error) {
	var m support.Macro
	err := row.Scan(&m.ID, &m.Name, &m.Body, &m.SetStatus, &m.Shared, &m.CreatedBy, &m.Uses, &m.CreatedAt, &m.UpdatedAt)
	m.CreatedAt, m.UpdatedAt = m.CreatedAt.UTC(), m.UpdatedAt.UTC()
	return m, err
}

// CreateMacro stores a macro (Conflict when the name is taken).
func (s *Store) CreateMacro(ctx context.Context, m support.Macro, e audit.Entry) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.c.QueryRowContext(ctx, `INSERT INTO macros (name, body, set_status, shared, created_by, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, m.Name, m.Body, m.SetStatus, m.Shared, nullID(m.CreatedBy), m.CreatedAt,
			m.UpdatedAt).Scan(&id); err != nil {
			return mapErr(err)
		}
		e.EntityID = id
		return t.appendAudit(ctx, e)
	})
	return id, err
}

// UpdateMacro stores a macro's new content.
func (s *Store) UpdateMacro(ctx context.Context, m support.Macro, e audit.Entry) error {
	return s.inTx(ctx, func(t *tx) error {
		if _, err := t.c.ExecContext(ctx, `UPDATE macros SET name = ?, body = ?, set_status = ?, shared = ?, updated_at = ?
    WHERE id = ?`, m.Name, m.Body, m.SetStatus, m.Shared, m.UpdatedAt, m.ID); err != nil {
			return mapErr(err)
		}
		return t.appendAudit(ctx, e)
	})
}

// DeleteMacro removes a macro.
func (s *Store) DeleteMacro(ctx context.Context, id int64, e audit.Entry) error {
	return s.inTx(ctx, func(t *tx) error {
		if _, err := t.c.ExecContext(ctx, `DELETE FROM macros WHERE id = ?`, id); err != nil {
			return err
		}
		return t.appendAudit(ctx, e)
	})
}

// Macros lists all macros by name.
func (s *Store) Macros(ctx context.Context) ([]support.Macro, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+macroColumns+` ORDER BY name LIMIT 1000`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []support.Macro
	for rows.Next() {
		m, err := scanMacro(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// FindMacro returns a macro.
func (s *Store) FindMacro(ctx context.Context, id int64) (support.Macro, error) {
	m, err := scanMacro(s.readConn().QueryRowContext(ctx, `SELECT `+macroColumns+` WHERE id = ?`, id))
	return m, notFoundOr(err, "Macro not found.")
}

// CountMacroUse counts one more use of a macro.
func (s *Store) CountMacroUse(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(t *tx) error {
		_, err := t.c.ExecContext(ctx, `UPDATE macros SET uses = uses + 1 WHERE id = ?`, id)
		return err
	})
}

// TopicsOut returns the marketing topics a customer opted out of.
func (s *Store) TopicsOut(ctx context.Context, customerID int64) (string, error) {
	var v string
	err := s.readConn().QueryRowContext(ctx, `SELECT marketing_topics_out FROM customers WHERE id = ?`, customerID).Scan(&v)
	return v, notFoundOr(err, "Customer not found.")
}

// SetTopicsOut replaces the marketing topics a customer opted out of.
func (s *Store) SetTopicsOut(ctx context.Context, customerID int64, value string) error {
	return s.inTx(ctx, func(t *tx) error {
		_, err := t.c.ExecContext(ctx, `UPDATE customers SET marketing_topics_out = ? WHERE id = ?`, value, customerID)
		return err
	})
}
