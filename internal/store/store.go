// Package store is the SQL implementation of the storage interfaces that the
// SCRMS domain packages declare. One implementation serves SQLite and
// PostgreSQL: shared queries are compiled by sqlc (sqlcdb), and the few
// engine-specific statements live beside them, chosen by Engine.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver

	"github.com/scrms/scrms/internal/store/sqlcdb"
)

// Engine names a database engine.
type Engine string

// The supported engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Store is the database behind SCRMS.
type Store struct {
	engine Engine
	write  *sql.DB // SQLite: the one writer connection; PostgreSQL: the pool
	read   *sql.DB // SQLite: a pool of readers; PostgreSQL: the same pool
	log    *slog.Logger
}

// ParseURL splits SCRMS_DATABASE_URL into an engine and a driver DSN.
// "sqlite:PATH" (or a bare path) is SQLite, "postgres://…" PostgreSQL.
func ParseURL(url string) (Engine, string, error) {
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return Postgres, url, nil
	case strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite:"), "//")
		if path == "" {
			return "", "", fmt.Errorf("database url %q: sqlite: needs a file path, e.g. sqlite:./scrms-data/scrms.db", url)
		}
		return SQLite, path, nil
	case strings.Contains(url, "://"):
		return "", "", fmt.Errorf("database url %q: unsupported scheme (use sqlite:PATH or postgres://…)", url)
	case url == "":
		return "", "", errors.New("database url is empty")
	default:
		return SQLite, url, nil
	}
}

// sqliteDSN returns the DSN for a SQLite file. busy_timeout comes first so that
// it already applies while the other pragmas run; _txlock=immediate takes the
// write lock at BEGIN, which keeps read-then-write transactions from failing
// with SQLITE_BUSY under concurrency.
func sqliteDSN(path string, writer bool) string {
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
		"&_pragma=foreign_keys(1)&_time_format=sqlite"
	if writer {
		dsn += "&_txlock=immediate"
	} else {
		dsn += "&_pragma=query_only(1)"
	}
	return dsn
}

// Open connects to the database named by url and checks the connection. It
// does not migrate; call Migrate.
func Open(ctx context.Context, url string, log *slog.Logger) (*Store, error) {
	engine, dsn, err := ParseURL(url)
	if err != nil {
		return nil, err
	}
	s := &Store{engine: engine, log: log}
	switch engine {
	case SQLite:
		if dir := filepath.Dir(dsn); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("store: create data folder: %w", err)
			}
		}
		s.write, err = sql.Open("sqlite", sqliteDSN(dsn, true))
		if err != nil {
			return nil, fmt.Errorf("store: open sqlite: %w", err)
		}
		s.write.SetMaxOpenConns(1)
		s.write.SetMaxIdleConns(1)
		s.write.SetConnMaxLifetime(0)
		s.write.SetConnMaxIdleTime(0)
		// The writer creates the file and switches it to WAL before readers open it.
		if err := s.write.PingContext(ctx); err != nil {
			s.write.Close()
			return nil, fmt.Errorf("store: open sqlite %s: %w", dsn, err)
		}
		s.read, err = sql.Open("sqlite", sqliteDSN(dsn, false))
		if err != nil {
			s.write.Close()
			return nil, fmt.Errorf("store: open sqlite readers: %w", err)
		}
		n := max(4, runtime.NumCPU()*2)
		s.read.SetMaxOpenConns(n)
		s.read.SetMaxIdleConns(n)
		s.read.SetConnMaxIdleTime(0)
	case Postgres:
		s.write, err = sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("store: open postgres: %w", err)
		}
		s.write.SetMaxOpenConns(20)
		s.write.SetMaxIdleConns(20)
		s.read = s.write
	}
	if err := s.read.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: connect %s: %w", engine, err)
	}
	return s, nil
}

// Engine reports which engine the store runs on.
func (s *Store) Engine() Engine { return s.engine }

// DB returns the pool that writes (for the job queue and metrics).
func (s *Store) DB() *sql.DB { return s.write }

// ReadDB returns the pool that reads.
func (s *Store) ReadDB() *sql.DB { return s.read }

// Close closes every connection.
func (s *Store) Close() error {
	var errs []error
	if s.read != nil && s.read != s.write {
		errs = append(errs, s.read.Close())
	}
	if s.write != nil {
		errs = append(errs, s.write.Close())
	}
	return errors.Join(errs...)
}

// Ping checks that the database answers (readiness).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.write.PingContext(ctx); err != nil {
		return err
	}
	return s.read.PingContext(ctx)
}

// queryer is what both *sql.DB and *sql.Tx offer.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// conn adapts a queryer to the engine: on PostgreSQL it rewrites the SQLite
// placeholders that sqlc emits (? and ?N) into $N.
type conn struct {
	q  queryer
	pg bool
}

func (c conn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return c.q.ExecContext(ctx, c.rewrite(query), args...)
}

func (c conn) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return c.q.PrepareContext(ctx, c.rewrite(query))
}

func (c conn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return c.q.QueryContext(ctx, c.rewrite(query), args...)
}

func (c conn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return c.q.QueryRowContext(ctx, c.rewrite(query), args...)
}

func (c conn) rewrite(query string) string {
	if !c.pg {
		return query
	}
	return rewritePlaceholders(query)
}

// rewritePlaceholders turns ? and ?N into $N outside quoted strings and
// identifiers. A bare ? takes the number after the highest seen so far.
func rewritePlaceholders(query string) string {
	var b strings.Builder
	b.Grow(len(query) + 16)
	next := 1
	var quote byte
	for i := 0; i < len(query); i++ {
		ch := query[i]
		if quote != 0 {
			b.WriteByte(ch)
			if ch == quote {
				quote = 0
			}
			continue
		}
		switch ch {
		case '\'', '"':
			quote = ch
			b.WriteByte(ch)
		case '?':
			j := i + 1
			for j < len(query) && query[j] >= '0' && query[j] <= '9' {
				j++
			}
			if j > i+1 {
				n := query[i+1 : j]
				b.WriteString("$" + n)
				var v int
				fmt.Sscan(n, &v)
				next = max(next, v+1)
				i = j - 1
			} else {
				fmt.Fprintf(&b, "$%d", next)
				next++
			}
		default:
			b.WriteByte(ch)
		}
	}
	return b.String()
}

// reader returns the generated queries on the read pool.
func (s *Store) reader() *sqlcdb.Queries {
	return sqlcdb.New(conn{q: s.read, pg: s.engine == Postgres})
}

// tx is one write transaction.
type tx struct {
	s   *Store
	sql *sql.Tx
	q   *sqlcdb.Queries
	c   conn
}

// inTx runs fn in a write transaction, committing when it returns nil and
// rolling back otherwise.
func (s *Store) inTx(ctx context.Context, fn func(t *tx) error) error {
	sqlTx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	c := conn{q: sqlTx, pg: s.engine == Postgres}
	t := &tx{s: s, sql: sqlTx, q: sqlcdb.New(c), c: c}
	if err := fn(t); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", mapErr(err))
	}
	return nil
}

// lockRow takes a row lock for a read-modify-write on PostgreSQL. On SQLite
// the immediate transaction already holds the database's write lock.
func (t *tx) lockRow(ctx context.Context, table string, id int64) error {
	if t.s.engine != Postgres {
		return nil
	}
	var got int64
	err := t.sql.QueryRowContext(ctx, "SELECT id FROM "+table+" WHERE id = $1 FOR UPDATE", id).Scan(&got)
	return mapErr(err)
}
