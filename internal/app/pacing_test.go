package app_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/mail/mailtest"
	"github.com/scrms/scrms/internal/store"
)

// The frequency cap skips customers who had their share of marketing
// email this week; quiet hours hold a message until the customer's own
// morning; transactional messages pass both.
func TestFrequencyCapAndQuietHours(t *testing.T) {
	outbox := mailtest.Start(t)
	// 23:30 in Lisbon (UTC+0 in winter).
	clk := &clock{now: time.Date(2026, 1, 14, 23, 30, 0, 0, time.UTC)}
	h := apptest.NewAt(t, store.SQLite, clk.Now, func(env map[string]string) {
		env["SCRMS_SMTP_URL"] = outbox.URL()
		env["SCRMS_MAIL_FROM"] = "Shop <news@shop.example>"
	})
	mk := func(name string, profile map[string]any) {
		r := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": name, "tags": []string{"p"},
			"emails": []map[string]any{{"address": name + "@example.com"}}, "profile": profile})
		wantStatus(t, r, http.StatusCreated)
		consent(t, h, r.ID(), "granted")
	}
	mk("sleeper", map[string]any{"time_zone": "Europe/Lisbon", "quiet_hours": "22:00-07:00"})
	mk("owl", map[string]any{"time_zone": "Asia/Tokyo"})                                         // 08:30 there; no quiet hours of their own
	mk("tourist", map[string]any{"time_zone": "America/New_York", "quiet_hours": "22:00-07:00"}) // 18:30 there

	bad := h.Do("PUT", "/marketing/settings", h.AdminToken, map[string]any{"frequency_cap": "three a week", "quiet_hours": "late"})
	wantProblem(t, bad, http.StatusUnprocessableEntity, "frequency_cap", "quiet_hours")
	wantStatus(t, h.Do("PUT", "/marketing/settings", h.AdminToken, map[string]any{"frequency_cap": "1/7", "quiet_hours": ""}), http.StatusOK)

	seg := h.Do("POST", "/segments", h.AdminToken, map[string]any{"name": "P", "text": `tag = "p"`})
	tpl := h.Do("POST", "/templates", h.AdminToken, map[string]any{"name": "T", "subject": "Hi",
		"blocks": []map[string]any{{"type": "text", "text": "Hi {{first_name}}"}}})
	launch := func(name string, template int64) int64 {
		c := h.Do("POST", "/campaigns", h.AdminToken, map[string]any{"name": name, "template_id": template, "segment_id": seg.ID()})
		wantStatus(t, h.Do("POST", fmt.Sprintf("/campaigns/%d/send", c.ID()), h.AdminToken, nil), http.StatusAccepted)
		return c.ID()
	}
	ctx := context.Background()
	first := launch("First", tpl.ID())
	if n, err := h.App.Marketing.SendDue(ctx); n != 2 || err != nil {
		t.Fatalf("first run sent %d (%v), want the owl and the tourist", n, err)
	}
	if c := h.Do("GET", fmt.Sprintf("/campaigns/%d", first), h.AdminToken, nil); c.JSON["status"] != "sending" {
		t.Fatalf("a campaign waiting on quiet hours is %v", c.JSON["status"])
	}
	clk.Add(8 * time.Hour) // 07:30 in Lisbon
	if n, err := h.App.Marketing.SendDue(ctx); n != 1 || err != nil {
		t.Fatalf("the morning run sent %d (%v), want the sleeper", n, err)
	}
	if c := h.Do("GET", fmt.Sprintf("/campaigns/%d", first), h.AdminToken, nil); c.JSON["status"] != "sent" {
		t.Fatalf("campaign %v", c.JSON["status"])
	}

	second := launch("Second", tpl.ID())
	if n, _ := h.App.Marketing.SendDue(ctx); n != 0 {
		t.Fatalf("the cap let %d through", n)
	}
	st := h.Do("GET", fmt.Sprintf("/campaigns/%d/stats", second), h.AdminToken, nil)
	if st.JSON["skipped"] != float64(3) {
		t.Fatalf("stats %s", st.Raw)
	}
	tx := h.Do("POST", "/templates", h.AdminToken, map[string]any{"name": "Notice", "purpose": "transactional", "subject": "Notice",
		"blocks": []map[string]any{{"type": "text", "text": "Our address changes."}}})
	launch("Notice", tx.ID())
	if n, _ := h.App.Marketing.SendDue(ctx); n != 3 {
		t.Fatalf("the transactional message reached %d, want 3", n)
	}
}
