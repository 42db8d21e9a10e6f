package app_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
)

func TestAPIConsents(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		north, south := h.Team("North"), h.Team("South")
		_, nTok := h.User("north@example.com", auth.RoleSales, north)
		_, sTok := h.User("south@example.com", auth.RoleSales, south)
		_, roTok := h.User("reader@example.com", auth.RoleReadOnly, 0)
		cid := h.Do("POST", "/customers", nTok, map[string]any{"kind": "person", "last_name": "Consenting"}).ID()
		path := fmt.Sprintf("/customers/%d/consents", cid)

		r := h.Do("GET", path, nTok, nil)
		wantStatus(t, r, http.StatusOK)
		if len(r.JSON["current"].([]any)) != 0 {
			t.Fatalf("a new customer has consents: %s", r.Raw)
		}
		grant := map[string]any{"purpose": "marketing", "channel": "email", "status": "granted", "source": "web_form",
			"proof": "I would like to receive the monthly newsletter by email.", "ip": "203.0.113.7",
			"occurred_at": "2026-11-01T09:00:00Z"}
		wantStatus(t, h.Do("POST", path, nTok, grant), http.StatusCreated)
		wantStatus(t, h.Do("POST", path, nTok, map[string]any{"purpose": "marketing", "channel": "sms",
			"status": "granted", "source": "phone", "proof": "Said yes to SMS offers on the phone."}), http.StatusCreated)
		wantStatus(t, h.Do("POST", path, nTok, map[string]any{"purpose": "marketing", "channel": "email",
			"status": "withdrawn", "source": "preference_centre"}), http.StatusCreated)

		wantProblem(t, h.Do("POST", path, nTok, map[string]any{"purpose": "marketing", "channel": "email",
			"status": "granted", "source": "web_form"}), 422, "proof")
		wantProblem(t, h.Do("POST", path, nTok, map[string]any{"purpose": "marketing", "channel": "all",
			"status": "granted", "source": "web_form", "proof": "x"}), 422, "channel")
		wantProblem(t, h.Do("POST", path, nTok, map[string]any{"purpose": "telepathy", "status": "granted",
			"source": "web_form", "proof": "x"}), 422, "purpose")
		wantProblem(t, h.Do("POST", path, sTok, grant), 404)
		wantProblem(t, h.Do("GET", path, sTok, nil), 404)
		wantProblem(t, h.Do("POST", path, roTok, grant), 403)

		r = h.Do("GET", path, roTok, nil)
		wantStatus(t, r, http.StatusOK)
		current := map[string]string{}
		for _, c := range r.JSON["current"].([]any) {
			m := c.(map[string]any)
			current[m["purpose"].(string)+"/"+m["channel"].(string)] = m["status"].(string)
		}
		if len(current) != 2 || current["marketing/email"] != "withdrawn" || current["marketing/sms"] != "granted" {
			t.Fatalf("consents in force: %v", current)
		}
		history := r.JSON["history"].([]any)
		if len(history) != 3 {
			t.Fatalf("history has %d events, want 3", len(history))
		}
		oldest := history[2].(map[string]any)
		if oldest["proof"] != "I would like to receive the monthly newsletter by email." || oldest["ip"] != "203.0.113.7" ||
			oldest["occurred_at"] != "2026-11-01T09:00:00Z" {
			t.Fatalf("proof of the first grant: %v", oldest)
		}
		tl := h.Do("GET", fmt.Sprintf("/customers/%d/timeline?kind=change", cid), nTok, nil)
		titles := map[string]int{}
		for _, ev := range tl.JSON["items"].([]any) {
			titles[ev.(map[string]any)["title"].(string)]++
		}
		if titles["Consent given"] != 2 || titles["Consent withdrawn"] != 1 {
			t.Fatalf("timeline titles %v", titles)
		}
		x := h.Do("GET", fmt.Sprintf("/customers/%d/export", cid), h.AdminToken, nil)
		if n := len(x.JSON["consents"].([]any)); n != 3 {
			t.Fatalf("export has %d consent events, want 3", n)
		}
	})
}
