package store

import (
	"context"
	"fmt"

	"github.com/scrms/scrms/internal/store/sqlcdb"
)

// On SQLite every write transaction waits for the one writer connection, and
// committing (writing the WAL, flushing the full-text index) is the largest
// single cost of a small one. The group committer runs the write
// transactions that are waiting at the same moment in one SQLite
// transaction and commits once. Batches are optimistic: if any request in a
// batch fails, the whole transaction is rolled back and every request of the
// batch runs again in a transaction of its own, so each still commits or
// rolls back alone, sees the writes before it as it would in sequence, and
// gets its own error. (Savepoints per request were tried first; SQLite's
// full-text index flushes at every savepoint, which cost more than the
// commits saved.) If a commit fails, every request it carried gets the error
// and none of their writes exist.

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
	// outcome is awaited so that the caller never guesses. A request that
	// slipped into the queue after the loop drained it at close never runs.
	select {
	case err := <-r.done:
		return err
	case <-g.exit:
		select {
		case err := <-r.done:
			return err
		default:
			return fmt.Errorf("store: closed")
		}
	}
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
	live := batch[:0:0]
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.done <- err
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	if len(live) == 1 {
		live[0].done <- g.runAlone(live[0])
		return
	}
	t, err := g.begin()
	if err != nil {
		for _, r := range live {
			r.done <- err
		}
		return
	}
	failed := false
	for _, r := range live {
		if err := runGuarded(r.ctx, t, r.fn); err != nil {
			failed = true
			break
		}
	}
	if failed {
		_ = t.sql.Rollback()
		for _, r := range live {
			r.done <- g.runAlone(r)
		}
		return
	}
	err = g.finish(t)
	for _, r := range live {
		r.done <- err
	}
}

// runAlone runs one request in a transaction of its own.
func (g *groupCommitter) runAlone(r *groupReq) error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	t, err := g.begin()
	if err != nil {
		return err
	}
	if err := runGuarded(r.ctx, t, r.fn); err != nil {
		_ = t.sql.Rollback()
		return err
	}
	return g.finish(t)
}

func (g *groupCommitter) begin() (*tx, error) {
	s := g.s
	sqlTx, err := s.write.BeginTx(context.Background(), nil)
	if err != nil {
		return nil, fmt.Errorf("store: begin: %w", err)
	}
	c := conn{q: sqlTx, cache: s.writeStmts, tx: sqlTx}
	return &tx{s: s, sql: sqlTx, q: sqlcdb.New(c), c: c}, nil
}

func (g *groupCommitter) finish(t *tx) error {
	if err := t.sql.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", mapErr(err))
	}
	if g.s.writeStmts != nil && g.s.writeStmts.pending() {
		g.s.writeStmts.fill(context.Background())
	}
	return nil
}

// runGuarded runs fn, turning a panic into an error so that the writer
// goroutine survives it.
func runGuarded(ctx context.Context, t *tx, fn func(t *tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("store: transaction panicked: %v", p)
		}
	}()
	if err := ctx.Err(); err != nil {
		return err
	}
	return fn(t)
}
