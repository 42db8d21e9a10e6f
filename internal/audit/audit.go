// Package audit describes the append-only record of every change, sign-in and
// reveal of personal data in SCRMS, and how its hash chain is verified.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Change is one field of a record that changed.
type Change struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// Entry is one line of the audit log.
type Entry struct {
	ID         int64
	At         time.Time
	ActorID    int64 // 0 for the system
	ActorLabel string
	Action     string // create, update, delete, restore, sign_in, sign_in_failed, export, …
	EntityType string // customer, user, note, token, …
	EntityID   int64
	CustomerID int64 // the customer the entry concerns, for the timeline; 0 when none
	Changes    []Change
	IP         string
	RequestID  string
	PrevHash   string
	Hash       string
}

// GenesisHash is the previous hash of the first entry.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// ComputeHash returns the hash that chains e to the entry before it. Every
// stored field takes part, so that editing any of them breaks the chain.
func ComputeHash(prev string, e Entry) string {
	changes, _ := json.Marshal(e.Changes)
	h := sha256.New()
	for _, part := range []string{prev, e.At.UTC().Format(time.RFC3339Nano), strconv.FormatInt(e.ActorID, 10),
		e.ActorLabel, e.Action, e.EntityType, strconv.FormatInt(e.EntityID, 10),
		strconv.FormatInt(e.CustomerID, 10), string(changes), e.IP, e.RequestID} {
		h.Write([]byte(strconv.Itoa(len(part))))
		h.Write([]byte{':'})
		h.Write([]byte(part))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Filter selects audit entries, newest first.
type Filter struct {
	BeforeID   int64
	ActorID    int64
	EntityType string
	EntityID   int64
	Action     string
	CustomerID int64
	Limit      int
}

// Reader is what verification and the audit pages need from storage.
type Reader interface {
	ListAudit(ctx context.Context, f Filter) ([]Entry, error)
	ListAuditAfter(ctx context.Context, afterID int64, limit int) ([]Entry, error)
}

// Verify walks the whole chain and returns the id of the first entry whose
// hash does not match, or 0 when the log is intact.
func Verify(ctx context.Context, r Reader) (badID int64, checked int, err error) {
	prev := GenesisHash
	var after int64
	for {
		batch, err := r.ListAuditAfter(ctx, after, 1000)
		if err != nil {
			return 0, checked, fmt.Errorf("audit: verify: %w", err)
		}
		if len(batch) == 0 {
			return 0, checked, nil
		}
		for _, e := range batch {
			if e.PrevHash != prev || ComputeHash(prev, e) != e.Hash {
				return e.ID, checked, nil
			}
			prev = e.Hash
			after = e.ID
			checked++
		}
	}
}

// Diff appends a change when old and new differ.
func Diff(changes []Change, field, old, new string) []Change {
	if old != new {
		changes = append(changes, Change{Field: field, Old: old, New: new})
	}
	return changes
}
