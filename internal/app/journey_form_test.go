package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/store"
)

// A web form sent with a known customer's address starts the journeys
// that begin on a form; an unknown address only makes a lead.
func TestFormSubmissionStartsJourneys(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	form := h.Do("POST", "/lead-forms", h.AdminToken, map[string]any{"name": "Contact us"})
	wantStatus(t, form, http.StatusCreated)
	j := h.Do("POST", "/journeys", h.AdminToken, map[string]any{"name": "Answer the form", "status": "active", "reentry": true,
		"trigger": map[string]any{"event": "form.submitted"}, "steps": []map[string]any{{"type": "tag", "value": "asked"}}})
	wantStatus(t, j, http.StatusCreated)
	known := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Kim",
		"emails": []map[string]any{{"address": "kim@example.com"}}})
	wantStatus(t, known, http.StatusCreated)
	send := func(email string) {
		b, _ := json.Marshal(map[string]any{"name": "Kim Lee", "email": email, "message": "Call me"})
		req, _ := http.NewRequest("POST", h.Server.URL+"/forms/"+form.JSON["key"].(string), bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != http.StatusCreated {
			t.Fatalf("form: %v %v", err, res)
		}
		res.Body.Close()
	}
	send("KIM@example.com")
	send("stranger@example.com")
	if _, err := h.App.Marketing.RunJourneys(context.Background()); err != nil {
		t.Fatal(err)
	}
	runs := h.Do("GET", fmt.Sprintf("/journeys/%d/runs", j.ID()), h.AdminToken, nil)
	wantStatus(t, runs, http.StatusOK)
	if len(runs.List) != 1 || runs.List[0].(map[string]any)["customer_id"] != float64(known.ID()) {
		t.Fatalf("runs: %s", runs.Raw)
	}
	c := h.Do("GET", fmt.Sprintf("/customers/%d", known.ID()), h.AdminToken, nil)
	if fmt.Sprint(c.JSON["tags"]) != "[asked]" {
		t.Fatalf("the journey's step: tags %v", c.JSON["tags"])
	}
}

// A condition and a "go to" step make an if/else that meets again: each
// customer takes one branch, then the steps after; a jump back without a
// wait in between is refused, one with a wait is kept.
func TestJourneyBranchesMeetAgain(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	step := func(typ, value string, jump int) map[string]any {
		s := map[string]any{"type": typ}
		switch typ {
		case "condition":
			s["rule"], s["else_goto"] = value, jump
		case "goto":
			s["goto"] = jump
		case "wait":
			s["minutes"] = 60
		default:
			s["value"] = value
		}
		return s
	}
	wantProblem(t, h.Do("POST", "/journeys", h.AdminToken, map[string]any{"name": "Spin", "trigger": map[string]any{"event": "customer.created"},
		"steps": []map[string]any{step("tag", "a", 0), step("goto", "", 1)}}), http.StatusUnprocessableEntity, "steps")
	wantStatus(t, h.Do("POST", "/journeys", h.AdminToken, map[string]any{"name": "Remind", "trigger": map[string]any{"event": "customer.created"},
		"steps": []map[string]any{step("wait", "", 0), step("condition", `tag = "done"`, 1)}}), http.StatusCreated)
	j := h.Do("POST", "/journeys", h.AdminToken, map[string]any{"name": "Fork", "status": "active",
		"trigger": map[string]any{"event": "customer.created"},
		"steps": []map[string]any{step("condition", `tag = "vip"`, 4), step("tag", "vip-path", 0), step("goto", "", 5),
			step("tag", "regular-path", 0), step("tag", "done", 0)}})
	wantStatus(t, j, http.StatusCreated)
	vip := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Vic", "tags": []string{"vip"}})
	reg := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Reg"})
	if _, err := h.App.Marketing.RunJourneys(context.Background()); err != nil {
		t.Fatal(err)
	}
	tags := func(id int64) string {
		c := h.Do("GET", fmt.Sprintf("/customers/%d", id), h.AdminToken, nil)
		return fmt.Sprint(c.JSON["tags"])
	}
	if got := tags(vip.ID()); got != "[done vip vip-path]" {
		t.Fatalf("the VIP's tags: %s", got)
	}
	if got := tags(reg.ID()); got != "[done regular-path]" {
		t.Fatalf("the other customer's tags: %s", got)
	}
}

// A reminder loop does its steps again on each pass: a task each time
// round until the customer has what the loop waits for.
func TestJourneyLoopRepeatsItsSteps(t *testing.T) {
	clk := &clock{now: time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)}
	h := apptest.NewAt(t, store.SQLite, clk.Now)
	rep, _ := h.User("rep@example.com", auth.RoleSales, 0)
	j := h.Do("POST", "/journeys", h.AdminToken, map[string]any{"name": "Chase", "status": "active",
		"trigger": map[string]any{"event": "customer.created"},
		"steps": []map[string]any{{"type": "task", "value": "Call about the quote", "due_days": 1}, {"type": "wait", "minutes": 1440},
			{"type": "condition", "rule": `tag = "answered"`, "else_goto": 1}, {"type": "tag", "value": "closed-loop"}}})
	wantStatus(t, j, http.StatusCreated)
	c := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Quinn", "owner_id": rep.ID})
	wantStatus(t, c, http.StatusCreated)
	ctx := context.Background()
	tasks := func() int {
		var n int
		if err := h.App.Store.DB().QueryRow(`SELECT COUNT(*) FROM activities WHERE subject = 'Call about the quote'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for day := range 3 {
		if _, err := h.App.Marketing.RunJourneys(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := h.App.Marketing.RunJourneys(ctx); err != nil { // a second run the same minute does nothing more
			t.Fatal(err)
		}
		if got := tasks(); got != day+1 {
			t.Fatalf("day %d: %d tasks, want %d", day, got, day+1)
		}
		clk.Add(24*time.Hour + time.Minute)
	}
	wantStatus(t, h.Do("PATCH", fmt.Sprintf("/customers/%d", c.ID()), h.AdminToken, map[string]any{"tags": []string{"answered"}}), http.StatusOK)
	if _, err := h.App.Marketing.RunJourneys(ctx); err != nil {
		t.Fatal(err)
	}
	if got := tasks(); got != 3 {
		t.Fatalf("after the answer: %d tasks", got)
	}
	if tags := h.Do("GET", fmt.Sprintf("/customers/%d", c.ID()), h.AdminToken, nil).JSON["tags"]; !strings.Contains(fmt.Sprint(tags), "closed-loop") {
		t.Fatalf("the loop did not end: tags %v", tags)
	}
}

// A split sends a share of the customers on to the next step and the
// others down the other branch, each customer always the same way.
func TestJourneySplitsCustomers(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	wantProblem(t, h.Do("POST", "/journeys", h.AdminToken, map[string]any{"name": "Bad split", "trigger": map[string]any{"event": "customer.created"},
		"steps": []map[string]any{{"type": "split", "percent": 100}, {"type": "tag", "value": "x"}}}), http.StatusUnprocessableEntity, "steps")
	wantStatus(t, h.Do("POST", "/journeys", h.AdminToken, map[string]any{"name": "Test a gift", "status": "active",
		"trigger": map[string]any{"event": "customer.created"},
		"steps": []map[string]any{{"type": "split", "percent": 30, "else_goto": 4}, {"type": "tag", "value": "gift"},
			{"type": "goto", "goto": 0}, {"type": "tag", "value": "no-gift"}}}), http.StatusCreated)
	for i := range 200 {
		wantStatus(t, h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": fmt.Sprint("S", i)}),
			http.StatusCreated)
	}
	for range 2 {
		if _, err := h.App.Marketing.RunJourneys(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	count := func(tag string) int {
		var n int
		if err := h.App.Store.DB().QueryRow(`SELECT COUNT(*) FROM customer_tags WHERE tag = '` + tag + `'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	gift, none := count("gift"), count("no-gift")
	if gift+none != 200 || gift < 40 || gift > 80 {
		t.Fatalf("split of 200 at 30%%: %d gift, %d no gift", gift, none)
	}
	var both int
	if err := h.App.Store.DB().QueryRow(`SELECT COUNT(*) FROM customer_tags a JOIN customer_tags b ON b.customer_id = a.customer_id
    WHERE a.tag = 'gift' AND b.tag = 'no-gift'`).Scan(&both); err != nil || both != 0 {
		t.Fatalf("customers on both paths: %d (%v)", both, err)
	}
}

// The split report counts each path's customers and those who reached the
// journey's goal, and says when one path does better beyond chance.
func TestJourneySplitReport(t *testing.T) {
	clk := &clock{now: time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)}
	h := apptest.NewAt(t, store.SQLite, clk.Now)
	j := h.Do("POST", "/journeys", h.AdminToken, map[string]any{"name": "Gift or not", "status": "active", "goal": `tag = "bought"`,
		"trigger": map[string]any{"event": "customer.created"},
		"steps": []map[string]any{{"type": "split", "percent": 50, "else_goto": 4}, {"type": "tag", "value": "gift"},
			{"type": "goto", "goto": 5}, {"type": "tag", "value": "no-gift"}, {"type": "wait", "minutes": 1440},
			{"type": "tag", "value": "followed-up"}}})
	wantStatus(t, j, http.StatusCreated)
	for i := range 300 {
		wantStatus(t, h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": fmt.Sprint("G", i)}),
			http.StatusCreated)
	}
	ctx := context.Background()
	if _, err := h.App.Marketing.RunJourneys(ctx); err != nil {
		t.Fatal(err)
	}
	// Most of those with the gift buy, few of the others.
	rows, err := h.App.Store.DB().Query(`SELECT customer_id, tag FROM customer_tags WHERE tag IN ('gift', 'no-gift') ORDER BY customer_id`)
	if err != nil {
		t.Fatal(err)
	}
	type pick struct {
		id  int64
		tag string
	}
	var picks []pick
	for rows.Next() {
		var p pick
		if err := rows.Scan(&p.id, &p.tag); err != nil {
			t.Fatal(err)
		}
		picks = append(picks, p)
	}
	rows.Close()
	wantA, wantB, seenA, seenB := 0, 0, 0, 0
	for _, p := range picks {
		buy := false
		if p.tag == "gift" {
			seenA++
			buy = seenA%10 < 6 // 60 %
		} else {
			seenB++
			buy = seenB%10 < 2 // 20 %
		}
		if buy {
			if p.tag == "gift" {
				wantA++
			} else {
				wantB++
			}
			wantStatus(t, h.Do("PATCH", fmt.Sprintf("/customers/%d", p.id), h.AdminToken, map[string]any{"tags": []string{p.tag, "bought"}}),
				http.StatusOK)
		}
	}
	clk.Add(24*time.Hour + time.Minute)
	if _, err := h.App.Marketing.RunJourneys(ctx); err != nil {
		t.Fatal(err)
	}
	r := h.Do("GET", fmt.Sprintf("/journeys/%d/splits", j.ID()), h.AdminToken, nil)
	wantStatus(t, r, http.StatusOK)
	if len(r.List) != 1 {
		t.Fatalf("splits: %s", r.Raw)
	}
	sp := r.List[0].(map[string]any)
	a, b := sp["a"].(map[string]any), sp["b"].(map[string]any)
	if a["customers"] != float64(seenA) || b["customers"] != float64(seenB) || a["reached_goal"] != float64(wantA) ||
		b["reached_goal"] != float64(wantB) || !strings.Contains(sp["verdict"].(string), "A reaches the goal more often") {
		t.Fatalf("split report: %s (A %d/%d, B %d/%d)", r.Raw, wantA, seenA, wantB, seenB)
	}
	web := signIn(t, h, "admin@example.com", "correct horse battery")
	if st, body, _ := get(t, web, fmt.Sprintf("%s/marketing/journeys/%d", h.Server.URL, j.ID())); st != http.StatusOK ||
		!strings.Contains(body, "split-results") || !strings.Contains(body, "significant at 95") {
		t.Fatalf("journey page (%d) lacks the split report", st)
	}
}
