package store

import (
	"context"
	"fmt"
	"time"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/loyalty"
	"github.com/scrms/scrms/internal/marketing"
)

// Loyalty mail (statements and expiry notices, each claimed before it is
// sent), and the segments the loyalty rules refer to.

const noticeColumns = `id, member_id, period, points, expires_at, created_at, email_state FROM loyalty_notices`

func scanNotice(row interface{ Scan(...any) error }) (loyalty.Notice, error) {
	var n loyalty.Notice
	err := row.Scan(&n.ID, &n.MemberID, &n.Period, &n.Points, &n.ExpiresAt, &n.CreatedAt, &n.EmailState)
	n.ExpiresAt, n.CreatedAt = n.ExpiresAt.UTC(), n.CreatedAt.UTC()
	return n, err
}

func (s *Store) notices(ctx context.Context, where string, args ...any) ([]loyalty.Notice, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+noticeColumns+` WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []loyalty.Notice
	for rows.Next() {
		n, err := scanNotice(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// NoteExpiring records an expiry notice for each active member of a
// program whose posted points expire in [from, to), keyed by the month of
// the earliest of those expiries so that a member hears once per month.
func (s *Store) NoteExpiring(ctx context.Context, programID int64, from, to time.Time, queue bool, now time.Time) (int, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT x.member_id, SUM(x.remaining), MIN(x.expires_at)
    FROM loyalty_transactions x JOIN loyalty_members m ON m.id = x.member_id
    WHERE x.remaining > 0 AND x.status = 'posted' AND x.expires_at >= ? AND x.expires_at < ?
    AND m.program_id = ? AND m.status = 'active'
    GROUP BY x.member_id ORDER BY x.member_id`, from, to, programID)
	if err != nil {
		return 0, err
	}
	var due []loyalty.Notice
	for rows.Next() {
		var n loyalty.Notice
		var first any // SQLite returns an aggregate's time as text
		if err := rows.Scan(&n.MemberID, &n.Points, &first); err != nil {
			rows.Close()
			return 0, err
		}
		switch v := first.(type) {
		case time.Time:
			n.ExpiresAt = v
		case string:
			n.ExpiresAt, err = parseDBTime(v)
		case []byte:
			n.ExpiresAt, err = parseDBTime(string(v))
		default:
			err = fmt.Errorf("store: expiry time of type %T", first)
		}
		if err != nil {
			rows.Close()
			return 0, err
		}
		n.ExpiresAt = n.ExpiresAt.UTC()
		n.Period = n.ExpiresAt.Format("2006-01")
		due = append(due, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	state := "none"
	if queue {
		state = "queued"
	}
	made := 0
	for start := 0; start < len(due); start += 500 {
		part := due[start:min(start+500, len(due))]
		err := s.inTx(ctx, func(t *tx) error {
			for _, n := range part {
				res, err := t.c.ExecContext(ctx, `INSERT INTO loyalty_notices (member_id, kind, period, points, expires_at, created_at,
    email_state) VALUES (?, 'expiry', ?, ?, ?, ?, ?) ON CONFLICT (member_id, kind, period) DO NOTHING`, n.MemberID, n.Period,
					n.Points, n.ExpiresAt, now, state)
				if err != nil {
					return err
				}
				k, _ := res.RowsAffected()
				made += int(k)
			}
			return nil
		})
		if err != nil {
			return made, err
		}
	}
	return made, nil
}

// NoticesToMail lists queued notices.
func (s *Store) NoticesToMail(ctx context.Context, limit int) ([]loyalty.Notice, error) {
	return s.notices(ctx, `email_state = 'queued' ORDER BY id LIMIT ?`, limit)
}

// Notices lists a member's notices, newest first.
func (s *Store) Notices(ctx context.Context, memberID int64, limit int) ([]loyalty.Notice, error) {
	return s.notices(ctx, `member_id = ? ORDER BY id DESC LIMIT ?`, memberID, limit)
}

// ClaimNotice marks a queued notice sending right before its email goes out.
func (s *Store) ClaimNotice(ctx context.Context, id int64) (bool, error) {
	return s.claimMail(ctx, "loyalty_notices", id)
}

// SetNoticeMail records how a notice's email went.
func (s *Store) SetNoticeMail(ctx context.Context, id int64, state string, at time.Time) error {
	return s.setMail(ctx, "loyalty_notices", id, state, at)
}

// MarkUncertainNotices records notices whose sending a crash cut short.
func (s *Store) MarkUncertainNotices(ctx context.Context) (int, error) {
	return s.markUncertain(ctx, "loyalty_notices")
}

// SegmentExists reports whether there is a segment.
func (s *Store) SegmentExists(ctx context.Context, segmentID int64) (bool, error) {
	var n int
	err := s.readConn().QueryRowContext(ctx, `SELECT COUNT(*) FROM segments WHERE id = ?`, segmentID).Scan(&n)
	return n > 0, err
}

// SegmentMembers returns the live customers in a segment now (static or
// by its rules).
func (s *Store) SegmentMembers(ctx context.Context, segmentID int64, now time.Time) (map[int64]bool, error) {
	if ok, err := s.SegmentExists(ctx, segmentID); err != nil || !ok {
		if err == nil {
			err = fault.New(fault.NotFound, "Segment %d was not found.", segmentID)
		}
		return nil, err
	}
	w, err := s.segmentWhere(ctx, marketing.Rule{Field: "segment", Op: "=", Value: float64(segmentID)},
		customer.Visibility{Scope: auth.ScopeAll}, now)
	if err != nil {
		return nil, err
	}
	rows, err := s.readConn().QueryContext(ctx, `SELECT c.id FROM customers c`+w.sql(), w.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// StatementsToMail lists queued statements.
func (s *Store) StatementsToMail(ctx context.Context, limit int) ([]loyalty.Statement, error) {
	rows, err := s.readConn().QueryContext(ctx, `SELECT `+statementColumns+` WHERE email_state = 'queued' ORDER BY id LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []loyalty.Statement
	for rows.Next() {
		st, err := scanStatement(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// ClaimStatement marks a queued statement sending, in its own commit,
// right before its email goes out; false when another run took it.
func (s *Store) ClaimStatement(ctx context.Context, id int64) (bool, error) {
	return s.claimMail(ctx, "loyalty_statements", id)
}

// SetStatementMail records how a statement's email went.
func (s *Store) SetStatementMail(ctx context.Context, id int64, state string, at time.Time) error {
	return s.setMail(ctx, "loyalty_statements", id, state, at)
}

// MarkUncertainStatements records statements whose sending a crash cut
// short: they may or may not have gone out, and are not sent again.
func (s *Store) MarkUncertainStatements(ctx context.Context) (int, error) {
	return s.markUncertain(ctx, "loyalty_statements")
}

// claimMail marks a queued row of a mail table (loyalty_statements,
// loyalty_notices) sending; false when another run took it.
func (s *Store) claimMail(ctx context.Context, table string, id int64) (bool, error) {
	ok := false
	err := s.inTx(ctx, func(t *tx) error {
		res, err := t.c.ExecContext(ctx, `UPDATE `+table+` SET email_state = 'sending' WHERE id = ? AND email_state = 'queued'`, id)
		if err != nil {
			return err
		}
		k, _ := res.RowsAffected()
		ok = k == 1
		return nil
	})
	return ok, err
}

func (s *Store) setMail(ctx context.Context, table string, id int64, state string, at time.Time) error {
	return s.inTx(ctx, func(t *tx) error {
		_, err := t.c.ExecContext(ctx, `UPDATE `+table+` SET email_state = ?, emailed_at = ? WHERE id = ?`, state, at, id)
		return err
	})
}

func (s *Store) markUncertain(ctx context.Context, table string) (int, error) {
	n := 0
	err := s.inTx(ctx, func(t *tx) error {
		res, err := t.c.ExecContext(ctx, `UPDATE `+table+` SET email_state = 'uncertain' WHERE email_state = 'sending'`)
		if err != nil {
			return err
		}
		k, _ := res.RowsAffected()
		n = int(k)
		return nil
	})
	return n, err
}
