package app_test

import (
	"context"
	"fmt"
	"net/http"
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

// A loyalty manager creates a program and a reward on the loyalty screen,
// tries the rules, enrols a customer from the profile, adjusts and
// redeems there; a service agent redeems but cannot adjust; last month's
// statement is made once, mailed once with a signed link that opens the
// statement (and its PDF) without signing in, and a forged link does not.
func TestLoyaltyScreens(t *testing.T) {
	outbox := mailtest.Start(t)
	clk := &testClock{t: time.Now().UTC()}
	h := apptest.NewAt(t, store.SQLite, clk.Now, func(env map[string]string) {
		env["SCRMS_SMTP_URL"] = outbox.URL()
		env["SCRMS_MAIL_FROM"] = "Club <club@shop.example>"
	})
	ctx := context.Background()
	c := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Noor",
		"emails": []map[string]any{{"address": "noor@example.nl"}}})
	wantStatus(t, c, http.StatusCreated)
	h.User("lm@shop.example", auth.RoleLoyalty, 0)
	h.User("agent@shop.example", auth.RoleService, 0)
	web := signIn(t, h, "lm@shop.example", "long enough password")
	base := h.Server.URL

	if st, body := postForm(t, web, base+"/loyalty/programs", url.Values{"name": {""}}); st != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "name") {
		t.Fatalf("empty program: %d", st)
	}
	if st, _ := postForm(t, web, base+"/loyalty/programs", url.Values{"name": {"Club"}, "currency": {"EUR"}, "earn_rate": {"2"},
		"expiry_months": {"12"}, "enrolment": {"opt_in"}}); st != http.StatusSeeOther {
		t.Fatalf("program: %d", st)
	}
	progs := h.Do("GET", "/loyalty/programs", h.AdminToken, nil)
	pid := int64(progs.List[0].(map[string]any)["id"].(float64))
	if st, _ := postForm(t, web, base+"/loyalty/rewards", url.Values{"program_id": {fmt.Sprint(pid)}, "name": {"Mug"},
		"cost": {"120"}, "stock": {"3"}}); st != http.StatusSeeOther {
		t.Fatalf("reward: %d", st)
	}
	if st, body := postForm(t, web, fmt.Sprintf("%s/loyalty/programs/%d/test", base, pid), url.Values{"amount": {"24.99"}}); st != 200 ||
		!strings.Contains(body, "49 points") {
		t.Fatalf("rule tester: %d", st)
	}
	if st, body, _ := get(t, web, base+"/loyalty"); st != 200 || !strings.Contains(body, "Mug") || !strings.Contains(body, "Gold") {
		t.Fatalf("loyalty screen: %d", st)
	}

	profile := fmt.Sprintf("%s/customers/%d", base, c.ID())
	if _, body, _ := get(t, web, profile); !strings.Contains(body, "Enrol in Club") {
		t.Fatal("no enrol button on the profile")
	}
	if st, _ := postForm(t, web, profile+"/loyalty/enrol", url.Values{"program_id": {fmt.Sprint(pid)}}); st != http.StatusSeeOther {
		t.Fatalf("enrol: %d", st)
	}
	ms := h.Do("GET", fmt.Sprintf("/customers/%d/loyalty", c.ID()), h.AdminToken, nil)
	mid := int64(ms.List[0].(map[string]any)["id"].(float64))
	if st, _ := postForm(t, web, fmt.Sprintf("%s/loyalty/members/%d/adjust", base, mid), url.Values{"points": {"150"},
		"reason": {"Opening gift"}}); st != http.StatusSeeOther {
		t.Fatalf("adjust: %d", st)
	}
	_, body, _ := get(t, web, profile)
	if !strings.Contains(body, `data-balance>250<`) || !strings.Contains(body, "Opening gift") || !strings.Contains(body, "Mug — 120 points") {
		t.Fatalf("profile after the adjustment lacks the balance, the activity or the reward")
	}
	agent := signIn(t, h, "agent@shop.example", "long enough password")
	if st, _ := postForm(t, agent, fmt.Sprintf("%s/loyalty/members/%d/adjust", base, mid), url.Values{"points": {"5"},
		"reason": {"x"}}); st != http.StatusForbidden {
		t.Fatalf("an agent adjusted points: %d", st)
	}
	rewards := h.Do("GET", "/loyalty/rewards", h.AdminToken, nil)
	rid := int64(rewards.List[0].(map[string]any)["id"].(float64))
	if st, _ := postForm(t, agent, fmt.Sprintf("%s/loyalty/members/%d/redeem", base, mid), url.Values{"reward_id": {fmt.Sprint(rid)},
		"key": {"web-1"}}); st != http.StatusSeeOther {
		t.Fatalf("redeem: %d", st)
	}
	if m := h.Do("GET", fmt.Sprintf("/loyalty/members/%d", mid), h.AdminToken, nil); m.JSON["balance"] != float64(130) {
		t.Fatalf("balance after redemption: %v", m.JSON)
	}

	// A month later the statement run makes last month's statement and
	// mails it once, however often the run goes.
	clk.Set(clk.Now().AddDate(0, 1, 0))
	for range 2 {
		if _, err := h.App.Loyalty.Run(ctx); err != nil {
			t.Fatal(err)
		}
	}
	msgs := outbox.To("noor@example.nl")
	if len(msgs) != 1 || !strings.Contains(msgs[0].Data, "Closing balance       130") {
		t.Fatalf("statement mails: %d %v", len(msgs), msgs)
	}
	link := regexp.MustCompile(`https?://[^\s]+/loyalty/statement/[A-Za-z0-9_-]+`).FindString(strings.ReplaceAll(msgs[0].Data, "=\r\n", ""))
	if link == "" {
		t.Fatalf("no statement link in %s", msgs[0].Data)
	}
	path := link[strings.Index(link, "/loyalty/statement/"):]
	anon := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if st, body, _ := get(t, anon, base+path); st != 200 || !strings.Contains(body, "Closing balance") || !strings.Contains(body, "130") {
		t.Fatalf("statement page: %d", st)
	}
	if st, body, hdr := get(t, anon, base+path+"?format=pdf"); st != 200 || hdr.Get("Content-Type") != "application/pdf" ||
		!strings.HasPrefix(body, "%PDF-") {
		t.Fatalf("statement PDF: %d %s", st, hdr.Get("Content-Type"))
	}
	forged := path[:len(path)-2] + map[bool]string{true: "AA", false: "BB"}[!strings.HasSuffix(path, "AA")]
	if st, _, _ := get(t, anon, base+forged); st != http.StatusNotFound {
		t.Fatalf("a forged statement link answered %d", st)
	}
}

// Members born today get the program's birthday points once a year, and a
// customer signed in to the portal sees their points, tier and a link to
// this month's statement.
func TestLoyaltyBirthdayAndPortal(t *testing.T) {
	outbox := mailtest.Start(t)
	h := apptest.New(t, store.SQLite, func(env map[string]string) {
		env["SCRMS_SMTP_URL"] = outbox.URL()
		env["SCRMS_MAIL_FROM"] = "Club <club@shop.example>"
	})
	ctx := context.Background()
	born := time.Now().UTC().AddDate(-30, 0, 0).Format("2006-01-02")
	c := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Ida", "profile": map[string]any{"birth_date": born},
		"emails": []map[string]any{{"address": "ida@example.se"}}})
	wantStatus(t, c, http.StatusCreated)
	other := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Bo",
		"profile": map[string]any{"birth_date": time.Now().UTC().AddDate(-30, 0, 3).Format("2006-01-02")}})
	prog := mustJSON(t, h.Do("POST", "/loyalty/programs", h.AdminToken, map[string]any{"name": "Club"}), http.StatusCreated)
	var ids []int64
	for _, id := range []int64{c.ID(), other.ID()} {
		m := mustJSON(t, h.Do("POST", "/loyalty/members", h.AdminToken, map[string]any{"customer_id": id, "program_id": prog["id"]}),
			http.StatusCreated)
		ids = append(ids, int64(m["id"].(float64)))
	}
	for range 2 {
		if _, err := h.App.Loyalty.Run(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for i, want := range []float64{300, 100} {
		if m := h.Do("GET", fmt.Sprintf("/loyalty/members/%d", ids[i]), h.AdminToken, nil); m.JSON["balance"] != want {
			t.Fatalf("member %d: %v, want %v", i, m.JSON["balance"], want)
		}
	}

	web := browserClient(t)
	if st, _ := postForm(t, web, h.Server.URL+"/portal/sign-in", url.Values{"email": {"ida@example.se"}}); st != http.StatusOK {
		t.Fatalf("portal sign-in: %d", st)
	}
	m := portalLink.FindStringSubmatch(strings.ReplaceAll(outbox.To("ida@example.se")[0].Data, "=\r\n", ""))
	if m == nil {
		t.Fatal("no portal link")
	}
	if st, _ := postForm(t, web, h.Server.URL+"/portal/in/"+m[1], nil); st != http.StatusSeeOther {
		t.Fatalf("portal link: %d", st)
	}
	st, body, _ := get(t, web, h.Server.URL+"/portal")
	if st != http.StatusOK || !strings.Contains(body, "<strong>300</strong> points") || !strings.Contains(body, "Bronze") {
		t.Fatalf("portal points: %d", st)
	}
	link := regexp.MustCompile(`href="(/loyalty/statement/[A-Za-z0-9_-]+)"`).FindStringSubmatch(body)
	if link == nil {
		t.Fatal("no statement link on the portal")
	}
	if st, body, _ := get(t, browserClient(t), h.Server.URL+link[1]); st != http.StatusOK || !strings.Contains(body, "300") {
		t.Fatalf("statement from the portal: %d", st)
	}

	// The customer spends points on a reward in the portal: once per page,
	// however often the form is sent; a reward beyond the balance is not
	// offered and is refused; another member's points are out of reach.
	mug := mustJSON(t, h.Do("POST", "/loyalty/rewards", h.AdminToken, map[string]any{"program_id": prog["id"], "name": "Club mug",
		"cost": 120}), http.StatusCreated)
	trip := mustJSON(t, h.Do("POST", "/loyalty/rewards", h.AdminToken, map[string]any{"program_id": prog["id"], "name": "Weekend trip",
		"cost": 5000}), http.StatusCreated)
	_, body, _ = get(t, web, h.Server.URL+"/portal")
	form := regexp.MustCompile(`action="(/portal/loyalty/\d+/redeem)"[^>]*>\s*<input type="hidden" name="reward_id" value="(\d+)">\s*` +
		`<input type="hidden" name="key" value="([0-9a-f]+-\d+)">`).FindStringSubmatch(body)
	if form == nil || form[2] != fmt.Sprint(mug["id"]) || strings.Contains(body, "Weekend trip") {
		t.Fatalf("portal rewards: %s", body)
	}
	for range 2 {
		st, _ := postForm(t, web, h.Server.URL+form[1], url.Values{"reward_id": {form[2]}, "key": {form[3]}})
		if st != http.StatusSeeOther {
			t.Fatalf("portal redemption: %d", st)
		}
	}
	_, body, _ = get(t, web, h.Server.URL+"/portal")
	if !strings.Contains(body, "<strong>180</strong> points") || strings.Count(body, "<code>LV-") != 1 {
		t.Fatalf("after redeeming twice with one key: %s", body)
	}
	st, _ = postForm(t, web, h.Server.URL+form[1], url.Values{"reward_id": {fmt.Sprint(trip["id"])}, "key": {"other"}})
	if st != http.StatusSeeOther {
		t.Fatalf("redeeming beyond the balance: %d", st)
	}
	if m := h.Do("GET", fmt.Sprintf("/loyalty/members/%d", ids[0]), h.AdminToken, nil); m.JSON["balance"] != float64(180) {
		t.Fatalf("balance after the refused redemption: %v", m.JSON["balance"])
	}
	if st, _ := postForm(t, web, fmt.Sprintf("%s/portal/loyalty/%d/redeem", h.Server.URL, ids[1]),
		url.Values{"reward_id": {fmt.Sprint(mug["id"])}, "key": {"x"}}); st != http.StatusNotFound {
		t.Fatalf("redeeming another member's points: %d", st)
	}
}
