package app_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
)

func TestAPIStaticListsAndPreferences(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		north, south := h.Team("North"), h.Team("South")
		_, nTok := h.User("north@example.com", auth.RoleSales, north)
		_, sTok := h.User("south@example.com", auth.RoleSales, south)
		a := h.Do("POST", "/customers", nTok, map[string]any{"kind": "person", "first_name": "Ana", "last_name": "Lima",
			"profile": map[string]any{"categories": []string{" Garden ", "kitchen", "garden"}, "brands": []string{"Acme"},
				"contact_times": "weekday evenings"}})
		wantStatus(t, a, http.StatusCreated)
		prof := a.JSON["profile"].(map[string]any)
		if fmt.Sprint(prof["categories"]) != "[garden kitchen]" || fmt.Sprint(prof["brands"]) != "[acme]" ||
			prof["contact_times"] != "weekday evenings" {
			t.Fatalf("preferences: %s", a.Raw)
		}
		b := h.Do("POST", "/customers", nTok, map[string]any{"kind": "person", "last_name": "Braga"}).ID()
		s := h.Do("POST", "/customers", sTok, map[string]any{"kind": "person", "last_name": "Sul"}).ID()

		r := h.Do("POST", "/lists", nTok, map[string]any{"name": "Spring  fair 2026", "description": "Visitors of our stand"})
		wantStatus(t, r, http.StatusCreated)
		lid := r.ID()
		if r.JSON["name"] != "Spring fair 2026" {
			t.Fatalf("list: %s", r.Raw)
		}
		wantProblem(t, h.Do("POST", "/lists", sTok, map[string]any{"name": "Spring fair 2026"}), http.StatusConflict, "name")
		members := fmt.Sprintf("/lists/%d/members", lid)
		r = h.Do("POST", members, nTok, map[string]any{"customer_ids": []int64{a.ID(), b, a.ID()}})
		wantStatus(t, r, http.StatusOK)
		if r.JSON["added"] != float64(2) {
			t.Fatalf("added: %s", r.Raw)
		}
		// North may not put south's customer on a list; south may, and sees only its own member.
		wantProblem(t, h.Do("POST", members, nTok, map[string]any{"customer_ids": []int64{s}}), http.StatusNotFound)
		wantStatus(t, h.Do("POST", members, sTok, map[string]any{"customer_ids": []int64{s}}), http.StatusOK)
		r = h.Do("GET", fmt.Sprintf("/customers?list_id=%d", lid), sTok, nil)
		if len(r.JSON["items"].([]any)) != 1 {
			t.Fatalf("south's view of the list: %s", r.Raw)
		}
		r = h.Do("GET", fmt.Sprintf("/customers?list_id=%d", lid), nTok, nil)
		if len(r.JSON["items"].([]any)) != 2 {
			t.Fatalf("north's view of the list: %s", r.Raw)
		}
		if r := h.Do("GET", "/lists", nTok, nil); r.List[0].(map[string]any)["members"] != float64(3) {
			t.Fatalf("lists: %s", r.Raw)
		}
		wantStatus(t, h.Do("DELETE", fmt.Sprintf("/lists/%d/members/%d", lid, b), nTok, nil), http.StatusNoContent)
		wantProblem(t, h.Do("DELETE", fmt.Sprintf("/lists/%d/members/%d", lid, b), nTok, nil), http.StatusNotFound)
		if r := h.Do("GET", fmt.Sprintf("/customers?list_id=%d", lid), nTok, nil); len(r.JSON["items"].([]any)) != 1 {
			t.Fatalf("after removal: %s", r.Raw)
		}
	})
}
