package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/store"
)

// A marketer starts the welcome journey from its ready-made draft, sees it
// as a flow, adds a tag step, moves it first, switches the journey on and
// saves: the flow and the API show the new order and status; a step the
// journey cannot take is refused with the reason and nothing changes.
func TestBrowserJourneyEditor(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	ctx := signedIn(t, h.Server.URL)
	do(t, ctx, "open journeys", chromedp.EmulateViewport(1200, 1400), chromedp.Navigate(h.Server.URL+"/marketing"),
		chromedp.Click(chromedp.CSS("#journeys-link")), chromedp.WaitVisible(chromedp.CSS("#j-preset")),
		chromedp.SetValue(chromedp.CSS("#j-preset"), "welcome"),
		chromedp.Click(chromedp.CSS(`form[action="/marketing/journeys"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#flow")))
	flow := func() string { return text(t, ctx, "#flow") }
	before := flow()
	if !strings.Contains(before, "Start") || !strings.Contains(before, "End") {
		t.Fatalf("flow: %q", before)
	}
	do(t, ctx, "add a tag step and move it first",
		chromedp.Click(chromedp.CSS(`[data-add-step="tag"]`)),
		chromedp.SendKeys(chromedp.CSS(`#step-editor .block[data-type="tag"] [data-field="value"]`), "newcomer"))
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#step-editor .block").length`))
	if err != nil {
		t.Fatal(err)
	}
	for range n - 1 {
		do(t, ctx, "move up", chromedp.Click(chromedp.CSS(`#step-editor .block[data-type="tag"] button[aria-label="Move up"]`)))
	}
	do(t, ctx, "switch it on and save", chromedp.SetValue(chromedp.CSS("#j-status"), "active"),
		chromedp.Click(chromedp.CSS("#journey-form button[type=submit]")))
	waitJS(t, ctx, "the save", `(document.querySelector(".flash")||{textContent:""}).textContent.trim() === "Journey saved."`)
	if got := text(t, ctx, `#flow [data-step="1"]`); !strings.Contains(got, "Add the tag newcomer") {
		t.Fatalf("first step after saving: %q", got)
	}
	r := h.Do("GET", "/journeys", h.AdminToken, nil)
	if r.Status != http.StatusOK || !strings.Contains(string(r.Raw), `"status":"active"`) || !strings.Contains(string(r.Raw), `"value":"newcomer"`) {
		t.Fatalf("journeys: %s", r.Raw)
	}
	// A condition that jumps to a step that does not exist is refused.
	do(t, ctx, "add a bad condition", chromedp.Click(chromedp.CSS(`[data-add-step="condition"]`)),
		chromedp.SendKeys(chromedp.CSS(`#step-editor .block[data-type="condition"] [data-field="rule"]`), `orders >= 1`),
		chromedp.SendKeys(chromedp.CSS(`#step-editor .block[data-type="condition"] [data-field="else_goto"]`), "42"),
		chromedp.Click(chromedp.CSS("#journey-form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS(".flash.error")))
	if got := text(t, ctx, ".flash.error"); !strings.Contains(strings.ToLower(got), "step") {
		t.Fatalf("error: %q", got)
	}
	if r2 := h.Do("GET", "/journeys", h.AdminToken, nil); strings.Contains(string(r2.Raw), `"else_goto":42`) {
		t.Fatalf("the bad step was saved: %s", r2.Raw)
	}
}
