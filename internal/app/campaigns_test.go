package app_test

import (
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/mail/mailtest"
	"github.com/scrms/scrms/internal/marketing"
	"github.com/scrms/scrms/internal/store"
)

// parts reads a multipart/alternative message into its plain and HTML parts.
func parts(t *testing.T, raw string) (*mail.Message, string, string) {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("content type %q (%v), want multipart/alternative", m.Header.Get("Content-Type"), err)
	}
	r := multipart.NewReader(m.Body, params["boundary"])
	var text, html string
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p) // the multipart reader undoes quoted-printable
		switch ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct {
		case "text/plain":
			text = string(b)
		case "text/html":
			html = string(b)
		}
	}
	if text == "" || html == "" {
		t.Fatalf("a part is missing: text %d bytes, html %d bytes", len(text), len(html))
	}
	return m, text, html
}

func consent(t *testing.T, h *apptest.Harness, id int64, status string) {
	t.Helper()
	wantStatus(t, h.Do("POST", fmt.Sprintf("/customers/%d/consents", id), h.AdminToken, map[string]any{
		"purpose": "marketing", "channel": "email", "status": status, "source": "web_form", "proof": "newsletter box"}),
		http.StatusCreated)
}

// A marketing campaign reaches only the customers who agreed to email
// marketing, personalised and escaped, as valid MIME with both parts and
// one-click unsubscribe headers; opens and clicks are tracked; the
// unsubscribe link works with one click from a mail provider and withdraws
// consent; a transactional message ignores the marketing opt-out.
func TestCampaignConsentTrackingAndUnsubscribe(t *testing.T) {
	outbox := mailtest.Start(t)
	h := apptest.New(t, store.SQLite, func(env map[string]string) {
		env["SCRMS_SMTP_URL"] = outbox.URL()
		env["SCRMS_MAIL_FROM"] = "Shop <news@shop.example>"
	})
	ctx := context.Background()
	mk := func(first, email string) int64 {
		r := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": first, "last_name": "Test",
			"tags": []string{"news"}, "emails": []map[string]any{{"address": email}}, "addresses": []map[string]any{{"city": "Porto", "country": "PT"}}})
		wantStatus(t, r, http.StatusCreated)
		return r.ID()
	}
	ann := mk("Ann & Bo", "ann@example.com")
	mk("Bob", "bob@example.com") // no consent: no marketing, but transactional mail
	cat := mk("Cat", "cat@example.com")
	consent(t, h, ann, "granted")
	consent(t, h, cat, "granted")
	consent(t, h, cat, "withdrawn")

	seg := h.Do("POST", "/segments", h.AdminToken, map[string]any{"name": "Newsletter", "text": `tag = "news"`})
	wantStatus(t, seg, http.StatusCreated)
	bad := h.Do("POST", "/templates", h.AdminToken, map[string]any{"name": "Bad", "subject": "Hi {{nickname}}",
		"blocks": []map[string]any{{"type": "text", "text": "x"}}})
	wantProblem(t, bad, http.StatusUnprocessableEntity, "subject")
	tpl := h.Do("POST", "/templates", h.AdminToken, map[string]any{"name": "Spring sale", "subject": "{{first_name}}, spring is here",
		"blocks": []map[string]any{
			{"type": "heading", "text": "Spring sale"},
			{"type": "text", "text": "Hello {{first_name}}{{#if city}} in {{city}}{{/if}},\n\nall kettles are 20% off."},
			{"type": "button", "text": "Shop now", "url": "https://shop.example/sale"},
		}})
	wantStatus(t, tpl, http.StatusCreated)
	camp := h.Do("POST", "/campaigns", h.AdminToken, map[string]any{"name": "Spring 2026", "template_id": tpl.ID(), "segment_id": seg.ID(),
		"cost": 120.5})
	wantStatus(t, camp, http.StatusCreated)
	wantStatus(t, h.Do("POST", fmt.Sprintf("/campaigns/%d/send", camp.ID()), h.AdminToken, nil), http.StatusAccepted)
	wantProblem(t, h.Do("POST", fmt.Sprintf("/campaigns/%d/send", camp.ID()), h.AdminToken, nil), http.StatusConflict)
	if n, err := h.App.Marketing.SendDue(ctx); err != nil || n != 1 {
		t.Fatalf("sent %d (%v), want 1: only Ann agreed", n, err)
	}
	msgs := outbox.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != "ann@example.com" {
		t.Fatalf("the sink got %v", msgs)
	}
	m, text, html := parts(t, msgs[0].Data)
	subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if subject != "Ann & Bo, spring is here" {
		t.Fatalf("subject %q", subject)
	}
	if !strings.Contains(text, "Hello Ann & Bo in Porto,") || !strings.Contains(html, "Hello Ann &amp; Bo in Porto,") {
		t.Fatalf("personalisation: text %q", text)
	}
	unsub := strings.Trim(m.Header.Get("List-Unsubscribe"), "<>")
	if m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" || !strings.Contains(unsub, "/u/") {
		t.Fatalf("unsubscribe headers %v", m.Header)
	}
	st := h.Do("GET", fmt.Sprintf("/campaigns/%d/stats", camp.ID()), h.AdminToken, nil)
	if st.JSON["sent"] != float64(1) || st.JSON["recipients"] != float64(1) {
		t.Fatalf("stats %s", st.Raw)
	}
	if c := h.Do("GET", fmt.Sprintf("/campaigns/%d", camp.ID()), h.AdminToken, nil); c.JSON["status"] != "sent" {
		t.Fatalf("campaign %s", c.Raw)
	}

	local := func(u string) string { return h.Server.URL + u[strings.Index(u, "/"+strings.Split(u, "/")[3]):] }
	pixel := regexp.MustCompile(`<img src="([^"]+/t/o/[^"]+)"`).FindStringSubmatch(html)
	click := regexp.MustCompile(`href="([^"]+/t/c/[^"]+)"`).FindStringSubmatch(html)
	if pixel == nil || click == nil {
		t.Fatalf("no tracking in %s", html)
	}
	if st, _, hdr := get(t, http.DefaultClient, local(pixel[1])); st != 200 || hdr.Get("Content-Type") != "image/gif" {
		t.Fatalf("pixel %d", st)
	}
	noFollow := browserClient(t)
	if st, _, hdr := get(t, noFollow, local(click[1])); st != http.StatusFound || hdr.Get("Location") != "https://shop.example/sale" {
		t.Fatalf("click %d → %s", st, hdr.Get("Location"))
	}
	if st, _, _ := get(t, noFollow, local(click[1])[:len(local(click[1]))-2]+"xx"); st != http.StatusNotFound {
		t.Fatalf("a forged click link: %d", st)
	}
	// One click from the mail provider: a cross-site POST with the RFC 8058 body.
	req, _ := http.NewRequest("POST", local(unsub), strings.NewReader("List-Unsubscribe=One-Click"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://mail.example")
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("one-click unsubscribe: %v %v", err, res)
	}
	res.Body.Close()
	st = h.Do("GET", fmt.Sprintf("/campaigns/%d/stats", camp.ID()), h.AdminToken, nil)
	if st.JSON["opened"] != float64(1) || st.JSON["clicked"] != float64(1) || st.JSON["unsubscribed"] != float64(1) {
		t.Fatalf("tracked stats %s", st.Raw)
	}
	cons := h.Do("GET", fmt.Sprintf("/customers/%d/consents", ann), h.AdminToken, nil)
	if !strings.Contains(string(cons.Raw), `"withdrawn"`) || !strings.Contains(string(cons.Raw), "Unsubscribe link in campaign") {
		t.Fatalf("consent after unsubscribing: %s", cons.Raw)
	}
	if seg2 := segmentNames(t, h, h.AdminToken, `tag = "news" and consent = "email"`); len(seg2) != 0 {
		t.Fatalf("still consenting after the unsubscribe: %v", seg2)
	}

	// A transactional message ignores marketing consent.
	tx := h.Do("POST", "/templates", h.AdminToken, map[string]any{"name": "Terms change", "purpose": "transactional",
		"subject": "Our terms change on 1 May", "blocks": []map[string]any{{"type": "text", "text": "Dear {{first_name}}, …"}}})
	wantStatus(t, tx, http.StatusCreated)
	tc := h.Do("POST", "/campaigns", h.AdminToken, map[string]any{"name": "Terms", "template_id": tx.ID(), "segment_id": seg.ID()})
	wantStatus(t, h.Do("POST", fmt.Sprintf("/campaigns/%d/send", tc.ID()), h.AdminToken, nil), http.StatusAccepted)
	if n, err := h.App.Marketing.SendDue(ctx); err != nil || n != 3 {
		t.Fatalf("transactional sent %d (%v), want 3", n, err)
	}
}

// A send that stopped (kill -9) left one message in flight per connection
// ("sending") and the rest queued, under the dead sender's lease. Once the
// lease lapses the next run sends every unsent message exactly once more,
// marks the in-flight ones as possible doubles, never resends what was
// recorded as sent, and skips a customer who withdrew consent since.
func TestCampaignResumesAfterACrash(t *testing.T) {
	outbox := mailtest.Start(t)
	clk := &clock{now: time.Now().UTC()}
	h := apptest.NewAt(t, store.SQLite, clk.Now, func(env map[string]string) {
		env["SCRMS_SMTP_URL"] = outbox.URL()
		env["SCRMS_MAIL_FROM"] = "Shop <news@shop.example>"
	})
	ctx := context.Background()
	var ids []int64
	for i := range 6 {
		r := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": fmt.Sprint("P", i),
			"tags": []string{"news"}, "emails": []map[string]any{{"address": fmt.Sprintf("p%d@example.com", i)}}})
		wantStatus(t, r, http.StatusCreated)
		consent(t, h, r.ID(), "granted")
		ids = append(ids, r.ID())
	}
	seg := h.Do("POST", "/segments", h.AdminToken, map[string]any{"name": "News", "text": `tag = "news"`})
	tpl := h.Do("POST", "/templates", h.AdminToken, map[string]any{"name": "T", "subject": "Hi {{first_name}}",
		"blocks": []map[string]any{{"type": "text", "text": "News for {{first_name}}"}}})
	camp := h.Do("POST", "/campaigns", h.AdminToken, map[string]any{"name": "C", "template_id": tpl.ID(), "segment_id": seg.ID()})
	wantStatus(t, h.Do("POST", fmt.Sprintf("/campaigns/%d/send", camp.ID()), h.AdminToken, nil), http.StatusAccepted)

	// What the dead sender had done: listed the recipients, sent P0,
	// had P1 and P2 in flight on two connections.
	st := h.App.Store
	c, _ := st.FindCampaign(ctx, camp.ID())
	sg, _ := st.FindSegment(ctx, seg.ID())
	if n, err := st.PrepareRecipients(ctx, c, sg.Rules, false, clk.Now()); err != nil || n != 6 {
		t.Fatalf("prepare: %d %v", n, err)
	}
	rows, err := st.NextRecipients(ctx, camp.ID(), 0, 10, false, false, clk.Now(), "email", "")
	if err != nil || len(rows) != 6 {
		t.Fatalf("ledger %d %v", len(rows), err)
	}
	if err := st.Record(ctx, []marketing.Outcome{{MessageID: rows[0].MessageID}}, []int64{rows[1].MessageID, rows[2].MessageID}, clk.Now()); err != nil {
		t.Fatal(err)
	}
	if ok, err := st.TakeLease(ctx, camp.ID(), "dead-sender", clk.Now(), clk.Now().Add(2*time.Minute)); !ok || err != nil {
		t.Fatalf("lease %v %v", ok, err)
	}
	consent(t, h, ids[5], "withdrawn") // P5 changes their mind before the restart

	if n, _ := h.App.Marketing.SendDue(ctx); n != 0 || len(outbox.Messages()) != 0 {
		t.Fatalf("sent %d while the dead sender's lease held", n)
	}
	clk.Add(3 * time.Minute)
	if n, err := h.App.Marketing.SendDue(ctx); err != nil || n != 4 {
		t.Fatalf("resumed run sent %d (%v), want P1..P4", n, err)
	}
	got := map[string]int{}
	for _, m := range outbox.Messages() {
		got[m.To[0]]++
	}
	if len(got) != 4 || got["p0@example.com"] != 0 || got["p5@example.com"] != 0 || got["p1@example.com"] != 1 {
		t.Fatalf("the sink got %v", got)
	}
	stats := h.Do("GET", fmt.Sprintf("/campaigns/%d/stats", camp.ID()), h.AdminToken, nil)
	if stats.JSON["sent"] != float64(5) || stats.JSON["maybe_doubles"] != float64(2) || stats.JSON["skipped"] != float64(1) ||
		stats.JSON["queued"] != float64(0) || stats.JSON["sending"] != float64(0) {
		t.Fatalf("ledger after the resume: %s", stats.Raw)
	}
}
