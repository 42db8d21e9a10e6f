package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
)

// Articles are drafted, published in versions, shown in the public help
// centre only when public and published, voted on, and suggested on the
// cases they may answer.
func TestKnowledgeBaseAndHelpCentre(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		_, agentTok := h.User("agent@shop.example", auth.RoleService, 0)
		r := h.Do("POST", "/kb/articles", agentTok, map[string]any{"title": "How to request a refund", "category": "Billing",
			"public": true, "body": "Open your order, choose Return, and the refund reaches your card within five days."})
		wantStatus(t, r, http.StatusCreated)
		refund := r.ID()
		if r.JSON["slug"] != "how-to-request-a-refund" || r.JSON["version"] != float64(0) {
			t.Fatalf("article: %s", r.Raw)
		}
		internal := h.Do("POST", "/kb/articles", agentTok, map[string]any{"title": "Refund override for VIPs",
			"body": "Agents may approve refunds past 30 days for VIP customers."}).ID()
		wantProblem(t, h.Do("POST", "/kb/articles", agentTok, map[string]any{"title": ""}), 422, "title", "body")
		// Agents write; publishing is for service administrators.
		wantProblem(t, h.Do("POST", fmt.Sprintf("/kb/articles/%d/publish", refund), agentTok, nil), http.StatusForbidden)
		anon := browserClient(t)
		if _, body, _ := get(t, anon, h.Server.URL+"/help?q=refund"); strings.Contains(body, "How to request a refund") {
			t.Fatal("a draft is in the help centre")
		}
		for _, id := range []int64{refund, internal} {
			wantStatus(t, h.Do("POST", fmt.Sprintf("/kb/articles/%d/publish", id), h.AdminToken, nil), http.StatusOK)
		}
		// A new draft does not change what readers see until it is published.
		r = h.Do("PATCH", fmt.Sprintf("/kb/articles/%d", refund), agentTok, map[string]any{"body": "Draft: new wording."})
		if r.JSON["unpublished_changes"] != true || r.JSON["published_body"] == "Draft: new wording." {
			t.Fatalf("draft: %s", r.Raw)
		}
		_, body, _ := get(t, anon, h.Server.URL+"/help?q=refunds")
		if !strings.Contains(body, "How to request a refund") || strings.Contains(body, "Refund override") {
			t.Fatalf("help centre search:\n%s", body)
		}
		status, body, _ := get(t, anon, h.Server.URL+"/help/articles/how-to-request-a-refund")
		if status != http.StatusOK || !strings.Contains(body, "within five days") || strings.Contains(body, "Draft: new wording") {
			t.Fatalf("article page %d:\n%s", status, body)
		}
		if status, _, _ := get(t, anon, h.Server.URL+"/help/articles/refund-override-for-vips"); status != http.StatusNotFound {
			t.Fatalf("an internal article is public: %d", status)
		}
		res, err := anon.PostForm(h.Server.URL+"/help/articles/how-to-request-a-refund/helpful", url.Values{"helpful": {"yes"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if r := h.Do("GET", fmt.Sprintf("/kb/articles/%d", refund), agentTok, nil); r.JSON["helpful_yes"] != float64(1) {
			t.Fatalf("vote: %s", r.Raw)
		}
		// A case about a refund gets both articles suggested.
		cid := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Lea", "last_name": "Roth"}).ID()
		caseID := h.Do("POST", "/cases", agentTok, map[string]any{"subject": "Where is my refund?", "customer_id": cid,
			"description": "I returned the shoes two weeks ago."}).ID()
		r = h.Do("GET", fmt.Sprintf("/cases/%d/articles", caseID), agentTok, nil)
		if len(r.List) != 2 || r.List[0].(map[string]any)["id"] != float64(refund) {
			t.Fatalf("suggestions: %s", r.Raw)
		}
	})
}
