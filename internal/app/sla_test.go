package app_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/store"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func countKind(t *testing.T, h *apptest.Harness, tok, kind string) int {
	t.Helper()
	r := h.Do("GET", "/notifications", tok, nil)
	n := 0
	for _, it := range r.JSON["items"].([]any) {
		if it.(map[string]any)["kind"] == kind {
			n++
		}
	}
	return n
}

// SLA timers run in business hours (a holiday and the nights excluded),
// stop while the case waits on the customer, and each escalation rule
// fires once at its moment however often the check runs.
func TestSLAEscalationWithBusinessHours(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	local := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, berlin)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	clock := &testClock{t: local("2026-12-07 16:30")} // a Monday
	h := apptest.NewAt(t, store.SQLite, clock.Now)
	ctx := context.Background()
	agent, agentTok := h.User("agent@shop.example", auth.RoleService, 0)
	mgr, mgrTok := h.User("lead@shop.example", auth.RoleManager, 0)
	other, _ := h.User("second@shop.example", auth.RoleService, 0)
	r := h.Do("POST", "/business-calendars", h.AdminToken, map[string]any{"name": "Berlin office", "time_zone": "Europe/Berlin",
		"hours": map[string]any{"monday": []string{"09:00-17:00"}, "tuesday": []string{"09:00-17:00"},
			"wednesday": []string{"09:00-17:00"}, "thursday": []string{"09:00-17:00"}, "friday": []string{"09:00-17:00"}},
		"holidays": []string{"2026-12-08"}})
	wantStatus(t, r, http.StatusCreated)
	cal := r.ID()
	wantProblem(t, h.Do("POST", "/business-calendars", h.AdminToken, map[string]any{"name": "Bad",
		"hours": map[string]any{"funday": []string{"09:00-17:00"}}}), 422, "hours")
	q1 := h.Do("POST", "/queues", h.AdminToken, map[string]any{"name": "Support", "manager_id": mgr.ID,
		"members": []map[string]any{{"user_id": agent.ID}}}).ID()
	q2 := h.Do("POST", "/queues", h.AdminToken, map[string]any{"name": "Tier 2",
		"members": []map[string]any{{"user_id": other.ID}}}).ID()
	wantProblem(t, h.Do("POST", "/sla-policies", h.AdminToken, map[string]any{"name": "Nothing"}), 422, "targets")
	r = h.Do("POST", "/sla-policies", h.AdminToken, map[string]any{"name": "Standard", "calendar_id": cal,
		"first_response_minutes": 60, "resolution_minutes": 8 * 60,
		"escalations": []map[string]any{
			{"metric": "first_response", "offset_minutes": -15, "action": "notify"},
			{"metric": "first_response", "offset_minutes": 0, "action": "raise_priority"},
			{"metric": "first_response", "offset_minutes": 0, "action": "notify_manager"},
			{"metric": "resolution", "offset_minutes": 0, "action": "reassign", "queue_id": q2},
		}})
	wantStatus(t, r, http.StatusCreated)
	cid := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Jonas", "last_name": "Weber",
		"emails": []map[string]any{{"address": "jonas@example.de"}}}).ID()
	r = h.Do("POST", "/cases", agentTok, map[string]any{"subject": "Invoice shows the wrong VAT", "customer_id": cid,
		"queue_id": q1, "description": "Invoice 2231 has 16% VAT, it should be 19%."})
	wantStatus(t, r, http.StatusCreated)
	id := r.ID()
	due := func(r apptest.Response, field string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339Nano, r.JSON[field].(string))
		if err != nil {
			t.Fatalf("%s: %s", field, r.Raw)
		}
		return v
	}
	// 30 minutes on Monday, Tuesday is a holiday, so the hour ends on Wednesday at 09:30.
	if got, want := due(r, "first_response_due"), local("2026-12-09 09:30"); !got.Equal(want) {
		t.Fatalf("first response due %s, want %s", got.In(berlin), want)
	}
	if got, want := due(r, "resolution_due"), local("2026-12-09 16:30"); !got.Equal(want) {
		t.Fatalf("resolution due %s, want %s", got.In(berlin), want)
	}
	escalate := func(at string) int {
		t.Helper()
		clock.Set(local(at))
		n, err := h.App.Support.Escalate(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := escalate("2026-12-09 09:14"); n != 0 {
		t.Fatalf("%d actions 16 minutes before the due time, want 0", n)
	}
	if n := escalate("2026-12-09 09:15"); n != 1 || countKind(t, h, agentTok, "sla_warning") != 1 {
		t.Fatalf("15 minutes before: %d actions", n)
	}
	if n := escalate("2026-12-09 09:20"); n != 0 || countKind(t, h, agentTok, "sla_warning") != 1 {
		t.Fatalf("the warning fired again: %d actions", n)
	}
	if n := escalate("2026-12-09 09:30"); n != 2 {
		t.Fatalf("at the breach: %d actions, want 2 (priority, manager)", n)
	}
	escalate("2026-12-09 09:45")
	r = h.Do("GET", fmt.Sprintf("/cases/%d", id), agentTok, nil)
	if r.JSON["priority"] != "high" || countKind(t, h, mgrTok, "sla_escalation") != 1 {
		t.Fatalf("after the breach: %s", r.Raw)
	}
	b := h.Do("GET", fmt.Sprintf("/cases/%d/breaches", id), agentTok, nil)
	if len(b.List) != 1 || b.List[0].(map[string]any)["metric"] != "first_response" {
		t.Fatalf("breaches: %s", b.Raw)
	}
	// A late reply still records the response; waiting on the customer
	// from Wednesday 10:00 to Thursday 10:00 (8 business hours) moves the
	// resolution target 8 business hours later.
	clock.Set(local("2026-12-09 10:00"))
	wantStatus(t, h.Do("POST", fmt.Sprintf("/cases/%d/messages", id), agentTok, map[string]any{
		"body": "Could you send us the invoice as a PDF?", "status": "pending"}), http.StatusCreated)
	r = h.Do("GET", fmt.Sprintf("/cases/%d", id), agentTok, nil)
	if r.JSON["status"] != "pending" || r.JSON["paused_at"] == nil || r.JSON["first_responded_at"] == nil {
		t.Fatalf("pending: %s", r.Raw)
	}
	if n := escalate("2026-12-09 20:00"); n != 0 {
		t.Fatalf("a paused case escalated: %d", n)
	}
	clock.Set(local("2026-12-10 10:00"))
	_, err := h.App.Support.CustomerReply(ctx, auth.System("test"), id, "email_in", "Here it is.")
	if err != nil {
		t.Fatal(err)
	}
	r = h.Do("GET", fmt.Sprintf("/cases/%d", id), agentTok, nil)
	if r.JSON["status"] != "open" {
		t.Fatalf("a customer reply must reopen the pending case: %s", r.Raw)
	}
	if got, want := due(r, "resolution_due"), local("2026-12-10 16:30"); !got.Equal(want) {
		t.Fatalf("resolution due after the pause %s, want %s", got.In(berlin), want)
	}
	// At the resolution breach the case moves to Tier 2 and its agent.
	escalate("2026-12-10 16:30")
	r = h.Do("GET", fmt.Sprintf("/cases/%d", id), h.AdminToken, nil)
	if r.JSON["queue_id"] != float64(q2) || r.JSON["assignee_id"] != float64(other.ID) {
		t.Fatalf("after the resolution breach: %s", r.Raw)
	}
	if n := escalate("2026-12-11 09:00"); n != 0 {
		t.Fatalf("the reassignment fired again: %d", n)
	}
}

// An escalation due while SCRMS is stopped fires, once, when it starts
// again (the check is a job kept in the database, and a sweep runs at start).
func TestSLAEscalationFiresOnceAcrossARestart(t *testing.T) {
	url := "sqlite:" + filepath.Join(t.TempDir(), "scrms.db")
	withURL := func(env map[string]string) { env["SCRMS_DATABASE_URL"] = url }
	h := apptest.New(t, store.SQLite, apptest.WithJobs, withURL)
	agent, _ := h.User("agent@shop.example", auth.RoleService, 0)
	q := h.Do("POST", "/queues", h.AdminToken, map[string]any{"name": "Support",
		"members": []map[string]any{{"user_id": agent.ID}}}).ID()
	wantStatus(t, h.Do("POST", "/sla-policies", h.AdminToken, map[string]any{"name": "Urgent",
		"first_response_minutes": 0.05, "escalations": []map[string]any{
			{"metric": "first_response", "offset_minutes": 0, "action": "raise_priority"}}}), http.StatusCreated)
	cid := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Ana", "last_name": "Silva"}).ID()
	r := h.Do("POST", "/cases", h.AdminToken, map[string]any{"subject": "Site is down", "customer_id": cid, "queue_id": q})
	wantStatus(t, r, http.StatusCreated)
	id := r.ID()
	dueAt, _ := time.Parse(time.RFC3339Nano, r.JSON["first_response_due"].(string))
	h.Server.Close()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	h.App.Jobs.Stop(sctx)
	cancel()
	h.App.Close()
	time.Sleep(time.Until(dueAt) + time.Second)

	h2 := apptest.Start(t, store.SQLite, apptest.WithJobs, withURL)
	tok, _, err := h2.App.Auth.CreateAPITokenFor(context.Background(), auth.System("test"), "admin@example.com", "again")
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the escalation after the restart", func() bool {
		return h2.Do("GET", fmt.Sprintf("/cases/%d", id), tok, nil).JSON["priority"] == "high"
	})
	time.Sleep(time.Second)
	r = h2.Do("GET", fmt.Sprintf("/cases/%d", id), tok, nil)
	if r.JSON["priority"] != "high" {
		t.Fatalf("priority raised more than once: %s", r.Raw)
	}
	var fired int
	if err := h2.App.Store.DB().QueryRow(`SELECT COUNT(*) FROM sla_firings WHERE case_id = ?`, id).Scan(&fired); err != nil {
		t.Fatal(err)
	}
	if fired != 1 {
		t.Fatalf("the rule fired %d times, want once", fired)
	}
}
