// Package apptest starts a whole SCRMS (store, services, UI and API) on a
// fresh database for tests, with helpers to act as users of each role.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/app"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/config"
	"github.com/scrms/scrms/internal/store"
	"github.com/scrms/scrms/internal/store/storetest"
)

// Cheap password hashing keeps tests fast; production uses the defaults.
var Cheap = auth.PasswordParams{MemoryKiB: 1024, Iterations: 1, Parallelism: 1}

// Harness is a running SCRMS behind an httptest server.
type Harness struct {
	T          testing.TB
	App        *app.App
	Server     *httptest.Server
	AdminToken string
	Admin      auth.User
	// URL is the database, for a second instance on it (Database).
	URL string
}

// New starts SCRMS on a fresh database of the engine with one administrator
// (admin@example.com / "correct horse battery") and an API token for it.
func New(t testing.TB, engine store.Engine, opts ...Option) *Harness {
	t.Helper()
	return NewAt(t, engine, nil, opts...)
}

// NewAt is New with a clock the test controls (nil: the real one).
func NewAt(t testing.TB, engine store.Engine, now func() time.Time, opts ...Option) *Harness {
	t.Helper()
	h := startAt(t, engine, now, opts...)
	var err error
	ctx := context.Background()
	h.Admin, err = h.App.Auth.Setup(ctx, auth.NewUser{Email: "admin@example.com", Name: "Ada Admin",
		Password: "correct horse battery"}, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	h.AdminToken, _, err = h.App.Auth.CreateAPITokenFor(ctx, auth.System("test"), "admin@example.com", "tests")
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// Start starts SCRMS on a fresh, empty database of the engine: no users, so
// the first visit shows the setup page.
func Start(t testing.TB, engine store.Engine, opts ...Option) *Harness {
	t.Helper()
	return startAt(t, engine, nil, opts...)
}

func startAt(t testing.TB, engine store.Engine, now func() time.Time, opts ...Option) *Harness {
	t.Helper()
	ctx := context.Background()
	env := map[string]string{"SCRMS_DATABASE_URL": storetest.URL(t, engine), "SCRMS_JOBS": "false"}
	for _, o := range opts {
		o(env)
	}
	cfg, _, err := config.Load(nil, func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(ctx, cfg, log, "test", app.Options{PasswordParams: Cheap, Now: now})
	if err != nil {
		t.Fatalf("apptest: start: %v", err)
	}
	h := &Harness{T: t, App: a, URL: env["SCRMS_DATABASE_URL"]}
	h.Server = httptest.NewServer(a.Handler)
	if err := a.Jobs.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		h.Server.Close()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		a.Jobs.Stop(sctx)
		a.Close()
	})
	return h
}

// Option changes how a harness starts SCRMS.
type Option func(env map[string]string)

// Database starts the instance on an existing database (another
// harness's URL) instead of a fresh one.
func Database(url string) Option {
	return func(env map[string]string) { env["SCRMS_DATABASE_URL"] = url }
}

// WithJobs runs the background jobs (off by default to keep tests quick).
func WithJobs(env map[string]string) { env["SCRMS_JOBS"] = "true" }

// Team creates a team and returns its id.
func (h *Harness) Team(name string) int64 {
	h.T.Helper()
	t, err := h.App.Auth.CreateTeam(context.Background(), auth.System("test"), name)
	if err != nil {
		h.T.Fatal(err)
	}
	return t.ID
}

// User creates a user with the role and team and returns an API token for it.
func (h *Harness) User(email string, role auth.Role, team int64) (auth.User, string) {
	h.T.Helper()
	ctx := context.Background()
	u, err := h.App.Auth.CreateUser(ctx, auth.System("test"), auth.NewUser{Email: email, Name: email, Role: role,
		TeamID: team, Password: "long enough password"})
	if err != nil {
		h.T.Fatal(err)
	}
	tok, _, err := h.App.Auth.CreateAPITokenFor(ctx, auth.System("test"), email, "tests")
	if err != nil {
		h.T.Fatal(err)
	}
	return u, tok
}

// Response is an API answer with its decoded JSON body.
type Response struct {
	Status int
	Header http.Header
	Raw    []byte
	JSON   map[string]any
	List   []any
}

// Do sends an API request (path under /api/v1) with a bearer token and a
// body that is JSON-encoded unless it is a string or []byte already.
func (h *Harness) Do(method, path, token string, body any, headers ...string) Response {
	h.T.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			h.T.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, h.Server.URL+"/api/v1"+path, rd)
	if err != nil {
		h.T.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.T.Fatal(err)
	}
	defer res.Body.Close()
	r := Response{Status: res.StatusCode, Header: res.Header}
	r.Raw, _ = io.ReadAll(res.Body)
	if len(r.Raw) > 0 {
		if r.Raw[0] == '[' {
			_ = json.Unmarshal(r.Raw, &r.List)
		} else {
			_ = json.Unmarshal(r.Raw, &r.JSON)
		}
	}
	return r
}

// Fields returns the field names of a problem's errors.
func (r Response) Fields() []string {
	var out []string
	errs, _ := r.JSON["errors"].([]any)
	for _, e := range errs {
		m, _ := e.(map[string]any)
		f, _ := m["field"].(string)
		out = append(out, f)
	}
	return out
}

// ID returns the "id" of a JSON object answer.
func (r Response) ID() int64 {
	f, _ := r.JSON["id"].(float64)
	return int64(f)
}
