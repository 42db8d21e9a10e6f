package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/store/sqlcdb"
)

// auditLockKey serialises appends to the audit chain on PostgreSQL, where
// several transactions may append at once; SQLite has one writer already.
const auditLockKey = 727001

// appendAudit adds e to the hash chain inside the transaction.
func (t *tx) appendAudit(ctx context.Context, e audit.Entry) error {
	if t.s.engine == Postgres {
		if _, err := t.sql.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", auditLockKey); err != nil {
			return fmt.Errorf("store: audit lock: %w", err)
		}
	}
	prev, err := t.q.LastAuditHash(ctx)
	if err == sql.ErrNoRows {
		prev, err = audit.GenesisHash, nil
	}
	if err != nil {
		return fmt.Errorf("store: audit head: %w", err)
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	if err := t.sealChanges(ctx, &e); err != nil {
		return err
	}
	if e.Changes == nil {
		e.Changes = []audit.Change{}
	}
	changes, err := json.Marshal(e.Changes)
	if err != nil {
		return fmt.Errorf("store: audit changes: %w", err)
	}
	e.PrevHash = prev
	e.Hash = audit.ComputeHash(prev, e)
	_, err = t.q.InsertAudit(ctx, sqlcdb.InsertAuditParams{At: e.At, ActorID: nullID(e.ActorID),
		ActorLabel: e.ActorLabel, Action: e.Action, EntityType: e.EntityType, EntityID: nullID(e.EntityID),
		CustomerID: nullID(e.CustomerID), Changes: string(changes), Ip: e.IP, RequestID: e.RequestID,
		PrevHash: e.PrevHash, Hash: e.Hash})
	if err != nil {
		return fmt.Errorf("store: append audit: %w", err)
	}
	return nil
}

// AppendAudit records an entry on its own (sign-in failures, exports).
func (s *Store) AppendAudit(ctx context.Context, e audit.Entry) error {
	return s.inTx(ctx, func(t *tx) error { return t.appendAudit(ctx, e) })
}

// ListAudit returns entries matching f, newest first.
func (s *Store) ListAudit(ctx context.Context, f audit.Filter) ([]audit.Entry, error) {
	rows, err := s.reader().ListAudit(ctx, sqlcdb.ListAuditParams{BeforeID: nullID(f.BeforeID),
		ActorID: nullID(f.ActorID), EntityType: nullString(f.EntityType), EntityID: nullID(f.EntityID),
		Action: nullString(f.Action), CustomerID: nullID(f.CustomerID), Lim: int64(f.Limit)})
	if err != nil {
		return nil, fmt.Errorf("store: list audit: %w", err)
	}
	es, err := auditEntries(rows)
	if err != nil {
		return nil, err
	}
	return es, s.unsealEntries(ctx, es)
}

// ListAuditAfter returns entries after an id, oldest first, as stored
// (sealed values sealed), for verification.
func (s *Store) ListAuditAfter(ctx context.Context, afterID int64, limit int) ([]audit.Entry, error) {
	rows, err := s.reader().ListAuditAscending(ctx, sqlcdb.ListAuditAscendingParams{AfterID: afterID, Lim: int64(limit)})
	if err != nil {
		return nil, fmt.Errorf("store: list audit: %w", err)
	}
	return auditEntries(rows)
}

func auditEntries(rows []sqlcdb.AuditLog) ([]audit.Entry, error) {
	out := make([]audit.Entry, len(rows))
	for i, r := range rows {
		e := audit.Entry{ID: r.ID, At: r.At.UTC(), ActorID: r.ActorID.Int64, ActorLabel: r.ActorLabel,
			Action: r.Action, EntityType: r.EntityType, EntityID: r.EntityID.Int64, CustomerID: r.CustomerID.Int64,
			IP: r.Ip, RequestID: r.RequestID, PrevHash: r.PrevHash, Hash: r.Hash}
		if err := json.Unmarshal([]byte(r.Changes), &e.Changes); err != nil {
			return nil, fmt.Errorf("store: audit %d changes: %w", r.ID, err)
		}
		out[i] = e
	}
	return out, nil
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// notFoundOr maps a missing row to a NotFound with msg.
func notFoundOr(err error, msg string) error {
	err = mapErr(err)
	if fault.Is(err, fault.NotFound) {
		return fault.Wrap(fault.NotFound, err, "%s", msg)
	}
	return err
}
