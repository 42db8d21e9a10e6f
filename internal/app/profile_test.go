package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
)

func TestAPICustomerProfile(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		_, roTok := h.User("reader@example.com", auth.RoleReadOnly, 0)
		r := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Ines", "last_name": "Costa",
			"profile": map[string]any{"birth_date": "1988-03-14", "language": "PT", "time_zone": "Europe/Lisbon",
				"preferred_channel": "sms", "quiet_hours": "21:00 - 08:30", "referral_source": "trade fair"}})
		wantStatus(t, r, http.StatusCreated)
		p := r.JSON["profile"].(map[string]any)
		if p["birth_date"] != "1988-03-14" || p["language"] != "pt" || p["quiet_hours"] != "21:00-08:30" ||
			p["time_zone"] != "Europe/Lisbon" || p["referral_source"] != "trade fair" {
			t.Fatalf("profile: %v", p)
		}
		id := r.ID()
		r = h.Do("PATCH", fmt.Sprintf("/customers/%d", id), h.AdminToken, map[string]any{"profile": map[string]any{
			"birth_date": "1988-03-14", "language": "pt", "preferred_channel": "email"}})
		wantStatus(t, r, http.StatusOK)
		if p := r.JSON["profile"].(map[string]any); p["preferred_channel"] != "email" || p["time_zone"] != nil {
			t.Fatalf("patched profile: %v", p)
		}
		wantProblem(t, h.Do("PATCH", fmt.Sprintf("/customers/%d", id), h.AdminToken, map[string]any{"profile": map[string]any{
			"birth_date": "14/03/1988", "language": "portuguese", "time_zone": "Mars/Olympus", "quiet_hours": "late"}}),
			422, "profile.birth_date", "profile.language", "profile.time_zone", "profile.quiet_hours")
		wantProblem(t, h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "organization", "name": "Acme",
			"profile": map[string]any{"birth_date": "2001-01-01", "website": "javascript:alert(1)"}}), 422, "profile.birth_date", "profile.website")
		org := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "organization", "name": "Acme",
			"profile": map[string]any{"website": "acme.example", "industry": "Hydraulics"}})
		if p := org.JSON["profile"].(map[string]any); p["website"] != "https://acme.example" {
			t.Fatalf("website: %v", p)
		}
		ro := h.Do("GET", fmt.Sprintf("/customers/%d", id), roTok, nil)
		if strings.Contains(string(ro.Raw), "1988") {
			t.Fatalf("read-only sees the birth date: %s", ro.Raw)
		}
		// The audit log and timeline record each profile change.
		tl := h.Do("GET", fmt.Sprintf("/customers/%d/timeline?kind=change", id), h.AdminToken, nil)
		if !strings.Contains(string(tl.Raw), `"field":"preferred_channel","old":"sms","new":"email"`) {
			t.Fatalf("profile change not on the timeline: %s", tl.Raw)
		}
	})
}
