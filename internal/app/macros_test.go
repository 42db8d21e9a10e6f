package app_test

import (
	"fmt"
	"html"
	"net/http"
	"strings"
	"testing"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
)

// Macros: shared ones are the service administrators', personal ones their
// author's; an unknown placeholder is refused by name; picking a macro on a
// case fills in the customer, the case and the agent, and pre-sets the status.
func TestMacrosFillRepliesFromTheCase(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		_, agentTok := h.User("kim@shop.example", auth.RoleService, 0)
		_, otherTok := h.User("lee@shop.example", auth.RoleService, 0)

		wantProblem(t, h.Do("POST", "/macros", agentTok, map[string]any{"name": "Refund", "body": "x", "shared": true}), http.StatusForbidden)
		r := h.Do("POST", "/macros", h.AdminToken, map[string]any{"name": "Refund on its way",
			"body":       "Hello {{customer.first_name}},\n\nyour refund for case {{case.id}} is on its way.\n\n{{ agent.name }}",
			"set_status": "pending", "shared": true})
		wantStatus(t, r, http.StatusCreated)
		shared := r.ID()
		bad := h.Do("POST", "/macros", agentTok, map[string]any{"name": "Typo", "body": "Hi {{customer.nickname}}"})
		wantStatus(t, bad, http.StatusUnprocessableEntity)
		if !strings.Contains(string(bad.Raw), "customer.nickname") {
			t.Fatalf("unknown placeholder not named: %s", bad.Raw)
		}
		r = h.Do("POST", "/macros", agentTok, map[string]any{"name": "My sign-off", "body": "Best, {{agent.first_name}}"})
		wantStatus(t, r, http.StatusCreated)
		personal := r.ID()
		if n := len(h.Do("GET", "/macros", otherTok, nil).List); n != 1 {
			t.Fatalf("another agent sees %d macros, want only the shared one", n)
		}
		wantProblem(t, h.Do("DELETE", fmt.Sprintf("/macros/%d", personal), otherTok, nil), http.StatusNotFound)
		wantProblem(t, h.Do("PUT", fmt.Sprintf("/macros/%d", shared), agentTok, map[string]any{"name": "x", "body": "y", "shared": true}), http.StatusForbidden)

		cu := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Noor", "last_name": "Haddad",
			"emails": []map[string]any{{"address": "noor@example.com"}}})
		wantStatus(t, cu, http.StatusCreated)
		c := h.Do("POST", "/cases", h.AdminToken, map[string]any{"subject": "Refund please", "customer_id": cu.ID(), "description": "Item returned."})
		wantStatus(t, c, http.StatusCreated)
		ap := h.Do("POST", fmt.Sprintf("/cases/%d/macros/%d", c.ID(), shared), agentTok, nil)
		wantStatus(t, ap, http.StatusOK)
		want := fmt.Sprintf("Hello Noor,\n\nyour refund for case %d is on its way.\n\nkim@shop.example", c.ID())
		if ap.JSON["text"] != want || ap.JSON["set_status"] != "pending" {
			t.Fatalf("applied macro %q / %v, want %q", ap.JSON["text"], ap.JSON["set_status"], want)
		}
		wantProblem(t, h.Do("POST", fmt.Sprintf("/cases/%d/macros/%d", c.ID(), personal), otherTok, nil), http.StatusNotFound)

		web := signIn(t, h, "kim@shop.example", "long enough password")
		_, body, _ := get(t, web, fmt.Sprintf("%s/cases/%d?macro=%d", h.Server.URL, c.ID(), shared))
		if !strings.Contains(html.UnescapeString(body), "your refund for case") ||
			!strings.Contains(body, `<option value="pending" selected>`) {
			t.Fatalf("case page not pre-filled from the macro")
		}
		list := h.Do("GET", "/macros", agentTok, nil)
		if first := list.List[0].(map[string]any); first["id"] != float64(shared) || first["uses"] != float64(2) {
			t.Fatalf("most used first: %v", list.List)
		}
	})
}
