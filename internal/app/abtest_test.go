package app_test

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/mail/mailtest"
	"github.com/scrms/scrms/internal/store"
)

func subjectOf(t *testing.T, raw string) string {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	return s
}

// An A/B test sends each subject to part of the test share; the others
// wait; after the wait the subject with the better open rate (significant
// here) goes to everyone else, and the campaign reports how each did.
func TestABTestSendsTheWinningSubjectToTheRest(t *testing.T) {
	outbox := mailtest.Start(t)
	clk := &clock{now: time.Now().UTC()}
	h := apptest.NewAt(t, store.SQLite, clk.Now, func(env map[string]string) {
		env["SCRMS_SMTP_URL"] = outbox.URL()
		env["SCRMS_MAIL_FROM"] = "Shop <news@shop.example>"
	})
	for i := range 200 {
		r := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": fmt.Sprint("P", i),
			"tags": []string{"ab"}, "emails": []map[string]any{{"address": fmt.Sprintf("p%d@example.com", i)}}})
		wantStatus(t, r, http.StatusCreated)
		consent(t, h, r.ID(), "granted")
	}
	seg := h.Do("POST", "/segments", h.AdminToken, map[string]any{"name": "AB", "text": `tag = "ab"`})
	tpl := h.Do("POST", "/templates", h.AdminToken, map[string]any{"name": "T", "subject": "Plain subject",
		"blocks": []map[string]any{{"type": "text", "text": "Hi {{first_name}}"}}})
	bad := h.Do("POST", "/campaigns", h.AdminToken, map[string]any{"name": "Bad", "template_id": tpl.ID(), "segment_id": seg.ID(),
		"ab_test": map[string]any{"subjects": []string{"One", "Two {{nickname}}"}, "share_percent": 20, "metric": "open", "wait_minutes": 60}})
	wantProblem(t, bad, http.StatusUnprocessableEntity, "ab_test")
	c := h.Do("POST", "/campaigns", h.AdminToken, map[string]any{"name": "Spring AB", "template_id": tpl.ID(), "segment_id": seg.ID(),
		"ab_test": map[string]any{"subjects": []string{"Spring sale", "{{first_name}}, your spring offer"}, "share_percent": 40,
			"metric": "open", "wait_minutes": 60}})
	wantStatus(t, c, http.StatusCreated)
	wantStatus(t, h.Do("POST", fmt.Sprintf("/campaigns/%d/send", c.ID()), h.AdminToken, nil), http.StatusAccepted)
	ctx := context.Background()
	test, err := h.App.Marketing.SendDue(ctx)
	if err != nil || test < 40 || test > 120 {
		t.Fatalf("the test share sent %d (%v), want about 40 %% of 200", test, err)
	}
	bySubject := map[string][]string{}
	for _, m := range outbox.Messages() {
		s := subjectOf(t, m.Data)
		if strings.HasSuffix(s, "your spring offer") {
			s = "offer"
		}
		bySubject[s] = append(bySubject[s], m.To[0])
	}
	if len(bySubject["Spring sale"]) == 0 || len(bySubject["offer"]) == 0 || len(bySubject) != 2 {
		t.Fatalf("test subjects %v", bySubject)
	}
	// Those who got the second subject open it; the others do not.
	rows, err := h.App.Store.DB().Query(`SELECT id FROM campaign_messages WHERE campaign_id = ? AND variant = 2 AND status = 'sent'`, c.ID())
	if err != nil {
		t.Fatal(err)
	}
	var opened []int64
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		opened = append(opened, id)
	}
	rows.Close()
	for _, id := range opened {
		if err := h.App.Store.MarkEvent(ctx, id, "opened", clk.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := h.App.Marketing.SendDue(ctx); n != 0 {
		t.Fatalf("%d sent before the test's wait was over", n)
	}
	clk.Add(61 * time.Minute)
	rest, err := h.App.Marketing.SendDue(ctx)
	if err != nil || test+rest != 200 {
		t.Fatalf("the rest: %d (%v), want %d", rest, err, 200-test)
	}
	for _, m := range outbox.Messages()[test:] {
		if s := subjectOf(t, m.Data); !strings.HasSuffix(s, "your spring offer") || !strings.HasPrefix(s, "P") {
			t.Fatalf("the rest got %q", s)
		}
	}
	got := h.Do("GET", fmt.Sprintf("/campaigns/%d", c.ID()), h.AdminToken, nil)
	ab := got.JSON["ab_test"].(map[string]any)
	if got.JSON["status"] != "sent" || ab["winner"] != float64(2) || !strings.Contains(ab["note"].(string), "significant at 95 %") ||
		strings.Contains(ab["note"].(string), "not significant") {
		t.Fatalf("campaign after the test: %s", got.Raw)
	}
	st := h.Do("GET", fmt.Sprintf("/campaigns/%d/stats", c.ID()), h.AdminToken, nil)
	vs := st.JSON["variants"].([]any)
	if len(vs) != 2 || st.JSON["sent"] != float64(200) {
		t.Fatalf("stats %s", st.Raw)
	}
	inTest := vs[0].(map[string]any)["sent"].(float64) + vs[1].(map[string]any)["sent"].(float64)
	if int(inTest) != test || vs[1].(map[string]any)["opened"] != float64(len(opened)) {
		t.Fatalf("variant figures %v, want the %d test messages only", vs, test)
	}
}
