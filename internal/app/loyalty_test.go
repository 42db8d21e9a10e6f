package app_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
)

// checkLedger asserts the ledger's invariants for every member: the
// balance is the sum of posted transactions and pending of pending ones,
// no lot is negative, the posted lots hold the positive balance, every lot
// gave exactly what its uses record, and no lot gave points to a
// redemption or adjustment made at or after its expiry.
func checkLedger(t *testing.T, db *sql.DB) {
	t.Helper()
	var bad int
	queries := map[string]string{
		"balance is not the sum of posted transactions": `SELECT COUNT(*) FROM loyalty_members m WHERE m.balance <>
    (SELECT COALESCE(SUM(points), 0) FROM loyalty_transactions x WHERE x.member_id = m.id AND x.status = 'posted')`,
		"pending is not the sum of pending transactions": `SELECT COUNT(*) FROM loyalty_members m WHERE m.pending <>
    (SELECT COALESCE(SUM(points), 0) FROM loyalty_transactions x WHERE x.member_id = m.id AND x.status = 'pending')`,
		"a balance below zero without a return": `SELECT COUNT(*) FROM loyalty_members m WHERE m.balance < 0 AND NOT EXISTS
    (SELECT 1 FROM loyalty_transactions x WHERE x.member_id = m.id AND x.kind = 'reversal')`,
		"posted lots do not hold the positive balance": `SELECT COUNT(*) FROM loyalty_members m WHERE
    (CASE WHEN m.balance > 0 THEN m.balance ELSE 0 END) <> (SELECT COALESCE(SUM(remaining), 0) FROM loyalty_transactions x
    WHERE x.member_id = m.id AND x.status = 'posted')`,
		"a credit's uses and remaining do not add up": `SELECT COUNT(*) FROM loyalty_transactions l WHERE l.points > 0
    AND l.status = 'posted' AND l.remaining + (SELECT COALESCE(SUM(u.points), 0) FROM loyalty_lot_uses u WHERE u.lot_id = l.id) > l.points`,
		"a debit's uses do not add up to it": `SELECT COUNT(*) FROM loyalty_transactions d WHERE d.kind IN ('redemption', 'adjustment', 'expiry', 'transfer')
    AND d.points < 0 AND -d.points <> (SELECT COALESCE(SUM(u.points), 0) FROM loyalty_lot_uses u WHERE u.txn_id = d.id)`,
		"expired points were spent": `SELECT COUNT(*) FROM loyalty_lot_uses u JOIN loyalty_transactions d ON d.id = u.txn_id
    JOIN loyalty_transactions l ON l.id = u.lot_id WHERE d.kind <> 'expiry' AND d.kind <> 'reversal' AND l.expires_at IS NOT NULL
    AND d.created_at >= l.expires_at`,
		"a lot expired twice": `SELECT COUNT(*) FROM (SELECT u.lot_id FROM loyalty_lot_uses u JOIN loyalty_transactions d ON d.id = u.txn_id
    WHERE d.kind = 'expiry' GROUP BY u.lot_id HAVING COUNT(*) > 1) twice`,
	}
	for what, q := range queries {
		if err := db.QueryRow(q).Scan(&bad); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if bad != 0 {
			t.Fatalf("ledger: %s (%d)", what, bad)
		}
	}
}

func mustJSON(t *testing.T, r apptest.Response, status int) map[string]any {
	t.Helper()
	wantStatus(t, r, status)
	return r.JSON
}

// The contract end to end: a program with defaults, enrolment with its
// welcome points, points for an order at the tier's rate, a return taking
// back exactly what the returned units earned, adjustments with a reason,
// rewards with stock and partner codes, redemption with idempotency and
// 409 when short, vouchers used by orders, statements, the liability
// report, and who may do what.
func TestLoyaltyProgramEndToEnd(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		ctx := context.Background()
		prog := mustJSON(t, h.Do("POST", "/loyalty/programs", h.AdminToken, map[string]any{"name": "Club", "currency": "EUR",
			"rules": map[string]any{"earn_rate": 1, "category_multipliers": map[string]float64{"tea": 2},
				"excluded_skus": []string{"GIFTCARD"}, "events": map[string]int{"signup": 100, "review": 50}}}), http.StatusCreated)
		pid := int64(prog["id"].(float64))
		if tiers := prog["tiers"].([]any); len(tiers) != 3 || tiers[2].(map[string]any)["name"] != "Gold" {
			t.Fatalf("default tiers: %v", prog["tiers"])
		}
		wantProblem(t, h.Do("POST", "/loyalty/programs", h.AdminToken, map[string]any{"name": "Bad",
			"rules": map[string]any{"earn_rate": -1, "rounding": "sideways"}}), http.StatusUnprocessableEntity, "rules")

		c := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Lena", "last_name": "Berg",
			"emails": []map[string]any{{"address": "lena@example.com"}}})
		wantStatus(t, c, http.StatusCreated)
		cid := c.ID()
		m := mustJSON(t, h.Do("POST", "/loyalty/members", h.AdminToken, map[string]any{"customer_id": cid, "program_id": pid}),
			http.StatusCreated)
		mid := int64(m["id"].(float64))
		if m["balance"] != float64(100) || len(m["number"].(string)) < 10 {
			t.Fatalf("enrolled: %v", m)
		}
		wantProblem(t, h.Do("POST", "/loyalty/members", h.AdminToken, map[string]any{"customer_id": cid, "program_id": pid}),
			http.StatusConflict)

		wantStatus(t, h.Do("PUT", "/products/TEA", h.AdminToken, map[string]any{"name": "Green tea", "category": "tea",
			"price": 10, "currency": "EUR"}), http.StatusOK)
		// 2 × tea at 10.00 (×2 = 40) + a kettle at 35.50 + a gift card: 75 points.
		mustJSON(t, h.Do("POST", "/orders", h.AdminToken, map[string]any{"customer_id": cid, "ordered_at": time.Now().UTC(),
			"currency": "EUR", "lines": []map[string]any{{"sku": "TEA", "quantity": 2, "unit_price": 10},
				{"sku": "KETTLE", "quantity": 1, "unit_price": 35.5}, {"sku": "GIFTCARD", "quantity": 1, "unit_price": 50}}}), http.StatusCreated)
		test := mustJSON(t, h.Do("POST", fmt.Sprintf("/loyalty/programs/%d/test", pid), h.AdminToken, map[string]any{
			"lines": []map[string]any{{"sku": "TEA", "category": "tea", "quantity": 2, "unit_price": 10},
				{"sku": "KETTLE", "quantity": 1, "unit_price": 35.5}, {"sku": "GIFTCARD", "quantity": 1, "unit_price": 50}}}), http.StatusOK)
		if test["points"] != float64(75) || !strings.Contains(fmt.Sprint(test["why"]), "GIFTCARD earns nothing") {
			t.Fatalf("rule tester: %v", test)
		}
		if _, err := h.App.Loyalty.Run(ctx); err != nil {
			t.Fatal(err)
		}
		m = mustJSON(t, h.Do("GET", fmt.Sprintf("/loyalty/members/%d", mid), h.AdminToken, nil), http.StatusOK)
		if m["balance"] != float64(175) || m["tier"] != "Bronze" || m["next_tier"] != "Silver" || m["to_next_tier"] != float64(925) {
			t.Fatalf("after the order: %v", m)
		}
		// Returning one of the two teas takes back what it earned: 20.
		mustJSON(t, h.Do("POST", "/orders", h.AdminToken, map[string]any{"customer_id": cid, "ordered_at": time.Now().UTC(),
			"currency": "EUR", "lines": []map[string]any{{"sku": "TEA", "quantity": -1, "unit_price": 10}}}), http.StatusCreated)
		if _, err := h.App.Loyalty.Run(ctx); err != nil {
			t.Fatal(err)
		}
		if m = mustJSON(t, h.Do("GET", fmt.Sprintf("/loyalty/members/%d", mid), h.AdminToken, nil), http.StatusOK); m["balance"] != float64(155) {
			t.Fatalf("after the return: %v", m)
		}
		// The run again books nothing twice.
		if _, err := h.App.Loyalty.Run(ctx); err != nil {
			t.Fatal(err)
		}

		wantProblem(t, h.Do("POST", fmt.Sprintf("/loyalty/members/%d/adjustments", mid), h.AdminToken, map[string]any{"points": 10}),
			http.StatusUnprocessableEntity, "reason")
		wantProblem(t, h.Do("POST", fmt.Sprintf("/loyalty/members/%d/adjustments", mid), h.AdminToken,
			map[string]any{"points": -1000, "reason": "typo"}), http.StatusConflict)
		mustJSON(t, h.Do("POST", fmt.Sprintf("/loyalty/members/%d/adjustments", mid), h.AdminToken,
			map[string]any{"points": 45, "reason": "Goodwill for a late delivery"}), http.StatusCreated)

		reward := mustJSON(t, h.Do("POST", "/loyalty/rewards", h.AdminToken, map[string]any{"program_id": pid, "name": "Tote bag",
			"cost": 150, "stock": 1}), http.StatusCreated)
		rid := int64(reward["id"].(float64))
		cinema := mustJSON(t, h.Do("POST", "/loyalty/rewards", h.AdminToken, map[string]any{"program_id": pid, "name": "Cinema ticket",
			"cost": 20, "partner": "Odeon"}), http.StatusCreated)
		cinemaID := int64(cinema["id"].(float64))
		mustJSON(t, h.Do("POST", fmt.Sprintf("/loyalty/rewards/%d/codes", cinemaID), h.AdminToken,
			map[string]any{"codes": []string{"ODEON-1"}}), http.StatusCreated)
		gold := mustJSON(t, h.Do("POST", "/loyalty/rewards", h.AdminToken, map[string]any{"program_id": pid, "name": "Lounge",
			"cost": 10, "min_tier_rank": 3}), http.StatusCreated)

		v := mustJSON(t, h.Do("POST", fmt.Sprintf("/loyalty/members/%d/redemptions", mid), h.AdminToken,
			map[string]any{"reward_id": rid, "idempotency_key": "till-7-0001"}), http.StatusCreated)
		again := mustJSON(t, h.Do("POST", fmt.Sprintf("/loyalty/members/%d/redemptions", mid), h.AdminToken,
			map[string]any{"reward_id": rid, "idempotency_key": "till-7-0001"}), http.StatusOK)
		if v["code"] != again["code"] || v["points"] != float64(150) {
			t.Fatalf("idempotent redemption: %v / %v", v, again)
		}
		wantProblem(t, h.Do("POST", fmt.Sprintf("/loyalty/members/%d/redemptions", mid), h.AdminToken,
			map[string]any{"points": 51}), http.StatusConflict)
		wantProblem(t, h.Do("POST", fmt.Sprintf("/loyalty/members/%d/redemptions", mid), h.AdminToken,
			map[string]any{"reward_id": int64(gold["id"].(float64))}), http.StatusConflict)
		odeon := mustJSON(t, h.Do("POST", fmt.Sprintf("/loyalty/members/%d/redemptions", mid), h.AdminToken,
			map[string]any{"reward_id": cinemaID}), http.StatusCreated)
		if odeon["code"] != "ODEON-1" {
			t.Fatalf("partner code: %v", odeon)
		}
		wantProblem(t, h.Do("POST", fmt.Sprintf("/loyalty/members/%d/redemptions", mid), h.AdminToken,
			map[string]any{"reward_id": cinemaID}), http.StatusConflict)
		m = mustJSON(t, h.Do("GET", fmt.Sprintf("/loyalty/members/%d", mid), h.AdminToken, nil), http.StatusOK)
		if m["balance"] != float64(30) {
			t.Fatalf("balance after redemptions: %v", m)
		}
		used := mustJSON(t, h.Do("POST", "/loyalty/vouchers/use", h.AdminToken, map[string]any{"code": v["code"]}), http.StatusOK)
		if used["status"] != "used" {
			t.Fatalf("voucher: %v", used)
		}
		wantProblem(t, h.Do("POST", "/loyalty/vouchers/use", h.AdminToken, map[string]any{"code": v["code"]}), http.StatusConflict)

		ev := h.Do("POST", fmt.Sprintf("/loyalty/members/%d/events", mid), h.AdminToken, map[string]any{"event": "review", "key": "r-1"})
		wantStatus(t, ev, http.StatusCreated)
		wantStatus(t, h.Do("POST", fmt.Sprintf("/loyalty/members/%d/events", mid), h.AdminToken,
			map[string]any{"event": "review", "key": "r-1"}), http.StatusOK)

		txs := h.Do("GET", fmt.Sprintf("/loyalty/members/%d/transactions", mid), h.AdminToken, nil)
		wantStatus(t, txs, http.StatusOK)
		kinds := map[string]int{}
		for _, x := range txs.List {
			kinds[x.(map[string]any)["kind"].(string)]++
		}
		if kinds["bonus"] != 2 || kinds["accrual"] != 1 || kinds["reversal"] != 1 || kinds["adjustment"] != 1 || kinds["redemption"] != 2 {
			t.Fatalf("ledger kinds: %v", kinds)
		}
		st := mustJSON(t, h.Do("GET", fmt.Sprintf("/loyalty/members/%d/statements/%s", mid, time.Now().UTC().Format("2006-01")),
			h.AdminToken, nil), http.StatusOK)
		if st["opening_balance"] != float64(0) || st["earned"] != float64(205) || st["spent"] != float64(170) ||
			st["adjusted"] != float64(45) || st["closing_balance"] != float64(80) || st["final"] != false {
			t.Fatalf("statement: %v", st)
		}
		liab := h.Do("GET", fmt.Sprintf("/loyalty/programs/%d/liability", pid), h.AdminToken, nil)
		wantStatus(t, liab, http.StatusOK)
		total := 0.0
		for _, r := range liab.List {
			total += r.(map[string]any)["points"].(float64)
		}
		if total != 80 {
			t.Fatalf("liability: %s", liab.Raw)
		}
		checkLedger(t, h.App.Store.DB())

		// Segments can use the loyalty figures.
		for rules, want := range map[string]float64{
			`loyalty_tier = "bronze" and loyalty_points >= 80`: 1,
			`loyalty_points > 80`:                              0,
			fmt.Sprintf(`loyalty_member = "%d"`, pid):          1,
			`points_expiring_30d > 0`:                          0,
		} {
			r := h.Do("POST", "/segments/preview", h.AdminToken, map[string]any{"text": rules})
			if wantStatus(t, r, http.StatusOK); r.JSON["count"] != want {
				t.Fatalf("segment %s: %s", rules, r.Raw)
			}
		}

		// An order that lifts the qualifying points (55 so far) past 1,000
		// moves the member up to Silver at once.
		mustJSON(t, h.Do("POST", "/orders", h.AdminToken, map[string]any{"customer_id": cid, "ordered_at": time.Now().UTC(),
			"currency": "EUR", "lines": []map[string]any{{"sku": "SOFA", "quantity": 1, "unit_price": 1000}}}), http.StatusCreated)
		if _, err := h.App.Loyalty.Run(ctx); err != nil {
			t.Fatal(err)
		}
		if m = mustJSON(t, h.Do("GET", fmt.Sprintf("/loyalty/members/%d", mid), h.AdminToken, nil), http.StatusOK); m["tier"] != "Silver" ||
			m["qualifying"] != float64(1055) || m["next_tier"] != "Gold" {
			t.Fatalf("after passing 1,000 qualifying points: %v", m)
		}
		checkLedger(t, h.App.Store.DB())

		// SLA policies can match loyalty tiers and their benefits.
		silver := h.Do("POST", "/sla-policies", h.AdminToken, map[string]any{"name": "Silver members", "tier": "silver",
			"first_response_minutes": 30})
		wantStatus(t, silver, http.StatusCreated)
		wantStatus(t, h.Do("POST", "/sla-policies", h.AdminToken, map[string]any{"name": "Everyone", "first_response_minutes": 240}),
			http.StatusCreated)
		other := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Karl"})
		for id, want := range map[int64]float64{cid: float64(silver.ID()), other.ID(): float64(silver.ID() + 1)} {
			k := h.Do("POST", "/cases", h.AdminToken, map[string]any{"subject": "Help", "customer_id": id, "description": "x"})
			if wantStatus(t, k, http.StatusCreated); k.JSON["sla_policy_id"] != want {
				t.Fatalf("customer %d: policy %v, want %v", id, k.JSON["sla_policy_id"], want)
			}
		}

		// Points move to another member of the program, from the oldest
		// lots, and keep their earliest expiry.
		km := mustJSON(t, h.Do("POST", "/loyalty/members", h.AdminToken, map[string]any{"customer_id": other.ID(), "program_id": pid}),
			http.StatusCreated)
		kid := int64(km["id"].(float64))
		before := mustJSON(t, h.Do("GET", fmt.Sprintf("/loyalty/members/%d", mid), h.AdminToken, nil), http.StatusOK)["balance"].(float64)
		wantProblem(t, h.Do("POST", fmt.Sprintf("/loyalty/members/%d/transfers", mid), h.AdminToken,
			map[string]any{"to_member_id": kid, "points": before + 1}), http.StatusConflict)
		tr := mustJSON(t, h.Do("POST", fmt.Sprintf("/loyalty/members/%d/transfers", mid), h.AdminToken,
			map[string]any{"to_member_id": kid, "points": 30, "reason": "Household"}), http.StatusCreated)
		if tr["points"] != float64(-30) || tr["kind"] != "transfer" {
			t.Fatalf("transfer: %v", tr)
		}
		if a, b := mustJSON(t, h.Do("GET", fmt.Sprintf("/loyalty/members/%d", mid), h.AdminToken, nil), http.StatusOK)["balance"],
			mustJSON(t, h.Do("GET", fmt.Sprintf("/loyalty/members/%d", kid), h.AdminToken, nil), http.StatusOK)["balance"]; a != before-30 || b != float64(130) {
			t.Fatalf("balances after the transfer: %v and %v", a, b)
		}
		checkLedger(t, h.App.Store.DB())

		// Who may do what: sales reps enrol and redeem but do not adjust;
		// read-only users read; nobody sees members of customers hidden
		// from them.
		_, sales := h.User("rep@example.com", auth.RoleSales, h.Team("North"))
		_, ro := h.User("ro@example.com", auth.RoleReadOnly, 0)
		wantStatus(t, h.Do("POST", fmt.Sprintf("/loyalty/members/%d/adjustments", mid), sales,
			map[string]any{"points": 5, "reason": "x"}), http.StatusForbidden)
		wantStatus(t, h.Do("GET", fmt.Sprintf("/loyalty/members/%d", mid), sales, nil), http.StatusNotFound)
		wantStatus(t, h.Do("GET", fmt.Sprintf("/loyalty/members/%d", mid), ro, nil), http.StatusOK)
		wantStatus(t, h.Do("POST", fmt.Sprintf("/loyalty/members/%d/redemptions", mid), ro, map[string]any{"points": 1}), http.StatusForbidden)
		wantStatus(t, h.Do("POST", "/loyalty/programs", sales, map[string]any{"name": "Mine"}), http.StatusForbidden)
	})
}

// 500 redemptions at once against one member with points for 50 of them:
// exactly 50 succeed, the others get 409, the balance ends at zero and
// the ledger holds. On PostgreSQL the requests are split over two SCRMS
// instances sharing the database.
func TestLoyaltyConcurrentRedemptions(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		servers := []*apptest.Harness{h}
		if strings.HasPrefix(h.URL, "postgres") {
			servers = append(servers, apptest.Start(t, "postgres", apptest.Database(h.URL)))
		}
		prog := mustJSON(t, h.Do("POST", "/loyalty/programs", h.AdminToken, map[string]any{"name": "Club",
			"rules": map[string]any{"earn_rate": 1}}), http.StatusCreated)
		c := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Mia"})
		m := mustJSON(t, h.Do("POST", "/loyalty/members", h.AdminToken, map[string]any{"customer_id": c.ID(), "program_id": prog["id"]}),
			http.StatusCreated)
		mid := int64(m["id"].(float64))
		// Five credits of 100, so that redemptions cross lots.
		for i := range 5 {
			mustJSON(t, h.Do("POST", fmt.Sprintf("/loyalty/members/%d/adjustments", mid), h.AdminToken,
				map[string]any{"points": 100, "reason": fmt.Sprint("load ", i)}), http.StatusCreated)
		}
		const n = 500
		statuses := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				srv := servers[i%len(servers)]
				r := srv.Do("POST", fmt.Sprintf("/loyalty/members/%d/redemptions", mid), h.AdminToken,
					map[string]any{"points": 10, "idempotency_key": fmt.Sprint("k", i)})
				statuses[i] = r.Status
			}()
		}
		wg.Wait()
		count := map[int]int{}
		for _, s := range statuses {
			count[s]++
		}
		if count[http.StatusCreated] != 50 || count[http.StatusConflict] != n-50 {
			t.Fatalf("statuses: %v", count)
		}
		m = mustJSON(t, h.Do("GET", fmt.Sprintf("/loyalty/members/%d", mid), h.AdminToken, nil), http.StatusOK)
		if m["balance"] != float64(0) {
			t.Fatalf("balance %v", m["balance"])
		}
		checkLedger(t, h.App.Store.DB())
	})
}
