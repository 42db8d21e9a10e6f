package app_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
)

func TestAPIInteractions(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		north, south := h.Team("North"), h.Team("South")
		_, nTok := h.User("north@example.com", auth.RoleSales, north)
		_, sTok := h.User("south@example.com", auth.RoleSales, south)
		_, roTok := h.User("reader@example.com", auth.RoleReadOnly, 0)
		c := h.Do("POST", "/customers", nTok, map[string]any{"kind": "person", "last_name": "Caller"})
		wantStatus(t, c, http.StatusCreated)
		cid := c.ID()

		call := map[string]any{"customer_id": cid, "channel": "phone", "direction": "inbound",
			"subject": "Renewal", "body": "Asked about the renewal price.", "duration_seconds": 240,
			"occurred_at": "2026-11-20T10:15:00Z", "source": "telephony", "external_id": "call-881"}
		r := h.Do("POST", "/interactions", nTok, call)
		wantStatus(t, r, http.StatusCreated)
		if r.JSON["channel"] != "phone" || r.JSON["duration_seconds"] != float64(240) ||
			r.JSON["occurred_at"] != "2026-11-20T10:15:00Z" || r.JSON["handled_by_name"] != "north@example.com" {
			t.Fatalf("created interaction: %s", r.Raw)
		}
		// The same call posted again by the same system is refused, not doubled.
		wantProblem(t, h.Do("POST", "/interactions", nTok, call), http.StatusConflict, "external_id")
		wantStatus(t, h.Do("GET", fmt.Sprintf("/interactions/%d", r.ID()), nTok, nil), http.StatusOK)

		tl := h.Do("GET", fmt.Sprintf("/customers/%d/timeline?kind=interaction", cid), nTok, nil)
		items := tl.JSON["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["title"] != "Phone call (inbound): Renewal" {
			t.Fatalf("timeline: %s", tl.Raw)
		}
		all := h.Do("GET", fmt.Sprintf("/customers/%d/timeline", cid), nTok, nil)
		for _, it := range all.JSON["items"].([]any) {
			if m := it.(map[string]any); m["kind"] == "change" && m["title"] == "interaction create" {
				t.Fatalf("the interaction shows twice on the timeline: %s", all.Raw)
			}
		}

		wantProblem(t, h.Do("POST", "/interactions", nTok, map[string]any{"customer_id": cid, "channel": "pigeon", "body": "x"}), 422, "channel")
		wantProblem(t, h.Do("POST", "/interactions", nTok, map[string]any{"customer_id": cid, "channel": "email"}), 422, "body")
		wantProblem(t, h.Do("POST", "/interactions", nTok, map[string]any{"customer_id": cid, "channel": "email",
			"body": "x", "occurred_at": "2099-01-01T00:00:00Z"}), 422, "occurred_at")
		wantProblem(t, h.Do("POST", "/interactions", nTok, map[string]any{"customer_id": cid, "channel": "email",
			"body": "x", "handled_by_id": 99999}), 422, "handled_by_id")
		// Another team's customer does not exist for this user, and read-only logs nothing.
		wantProblem(t, h.Do("POST", "/interactions", sTok, map[string]any{"customer_id": cid, "channel": "email", "body": "x"}), 404, "customer_id")
		wantProblem(t, h.Do("GET", fmt.Sprintf("/interactions/%d", r.ID()), sTok, nil), 404)
		wantProblem(t, h.Do("POST", "/interactions", roTok, map[string]any{"customer_id": cid, "channel": "email", "body": "x"}), 403)
		tl = h.Do("GET", fmt.Sprintf("/customers/%d/timeline?kind=interaction", cid), h.AdminToken, nil)
		if n := len(tl.JSON["items"].([]any)); n != 1 {
			t.Fatalf("%d interactions after refused posts, want 1", n)
		}
	})
}

func TestAPICustomerDataExport(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		_, roTok := h.User("reader@example.com", auth.RoleReadOnly, 0)
		_, lTok := h.User("loyalty@example.com", auth.RoleLoyalty, 0)
		c := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "last_name": "Subject",
			"emails": []map[string]any{{"address": "subject@example.com"}}})
		cid := c.ID()
		h.Do("POST", fmt.Sprintf("/customers/%d/notes", cid), h.AdminToken, map[string]any{"body": "Prefers email"})
		h.Do("POST", "/interactions", h.AdminToken, map[string]any{"customer_id": cid, "channel": "email", "subject": "Hello"})
		h.Do("PATCH", fmt.Sprintf("/customers/%d", cid), h.AdminToken, map[string]any{"lifecycle_stage": "customer"})

		r := h.Do("GET", fmt.Sprintf("/customers/%d/export", cid), h.AdminToken, nil)
		wantStatus(t, r, http.StatusOK)
		cust := r.JSON["customer"].(map[string]any)
		emails := cust["emails"].([]any)
		if emails[0].(map[string]any)["address"] != "subject@example.com" {
			t.Fatalf("export lacks the email: %s", r.Raw)
		}
		if n := len(r.JSON["notes"].([]any)); n != 1 {
			t.Fatalf("export has %d notes", n)
		}
		kinds := map[string]int{}
		for _, ev := range r.JSON["timeline"].([]any) {
			kinds[ev.(map[string]any)["kind"].(string)]++
		}
		if kinds["note"] != 1 || kinds["interaction"] != 1 || kinds["change"] != 2 {
			t.Fatalf("export timeline kinds %v", kinds)
		}
		// Roles that may not export, or may not see personal data, get nothing.
		wantProblem(t, h.Do("GET", fmt.Sprintf("/customers/%d/export", cid), roTok, nil), http.StatusForbidden)
		wantProblem(t, h.Do("GET", fmt.Sprintf("/customers/%d/export", cid), lTok, nil), http.StatusForbidden)
		a := h.Do("GET", fmt.Sprintf("/audit?action=export&customer_id=%d", cid), h.AdminToken, nil)
		if len(a.List) != 1 {
			t.Fatalf("exports of customer %d audited %d times, want 1", cid, len(a.List))
		}
	})
}
