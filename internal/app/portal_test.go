package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/mail/mailtest"
	"github.com/scrms/scrms/internal/store"
)

var portalLink = regexp.MustCompile(`/portal/in/([A-Za-z0-9_-]+)`)

// A customer signs in to the portal with a one-time link sent by email,
// sees and answers only their own cases, opens a new one, and changes
// their marketing choices; the link cannot be used twice, an unknown
// address gets the same answer and no email, and signing out ends the
// session.
func TestCustomerPortal(t *testing.T) {
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			outbox := mailtest.Start(t)
			h := apptest.New(t, e, func(env map[string]string) {
				env["SCRMS_SMTP_URL"] = outbox.URL()
				env["SCRMS_MAIL_FROM"] = "Shop Support <help@shop.example>"
			})
			portalFlow(t, h, outbox)
		})
	}
}

func portalFlow(t *testing.T, h *apptest.Harness, outbox *mailtest.Server) {
	wantStatus(t, h.Do("POST", "/queues", h.AdminToken, map[string]any{"name": "Support"}), http.StatusCreated)
	mine := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Ines", "last_name": "Baptista",
		"emails": []map[string]any{{"address": "ines@example.pt"}}})
	wantStatus(t, mine, http.StatusCreated)
	other := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Olaf", "last_name": "Berg",
		"emails": []map[string]any{{"address": "olaf@example.no"}}})
	wantStatus(t, other, http.StatusCreated)
	myCase := h.Do("POST", "/cases", h.AdminToken, map[string]any{"subject": "Wrong size delivered", "customer_id": mine.ID(),
		"description": "I ordered a 42 and got a 44."})
	wantStatus(t, myCase, http.StatusCreated)
	wantStatus(t, h.Do("POST", fmt.Sprintf("/cases/%d/messages", myCase.ID()), h.AdminToken,
		map[string]any{"internal": true, "body": "Internal: check the warehouse picking error rate"}), http.StatusCreated)
	theirs := h.Do("POST", "/cases", h.AdminToken, map[string]any{"subject": "Olaf's private matter", "customer_id": other.ID(),
		"description": "secret"})
	wantStatus(t, theirs, http.StatusCreated)

	c := browserClient(t)
	if st, _, hdr := get(t, c, h.Server.URL+"/portal"); st != http.StatusSeeOther || hdr.Get("Location") != "/portal/sign-in" {
		t.Fatalf("portal without a session: %d %s", st, hdr.Get("Location"))
	}
	st, body := postForm(t, c, h.Server.URL+"/portal/sign-in", url.Values{"email": {"nobody@example.com"}})
	if st != http.StatusOK || !strings.Contains(body, "link-sent") {
		t.Fatalf("unknown address: %d", st)
	}
	if st, body := postForm(t, c, h.Server.URL+"/portal/sign-in", url.Values{"email": {"not an address"}}); st != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "must be an email address") {
		t.Fatalf("bad address: %d", st)
	}
	if n := len(outbox.Messages()); n != 0 {
		t.Fatalf("%d emails before a known address asked", n)
	}
	st, body = postForm(t, c, h.Server.URL+"/portal/sign-in", url.Values{"email": {"INES@example.pt"}})
	if st != http.StatusOK || !strings.Contains(body, "link-sent") {
		t.Fatalf("known address: %d", st)
	}
	msgs := outbox.To("ines@example.pt")
	if len(msgs) != 1 {
		t.Fatalf("%d sign-in emails", len(msgs))
	}
	m := portalLink.FindStringSubmatch(strings.ReplaceAll(msgs[0].Data, "=\r\n", ""))
	if m == nil {
		t.Fatalf("no link in %s", msgs[0].Data)
	}
	// Asking again supersedes the first link.
	if st, _ := postForm(t, c, h.Server.URL+"/portal/sign-in", url.Values{"email": {"ines@example.pt"}}); st != http.StatusOK {
		t.Fatalf("second request: %d", st)
	}
	msgs = outbox.To("ines@example.pt")
	if len(msgs) != 2 {
		t.Fatalf("%d sign-in emails after asking twice", len(msgs))
	}
	stale := h.Server.URL + "/portal/in/" + m[1]
	staleClient := browserClient(t)
	postForm(t, staleClient, stale, nil)
	if st, _, hdr := get(t, staleClient, h.Server.URL+"/portal"); st != http.StatusSeeOther || hdr.Get("Location") != "/portal/sign-in" {
		t.Fatalf("a superseded link signed someone in: %d", st)
	}
	m = portalLink.FindStringSubmatch(strings.ReplaceAll(msgs[1].Data, "=\r\n", ""))
	if m == nil || h.Server.URL+"/portal/in/"+m[1] == stale {
		t.Fatalf("no new link in %s", msgs[1].Data)
	}
	link := h.Server.URL + "/portal/in/" + m[1]
	if st, body, _ := get(t, c, link); st != http.StatusOK || !strings.Contains(body, "portal-continue") {
		t.Fatalf("following the link only shows a button: %d", st)
	}
	if st, _ := postForm(t, c, link, nil); st != http.StatusSeeOther {
		t.Fatalf("sign in: %d", st)
	}
	again := browserClient(t)
	if st, _ := postForm(t, again, link, nil); st != http.StatusSeeOther {
		t.Fatalf("second use: %d", st)
	}
	if st, _, hdr := get(t, again, h.Server.URL+"/portal"); st != http.StatusSeeOther || hdr.Get("Location") != "/portal/sign-in" {
		t.Fatalf("a link used twice signed someone in: %d", st)
	}

	st, body, _ = get(t, c, h.Server.URL+"/portal")
	if st != http.StatusOK || !strings.Contains(body, "Wrong size delivered") || strings.Contains(body, "Olaf") {
		t.Fatalf("portal home %d shows the wrong cases", st)
	}
	_, body, _ = get(t, c, fmt.Sprintf("%s/portal/cases/%d", h.Server.URL, myCase.ID()))
	if !strings.Contains(body, "I ordered a 42") || strings.Contains(body, "warehouse picking") {
		t.Fatalf("own case page shows an internal note or lacks the thread")
	}
	if st, _, _ := get(t, c, fmt.Sprintf("%s/portal/cases/%d", h.Server.URL, theirs.ID())); st != http.StatusNotFound {
		t.Fatalf("another customer's case: %d", st)
	}
	if st, _ := postForm(t, c, fmt.Sprintf("%s/portal/cases/%d/reply", h.Server.URL, theirs.ID()), url.Values{"body": {"hi"}}); st != http.StatusNotFound {
		t.Fatalf("reply to another customer's case: %d", st)
	}
	if st, _ := postForm(t, c, fmt.Sprintf("%s/portal/cases/%d/reply", h.Server.URL, myCase.ID()),
		url.Values{"body": {"Photo of the label attached to my email."}}); st != http.StatusSeeOther {
		t.Fatalf("reply: %d", st)
	}
	thread := h.Do("GET", fmt.Sprintf("/cases/%d", myCase.ID()), h.AdminToken, nil)
	if !strings.Contains(string(thread.Raw), "Photo of the label") {
		t.Fatalf("reply not on the case: %s", thread.Raw)
	}
	if st, _ := postForm(t, c, h.Server.URL+"/portal/cases", url.Values{"subject": {""}, "body": {"x"}}); st != http.StatusUnprocessableEntity {
		t.Fatalf("new case without a subject: %d", st)
	}
	if st, _ := postForm(t, c, h.Server.URL+"/portal/cases", url.Values{"subject": {"Invoice copy"},
		"body": {"Please send a copy of invoice 2211."}, "type": {"request"}}); st != http.StatusSeeOther {
		t.Fatalf("new case: %d", st)
	}
	cases := h.Do("GET", fmt.Sprintf("/cases?customer_id=%d", mine.ID()), h.AdminToken, nil)
	if !strings.Contains(string(cases.Raw), "Invoice copy") || !strings.Contains(string(cases.Raw), `"channel":"portal"`) {
		t.Fatalf("portal case missing: %s", cases.Raw)
	}

	if st, _ := postForm(t, c, h.Server.URL+"/portal/preferences", url.Values{"email": {"yes"}}); st != http.StatusSeeOther {
		t.Fatalf("preferences: %d", st)
	}
	_, body, _ = get(t, c, h.Server.URL+"/portal/preferences")
	if !strings.Contains(body, `name="email" value="yes" checked`) || strings.Contains(body, `name="sms" value="yes" checked`) {
		t.Fatalf("preferences page does not show the choice")
	}
	cons := h.Do("GET", fmt.Sprintf("/customers/%d/consents", mine.ID()), h.AdminToken, nil)
	if !strings.Contains(string(cons.Raw), "preference_centre") || !strings.Contains(string(cons.Raw), `"granted"`) {
		t.Fatalf("consent not recorded: %s", cons.Raw)
	}

	if st, _ := postForm(t, c, h.Server.URL+"/portal/sign-out", nil); st != http.StatusSeeOther {
		t.Fatalf("sign out: %d", st)
	}
	if st, _, _ := get(t, c, h.Server.URL+"/portal"); st != http.StatusSeeOther {
		t.Fatalf("portal after signing out: %d", st)
	}
}
