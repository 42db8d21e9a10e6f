package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/store"
)

// A loyalty manager sets up a program and a reward in the browser, enrols
// a customer from the profile, gives points with a reason, redeems the
// reward there and sees the balance and the activity change.
func TestBrowserLoyaltyProgramToRedemption(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	c := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Sanne", "last_name": "Vos"})
	if c.Status != http.StatusCreated {
		t.Fatalf("customer: %s", c.Raw)
	}
	ctx := signedIn(t, h.Server.URL)
	do(t, ctx, "open loyalty", chromedp.Navigate(h.Server.URL+"/loyalty"), chromedp.WaitVisible(chromedp.CSS("#programs-h")))
	do(t, ctx, "create a program",
		chromedp.Click(chromedp.CSS("#programs-h ~ details summary")),
		chromedp.SendKeys(chromedp.CSS("#lp-name"), "Friends"),
		chromedp.SendKeys(chromedp.CSS("#lp-currency"), "EUR"),
		chromedp.Click(chromedp.CSS("#new-program button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("article.program")))
	do(t, ctx, "add a reward",
		chromedp.Click(chromedp.CSS("#rewards-h ~ details summary")),
		chromedp.SendKeys(chromedp.CSS("#lr-name"), "Tote bag"),
		chromedp.SendKeys(chromedp.CSS("#lr-cost"), "200"),
		chromedp.Click(chromedp.CSS("#new-reward button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#reward-list tbody tr")))
	if got := text(t, ctx, "#reward-list"); !strings.Contains(got, "Tote bag") {
		t.Fatalf("rewards: %q", got)
	}

	do(t, ctx, "open the customer", chromedp.Navigate(fmt.Sprintf("%s/customers/%d", h.Server.URL, c.ID())),
		chromedp.WaitVisible(chromedp.CSS("#loyalty")))
	do(t, ctx, "enrol", chromedp.Click(chromedp.CSS(`#loyalty form[action$="/loyalty/enrol"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#loyalty [data-balance]")))
	if got := text(t, ctx, "#loyalty [data-balance]"); got != "100" {
		t.Fatalf("balance after enrolling: %q", got)
	}
	do(t, ctx, "give points",
		chromedp.SendKeys(chromedp.CSS(`#loyalty form.adjust input[name=points]`), "150"),
		chromedp.SendKeys(chromedp.CSS(`#loyalty form.adjust input[name=reason]`), "Welcome back"),
		chromedp.Click(chromedp.CSS(`#loyalty form.adjust button`)),
		chromedp.WaitVisible(chromedp.CSS(`#loyalty form[action$="/redeem"]`)))
	if got := text(t, ctx, "#loyalty"); !strings.Contains(got, "250") || !strings.Contains(got, "Welcome back") {
		t.Fatalf("after the adjustment: %q", got)
	}
	shot(t, ctx, "profile")
	do(t, ctx, "redeem the bag", chromedp.Click(chromedp.CSS(`#loyalty form[action$="/redeem"] button`)))
	waitJS(t, ctx, "the redemption", `(document.querySelector(".flash")||{textContent:""}).textContent.indexOf("Redeemed") === 0`)
	if got := text(t, ctx, "#loyalty [data-balance]"); got != "50" {
		t.Fatalf("balance after redeeming: %q", got)
	}
	if flash := text(t, ctx, ".flash"); !strings.Contains(flash, "Redeemed Tote bag: voucher LV-") {
		t.Fatalf("flash: %q", flash)
	}
}
