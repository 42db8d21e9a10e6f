package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/customer"
)

// CreateStaticList stores a new list.
func (s *Store) CreateStaticList(ctx context.Context, l customer.StaticList, e audit.Entry) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.c.QueryRowContext(ctx, `INSERT INTO customer_lists (name, description, created_by, created_at)
VALUES (?, ?, ?, ?) RETURNING id`, l.Name, l.Description, nullID(l.CreatedBy), l.CreatedAt).Scan(&id); err != nil {
			return mapErr(err)
		}
		e.EntityID = id
		return t.appendAudit(ctx, e)
	})
	return id, err
}

const listQuery = `SELECT l.id, l.name, l.description, COALESCE(l.created_by, 0), l.created_at,
    (SELECT COUNT(*) FROM customer_list_members m WHERE m.list_id = l.id)
FROM customer_lists l`

func (s *Store) queryLists(ctx context.Context, query string, args ...any) ([]customer.StaticList, error) {
	rows, err := s.readConn().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []customer.StaticList
	for rows.Next() {
		var l customer.StaticList
		if err := rows.Scan(&l.ID, &l.Name, &l.Description, &l.CreatedBy, &l.CreatedAt, &l.Members); err != nil {
			return nil, err
		}
		l.CreatedAt = l.CreatedAt.UTC()
		out = append(out, l)
	}
	return out, rows.Err()
}

// StaticLists returns every list, by name.
func (s *Store) StaticLists(ctx context.Context) ([]customer.StaticList, error) {
	return s.queryLists(ctx, listQuery+` ORDER BY l.name`)
}

// FindStaticList returns one list.
func (s *Store) FindStaticList(ctx context.Context, id int64) (customer.StaticList, error) {
	ls, err := s.queryLists(ctx, listQuery+` WHERE l.id = ?`, id)
	if err != nil {
		return customer.StaticList{}, err
	}
	if len(ls) == 0 {
		return customer.StaticList{}, notFoundOr(sql.ErrNoRows, "List not found.")
	}
	return ls[0], nil
}

// StaticListsOf returns the lists a customer is on.
func (s *Store) StaticListsOf(ctx context.Context, customerID int64) ([]customer.StaticList, error) {
	return s.queryLists(ctx, listQuery+` WHERE l.id IN (SELECT list_id FROM customer_list_members WHERE customer_id = ?)
ORDER BY l.name`, customerID)
}

// AddToStaticList adds customers to a list, each once.
func (s *Store) AddToStaticList(ctx context.Context, listID int64, customerIDs []int64, by int64, at time.Time, e audit.Entry) (int, error) {
	added := 0
	err := s.inTx(ctx, func(t *tx) error {
		added = 0
		for _, id := range customerIDs {
			res, err := t.c.ExecContext(ctx, `INSERT INTO customer_list_members (list_id, customer_id, added_by, added_at)
VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, listID, id, nullID(by), at)
			if err != nil {
				return mapErr(err)
			}
			n, _ := res.RowsAffected()
			added += int(n)
		}
		return t.appendAudit(ctx, e)
	})
	return added, err
}

// RemoveFromStaticList takes a customer off a list.
func (s *Store) RemoveFromStaticList(ctx context.Context, listID, customerID int64, e audit.Entry) (bool, error) {
	removed := false
	err := s.inTx(ctx, func(t *tx) error {
		res, err := t.c.ExecContext(ctx, `DELETE FROM customer_list_members WHERE list_id = ? AND customer_id = ?`,
			listID, customerID)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		if removed = n > 0; !removed {
			return nil
		}
		return t.appendAudit(ctx, e)
	})
	return removed, err
}
