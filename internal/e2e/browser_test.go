// Package e2e drives SCRMS in a real headless Chromium, the way a person
// uses it. Without Chromium the tests skip, unless SCRMS_E2E=1 (CI) makes a
// missing browser a failure.
package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/store"
)

func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("SCRMS_E2E") == "1" {
		t.Fatal("SCRMS_E2E=1 but no Chromium found: apt-get install -y chromium")
	}
	t.Skip("browser tests skipped: install Chromium (apt-get install -y chromium) or set SCRMS_E2E=1 to require it")
	return ""
}

// browser returns a chromedp context on a fresh headless Chromium.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	return ctx
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		shot(t, ctx, "failed")
		t.Fatalf("%s: %v", what, err)
	}
}

// shot saves a screenshot into SCRMS_E2E_SHOTS when that folder is set.
func shot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("SCRMS_E2E_SHOTS")
	if dir == "" {
		return
	}
	b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err == nil {
		_ = os.WriteFile(filepath.Join(dir, t.Name()[strings.LastIndex(t.Name(), "/")+1:]+"-"+name+".png"), b, 0o644)
	}
}

func TestBrowserFirstAdminToCustomerAndBack(t *testing.T) {
	h := apptest.Start(t, store.SQLite)
	ctx := browser(t)
	base := h.Server.URL

	do(t, ctx, "open SCRMS", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("form[action='/setup']")))
	if got := text(t, ctx, "h1"); got != "Welcome to SCRMS" {
		t.Fatalf("empty installation shows %q, want the setup page", got)
	}
	// A too-short password is refused next to its field, and nothing is created.
	do(t, ctx, "submit a short password",
		chromedp.SendKeys(chromedp.CSS("#name"), "Ada Admin"),
		chromedp.SendKeys(chromedp.CSS("#email"), "ada@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), "short"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#err-password")))
	if n, _ := h.App.Store.CountUsers(context.Background()); n != 0 {
		t.Fatalf("%d users after a refused setup", n)
	}
	do(t, ctx, "create the first admin",
		chromedp.SetValue(chromedp.CSS("#password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#tour-title")))
	shot(t, ctx, "dashboard")
	if got := text(t, ctx, "h1"); got != "Dashboard" {
		t.Fatalf("after setup the page is %q", got)
	}

	do(t, ctx, "add a customer",
		chromedp.Click(chromedp.CSS(".tour a[href='/customers/new']")),
		chromedp.WaitVisible(chromedp.CSS("form[data-customer-form]")),
		chromedp.SendKeys(chromedp.CSS("#first_name"), "Grace"),
		chromedp.SendKeys(chromedp.CSS("#last_name"), "Hopper-Lovelace"),
		chromedp.SendKeys(chromedp.CSS("#email0"), "grace@navy.example"),
		chromedp.SendKeys(chromedp.CSS("#phone0"), "+1 415 555 0199"),
		chromedp.SendKeys(chromedp.CSS("#tags"), "vip, pioneer"),
		chromedp.Click(chromedp.CSS("form[data-customer-form] button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#timeline-title")))
	shot(t, ctx, "profile")
	if got := text(t, ctx, "h1"); !strings.HasPrefix(got, "Grace Hopper-Lovelace") {
		t.Fatalf("profile heading %q", got)
	}
	if got := text(t, ctx, "#main"); !strings.Contains(got, "+14155550199") || !strings.Contains(got, "Customer created") {
		t.Fatalf("profile lacks the phone or the timeline: %q", got)
	}

	do(t, ctx, "search from the global box",
		chromedp.SendKeys(chromedp.CSS("#global-search"), "hopp\n"),
		chromedp.WaitVisible(chromedp.CSS("table tbody tr")))
	if got := text(t, ctx, "table tbody"); !strings.Contains(got, "Grace Hopper-Lovelace") {
		t.Fatalf("search results: %q", got)
	}
	do(t, ctx, "open the result",
		chromedp.Click(chromedp.CSS("table tbody tr a")),
		chromedp.WaitVisible(chromedp.CSS("#timeline-title")))

	do(t, ctx, "add a note",
		chromedp.SendKeys(chromedp.CSS("#note-body"), "Prefers a call <b>after</b> 10am"),
		chromedp.Click(chromedp.CSS("form[action$='/notes'] button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("ol.timeline li.note")))
	if got := text(t, ctx, "ol.timeline li.note"); !strings.Contains(got, "<b>after</b>") {
		t.Fatalf("note not shown as typed (escaped): %q", got)
	}

	do(t, ctx, "log a call in two clicks",
		chromedp.SendKeys(chromedp.CSS("#it-body"), "Called to confirm the delivery date"),
		chromedp.Click(chromedp.CSS(".log-interaction input[value=phone]")),
		chromedp.Click(chromedp.CSS(".log-interaction button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("ol.timeline li.interaction")))
	if got := text(t, ctx, "ol.timeline li.interaction"); !strings.Contains(got, "Phone call (outbound)") ||
		!strings.Contains(got, "confirm the delivery date") {
		t.Fatalf("logged call on the timeline: %q", got)
	}

	do(t, ctx, "sign out",
		chromedp.Click(chromedp.CSS(".usermenu button")),
		chromedp.WaitVisible(chromedp.CSS("form[action='/login']")))
	if got := text(t, ctx, ".flash"); !strings.Contains(got, "signed out") {
		t.Fatalf("after sign-out: %q", got)
	}
	do(t, ctx, "the profile now needs a sign-in",
		chromedp.Navigate(base+"/customers"),
		chromedp.WaitVisible(chromedp.CSS("form[action='/login']")))
}

func TestBrowserPhoneWidth(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	for _, q := range []string{"Ann", "Bob", "Cleo"} {
		h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": q,
			"last_name": "Longsurname-Withhyphen", "emails": []map[string]any{{"address": strings.ToLower(q) + ".averyveryverylongaddress@example.com"}}})
	}
	ctx := browser(t)
	do(t, ctx, "sign in at 375 px",
		chromedp.EmulateViewport(375, 812),
		chromedp.Navigate(h.Server.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS("#email"), "admin@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#global-search")))
	for _, path := range []string{"/", "/customers", "/customers/new", "/customers/1", "/account", "/admin/users", "/help/guide", "/duplicates", "/notifications", "/sales", "/leads", "/today", "/forecast", "/opportunities", "/products"} {
		do(t, ctx, "open "+path, chromedp.Navigate(h.Server.URL+path), chromedp.WaitVisible(chromedp.CSS("h1")))
		w, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth"))
		if err != nil {
			t.Fatal(err)
		}
		if w > 375 {
			shot(t, ctx, "overflow")
			t.Errorf("%s is %d px wide at a 375 px viewport", path, w)
		}
	}
	shot(t, ctx, "list")
}

func TestBrowserResolveDuplicateByMerging(t *testing.T) {
	h := apptest.New(t, store.SQLite, apptest.WithJobs)
	for _, c := range []map[string]any{
		{"kind": "person", "first_name": "Katarzyna", "last_name": "Nowak", "emails": []map[string]any{{"address": "k.nowak@example.com"}},
			"profile": map[string]any{"language": "pl"}},
		{"kind": "person", "first_name": "Katarzyna", "last_name": "Nowakowa", "emails": []map[string]any{{"address": "k.nowak@example.com"}},
			"phones": []map[string]any{{"number": "+48 22 123 45 67"}}, "profile": map[string]any{"language": "en"}},
	} {
		if r := h.Do("POST", "/customers", h.AdminToken, c); r.Status != 201 {
			t.Fatalf("create: %s", r.Raw)
		}
	}
	ctx := browser(t)
	base := h.Server.URL
	do(t, ctx, "sign in",
		chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#email"), "admin@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#global-search")))
	do(t, ctx, "open the review queue from the customer list",
		chromedp.Navigate(base+"/customers"),
		chromedp.Click(chromedp.CSS("a[href='/duplicates']")),
		chromedp.WaitVisible(chromedp.CSS("#scan-status")))
	do(t, ctx, "start a scan",
		chromedp.Click(chromedp.CSS("form[action='/duplicates/scan'] button")),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(text(t, ctx, "#scan-status"), "likely pairs") {
		if time.Now().After(deadline) {
			t.Fatalf("the scan did not finish: %q", text(t, ctx, "#scan-status"))
		}
		time.Sleep(300 * time.Millisecond)
		do(t, ctx, "reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#scan-status")))
	}
	if !strings.Contains(text(t, ctx, "#pairs"), "Katarzyna Nowak and") {
		t.Fatalf("queue: %q", text(t, ctx, "#pairs"))
	}
	if !strings.Contains(text(t, ctx, "#notifications-link"), "1") {
		t.Fatalf("no unread notification shown: %q", text(t, ctx, "#notifications-link"))
	}
	do(t, ctx, "review the pair",
		chromedp.Click(chromedp.CSS("#pairs a.button")),
		chromedp.WaitVisible(chromedp.CSS("#merge-form")))
	shot(t, ctx, "compare")
	do(t, ctx, "keep the second record's language and merge",
		chromedp.Click(chromedp.CSS("input[name=keep_language][value='2']")),
		chromedp.Click(chromedp.CSS("#merge")),
		chromedp.WaitVisible(chromedp.CSS("#merges")))
	if got := text(t, ctx, ".flash"); !strings.Contains(got, "Merged") {
		t.Fatalf("flash after merge: %q", got)
	}
	page := text(t, ctx, "main")
	for _, want := range []string{"Katarzyna Nowak", "+48221234567", "Undo merge", "Katarzyna Nowakowa (record 2)"} {
		if !strings.Contains(page, want) {
			t.Fatalf("survivor page lacks %q:\n%s", want, page)
		}
	}
	r := h.Do("GET", "/customers/1", h.AdminToken, nil)
	if r.JSON["profile"].(map[string]any)["language"] != "en" {
		t.Fatalf("the chosen language was not kept: %s", r.Raw)
	}
	if r := h.Do("GET", "/customers/2", h.AdminToken, nil); r.JSON["deleted_at"] == nil {
		t.Fatalf("the merged record is not in the bin: %s", r.Raw)
	}
	shot(t, ctx, "merged")
}

func TestBrowserImportWithMapping(t *testing.T) {
	h := apptest.New(t, store.SQLite, apptest.WithJobs)
	file := filepath.Join(t.TempDir(), "kunden.csv")
	csv := "Kundennummer,Vorname,Familienname,E-Mail,Land\n" +
		"k-1,Jonas,Becker,jonas@example.de,Germany\n" +
		"k-2,Lea,Wolf,not-an-address,Germany\n" +
		"k-3,Mia,Krause,mia@example.de,Austria\n"
	if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	base := h.Server.URL
	do(t, ctx, "sign in",
		chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#email"), "admin@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#global-search")))
	do(t, ctx, "open the import from the customer list and upload",
		chromedp.Navigate(base+"/customers"),
		chromedp.Click(chromedp.CSS("a[href='/imports/new']")),
		chromedp.WaitVisible(chromedp.CSS("#import-file")),
		chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{file}),
		chromedp.Click(chromedp.CSS("form[action='/imports'] button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#mapping")))
	if got := text(t, ctx, "#mapping"); !strings.Contains(got, "Jonas · Lea · Mia") {
		t.Fatalf("the mapping shows no preview: %q", got)
	}
	shot(t, ctx, "mapping")
	do(t, ctx, "map the German columns and start",
		chromedp.SetValue(chromedp.CSS("#map-0"), "external_id"),
		chromedp.SetValue(chromedp.CSS("#map-1"), "first_name"),
		chromedp.SetValue(chromedp.CSS("#map-2"), "last_name"),
		chromedp.SetValue(chromedp.CSS("#map-4"), "country"),
		chromedp.Click(chromedp.CSS("#start-import")),
		chromedp.WaitVisible(chromedp.CSS("#import-progress")),
		chromedp.WaitVisible(chromedp.CSS("#import-report")))
	shot(t, ctx, "report")
	for sel, want := range map[string]string{"[data-field=status]": "done", "[data-field=imported]": "2",
		"[data-field=rejected]": "1", "#import-report": "Line 3: emails[0].address: is not a valid email address"} {
		if got := text(t, ctx, sel); !strings.Contains(got, want) {
			t.Fatalf("%s shows %q, want %q", sel, got, want)
		}
	}
	r := h.Do("GET", "/customers?q=krause", h.AdminToken, nil)
	if items := r.JSON["items"].([]any); len(items) != 1 {
		t.Fatalf("imported customers: %s", r.Raw)
	}
}

// center returns the middle of the first element matching sel, in CSS pixels.
func center(t *testing.T, ctx context.Context, sel string) (float64, float64) {
	t.Helper()
	xy, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(function(){var r=document.querySelector(`+
		strconv.Quote(sel)+`).getBoundingClientRect();return [r.left+r.width/2, r.top+Math.min(r.height/2, 40)];})()`))
	if err != nil || len(xy) != 2 {
		t.Fatalf("center of %s: %v", sel, err)
	}
	return xy[0], xy[1]
}

// touchDrag drags with one finger from one point to another.
func touchDrag(x1, y1, x2, y2 float64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		send := func(typ input.DispatchTouchEventType, pts []*input.TouchPoint) error {
			_, err := cdp.Call(ctx, tg, input.DispatchTouchEvent, input.DispatchTouchEventParams{Type: typ, TouchPoints: pts})
			return err
		}
		if err := send(input.DispatchTouchEventTypeTouchStart, []*input.TouchPoint{{X: x1, Y: y1}}); err != nil {
			return err
		}
		for i := 1; i <= 10; i++ {
			f := float64(i) / 10
			if err := send(input.DispatchTouchEventTypeTouchMove, []*input.TouchPoint{{X: x1 + (x2-x1)*f, Y: y1 + (y2-y1)*f}}); err != nil {
				return err
			}
		}
		return send(input.DispatchTouchEventTypeTouchEnd, []*input.TouchPoint{})
	})
}

func signedIn(t *testing.T, base string) context.Context {
	t.Helper()
	ctx := browser(t)
	do(t, ctx, "sign in",
		chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#email"), "admin@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#global-search")))
	return ctx
}

func TestBrowserBoardDragAndLiveUpdate(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	r := h.Do("GET", "/pipelines", h.AdminToken, nil)
	st := map[string]string{}
	for _, s := range r.List[0].(map[string]any)["stages"].([]any) {
		m := s.(map[string]any)
		st[m["name"].(string)] = strconv.Itoa(int(m["id"].(float64)))
	}
	var ids []string
	for _, d := range []map[string]any{{"name": "Globex renewal", "amount": 1000000, "currency": "EUR"},
		{"name": "Initech upgrade", "amount": 250000, "currency": "EUR"}} {
		ids = append(ids, strconv.FormatInt(h.Do("POST", "/opportunities", h.AdminToken, d).ID(), 10))
	}
	base := h.Server.URL
	a, b := signedIn(t, base), signedIn(t, base)
	for _, ctx := range []context.Context{a, b} {
		do(t, ctx, "open the board", chromedp.EmulateViewport(1400, 900), chromedp.Navigate(base+"/sales"),
			chromedp.WaitVisible(chromedp.CSS(`.deal[data-id="`+ids[1]+`"]`)))
	}
	col := func(stage string) string { return `.column[data-stage-id="` + st[stage] + `"]` }
	if got := text(t, a, col("Qualification")+" [data-total]"); got != "12,500.00 EUR" {
		t.Fatalf("qualification total %q", got)
	}
	do(t, a, "drag Globex to Proposal with the mouse",
		chromedp.DragAndDrop(chromedp.CSS(`.deal[data-id="`+ids[0]+`"]`), chromedp.CSS(col("Proposal")+" .cards")))
	do(t, a, "the card lands in Proposal", chromedp.WaitVisible(chromedp.CSS(col("Proposal")+` .deal[data-id="`+ids[0]+`"]`)))
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := h.Do("GET", "/opportunities/"+ids[0], h.AdminToken, nil)
		if strconv.Itoa(int(r.JSON["stage_id"].(float64))) == st["Proposal"] {
			break
		}
		if time.Now().After(deadline) {
			shot(t, a, "not-saved")
			t.Fatalf("the move was not saved: %s", r.Raw)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := text(t, a, col("Proposal")+" [data-weighted]"); got != "5,000.00 EUR" {
		t.Fatalf("proposal weighted total %q", got)
	}
	// The other browser sees the card move without reloading.
	do(t, b, "the second board follows", chromedp.WaitVisible(chromedp.CSS(col("Proposal")+` .deal[data-id="`+ids[0]+`"]`)))
	if got := text(t, b, col("Qualification")+" [data-count]"); got != "1" {
		t.Fatalf("second board's qualification count %q", got)
	}
	shot(t, b, "live")

	// On a phone, with a finger.
	phone := signedIn(t, base)
	do(t, phone, "open the board on a phone",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch),
		chromedp.Navigate(base+"/sales"),
		chromedp.WaitVisible(chromedp.CSS(`.deal[data-id="`+ids[1]+`"]`)))
	x1, y1 := center(t, phone, `.deal[data-id="`+ids[1]+`"]`)
	x2, y2 := center(t, phone, col("Needs analysis")+" .cards")
	x2 = min(x2, 370) // the column starts near the right edge of a phone's screen
	do(t, phone, "drag Initech to Needs analysis with a finger", touchDrag(x1, y1, x2, y2),
		chromedp.WaitVisible(chromedp.CSS(col("Needs analysis")+` .deal[data-id="`+ids[1]+`"]`)))
	shot(t, phone, "touch")
	do(t, a, "the desktop board follows the phone",
		chromedp.WaitVisible(chromedp.CSS(col("Needs analysis")+` .deal[data-id="`+ids[1]+`"]`)))
	r = h.Do("GET", "/opportunities/"+ids[1]+"/history", h.AdminToken, nil)
	if len(r.List) != 2 {
		t.Fatalf("history after the touch move: %s", r.Raw)
	}
}

func TestBrowserLeadToCustomer(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	ctx := signedIn(t, h.Server.URL)
	do(t, ctx, "add a lead",
		chromedp.Navigate(h.Server.URL+"/leads"),
		chromedp.Click(chromedp.CSS("details.card summary")),
		chromedp.SendKeys(chromedp.CSS("#l-first"), "Ines"),
		chromedp.SendKeys(chromedp.CSS("#l-last"), "Moreau"),
		chromedp.SendKeys(chromedp.CSS("#l-company"), "Moreau & Fils"),
		chromedp.SendKeys(chromedp.CSS("#l-email"), "ines@moreau.example"),
		chromedp.SendKeys(chromedp.CSS("#l-value"), "12000"),
		chromedp.Click(chromedp.CSS("form[action='/leads'] button")),
		chromedp.WaitVisible(chromedp.CSS("#score")))
	if got := text(t, ctx, "#score"); !strings.Contains(got, "gives a company") || !strings.Contains(got, "business email address") {
		t.Fatalf("score: %q", got)
	}
	do(t, ctx, "convert it", chromedp.Click(chromedp.CSS("#convert-lead")), chromedp.WaitVisible(chromedp.CSS("#timeline-title")))
	if got := text(t, ctx, ".flash"); !strings.Contains(got, "Converted into a new customer") || !strings.Contains(got, "Opportunity") {
		t.Fatalf("after converting: %q", got)
	}
	if got := text(t, ctx, "h1"); !strings.Contains(got, "Ines Moreau") {
		t.Fatalf("landed on %q", got)
	}
	r := h.Do("GET", "/opportunities", h.AdminToken, nil)
	if len(r.List) != 1 || r.List[0].(map[string]any)["amount"] != float64(1200000) {
		t.Fatalf("opportunity: %s", r.Raw)
	}
}

func TestBrowserBoardCardOpensTheDeal(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	id := strconv.FormatInt(h.Do("POST", "/opportunities", h.AdminToken, map[string]any{"name": "Tap me", "amount": 1000}).ID(), 10)
	ctx := signedIn(t, h.Server.URL)
	do(t, ctx, "tap the card",
		chromedp.Navigate(h.Server.URL+"/sales"),
		chromedp.WaitVisible(chromedp.CSS(`.deal[data-id="`+id+`"]`)),
		chromedp.Click(chromedp.CSS(`.deal[data-id="`+id+`"] [data-name]`)),
		chromedp.WaitVisible(chromedp.CSS("#history")))
	if got := text(t, ctx, "h1"); !strings.Contains(got, "Tap me") {
		t.Fatalf("opened %q", got)
	}
}
