package store

import (
	"context"
	"time"

	"github.com/scrms/scrms/internal/audit"
)

// Setting returns a setting's value (NotFound when never set).
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.readConn().QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	return v, notFoundOr(err, "Not set.")
}

// SetSetting stores a setting with its audit entry.
func (s *Store) SetSetting(ctx context.Context, key, value string, at time.Time, e audit.Entry) error {
	return s.inTx(ctx, func(t *tx) error {
		if _, err := t.c.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, key, value, at); err != nil {
			return err
		}
		return t.appendAudit(ctx, e)
	})
}

// CountByStage counts live customers per lifecycle stage.
func (s *Store) CountByStage(ctx context.Context) (map[string]int, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT lifecycle_stage, COUNT(*) FROM customers WHERE deleted_at IS NULL
GROUP BY lifecycle_stage`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, rows.Err()
}

// SettingOrInit returns a setting, storing value first when it was never
// set; instances starting together all read the one that was stored first.
func (s *Store) SettingOrInit(ctx context.Context, key, value string) (string, error) {
	err := s.inTx(ctx, func(t *tx) error {
		_, err := t.c.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING`,
			key, value, time.Now().UTC())
		return err
	})
	if err != nil {
		return "", err
	}
	return s.Setting(ctx, key)
}
