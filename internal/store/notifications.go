package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/scrms/scrms/internal/notify"
)

// InsertNotifications stores notifications in one transaction.
func (s *Store) InsertNotifications(ctx context.Context, ns []notify.Notification) error {
	return s.inTx(ctx, func(t *tx) error {
		for _, n := range ns {
			if _, err := t.c.ExecContext(ctx, `INSERT INTO notifications (user_id, kind, title, body, link, created_at)
VALUES (?, ?, ?, ?, ?, ?)`, n.UserID, n.Kind, n.Title, n.Body, n.Link, n.CreatedAt); err != nil {
				return fmt.Errorf("store: insert notification: %w", err)
			}
		}
		return nil
	})
}

// ListNotifications returns a user's latest notifications.
func (s *Store) ListNotifications(ctx context.Context, userID int64, limit int) ([]notify.Notification, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT id, user_id, kind, title, body, link, created_at, read_at
FROM notifications WHERE user_id = ? ORDER BY id DESC LIMIT ?`, userID, limit)
	if err != nil {
		return nil, err
	}
	return scanNotifications(rows)
}

// CountUnreadNotifications counts a user's unread notifications.
func (s *Store) CountUnreadNotifications(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.readConn().QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL`,
		userID).Scan(&n)
	return n, err
}

// MarkNotificationsRead marks one notification (or all, id 0) of a user read.
func (s *Store) MarkNotificationsRead(ctx context.Context, userID, id int64, at time.Time) (int, error) {
	var n int64
	err := s.inTx(ctx, func(t *tx) error {
		q, args := `UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL`, []any{at, userID}
		if id != 0 {
			q, args = `UPDATE notifications SET read_at = COALESCE(read_at, ?) WHERE user_id = ? AND id = ?`, []any{at, userID, id}
		}
		res, err := t.c.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
}

// UndigestedNotifications returns a user's unread notifications newer than
// the last digest, oldest first.
func (s *Store) UndigestedNotifications(ctx context.Context, userID int64, limit int) ([]notify.Notification, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT id, user_id, kind, title, body, link, created_at, read_at
FROM notifications WHERE user_id = ? AND read_at IS NULL
AND id > COALESCE((SELECT last_id FROM notification_digests WHERE user_id = ?), 0) ORDER BY id LIMIT ?`,
		userID, userID, limit)
	if err != nil {
		return nil, err
	}
	return scanNotifications(rows)
}

// MarkDigested records the newest notification a user's digest covered.
func (s *Store) MarkDigested(ctx context.Context, userID, lastID int64, at time.Time) error {
	return s.inTx(ctx, func(t *tx) error {
		_, err := t.c.ExecContext(ctx, `INSERT INTO notification_digests (user_id, last_id, sent_at) VALUES (?, ?, ?)
ON CONFLICT (user_id) DO UPDATE SET last_id = excluded.last_id, sent_at = excluded.sent_at`, userID, lastID, at)
		return err
	})
}

func scanNotifications(rows *sql.Rows) ([]notify.Notification, error) {
	defer rows.Close()
	var out []notify.Notification
	for rows.Next() {
		var n notify.Notification
		var read sql.NullTime
		if err := rows.Scan(&n.ID, &n.UserID, &n.Kind, &n.Title, &n.Body, &n.Link, &n.CreatedAt, &read); err != nil {
			return nil, err
		}
		n.CreatedAt, n.ReadAt = n.CreatedAt.UTC(), timeOf(read)
		out = append(out, n)
	}
	return out, rows.Err()
}
