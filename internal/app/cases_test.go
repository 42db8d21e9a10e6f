package app_test

import (
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/smtp"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/mail/mailtest"
	"github.com/scrms/scrms/internal/store"
)

// startInboundSMTP runs SCRMS's inbound SMTP listener on loopback.
func startInboundSMTP(t *testing.T, h *apptest.Harness) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := h.App.InboundSMTP(slog.New(slog.NewTextHandler(io.Discard, nil)))
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

func sendSMTP(addr, from, to, msg string) error {
	return smtp.SendMail(addr, nil, from, []string{to}, []byte(strings.ReplaceAll(msg, "\n", "\r\n")))
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A customer writes to support@ over SMTP: a case opens in the Support
// queue, assigned to its agent, with the attachment kept; SCRMS
// acknowledges with the case token; the customer's reply to that
// acknowledgement threads onto the case; an out-of-office reply is ignored;
// a broken message is refused with a clear SMTP error.
func TestInboundEmailOverSMTP(t *testing.T) {
	outbox := mailtest.Start(t)
	h := apptest.New(t, store.SQLite, apptest.WithJobs, func(env map[string]string) {
		env["SCRMS_SMTP_URL"] = outbox.URL()
		env["SCRMS_MAIL_FROM"] = "Shop Support <help@shop.example>"
	})
	agent, agentTok := h.User("agent@shop.example", auth.RoleService, 0)
	r := h.Do("POST", "/queues", h.AdminToken, map[string]any{"name": "Support", "email": "support@shop.example",
		"members": []map[string]any{{"user_id": agent.ID}}})
	wantStatus(t, r, http.StatusCreated)
	queue := r.ID()
	addr := startInboundSMTP(t, h)

	first := `From: Mara Lindqvist <mara@example.se>
To: support@shop.example
Subject: Parcel arrived damaged
Message-ID: <m1@example.se>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

The box was crushed and the lamp inside is broken.
--b1
Content-Type: image/jpeg
Content-Disposition: attachment; filename="lamp.jpg"
Content-Transfer-Encoding: base64

` + base64.StdEncoding.EncodeToString([]byte("JPEGDATA")) + `
--b1--
`
	if err := sendSMTP(addr, "mara@example.se", "support@shop.example", first); err != nil {
		t.Fatal(err)
	}
	r = h.Do("GET", "/cases?status=active", agentTok, nil)
	if len(r.List) != 1 {
		t.Fatalf("cases after the first email: %s", r.Raw)
	}
	c := r.List[0].(map[string]any)
	caseID := int64(c["id"].(float64))
	if c["queue_id"] != float64(queue) || c["assignee_id"] != float64(agent.ID) || c["channel"] != "email" ||
		c["status"] != "open" || c["subject"] != "Parcel arrived damaged" {
		t.Fatalf("case: %s", r.Raw)
	}
	r = h.Do("GET", fmt.Sprintf("/cases/%d", caseID), agentTok, nil)
	msgs := r.JSON["messages"].([]any)
	in := msgs[0].(map[string]any)
	if !strings.Contains(in["body"].(string), "lamp inside is broken") || in["inbound"] != true {
		t.Fatalf("first message: %s", r.Raw)
	}
	files := in["attachments"].([]any)
	if len(files) != 1 {
		t.Fatalf("attachments: %s", r.Raw)
	}
	f := h.Do("GET", strings.TrimPrefix(files[0].(map[string]any)["url"].(string), "/api/v1"), agentTok, nil)
	if f.Status != http.StatusOK || string(f.Raw) != "JPEGDATA" {
		t.Fatalf("attachment download: %d %q", f.Status, f.Raw)
	}
	// The sender became a customer, and the email is on their timeline.
	customerID := int64(r.JSON["customer_id"].(float64))
	cu := h.Do("GET", fmt.Sprintf("/customers/%d", customerID), h.AdminToken, nil)
	if !containsText(cu.Raw, "mara@example.se") || !containsText(cu.Raw, "Mara") {
		t.Fatalf("customer: %s", cu.Raw)
	}
	tl := h.Do("GET", fmt.Sprintf("/customers/%d/timeline?kind=interaction", customerID), h.AdminToken, nil)
	if !containsText(tl.Raw, "Parcel arrived damaged") {
		t.Fatalf("timeline: %s", tl.Raw)
	}

	// The acknowledgement went out with the token, marked automatic.
	var ack mailtest.Message
	waitFor(t, "the acknowledgement", func() bool {
		got := outbox.To("mara@example.se")
		if len(got) > 0 {
			ack = got[0]
		}
		return len(got) > 0
	})
	token := r.JSON["token"].(string)
	if !strings.Contains(ack.Data, token) || !strings.Contains(ack.Data, "Auto-Submitted: auto-replied") ||
		!strings.Contains(ack.Data, "In-Reply-To: <m1@example.se>") {
		t.Fatalf("acknowledgement:\n%s", ack.Data)
	}
	ackID := regexp.MustCompile(`(?m)^Message-ID: <([^>]+)>`).FindStringSubmatch(ack.Data)
	if ackID == nil {
		t.Fatalf("acknowledgement without Message-ID:\n%s", ack.Data)
	}

	// A reply to the acknowledgement (no token in the subject) threads by its headers.
	reply := fmt.Sprintf(`From: mara@example.se
To: support@shop.example
Subject: Re: Parcel arrived damaged
Message-ID: <m2@example.se>
In-Reply-To: <%s>
References: <m1@example.se> <%s>

Order number is 4471.

On Tue, Shop Support wrote:
> We have received your message
`, ackID[1], ackID[1])
	if err := sendSMTP(addr, "mara@example.se", "support@shop.example", reply); err != nil {
		t.Fatal(err)
	}
	// A reply carrying only the token threads too.
	if err := sendSMTP(addr, "mara@example.se", "support@shop.example",
		"From: mara@example.se\nSubject: Also "+token+"\nMessage-ID: <m3@example.se>\n\nA photo of the box follows.\n"); err != nil {
		t.Fatal(err)
	}
	// An out-of-office reply, the same message twice, and a forged token do not make cases.
	if err := sendSMTP(addr, "mara@example.se", "support@shop.example",
		"From: mara@example.se\nSubject: Automatic reply: "+token+"\nAuto-Submitted: auto-replied\n\nI am away.\n"); err != nil {
		t.Fatal(err)
	}
	if err := sendSMTP(addr, "mara@example.se", "support@shop.example", reply); err != nil {
		t.Fatal(err)
	}
	r = h.Do("GET", fmt.Sprintf("/cases/%d", caseID), agentTok, nil)
	var bodies []string
	for _, m := range r.JSON["messages"].([]any) {
		bodies = append(bodies, m.(map[string]any)["body"].(string))
	}
	if len(bodies) != 4 || bodies[2] != "Order number is 4471." || bodies[3] != "A photo of the box follows." {
		t.Fatalf("messages on the case (want first, ack, two replies): %q", bodies)
	}
	if n := len(h.Do("GET", "/cases", agentTok, nil).List); n != 1 {
		t.Fatalf("%d cases, want 1", n)
	}
	forged := strings.Replace(token, "-", "-X", 1)
	if err := sendSMTP(addr, "eve@example.net", "support@shop.example",
		"From: eve@example.net\nSubject: Hello "+forged+"\n\nLet me in.\n"); err != nil {
		t.Fatal(err)
	}
	if n := len(h.Do("GET", "/cases", agentTok, nil).List); n != 2 {
		t.Fatalf("a forged token must open its own case: %d cases", n)
	}

	// Broken mail and unknown mailboxes are refused with SMTP errors.
	err := sendSMTP(addr, "x@example.net", "support@shop.example", "Subject: no sender\n\nbody\n")
	if err == nil || !strings.Contains(err.Error(), "554") {
		t.Fatalf("a message without a From header: %v", err)
	}
	err = sendSMTP(addr, "x@example.net", "sales@shop.example", "From: x@example.net\n\nbody\n")
	if err == nil || !strings.Contains(err.Error(), "550") {
		t.Fatalf("an unknown mailbox: %v", err)
	}
}

// Agents work a case in the browser: the inbox lists it, the case page
// shows the thread and timers, a reply goes out by email through the
// outbox, a note with an @mention notifies a colleague and stays
// internal, and a second agent opening the case sees the first is on it.
// A sales representative of another team cannot open it.
func TestWebAgentWorksACase(t *testing.T) {
	outbox := mailtest.Start(t)
	h := apptest.New(t, store.SQLite, apptest.WithJobs, func(env map[string]string) {
		env["SCRMS_SMTP_URL"] = outbox.URL()
		env["SCRMS_MAIL_FROM"] = "help@shop.example"
	})
	agent, _ := h.User("ines@shop.example", auth.RoleService, 0)
	colleague, colTok := h.User("tom@shop.example", auth.RoleService, 0)
	_, _ = h.User("rep@shop.example", auth.RoleSales, h.Team("Field"))
	q := h.Do("POST", "/queues", h.AdminToken, map[string]any{"name": "Support", "strategy": "least_loaded",
		"members": []map[string]any{{"user_id": agent.ID}}}).ID()
	wantStatus(t, h.Do("POST", "/sla-policies", h.AdminToken, map[string]any{"name": "Everyone", "first_response_minutes": 240}), http.StatusCreated)
	cid := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Ravi", "last_name": "Menon",
		"emails": []map[string]any{{"address": "ravi@example.in"}}}).ID()
	c := signIn(t, h, "ines@shop.example", "long enough password")
	status, _ := postForm(t, c, h.Server.URL+"/cases", url.Values{"customer_id": {itoa(cid)}, "channel": {"phone"},
		"queue_id": {itoa(q)}, "subject": {"Cannot log in to the app"}, "type": {"question"}, "priority": {"normal"},
		"description": {"Says the reset link expired."}, "recording_url": {"https://pbx.example/rec/991.mp3"}})
	if status != http.StatusSeeOther {
		t.Fatalf("open case: %d", status)
	}
	_, inbox, _ := get(t, c, h.Server.URL+"/cases")
	if !strings.Contains(inbox, "Cannot log in to the app") || !strings.Contains(inbox, "Ravi Menon") {
		t.Fatalf("inbox:\n%s", inbox)
	}
	id := h.Do("GET", "/cases", h.AdminToken, nil).List[0].(map[string]any)["id"].(float64)
	page := h.Server.URL + "/cases/" + itoa(int64(id))
	_, body, _ := get(t, c, page)
	for _, want := range []string{"Says the reset link expired.", "First response:", "Call recording", "Phone call"} {
		if !strings.Contains(body, want) {
			t.Fatalf("case page lacks %q:\n%s", want, body)
		}
	}
	if status, _ := postForm(t, c, page+"/reply", url.Values{"body": {"I have sent you a new link; it works for an hour."},
		"channel": {"email"}, "status": {"pending"}}); status != http.StatusSeeOther {
		t.Fatalf("reply: %d", status)
	}
	waitFor(t, "the reply email", func() bool { return len(outbox.To("ravi@example.in")) == 1 })
	if m := outbox.To("ravi@example.in")[0]; !strings.Contains(m.Data, "[#"+itoa(int64(id))+"-") ||
		!strings.Contains(m.Data, "new link") {
		t.Fatalf("reply email:\n%s", m.Data)
	}
	if status, _ := postForm(t, c, page+"/reply", url.Values{"body": {"@tom can you check the SSO logs?"},
		"internal": {"on"}}); status != http.StatusSeeOther {
		t.Fatalf("note: %d", status)
	}
	if countKind(t, h, colTok, "mention") != 1 {
		t.Fatalf("the colleague was not notified: %s", h.Do("GET", "/notifications", colTok, nil).Raw)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(outbox.To("ravi@example.in")); n != 1 {
		t.Fatalf("%d emails to the customer: the note must not be sent", n)
	}
	_, body, _ = get(t, c, page)
	if !strings.Contains(body, "pending") || !strings.Contains(body, "Internal note") || !strings.Contains(body, "met with") {
		t.Fatalf("case page after the reply:\n%s", body)
	}
	// Tom opens the case too: he is warned Ines is on it, and she sees him on her next poll.
	tc := signIn(t, h, "tom@shop.example", "long enough password")
	_, body, _ = get(t, tc, page)
	if !strings.Contains(body, "ines@shop.example also has this case open") {
		t.Fatalf("no collision warning for %s:\n%s", colleague.Email, body)
	}
	_, poll, _ := get(t, c, page+"/viewers")
	if !strings.Contains(poll, "also has this case open") {
		t.Fatalf("viewers poll: %q", poll)
	}
	rc := signIn(t, h, "rep@shop.example", "long enough password")
	if status, _, _ := get(t, rc, page); status != http.StatusNotFound {
		t.Fatalf("a representative of another team opened the case: %d", status)
	}

	// Resolving needs a resolution code; then the customer gets a CSAT survey.
	if status, _ := postForm(t, c, page+"/update", url.Values{"status": {"resolved"}}); status != http.StatusSeeOther {
		t.Fatalf("resolve: %d", status)
	}
	if r := h.Do("GET", "/cases/"+itoa(int64(id)), h.AdminToken, nil); r.JSON["status"] != "open" && r.JSON["status"] != "pending" {
		t.Fatalf("resolved without a resolution code: %s", r.Raw)
	}
	if status, _ := postForm(t, c, page+"/update", url.Values{"status": {"resolved"}, "resolution_code": {"link resent"}}); status != http.StatusSeeOther {
		t.Fatalf("resolve: %d", status)
	}
	var survey string
	waitFor(t, "the CSAT survey", func() bool {
		for _, m := range outbox.To("ravi@example.in") {
			if strings.Contains(m.Data, "How did we do?") {
				_, body, _ := strings.Cut(m.Data, "\r\n\r\n")
				b, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(body)))
				if err != nil {
					t.Fatal(err)
				}
				survey = string(b)
				return true
			}
		}
		return false
	})
	link := regexp.MustCompile(`(http://\S+/s/[0-9a-f]{32})\?score=1`).FindStringSubmatch(survey)
	if link == nil {
		t.Fatalf("no score link in the survey:\n%s", survey)
	}
	anon := browserClient(t)
	status, body, _ = get(t, anon, strings.Replace(link[0], "http://localhost:8080", h.Server.URL, 1))
	if status != http.StatusOK || !strings.Contains(body, "you rated us 1 of 5") {
		t.Fatalf("answer page: %d\n%s", status, body)
	}
	surveyPath := strings.Replace(link[1], "http://localhost:8080", h.Server.URL, 1)
	if status, _ := postForm(t, anon, surveyPath, url.Values{"score": {"2"}, "comment": {"Took three tries to log in."}}); status != http.StatusOK {
		t.Fatalf("comment: %d", status)
	}
	if status, _ := postForm(t, anon, surveyPath, url.Values{"score": {"9"}}); status != http.StatusUnprocessableEntity {
		t.Fatalf("a score of 9 on a 1-5 scale: %d", status)
	}
	// The low score opened one follow-up task for the agent.
	var tasks int
	if err := h.App.Store.DB().QueryRow(`SELECT COUNT(*) FROM activities WHERE owner_id = ? AND subject LIKE 'Follow up:%'`,
		agent.ID).Scan(&tasks); err != nil || tasks != 1 {
		t.Fatalf("follow-up tasks: %d, %v", tasks, err)
	}
	_, profile, _ := get(t, c, h.Server.URL+"/customers/"+itoa(cid))
	if !strings.Contains(profile, "CSAT 2.0 of 5 (1 answers)") || !strings.Contains(profile, "Cannot log in to the app") {
		t.Fatalf("profile service section:\n%s", profile)
	}
	if status, _, _ := get(t, anon, h.Server.URL+"/s/00000000000000000000000000000000"); status != http.StatusNotFound {
		t.Fatalf("an unknown survey link: %d", status)
	}
}
