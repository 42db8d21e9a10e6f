package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/mail/mailtest"
	"github.com/scrms/scrms/internal/store"
)

// The report builder on both engines: orders grouped by month with their
// count and total, filtered; a sales rep's report counts only the orders
// of customers their team may see; bad definitions name the field; a saved
// report is private until shared; its CSV neutralises formulas; a weekly
// report is emailed with its CSV once per week.
func TestReportBuilder(t *testing.T) {
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			outbox := mailtest.Start(t)
			clk := &clock{now: time.Date(2026, 4, 15, 9, 0, 0, 0, time.UTC)}
			h := apptest.NewAt(t, e, clk.Now, func(env map[string]string) {
				env["SCRMS_SMTP_URL"] = outbox.URL()
				env["SCRMS_MAIL_FROM"] = "Shop <hello@shop.example>"
			})
			north := h.Team("North")
			rep, repTok := h.User("rep@example.com", auth.RoleSales, north)
			mk := func(name string, owner int64) int64 {
				body := map[string]any{"kind": "person", "first_name": name, "lifecycle_stage": "customer",
					"profile": map[string]any{"referral_source": map[bool]string{true: "=2+2", false: "fair"}[name == "Mine"]}}
				if owner != 0 {
					body["owner_id"] = owner
				}
				r := h.Do("POST", "/customers", h.AdminToken, body)
				wantStatus(t, r, http.StatusCreated)
				return r.ID()
			}
			mine, other := mk("Mine", rep.ID), mk("Other", h.Admin.ID)
			order := func(c int64, day string, price float64) {
				at, _ := time.Parse("2006-01-02", day)
				wantStatus(t, h.Do("POST", "/orders", h.AdminToken, map[string]any{"customer_id": c, "ordered_at": at.Add(10 * time.Hour),
					"currency": "EUR", "lines": []map[string]any{{"sku": "MUG", "quantity": 1, "unit_price": price}}}), http.StatusCreated)
			}
			order(mine, "2026-02-03", 40)
			order(mine, "2026-03-10", 150)
			order(other, "2026-03-20", 200)
			order(other, "2026-04-01", 60)

			def := map[string]any{"source": "orders", "group_by": "ordered_at:month", "chart": "bar",
				"measures": []map[string]any{{"fn": "count"}, {"fn": "sum", "field": "total"}}}
			r := h.Do("POST", "/reports/run", h.AdminToken, def)
			wantStatus(t, r, http.StatusOK)
			if got := fmt.Sprint(r.JSON["rows"]); got != "[[2026-02 1 40] [2026-03 2 350] [2026-04 1 60]]" {
				t.Fatalf("orders by month: %s", got)
			}
			filtered := map[string]any{"source": "orders", "filters": []map[string]any{{"field": "total", "op": ">", "value": "100"}}}
			if r := h.Do("POST", "/reports/run", h.AdminToken, filtered); fmt.Sprint(r.JSON["rows"]) != "[[2]]" {
				t.Fatalf("orders over 100: %s", r.Raw)
			}
			// The rep's team sees Mine's orders only.
			if r := h.Do("POST", "/reports/run", repTok, def); fmt.Sprint(r.JSON["rows"]) != "[[2026-02 1 40] [2026-03 1 150]]" {
				t.Fatalf("the rep's report: %s", r.Raw)
			}
			wantProblem(t, h.Do("POST", "/reports/run", h.AdminToken, map[string]any{"source": "orders", "group_by": "password"}),
				http.StatusUnprocessableEntity, "group_by")
			wantProblem(t, h.Do("POST", "/reports/run", h.AdminToken, map[string]any{"source": "orders",
				"filters": []map[string]any{{"field": "ordered_at", "op": ">", "value": "yesterday"}}}), http.StatusUnprocessableEntity, "filters[0]")
			wantProblem(t, h.Do("POST", "/reports/run", h.AdminToken, map[string]any{"source": "users"}), http.StatusUnprocessableEntity, "source")
			_, agentTok := h.User("agent@example.com", auth.RoleService, 0)
			wantProblem(t, h.Do("POST", "/reports/run", agentTok, def), http.StatusForbidden)

			byName := map[string]any{"source": "customers", "group_by": "owner", "measures": []map[string]any{{"fn": "count"}}}
			saved := h.Do("POST", "/reports", h.AdminToken, map[string]any{"name": "Orders by month", "definition": def,
				"schedule": "weekly", "recipients": []string{"boss@shop.example"}})
			wantStatus(t, saved, http.StatusCreated)
			if saved.JSON["next_run_at"] != "2026-04-20T07:00:00Z" {
				t.Fatalf("next run: %s", saved.Raw)
			}
			wantProblem(t, h.Do("POST", "/reports", h.AdminToken, map[string]any{"name": "x", "definition": def, "schedule": "weekly"}),
				http.StatusUnprocessableEntity, "recipients")
			path := fmt.Sprintf("/reports/%d", saved.ID())
			wantProblem(t, h.Do("GET", path, repTok, nil), http.StatusNotFound)
			owners := h.Do("POST", "/reports", h.AdminToken, map[string]any{"name": "Customers by owner", "definition": byName, "shared": true})
			wantStatus(t, owners, http.StatusCreated)
			run := h.Do("GET", fmt.Sprintf("/reports/%d/run", owners.ID()), repTok, nil)
			wantStatus(t, run, http.StatusOK)
			if fmt.Sprint(run.JSON["rows"]) != "[[rep@example.com 1]]" {
				t.Fatalf("the shared report run by the rep: %s", run.Raw)
			}
			wantProblem(t, h.Do("DELETE", fmt.Sprintf("/reports/%d", owners.ID()), repTok, nil), http.StatusForbidden)

			// CSV of a report with a group that a spreadsheet would run as a
			// formula: it is written as text.
			cust := h.Do("POST", "/reports", h.AdminToken, map[string]any{"name": "Sources", "definition": map[string]any{
				"source": "customers", "group_by": "referral_source"}})
			req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/reports/%d/csv", h.Server.URL, cust.ID()), nil)
			req.Header.Set("Authorization", "Bearer "+h.AdminToken)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || string(body) != "Referral source,Count\n'=2+2,1\nfair,1\n" {
				t.Fatalf("csv %d: %q", res.StatusCode, body)
			}

			// The same in the browser: build, run, save, open, download.
			admin := signIn(t, h, "admin@example.com", "correct horse battery")
			st, page, _ := get(t, admin, h.Server.URL+"/reports?run=1&source=orders&group_by=ordered_at:month&m1=count&m2=sum:total&chart=bar")
			if st != http.StatusOK || !strings.Contains(page, "<td>2026-03</td><td>2</td><td>350</td>") || !strings.Contains(page, "Bar chart") {
				t.Fatalf("builder page %d", st)
			}
			if st, page, _ := get(t, admin, h.Server.URL+"/reports?run=1&source=orders&f1=ordered_at&o1=%3E&v1=soon"); st != http.StatusOK ||
				!strings.Contains(page, "is not a date") {
				t.Fatalf("a bad filter on the page (%d)", st)
			}
			saveRes, err := admin.PostForm(h.Server.URL+"/reports", url.Values{"name": {"March check"}, "source": {"orders"},
				"group_by": {"currency"}, "m1": {"avg:total"}, "chart": {"pie"}})
			if err != nil {
				t.Fatal(err)
			}
			saveRes.Body.Close()
			loc := saveRes.Header.Get("Location")
			if saveRes.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/reports/") {
				t.Fatalf("save: %d %s", saveRes.StatusCode, loc)
			}
			if st, page, _ := get(t, admin, h.Server.URL+loc); st != http.StatusOK || !strings.Contains(page, "March check") ||
				!strings.Contains(page, "<td>EUR</td><td>112.50</td>") || !strings.Contains(page, "Pie chart") {
				t.Fatalf("saved report page %d", st)
			}
			if st, csv, _ := get(t, admin, h.Server.URL+loc+"/csv"); st != http.StatusOK || csv != "Currency,Average total\nEUR,112.5\n" {
				t.Fatalf("csv from the page %d: %q", st, csv)
			}

			// Monday 20 April 07:00: the weekly report goes out once.
			ctx := context.Background()
			if n, err := h.App.Reports.SendDue(ctx); n != 0 || err != nil {
				t.Fatalf("before its time: %d %v", n, err)
			}
			clk.Add(5 * 24 * time.Hour)
			if n, err := h.App.Reports.SendDue(ctx); n != 1 || err != nil {
				t.Fatalf("sent %d (%v), want 1", n, err)
			}
			if n, _ := h.App.Reports.SendDue(ctx); n != 0 {
				t.Fatalf("sent again: %d", n)
			}
			waitFor(t, "the report email", func() bool { return len(outbox.Messages()) == 1 })
			m := outbox.Messages()[0]
			if m.To[0] != "boss@shop.example" || !strings.Contains(m.Data, "Subject: Report: Orders by month") ||
				!strings.Contains(m.Data, "Orders-by-month.csv") {
				t.Fatalf("report email:\n%s", m.Data)
			}
			if got := h.Do("GET", path, h.AdminToken, nil); got.JSON["next_run_at"] != "2026-04-27T07:00:00Z" || got.JSON["last_sent_at"] == nil {
				t.Fatalf("after sending: %s", got.Raw)
			}
		})
	}
}
