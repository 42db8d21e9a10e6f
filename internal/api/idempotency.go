package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"time"

	"github.com/scrms/scrms/internal/fault"
)

// IdempotencyStore keeps the first answer to each (user, key) pair.
type IdempotencyStore interface {
	// ReserveIdempotencyKey claims a key; false when it was claimed before.
	ReserveIdempotencyKey(ctx context.Context, userID int64, key, requestHash string, at time.Time) (bool, error)
	// FindIdempotencyKey returns the stored request hash and answer; status 0
	// means the first request is still running.
	FindIdempotencyKey(ctx context.Context, userID int64, key string) (requestHash string, status int, body []byte, err error)
	CompleteIdempotencyKey(ctx context.Context, userID int64, key string, status int, body []byte) error
	ReleaseIdempotencyKey(ctx context.Context, userID int64, key string) error
}

// idempotent makes a POST with an Idempotency-Key header safe to repeat: the
// first answer is stored and replayed for the same key and body, a
// different body with the same key is refused, and a failure on our side
// releases the key so that the client can retry.
func (s *server) idempotent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		// Uploads are not held in memory to be replayed; an import is
		// followed by its id instead.
		if r.Method != http.MethodPost || key == "" || r.URL.Path == "/imports" {
			next.ServeHTTP(w, r)
			return
		}
		if len(key) > 255 {
			writeProblem(w, &Problem{Title: "Unprocessable Entity", Status: 422, Detail: "Some fields are not valid.",
				Errors: []FieldProblem{{Field: "Idempotency-Key", Message: "must be at most 255 characters"}}})
			return
		}
		ctx := r.Context()
		a := actorFrom(ctx)
		body, err := io.ReadAll(io.LimitReader(r.Body, s.MaxBodyBytes+1))
		if err != nil {
			writeProblem(w, &Problem{Title: "Bad Request", Status: 400, Detail: "The request body could not be read."})
			return
		}
		sum := sha256.Sum256(append([]byte(r.Method+" "+r.URL.Path+"\n"), body...))
		hash := hex.EncodeToString(sum[:])
		ok, err := s.Idempotency.ReserveIdempotencyKey(ctx, a.UserID, key, hash, time.Now().UTC())
		if err != nil {
			s.Log.Error("api: reserve idempotency key", "err", err, "request_id", a.RequestID)
			writeProblem(w, problemFor(err))
			return
		}
		if !ok {
			s.replay(w, r, a.UserID, key, hash)
			return
		}
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(rec, r)
		if rec.status >= 500 {
			err = s.Idempotency.ReleaseIdempotencyKey(context.WithoutCancel(ctx), a.UserID, key)
		} else {
			err = s.Idempotency.CompleteIdempotencyKey(context.WithoutCancel(ctx), a.UserID, key, rec.status, rec.body.Bytes())
		}
		if err != nil {
			s.Log.Error("api: store idempotent answer", "err", err, "request_id", a.RequestID)
		}
	})
}

func (s *server) replay(w http.ResponseWriter, r *http.Request, userID int64, key, hash string) {
	storedHash, status, body, err := s.Idempotency.FindIdempotencyKey(r.Context(), userID, key)
	switch {
	case err != nil:
		writeProblem(w, problemFor(err))
	case storedHash != hash:
		writeProblem(w, problemFor(&fault.Error{Code: fault.Invalid,
			Message: "This Idempotency-Key was used for a different request.",
			Fields:  []fault.FieldError{{Field: "Idempotency-Key", Message: "was used before with another body or path"}}}))
	case status == 0:
		writeProblem(w, problemFor(fault.New(fault.Conflict, "A request with this Idempotency-Key is still running; retry shortly.")))
	default:
		ct := "application/json"
		if status >= 400 {
			ct = "application/problem+json"
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Idempotent-Replayed", "true")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}
}

// recorder passes a response through and keeps a copy.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}
