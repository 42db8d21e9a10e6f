package app_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/store"
)

// The key figures on a small data set checked by hand, on both engines:
// the roll-ups the database keeps as orders, deals, cases and surveys
// change give the same numbers as the definitions say.
//
// March 2026 (the clock stands at 20 March 12:00 UTC):
//   - Ann (referral "ads") orders 100 on 5 March and 50 on 10 March; Ben
//     ("ads") 200 on 12 March and returns 20 on 15 March; Cy ("fair")
//     bought 80 on 10 February, so he is February's new customer.
//     Revenue 330 (orders 3, average 110), last month's same days 80.
//   - Marketing costs 300 on channel "ads": CAC 150 (two new customers,
//     both through ads).
//   - Two leads; one deal created 10 March is won on 20 March (amount
//     1,000.00, 10 days), one lost: win rate 50 %, average deal 1,000.
//   - A case opened at 12:00 is answered at 12:30 and resolved at 14:00:
//     first response 30 minutes, resolution 2 hours, SLA kept.
//   - CSAT answers 4 and 2: 3.0; NPS answers 10, 9, 7, 3: (2 − 1) ÷ 4 = 25.
func TestKPIsOnAHandCheckedDataSet(t *testing.T) {
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			clk := &clock{now: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)}
			h := apptest.NewAt(t, e, clk.Now)
			person := func(name, source string) int64 {
				r := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": name,
					"emails": []map[string]any{{"address": name + "@example.com"}}, "profile": map[string]any{"referral_source": source}})
				wantStatus(t, r, http.StatusCreated)
				return r.ID()
			}
			ann, ben, cy := person("Ann", "ads"), person("Ben", "ads"), person("Cy", "fair")
			order := func(c int64, day string, qty int, price float64) {
				at, _ := time.Parse("2006-01-02 15:04", day+" 10:00")
				wantStatus(t, h.Do("POST", "/orders", h.AdminToken, map[string]any{"customer_id": c, "ordered_at": at,
					"currency": "EUR", "lines": []map[string]any{{"sku": "MUG", "quantity": qty, "unit_price": price}}}),
					http.StatusCreated)
			}
			order(cy, "2026-02-10", 1, 80)
			order(ann, "2026-03-05", 2, 50)
			order(ann, "2026-03-10", 1, 50)
			order(ben, "2026-03-12", 4, 50)
			order(ben, "2026-03-15", -1, 20)
			wantStatus(t, h.Do("POST", "/analytics/costs", h.AdminToken, map[string]any{"day": "2026-03-01", "kind": "marketing",
				"channel": "ads", "amount": 300, "currency": "EUR"}), http.StatusCreated)
			wantProblem(t, h.Do("POST", "/analytics/costs", h.AdminToken, map[string]any{"day": "March", "kind": "marketing",
				"amount": 300}), http.StatusUnprocessableEntity, "day")

			_, st := stageIDs(t, h, h.AdminToken)
			deal := func(name string) string {
				r := h.Do("POST", "/opportunities", h.AdminToken, map[string]any{"name": name, "amount": 100000, "currency": "EUR",
					"customer_id": ann, "owner_id": h.Admin.ID})
				wantStatus(t, r, http.StatusCreated)
				return fmt.Sprintf("/opportunities/%d", r.ID())
			}
			won, lost := deal("Big order"), deal("Other order")
			for _, l := range []string{"Lukas", "Mia"} {
				wantStatus(t, h.Do("POST", "/leads", h.AdminToken, map[string]any{"first_name": l, "company": "Bau AG"}), http.StatusCreated)
			}
			clk.Add(10*24*time.Hour + 3*time.Hour) // 20 March 12:00
			wantStatus(t, h.Do("PATCH", won, h.AdminToken, map[string]any{"stage_id": st["Won"]}), http.StatusOK)
			wantStatus(t, h.Do("PATCH", lost, h.AdminToken, map[string]any{"stage_id": st["Lost"], "lost_reason": "price"}), http.StatusOK)

			k := h.Do("POST", "/cases", h.AdminToken, map[string]any{"subject": "Cracked mug", "customer_id": ann, "description": "x"})
			wantStatus(t, k, http.StatusCreated)
			clk.Add(30 * time.Minute)
			wantStatus(t, h.Do("POST", fmt.Sprintf("/cases/%d/messages", k.ID()), h.AdminToken, map[string]any{"body": "Sorry!"}),
				http.StatusCreated)
			clk.Add(90 * time.Minute)
			wantStatus(t, h.Do("PATCH", fmt.Sprintf("/cases/%d", k.ID()), h.AdminToken, map[string]any{"status": "resolved",
				"resolution_code": "replaced"}), http.StatusOK)

			// Survey answers: CSAT 4 and 2, NPS 10, 9, 7, 3 (an answer changed
			// afterwards counts once, with its new score).
			db := h.App.Store.DB()
			ctx := context.Background()
			at := clk.Now()
			for i, a := range []struct {
				kind  string
				score int
			}{{"csat", 5}, {"csat", 2}, {"nps", 10}, {"nps", 9}, {"nps", 7}, {"nps", 3}} {
				var id int64
				if err := db.QueryRowContext(ctx, rebind(e, `INSERT INTO surveys (kind, token, customer_id, sent_at) VALUES (?, ?, ?, ?)
RETURNING id`), a.kind, fmt.Sprintf("%032d", i), ann, at).Scan(&id); err != nil {
					t.Fatal(err)
				}
				if _, err := db.ExecContext(ctx, rebind(e, `UPDATE surveys SET score = ?, answered_at = ? WHERE id = ?`), a.score, at, id); err != nil {
					t.Fatal(err)
				}
				if i == 0 {
					if _, err := db.ExecContext(ctx, rebind(e, `UPDATE surveys SET score = 4 WHERE id = ?`), id); err != nil {
						t.Fatal(err)
					}
				}
			}

			wantStatus(t, h.Do("POST", "/targets", h.AdminToken, map[string]any{"user_id": h.Admin.ID, "metric": "deals_won",
				"period_start": "2026-03-01", "period_end": "2026-03-31", "target": 4}), http.StatusCreated)
			r := h.Do("GET", "/analytics/kpis?from=2026-03-01&to=2026-03-31", h.AdminToken, nil)
			wantStatus(t, r, http.StatusOK)
			got := map[string]any{}
			for _, k := range r.JSON["kpis"].([]any) {
				m := k.(map[string]any)
				got[m["key"].(string)] = m["value"]
				if m["definition"] == "" {
					t.Errorf("%s has no definition", m["key"])
				}
			}
			want := map[string]float64{"revenue": 330, "orders": 3, "average_order_value": 110, "new_customers": 2, "cac": 150,
				"new_leads": 2, "win_rate": 50, "average_deal_size": 1000, "sales_cycle": 10, "first_response": 30,
				"resolution_time": 2, "sla_compliance": 100, "csat": 3, "nps": 25, "lead_conversion": 0}
			for key, w := range want {
				v, ok := got[key].(float64)
				if !ok || math.Abs(v-w) > 1e-9 {
					t.Errorf("%s = %v, want %v", key, got[key], w)
				}
			}
			if cac := r.JSON["cac_by_channel"].([]any); len(cac) != 1 || cac[0].(map[string]any)["cac"] != float64(150) {
				t.Errorf("CAC by channel: %v", cac)
			}
			if reps := r.JSON["sales_by_rep"].([]any); len(reps) != 1 || reps[0].(map[string]any)["won_amount"] != float64(1000) ||
				reps[0].(map[string]any)["lost"] != float64(1) {
				t.Errorf("sales by rep: %v", reps)
			}

			// Month by month: February's 80, March's 330 with its CSAT and NPS.
			months := map[string]map[string]any{}
			for _, m := range r.JSON["monthly"].([]any) {
				mm := m.(map[string]any)
				months[mm["month"].(string)] = mm
			}
			if len(months) != 12 || months["2026-02"]["revenue"] != float64(80) || months["2026-03"]["revenue"] != float64(330) ||
				months["2026-03"]["csat"] != float64(3) || months["2026-03"]["nps"] != float64(25) || months["2026-02"]["csat"] != nil ||
				months["2026-03"]["new_customers"] != float64(2) {
				t.Errorf("monthly: %v", r.JSON["monthly"])
			}
			if tg := r.JSON["targets"].([]any); len(tg) != 1 || tg[0].(map[string]any)["attained"] != float64(1) ||
				tg[0].(map[string]any)["target"] != float64(4) {
				t.Errorf("targets: %v", tg)
			}
			if cs, ok := r.JSON["campaigns"].([]any); !ok || len(cs) != 0 {
				t.Errorf("campaigns: %v", r.JSON["campaigns"])
			}

			d := h.Do("GET", "/analytics/dashboard", h.AdminToken, nil)
			wantStatus(t, d, http.StatusOK)
			sales := d.JSON["sales"].(map[string]any)
			if d.JSON["currency"] != "EUR" || sales["revenue"] != float64(330) || sales["revenue_last"] != float64(80) ||
				sales["orders"] != float64(3) || sales["new_customers"] != float64(2) || sales["new_customers_last"] != float64(1) ||
				sales["win_rate"] != 0.5 || sales["new_leads"] != float64(2) {
				t.Fatalf("dashboard sales: %s", d.Raw)
			}
			trend := sales["revenue_trend"].([]any)
			if len(trend) != 30 || trend[len(trend)-1].(map[string]any)["day"] != "2026-03-20" {
				t.Fatalf("trend: %v", trend)
			}
			byDay := map[string]float64{}
			for _, p := range trend {
				m := p.(map[string]any)
				byDay[m["day"].(string)] = m["value"].(float64)
			}
			if byDay["2026-03-05"] != 100 || byDay["2026-03-15"] != -20 || byDay["2026-02-20"] != 0 {
				t.Fatalf("trend by day: %v", byDay)
			}
			svc := d.JSON["service"].(map[string]any)
			if svc["open_cases"] != float64(0) || svc["resolved_30d"] != float64(1) || svc["sla_compliance"] != float64(1) ||
				svc["csat"] != float64(3) || svc["nps"] != float64(25) {
				t.Fatalf("dashboard service: %s", d.Raw)
			}
			// The admin hides the loyalty widget; the home page leaves it out.
			wantProblem(t, h.Do("PUT", "/analytics/dashboard/widgets", h.AdminToken, map[string]any{"hidden": []string{"weather"}}),
				http.StatusUnprocessableEntity, "hidden")
			wantStatus(t, h.Do("PUT", "/analytics/dashboard/widgets", h.AdminToken, map[string]any{"hidden": []string{"loyalty"}}),
				http.StatusOK)
			if d := h.Do("GET", "/analytics/dashboard", h.AdminToken, nil); fmt.Sprint(d.JSON["hidden"]) != "[loyalty]" {
				t.Fatalf("hidden widgets: %s", d.Raw)
			}
			admin := signIn(t, h, "admin@example.com", "correct horse battery")
			if st, page, _ := get(t, admin, h.Server.URL+"/"); st != http.StatusOK || strings.Contains(page, `id="w-loyalty"`) ||
				!strings.Contains(page, `id="w-service"`) || !strings.Contains(page, `data-kpi="sales.revenue"`) {
				t.Fatalf("home page with loyalty hidden (%d)", st)
			}
			if st, page, _ := get(t, admin, h.Server.URL+"/analytics/kpis?from=2026-03-01&to=2026-03-31"); st != http.StatusOK ||
				!strings.Contains(page, `data-kpi-value="cac"`) || !strings.Contains(page, "150.00 EUR") || !strings.Contains(page, `id="targets"`) {
				t.Fatalf("key figures page (%d)", st)
			}

			// A service agent sees the service widget only.
			_, agentTok := h.User("agent@example.com", auth.RoleService, 0)
			ad := h.Do("GET", "/analytics/dashboard", agentTok, nil)
			wantStatus(t, ad, http.StatusOK)
			if ad.JSON["service"] == nil || ad.JSON["sales"] != nil {
				t.Fatalf("agent dashboard: %s", ad.Raw)
			}
			wantProblem(t, h.Do("GET", "/analytics/kpis", agentTok, nil), http.StatusForbidden)
		})
	}
}

// rebind writes ? placeholders as PostgreSQL's $n.
func rebind(e store.Engine, q string) string {
	if e != store.Postgres {
		return q
	}
	out, n := []byte{}, 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			out = append(out, fmt.Sprintf("$%d", n)...)
			continue
		}
		out = append(out, q[i])
	}
	return string(out)
}
