package app_test

import (
	"net/http"
	"testing"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/store"
)

// The role matrix of the marketing endpoints: read-only and sales users
// read, only marketers, managers and administrators change; service agents
// do not see marketing; only administrators manage webhooks.
func TestMarketingRoleMatrix(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	tokens := map[auth.Role]string{auth.RoleAdmin: h.AdminToken}
	for _, r := range []auth.Role{auth.RoleReadOnly, auth.RoleSales, auth.RoleService, auth.RoleMarketing, auth.RoleManager} {
		_, tok := h.User(string(r)+"@example.com", r, 0)
		tokens[r] = tok
	}
	reads := []string{"/segments", "/templates", "/campaigns", "/offers", "/journeys", "/marketing/settings"}
	writes := []struct {
		path string
		body map[string]any
	}{
		{"/segments", map[string]any{"name": "S", "text": `orders > 1`}},
		{"/templates", map[string]any{"name": "T", "subject": "S", "blocks": []map[string]any{{"type": "text", "text": "x"}}}},
		{"/offers", map[string]any{"name": "O", "kind": "gift", "shared_code": "GIFTCODE"}},
		{"/journeys", map[string]any{"name": "J", "trigger": map[string]any{"event": "order.placed"},
			"steps": []map[string]any{{"type": "tag", "value": "x"}}}},
	}
	canRead := map[auth.Role]bool{auth.RoleAdmin: true, auth.RoleManager: true, auth.RoleMarketing: true, auth.RoleSales: true,
		auth.RoleReadOnly: true}
	canWrite := map[auth.Role]bool{auth.RoleAdmin: true, auth.RoleManager: true, auth.RoleMarketing: true}
	for role, tok := range tokens {
		for _, p := range reads {
			r := h.Do("GET", p, tok, nil)
			if want := canRead[role]; (r.Status == http.StatusOK) != want {
				t.Errorf("%s GET %s: %d (may read: %v)", role, p, r.Status, want)
			}
		}
		for _, w := range writes {
			body := map[string]any{}
			for k, v := range w.body {
				body[k] = v
			}
			if n, ok := body["name"].(string); ok {
				body["name"] = n + " " + string(role)
			}
			if _, ok := body["shared_code"]; ok {
				body["shared_code"] = "GIFT" + string(role)
			}
			r := h.Do("POST", w.path, tok, body)
			if want := canWrite[role]; (r.Status == http.StatusCreated) != want || (!want && r.Status != http.StatusForbidden) {
				t.Errorf("%s POST %s: %d (may write: %v) %s", role, w.path, r.Status, want, r.Raw)
			}
		}
		r := h.Do("GET", "/webhooks", tok, nil)
		if (r.Status == http.StatusOK) != (role == auth.RoleAdmin) {
			t.Errorf("%s GET /webhooks: %d", role, r.Status)
		}
	}
}
