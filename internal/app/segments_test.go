package app_test

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
)

// segmentIDs previews rules and returns the matching customers' first names.
func segmentNames(t *testing.T, h *apptest.Harness, tok, text string) []string {
	t.Helper()
	r := h.Do("POST", "/segments/preview?sample=50", tok, map[string]any{"text": text})
	wantStatus(t, r, http.StatusOK)
	var names []string
	for _, it := range r.JSON["sample"].([]any) {
		names = append(names, it.(map[string]any)["first_name"].(string))
	}
	sort.Strings(names)
	if int(r.JSON["count"].(float64)) != len(names) {
		t.Fatalf("%s: count %v but %d in the sample", text, r.JSON["count"], len(names))
	}
	return names
}

// Segments are evaluated in the database over profile, location, consent,
// purchases and service fields; their text and tree forms are the same
// rules; a snapshot keeps its members while the live segment moves on; a
// segment filters the customer list; readers see only what their role
// allows.
func TestSegmentsEvaluateRulesInTheDatabase(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		now := time.Now().UTC()
		mk := func(body map[string]any) int64 {
			r := h.Do("POST", "/customers", h.AdminToken, body)
			wantStatus(t, r, http.StatusCreated)
			return r.ID()
		}
		order := func(customer int64, daysAgo int, sku string, price float64) {
			wantStatus(t, h.Do("POST", "/orders", h.AdminToken, map[string]any{"customer_id": customer,
				"ordered_at": now.AddDate(0, 0, -daysAgo), "currency": "EUR",
				"lines": []map[string]any{{"sku": sku, "quantity": 1, "unit_price": price}}}), http.StatusCreated)
		}
		ana := mk(map[string]any{"kind": "person", "first_name": "Ana", "tags": []string{"vip"}, "lifecycle_stage": "customer",
			"profile": map[string]any{"birth_date": now.AddDate(-40, 0, -5).Format("2006-01-02")},
			"emails":  []map[string]any{{"address": "ana@example.pt"}}, "addresses": []map[string]any{{"city": "Lisbon", "country": "PT"}}})
		ben := mk(map[string]any{"kind": "person", "first_name": "Ben", "tags": []string{"vip"},
			"profile": map[string]any{"birth_date": now.AddDate(-22, 0, 0).Format("2006-01-02")},
			"emails":  []map[string]any{{"address": "ben@example.de"}}, "addresses": []map[string]any{{"city": "Berlin", "country": "DE"}}})
		cy := mk(map[string]any{"kind": "person", "first_name": "Cy", "lifecycle_stage": "lead",
			"emails": []map[string]any{{"address": "cy@example.com"}}})
		order(ana, 10, "KETTLE-1", 200)
		order(ana, 40, "MUG-2", 150)
		order(ana, 70, "KETTLE-1", 250)
		order(ben, 200, "MUG-2", 50)
		for _, c := range []struct {
			id     int64
			status string
		}{{ana, "granted"}, {ben, "granted"}, {ben, "withdrawn"}} {
			wantStatus(t, h.Do("POST", fmt.Sprintf("/customers/%d/consents", c.id), h.AdminToken, map[string]any{
				"purpose": "marketing", "channel": "email", "status": c.status, "source": "web_form", "proof": "form"}), http.StatusCreated)
		}

		for text, want := range map[string]string{
			`tag = "vip"`:                                    "Ana Ben",
			`tag != "vip"`:                                   "Cy",
			`orders >= 3 and spent > 500`:                    "Ana",
			`last_order_days <= 30`:                          "Ana",
			`last_order_days > 90`:                           "Ben",
			`bought = "MUG-2" and not bought = "KETTLE-1"`:   "Ben",
			`consent = "email"`:                              "Ana",
			`country = "pt" or city = "berlin"`:              "Ana Ben",
			`age >= 40`:                                      "Ana",
			`age < 30`:                                       "Ben",
			`stage = "lead" or (tag = "vip" and orders = 1)`: "Ben Cy",
			`first_order_days >= 60`:                         "Ana Ben",
		} {
			if got := strings.Join(segmentNames(t, h, h.AdminToken, text), " "); got != want {
				t.Errorf("%s: got %q, want %q", text, got, want)
			}
		}
		bad := h.Do("POST", "/segments/preview", h.AdminToken, map[string]any{"text": `orders >= "many"`})
		wantProblem(t, bad, http.StatusUnprocessableEntity, "text")

		// The tree form is the same rules, and comes back as text.
		r := h.Do("POST", "/segments", h.AdminToken, map[string]any{"name": "VIP buyers",
			"rules": map[string]any{"and": []any{map[string]any{"field": "tag", "op": "=", "value": "vip"},
				map[string]any{"field": "orders", "op": ">=", "value": 1}}}})
		wantStatus(t, r, http.StatusCreated)
		if r.JSON["text"] != `tag = "vip" and orders >= 1` || r.JSON["member_count"] != float64(2) {
			t.Fatalf("segment %s", r.Raw)
		}
		vip := r.ID()
		snap := h.Do("POST", fmt.Sprintf("/segments/%d/snapshot", vip), h.AdminToken, map[string]any{"name": "VIP buyers, March"})
		wantStatus(t, snap, http.StatusCreated)
		if snap.JSON["static"] != true || snap.JSON["member_count"] != float64(2) {
			t.Fatalf("snapshot %s", snap.Raw)
		}
		// Cy becomes a VIP buyer: the live segment follows, the snapshot does not.
		wantStatus(t, h.Do("PATCH", fmt.Sprintf("/customers/%d", cy), h.AdminToken, map[string]any{"tags": []string{"vip"}}), http.StatusOK)
		order(cy, 1, "MUG-2", 20)
		live := h.Do("GET", fmt.Sprintf("/segments/%d/members", vip), h.AdminToken, nil)
		frozen := h.Do("GET", fmt.Sprintf("/segments/%d/members", snap.ID()), h.AdminToken, nil)
		if n := len(live.JSON["items"].([]any)); n != 3 {
			t.Fatalf("live segment has %d members", n)
		}
		if n := len(frozen.JSON["items"].([]any)); n != 2 {
			t.Fatalf("snapshot has %d members", n)
		}
		// A segment inside another, and the customer list filtered by one.
		nested := segmentNames(t, h, h.AdminToken, fmt.Sprintf(`segment = %d and not segment = %d`, vip, snap.ID()))
		if strings.Join(nested, " ") != "Cy" {
			t.Fatalf("nested segments: %v", nested)
		}
		list := h.Do("GET", fmt.Sprintf("/customers?segment_id=%d", snap.ID()), h.AdminToken, nil)
		if n := len(list.JSON["items"].([]any)); n != 2 {
			t.Fatalf("customer list by segment: %d", n)
		}
		wantProblem(t, h.Do("DELETE", fmt.Sprintf("/segments/%d", vip), h.AdminToken, nil), http.StatusConflict)

		// A sales representative previews only the customers they may see;
		// a marketer may build segments, a read-only user may not.
		_, repTok := h.User(fmt.Sprintf("rep-%s@example.com", t.Name()[len(t.Name())-3:]), auth.RoleSales, h.Team("Reps"))
		if names := segmentNames(t, h, repTok, `tag = "vip"`); len(names) != 0 {
			t.Fatalf("a representative sees %v", names)
		}
		_, roTok := h.User("ro@example.com", auth.RoleReadOnly, 0)
		wantProblem(t, h.Do("POST", "/segments", roTok, map[string]any{"name": "x", "text": `orders > 1`}), http.StatusForbidden)
		_, mkTok := h.User("marketer@example.com", auth.RoleMarketing, 0)
		wantStatus(t, h.Do("POST", "/segments", mkTok, map[string]any{"name": "Leads", "text": `stage = "lead"`}), http.StatusCreated)
	})
}
