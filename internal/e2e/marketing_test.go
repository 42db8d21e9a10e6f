package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/mail/mailtest"
	"github.com/scrms/scrms/internal/store"
)

// A marketer builds a segment watching its live count, designs an email,
// sends a test to themselves, launches a campaign and sees its figures.
func TestBrowserSegmentTemplateCampaign(t *testing.T) {
	outbox := mailtest.Start(t)
	h := apptest.New(t, store.SQLite, func(env map[string]string) {
		env["SCRMS_SMTP_URL"] = outbox.URL()
		env["SCRMS_MAIL_FROM"] = "Shop <news@shop.example>"
	})
	for i, n := range []string{"Ines", "Joao", "Rui"} {
		r := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": n, "tags": []string{"club"},
			"emails": []map[string]any{{"address": strings.ToLower(n) + "@example.pt"}}})
		if r.Status != http.StatusCreated {
			t.Fatalf("customer: %s", r.Raw)
		}
		if i < 2 {
			h.Do("POST", fmt.Sprintf("/customers/%d/consents", r.ID()), h.AdminToken, map[string]any{"purpose": "marketing",
				"channel": "email", "status": "granted", "source": "web_form", "proof": "form"})
		}
	}
	ctx := signedIn(t, h.Server.URL)
	do(t, ctx, "open marketing", chromedp.Navigate(h.Server.URL+"/marketing"), chromedp.WaitVisible(chromedp.CSS("#sg-text")))
	do(t, ctx, "type segment rules",
		chromedp.SendKeys(chromedp.CSS("#sg-name"), "Club members who agreed"),
		chromedp.SendKeys(chromedp.CSS("#sg-text"), `tag = "club" and consent = "email"`))
	waitJS(t, ctx, "the live count", `document.getElementById("sg-count").textContent.indexOf("2 customers") === 0`)
	do(t, ctx, "save the segment", chromedp.Click(chromedp.CSS("#new-segment button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#segment-list")))
	if got := text(t, ctx, "#segment-list"); !strings.Contains(got, "Club members who agreed") {
		t.Fatalf("segments: %q", got)
	}

	do(t, ctx, "design an email",
		chromedp.Click(chromedp.CSS("#templates-h + ul + details summary")),
		chromedp.SendKeys(chromedp.CSS("#t-name"), "Club news"),
		chromedp.SendKeys(chromedp.CSS("#t-subject"), "News for {{first_name}}"),
		chromedp.SetValue(chromedp.CSS("#t-design"), "# Club news\nHello {{first_name}}, the club meets on Friday.\n[button See the programme | https://shop.example/club]"),
		chromedp.Click(chromedp.CSS("form[action='/marketing/templates'] button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("[data-test-template]")))
	do(t, ctx, "send a test", chromedp.Click(chromedp.CSS("[data-test-template]")))
	waitJS(t, ctx, "the test is sent", `(document.querySelector(".flash")||{textContent:""}).textContent.indexOf("Test email sent") === 0`)
	if got := outbox.To("admin@example.com"); len(got) != 1 || !strings.Contains(got[0].Data, "[Test] News for") ||
		!strings.Contains(got[0].Data, "See the programme") {
		t.Fatalf("test email: %v", got)
	}

	do(t, ctx, "save a campaign",
		chromedp.SendKeys(chromedp.CSS("#c-name"), "Club Friday"),
		chromedp.Click(chromedp.CSS("#new-campaign button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#campaign-list")))
	do(t, ctx, "launch it", chromedp.Click(chromedp.CSS(`#campaign-list form[action$="/send"] button`)))
	waitJS(t, ctx, "the campaign is launched", `(document.querySelector(".flash")||{textContent:""}).textContent.indexOf("Campaign send") === 0`)
	if n, err := h.App.Marketing.SendDue(context.Background()); n != 2 || err != nil {
		t.Fatalf("sent %d (%v)", n, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		do(t, ctx, "see the figures", chromedp.Navigate(h.Server.URL+"/marketing"), chromedp.WaitVisible(chromedp.CSS("#campaign-list")))
		got := text(t, ctx, "#campaign-list")
		if strings.Contains(got, "Club Friday") && strings.Contains(got, "sent") && strings.Contains(got, "\t2\t2\t") {
			break
		}
		if time.Now().After(deadline) {
			shot(t, ctx, "campaigns")
			t.Fatalf("campaign row: %q", got)
		}
		time.Sleep(200 * time.Millisecond)
	}
	shot(t, ctx, "marketing")
	if got := outbox.To("rui@example.pt"); len(got) != 0 {
		t.Fatalf("a customer without consent got the campaign")
	}
}
