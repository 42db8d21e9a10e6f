package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/demo"
)

// demoBatch is how many customers go into one transaction.
const demoBatch = 50000

// bulkEnv tunes a command for a large load: a bulk load inserts into every
// index at random places, and a large page cache (unless one is set) keeps
// them in memory; the WAL may grow between checkpoints. The server's own
// settings stay as configured.
func bulkEnv(env Env) Env {
	if env.Getenv("SCRMS_SQLITE_CACHE_MB") == "" {
		getenv := env.Getenv
		env.Getenv = func(k string) string {
			if k == "SCRMS_SQLITE_CACHE_MB" {
				return "1024"
			}
			return getenv(k)
		}
	}
	env.Options.BulkLoad = true
	return env
}

func runDemo(ctx context.Context, env Env, args []string) error {
	var n int
	var seed uint64
	env = bulkEnv(env)
	a, err := open(ctx, env, args, func(fs *flag.FlagSet) {
		fs.IntVar(&n, "customers", 1000, "how many customers to add")
		fs.Uint64Var(&seed, "seed", 1, "random seed; the same seed gives the same data")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if n < 1 || n > 10_000_000 {
		return errors.New("demo: --customers must be between 1 and 10000000")
	}
	start := time.Now()
	added, err := a.Demo(ctx, n, seed, func(done int) {
		fmt.Fprintf(env.Stderr, "\r%d / %d customers", done, n)
	})
	fmt.Fprintln(env.Stderr)
	if err != nil {
		return err
	}
	d := time.Since(start)
	fmt.Fprintf(env.Stdout, "added %d customers in %.1fs (%.0f/s)\n", added, d.Seconds(), float64(added)/d.Seconds())
	return nil
}

// Demo adds n generated customers owned round-robin by the existing active
// users, in batches. A second run with the same seed adds the same people
// again under new external ids.
func (a *App) Demo(ctx context.Context, n int, seed uint64, progress func(int)) (int, error) {
	users, err := a.Auth.ListUsers(ctx, auth.System("demo"))
	if err != nil {
		return 0, err
	}
	var owners []int64
	teams := map[int64]int64{}
	for _, u := range users {
		if u.Active {
			owners = append(owners, u.ID)
			teams[u.ID] = u.TeamID
		}
	}
	count, err := a.Store.CountCustomers(ctx, customer.ListQuery{Visibility: customer.Visibility{Scope: auth.ScopeAll}}, 0)
	if err != nil {
		return 0, err
	}
	gen := demo.NewGenerator(seed+uint64(count), owners, teams, time.Now(), n)
	// The next batch is generated while the current one is written.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []customer.Customer, 1)
	go func() {
		defer close(batches)
		for made := 0; made < n; {
			size := min(demoBatch, n-made)
			batch := make([]customer.Customer, size)
			for i := range batch {
				batch[i] = gen.Next()
				batch[i].ExternalID = fmt.Sprintf("demo-%d-%d", seed, count+made+i+1)
			}
			made += size
			select {
			case batches <- batch:
			case <-ctx.Done():
				return
			}
		}
	}()
	done := 0
	for batch := range batches {
		size := len(batch)
		e := auth.System("demo").Audit("bulk_create", "customer", 0, time.Now().UTC())
		e.Changes = []audit.Change{{Field: "customers", New: fmt.Sprint(size)}}
		if err := a.Store.BulkInsertCustomers(ctx, batch, e); err != nil {
			return done, err
		}
		done += size
		if progress != nil {
			progress(done)
		}
	}
	if err := a.Store.SeedDemoConsents(ctx, fmt.Sprintf("demo-%d-", seed), time.Now().UTC()); err != nil {
		return done, err
	}
	return done, a.Store.AnalyzeAfterBulkLoad(ctx)
}
