package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/store"
)

// An order placed through the API moves the revenue figure on an open
// dashboard, without a reload, within two seconds.
func TestBrowserDashboardRevenueMovesLive(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	c := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Lena", "last_name": "Berg"})
	if c.Status != http.StatusCreated {
		t.Fatalf("customer: %s", c.Raw)
	}
	order := func(price float64) {
		r := h.Do("POST", "/orders", h.AdminToken, map[string]any{"customer_id": c.ID(), "ordered_at": time.Now().UTC(),
			"currency": "EUR", "lines": []map[string]any{{"sku": "LAMP", "quantity": 1, "unit_price": price}}})
		if r.Status != http.StatusCreated {
			t.Fatalf("order: %s", r.Raw)
		}
	}
	order(20)
	ctx := signedIn(t, h.Server.URL)
	do(t, ctx, "open the dashboard", chromedp.Navigate(h.Server.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`[data-kpi="sales.revenue"]`)))
	if got := text(t, ctx, `[data-kpi="sales.revenue"]`); got != "20.00" {
		t.Fatalf("revenue before the order: %q", got)
	}
	// The page notes when the figure changes; the stream is open by now.
	eval(t, ctx, "watch the figure", `(() => {
		const el = document.querySelector('[data-kpi="sales.revenue"]');
		new MutationObserver(() => { if (!window.changedAt) { window.changedAt = Date.now(); } })
			.observe(el, {childList: true, characterData: true, subtree: true});
		return true;
	})()`)
	time.Sleep(1500 * time.Millisecond)
	placed := time.Now()
	order(105.5)
	waitJS(t, ctx, "the revenue to move", `!!window.changedAt`)
	at, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`window.changedAt`))
	if err != nil {
		t.Fatal(err)
	}
	took := time.UnixMilli(int64(at)).Sub(placed)
	t.Logf("the revenue figure moved %.0f ms after the order was placed", float64(took.Milliseconds()))
	if got := text(t, ctx, `[data-kpi="sales.revenue"]`); got != "125.50" {
		t.Fatalf("revenue after the order: %q", got)
	}
	if got := text(t, ctx, `[data-kpi="sales.orders"]`); got != "2" {
		t.Fatalf("orders after the order: %q", got)
	}
	if took > 2*time.Second {
		t.Fatalf("the figure took %v to move, more than 2 s", took)
	}
	shot(t, ctx, "dashboard")
}
