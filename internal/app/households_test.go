package app_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
)

func TestAPIHouseholds(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		north, south := h.Team("North"), h.Team("South")
		_, nTok := h.User("north@example.com", auth.RoleSales, north)
		_, sTok := h.User("south@example.com", auth.RoleSales, south)
		person := func(tok, first string) int64 {
			r := h.Do("POST", "/customers", tok, map[string]any{"kind": "person", "first_name": first, "last_name": "Okafor"})
			wantStatus(t, r, http.StatusCreated)
			return r.ID()
		}
		ada, ben, cal := person(nTok, "Ada"), person(nTok, "Ben"), person(nTok, "Cal")
		sid := person(sTok, "Sid")

		r := h.Do("POST", "/households", nTok, map[string]any{"head_customer_id": ada})
		wantStatus(t, r, http.StatusCreated)
		hid := r.ID()
		if r.JSON["name"] != "Household of Ada Okafor" {
			t.Fatalf("household: %s", r.Raw)
		}
		wantStatus(t, h.Do("POST", fmt.Sprintf("/households/%d/members", hid), nTok, map[string]any{"customer_id": ben}), http.StatusOK)
		r = h.Do("POST", fmt.Sprintf("/households/%d/members", hid), nTok, map[string]any{"customer_id": cal, "head": true})
		wantStatus(t, r, http.StatusOK)
		heads := 0
		for _, m := range r.JSON["members"].([]any) {
			if mm := m.(map[string]any); mm["head"] == true {
				heads++
				if mm["customer_id"] != float64(cal) {
					t.Fatalf("head is %v, want Cal", mm)
				}
			}
		}
		if heads != 1 || len(r.JSON["members"].([]any)) != 3 {
			t.Fatalf("members: %s", r.Raw)
		}
		// One household per customer.
		wantProblem(t, h.Do("POST", "/households", nTok, map[string]any{"head_customer_id": ben}), http.StatusConflict, "customer_id")
		// South may not add its customer to north's household via north's ids, nor see north's customers.
		wantProblem(t, h.Do("POST", fmt.Sprintf("/households/%d/members", hid), nTok, map[string]any{"customer_id": sid}), 404)
		wantStatus(t, h.Do("POST", fmt.Sprintf("/households/%d/members", hid), h.AdminToken, map[string]any{"customer_id": sid}), http.StatusOK)
		r = h.Do("GET", fmt.Sprintf("/customers/%d/household", ben), nTok, nil)
		if len(r.JSON["members"].([]any)) != 3 || r.JSON["hidden_members"] != float64(1) {
			t.Fatalf("north's view of the household: %s", r.Raw)
		}
		wantStatus(t, h.Do("DELETE", fmt.Sprintf("/customers/%d/household", ben), nTok, nil), http.StatusNoContent)
		wantProblem(t, h.Do("GET", fmt.Sprintf("/customers/%d/household", ben), nTok, nil), 404)
		wantProblem(t, h.Do("DELETE", fmt.Sprintf("/customers/%d/household", ben), nTok, nil), 404)
	})
}
