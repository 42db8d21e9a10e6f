// Package jobs runs SCRMS's background work on River: on PostgreSQL through
// pgx, on SQLite through River's SQLite driver, sharing the store's database.
// The seam is small (Runner) so that the queue can be replaced without
// touching the workers, which only call domain services and the store.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/scrms/scrms/internal/store"
)

// queueClient is the part of a River client the runner uses; it does not
// depend on the driver's transaction type.
type queueClient interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	Subscribe(kinds ...river.EventKind) (<-chan *river.Event, func())
}

// Runner owns the job queue of one SCRMS process.
type Runner struct {
	client  queueClient
	enabled bool
	log     *slog.Logger
	done    *prometheus.CounterVec
	pool    *pgxpool.Pool
	stopSub func()
}

// CleanupArgs asks for expired sessions, sign-in attempts and idempotency
// keys to be removed.
type CleanupArgs struct{}

// Kind names the job.
func (CleanupArgs) Kind() string { return "cleanup" }

type cleanupWorker struct {
	river.WorkerDefaults[CleanupArgs]
	store *store.Store
}

func (w *cleanupWorker) Work(ctx context.Context, _ *river.Job[CleanupArgs]) error {
	return w.store.Cleanup(ctx, time.Now().UTC())
}

// New migrates River's tables and builds the client. With enabled false the
// runner starts no workers and no periodic jobs (a web-only instance).
func New(ctx context.Context, st *store.Store, databaseURL string, log *slog.Logger, reg prometheus.Registerer, enabled bool) (*Runner, error) {
	r := &Runner{enabled: enabled, log: log,
		done: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "scrms_jobs_total",
			Help: "Background jobs finished, by kind and outcome."}, []string{"kind", "outcome"})}
	reg.MustRegister(r.done)
	workers := river.NewWorkers()
	river.AddWorker(workers, &cleanupWorker{store: st})
	cfg := &river.Config{
		Logger:  log.With("component", "jobs"),
		Workers: workers,
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return CleanupArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
		},
	}
	if enabled {
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}}
	}
	var err error
	switch st.Engine() {
	case store.Postgres:
		r.pool, err = pgxpool.New(ctx, databaseURL)
		if err != nil {
			return nil, fmt.Errorf("jobs: connect: %w", err)
		}
		driver := riverpgxv5.New(r.pool)
		err = withMigrationLock(ctx, r.pool, func() error { return migrate(ctx, driver) })
		if err == nil {
			r.client, err = river.NewClient(driver, cfg)
		}
		if err != nil {
			r.pool.Close()
			return nil, fmt.Errorf("jobs: %w", err)
		}
	default:
		driver := riversqlite.New(st.DB())
		err = migrate(ctx, driver)
		if err == nil {
			r.client, err = river.NewClient(driver, cfg)
		}
		if err != nil {
			return nil, fmt.Errorf("jobs: %w", err)
		}
	}
	return r, nil
}

func migrate[TTx any](ctx context.Context, driver riverdriver.Driver[TTx]) error {
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		return fmt.Errorf("migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate queue tables: %w", err)
	}
	return nil
}

// migrationLockKey serialises River's migrations across instances starting together.
const migrationLockKey = 727002

func withMigrationLock(ctx context.Context, pool *pgxpool.Pool, fn func() error) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey)
	return fn()
}

// Start starts the workers when this process runs jobs.
func (r *Runner) Start(ctx context.Context) error {
	if !r.enabled {
		return nil
	}
	events, stop := r.client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled)
	r.stopSub = stop
	go func() {
		for ev := range events {
			r.done.WithLabelValues(ev.Job.Kind, string(ev.Kind)).Inc()
		}
	}()
	if err := r.client.Start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	return nil
}

// Stop lets running jobs finish (until ctx ends) and releases the queue.
func (r *Runner) Stop(ctx context.Context) error {
	var err error
	if r.enabled {
		err = r.client.Stop(ctx)
		if r.stopSub != nil {
			r.stopSub()
		}
	}
	if r.pool != nil {
		r.pool.Close()
	}
	return err
}
