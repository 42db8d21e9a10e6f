package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/store"
)

// engines runs fn as a parallel subtest on every engine available here.
func engines(t *testing.T, fn func(t *testing.T, h *apptest.Harness)) {
	t.Helper()
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			fn(t, apptest.New(t, e))
		})
	}
}

func wantStatus(t *testing.T, r apptest.Response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Raw)
	}
}

func wantProblem(t *testing.T, r apptest.Response, status int, fields ...string) {
	t.Helper()
	wantStatus(t, r, status)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("content type %q, want application/problem+json", ct)
	}
	if r.JSON["title"] == nil || r.JSON["status"] != float64(status) || r.JSON["detail"] == nil {
		t.Fatalf("problem lacks title/status/detail: %s", r.Raw)
	}
	got := r.Fields()
	for _, f := range fields {
		if !slices.Contains(got, f) {
			t.Fatalf("problem fields %v lack %q: %s", got, f, r.Raw)
		}
	}
}

var ann = map[string]any{
	"kind": "person", "first_name": "Ann", "last_name": "Smithson",
	"emails":    []map[string]any{{"address": "Ann@Acme.example", "label": "work"}},
	"phones":    []map[string]any{{"number": "+44 20 7946 0958", "label": "office"}},
	"addresses": []map[string]any{{"line1": "1 High St", "city": "London", "country": "gb"}},
	"tags":      []string{"VIP"}, "external_id": "shop-42",
}

func TestAPICustomerLifecycle(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		tok := h.AdminToken
		r := h.Do("POST", "/customers", tok, ann)
		wantStatus(t, r, http.StatusCreated)
		id := r.ID()
		c := r.JSON
		if c["kind"] != "person" || c["name"] != "Ann Smithson" || c["first_name"] != "Ann" ||
			c["external_id"] != "shop-42" || c["lifecycle_stage"] != "lead" || c["owner_id"] != float64(h.Admin.ID) ||
			c["created_at"] == nil || c["updated_at"] == nil {
			t.Fatalf("created customer: %s", r.Raw)
		}
		emails := c["emails"].([]any)
		if e := emails[0].(map[string]any); e["address"] != "ann@acme.example" || e["primary"] != true || e["label"] != "work" {
			t.Fatalf("email: %v", e)
		}
		if p := c["phones"].([]any)[0].(map[string]any); p["number"] != "+442079460958" {
			t.Fatalf("phone not in E.164: %v", p)
		}
		if a := c["addresses"].([]any)[0].(map[string]any); a["country"] != "GB" {
			t.Fatalf("address: %v", a)
		}

		r = h.Do("GET", fmt.Sprintf("/customers/%d", id), tok, nil)
		wantStatus(t, r, http.StatusOK)
		if r.JSON["name"] != "Ann Smithson" {
			t.Fatalf("get: %s", r.Raw)
		}

		r = h.Do("PATCH", fmt.Sprintf("/customers/%d", id), tok, map[string]any{"last_name": "Smith", "lifecycle_stage": "customer"})
		wantStatus(t, r, http.StatusOK)
		if r.JSON["name"] != "Ann Smith" || r.JSON["lifecycle_stage"] != "customer" || len(r.JSON["emails"].([]any)) != 1 {
			t.Fatalf("patch: %s", r.Raw)
		}

		h.Do("POST", "/customers", tok, map[string]any{"kind": "organization", "name": "Acme Hydraulics"})
		for _, q := range []string{"smi", "ann smith", "acme.exa", "020 7946", "+44 20"} {
			r = h.Do("GET", "/customers?q="+urlq(q), tok, nil)
			wantStatus(t, r, http.StatusOK)
			items := r.JSON["items"].([]any)
			if len(items) != 1 || items[0].(map[string]any)["id"] != float64(id) {
				t.Fatalf("search %q found %s", q, r.Raw)
			}
		}

		r = h.Do("POST", fmt.Sprintf("/customers/%d/notes", id), tok, map[string]any{"body": "Called about the renewal", "pinned": true})
		wantStatus(t, r, http.StatusCreated)
		r = h.Do("GET", fmt.Sprintf("/customers/%d/timeline", id), tok, nil)
		wantStatus(t, r, http.StatusOK)
		items := r.JSON["items"].([]any)
		if len(items) != 3 || items[0].(map[string]any)["kind"] != "note" {
			t.Fatalf("timeline: %s", r.Raw)
		}

		wantStatus(t, h.Do("DELETE", fmt.Sprintf("/customers/%d", id), tok, nil), http.StatusNoContent)
		r = h.Do("GET", "/customers?q=smi", tok, nil)
		if len(r.JSON["items"].([]any)) != 0 {
			t.Fatalf("deleted customer listed: %s", r.Raw)
		}
		r = h.Do("GET", "/customers?deleted=true", tok, nil)
		if len(r.JSON["items"].([]any)) != 1 {
			t.Fatalf("bin: %s", r.Raw)
		}
		r = h.Do("POST", fmt.Sprintf("/customers/%d/restore", id), tok, nil)
		wantStatus(t, r, http.StatusOK)
		if r.JSON["deleted_at"] != nil {
			t.Fatalf("restored customer still deleted: %s", r.Raw)
		}
	})
}

func urlq(s string) string { return strings.NewReplacer(" ", "+", "+", "%2B").Replace(s) }

func TestAPIRejectsBadInput(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		tok := h.AdminToken
		cases := []struct {
			name   string
			body   any
			status int
			fields []string
		}{
			{"missing kind", map[string]any{"first_name": "X"}, 422, []string{"kind"}},
			{"wrong type", map[string]any{"kind": "person", "first_name": 5}, 422, []string{"first_name"}},
			{"unknown kind", map[string]any{"kind": "robot", "first_name": "X"}, 422, []string{"kind"}},
			{"bad email", map[string]any{"kind": "person", "last_name": "X", "emails": []map[string]any{{"address": "nope"}}}, 422, []string{"emails[0].address"}},
			{"bad phone", map[string]any{"kind": "person", "last_name": "X", "phones": []map[string]any{{"number": "12"}}}, 422, []string{"phones[0].number"}},
			{"two primaries", map[string]any{"kind": "person", "last_name": "X", "emails": []map[string]any{{"address": "a@b.example", "primary": true}, {"address": "c@d.example", "primary": true}}}, 422, []string{"emails"}},
			{"unknown field", map[string]any{"kind": "person", "last_name": "X", "password_hash": "x"}, 422, nil},
			{"person without a name", map[string]any{"kind": "person"}, 422, []string{"last_name"}},
			{"organization without a name", map[string]any{"kind": "organization"}, 422, []string{"name"}},
			{"bad stage", map[string]any{"kind": "person", "last_name": "X", "lifecycle_stage": "vip"}, 422, []string{"lifecycle_stage"}},
			{"malformed json", `{"kind": "person",`, 400, nil},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				wantProblem(t, h.Do("POST", "/customers", tok, tc.body), tc.status, tc.fields...)
			})
		}
		big := `{"kind":"person","last_name":"` + strings.Repeat("x", 2<<20) + `"}`
		wantProblem(t, h.Do("POST", "/customers", tok, big), http.StatusRequestEntityTooLarge)
		wantProblem(t, h.Do("GET", "/customers?limit=1000", tok, nil), 422, "limit")
		wantProblem(t, h.Do("GET", "/customers?cursor=garbage", tok, nil), 422, "cursor")
		wantProblem(t, h.Do("GET", "/customers?sort=password_hash", tok, nil), 422, "sort")
		wantProblem(t, h.Do("GET", "/customers/999999", tok, nil), 404)
		wantProblem(t, h.Do("GET", "/customers/abc", tok, nil), 422, "id")
		// Nothing was written by any of the refused requests.
		r := h.Do("GET", "/customers", tok, nil)
		if n := len(r.JSON["items"].([]any)); n != 0 {
			t.Fatalf("%d customers exist after only refused creates", n)
		}
		wantStatus(t, h.Do("POST", "/customers", tok, map[string]any{"kind": "person", "last_name": "One", "external_id": "e1"}), 201)
		wantProblem(t, h.Do("POST", "/customers", tok, map[string]any{"kind": "person", "last_name": "Two", "external_id": "e1"}), 409, "external_id")
	})
}

func TestAPIAuthentication(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		r := h.Do("GET", "/customers", "", nil)
		wantProblem(t, r, http.StatusUnauthorized)
		if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Fatalf("no WWW-Authenticate: %v", r.Header)
		}
		wantProblem(t, h.Do("GET", "/customers", "scrms_NOTAREALTOKEN", nil), http.StatusUnauthorized)
		r = h.Do("POST", "/tokens", h.AdminToken, map[string]any{"name": "temporary"})
		wantStatus(t, r, http.StatusCreated)
		tok := r.JSON["token"].(string)
		wantStatus(t, h.Do("GET", "/me", tok, nil), http.StatusOK)
		list := h.Do("GET", "/tokens", h.AdminToken, nil)
		for _, it := range list.List {
			if m := it.(map[string]any); m["token"] != nil || m["hash"] != nil || m["token_hash"] != nil {
				t.Fatalf("token list leaks a secret: %s", list.Raw)
			}
		}
		wantStatus(t, h.Do("DELETE", fmt.Sprintf("/tokens/%d", r.ID()), h.AdminToken, nil), http.StatusNoContent)
		wantProblem(t, h.Do("GET", "/me", tok, nil), http.StatusUnauthorized)
		users := h.Do("GET", "/users", h.AdminToken, nil)
		if strings.Contains(string(users.Raw), "argon2") || strings.Contains(string(users.Raw), "password") {
			t.Fatalf("users list leaks password data: %s", users.Raw)
		}
	})
}

func TestAPIRoleMatrix(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		north, south := h.Team("North"), h.Team("South")
		nUser, nTok := h.User("north@example.com", auth.RoleSales, north)
		_, sTok := h.User("south@example.com", auth.RoleSales, south)
		_, roTok := h.User("reader@example.com", auth.RoleReadOnly, 0)
		_, mTok := h.User("manager@example.com", auth.RoleManager, north)

		me := h.Do("GET", "/me", nTok, nil)
		if me.JSON["email"] != "north@example.com" || me.JSON["role"] != "sales" || me.JSON["scope"] != "team" {
			t.Fatalf("a token does not act as its user: %s", me.Raw)
		}
		r := h.Do("POST", "/customers", sTok, map[string]any{"kind": "person", "last_name": "Southern",
			"emails": []map[string]any{{"address": "s@south.example"}}})
		wantStatus(t, r, 201)
		southID := r.ID()
		r = h.Do("POST", "/customers", nTok, map[string]any{"kind": "person", "last_name": "Northern"})
		wantStatus(t, r, 201)
		northID := r.ID()
		if r.JSON["owner_id"] != float64(nUser.ID) || r.JSON["team_id"] != float64(north) {
			t.Fatalf("owner/team not set from the creator: %s", r.Raw)
		}

		// Another team's customer does not exist for a sales user, on every path.
		wantProblem(t, h.Do("GET", fmt.Sprintf("/customers/%d", southID), nTok, nil), 404)
		wantProblem(t, h.Do("PATCH", fmt.Sprintf("/customers/%d", southID), nTok, map[string]any{"last_name": "X"}), 404)
		wantProblem(t, h.Do("GET", fmt.Sprintf("/customers/%d/timeline", southID), nTok, nil), 404)
		wantProblem(t, h.Do("POST", fmt.Sprintf("/customers/%d/notes", southID), nTok, map[string]any{"body": "hi"}), 404)
		list := h.Do("GET", "/customers?q=southern", nTok, nil)
		if len(list.JSON["items"].([]any)) != 0 {
			t.Fatalf("search leaks another team's customer: %s", list.Raw)
		}
		// Mass assignment: sales cannot hand a customer to someone else.
		wantProblem(t, h.Do("PATCH", fmt.Sprintf("/customers/%d", northID), nTok, map[string]any{"owner_id": 1}), 403, "owner_id")
		wantProblem(t, h.Do("POST", "/customers", nTok, map[string]any{"kind": "person", "last_name": "Y", "owner_id": 1}), 403, "owner_id")
		// Sales may not delete; managers may.
		wantProblem(t, h.Do("DELETE", fmt.Sprintf("/customers/%d", northID), nTok, nil), 403)
		wantStatus(t, h.Do("DELETE", fmt.Sprintf("/customers/%d", northID), mTok, nil), 204)

		// Read-only reads everything, masked, and writes nothing.
		r = h.Do("GET", fmt.Sprintf("/customers/%d", southID), roTok, nil)
		wantStatus(t, r, 200)
		if r.JSON["pii_masked"] != true || strings.Contains(string(r.Raw), "s@south.example") {
			t.Fatalf("read-only sees personal data: %s", r.Raw)
		}
		wantProblem(t, h.Do("POST", "/customers", roTok, map[string]any{"kind": "person", "last_name": "Z"}), 403)
		wantProblem(t, h.Do("PATCH", fmt.Sprintf("/customers/%d", southID), roTok, map[string]any{"last_name": "Z"}), 403)
		wantProblem(t, h.Do("GET", "/customers?q=s%40south", roTok, nil), 422, "q")
		wantProblem(t, h.Do("GET", "/audit", roTok, nil), 403)
		wantProblem(t, h.Do("GET", "/users", nTok, nil), 403)
		wantProblem(t, h.Do("POST", "/users/invites", mTok, map[string]any{"email": "x@example.com", "role": "admin"}), 403)

		// Refusals are audited.
		audit := h.Do("GET", "/audit?action=denied", h.AdminToken, nil)
		if len(audit.List) < 5 {
			t.Fatalf("denied requests audited: %d, want at least 5", len(audit.List))
		}
		if got := h.Do("GET", fmt.Sprintf("/customers/%d", southID), h.AdminToken, nil); got.JSON["last_name"] != "Southern" {
			t.Fatalf("refused writes changed the customer: %s", got.Raw)
		}
	})
}

func TestAPIIdempotencyKey(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		tok := h.AdminToken
		body := map[string]any{"kind": "person", "last_name": "Once"}
		first := h.Do("POST", "/customers", tok, body, "Idempotency-Key", "k-1")
		wantStatus(t, first, 201)
		again := h.Do("POST", "/customers", tok, body, "Idempotency-Key", "k-1")
		wantStatus(t, again, 201)
		if again.ID() != first.ID() || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay: id %d vs %d, header %q", again.ID(), first.ID(), again.Header.Get("Idempotent-Replayed"))
		}
		wantProblem(t, h.Do("POST", "/customers", tok, map[string]any{"kind": "person", "last_name": "Other"},
			"Idempotency-Key", "k-1"), 422, "Idempotency-Key")

		var wg sync.WaitGroup
		statuses := make(chan int, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses <- h.Do("POST", "/customers", tok, map[string]any{"kind": "person", "last_name": "Race"},
					"Idempotency-Key", "k-race").Status
			}()
		}
		wg.Wait()
		close(statuses)
		for s := range statuses {
			if s != 201 && s != 409 {
				t.Fatalf("concurrent same-key create answered %d", s)
			}
		}
		r := h.Do("GET", "/customers?q=race", tok, nil)
		if n := len(r.JSON["items"].([]any)); n != 1 {
			t.Fatalf("%d customers created for one idempotency key, want 1", n)
		}
	})
}

func TestOpenAPIDocument(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	r := h.Do("GET", "/openapi.json", "", nil)
	wantStatus(t, r, 200)
	var doc struct {
		OpenAPI    string                    `json:"openapi"`
		Paths      map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas         map[string]any `json:"schemas"`
			SecuritySchemes map[string]any `json:"securitySchemes"`
		} `json:"components"`
	}
	if err := json.Unmarshal(r.Raw, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") || doc.Components.SecuritySchemes["bearer"] == nil {
		t.Fatalf("openapi %q, security %v", doc.OpenAPI, doc.Components.SecuritySchemes)
	}
	want := map[string][]string{
		"/customers":                      {"get", "post"},
		"/customers/{id}":                 {"get", "patch", "delete"},
		"/customers/{id}/restore":         {"post"},
		"/customers/{id}/notes":           {"post"},
		"/customers/{id}/notes/{note_id}": {"put", "delete"},
		"/customers/{id}/timeline":        {"get"},
		"/tokens":                         {"get", "post"},
		"/me":                             {"get"},
		"/audit":                          {"get"},
	}
	for path, methods := range want {
		for _, m := range methods {
			if doc.Paths[path][m] == nil {
				t.Errorf("openapi.json lacks %s %s", strings.ToUpper(m), path)
			}
		}
	}
	create := doc.Components.Schemas["CustomerCreateJSON"].(map[string]any)
	if create["additionalProperties"] != false {
		t.Errorf("create schema accepts unknown fields")
	}
	// The stock docs page (which loads a CDN script) is not served.
	if r := h.Do("GET", "/docs", "", nil); r.Status != 401 && r.Status != 404 {
		t.Errorf("/api/v1/docs answered %d", r.Status)
	}
}

func TestOperationsEndpoints(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/metrics": "scrms_http_requests_total"} {
		h.Do("GET", "/me", h.AdminToken, nil) // something for the metrics to count
		res, err := http.Get(h.Server.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		_, _ = fmt.Fprint(&b, readAll(res))
		if res.StatusCode != 200 || !strings.Contains(b.String(), want) {
			t.Errorf("%s: %d, body lacks %q", path, res.StatusCode, want)
		}
	}
}

func readAll(res *http.Response) string {
	defer res.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}
