package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
)

// Recommendations from the order history on both engines: the product most
// often bought with what a customer bought comes first with its reason;
// an out-of-stock product and a one-time product the customer owns never
// come back; a customer with no orders gets popular products, those of a
// preferred category first; the predictions include them; only admins
// rebuild, and a rep without access to the customer sees nothing.
func TestProductRecommendations(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		products := []map[string]any{
			{"sku": "MUG", "name": "Blue mug", "category": "kitchen", "price": 8},
			{"sku": "COAST", "name": "Cork coasters", "category": "kitchen", "price": 5},
			{"sku": "POT", "name": "Teapot", "category": "kitchen", "price": 30},
			{"sku": "SOFA", "name": "Two-seat sofa", "category": "furniture", "price": 900, "one_time": true},
			{"sku": "LAMP", "name": "Desk lamp", "category": "lighting", "price": 40},
			{"sku": "TOWEL", "name": "Tea towel", "category": "kitchen", "price": 6},
		}
		for _, p := range products {
			sku := p["sku"].(string)
			delete(p, "sku")
			wantStatus(t, h.Do("PUT", "/products/"+sku, h.AdminToken, p), http.StatusOK)
		}
		// The teapot is sold out everywhere; the mug is tracked and in stock.
		wantStatus(t, h.Do("PUT", "/products/POT/stock", h.AdminToken, map[string]any{"on_hand": 0}), http.StatusOK)
		wantStatus(t, h.Do("PUT", "/products/MUG/stock", h.AdminToken, map[string]any{"on_hand": 12}), http.StatusOK)
		if p := h.Do("GET", "/products/SOFA", h.AdminToken, nil); p.JSON["one_time"] != true {
			t.Fatalf("one-time flag not kept: %s", p.Raw)
		}

		newCustomer := func(name string, profile map[string]any) int64 {
			body := map[string]any{"kind": "person", "first_name": name, "last_name": "Buyer"}
			if profile != nil {
				body["profile"] = profile
			}
			c := h.Do("POST", "/customers", h.AdminToken, body)
			wantStatus(t, c, http.StatusCreated)
			return c.ID()
		}
		at := time.Now().UTC().AddDate(0, -2, 0)
		order := func(cust int64, skus ...string) {
			var lines []map[string]any
			for _, s := range skus {
				lines = append(lines, map[string]any{"sku": s, "quantity": 1, "unit_price": 10})
			}
			at = at.Add(time.Hour)
			wantStatus(t, h.Do("POST", "/orders", h.AdminToken, map[string]any{"customer_id": cust, "ordered_at": at,
				"currency": "EUR", "lines": lines}), http.StatusCreated)
		}
		// Mugs go with coasters (4 customers), teapots (3) and sofas (2);
		// lamps and towels are bought alone.
		for i := range 4 {
			c := newCustomer(fmt.Sprint("Pair", i), nil)
			order(c, "MUG", "COAST")
			if i < 3 {
				order(c, "POT")
			}
			if i < 2 {
				order(c, "SOFA")
			}
		}
		for i := range 5 {
			order(newCustomer(fmt.Sprint("Lamp", i), nil), "LAMP")
		}
		order(newCustomer("Towel", nil), "TOWEL")
		mugOnly := newCustomer("Mugonly", nil)
		order(mugOnly, "MUG")
		order(mugOnly, "MUG")
		sofaOwner := newCustomer("Sofaowner", nil)
		order(sofaOwner, "SOFA")
		order(sofaOwner, "MUG")
		fresh := newCustomer("Fresh", map[string]any{"categories": []string{"kitchen"}})

		_, salesTok := h.User("rep@example.com", auth.RoleSales, 0)
		wantStatus(t, h.Do("POST", "/analytics/recommendations/build", salesTok, nil), http.StatusForbidden)
		b := h.Do("POST", "/analytics/recommendations/build", h.AdminToken, nil)
		wantStatus(t, b, http.StatusOK)
		if b.JSON["customers"] != float64(12) || b.JSON["products"] != float64(6) || b.JSON["pairs"].(float64) < 4 {
			t.Fatalf("build: %s", b.Raw)
		}

		recs := func(cust int64) []map[string]any {
			t.Helper()
			r := h.Do("GET", fmt.Sprintf("/customers/%d/recommendations?limit=4", cust), h.AdminToken, nil)
			wantStatus(t, r, http.StatusOK)
			var out []map[string]any
			for _, x := range r.List {
				out = append(out, x.(map[string]any))
			}
			return out
		}
		skus := func(rs []map[string]any) string {
			var s []string
			for _, r := range rs {
				s = append(s, r["sku"].(string))
			}
			return strings.Join(s, ",")
		}

		// Bought the mug twice: the mug again, coasters with the mug; no
		// teapot (sold out); the sofa is a neighbour of the mug too.
		got := recs(mugOnly)
		if skus(got) != "MUG,COAST,SOFA,LAMP" {
			t.Fatalf("for a mug buyer: %s (%v)", skus(got), got)
		}
		if got[0]["kind"] != "buy_again" || got[0]["reason"] != "Bought twice before" ||
			got[1]["kind"] != "bought_with" || got[1]["reason"] != "Often bought with Blue mug" ||
			got[3]["kind"] != "popular" || got[3]["reason"] != "Popular with customers" {
			t.Fatalf("reasons: %v", got)
		}
		// The sofa owner is never offered the sofa again.
		if s := skus(recs(sofaOwner)); strings.Contains(s, "SOFA") || strings.Contains(s, "POT") || !strings.HasPrefix(s, "MUG,COAST") {
			t.Fatalf("for a sofa owner: %s", s)
		}
		// No history: popular products, the preferred category first.
		got = recs(fresh)
		if skus(got) != "MUG,COAST,TOWEL,LAMP" || got[0]["reason"] != "Popular in kitchen, a preferred category" ||
			got[3]["reason"] != "Popular with customers" {
			t.Fatalf("for a new customer who likes kitchenware: %s %v", skus(got), got)
		}
		// Back in stock, the teapot is offered.
		wantStatus(t, h.Do("PUT", "/products/POT/stock", h.AdminToken, map[string]any{"on_hand": 3}), http.StatusOK)
		if s := skus(recs(mugOnly)); !strings.Contains(s, "POT") {
			t.Fatalf("teapot back in stock is not offered: %s", s)
		}

		p := h.Do("GET", fmt.Sprintf("/customers/%d/predictions", mugOnly), h.AdminToken, nil)
		wantStatus(t, p, http.StatusOK)
		if rs, ok := p.JSON["recommendations"].([]any); !ok || len(rs) == 0 || rs[0].(map[string]any)["sku"] != "MUG" {
			t.Fatalf("predictions: %s", p.Raw)
		}
		// An email's products block shows the customer's own recommendations.
		tpl := h.Do("POST", "/templates", h.AdminToken, map[string]any{"name": "Picks", "subject": "For you, {{first_name}}",
			"blocks": []map[string]any{{"type": "text", "text": "Hello {{first_name}}"},
				{"type": "products", "count": 2, "text": "Picked for you", "url": "https://shop.example/p/{sku}"}}})
		wantStatus(t, tpl, http.StatusCreated)
		pv := h.Do("GET", fmt.Sprintf("/templates/%d/preview?customer_id=%d", tpl.ID(), mugOnly), h.AdminToken, nil)
		wantStatus(t, pv, http.StatusOK)
		if html, _ := pv.JSON["html"].(string); !strings.Contains(html, "https://shop.example/p/COAST") ||
			!strings.Contains(html, "Often bought with Blue mug") || strings.Count(html, "https://shop.example/p/") != 2 {
			t.Fatalf("preview: %s", pv.Raw)
		}
		admin := signIn(t, h, "admin@example.com", "correct horse battery")
		if st, body, _ := get(t, admin, fmt.Sprintf("%s/customers/%d", h.Server.URL, mugOnly)); st != http.StatusOK ||
			!strings.Contains(body, "Next best offers") || !strings.Contains(body, `data-offer="COAST"`) ||
			!strings.Contains(body, "Often bought with Blue mug") {
			t.Fatalf("the profile lacks the next best offers (%d)", st)
		}
		_, otherTok := h.User("other@example.com", auth.RoleSales, h.Team("Elsewhere"))
		if r := h.Do("GET", fmt.Sprintf("/customers/%d/recommendations", mugOnly), otherTok, nil); r.Status == http.StatusOK {
			t.Fatalf("a rep who cannot see the customer got recommendations: %s", r.Raw)
		}
	})
}
