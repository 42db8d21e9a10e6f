package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/support"
)

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
