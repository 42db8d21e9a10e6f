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

func TestTargetsAndForecast(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		team := h.Team("North")
		rep, tok := h.User("rep@example.com", auth.RoleSales, team)
		_, tok2 := h.User("rep2@example.com", auth.RoleSales, team)
		_, st := stageIDs(t, h, tok)
		today := time.Now().UTC()
		start := today.AddDate(0, 0, -15).Format("2006-01-02")
		end := today.AddDate(0, 0, 14).Format("2006-01-02")
		wantProblem(t, h.Do("POST", "/targets", tok, map[string]any{"user_id": rep.ID, "metric": "revenue",
			"period_start": start, "period_end": end, "target": 1000000}), http.StatusForbidden)
		wantProblem(t, h.Do("POST", "/targets", h.AdminToken, map[string]any{"metric": "revenue", "period_start": end,
			"period_end": start, "target": 1000000}), 422, "user_id", "period_end")
		wantStatus(t, h.Do("POST", "/targets", h.AdminToken, map[string]any{"user_id": rep.ID, "metric": "revenue",
			"period_start": start, "period_end": end, "target": 1000000, "currency": "EUR"}), http.StatusCreated)
		wantStatus(t, h.Do("POST", "/targets", h.AdminToken, map[string]any{"team_id": team, "metric": "deals_won",
			"period_start": start, "period_end": end, "target": 2}), http.StatusCreated)
		month := today.AddDate(0, 1, 0).Format("2006-01")
		deal := func(tk, name string, amount int, stage string) int64 {
			r := h.Do("POST", "/opportunities", tk, map[string]any{"name": name, "amount": amount, "stage_id": st[stage],
				"expected_close": month + "-10"})
			wantStatus(t, r, http.StatusCreated)
			return r.ID()
		}
		won := deal(tok, "Won one", 300000, "Proposal")
		wantStatus(t, h.Do("PATCH", fmt.Sprintf("/opportunities/%d", won), tok, map[string]any{"stage_id": st["Won"]}), http.StatusOK)
		deal(tok, "Open A", 200000, "Proposal")     // weighted 100000
		deal(tok2, "Open B", 400000, "Negotiation") // weighted 300000

		r := h.Do("GET", "/targets", tok, nil)
		wantStatus(t, r, http.StatusOK)
		if len(r.List) != 2 {
			t.Fatalf("targets: %s", r.Raw)
		}
		for _, x := range r.List {
			m := x.(map[string]any)
			switch m["metric"] {
			case "revenue":
				// Half the period gone, 30 % of the target: behind pace.
				if m["attained"] != float64(300000) || m["behind"] != true {
					t.Fatalf("revenue target: %v", m)
				}
			case "deals_won":
				if m["attained"] != float64(1) || m["behind"] != false {
					t.Fatalf("team target: %v", m)
				}
			}
		}
		r = h.Do("GET", "/forecast", tok, nil)
		var amount, weighted float64
		for _, x := range r.List {
			m := x.(map[string]any)
			if m["month"] == month {
				amount += m["amount"].(float64)
				weighted += m["weighted"].(float64)
			}
		}
		if amount != 600000 || weighted != 400000 {
			t.Fatalf("forecast %v / %v: %s", amount, weighted, r.Raw)
		}
		c := signIn(t, h, "rep@example.com", "long enough password")
		if status, page, _ := get(t, c, h.Server.URL+"/today"); status != 200 || !strings.Contains(page, "Behind pace") {
			t.Fatalf("my day shows no nudge (%d)", status)
		}
	})
}
