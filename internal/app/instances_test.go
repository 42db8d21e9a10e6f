package app_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/scrms/scrms/internal/app"
	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/config"
	"github.com/scrms/scrms/internal/store"
	"github.com/scrms/scrms/internal/store/storetest"
)

// Several instances share one PostgreSQL; when they start at the same moment
// on an empty database, the migration lock lets exactly one migrate.
func TestInstancesStartTogetherOnPostgres(t *testing.T) {
	url := storetest.URL(t, store.Postgres)
	ctx := context.Background()
	const n = 3
	apps := make([]*app.App, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cfg, _, err := config.Load(nil, func(k string) string {
				if k == "SCRMS_DATABASE_URL" {
					return url
				}
				return ""
			}, nil)
			if err != nil {
				errs[i] = err
				return
			}
			apps[i], errs[i] = app.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), "test",
				app.Options{PasswordParams: apptest.Cheap})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		defer apps[i].Close()
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var applied, distinct int
	if err := db.QueryRow("SELECT COUNT(*), COUNT(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0").
		Scan(&applied, &distinct); err != nil {
		t.Fatal(err)
	}
	if applied != distinct || applied == 0 {
		t.Fatalf("goose recorded %d applications of %d migrations", applied, distinct)
	}
	// A user created through one instance signs in through another.
	if _, err := apps[0].Auth.Setup(ctx, adminUser(), "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := apps[2].Auth.SignIn(ctx, "admin@example.com", "correct horse battery", "127.0.0.1", "t"); err != nil {
		t.Fatalf("sign in through another instance: %v", err)
	}
}

func adminUser() auth.NewUser {
	return auth.NewUser{Email: "admin@example.com", Name: "Ada Admin", Password: "correct horse battery"}
}
