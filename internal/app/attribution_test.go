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

// Orders that follow a campaign are credited to it under first-touch,
// last-touch and linear attribution, from the messages the customers
// opened or clicked in the 30 days before; the report gives the ROI.
func TestCampaignAttributionAndROI(t *testing.T) {
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			attribution(t, e)
		})
	}
}

func attribution(t *testing.T, engine store.Engine) {
	outbox := mailtest.Start(t)
	clk := &clock{now: time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)}
	h := apptest.NewAt(t, engine, clk.Now, func(env map[string]string) {
		env["SCRMS_SMTP_URL"] = outbox.URL()
		env["SCRMS_MAIL_FROM"] = "Shop <news@shop.example>"
	})
	ids := map[string]int64{}
	for _, n := range []string{"x", "y", "z"} {
		r := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": n, "tags": []string{"t"},
			"emails": []map[string]any{{"address": n + "@example.com"}}})
		wantStatus(t, r, http.StatusCreated)
		consent(t, h, r.ID(), "granted")
		ids[n] = r.ID()
	}
	seg := h.Do("POST", "/segments", h.AdminToken, map[string]any{"name": "T", "text": `tag = "t"`})
	tpl := h.Do("POST", "/templates", h.AdminToken, map[string]any{"name": "T", "subject": "Hi",
		"blocks": []map[string]any{{"type": "text", "text": "Hi"}}, "purpose": "transactional"})
	ctx := context.Background()
	send := func(name string, cost float64) int64 {
		c := h.Do("POST", "/campaigns", h.AdminToken, map[string]any{"name": name, "template_id": tpl.ID(), "segment_id": seg.ID(), "cost": cost})
		wantStatus(t, h.Do("POST", fmt.Sprintf("/campaigns/%d/send", c.ID()), h.AdminToken, nil), http.StatusAccepted)
		if n, err := h.App.Marketing.SendDue(ctx); n != 3 || err != nil {
			t.Fatalf("%s sent %d (%v)", name, n, err)
		}
		return c.ID()
	}
	touch := func(campaign int64, who, event string) {
		var msg int64
		q := `SELECT id FROM campaign_messages WHERE campaign_id = ? AND customer_id = ?`
		if engine == store.Postgres {
			q = `SELECT id FROM campaign_messages WHERE campaign_id = $1 AND customer_id = $2`
		}
		if err := h.App.Store.DB().QueryRow(q, campaign, ids[who]).Scan(&msg); err != nil {
			t.Fatal(err)
		}
		if err := h.App.Store.MarkEvent(ctx, msg, event, clk.Now()); err != nil {
			t.Fatal(err)
		}
	}
	order := func(who string, total float64) {
		wantStatus(t, h.Do("POST", "/orders", h.AdminToken, map[string]any{"customer_id": ids[who], "ordered_at": clk.Now(),
			"currency": "EUR", "lines": []map[string]any{{"sku": "KETTLE", "quantity": 1, "unit_price": total}}}), http.StatusCreated)
	}
	a := send("A", 100)
	touch(a, "x", "opened")
	touch(a, "y", "opened")
	clk.Add(24 * time.Hour)
	b := send("B", 50)
	touch(b, "x", "clicked")
	clk.Add(24 * time.Hour)
	order("x", 200)
	order("y", 100)
	order("z", 50) // z never opened anything

	r := h.Do("GET", fmt.Sprintf("/campaigns/%d/report", a), h.AdminToken, nil)
	wantStatus(t, r, http.StatusOK)
	model := func(name string) (float64, float64, any) {
		m := r.JSON[name].(map[string]any)
		return m["conversions"].(float64), m["revenue"].(map[string]any)["EUR"].(float64), m["roi"]
	}
	if c, rev, roi := model("first_touch"); c != 2 || rev != 300 || roi != float64(2) {
		t.Fatalf("first touch: %v %v %v", c, rev, roi)
	}
	if c, rev, _ := model("last_touch"); c != 1 || rev != 100 {
		t.Fatalf("last touch: %v %v", c, rev)
	}
	if c, rev, _ := model("linear"); c != 1.5 || rev != 200 {
		t.Fatalf("linear: %v %v", c, rev)
	}
	if r.JSON["converted"] != float64(2) {
		t.Fatalf("converted %v", r.JSON["converted"])
	}
	web := signIn(t, h, "admin@example.com", "correct horse battery")
	if st, body, _ := get(t, web, fmt.Sprintf("%s/marketing/campaigns/%d", h.Server.URL, a)); st != 200 ||
		!strings.Contains(body, "300.00 EUR") || !strings.Contains(body, "+200%") {
		t.Fatalf("campaign report page %d lacks the first-touch revenue or ROI", st)
	}
	rb := h.Do("GET", fmt.Sprintf("/campaigns/%d/report", b), h.AdminToken, nil)
	if lt := rb.JSON["last_touch"].(map[string]any); lt["conversions"] != float64(1) ||
		lt["revenue"].(map[string]any)["EUR"] != float64(200) || lt["roi"] != float64(3) {
		t.Fatalf("campaign B last touch: %v", lt)
	}
	// The key figures list both campaigns with their last-touch return.
	k := h.Do("GET", "/analytics/kpis?from=2026-04-01&to="+clk.Now().Format("2006-01-02"), h.AdminToken, nil)
	wantStatus(t, k, http.StatusOK)
	rois := map[string]any{}
	for _, c := range k.JSON["campaigns"].([]any) {
		m := c.(map[string]any)
		rois[fmt.Sprint(m["id"])] = m["roi"]
		if fmt.Sprint(m["id"]) == fmt.Sprint(b) && m["revenue"] != float64(200) {
			t.Fatalf("campaign B in the key figures: %v", m)
		}
	}
	if len(rois) != 2 || rois[fmt.Sprint(b)] != float64(3) {
		t.Fatalf("campaigns in the key figures: %s", k.JSON["campaigns"])
	}
}
