package app_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/app/apptest"
)

// A members' offer: only active members of its loyalty program at its
// tier rank or above may use it, list it or get its unique codes.
func TestMembersOnlyOffers(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		prog := mustJSON(t, h.Do("POST", "/loyalty/programs", h.AdminToken, map[string]any{"name": "Club", "currency": "EUR"}),
			http.StatusCreated)
		pid := int64(prog["id"].(float64))
		person := func(first string) int64 {
			r := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": first, "last_name": "Moss"})
			wantStatus(t, r, http.StatusCreated)
			return r.ID()
		}
		bronze, silver, outsider := person("Bea"), person("Sid"), person("Otto")
		for _, c := range []int64{bronze, silver} {
			mustJSON(t, h.Do("POST", "/loyalty/members", h.AdminToken, map[string]any{"customer_id": c, "program_id": pid}), http.StatusCreated)
		}
		// 1,200 points a year make Sid Silver (rank 2).
		mustJSON(t, h.Do("POST", "/orders", h.AdminToken, map[string]any{"customer_id": silver, "ordered_at": time.Now().UTC(),
			"currency": "EUR", "lines": []map[string]any{{"sku": "SOFA", "quantity": 1, "unit_price": 1200}}}), http.StatusCreated)
		if _, err := h.App.Loyalty.Run(context.Background()); err != nil {
			t.Fatal(err)
		}

		wantProblem(t, h.Do("POST", "/offers", h.AdminToken, map[string]any{"name": "Nowhere", "kind": "percent", "value": 10,
			"program_id": pid + 100}), http.StatusUnprocessableEntity, "program_id")
		wantProblem(t, h.Do("POST", "/offers", h.AdminToken, map[string]any{"name": "Too high", "kind": "percent", "value": 10,
			"program_id": pid, "min_tier_rank": 9}), http.StatusUnprocessableEntity, "min_tier_rank")
		wantProblem(t, h.Do("POST", "/offers", h.AdminToken, map[string]any{"name": "Rank alone", "kind": "percent", "value": 10,
			"min_tier_rank": 2}), http.StatusUnprocessableEntity, "min_tier_rank")
		silverOffer := mustJSON(t, h.Do("POST", "/offers", h.AdminToken, map[string]any{"name": "Silver evening", "kind": "percent",
			"value": 20, "shared_code": "SILVER20", "program_id": pid, "min_tier_rank": 2}), http.StatusCreated)
		if silverOffer["program_id"] != float64(pid) || silverOffer["min_tier_rank"] != float64(2) {
			t.Fatalf("members' offer: %v", silverOffer)
		}
		redeem := func(c int64, code string) apptest.Response {
			return h.Do("POST", "/offers/redeem", h.AdminToken, map[string]any{"code": code, "customer_id": c, "total": 100, "currency": "EUR"})
		}
		if r := redeem(bronze, "SILVER20"); r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Raw), "higher tier") {
			t.Fatalf("a Bronze member used a Silver offer: %d %s", r.Status, r.Raw)
		}
		if r := redeem(outsider, "SILVER20"); r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Raw), "loyalty members") {
			t.Fatalf("a non-member used a members' offer: %d %s", r.Status, r.Raw)
		}
		if r := redeem(silver, "SILVER20"); r.Status != http.StatusCreated || r.JSON["discount"] != float64(20) {
			t.Fatalf("the Silver member: %d %s", r.Status, r.Raw)
		}
		listed := func(c int64, name string) bool {
			r := mustJSON(t, h.Do("GET", fmt.Sprintf("/customers/%d/offers", c), h.AdminToken, nil), http.StatusOK)
			return strings.Contains(fmt.Sprint(r["offers"]), name)
		}

		// Unique codes of a members' offer go to the members only.
		all := mustJSON(t, h.Do("POST", "/offers", h.AdminToken, map[string]any{"name": "Members gift", "kind": "gift",
			"program_id": pid}), http.StatusCreated)
		issued := mustJSON(t, h.Do("POST", fmt.Sprintf("/offers/%d/codes", int64(all["id"].(float64))), h.AdminToken, map[string]any{}),
			http.StatusCreated)
		if issued["issued"] != float64(2) {
			t.Fatalf("codes for the members' offer: %v", issued)
		}
		if !listed(bronze, "Members gift") || listed(outsider, "Members gift") || listed(bronze, "Silver evening") {
			t.Fatal("a customer's offers do not follow membership and tier")
		}
	})
}

// An offer on a product holds only while the product is in stock.
func TestOfferOnAProductInStock(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		wantStatus(t, h.Do("PUT", "/products/MUG", h.AdminToken, map[string]any{"name": "Blue mug", "price": 8, "currency": "EUR"}),
			http.StatusOK)
		wantProblem(t, h.Do("POST", "/offers", h.AdminToken, map[string]any{"name": "Ghost", "kind": "percent", "value": 10,
			"product_sku": "NOPE"}), http.StatusUnprocessableEntity, "product_sku")
		mustJSON(t, h.Do("POST", "/offers", h.AdminToken, map[string]any{"name": "Mug deal", "kind": "percent", "value": 10,
			"shared_code": "MUG10", "product_sku": "MUG", "per_customer": 0}), http.StatusCreated)
		c := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Ida"})
		wantStatus(t, c, http.StatusCreated)
		redeem := func() apptest.Response {
			return h.Do("POST", "/offers/redeem", h.AdminToken, map[string]any{"code": "MUG10", "customer_id": c.ID(), "total": 16,
				"currency": "EUR"})
		}
		// Without stock records the product counts as in stock.
		wantStatus(t, redeem(), http.StatusCreated)
		wantStatus(t, h.Do("PUT", "/products/MUG/stock", h.AdminToken, map[string]any{"on_hand": 0}), http.StatusOK)
		if r := redeem(); r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Raw), "out of stock") {
			t.Fatalf("redeemed while out of stock: %d %s", r.Status, r.Raw)
		}
		wantStatus(t, h.Do("PUT", "/products/MUG/stock", h.AdminToken, map[string]any{"on_hand": 5}), http.StatusOK)
		wantStatus(t, redeem(), http.StatusCreated)
	})
}
