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

// A program that pools households and qualifies tiers on status points:
// status points are earned at their own rate and not spent; a member short
// of points draws the rest from the household as recorded transfers, in
// the redemption's own transaction, once per idempotency key; a household
// short together is refused with nothing written.
func TestLoyaltyHouseholdPoolAndStatusPoints(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		ctx := context.Background()
		prog := mustJSON(t, h.Do("POST", "/loyalty/programs", h.AdminToken, map[string]any{"name": "Family club", "currency": "EUR",
			"rules": map[string]any{"earn_rate": 1, "status_rate": 2, "pool_households": true,
				"status_events": map[string]int{"review": 300}}}), http.StatusCreated)
		pid := int64(prog["id"].(float64))
		wantProblem(t, h.Do("POST", "/loyalty/programs", h.AdminToken, map[string]any{"name": "Bad status",
			"rules": map[string]any{"earn_rate": 1, "status_rate": -2}}), http.StatusUnprocessableEntity, "rules")

		person := func(first string) int64 {
			r := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": first, "last_name": "Lind"})
			wantStatus(t, r, http.StatusCreated)
			return r.ID()
		}
		ann, ben, cid := person("Ann"), person("Ben"), person("Cleo")
		hh := mustJSON(t, h.Do("POST", "/households", h.AdminToken, map[string]any{"head_customer_id": ann}), http.StatusCreated)
		wantStatus(t, h.Do("POST", fmt.Sprintf("/households/%d/members", int64(hh["id"].(float64))), h.AdminToken,
			map[string]any{"customer_id": ben}), http.StatusOK)

		enrol := func(c int64) int64 {
			m := mustJSON(t, h.Do("POST", "/loyalty/members", h.AdminToken, map[string]any{"customer_id": c, "program_id": pid}),
				http.StatusCreated)
			return int64(m["id"].(float64))
		}
		annM, benM, cleoM := enrol(ann), enrol(ben), enrol(cid)
		order := func(c int64, amount float64) {
			mustJSON(t, h.Do("POST", "/orders", h.AdminToken, map[string]any{"customer_id": c, "ordered_at": time.Now().UTC(),
				"currency": "EUR", "lines": []map[string]any{{"sku": "BOOK", "quantity": 1, "unit_price": amount}}}), http.StatusCreated)
		}
		order(ann, 400)
		order(ben, 30)
		test := mustJSON(t, h.Do("POST", fmt.Sprintf("/loyalty/programs/%d/test", pid), h.AdminToken, map[string]any{
			"lines": []map[string]any{{"sku": "BOOK", "quantity": 1, "unit_price": 400}}}), http.StatusOK)
		if test["points"] != float64(400) || test["qualifying"] != float64(800) || !strings.Contains(fmt.Sprint(test["why"]), "800 status points") {
			t.Fatalf("rule tester with status points: %v", test)
		}
		if _, err := h.App.Loyalty.Run(ctx); err != nil {
			t.Fatal(err)
		}
		member := func(id int64) map[string]any {
			return mustJSON(t, h.Do("GET", fmt.Sprintf("/loyalty/members/%d", id), h.AdminToken, nil), http.StatusOK)
		}
		a := member(annM)
		if a["balance"] != float64(400) || a["qualifying"] != float64(800) || a["household_balance"] != float64(430) ||
			fmt.Sprint(a["household_member_ids"]) != fmt.Sprintf("[%d]", benM) {
			t.Fatalf("Ann: %v", a)
		}
		if c := member(cleoM); c["household_balance"] != nil || c["household_member_ids"] != nil {
			t.Fatalf("Cleo has no household: %v", c)
		}

		// Ben has 30 and spends 300: 270 come from Ann.
		v := mustJSON(t, h.Do("POST", fmt.Sprintf("/loyalty/members/%d/redemptions", benM), h.AdminToken,
			map[string]any{"points": 300, "idempotency_key": "pool-1"}), http.StatusCreated)
		again := mustJSON(t, h.Do("POST", fmt.Sprintf("/loyalty/members/%d/redemptions", benM), h.AdminToken,
			map[string]any{"points": 300, "idempotency_key": "pool-1"}), http.StatusOK)
		if v["code"] != again["code"] {
			t.Fatalf("replayed redemption: %v / %v", v, again)
		}
		if a, b := member(annM), member(benM); a["balance"] != float64(130) || b["balance"] != float64(0) ||
			a["qualifying"] != float64(800) || b["household_balance"] != float64(130) {
			t.Fatalf("after the pooled redemption: Ann %v, Ben %v", a, b)
		}
		var transfers, points int64
		if err := h.App.Store.DB().QueryRow(`SELECT COUNT(*), COALESCE(SUM(points), 0) FROM loyalty_transactions WHERE kind = 'transfer'
    AND reason LIKE 'Household pool:%'`).Scan(&transfers, &points); err != nil {
			t.Fatal(err)
		}
		if transfers != 2 || points != 0 {
			t.Fatalf("pool transfers: %d rows summing to %d, want one out and one in", transfers, points)
		}
		// Together they have 130: 131 is refused and nothing moves.
		short := h.Do("POST", fmt.Sprintf("/loyalty/members/%d/redemptions", benM), h.AdminToken, map[string]any{"points": 131})
		wantProblem(t, short, http.StatusConflict)
		if !strings.Contains(fmt.Sprint(short.JSON["detail"]), "household") {
			t.Fatalf("refusal does not name the household: %s", short.Raw)
		}
		if a := member(annM); a["balance"] != float64(130) {
			t.Fatalf("a refused redemption moved points: %v", a)
		}
		// A review earns status points only: Ann's 800 and 300 make 1,100, and
		// she moves up to Silver at once, her balance unchanged.
		wantStatus(t, h.Do("POST", fmt.Sprintf("/loyalty/members/%d/events", annM), h.AdminToken,
			map[string]any{"event": "review", "key": "review-1"}), http.StatusCreated)
		if a := member(annM); a["qualifying"] != float64(1100) || a["tier"] != "Silver" || a["balance"] != float64(130) {
			t.Fatalf("after a review: %v", a)
		}
		wantProblem(t, h.Do("POST", "/loyalty/programs", h.AdminToken, map[string]any{"name": "No status",
			"rules": map[string]any{"earn_rate": 1, "status_events": map[string]int{"review": 5}}}), http.StatusUnprocessableEntity, "rules")
		// Cleo, outside the household, cannot draw on it.
		wantProblem(t, h.Do("POST", fmt.Sprintf("/loyalty/members/%d/redemptions", cleoM), h.AdminToken,
			map[string]any{"points": 1}), http.StatusConflict)
		checkLedger(t, h.App.Store.DB())
	})
}

// A program whose cursor is wound back (a restore, a repair) books its
// orders again: the orders booked before are skipped, one row at a time,
// and only the new order earns.
func TestLoyaltyRebookingSkipsBookedOrders(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		ctx := context.Background()
		prog := mustJSON(t, h.Do("POST", "/loyalty/programs", h.AdminToken, map[string]any{"name": "Again", "currency": "EUR"}),
			http.StatusCreated)
		pid := int64(prog["id"].(float64))
		var buyers []int64
		for i := range 3 {
			r := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": fmt.Sprint("B", i)})
			wantStatus(t, r, http.StatusCreated)
			buyers = append(buyers, r.ID())
		}
		order := func(c int64, amount float64) {
			mustJSON(t, h.Do("POST", "/orders", h.AdminToken, map[string]any{"customer_id": c, "ordered_at": time.Now().UTC(),
				"currency": "EUR", "lines": []map[string]any{{"sku": "MUG", "quantity": 1, "unit_price": amount}}}), http.StatusCreated)
		}
		order(buyers[0], 10)
		order(buyers[1], 20)
		order(buyers[0], 30)
		if _, err := h.App.Loyalty.Run(ctx); err != nil {
			t.Fatal(err)
		}
		balances := func() map[int64]int64 {
			out := map[int64]int64{}
			rows, err := h.App.Store.DB().Query(fmt.Sprintf(`SELECT customer_id, balance FROM loyalty_members WHERE program_id = %d`, pid))
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var c, b int64
				if err := rows.Scan(&c, &b); err != nil {
					t.Fatal(err)
				}
				out[c] = b
			}
			return out
		}
		before := balances()
		// The welcome bonus (100) and a point per euro.
		if before[buyers[0]] != 140 || before[buyers[1]] != 120 {
			t.Fatalf("first run: %v", before)
		}
		if _, err := h.App.Store.DB().Exec(fmt.Sprintf(`UPDATE loyalty_programs SET order_cursor = 0 WHERE id = %d`, pid)); err != nil {
			t.Fatal(err)
		}
		order(buyers[2], 5)
		if _, err := h.App.Loyalty.Run(ctx); err != nil {
			t.Fatal(err)
		}
		after := balances()
		if after[buyers[0]] != 140 || after[buyers[1]] != 120 || after[buyers[2]] != 105 {
			t.Fatalf("second run booked orders twice or missed one: %v", after)
		}
		var accruals int
		if err := h.App.Store.DB().QueryRow(`SELECT COUNT(*) FROM loyalty_transactions WHERE kind = 'accrual'`).Scan(&accruals); err != nil {
			t.Fatal(err)
		}
		if accruals != 4 {
			t.Fatalf("%d accruals for 4 orders", accruals)
		}
		checkLedger(t, h.App.Store.DB())
	})
}
