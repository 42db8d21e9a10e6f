package app_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/mail/mailtest"
	"github.com/scrms/scrms/internal/store"
)

func TestEmailDigestsAndReminders(t *testing.T) {
	smtp := mailtest.Start(t)
	h := apptest.New(t, store.SQLite, apptest.WithJobs, func(env map[string]string) {
		env["SCRMS_SMTP_URL"] = smtp.URL()
		env["SCRMS_MAIL_FROM"] = "SCRMS <crm@example.com>"
		env["SCRMS_BASE_URL"] = "https://crm.example.com"
	})
	team := h.Team("North")
	_, nTok := h.User("nina@example.com", auth.RoleSales, team)
	h.User("noah@example.com", auth.RoleSales, team)
	cid := h.Do("POST", "/customers", nTok, map[string]any{"kind": "person", "last_name": "Adeyemi"}).ID()
	wantStatus(t, h.Do("POST", fmt.Sprintf("/customers/%d/notes", cid), nTok,
		map[string]any{"body": "@noah please call Mrs Adeyemi"}), http.StatusCreated)
	ctx := context.Background()
	n, err := h.App.Notify.SendDigests(ctx)
	if err != nil || n != 1 {
		t.Fatalf("digests: %d %v", n, err)
	}
	got := smtp.To("noah@example.com")
	if len(got) != 1 || !strings.Contains(got[0].Data, "mentioned you in a note on Adeyemi") ||
		!strings.Contains(got[0].Data, fmt.Sprintf("https://crm.example.com/customers/%d", cid)) ||
		!strings.Contains(got[0].From, "crm@example.com") {
		t.Fatalf("digest: %+v", got)
	}
	// Nothing new: no second digest.
	if n, err := h.App.Notify.SendDigests(ctx); err != nil || n != 0 || len(smtp.To("noah@example.com")) != 1 {
		t.Fatalf("second run sent %d (%v)", n, err)
	}
	// A reminder goes out in the app and by email, once.
	at := time.Now().Add(time.Second).UTC()
	wantStatus(t, h.Do("POST", "/activities", nTok, map[string]any{"kind": "call", "subject": "Call Mrs Adeyemi",
		"customer_id": cid, "due_at": at.Add(15 * time.Minute).Format(time.RFC3339Nano), "remind_at": at.Format(time.RFC3339Nano)}),
		http.StatusCreated)
	deadline := time.Now().Add(30 * time.Second)
	for len(smtp.To("nina@example.com")) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no reminder email")
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second)
	if got := smtp.To("nina@example.com"); len(got) != 1 || !strings.Contains(got[0].Data, "Reminder: Call Mrs Adeyemi") {
		t.Fatalf("reminder emails: %+v", got)
	}
}
