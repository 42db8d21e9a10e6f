package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/mail/mailtest"
	"github.com/scrms/scrms/internal/store"
)

// inWidget runs script with w bound to the chat widget's shadow root.
func inWidget(script string) string {
	return `(function(){var w=document.getElementById("scrms-chat").shadowRoot;` + script + `})()`
}

// waitJS waits until a script in the page returns true.
func waitJS(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr)); err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			shot(t, ctx, "timeout")
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func eval(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](expr)); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// A visitor on the business's own site (another origin) chats through the
// embedded widget; the agent answers in the agent view, each sees the other
// typing and the other's lines without reloading; the agent makes a case
// of the chat; once the case is resolved the customer answers the CSAT
// survey on its public page.
func TestBrowserLiveChatToCaseAndCSAT(t *testing.T) {
	outbox := mailtest.Start(t)
	h := apptest.New(t, store.SQLite, func(env map[string]string) {
		env["SCRMS_SMTP_URL"] = outbox.URL()
		env["SCRMS_MAIL_FROM"] = "Shop Support <help@shop.example>"
	})
	r := h.Do("POST", "/queues", h.AdminToken, map[string]any{"name": "Support",
		"members": []map[string]any{{"user_id": h.Admin.ID}}})
	if r.Status != http.StatusCreated {
		t.Fatalf("queue: %s", r.Raw)
	}
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Kettles</title></head>`+
			`<body><h1>Kettles</h1><p>Our blue kettle.</p>`+
			`<script src="%s/chat/widget.js" data-queue="Support" async></script></body></html>`, h.Server.URL)
	}))
	defer shop.Close()

	visitor := browser(t)
	do(t, visitor, "open the shop", chromedp.Navigate(shop.URL), chromedp.WaitVisible(chromedp.CSS("h1")))
	waitJS(t, visitor, "the widget's button", `!!document.getElementById("scrms-chat")`)
	eval(t, visitor, "open the widget", inWidget(`w.querySelector(".btn").click()`))
	waitJS(t, visitor, "the widget says an agent is there",
		inWidget(`return w.querySelector(".intro").textContent.indexOf("An agent will answer") >= 0`))
	eval(t, visitor, "start a chat", inWidget(`var f=w.querySelector(".start");`+
		`f.name.value="Lena Ortiz";f.email.value="lena@example.org";`+
		`f.message.value="Does the blue kettle come with a warranty?";f.requestSubmit()`))
	waitJS(t, visitor, "the conversation view", inWidget(`return !w.querySelector(".talk").hidden &&
		w.querySelector(".log").textContent.indexOf("blue kettle") >= 0`))
	shot(t, visitor, "visitor-started")

	agent := signedIn(t, h.Server.URL)
	do(t, agent, "the agent sees the chat offered",
		chromedp.Navigate(h.Server.URL+"/chats"),
		chromedp.WaitVisible(chromedp.CSS("#chat-list")))
	if got := text(t, agent, "#chat-list"); !strings.Contains(got, "Lena Ortiz") || !strings.Contains(got, "offered to you") {
		t.Fatalf("chat list: %q", got)
	}
	do(t, agent, "open the chat",
		chromedp.Click(chromedp.CSS(`#chat-list a`)),
		chromedp.WaitVisible(chromedp.CSS("#chat-body")))
	waitJS(t, agent, "the visitor's question", `document.getElementById("chat-log").textContent.indexOf("warranty") >= 0`)

	eval(t, visitor, "the visitor types", inWidget(`var ta=w.querySelector(".say textarea");ta.value="Also";`+
		`ta.dispatchEvent(new Event("input"))`))
	waitJS(t, agent, "the agent sees the visitor typing",
		`document.getElementById("chat-typing").textContent.indexOf("Lena Ortiz is typing") >= 0`)

	do(t, agent, "the agent answers",
		chromedp.SendKeys(chromedp.CSS("#chat-body"), "Yes: two years, parts and labour."),
		chromedp.Click(chromedp.CSS("#chat-reply button[type=submit]")))
	waitJS(t, visitor, "the visitor reads the answer",
		inWidget(`return w.querySelector(".log").textContent.indexOf("two years, parts and labour") >= 0`))
	waitJS(t, agent, "the answer shows in the agent view once",
		`document.querySelectorAll("#chat-log .chat-agent").length === 1 && document.getElementById("chat-body").value === ""`)

	do(t, agent, "the agent types", chromedp.SendKeys(chromedp.CSS("#chat-body"), "Anything"))
	waitJS(t, visitor, "the visitor sees the agent typing",
		inWidget(`return w.querySelector(".typing").textContent.indexOf("is typing") >= 0`))
	eval(t, visitor, "the visitor answers", inWidget(`var f=w.querySelector(".say");`+
		`f.querySelector("textarea").value="Great, thank you!";f.requestSubmit()`))
	waitJS(t, agent, "the agent reads it", `document.getElementById("chat-log").textContent.indexOf("Great, thank you!") >= 0`)
	shot(t, visitor, "visitor-chat")
	shot(t, agent, "agent-chat")

	do(t, agent, "make a case of the chat",
		chromedp.Click(chromedp.CSS("#chat-to-case")),
		chromedp.WaitVisible(chromedp.CSS("#reply-body")))
	loc, err := chromedp.Run(agent, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`/cases/(\d+)$`).FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("after making a case the agent is at %s", loc)
	}
	caseID, _ := strconv.ParseInt(m[1], 10, 64)
	if got := text(t, agent, "#main"); !strings.Contains(got, "blue kettle") || !strings.Contains(got, "two years, parts and labour") {
		t.Fatalf("the case lacks the transcript: %q", got)
	}

	r = h.Do("PATCH", fmt.Sprintf("/cases/%d", caseID), h.AdminToken, map[string]any{"status": "resolved",
		"resolution_code": "answered"})
	if r.Status != http.StatusOK {
		t.Fatalf("resolve: %s", r.Raw)
	}
	msgs, err := h.App.Store.CaseMessages(context.Background(), caseID)
	if err != nil {
		t.Fatal(err)
	}
	var link string
	for _, msg := range msgs {
		if l := regexp.MustCompile(`/s/[0-9a-f]{32}\?score=4`).FindString(msg.Body); l != "" {
			link = h.Server.URL + l
		}
	}
	if link == "" {
		t.Fatalf("no CSAT survey on the resolved case")
	}
	do(t, visitor, "open the survey link from the email",
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS("#survey-thanks")),
		chromedp.SendKeys(chromedp.CSS("#survey-comment"), "Quick and friendly."),
		chromedp.Click(chromedp.CSS(`input[name=score][value="5"]`)),
		chromedp.Click(chromedp.CSS("#survey-send")))
	waitJS(t, visitor, "the survey page thanks for the new score",
		`(document.getElementById("survey-thanks")||{}).textContent.indexOf("5 of 5") >= 0`)
	token := regexp.MustCompile(`/s/([0-9a-f]{32})`).FindStringSubmatch(link)[1]
	sv, err := h.App.Store.SurveyByToken(context.Background(), token)
	if err != nil || sv.Score != 5 || sv.Comment != "Quick and friendly." {
		t.Fatalf("survey stored as %+v (%v)", sv, err)
	}
}
