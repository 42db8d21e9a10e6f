package app_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/store"
)

func TestAPIActivities(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		team := h.Team("North")
		rep, tok := h.User("rep@example.com", auth.RoleSales, team)
		_, otherTok := h.User("other@example.com", auth.RoleSales, h.Team("South"))
		cid := h.Do("POST", "/customers", tok, map[string]any{"kind": "person", "first_name": "Kofi", "last_name": "Mensah"}).ID()
		past := time.Now().Add(-2 * time.Hour).UTC().Format(time.RFC3339)
		wantProblem(t, h.Do("POST", "/activities", tok, map[string]any{"kind": "call", "subject": ""}), 422, "subject")
		wantProblem(t, h.Do("POST", "/activities", tok, map[string]any{"subject": "x", "recurrence": "weekly"}), 422, "due_at")
		r := h.Do("POST", "/activities", tok, map[string]any{"kind": "call", "subject": "Follow up on the quote",
			"customer_id": cid, "due_at": past, "notes": "Ask about the delivery date."})
		wantStatus(t, r, http.StatusCreated)
		call := r.ID()
		if r.JSON["overdue"] != true || r.JSON["owner_id"] != float64(rep.ID) {
			t.Fatalf("call: %s", r.Raw)
		}
		wantProblem(t, h.Do("GET", fmt.Sprintf("/activities/%d", call), otherTok, nil), http.StatusNotFound)
		// Holding the call puts it on the customer's timeline.
		r = h.Do("PATCH", fmt.Sprintf("/activities/%d", call), tok, map[string]any{"done": true})
		wantStatus(t, r, http.StatusOK)
		if r.JSON["interaction_id"] == nil || r.JSON["overdue"] != false {
			t.Fatalf("done call: %s", r.Raw)
		}
		if tl := h.Do("GET", fmt.Sprintf("/customers/%d/timeline?kind=interaction", cid), tok, nil); !containsText(tl.Raw, "Follow up on the quote") {
			t.Fatalf("timeline: %s", tl.Raw)
		}
		// A weekly task done gets its next occurrence a week later.
		due := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		r = h.Do("POST", "/activities", tok, map[string]any{"subject": "Weekly pipeline review", "due_at": due.Format(time.RFC3339),
			"recurrence": "weekly"})
		wantStatus(t, h.Do("PATCH", fmt.Sprintf("/activities/%d", r.ID()), tok, map[string]any{"done": true}), http.StatusOK)
		r = h.Do("GET", "/activities?open=true", tok, nil)
		if len(r.List) != 1 || r.List[0].(map[string]any)["due_at"] != due.AddDate(0, 0, 7).Format(time.RFC3339) {
			t.Fatalf("next occurrence: %s", r.Raw)
		}
	})
}

// A reminder due while SCRMS is stopped goes out, once, when it starts again.
func TestReminderFiresOnceAcrossARestart(t *testing.T) {
	url := "sqlite:" + filepath.Join(t.TempDir(), "scrms.db")
	withURL := func(env map[string]string) { env["SCRMS_DATABASE_URL"] = url }
	h := apptest.New(t, store.SQLite, apptest.WithJobs, withURL)
	remindAt := time.Now().Add(2 * time.Second).UTC().Truncate(time.Second)
	r := h.Do("POST", "/activities", h.AdminToken, map[string]any{"kind": "meeting", "subject": "Board meeting prep",
		"due_at": remindAt.Add(15 * time.Minute).Format(time.RFC3339), "remind_at": remindAt.Format(time.RFC3339)})
	wantStatus(t, r, http.StatusCreated)
	id := r.ID()
	// Stop before the reminder is due.
	h.Server.Close()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	h.App.Jobs.Stop(sctx)
	cancel()
	h.App.Close()
	time.Sleep(time.Until(remindAt) + time.Second)

	h2 := apptest.Start(t, store.SQLite, apptest.WithJobs, withURL)
	tok, _, err := h2.App.Auth.CreateAPITokenFor(context.Background(), auth.System("test"), "admin@example.com", "again")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := h2.Do("GET", fmt.Sprintf("/activities/%d", id), tok, nil)
		if r.JSON["reminded_at"] != nil {
			sent, _ := time.Parse(time.RFC3339Nano, r.JSON["reminded_at"].(string))
			if late := sent.Sub(remindAt); late < 0 || late > time.Minute {
				t.Fatalf("reminder sent %v after its time", late)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the reminder was not sent after the restart: %s", r.Raw)
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(time.Second)
	r = h2.Do("GET", "/notifications", tok, nil)
	n := 0
	for _, it := range r.JSON["items"].([]any) {
		if it.(map[string]any)["kind"] == "reminder" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d reminders, want 1: %s", n, r.Raw)
	}
}
