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
)

// Delivery reports come back to each message's own bounce address through
// the inbound SMTP listener: a hard bounce marks the message and
// suppresses the address for later campaigns, a complaint withdraws the
// customer's consent, a soft bounce changes nothing, and mail to a forged
// bounce address is refused.
func TestBouncesAndComplaints(t *testing.T) {
	outbox := mailtest.Start(t)
	h := apptest.New(t, store.SQLite, func(env map[string]string) {
		env["SCRMS_SMTP_URL"] = outbox.URL()
		env["SCRMS_MAIL_FROM"] = "Shop <news@shop.example>"
	})
	ids := map[string]int64{}
	for _, n := range []string{"gone", "angry", "full"} {
		r := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": n, "tags": []string{"news"},
			"emails": []map[string]any{{"address": n + "@example.net"}}})
		wantStatus(t, r, http.StatusCreated)
		consent(t, h, r.ID(), "granted")
		ids[n] = r.ID()
	}
	seg := h.Do("POST", "/segments", h.AdminToken, map[string]any{"name": "News", "text": `tag = "news"`})
	tpl := h.Do("POST", "/templates", h.AdminToken, map[string]any{"name": "T", "subject": "Hello",
		"blocks": []map[string]any{{"type": "text", "text": "Hi {{first_name}}"}}})
	launch := func(name string) int64 {
		c := h.Do("POST", "/campaigns", h.AdminToken, map[string]any{"name": name, "template_id": tpl.ID(), "segment_id": seg.ID()})
		wantStatus(t, h.Do("POST", fmt.Sprintf("/campaigns/%d/send", c.ID()), h.AdminToken, nil), http.StatusAccepted)
		if _, err := h.App.Marketing.SendDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		return c.ID()
	}
	first := launch("First")
	bounceTo := map[string]string{}
	for _, m := range outbox.Messages() {
		if !strings.HasPrefix(m.From, "bounce+") || !strings.HasSuffix(m.From, "@shop.example") {
			t.Fatalf("envelope sender %q", m.From)
		}
		bounceTo[m.To[0]] = m.From
	}
	addr := startInboundSMTP(t, h)
	report := func(to, contentType, part string) error {
		return sendSMTP(addr, "", to, "From: Mail Delivery System <mailer-daemon@example.net>\nTo: "+to+
			"\nSubject: Report\nMIME-Version: 1.0\nContent-Type: multipart/report; "+contentType+"; boundary=\"r\"\n\n"+
			"--r\nContent-Type: text/plain\n\nA report.\n--r\n"+part+"\n--r--\n")
	}
	dsn := func(status string) string {
		return "Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; x@example.net\nAction: failed\nStatus: " + status + "\n"
	}
	if err := report(bounceTo["gone@example.net"], "report-type=delivery-status", dsn("5.1.1")); err != nil {
		t.Fatalf("hard bounce: %v", err)
	}
	if err := report(bounceTo["full@example.net"], "report-type=delivery-status", dsn("4.2.2")); err != nil {
		t.Fatalf("soft bounce: %v", err)
	}
	if err := report(bounceTo["angry@example.net"], "report-type=feedback-report",
		"Content-Type: message/feedback-report\n\nFeedback-Type: abuse\nVersion: 1\n"); err != nil {
		t.Fatalf("complaint: %v", err)
	}
	forged := "bounce+AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA@shop.example"
	if err := report(forged, "report-type=delivery-status", dsn("5.1.1")); err == nil || !strings.Contains(err.Error(), "554") {
		t.Fatalf("a forged bounce address: %v", err)
	}
	st := h.Do("GET", fmt.Sprintf("/campaigns/%d/stats", first), h.AdminToken, nil)
	if st.JSON["bounced"] != float64(1) {
		t.Fatalf("stats after the reports: %s", st.Raw)
	}
	cons := h.Do("GET", fmt.Sprintf("/customers/%d/consents", ids["angry"]), h.AdminToken, nil)
	if !strings.Contains(string(cons.Raw), "as spam") {
		t.Fatalf("a complaint did not withdraw consent: %s", cons.Raw)
	}
	before := len(outbox.Messages())
	launch("Second")
	var second []string
	for _, m := range outbox.Messages()[before:] {
		second = append(second, m.To[0])
	}
	if len(second) != 1 || second[0] != "full@example.net" {
		t.Fatalf("the second campaign went to %v, want only the soft-bounced address", second)
	}
}
