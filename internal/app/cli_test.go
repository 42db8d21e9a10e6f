package app_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/app"
	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/config"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/marketing"
)

// cli runs one scrms command line against a database and returns its exit
// code, standard output and standard error.
func cli(t *testing.T, dbURL, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := app.Main(context.Background(), app.Env{Args: args, Stdin: strings.NewReader(stdin), Stdout: &out,
		Stderr: &errOut, Version: "1.2.3", Options: app.Options{PasswordParams: apptest.Cheap},
		Getenv: func(k string) string {
			if k == "SCRMS_DATABASE_URL" {
				return dbURL
			}
			return ""
		}})
	return code, out.String(), errOut.String()
}

func TestCommandLineContract(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "scrms.db")
	if code, out, _ := cli(t, db, "", "version"); code != 0 || out != "scrms 1.2.3\n" {
		t.Fatalf("version: %d %q", code, out)
	}
	if code, out, _ := cli(t, db, "", "migrate"); code != 0 || !strings.Contains(out, "up to date") {
		t.Fatalf("migrate: %d %q", code, out)
	}
	code, out, errOut := cli(t, db, "correct horse battery\n", "user", "create", "--email", "Ada@Example.com",
		"--name", "Ada", "--role", "admin", "--team", "North", "--password-stdin")
	if code != 0 || !strings.Contains(out, "ada@example.com (admin)") {
		t.Fatalf("user create: %d %q %q", code, out, errOut)
	}
	code, _, errOut = cli(t, db, "short\n", "user", "create", "--email", "b@example.com", "--name", "B",
		"--role", "wizard", "--password-stdin")
	if code != 1 || !strings.Contains(errOut, "role") || !strings.Contains(errOut, "password") {
		t.Fatalf("bad user create: %d %q", code, errOut)
	}
	code, out, errOut = cli(t, db, "", "token", "create", "--email", "ada@example.com", "--name", "sync")
	token := strings.TrimSuffix(out, "\n")
	if code != 0 || !strings.HasPrefix(token, "scrms_") || strings.ContainsAny(token, " \n") || errOut != "" {
		t.Fatalf("token create must print the token alone: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := cli(t, db, "", "token", "create", "--email", "nobody@example.com", "--name", "x"); code != 1 ||
		!strings.Contains(errOut, "nobody@example.com") {
		t.Fatalf("token for unknown user: %d %q", code, errOut)
	}
	if code, out, _ := cli(t, db, "a new long password\n", "user", "set-password", "--email", "ada@example.com",
		"--password-stdin"); code != 0 || !strings.Contains(out, "password changed") {
		t.Fatalf("set-password: %d %q", code, out)
	}
	// The new password works, and the token it replaced does not (tokens end with a password change).
	a, err := app.New(context.Background(), mustConfig(t, db), discardLog(), "test", app.Options{PasswordParams: apptest.Cheap})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, _, err := a.Auth.SignIn(context.Background(), "ada@example.com", "a new long password", "127.0.0.1", "t"); err != nil {
		t.Fatalf("new password: %v", err)
	}
	if _, err := a.Auth.TokenUser(context.Background(), token); err == nil {
		t.Fatal("token survived a password change")
	}
	if code, out, _ := cli(t, db, "", "demo", "--customers", "250", "--seed", "3"); code != 0 || !strings.Contains(out, "added 250 customers") {
		t.Fatalf("demo: %d %q", code, out)
	}
	// The demo customers come with a marketing consent history: about three
	// in five agreed to email, a few of them withdrew since.
	b, err := app.New(context.Background(), mustConfig(t, db), discardLog(), "test", app.Options{PasswordParams: apptest.Cheap})
	if err != nil {
		t.Fatal(err)
	}
	consenting, err := b.Store.CountRule(context.Background(), marketing.Rule{Field: "consent", Op: "=", Value: "email"},
		customer.Visibility{Scope: auth.ScopeAll}, time.Now())
	b.Close()
	if err != nil || consenting < 130 || consenting > 155 {
		t.Fatalf("%d of 250 demo customers agreed to email marketing (%v), want about 150 less the withdrawals", consenting, err)
	}
	if code, _, errOut := cli(t, db, "", "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Fatalf("unknown command: %d %q", code, errOut)
	}
	if code, _, errOut := cli(t, "mysql://x", "", "migrate"); code != 1 || !strings.Contains(errOut, "SCRMS_DATABASE_URL") {
		t.Fatalf("bad database url: %d %q", code, errOut)
	}
}

func mustConfig(t *testing.T, db string) config.Config {
	t.Helper()
	cfg, _, err := config.Load(nil, func(k string) string {
		if k == "SCRMS_DATABASE_URL" {
			return db
		}
		if k == "SCRMS_JOBS" {
			return "false"
		}
		return ""
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
