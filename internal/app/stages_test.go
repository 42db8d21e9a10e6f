package app_test

import (
	"net/http"
	"testing"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/store"
)

// Not parallel: the stages in force belong to the process.
func TestConfigurableLifecycleStages(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	t.Cleanup(func() { customer.SetLifecycleStages(customer.DefaultLifecycleStages) })
	_, mgrTok := h.User("manager@example.com", auth.RoleManager, 0)
	id := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "last_name": "Okoro", "lifecycle_stage": "prospect"}).ID()
	wantProblem(t, h.Do("PUT", "/settings/lifecycle-stages", mgrTok, map[string]any{"stages": []string{"a", "b"}}), http.StatusForbidden)
	wantProblem(t, h.Do("PUT", "/settings/lifecycle-stages", h.AdminToken, map[string]any{"stages": []string{"Lead", "lead", "lead"}}),
		422, "stages[0]", "stages[2]")
	// Okoro is a prospect: the stage cannot go while he is in it.
	wantProblem(t, h.Do("PUT", "/settings/lifecycle-stages", h.AdminToken,
		map[string]any{"stages": []string{"lead", "customer", "champion"}}), http.StatusConflict, "stages")
	r := h.Do("PUT", "/settings/lifecycle-stages", h.AdminToken,
		map[string]any{"stages": []string{"prospect", "lead", "customer", "champion"}})
	wantStatus(t, r, http.StatusOK)
	wantStatus(t, h.Do("PATCH", "/customers/"+itoa(id), h.AdminToken, map[string]any{"lifecycle_stage": "champion"}), http.StatusOK)
	wantProblem(t, h.Do("PATCH", "/customers/"+itoa(id), h.AdminToken, map[string]any{"lifecycle_stage": "loyal"}), 422, "lifecycle_stage")
	// The history of the stage is on the timeline.
	if tl := h.Do("GET", "/customers/"+itoa(id)+"/timeline?kind=change", h.AdminToken, nil); !containsText(tl.Raw, "champion") {
		t.Fatalf("timeline: %s", tl.Raw)
	}
	// A restart keeps the configured stages.
	customer.SetLifecycleStages(customer.DefaultLifecycleStages)
	if err := h.App.Customers.LoadStages(t.Context()); err != nil {
		t.Fatal(err)
	}
	if r := h.Do("GET", "/settings/lifecycle-stages", mgrTok, nil); !containsText(r.Raw, `"champion"`) {
		t.Fatalf("stages after reload: %s", r.Raw)
	}
}
