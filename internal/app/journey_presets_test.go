package app_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/mail/mailtest"
	"github.com/scrms/scrms/internal/store"
)

// The birthday journey wishes a customer on their birthday with the
// birthday offer's code, once a year; the abandoned-quote journey reminds
// a customer of a quote still open three days after it was sent, and gives
// the owner a task, but leaves alone a customer who accepted theirs.
func TestBirthdayAndAbandonedQuoteJourneys(t *testing.T) {
	outbox := mailtest.Start(t)
	clk := &clock{now: time.Date(2026, 9, 14, 9, 0, 0, 0, time.UTC)}
	h := apptest.NewAt(t, store.SQLite, clk.Now, func(env map[string]string) {
		env["SCRMS_SMTP_URL"] = outbox.URL()
		env["SCRMS_MAIL_FROM"] = "Shop <news@shop.example>"
	})
	ctx := context.Background()
	rep, _ := h.User("rep@example.com", auth.RoleSales, 0)
	mk := func(name, born string) int64 {
		r := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": name, "owner_id": rep.ID,
			"emails": []map[string]any{{"address": strings.ToLower(name) + "@example.com"}}, "profile": map[string]any{"birth_date": born}})
		wantStatus(t, r, http.StatusCreated)
		consent(t, h, r.ID(), "granted")
		return r.ID()
	}
	mk("Bea", "1990-09-14")
	mk("Carl", "1985-09-15")
	for _, p := range []string{"birthday", "abandoned_quote"} {
		j := h.Do("POST", "/journeys/presets/"+p, h.AdminToken, nil)
		wantStatus(t, j, http.StatusCreated)
		activate(t, h, j)
	}
	if _, err := h.App.Marketing.RunJourneys(ctx); err != nil {
		t.Fatal(err)
	}
	bea := outbox.To("bea@example.com")
	if len(bea) != 1 || !strings.Contains(subjectOf(t, bea[0].Data), "Happy birthday, Bea") ||
		!strings.Contains(strings.ReplaceAll(bea[0].Data, "=\r\n", ""), "BIRTHDAY15") {
		t.Fatalf("birthday emails to Bea: %d", len(bea))
	}
	if len(outbox.To("carl@example.com")) != 0 {
		t.Fatal("Carl was wished a day early")
	}
	clk.Add(2 * time.Hour)
	if _, err := h.App.Marketing.RunJourneys(ctx); err != nil {
		t.Fatal(err)
	}
	if len(outbox.To("bea@example.com")) != 1 {
		t.Fatal("Bea was wished twice")
	}

	// Two quotes sent; one is accepted.
	wantStatus(t, h.Do("PUT", "/products/DESK-1", h.AdminToken, map[string]any{"name": "Desk", "price": 499.0, "currency": "EUR"}), http.StatusOK)
	wantStatus(t, h.Do("PUT", "/products/DESK-1/stock", h.AdminToken, map[string]any{"on_hand": 50}), http.StatusOK)
	quote := func(customer int64) int64 {
		opp := h.Do("POST", "/opportunities", h.AdminToken, map[string]any{"name": "Desks", "customer_id": customer, "amount": 100000})
		wantStatus(t, opp, http.StatusCreated)
		q := h.Do("POST", fmt.Sprintf("/opportunities/%d/quotes", opp.ID()), h.AdminToken, map[string]any{"valid_until": "2026-12-31",
			"lines": []map[string]any{{"sku": "DESK-1", "quantity": 2}}})
		wantStatus(t, q, http.StatusCreated)
		wantStatus(t, h.Do("POST", fmt.Sprintf("/quotes/%d/send", q.ID()), h.AdminToken, map[string]any{"to": "buyer@example.com"}), http.StatusOK)
		return q.ID()
	}
	dina, emil := mk("Dina", "1970-01-01"), mk("Emil", "1970-01-01")
	quote(dina)
	accepted := quote(emil)
	wantStatus(t, h.Do("POST", fmt.Sprintf("/quotes/%d/accept", accepted), h.AdminToken, nil), http.StatusOK)
	clk.Add(3*24*time.Hour + time.Minute)
	if _, err := h.App.Marketing.RunJourneys(ctx); err != nil {
		t.Fatal(err)
	}
	if got := outbox.To("dina@example.com"); len(got) != 1 || !strings.Contains(subjectOf(t, got[0].Data), "Your quote is waiting") {
		t.Fatalf("quote reminders to Dina: %d", len(got))
	}
	if got := outbox.To("emil@example.com"); len(got) != 0 {
		t.Fatalf("Emil accepted his quote and was reminded anyway")
	}
	acts := h.Do("GET", fmt.Sprintf("/activities?customer_id=%d", dina), h.AdminToken, nil)
	if !strings.Contains(string(acts.Raw), "Follow up on the open quote") {
		t.Fatalf("no task for Dina's owner: %s", acts.Raw)
	}
}
