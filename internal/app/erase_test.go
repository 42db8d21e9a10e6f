package app_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/store"
)

func TestEraseCustomer(t *testing.T) {
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			h := apptest.New(t, e, apptest.WithJobs)
			_, salesTok := h.User("rep@example.com", auth.RoleSales, 0)
			_, mgrTok := h.User("manager@example.com", auth.RoleManager, 0)
			person := map[string]any{"kind": "person", "first_name": "Ingrid", "last_name": "Bergqvist",
				"emails": []map[string]any{{"address": "ingrid.b@example.se"}}, "phones": []map[string]any{{"number": "+46 8 123 456 78"}},
				"addresses": []map[string]any{{"line1": "Storgatan 4", "city": "Uppsala", "postal_code": "753 20", "country": "SE"}},
				"profile":   map[string]any{"birth_date": "1990-07-14", "language": "sv"}, "tags": []string{"vip"}, "external_id": "crm-77"}
			r := h.Do("POST", "/customers", h.AdminToken, person)
			wantStatus(t, r, http.StatusCreated)
			id := r.ID()
			twin := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Ingrid",
				"last_name": "Bergkvist", "emails": []map[string]any{{"address": "ingrid.b@example.se"}}}).ID()
			other := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Nils", "last_name": "Holm"}).ID()
			wantStatus(t, h.Do("POST", fmt.Sprintf("/customers/%d/notes", id), h.AdminToken,
				map[string]any{"body": "Ingrid's daughter starts at Uppsala university"}), http.StatusCreated)
			wantStatus(t, h.Do("POST", "/interactions", h.AdminToken, map[string]any{"customer_id": id, "channel": "phone",
				"direction": "inbound", "subject": "Address change", "body": "Moving to Storgatan 4"}), http.StatusCreated)
			wantStatus(t, h.Do("POST", fmt.Sprintf("/customers/%d/consents", id), h.AdminToken, map[string]any{"purpose": "marketing",
				"channel": "email", "status": "granted", "source": "web_form", "proof": "Yes please, Ingrid", "ip": "198.51.100.4"}), http.StatusCreated)
			wantStatus(t, h.Do("POST", fmt.Sprintf("/customers/%d/relationships", id), h.AdminToken,
				map[string]any{"kind": "partner", "other_customer_id": other}), http.StatusCreated)
			// The twin is merged into the customer first: its copy of her data must go too.
			wantStatus(t, h.Do("POST", "/duplicates/scan", h.AdminToken, nil), http.StatusAccepted)
			waitScan(t, h)
			r = h.Do("GET", "/duplicates", h.AdminToken, nil)
			if len(r.JSON["items"].([]any)) != 1 {
				t.Fatalf("pairs: %s", r.Raw)
			}
			pid := int64(r.JSON["items"].([]any)[0].(map[string]any)["id"].(float64))
			r = h.Do("POST", fmt.Sprintf("/duplicates/%d/merge", pid), h.AdminToken, map[string]any{"survivor_id": id})
			wantStatus(t, r, http.StatusOK)
			mergeID := r.ID()

			path := fmt.Sprintf("/customers/%d/erase", id)
			wantProblem(t, h.Do("POST", path, salesTok, map[string]any{"reason": "DSR-1"}), http.StatusForbidden)
			wantProblem(t, h.Do("POST", path, mgrTok, map[string]any{"reason": "  "}), 422, "reason")
			wantProblem(t, h.Do("POST", fmt.Sprintf("/customers/%d/erase", twin), mgrTok, map[string]any{"reason": "DSR-1"}),
				http.StatusConflict)
			r = h.Do("POST", path, mgrTok, map[string]any{"reason": "DSR-2026-114 (email of 20 Nov)"})
			wantStatus(t, r, http.StatusOK)
			if r.JSON["records_erased"] != float64(2) {
				t.Fatalf("erase: %s", r.Raw)
			}
			wantProblem(t, h.Do("POST", path, mgrTok, map[string]any{"reason": "again"}), http.StatusConflict)

			secrets := []string{"Ingrid", "Bergqvist", "Bergkvist", "ingrid.b@example.se", "46812345678", "Storgatan",
				"1990-07-14", "crm-77", "daughter", "198.51.100.4", "Yes please"}
			for _, cid := range []int64{id, twin} {
				for _, p := range []string{"/customers/%d", "/customers/%d/timeline?limit=100", "/customers/%d/export",
					"/customers/%d/consents", "/customers/%d/relationships"} {
					r := h.Do("GET", fmt.Sprintf(p, cid), h.AdminToken, nil)
					wantStatus(t, r, http.StatusOK)
					for _, s := range secrets {
						if containsText(r.Raw, s) {
							t.Errorf("%s still shows %q after erasure: %s", fmt.Sprintf(p, cid), s, r.Raw)
						}
					}
				}
			}
			r = h.Do("GET", fmt.Sprintf("/customers/%d", id), h.AdminToken, nil)
			if r.JSON["name"] != "Erased customer" || r.JSON["erased_at"] == nil || r.JSON["lifecycle_stage"] != "lead" ||
				len(r.JSON["tags"].([]any)) != 1 {
				t.Fatalf("erased customer keeps its aggregates: %s", r.Raw)
			}
			if r := h.Do("GET", "/customers?q=ingrid", h.AdminToken, nil); len(r.JSON["items"].([]any)) != 0 {
				t.Fatalf("search still finds her: %s", r.Raw)
			}
			if r := h.Do("GET", fmt.Sprintf("/customers/%d/relationships", other), h.AdminToken, nil); containsText(r.Raw, "partner") {
				t.Fatalf("the relationship survived: %s", r.Raw)
			}
			wantProblem(t, h.Do("POST", fmt.Sprintf("/merges/%d/undo", mergeID), h.AdminToken, nil), http.StatusConflict)
			r = h.Do("GET", fmt.Sprintf("/audit?customer_id=%d&limit=100", id), h.AdminToken, nil)
			if !containsText(r.Raw, `"erase"`) || !containsText(r.Raw, "DSR-2026-114") {
				t.Fatalf("audit: %s", r.Raw)
			}
			// The audit log's earlier entries about her are unreadable now
			// (their key is gone), and the chain still verifies.
			for _, s := range secrets {
				if containsText(r.Raw, s) {
					t.Errorf("the audit log still shows %q after erasure", s)
				}
			}
			if !containsText(r.Raw, "(erased)") {
				t.Fatalf("audit values not shown as erased: %s", r.Raw)
			}
			if bad, n, err := audit.Verify(context.Background(), h.App.Store); err != nil || bad != 0 || n == 0 {
				t.Fatalf("audit chain after erasure: bad %d of %d, %v", bad, n, err)
			}
			// Entries about other customers stay readable.
			if r := h.Do("GET", fmt.Sprintf("/audit?customer_id=%d", other), h.AdminToken, nil); !containsText(r.Raw, "Holm") {
				t.Fatalf("another customer's audit: %s", r.Raw)
			}
		})
	}
}
