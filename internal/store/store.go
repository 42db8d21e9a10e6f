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
	"sync"

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
	closeOnce  sync.Once
	closeErr   error
	engine     Engine
	write      *sql.DB // SQLite: the one writer connection; PostgreSQL: the pool
	read       *sql.DB // SQLite: a pool of readers; PostgreSQL: the same pool
	writeStmts *stmtCache
	readStmts  *stmtCache
	group      *groupCommitter // SQLite only
	log        *slog.Logger
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

// Options tune how a store opens its database.
type Options struct {
	// CacheMB is SQLite's page cache for the writer connection (readers get
	// a quarter each). Zero means 64 MB.
	CacheMB int
	// BulkLoad lets the SQLite WAL grow to about 1 GB between checkpoints,
	// so that index pages rewritten many times by a large load are copied
	// into the database once, and keeps statement journals in memory (the
	// demo and loyalty run commands). Durability is unchanged.
	BulkLoad bool
}

// sqliteDSN returns the DSN for a SQLite file. busy_timeout comes first so that
// it already applies while the other pragmas run; _txlock=immediate takes the
// write lock at BEGIN, which keeps read-then-write transactions from failing
// with SQLITE_BUSY under concurrency.
func sqliteDSN(path string, writer bool, cacheMB int, bulk bool) string {
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
		"&_pragma=foreign_keys(1)&_time_format=sqlite"
	// The page cache (SQLite's default is 2 MB) decides how much of the
	// indexes stays in memory; at a million customers the writer needs room
	// for the b-trees it inserts into. Negative sizes are KiB.
	// A bulk load's multi-row statements keep their statement journals (what
	// undoes a statement that fails half-way) in memory rather than in a
	// temporary file written a page at a time.
	if writer && bulk {
		dsn += "&_pragma=wal_autocheckpoint(250000)&_pragma=temp_store(MEMORY)"
	}
	if writer {
		dsn += fmt.Sprintf("&_txlock=immediate&_pragma=cache_size(-%d)", cacheMB*1024)
	} else {
		dsn += fmt.Sprintf("&_pragma=query_only(1)&_pragma=cache_size(-%d)", cacheMB*256)
	}
	return dsn
}

// Open connects to the database named by url and checks the connection. It
// does not migrate; call Migrate.
func Open(ctx context.Context, url string, log *slog.Logger, opt Options) (*Store, error) {
	engine, dsn, err := ParseURL(url)
	if err != nil {
		return nil, err
	}
	if opt.CacheMB <= 0 {
		opt.CacheMB = 64
	}
	s := &Store{engine: engine, log: log}
	switch engine {
	case SQLite:
		if dir := filepath.Dir(dsn); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("store: create data folder: %w", err)
			}
		}
		s.write, err = sql.Open("sqlite", sqliteDSN(dsn, true, opt.CacheMB, opt.BulkLoad))
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
		s.read, err = sql.Open("sqlite", sqliteDSN(dsn, false, opt.CacheMB, false))
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
	if engine == SQLite {
		s.writeStmts, s.readStmts = newStmtCache(s.write), newStmtCache(s.read)
		s.group = newGroupCommitter(s)
	}
	return s, nil
}

// Engine reports which engine the store runs on.
func (s *Store) Engine() Engine { return s.engine }

// DB returns the pool that writes (for the job queue and metrics).
func (s *Store) DB() *sql.DB { return s.write }

// ReadDB returns the pool that reads.
func (s *Store) ReadDB() *sql.DB { return s.read }

// Close closes every connection; closing again does nothing.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.close() })
	return s.closeErr
}

func (s *Store) close() error {
	var errs []error
	if s.group != nil {
		s.group.close()
	}
	for _, c := range []*stmtCache{s.readStmts, s.writeStmts} {
		if c != nil {
			c.close()
		}
	}
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
// placeholders that sqlc emits (? and ?N) into $N; on SQLite it runs
// statements from a cache of prepared statements (pgx keeps its own).
type conn struct {
	q     queryer
	pg    bool
	cache *stmtCache // SQLite only; nil means prepare every time
	tx    *sql.Tx    // set when q is a transaction
}

// stmt returns the cached prepared statement for query, bound to the
// transaction when there is one, or nil when the cache is not in use or does
// not hold the query yet.
func (c conn) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if c.cache == nil {
		return nil, nil
	}
	if c.tx != nil {
		// The pool's one writer connection belongs to this transaction, so a
		// missing statement cannot be prepared on the pool now; it is noted
		// and prepared after the commit.
		st := c.cache.lookup(query)
		if st == nil {
			return nil, nil
		}
		return c.tx.StmtContext(ctx, st), nil
	}
	return c.cache.get(ctx, query)
}

func (c conn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st, err := c.stmt(ctx, query); err != nil || st != nil {
		if err != nil {
			return nil, err
		}
		return st.ExecContext(ctx, args...)
	}
	return c.q.ExecContext(ctx, c.rewrite(query), args...)
}

func (c conn) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return c.q.PrepareContext(ctx, c.rewrite(query))
}

func (c conn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st, err := c.stmt(ctx, query); err != nil || st != nil {
		if err != nil {
			return nil, err
		}
		return st.QueryContext(ctx, args...)
	}
	return c.q.QueryContext(ctx, c.rewrite(query), args...)
}

func (c conn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st, err := c.stmt(ctx, query); err == nil && st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.q.QueryRowContext(ctx, c.rewrite(query), args...)
}

// stmtCache keeps prepared statements of one pool by query text. SQLite
// spends a sixth of a small write transaction parsing SQL; preparing once
// removes that. Bulk statements (long, one-off) are not cached.
type stmtCache struct {
	db     *sql.DB
	mu     sync.Mutex
	m      map[string]*sql.Stmt
	wanted map[string]bool // seen inside transactions, to prepare later
}

const (
	stmtCacheMax      = 512
	stmtCacheMaxQuery = 4096
)

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}, wanted: map[string]bool{}}
}

// lookup returns the prepared statement for query without preparing it; a
// miss is remembered for fill.
func (c *stmtCache) lookup(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.m[query]
	if st == nil && len(query) <= stmtCacheMaxQuery && len(c.m)+len(c.wanted) < stmtCacheMax {
		c.wanted[query] = true
	}
	return st
}

// fill prepares the statements that transactions missed. It runs when no
// transaction holds the connection.
// The lock is not held while preparing: preparing waits for the writer
// connection, which a transaction that needs the lock may hold.
func (c *stmtCache) fill(ctx context.Context) {
	c.mu.Lock()
	queries := make([]string, 0, len(c.wanted))
	for q := range c.wanted {
		queries = append(queries, q)
		delete(c.wanted, q)
	}
	c.mu.Unlock()
	for _, q := range queries {
		st, err := c.db.PrepareContext(ctx, q)
		if err != nil {
			continue
		}
		c.mu.Lock()
		if _, dup := c.m[q]; dup {
			st.Close()
		} else {
			c.m[q] = st
		}
		c.mu.Unlock()
	}
}

func (c *stmtCache) pending() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.wanted) > 0
}

func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	if len(query) > stmtCacheMaxQuery {
		return nil, nil
	}
	c.mu.Lock()
	st, ok := c.m[query]
	full := len(c.m) >= stmtCacheMax
	c.mu.Unlock()
	if ok || full {
		return st, nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, dup := c.m[query]; dup {
		st.Close()
		return prev, nil
	}
	c.m[query] = st
	return st, nil
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = map[string]*sql.Stmt{}
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

// readConn is the read pool as a conn.
func (s *Store) readConn() conn {
	return conn{q: s.read, pg: s.engine == Postgres, cache: s.readStmts}
}

// reader returns the generated queries on the read pool.
func (s *Store) reader() *sqlcdb.Queries { return sqlcdb.New(s.readConn()) }

// tx is one write transaction.
type tx struct {
	s   *Store
	sql *sql.Tx
	q   *sqlcdb.Queries
	c   conn
}

// inTx runs fn in a write transaction, committing when it returns nil and
// rolling back otherwise. On SQLite, transactions that wait at the same time
// share one commit (see groupCommitter).
func (s *Store) inTx(ctx context.Context, fn func(t *tx) error) error {
	if s.group != nil {
		return s.group.run(ctx, fn)
	}
	sqlTx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	c := conn{q: sqlTx, pg: s.engine == Postgres, cache: s.writeStmts, tx: sqlTx}
	t := &tx{s: s, sql: sqlTx, q: sqlcdb.New(c), c: c}
	if err := fn(t); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", mapErr(err))
	}
	if s.writeStmts != nil && s.writeStmts.pending() {
		s.writeStmts.fill(context.WithoutCancel(ctx))
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
