package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/store"
)

// offline cuts the page (and its service worker) off the network, or
// reconnects it, and tells the page.
func offline(off bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		yes := off
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, tg, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			EmulateOfflineServiceWorker: &yes,
			MatchedNetworkConditions:    []*network.Conditions{{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}},
		}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: off,
			DownloadThroughput: -1, UploadThroughput: -1})
		return err
	})
}

// The mobile app on an emulated phone: installable (manifest, icons and a
// service worker controlling the page); a customer viewed online is
// readable offline; a call logged offline waits, is sent when the phone is
// back online and appears on the timeline exactly once, even when sent
// again; nothing is wider than the 360 px screen and every tap target is
// at least 44 px; signing out wipes what the phone kept.
func TestBrowserMobileOfflineAndSync(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	c := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Mira", "last_name": "Holm",
		"phones": []map[string]any{{"number": "+44 20 7946 0018"}}, "emails": []map[string]any{{"address": "mira@example.com"}}})
	if c.Status != http.StatusCreated {
		t.Fatalf("customer: %s", c.Raw)
	}
	base := h.Server.URL
	ctx := signedIn(t, base)
	do(t, ctx, "open the app on a phone", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile,
		chromedp.EmulateTouch), chromedp.Navigate(base+"/m/"), chromedp.WaitVisible(chromedp.CSS("main h1")))

	// Installable: a valid manifest with its icons, and a service worker
	// that controls the page after a reload.
	waitPromise(t, ctx, "the service worker", `navigator.serviceWorker.getRegistration("/m/").then(r => !!(r && r.active))`)
	do(t, ctx, "reload under the worker", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("main h1")))
	waitJS(t, ctx, "control by the worker", `!!navigator.serviceWorker.controller`)
	evalPromise(t, ctx, "check the manifest", `fetch("/app.webmanifest").then(r => r.json()).then(async m => {
		if (m.display !== "standalone" || !m.name || m.start_url !== "/m/" || m.scope !== "/m/") throw new Error("manifest " + JSON.stringify(m));
		const sizes = m.icons.map(i => i.sizes);
		if (!sizes.includes("192x192") || !sizes.includes("512x512")) throw new Error("icons " + sizes);
		for (const i of m.icons) {
			const r = await fetch(i.src);
			const b = await createImageBitmap(await r.blob());
			if (r.headers.get("content-type") !== "image/png" || b.width + "x" + b.height !== i.sizes) throw new Error("icon " + i.src);
		}
		return true;
	})`)

	// Every screen fits the phone.
	for _, v := range []struct{ hash, ready string }{{"#/", "main h2"}, {"#/search", "#q"}, {"#/lead", "#lead-form"}, {"#/more", "main button"}} {
		do(t, ctx, "open "+v.hash, chromedp.Navigate(base+"/m/"+v.hash), chromedp.WaitVisible(chromedp.CSS(v.ready)))
		layout(t, ctx)
	}
	do(t, ctx, "back to today", chromedp.Navigate(base+"/m/#/"), chromedp.WaitVisible(chromedp.CSS("main h2")))

	// The customer, viewed online, then offline after a reload.
	card := fmt.Sprintf("%s/m/#/c/%d", base, c.ID())
	do(t, ctx, "open the customer", chromedp.Navigate(card), chromedp.WaitVisible(chromedp.CSS("#timeline")))
	if got := text(t, ctx, "main h1"); got != "Mira Holm" {
		t.Fatalf("card: %q", got)
	}
	layout(t, ctx)
	shot(t, ctx, "card")
	do(t, ctx, "go offline", offline(true), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#timeline")))
	if got := text(t, ctx, "main"); !strings.Contains(got, "Mira Holm") || !strings.Contains(got, "Offline: as of") {
		t.Fatalf("offline card: %q", got)
	}
	if got := text(t, ctx, "#net"); got != "offline" {
		t.Fatalf("network indicator: %q", got)
	}
	// The rep's day is readable offline too.
	do(t, ctx, "today offline", chromedp.Navigate(base+"/m/#/"), chromedp.WaitVisible(chromedp.CSS("main h2")))
	if got := text(t, ctx, "main"); !strings.Contains(got, "Offline: as of") || !strings.Contains(strings.ToLower(got), "my open deals") {
		t.Fatalf("today offline: %q", got)
	}
	do(t, ctx, "back to the card", chromedp.Navigate(card), chromedp.WaitVisible(chromedp.CSS("#timeline")))

	// A call logged offline waits on the phone.
	do(t, ctx, "log a call offline", chromedp.SendKeys(chromedp.CSS("#note"), "Wants the spring catalogue"),
		chromedp.Click(chromedp.CSS(`button`+`:not(.ghost)`)))
	waitJS(t, ctx, "the pending call", `document.getElementById("pending").textContent === "1 waiting to send"`)
	timeline := func() []any {
		r := h.Do("GET", fmt.Sprintf("/customers/%d/timeline?limit=50", c.ID()), h.AdminToken, nil)
		items, _ := r.JSON["items"].([]any)
		var calls []any
		for _, it := range items {
			if strings.Contains(fmt.Sprint(it), "Wants the spring catalogue") {
				calls = append(calls, it)
			}
		}
		return calls
	}
	if n := len(timeline()); n != 0 {
		t.Fatalf("the call reached the server while offline (%d)", n)
	}

	// Back online: it is sent once and the queue empties.
	do(t, ctx, "go online", offline(false))
	waitJS(t, ctx, "the sync", `document.getElementById("pending").textContent === "" && document.getElementById("net").textContent === "online"`)
	if n := len(timeline()); n != 1 {
		t.Fatalf("%d calls on the timeline after syncing, want 1", n)
	}
	// The same action sent again (a lost answer, a second tab) is not
	// done twice.
	evalPromise(t, ctx, "send an action twice", `(async () => {
		const a = {id: "repeat-action-0001", kind: "log_call", customer_id: `+fmt.Sprint(c.ID())+`, text: "Second call, sent twice"};
		const send = () => fetch("/m/api/sync", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({actions: [a]})}).then(r => r.json());
		const one = await send(), two = await send();
		if (one.results[0].status !== "done" || two.results[0].status !== "already_done") throw new Error(JSON.stringify([one, two]));
		return true;
	})()`)
	r := h.Do("GET", fmt.Sprintf("/customers/%d/timeline?limit=50", c.ID()), h.AdminToken, nil)
	if n := strings.Count(string(r.Raw), "Second call, sent twice"); n != 1 {
		t.Fatalf("the repeated action is on the timeline %d times", n)
	}

	// Speed on a throttled connection (Lighthouse's slow 4G: 150 ms round
	// trips, 1.6 Mbit/s down, 750 kbit/s up), on a phone that has never
	// opened the app: reported, not asserted (timing is the benchmark's
	// business, and this machine's load varies).
	cold := signedIn(t, base)
	do(t, cold, "throttle", chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateTouch), slow4G())
	start := time.Now()
	do(t, cold, "first load", chromedp.Navigate(base+"/m/"), chromedp.WaitVisible(chromedp.CSS("main h2")))
	first := time.Since(start)
	took, err := chromedp.Run(cold, chromedp.Evaluate[float64](`(async () => {
		const t0 = performance.now();
		location.hash = "#/c/`+fmt.Sprint(c.ID())+`";
		while (!document.getElementById("timeline")) { await new Promise(r => setTimeout(r, 5)); }
		return performance.now() - t0;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("slow 4G, cold: first load of the app %.0f ms; opening a customer card %.0f ms", float64(first.Milliseconds()), took)

	// Signing out wipes the phone's copy.
	do(t, ctx, "sign out", chromedp.Navigate(base+"/m/#/more"), chromedp.WaitVisible(chromedp.CSS("main button")),
		chromedp.Click(chromedp.CSS("main button")), chromedp.WaitVisible(chromedp.CSS("#email")))
	evalPromise(t, ctx, "check the wipe", `(async () => {
		const dbs = await indexedDB.databases();
		if (dbs.some(d => d.name === "scrms-m")) throw new Error("the data is still here");
		if ((await caches.keys()).length) throw new Error("the app files are still cached");
		return true;
	})()`)
	if st := h.Do("GET", "/m/api/home", "", nil).Status; st != http.StatusUnauthorized {
		t.Fatalf("the mobile data without a session: %d", st)
	}
}

// layout checks the page at phone width: nothing wider than the screen,
// every link and button at least 44 px each way, every image sized.
func layout(t *testing.T, ctx context.Context) {
	t.Helper()
	evalPromise(t, ctx, "phone layout", `(() => {
		if (document.documentElement.scrollWidth > window.innerWidth) throw new Error("wider than the screen: " + document.documentElement.scrollWidth);
		for (const e of document.querySelectorAll("a, button, input, textarea")) {
			const r = e.getBoundingClientRect();
			if (r.width && (r.height < 44 || r.width < 44)) throw new Error("small tap target: " + e.outerHTML.slice(0, 80) + " " + r.width + "x" + r.height);
		}
		for (const i of document.querySelectorAll("img")) {
			if (!i.getAttribute("width") || !i.getAttribute("height")) throw new Error("image without a size");
		}
		return true;
	})()`)
}

// evalPromise runs a script whose promise must resolve (a rejection fails
// the test with its message).
func evalPromise(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](expr, chromedp.EvalAwaitPromise)); err != nil {
		shot(t, ctx, "failed")
		t.Fatalf("%s: %v", what, err)
	}
}

// waitPromise waits until a script's promise resolves to true.
func waitPromise(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr, chromedp.EvalAwaitPromise)); err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			shot(t, ctx, "timeout")
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// slow4G throttles the page's connection like Lighthouse's mobile profile.
func slow4G() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			MatchedNetworkConditions: []*network.Conditions{{Latency: 150, DownloadThroughput: 1.6e6 / 8, UploadThroughput: 750e3 / 8}},
		})
		return err
	})
}
