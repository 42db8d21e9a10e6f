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

// A bonus-point campaign for a segment doubles the points of its
// customers' orders only; the others earn the usual rate and the rule
// tester says why. A bonus for a segment that does not exist is refused.
func TestLoyaltyBonusForASegment(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		seg := h.Do("POST", "/segments", h.AdminToken, map[string]any{"name": "VIPs", "text": `tag = "vip"`})
		wantStatus(t, seg, http.StatusCreated)
		now := time.Now().UTC()
		bonus := func(segment int64) map[string]any {
			return map[string]any{"earn_rate": 1, "bonuses": []map[string]any{{"name": "VIP week", "from": now.AddDate(0, 0, -7),
				"to": now.AddDate(0, 0, 7), "multiplier": 2, "segment_id": segment}}}
		}
		wantProblem(t, h.Do("POST", "/loyalty/programs", h.AdminToken, map[string]any{"name": "Nowhere", "currency": "EUR",
			"rules": bonus(seg.ID() + 99)}), http.StatusUnprocessableEntity, "rules")
		prog := mustJSON(t, h.Do("POST", "/loyalty/programs", h.AdminToken, map[string]any{"name": "Club", "currency": "EUR",
			"rules": bonus(seg.ID())}), http.StatusCreated)
		pid := int64(prog["id"].(float64))
		buyer := func(first string, tags ...string) int64 {
			r := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": first, "tags": tags})
			wantStatus(t, r, http.StatusCreated)
			mustJSON(t, h.Do("POST", "/orders", h.AdminToken, map[string]any{"customer_id": r.ID(), "ordered_at": now.Add(-time.Hour),
				"currency": "EUR", "lines": []map[string]any{{"sku": "BAG", "quantity": 1, "unit_price": 100}}}), http.StatusCreated)
			return r.ID()
		}
		vip, other := buyer("Vera", "vip"), buyer("Olle")
		if _, err := h.App.Loyalty.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		balance := func(c int64) float64 {
			ms := h.Do("GET", fmt.Sprintf("/customers/%d/loyalty", c), h.AdminToken, nil)
			wantStatus(t, ms, http.StatusOK)
			for _, m := range ms.List {
				if mm := m.(map[string]any); mm["program_id"] == float64(pid) {
					return mm["balance"].(float64)
				}
			}
			t.Fatalf("customer %d is not a member: %s", c, ms.Raw)
			return 0
		}
		// The default welcome bonus is not in these rules: points are the orders'.
		if v, o := balance(vip), balance(other); v != 200 || o != 100 {
			t.Fatalf("balances: VIP %v, other %v; want 200 and 100", v, o)
		}
		test := mustJSON(t, h.Do("POST", fmt.Sprintf("/loyalty/programs/%d/test", pid), h.AdminToken, map[string]any{
			"lines": []map[string]any{{"sku": "BAG", "quantity": 1, "unit_price": 100}}}), http.StatusOK)
		if test["points"] != float64(100) || !strings.Contains(fmt.Sprint(test["why"]), "segment") {
			t.Fatalf("rule tester: %v", test)
		}
	})
}
