package app_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/mail/mailtest"
	"github.com/scrms/scrms/internal/store"
)

func activate(t *testing.T, h *apptest.Harness, j apptest.Response) {
	t.Helper()
	id := j.ID()
	body := map[string]any{}
	for k, v := range j.JSON {
		if k != "id" {
			body[k] = v
		}
	}
	body["status"] = "active"
	wantStatus(t, h.Do("PUT", fmt.Sprintf("/journeys/%d", id), h.AdminToken, body), http.StatusOK)
}

// Journeys: the ready-made welcome series sends its two emails three days
// apart to a new customer who agreed to email; an order journey tags every
// buyer and gives big spenders' owners a task; a segment journey lets a
// customer who meets its goal leave before the next step; steps run once
// even when two runners take them at the same moment.
func TestJourneys(t *testing.T) {
	outbox := mailtest.Start(t)
	clk := &clock{now: time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)}
	h := apptest.NewAt(t, store.SQLite, clk.Now, func(env map[string]string) {
		env["SCRMS_SMTP_URL"] = outbox.URL()
		env["SCRMS_MAIL_FROM"] = "Shop <news@shop.example>"
	})
	ctx := context.Background()
	run := func() {
		t.Helper()
		var wg sync.WaitGroup
		for range 2 { // two runners at once
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := h.App.Marketing.RunJourneys(ctx); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	wantProblem(t, h.Do("POST", "/journeys/presets/nonsense", h.AdminToken, nil), http.StatusUnprocessableEntity, "preset")
	welcome := h.Do("POST", "/journeys/presets/welcome", h.AdminToken, nil)
	wantStatus(t, welcome, http.StatusCreated)
	if welcome.JSON["status"] != "draft" {
		t.Fatalf("a preset starts as %v", welcome.JSON["status"])
	}
	activate(t, h, welcome)

	nina := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Nina",
		"emails": []map[string]any{{"address": "nina@example.com"}}})
	wantStatus(t, nina, http.StatusCreated)
	consent(t, h, nina.ID(), "granted")
	quiet := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Quiet",
		"emails": []map[string]any{{"address": "quiet@example.com"}}}) // never agreed to email
	wantStatus(t, quiet, http.StatusCreated)
	run()
	if got := outbox.To("nina@example.com"); len(got) != 1 || !strings.Contains(subjectOf(t, got[0].Data), "Welcome, Nina") {
		t.Fatalf("first welcome email: %d", len(got))
	}
	if got := outbox.To("quiet@example.com"); len(got) != 0 {
		t.Fatalf("a customer without consent got the welcome email")
	}
	clk.Add(3*24*time.Hour + time.Minute)
	run()
	if got := outbox.To("nina@example.com"); len(got) != 2 || !strings.Contains(subjectOf(t, got[1].Data), "Getting started") {
		t.Fatalf("after three days: %d emails", len(got))
	}
	runs := h.Do("GET", fmt.Sprintf("/journeys/%d/runs", welcome.ID()), h.AdminToken, nil)
	for _, r := range runs.List {
		if m := r.(map[string]any); m["status"] != "done" {
			t.Fatalf("welcome runs %s", runs.Raw)
		}
	}

	// An order journey with a branch.
	rep, _ := h.User("rep@example.com", auth.RoleSales, 0)
	buyers := h.Do("POST", "/journeys", h.AdminToken, map[string]any{"name": "Buyers", "status": "active", "reentry": true,
		"trigger": map[string]any{"event": "order.placed"},
		"steps": []map[string]any{{"type": "tag", "value": "buyer"}, {"type": "condition", "rule": `spent > 100`, "else_goto": 0},
			{"type": "task", "value": "Thank a big spender", "due_days": 1}}})
	wantStatus(t, buyers, http.StatusCreated)
	big := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Big", "owner_id": rep.ID})
	small := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Small", "owner_id": rep.ID})
	for _, o := range []struct {
		id    int64
		total float64
	}{{big.ID(), 150}, {small.ID(), 40}} {
		wantStatus(t, h.Do("POST", "/orders", h.AdminToken, map[string]any{"customer_id": o.id, "ordered_at": clk.Now(),
			"currency": "EUR", "lines": []map[string]any{{"sku": "K", "quantity": 1, "unit_price": o.total}}}), http.StatusCreated)
	}
	run()
	for _, c := range []apptest.Response{big, small} {
		got := h.Do("GET", fmt.Sprintf("/customers/%d", c.ID()), h.AdminToken, nil)
		if !strings.Contains(string(got.Raw), `"buyer"`) {
			t.Fatalf("customer %d not tagged: %s", c.ID(), got.Raw)
		}
	}
	tasks := func(id int64) int {
		r := h.Do("GET", fmt.Sprintf("/activities?customer_id=%d", id), h.AdminToken, nil)
		return strings.Count(string(r.Raw), "Thank a big spender")
	}
	if tasks(big.ID()) != 1 || tasks(small.ID()) != 0 {
		t.Fatalf("tasks: big %d, small %d", tasks(big.ID()), tasks(small.ID()))
	}

	// A segment journey whose goal lets a customer leave.
	seg := h.Do("POST", "/segments", h.AdminToken, map[string]any{"name": "VIP", "text": `tag = "vip"`})
	tpl := h.Do("POST", "/templates", h.AdminToken, map[string]any{"name": "VIP note", "subject": "For you",
		"blocks": []map[string]any{{"type": "text", "text": "Hi"}}, "purpose": "transactional"})
	vipJ := h.Do("POST", "/journeys", h.AdminToken, map[string]any{"name": "VIP care", "status": "active",
		"trigger": map[string]any{"segment_id": seg.ID()}, "goal": `tag = "churned"`,
		"steps": []map[string]any{{"type": "wait", "minutes": 60}, {"type": "email", "template_id": tpl.ID()}}})
	wantStatus(t, vipJ, http.StatusCreated)
	vera := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Vera", "tags": []string{"vip"},
		"emails": []map[string]any{{"address": "vera@example.com"}}})
	victor := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Victor", "tags": []string{"vip"},
		"emails": []map[string]any{{"address": "victor@example.com"}}})
	run()
	wantStatus(t, h.Do("PATCH", fmt.Sprintf("/customers/%d", victor.ID()), h.AdminToken,
		map[string]any{"tags": []string{"vip", "churned"}}), http.StatusOK)
	clk.Add(61 * time.Minute)
	run()
	if len(outbox.To("vera@example.com")) != 1 || len(outbox.To("victor@example.com")) != 0 {
		t.Fatalf("VIP care: vera %d, victor %d emails", len(outbox.To("vera@example.com")), len(outbox.To("victor@example.com")))
	}
	runs = h.Do("GET", fmt.Sprintf("/journeys/%d/runs", vipJ.ID()), h.AdminToken, nil)
	states := map[float64]string{}
	for _, r := range runs.List {
		m := r.(map[string]any)
		states[m["customer_id"].(float64)] = m["status"].(string)
	}
	if states[float64(vera.ID())] != "done" || states[float64(victor.ID())] != "exited" {
		t.Fatalf("VIP runs %v", states)
	}
}
