package app_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/store"
)

// mobileDo calls the mobile app's JSON with a signed-in browser client.
func mobileDo(t *testing.T, c *http.Client, method, url string, body any) (int, map[string]any, []any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var obj map[string]any
	var list []any
	if len(raw) > 0 && raw[0] == '[' {
		_ = json.Unmarshal(raw, &list)
	} else {
		_ = json.Unmarshal(raw, &obj)
	}
	return res.StatusCode, obj, list
}

// The mobile app's data on both engines: a rep's day (tasks due, leads by
// score, open deals with their next stage), a customer card, and queued
// actions sent twice that are done once; a move someone else overtook is
// a conflict, not an overwrite; a reader without personal-data rights gets
// a card without contact details; no session, no data.
func TestMobileDayCardAndSync(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		team := h.Team("Road")
		rep, repTok := h.User("rep@example.com", auth.RoleSales, team)
		cust := h.Do("POST", "/customers", repTok, map[string]any{"kind": "person", "first_name": "Jonas", "last_name": "Falk",
			"phones": []map[string]any{{"number": "+44 20 7946 0099"}}})
		wantStatus(t, cust, http.StatusCreated)
		task := h.Do("POST", "/activities", repTok, map[string]any{"subject": "Bring samples", "customer_id": cust.ID(),
			"due_at": time.Now().UTC().Add(time.Hour).Format(time.RFC3339)})
		wantStatus(t, task, http.StatusCreated)
		for i := range 2 {
			wantStatus(t, h.Do("POST", "/leads", repTok, map[string]any{"first_name": fmt.Sprint("Lead", i), "company": "Acme",
				"owner_id": rep.ID}), http.StatusCreated)
		}
		_, st := stageIDs(t, h, repTok)
		deal := h.Do("POST", "/opportunities", repTok, map[string]any{"name": "Samples order", "amount": 50000, "currency": "EUR",
			"customer_id": cust.ID(), "owner_id": rep.ID})
		wantStatus(t, deal, http.StatusCreated)

		phone := signIn(t, h, "rep@example.com", "long enough password")
		code, home, _ := mobileDo(t, phone, "GET", h.Server.URL+"/m/api/home", nil)
		if code != 200 || len(home["tasks"].([]any)) != 1 || len(home["leads"].([]any)) != 2 || len(home["deals"].([]any)) != 1 {
			t.Fatalf("home %d: %v", code, home)
		}
		d := home["deals"].([]any)[0].(map[string]any)
		if d["stage_id"] != float64(st["Qualification"]) || d["next_stage_id"] != float64(st["Needs analysis"]) {
			t.Fatalf("deal: %v", d)
		}
		code, card, _ := mobileDo(t, phone, "GET", fmt.Sprintf("%s/m/api/customers/%d", h.Server.URL, cust.ID()), nil)
		if code != 200 || card["name"] != "Jonas Falk" || fmt.Sprint(card["phones"]) != "[+442079460099]" {
			t.Fatalf("card %d: %v", code, card)
		}
		if code, _, hits := mobileDo(t, phone, "GET", h.Server.URL+"/m/api/customers?q=jon", nil); code != 200 || len(hits) != 1 ||
			hits[0].(map[string]any)["name"] != "Jonas Falk" {
			t.Fatalf("search %d: %v", code, hits)
		}

		batch := map[string]any{"actions": []map[string]any{
			{"id": "act-0000-call", "kind": "log_call", "customer_id": cust.ID(), "text": "Samples next week"},
			{"id": "act-0000-task", "kind": "complete_task", "task_id": task.ID()},
			{"id": "act-0000-move", "kind": "move_stage", "deal_id": deal.ID(), "from_stage_id": st["Qualification"],
				"to_stage_id": st["Needs analysis"]},
			{"id": "act-0000-fup1", "kind": "follow_up", "customer_id": cust.ID(), "text": "Call about the samples", "due": "2026-12-01"},
			{"id": "act-0000-lead", "kind": "new_lead", "lead": map[string]any{"first_name": "Card", "last_name": "Holder",
				"company": "Trade fair GmbH"}},
			{"id": "act-0000-bad1", "kind": "dance"},
		}}
		status := func(out map[string]any) string {
			var s []string
			for _, r := range out["results"].([]any) {
				s = append(s, r.(map[string]any)["status"].(string))
			}
			return strings.Join(s, ",")
		}
		code, out, _ := mobileDo(t, phone, "POST", h.Server.URL+"/m/api/sync", batch)
		if code != 200 || status(out) != "done,done,done,done,done,failed" {
			t.Fatalf("first sync %d: %v", code, out)
		}
		// The answer was lost; the phone sends the same batch again.
		if _, again, _ := mobileDo(t, phone, "POST", h.Server.URL+"/m/api/sync", batch); status(again) !=
			"already_done,already_done,already_done,already_done,already_done,failed" {
			t.Fatalf("second sync: %v", again)
		}
		tl := h.Do("GET", fmt.Sprintf("/customers/%d/timeline?limit=50", cust.ID()), h.AdminToken, nil)
		if n := strings.Count(string(tl.Raw), "Samples next week"); n != 1 {
			t.Fatalf("the call is on the timeline %d times", n)
		}
		acts := h.Do("GET", fmt.Sprintf("/activities?customer_id=%d", cust.ID()), h.AdminToken, nil)
		if n := strings.Count(string(acts.Raw), "Call about the samples"); n != 1 {
			t.Fatalf("%d follow-up tasks", n)
		}
		leads := h.Do("GET", "/leads", h.AdminToken, nil)
		if n := strings.Count(string(leads.Raw), "Trade fair GmbH"); n != 1 {
			t.Fatalf("%d new leads", n)
		}
		if g := h.Do("GET", fmt.Sprintf("/opportunities/%d", deal.ID()), h.AdminToken, nil); g.JSON["stage_id"] != float64(st["Needs analysis"]) {
			t.Fatalf("deal after the move: %s", g.Raw)
		}
		// Someone moves the deal on; the phone's older move is a conflict.
		wantStatus(t, h.Do("PATCH", fmt.Sprintf("/opportunities/%d", deal.ID()), h.AdminToken, map[string]any{"stage_id": st["Proposal"]}),
			http.StatusOK)
		_, out, _ = mobileDo(t, phone, "POST", h.Server.URL+"/m/api/sync", map[string]any{"actions": []map[string]any{
			{"id": "act-0001-move", "kind": "move_stage", "deal_id": deal.ID(), "from_stage_id": st["Needs analysis"],
				"to_stage_id": st["Negotiation"]}}})
		r := out["results"].([]any)[0].(map[string]any)
		if r["status"] != "conflict" || !strings.Contains(r["message"].(string), "Proposal") {
			t.Fatalf("conflict: %v", r)
		}

		// A reader without personal-data rights: no phone numbers to keep.
		h.User("reader@example.com", auth.RoleReadOnly, 0)
		reader := signIn(t, h, "reader@example.com", "long enough password")
		if _, card, _ := mobileDo(t, reader, "GET", fmt.Sprintf("%s/m/api/customers/%d", h.Server.URL, cust.ID()), nil); card["masked"] != true ||
			strings.Contains(fmt.Sprint(card["phones"]), "7946") {
			t.Fatalf("reader's card: %v", card)
		}
		if code, _, _ := mobileDo(t, browserClient(t), "GET", h.Server.URL+"/m/api/home", nil); code != http.StatusUnauthorized {
			t.Fatalf("without a session: %d", code)
		}
		// The app shell (page, script, style) stays under 100 KB compressed.
		_, page, _ := get(t, phone, h.Server.URL+"/m/")
		shell := []string{page}
		for _, m := range regexp.MustCompile(`(?:src|href)="(/static/mobile\.[0-9a-f]+\.(?:js|css))"`).FindAllStringSubmatch(page, -1) {
			_, body, _ := get(t, phone, h.Server.URL+m[1])
			shell = append(shell, body)
		}
		var zipped bytes.Buffer
		zw := gzip.NewWriter(&zipped)
		for _, part := range shell {
			_, _ = zw.Write([]byte(part))
		}
		zw.Close()
		t.Logf("app shell: %d files, %d bytes compressed", len(shell), zipped.Len())
		if len(shell) != 3 || zipped.Len() >= 100<<10 {
			t.Fatalf("app shell: %d files, %d bytes compressed", len(shell), zipped.Len())
		}
		// The service worker names this release's files and drops the
		// caches of others when it takes over.
		_, sw, hdr := get(t, phone, h.Server.URL+"/m/sw.js")
		js := regexp.MustCompile(`/static/mobile\.[0-9a-f]+\.js`).FindString(page)
		if js == "" || !strings.Contains(sw, js) || !strings.Contains(sw, "caches.delete") || hdr.Get("Cache-Control") != "no-cache" {
			t.Fatalf("service worker for %q:\n%s", js, sw)
		}
		req, _ := http.NewRequest("POST", h.Server.URL+"/m/api/sync", strings.NewReader(`{"actions":[]}`))
		req.Header.Set("Origin", "https://evil.example")
		if res, err := phone.Do(req); err != nil || res.StatusCode != http.StatusForbidden {
			t.Fatalf("a foreign origin: %v %v", res.StatusCode, err)
		}
	})
}

// Phones get lost: the mobile data needs a sign-in from the last 12 hours
// (the desktop session lives on), and a rep can sign out every other
// device from their account page.
func TestMobileSessionsAreShortAndCanBeEnded(t *testing.T) {
	clk := &clock{now: time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)}
	h := apptest.NewAt(t, store.SQLite, clk.Now)
	h.User("rep@example.com", auth.RoleSales, 0)
	phone := signIn(t, h, "rep@example.com", "long enough password")
	desk := signIn(t, h, "rep@example.com", "long enough password")
	for range 4 { // a working day with requests every 3.5 hours
		clk.Add(210 * time.Minute)
		if st, _, _ := get(t, desk, h.Server.URL+"/customers"); st != http.StatusOK {
			t.Fatalf("desktop after %v: %d", clk.Now(), st)
		}
		mobileDo(t, phone, "GET", h.Server.URL+"/m/api/home", nil)
	}
	if code, out, _ := mobileDo(t, phone, "GET", h.Server.URL+"/m/api/home", nil); code != http.StatusUnauthorized {
		t.Fatalf("the phone 14 hours after signing in: %d %v", code, out)
	}
	phone = signIn(t, h, "rep@example.com", "long enough password")
	if code, _, _ := mobileDo(t, phone, "GET", h.Server.URL+"/m/api/home", nil); code != http.StatusOK {
		t.Fatalf("after signing in again: %d", code)
	}
	res, err := desk.PostForm(h.Server.URL+"/account/sign-out-everywhere", nil)
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out everywhere: %v %v", err, res.StatusCode)
	}
	res.Body.Close()
	if code, _, _ := mobileDo(t, phone, "GET", h.Server.URL+"/m/api/home", nil); code != http.StatusUnauthorized {
		t.Fatalf("the phone after signing out everywhere: %d", code)
	}
	if st, _, _ := get(t, desk, h.Server.URL+"/account"); st != http.StatusOK {
		t.Fatalf("the device that asked stays signed in: %d", st)
	}
}
