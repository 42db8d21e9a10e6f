package app_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/mail/mailtest"
	"github.com/scrms/scrms/internal/store"
	"github.com/scrms/scrms/internal/support"
)

// Customers choose topics in their preferences: a campaign about a topic
// leaves out those who opted out of it and reaches them on other topics;
// every marketing email links to the preferences.
func TestTopicsInPreferences(t *testing.T) {
	outbox := mailtest.Start(t)
	h := apptest.New(t, store.SQLite, func(env map[string]string) {
		env["SCRMS_SMTP_URL"] = outbox.URL()
		env["SCRMS_MAIL_FROM"] = "Shop <news@shop.example>"
	})
	wantProblem(t, h.Do("PUT", "/marketing/topics", h.AdminToken, map[string]any{"topics": []string{"two words"}}),
		http.StatusUnprocessableEntity, "topics")
	wantStatus(t, h.Do("PUT", "/marketing/topics", h.AdminToken, map[string]any{"topics": []string{"Newsletter", "offers"}}), http.StatusOK)
	ids := map[string]int64{}
	for _, n := range []string{"ona", "pia"} {
		r := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": n, "tags": []string{"t"},
			"emails": []map[string]any{{"address": n + "@example.com"}}})
		wantStatus(t, r, http.StatusCreated)
		consent(t, h, r.ID(), "granted")
		ids[n] = r.ID()
	}
	ctx := context.Background()
	ona := support.PortalUser{CustomerID: ids["ona"]}
	if err := h.App.Support.SetPortalTopics(ctx, ona, map[string]bool{"newsletter": true, "offers": false}); err != nil {
		t.Fatal(err)
	}
	if topics, wants, err := h.App.Support.PortalTopics(ctx, ona); err != nil || len(topics) != 2 || wants["offers"] || !wants["newsletter"] {
		t.Fatalf("topics %v %v %v", topics, wants, err)
	}
	seg := h.Do("POST", "/segments", h.AdminToken, map[string]any{"name": "T", "text": `tag = "t"`})
	tpl := h.Do("POST", "/templates", h.AdminToken, map[string]any{"name": "T", "subject": "Hi",
		"blocks": []map[string]any{{"type": "text", "text": "Hi {{first_name}}"}}})
	wantProblem(t, h.Do("POST", "/campaigns", h.AdminToken, map[string]any{"name": "X", "template_id": tpl.ID(), "segment_id": seg.ID(),
		"topic": "gossip"}), http.StatusUnprocessableEntity, "topic")
	send := func(topic string) []string {
		before := len(outbox.Messages())
		c := h.Do("POST", "/campaigns", h.AdminToken, map[string]any{"name": "C " + topic, "template_id": tpl.ID(),
			"segment_id": seg.ID(), "topic": topic})
		wantStatus(t, c, http.StatusCreated)
		wantStatus(t, h.Do("POST", fmt.Sprintf("/campaigns/%d/send", c.ID()), h.AdminToken, nil), http.StatusAccepted)
		if _, err := h.App.Marketing.SendDue(ctx); err != nil {
			t.Fatal(err)
		}
		var to []string
		for _, m := range outbox.Messages()[before:] {
			to = append(to, m.To[0])
		}
		return to
	}
	if to := send("offers"); len(to) != 1 || to[0] != "pia@example.com" {
		t.Fatalf("offers went to %v", to)
	}
	if to := send("newsletter"); len(to) != 2 {
		t.Fatalf("the newsletter went to %v", to)
	}
	last := outbox.Messages()[len(outbox.Messages())-1]
	if !strings.Contains(strings.ReplaceAll(last.Data, "=\r\n", ""), "/portal/preferences") {
		t.Fatal("no link to the preferences in the email")
	}
}
