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

// The email designer: the example's blocks appear as cards; an image
// block is added and moved up with its arrow, the button is dragged by
// its grip (touch) above the text; the saved template has the blocks in
// that order with what was typed.
func TestBrowserEmailDesignerBlocks(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	ctx := signedIn(t, h.Server.URL)
	do(t, ctx, "open the designer", chromedp.EmulateViewport(1200, 1400), chromedp.Navigate(h.Server.URL+"/marketing"),
		chromedp.Click(chromedp.CSS("#templates-h + ul + details summary")), chromedp.WaitVisible(chromedp.CSS(".designer .block")))
	types := func() string {
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll(".designer .block")).map(b => b.dataset.type).join(",")`))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if got := types(); got != "heading,text,button" {
		t.Fatalf("blocks from the example: %s", got)
	}
	do(t, ctx, "add an image", chromedp.Click(chromedp.CSS(`[data-add="image"]`)),
		chromedp.SendKeys(chromedp.CSS(`.designer .block[data-type="image"] [data-field="url"]`), "https://shop.example/spring.jpg"),
		chromedp.SendKeys(chromedp.CSS(`.designer .block[data-type="image"] [data-field="alt"]`), "Spring flowers"))
	do(t, ctx, "move it up twice",
		chromedp.Click(chromedp.CSS(`.designer .block[data-type="image"] button[aria-label="Move up"]`)),
		chromedp.Click(chromedp.CSS(`.designer .block[data-type="image"] button[aria-label="Move up"]`)))
	if got := types(); got != "heading,image,text,button" {
		t.Fatalf("after moving the image up: %s", got)
	}
	x1, y1 := center(t, ctx, `.designer .block[data-type="button"] .grip`)
	x2, y2 := center(t, ctx, `.designer .block[data-type="text"] .grip`)
	do(t, ctx, "drag the button above the text", touchDrag(x1, y1, x2, y2-20))
	if got := types(); got != "heading,image,button,text" {
		t.Fatalf("after dragging the button: %s", got)
	}
	do(t, ctx, "save",
		chromedp.SendKeys(chromedp.CSS("#t-name"), "Designed"),
		chromedp.SendKeys(chromedp.CSS("#t-subject"), "Spring"),
		chromedp.Click(chromedp.CSS("form[action='/marketing/templates'] button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("[data-test-template]")))
	r := h.Do("GET", "/templates", h.AdminToken, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("templates: %s", r.Raw)
	}
	var got []string
	for _, x := range r.List {
		tpl := x.(map[string]any)
		if tpl["name"] != "Designed" {
			continue
		}
		for _, b := range tpl["blocks"].([]any) {
			m := b.(map[string]any)
			got = append(got, fmt.Sprint(m["type"], ":", m["url"], ":", m["alt"]))
		}
	}
	want := "heading:<nil>:<nil>,image:https://shop.example/spring.jpg:Spring flowers,button:https://example.com/:<nil>,text:<nil>:<nil>"
	if strings.Join(got, ",") != want {
		t.Fatalf("saved blocks:\n%s\nwant\n%s", strings.Join(got, ","), want)
	}
}
