package app_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/mail/mailtest"
	"github.com/scrms/scrms/internal/store"
)

// Points about to expire are announced by their own email, once per member
// and month of expiry, within the program's notice period; a notice whose
// sending a stop cut short is not sent again.
func TestLoyaltyExpiryNotices(t *testing.T) {
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			outbox := mailtest.Start(t)
			start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
			clk := &testClock{t: start}
			h := apptest.NewAt(t, engine, clk.Now, func(env map[string]string) {
				env["SCRMS_SMTP_URL"] = outbox.URL()
				env["SCRMS_MAIL_FROM"] = "Club <club@shop.example>"
			})
			prog := mustJSON(t, h.Do("POST", "/loyalty/programs", h.AdminToken, map[string]any{"name": "Club", "currency": "EUR",
				"expiry_months": 3}), http.StatusCreated)
			if rules := prog["rules"].(map[string]any); rules["expiry_notice_days"] != float64(30) {
				t.Fatalf("a new program's notice period: %v", rules)
			}
			pid := int64(prog["id"].(float64))
			c := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Nora", "last_name": "Vik",
				"emails": []map[string]any{{"address": "nora@example.com"}}})
			wantStatus(t, c, http.StatusCreated)
			quiet := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "No", "last_name": "Mail"})
			wantStatus(t, quiet, http.StatusCreated)
			member := mustJSON(t, h.Do("POST", "/loyalty/members", h.AdminToken, map[string]any{"customer_id": c.ID(), "program_id": pid}),
				http.StatusCreated)
			mid := int64(member["id"].(float64))
			mustJSON(t, h.Do("POST", "/loyalty/members", h.AdminToken, map[string]any{"customer_id": quiet.ID(), "program_id": pid}),
				http.StatusCreated)
			mustJSON(t, h.Do("POST", "/orders", h.AdminToken, map[string]any{"customer_id": c.ID(), "ordered_at": start,
				"currency": "EUR", "lines": []map[string]any{{"sku": "LAMP", "quantity": 1, "unit_price": 50}}}), http.StatusCreated)
			run := func() {
				t.Helper()
				if _, err := h.App.Loyalty.Run(ctx); err != nil {
					t.Fatal(err)
				}
			}
			notices := func() []string {
				var out []string
				for _, m := range outbox.Messages() {
					if strings.Contains(m.Data, "of your points expire") {
						out = append(out, strings.Join(m.To, ","))
					}
				}
				return out
			}
			run()
			if n := notices(); len(n) != 0 {
				t.Fatalf("notices three months ahead: %v", n)
			}
			// 25 days before the welcome bonus and the order's points expire.
			clk.Set(start.AddDate(0, 3, -25))
			run()
			if n := notices(); len(n) != 1 || n[0] != "nora@example.com" {
				t.Fatalf("notices within the period: %v", n)
			}
			got := h.Do("GET", fmt.Sprintf("/loyalty/members/%d/notices", mid), h.AdminToken, nil)
			wantStatus(t, got, http.StatusOK)
			if len(got.List) != 1 {
				t.Fatalf("member notices: %s", got.Raw)
			}
			if n := got.List[0].(map[string]any); n["points"] != float64(150) || n["email"] != "sent" || n["period"] != "2026-06" {
				t.Fatalf("notice: %v", n)
			}
			var skipped int
			if err := h.App.Store.DB().QueryRow(`SELECT COUNT(*) FROM loyalty_notices WHERE email_state = 'skipped'`).Scan(&skipped); err != nil {
				t.Fatal(err)
			}
			if skipped != 1 {
				t.Fatalf("the member without an address: %d skipped notices", skipped)
			}
			// The next days bring no second notice for the same month.
			clk.Set(start.AddDate(0, 3, -24))
			run()
			clk.Set(start.AddDate(0, 3, -10))
			run()
			if n := notices(); len(n) != 1 {
				t.Fatalf("notices repeated: %v", n)
			}

			// A notice left sending by a stop is marked uncertain and not sent.
			if _, err := h.App.Store.DB().Exec(`UPDATE loyalty_notices SET email_state = 'sending' WHERE email_state = 'sent'`); err != nil {
				t.Fatal(err)
			}
			if n, err := h.App.Loyalty.Recover(ctx); err != nil || n != 1 {
				t.Fatalf("recover: %d, %v", n, err)
			}
			run()
			if n := notices(); len(n) != 1 {
				t.Fatalf("an uncertain notice was sent again: %v", n)
			}
		})
	}
}
