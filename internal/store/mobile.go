package store

import (
	"context"
	"time"
)

// ClaimAction records that a user's phone sent an action with this id;
// false when it was recorded before (the action was already done).
func (s *Store) ClaimAction(ctx context.Context, userID int64, clientID, kind string, at time.Time) (bool, error) {
	claimed := false
	err := s.inTx(ctx, func(t *tx) error {
		res, err := t.c.ExecContext(ctx, `INSERT INTO mobile_actions (user_id, client_id, kind, done_at) VALUES (?, ?, ?, ?)
ON CONFLICT (user_id, client_id) DO NOTHING`, userID, clientID, kind, at)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		claimed = n == 1
		return nil
	})
	return claimed, err
}
