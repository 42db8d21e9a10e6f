package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/mail/mailtest"
	"github.com/scrms/scrms/internal/store"
	"github.com/scrms/scrms/internal/support"
)

// clock is a time the test moves.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var surveyLink = regexp.MustCompile(`/s/([0-9a-f]{32})`)

// surveyMails is the outbox's messages that carry a survey link.
func surveyMails(o *mailtest.Server) []mailtest.Message {
	var out []mailtest.Message
	for _, m := range o.Messages() {
		if surveyLink.MatchString(strings.ReplaceAll(m.Data, "=\r\n", "")) {
			out = append(out, m)
		}
	}
	return out
}

// An NPS survey goes on a schedule to the customers of a tag who have an
// email address and have not opted out of email; the emails leave through
// the mail job; a detractor's answer opens a task for the customer's owner;
// results roll up per survey and per customer; the next run, a period
// later, asks again only those outside the quiet days.
func TestScheduledNPSSurvey(t *testing.T) {
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			outbox := mailtest.Start(t)
			clk := &clock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
			h := apptest.NewAt(t, e, clk.Now, apptest.WithJobs, func(env map[string]string) {
				env["SCRMS_SMTP_URL"] = outbox.URL()
				env["SCRMS_MAIL_FROM"] = "Shop <hello@shop.example>"
			})
			rep, _ := h.User("rep@shop.example", auth.RoleSales, 0)
			mk := func(first, email string, tags []string) int64 {
				body := map[string]any{"kind": "person", "first_name": first, "last_name": "Test", "tags": tags,
					"owner_id": rep.ID}
				if email != "" {
					body["emails"] = []map[string]any{{"address": email}}
				}
				r := h.Do("POST", "/customers", h.AdminToken, body)
				wantStatus(t, r, http.StatusCreated)
				return r.ID()
			}
			ana := mk("Ana", "ana@example.com", []string{"vip"})
			mk("Ben", "ben@example.com", []string{"vip"})
			optedOut := mk("Cy", "cy@example.com", []string{"vip"})
			mk("Dee", "", []string{"vip"})                  // no address
			mk("Eve", "eve@example.com", []string{"trial"}) // another tag
			wantStatus(t, h.Do("POST", fmt.Sprintf("/customers/%d/consents", optedOut), h.AdminToken, map[string]any{
				"purpose": "marketing", "channel": "email", "status": "withdrawn", "source": "web_form", "proof": "unsubscribed"}),
				http.StatusCreated)

			_, svcTok := h.User("agent@shop.example", auth.RoleService, 0)
			wantProblem(t, h.Do("POST", "/surveys", svcTok, map[string]any{"name": "x", "kind": "nps", "audience": map[string]any{}}), http.StatusForbidden)
			bad := h.Do("POST", "/surveys", h.AdminToken, map[string]any{"name": "Bad", "kind": "nps", "audience": map[string]any{},
				"questions": []map[string]any{{"label": "Why?", "type": "text"}}})
			wantProblem(t, bad, http.StatusUnprocessableEntity, "questions")
			r := h.Do("POST", "/surveys", h.AdminToken, map[string]any{"name": "How likely are you to recommend us?",
				"kind": "nps", "audience": map[string]any{"tag": "vip"}, "every_days": 30, "quiet_days": 20,
				"intro": "A quick question from the shop."})
			wantStatus(t, r, http.StatusCreated)
			form := r.ID()

			ctx := context.Background()
			n, err := h.App.Support.RunSurveyForms(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var sent []mailtest.Message
			waitFor(t, "two survey emails", func() bool {
				sent = surveyMails(outbox)
				return len(sent) >= 2
			})
			time.Sleep(300 * time.Millisecond) // nothing more should come
			if sent = surveyMails(outbox); len(sent) != 2 {
				t.Fatalf("%d survey emails (run stored %d), want 2 (Ana, Ben)", len(sent), n)
			}
			to := map[string]string{}
			for _, m := range sent {
				to[m.To[0]] = strings.ReplaceAll(m.Data, "=\r\n", "")
			}
			if to["cy@example.com"] != "" || to["eve@example.com"] != "" || to["ana@example.com"] == "" {
				t.Fatalf("survey went to %v", sent)
			}
			tok := surveyLink.FindStringSubmatch(to["ana@example.com"])
			if tok == nil || !strings.Contains(to["ana@example.com"], "A quick question from the shop.") {
				t.Fatalf("survey email:\n%s", to["ana@example.com"])
			}
			prog := h.Do("POST", "/loyalty/programs", h.AdminToken, map[string]any{"name": "Club"})
			member := h.Do("POST", "/loyalty/members", h.AdminToken, map[string]any{"customer_id": ana, "program_id": prog.ID()})
			wantStatus(t, member, http.StatusCreated)
			anon := browserClient(t)
			if st, _, _ := get(t, anon, h.Server.URL+"/s/"+tok[1]+"?score=3"); st != http.StatusOK {
				t.Fatalf("answer: %d", st)
			}
			if st, _ := postForm(t, anon, h.Server.URL+"/s/"+tok[1], url.Values{"score": {"3"}, "comment": {"Delivery is slow."}}); st != http.StatusOK {
				t.Fatalf("comment: %d", st)
			}
			// Answering (then adding a comment) earns the survey points once.
			if m := h.Do("GET", fmt.Sprintf("/loyalty/members/%d", member.ID()), h.AdminToken, nil); m.JSON["balance"] != float64(125) {
				t.Fatalf("points after answering: %s", m.Raw)
			}
			acts := h.Do("GET", fmt.Sprintf("/activities?customer_id=%d", ana), h.AdminToken, nil)
			if !strings.Contains(string(acts.Raw), "Follow up: customer answered NPS 3 of 10") ||
				!strings.Contains(string(acts.Raw), fmt.Sprintf(`"owner_id":%d`, rep.ID)) {
				t.Fatalf("no follow-up task for the owner: %s", acts.Raw)
			}
			res := h.Do("GET", fmt.Sprintf("/surveys/%d", form), h.AdminToken, nil)
			wantStatus(t, res, http.StatusOK)
			if res.JSON["sent"] != float64(2) || res.JSON["answered"] != float64(1) || res.JSON["nps"] != float64(-100) ||
				res.JSON["detractors"] != float64(1) || !strings.Contains(string(res.Raw), "Delivery is slow.") {
				t.Fatalf("results %s", res.Raw)
			}
			admin := signIn(t, h, "admin@example.com", "correct horse battery")
			if st, body, _ := get(t, admin, fmt.Sprintf("%s/customers/%d", h.Server.URL, ana)); st != 200 ||
				!strings.Contains(body, "latest NPS answer 3 of 10") {
				t.Fatalf("profile lacks the NPS answer")
			}
			if st, body, _ := get(t, admin, fmt.Sprintf("%s/surveys/%d", h.Server.URL, form)); st != 200 ||
				!strings.Contains(body, "NPS -100") || !strings.Contains(body, "2 sent, 1 answered") || !strings.Contains(body, "(50%)") {
				t.Fatalf("survey results page %d lacks the NPS", st)
			}

			// Not due again for 30 days; then the quiet days (20) have passed.
			clk.Add(time.Hour)
			if n, _ := h.App.Support.RunSurveyForms(ctx); n != 0 {
				t.Fatalf("a run an hour later stored %d surveys", n)
			}
			clk.Add(30 * 24 * time.Hour)
			if n, err := h.App.Support.RunSurveyForms(ctx); n != 2 || err != nil {
				t.Fatalf("the next run stored %d surveys (%v), want 2", n, err)
			}
			// Other mail (the member's monthly loyalty statement, once the
			// clock passes a month end) may go out too; only surveys count.
			waitFor(t, "the second round of emails", func() bool { return len(surveyMails(outbox)) >= 4 })
			time.Sleep(300 * time.Millisecond)
			if n := len(surveyMails(outbox)); n != 4 {
				t.Fatalf("%d survey emails after the second round, want 4", n)
			}
		})
	}
}

// A run that stops after a batch (a crash) resumes from where it stopped:
// nobody is asked twice and nobody is left out.
func TestSurveyRunResumesAfterACrash(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	for i := range 5 {
		wantStatus(t, h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": fmt.Sprint("P", i),
			"emails": []map[string]any{{"address": fmt.Sprintf("p%d@example.com", i)}}}), http.StatusCreated)
	}
	r := h.Do("POST", "/surveys", h.AdminToken, map[string]any{"name": "Once", "kind": "csat", "audience": map[string]any{}})
	wantStatus(t, r, http.StatusCreated)
	ctx := context.Background()
	st := h.App.Store
	now := time.Now().UTC().Truncate(time.Microsecond)
	forms, err := st.StartFormRuns(ctx, now)
	if err != nil || len(forms) != 1 {
		t.Fatalf("start: %v %v", forms, err)
	}
	rs, err := st.FormAudience(ctx, forms[0], now.AddDate(0, 0, -90), 0, 2)
	if err != nil || len(rs) != 2 {
		t.Fatalf("audience: %v %v", rs, err)
	}
	batch := []support.Survey{{Kind: "csat", Token: strings.Repeat("a", 32), CustomerID: rs[0].CustomerID, Email: rs[0].Email, SentAt: now},
		{Kind: "csat", Token: strings.Repeat("b", 32), CustomerID: rs[1].CustomerID, Email: rs[1].Email, SentAt: now}}
	if _, err := st.AddFormSurveys(ctx, r.ID(), batch, rs[1].CustomerID); err != nil {
		t.Fatal(err)
	}
	// The process dies here. The next sweep picks the run up.
	n, err := h.App.Support.RunSurveyForms(ctx)
	if err != nil || n != 3 {
		t.Fatalf("resumed run stored %d (%v), want the 3 left", n, err)
	}
	svs, err := st.FormSurveys(ctx, r.ID())
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]int{}
	for _, sv := range svs {
		seen[sv.CustomerID]++
	}
	if len(svs) != 5 || len(seen) != 5 {
		t.Fatalf("%d surveys for %d customers, want 5 and 5", len(svs), len(seen))
	}
	if n, _ := h.App.Support.RunSurveyForms(ctx); n != 0 {
		t.Fatalf("a form sent once ran again: %d", n)
	}
}

// A custom survey asks its own questions on its public page: answers are
// checked against each question and summed up per question.
func TestCustomSurveyQuestions(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	wantStatus(t, h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Quinn",
		"emails": []map[string]any{{"address": "quinn@example.com"}}}), http.StatusCreated)
	admin := signIn(t, h, "admin@example.com", "correct horse battery")
	form := url.Values{"name": {"Store visit"}, "kind": {"custom"}, "every_days": {"0"}, "quiet_days": {"90"},
		"questions": {"choice* | Which store did you visit? | Lisbon; Porto\nscore5* | How was the staff?\ntext | Anything else?"}}
	if st, body := postForm(t, admin, h.Server.URL+"/surveys", url.Values{"name": {"Broken"}, "kind": {"custom"},
		"questions": {"just a question"}}); st != http.StatusUnprocessableEntity || !strings.Contains(body, "write type | question") {
		t.Fatalf("a question without its type: %d", st)
	}
	if st, _ := postForm(t, admin, h.Server.URL+"/surveys", form); st != http.StatusSeeOther {
		t.Fatalf("create survey in the UI: %d", st)
	}
	list := h.Do("GET", "/surveys", h.AdminToken, nil)
	if len(list.List) != 1 {
		t.Fatalf("surveys: %s", list.Raw)
	}
	r := apptest.Response{JSON: list.List[0].(map[string]any)}
	if _, err := h.App.Support.RunSurveyForms(context.Background()); err != nil {
		t.Fatal(err)
	}
	svs, err := h.App.Store.FormSurveys(context.Background(), r.ID())
	if err != nil || len(svs) != 1 {
		t.Fatalf("surveys %v %v", svs, err)
	}
	page := h.Server.URL + "/s/" + svs[0].Token
	anon := browserClient(t)
	if st, body, _ := get(t, anon, page); st != 200 || !strings.Contains(body, "Which store did you visit?") {
		t.Fatalf("custom survey page %d", st)
	}
	if st, body := postForm(t, anon, page, url.Values{"q1": {"Faro"}, "q2": {"9"}}); st != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "pick one of the options") || !strings.Contains(body, "must be 1 to 5") {
		t.Fatalf("bad answers: %d", st)
	}
	if st, _ := postForm(t, anon, page, url.Values{"q1": {"Porto"}, "q2": {"4"}, "q3": {"Lovely shop."}}); st != http.StatusOK {
		t.Fatalf("answers: %d", st)
	}
	res := h.Do("GET", fmt.Sprintf("/surveys/%d", r.ID()), h.AdminToken, nil)
	qs := res.JSON["questions"].([]any)
	if q1 := qs[0].(map[string]any); q1["counts"].(map[string]any)["Porto"] != float64(1) {
		t.Fatalf("choice counts %v", q1)
	}
	if q2 := qs[1].(map[string]any); q2["average"] != float64(4) {
		t.Fatalf("score average %v", q2)
	}
	if q3 := qs[2].(map[string]any); q3["latest"].([]any)[0] != "Lovely shop." {
		t.Fatalf("text answers %v", q3)
	}
}
