package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/store"
)

// mouseDrag presses the mouse at one point, moves it in steps and lets go
// at another.
func mouseDrag(x1, y1, x2, y2 float64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		send := func(typ input.DispatchMouseEventType, x, y float64, buttons int64) error {
			_, err := cdp.Call(ctx, tg, input.DispatchMouseEvent, input.DispatchMouseEventParams{Type: typ, X: x, Y: y,
				Button: input.MouseButtonLeft, Buttons: buttons, ClickCount: 1})
			return err
		}
		if err := send(input.DispatchMouseEventTypeMousePressed, x1, y1, 1); err != nil {
			return err
		}
		for i := 1; i <= 10; i++ {
			f := float64(i) / 10
			if err := send(input.DispatchMouseEventTypeMouseMoved, x1+(x2-x1)*f, y1+(y2-y1)*f, 1); err != nil {
				return err
			}
		}
		return send(input.DispatchMouseEventTypeMouseReleased, x2, y2, 0)
	})
}

// The journey canvas draws the flow with its branches and the customers
// waiting at each step; dragging a condition's "no" handle onto another
// step sets the branch in the editor, and saving keeps it.
func TestBrowserJourneyCanvasBranches(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	j := h.Do("POST", "/journeys", h.AdminToken, map[string]any{"name": "Buyers", "status": "active",
		"trigger": map[string]any{"event": "customer.created"},
		"steps": []map[string]any{{"type": "tag", "value": "seen"}, {"type": "condition", "rule": `orders >= 1`, "else_goto": 0},
			{"type": "tag", "value": "buyer"}, {"type": "split", "percent": 50, "else_goto": 0}, {"type": "goto", "goto": 0}}})
	if j.Status != http.StatusCreated {
		t.Fatalf("journey: %s", j.Raw)
	}
	if r := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Wendy"}); r.Status != http.StatusCreated {
		t.Fatalf("customer: %s", r.Raw)
	}
	ctx := signedIn(t, h.Server.URL)
	do(t, ctx, "open the journey", chromedp.EmulateViewport(1200, 1400),
		chromedp.Navigate(fmt.Sprintf("%s/marketing/journeys/%d", h.Server.URL, j.ID())),
		chromedp.WaitVisible(chromedp.CSS("#journey-canvas svg")))
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#journey-canvas [data-node]").length`))
	if err != nil || n != 7 {
		t.Fatalf("canvas nodes: %d (%v), want start, 5 steps and the end", n, err)
	}
	first, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#journey-canvas [data-node="1"]').textContent`))
	if err != nil || !strings.Contains(first, "1 here") || !strings.Contains(first, "Add the tag seen") {
		t.Fatalf("first step on the canvas: %q (%v)", first, err)
	}
	waitJS(t, ctx, "the branch to the end", `document.querySelector('#journey-canvas [data-branch="2"]').getAttribute("data-to") === "6"`)
	waitJS(t, ctx, "the split's other half to the end",
		`document.querySelector('#journey-canvas [data-branch="4"]').getAttribute("data-to") === "6"`)
	waitJS(t, ctx, "the jump to the end", `(function(){var p=document.querySelector('#journey-canvas [data-branch="5"]');`+
		`return p.getAttribute("data-to")==="6" && p.getAttribute("class").indexOf("jump")>=0;})()`)

	x1, y1 := center(t, ctx, `#journey-canvas [data-port="2"]`)
	x2, y2 := center(t, ctx, `#journey-canvas [data-node="4"] rect`)
	do(t, ctx, "drag the branch onto step 4", mouseDrag(x1, y1, x2, y2))
	waitJS(t, ctx, "the branch to step 4", `document.querySelector('#journey-canvas [data-branch="2"]').getAttribute("data-to") === "4"`)
	shot(t, ctx, "journey-canvas")
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("j-steps").value`))
	if err != nil {
		t.Fatal(err)
	}
	var steps []map[string]any
	if err := json.Unmarshal([]byte(raw), &steps); err != nil || steps[1]["else_goto"] != float64(4) {
		t.Fatalf("steps after the drag: %s (%v)", raw, err)
	}
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`document.querySelector('#step-editor .block[data-type="condition"] [data-field="else_goto"]').value`)); err != nil || got != "4" {
		t.Fatalf("the editor's branch field: %q (%v)", got, err)
	}
	do(t, ctx, "save", chromedp.Click(chromedp.CSS("#journey-form button[type=submit]")))
	waitJS(t, ctx, "the save", `(document.querySelector(".flash")||{textContent:""}).textContent.trim() === "Journey saved."`)
	r := h.Do("GET", "/journeys", h.AdminToken, nil)
	if !strings.Contains(string(r.Raw), `"else_goto":4`) {
		t.Fatalf("saved journey: %s", r.Raw)
	}
}
