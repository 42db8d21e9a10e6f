package store

import (
	"context"
	"time"

	"github.com/scrms/scrms/internal/store/sqlcdb"
)

// ReserveIdempotencyKey claims (user, key); false when it was claimed before.
func (s *Store) ReserveIdempotencyKey(ctx context.Context, userID int64, key, hash string, at time.Time) (bool, error) {
	var n int64
	err := s.inTx(ctx, func(t *tx) error {
		var err error
		n, err = t.q.ReserveIdempotencyKey(ctx, sqlcdb.ReserveIdempotencyKeyParams{UserID: userID, IdemKey: key,
			RequestHash: hash, CreatedAt: at})
		return err
	})
	return n == 1, err
}

// FindIdempotencyKey returns the stored request hash and answer.
func (s *Store) FindIdempotencyKey(ctx context.Context, userID int64, key string) (string, int, []byte, error) {
	r, err := s.reader().FindIdempotencyKey(ctx, sqlcdb.FindIdempotencyKeyParams{UserID: userID, IdemKey: key})
	if err != nil {
		return "", 0, nil, mapErr(err)
	}
	return r.RequestHash, int(r.StatusCode), []byte(r.ResponseBody), nil
}

// CompleteIdempotencyKey stores the answer to a claimed key.
func (s *Store) CompleteIdempotencyKey(ctx context.Context, userID int64, key string, status int, body []byte) error {
	return s.inTx(ctx, func(t *tx) error {
		return t.q.CompleteIdempotencyKey(ctx, sqlcdb.CompleteIdempotencyKeyParams{StatusCode: int64(status),
			ResponseBody: string(body), UserID: userID, IdemKey: key})
	})
}

// ReleaseIdempotencyKey forgets a claimed key so that the request can be retried.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, userID int64, key string) error {
	return s.inTx(ctx, func(t *tx) error {
		return t.q.ReleaseIdempotencyKey(ctx, sqlcdb.ReleaseIdempotencyKeyParams{UserID: userID, IdemKey: key})
	})
}

// Cleanup removes what has expired: sessions, old sign-in attempts and
// idempotency keys older than a day. Jobs run it periodically.
func (s *Store) Cleanup(ctx context.Context, now time.Time) error {
	return s.inTx(ctx, func(t *tx) error {
		if err := t.q.DeleteExpiredSessions(ctx, now); err != nil {
			return err
		}
		if err := t.q.DeleteOldIdempotencyKeys(ctx, now.Add(-24*time.Hour)); err != nil {
			return err
		}
		return t.q.DeleteOldLoginAttempts(ctx, now.Add(-24*time.Hour))
	})
}
