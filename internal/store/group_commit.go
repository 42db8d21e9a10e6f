package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/scrms/scrms/internal/store/sqlcdb"
)

// On SQLite every write transaction waits for the one writer connection, and
// committing (writing the WAL) is the largest single cost of a small one. The
// group committer runs the write transactions that are waiting at the same
// moment in one SQLite transaction, each inside its own savepoint: each
// request still commits or rolls back as a whole, sees the writes before it
// as it would in sequence, and gets its own error, while the batch pays for
// one commit. If the final commit fails, every request in the batch gets the
// error, and none of their writes exist.

// maxGroup bounds how many requests share one commit.
const maxGroup = 64

type groupReq struct {
	ctx  context.Context
	fn   func(t *tx) error
	done chan error
}

type groupCommitter struct {
	s    *Store
	reqs chan *groupReq
	quit chan struct{}
	exit chan struct{}
}

func newGroupCommitter(s *Store) *groupCommitter {
	g := &groupCommitter{s: s, reqs: make(chan *groupReq, maxGroup), quit: make(chan struct{}), exit: make(chan struct{})}
	go g.loop()
	return g
}

// run queues fn and waits for the outcome of its batch.
func (g *groupCommitter) run(ctx context.Context, fn func(t *tx) error) error {
	r := &groupReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case g.reqs <- r:
	case <-ctx.Done():
		return ctx.Err()
	case <-g.quit:
		return fmt.Errorf("store: closed")
	}
	// Once queued, the request runs or fails as part of a batch; its
	// outcome must be awaited so that the caller never guesses.
	return <-r.done
}

func (g *groupCommitter) close() {
	close(g.quit)
	<-g.exit
}

func (g *groupCommitter) loop() {
	defer close(g.exit)
	batch := make([]*groupReq, 0, maxGroup)
	for {
		select {
		case r := <-g.reqs:
			batch = append(batch[:0], r)
		case <-g.quit:
			g.drain()
			return
		}
	fill:
		for len(batch) < maxGroup {
			select {
			case r := <-g.reqs:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		g.commit(batch)
	}
}

// drain fails what is still queued at close.
func (g *groupCommitter) drain() {
	for {
		select {
		case r := <-g.reqs:
			r.done <- fmt.Errorf("store: closed")
		default:
			return
		}
	}
}

func (g *groupCommitter) commit(batch []*groupReq) {
	s := g.s
	errs := make([]error, len(batch))
	fail := func(err error) {
		for _, r := range batch {
			r.done <- err
		}
	}
	sqlTx, err := s.write.BeginTx(context.Background(), nil)
	if err != nil {
		fail(fmt.Errorf("store: begin: %w", err))
		return
	}
	c := conn{q: sqlTx, cache: s.writeStmts, tx: sqlTx}
	t := &tx{s: s, sql: sqlTx, q: sqlcdb.New(c), c: c}
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		errs[i] = runInSavepoint(r.ctx, sqlTx, t, r.fn)
	}
	if err := sqlTx.Commit(); err != nil {
		fail(fmt.Errorf("store: commit: %w", mapErr(err)))
		return
	}
	if s.writeStmts != nil && s.writeStmts.pending() {
		s.writeStmts.fill(context.Background())
	}
	for i, r := range batch {
		r.done <- errs[i]
	}
}

// runInSavepoint runs fn so that its writes are undone alone when it fails
// (or panics), leaving the rest of the batch as it was.
func runInSavepoint(ctx context.Context, sqlTx *sql.Tx, t *tx, fn func(t *tx) error) (err error) {
	if _, err := sqlTx.ExecContext(ctx, "SAVEPOINT request"); err != nil {
		return fmt.Errorf("store: savepoint: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("store: transaction panicked: %v", p)
		}
		if err != nil {
			if _, rerr := sqlTx.ExecContext(context.Background(), "ROLLBACK TO request"); rerr != nil {
				err = fmt.Errorf("%w (and rolling back: %v)", err, rerr)
			}
		}
		if _, rerr := sqlTx.ExecContext(context.Background(), "RELEASE request"); rerr != nil && err == nil {
			err = fmt.Errorf("store: release savepoint: %w", rerr)
		}
	}()
	return fn(t)
}
