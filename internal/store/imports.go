package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/customer"
)

const importColumns = `id, kind, status, file_name, file_size, sha256, path, match_on, on_match, header, mapping,
    COALESCE(created_by, 0), created_at, started_at, finished_at, heartbeat_at, rows_done, bytes_done, imported,
    updated, skipped, rejected, error`

func scanImport(row interface{ Scan(...any) error }) (customer.ImportJob, error) {
	var j customer.ImportJob
	var header, mapping string
	var started, finished, heartbeat sql.NullTime
	err := row.Scan(&j.ID, &j.Kind, &j.Status, &j.FileName, &j.FileSize, &j.SHA256, &j.Path, &j.Match, &j.OnMatch, &header,
		&mapping, &j.CreatedBy, &j.CreatedAt, &started, &finished, &heartbeat, &j.RowsDone, &j.BytesDone, &j.Imported,
		&j.Updated, &j.Skipped, &j.Rejected, &j.Error)
	if err != nil {
		return j, err
	}
	j.CreatedAt = j.CreatedAt.UTC()
	j.StartedAt, j.FinishedAt, j.HeartbeatAt = timeOf(started), timeOf(finished), timeOf(heartbeat)
	if err := json.Unmarshal([]byte(header), &j.Header); err != nil {
		return j, fmt.Errorf("store: import header: %w", err)
	}
	if err := json.Unmarshal([]byte(mapping), &j.Mapping); err != nil {
		return j, fmt.Errorf("store: import mapping: %w", err)
	}
	return j, nil
}

func jsonList(v []string) string {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// CreateImport records a new import.
func (s *Store) CreateImport(ctx context.Context, j customer.ImportJob) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		kind := j.Kind
		if kind == "" {
			kind = "customers"
		}
		return t.c.QueryRowContext(ctx, `INSERT INTO imports (kind, status, file_name, file_size, sha256, path, match_on,
    on_match, header, mapping, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			kind, j.Status, j.FileName, j.FileSize, j.SHA256, j.Path, j.Match, j.OnMatch, jsonList(j.Header), jsonList(j.Mapping),
			nullID(j.CreatedBy), j.CreatedAt).Scan(&id)
	})
	return id, err
}

// FindImport returns one import.
func (s *Store) FindImport(ctx context.Context, id int64) (customer.ImportJob, error) {
	j, err := scanImport(s.readConn().QueryRowContext(ctx, `SELECT `+importColumns+` FROM imports WHERE id = ?`, id))
	return j, notFoundOr(err, "Import not found.")
}

// FindResumableImport returns the newest unfinished import of the same file
// and options whose process has stopped.
func (s *Store) FindResumableImport(ctx context.Context, kind, sha, match, onMatch string, staleBefore time.Time) (customer.ImportJob, error) {
	j, err := scanImport(s.readConn().QueryRowContext(ctx, `SELECT `+importColumns+` FROM imports
WHERE kind = ? AND sha256 = ? AND match_on = ? AND on_match = ? AND status IN ('queued', 'running', 'failed')
AND (heartbeat_at IS NULL OR heartbeat_at < ?) ORDER BY id DESC LIMIT 1`, kind, sha, match, onMatch, staleBefore))
	return j, notFoundOr(err, "No import to resume.")
}

func (t *tx) saveImport(ctx context.Context, j customer.ImportJob) error {
	_, err := t.c.ExecContext(ctx, `UPDATE imports SET status = ?, match_on = ?, on_match = ?, mapping = ?, header = ?, file_size = ?, sha256 = ?, started_at = ?,
    finished_at = ?, heartbeat_at = ?, rows_done = ?, bytes_done = ?, imported = ?, updated = ?, skipped = ?,
    rejected = ?, error = ? WHERE id = ?`, j.Status, j.Match, j.OnMatch, jsonList(j.Mapping), jsonList(j.Header),
		j.FileSize, j.SHA256, nullTime(j.StartedAt),
		nullTime(j.FinishedAt), nullTime(j.HeartbeatAt), j.RowsDone, j.BytesDone, j.Imported, j.Updated, j.Skipped,
		j.Rejected, j.Error, j.ID)
	return err
}

// UpdateImport saves an import's state.
func (s *Store) UpdateImport(ctx context.Context, j customer.ImportJob) error {
	return s.inTx(ctx, func(t *tx) error { return t.saveImport(ctx, j) })
}

// CommitImportBatch writes one batch of an import with its checkpoint.
func (s *Store) CommitImportBatch(ctx context.Context, j customer.ImportJob, creates []customer.ImportCreate,
	rejects []customer.Rejection) ([]int64, error) {
	ids := make([]int64, len(creates))
	err := s.inTx(ctx, func(t *tx) error {
		for i, cr := range creates {
			c, st := cr.Customer, cr.Search
			id, err := t.insertCustomer(ctx, c, st)
			if err != nil {
				return err
			}
			if err := t.writeParts(ctx, id, c, false); err != nil {
				return err
			}
			e := cr.Audit
			e.EntityID, e.CustomerID = id, id
			if err := t.appendAudit(ctx, e); err != nil {
				return err
			}
			ids[i] = id
		}
		for _, r := range rejects {
			if _, err := t.c.ExecContext(ctx, `INSERT INTO import_rejects (import_id, line, reason, row_text)
VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, j.ID, r.Line, r.Reason, rowText(r.Record)); err != nil {
				return fmt.Errorf("store: import reject: %w", err)
			}
		}
		return t.saveImport(ctx, j)
	})
	return ids, err
}

// rowText keeps a rejected row as CSV text, made valid UTF-8 for storage.
func rowText(rec []string) string {
	var b strings.Builder
	for i, f := range rec {
		if i > 0 {
			b.WriteByte(',')
		}
		f = strings.ToValidUTF8(strings.ReplaceAll(f, "\x00", ""), "\uFFFD")
		if strings.ContainsAny(f, ",\"\n\r") {
			f = `"` + strings.ReplaceAll(f, `"`, `""`) + `"`
		}
		b.WriteString(f)
	}
	return b.String()
}

// ListImportRejects returns rejected rows after a line, in file order.
func (s *Store) ListImportRejects(ctx context.Context, importID int64, afterLine, limit int) ([]customer.Rejection, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT line, reason, row_text FROM import_rejects
WHERE import_id = ? AND line > ? ORDER BY line LIMIT ?`, importID, afterLine, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []customer.Rejection
	for rows.Next() {
		var r customer.Rejection
		var text string
		if err := rows.Scan(&r.Line, &r.Reason, &text); err != nil {
			return nil, err
		}
		r.Record = []string{text}
		out = append(out, r)
	}
	return out, rows.Err()
}

// chunkSize is the size of the pieces an uploaded file is kept in.
const chunkSize = 1 << 20

// SaveImportFile stores an uploaded file in pieces and returns its size
// and SHA-256.
func (s *Store) SaveImportFile(ctx context.Context, importID int64, r io.Reader) (int64, string, error) {
	h := sha256.New()
	buf := make([]byte, chunkSize)
	var size int64
	for seq := 0; ; seq++ {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			h.Write(buf[:n])
			size += int64(n)
			data := buf[:n]
			if werr := s.inTx(ctx, func(t *tx) error {
				_, err := t.c.ExecContext(ctx, `INSERT INTO import_chunks (import_id, seq, data) VALUES (?, ?, ?)`,
					importID, seq, data)
				return err
			}); werr != nil {
				return size, "", fmt.Errorf("store: save upload: %w", werr)
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return size, "", err
		}
	}
	sum := hex.EncodeToString(h.Sum(nil))
	err := s.inTx(ctx, func(t *tx) error {
		_, err := t.c.ExecContext(ctx, `UPDATE imports SET file_size = ?, sha256 = ? WHERE id = ?`, size, sum, importID)
		return err
	})
	return size, sum, err
}

// ImportFile reads an uploaded file back, one piece at a time.
func (s *Store) ImportFile(ctx context.Context, importID int64) io.Reader {
	return &chunkReader{ctx: ctx, s: s, id: importID}
}

type chunkReader struct {
	ctx  context.Context
	s    *Store
	id   int64
	seq  int
	buf  []byte
	done bool
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for len(c.buf) == 0 {
		if c.done {
			return 0, io.EOF
		}
		err := c.s.readConn().QueryRowContext(c.ctx, `SELECT data FROM import_chunks WHERE import_id = ? AND seq = ?`,
			c.id, c.seq).Scan(&c.buf)
		if errors.Is(err, sql.ErrNoRows) {
			c.done = true
			continue
		}
		if err != nil {
			return 0, err
		}
		c.seq++
	}
	n := copy(p, c.buf)
	c.buf = c.buf[n:]
	return n, nil
}

// DeleteImportFile drops an uploaded file once its import is done.
func (s *Store) DeleteImportFile(ctx context.Context, importID int64) error {
	return s.inTx(ctx, func(t *tx) error {
		_, err := t.c.ExecContext(ctx, `DELETE FROM import_chunks WHERE import_id = ?`, importID)
		return err
	})
}
