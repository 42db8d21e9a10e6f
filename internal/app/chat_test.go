package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/store"
)

// widgetPost calls the chat widget's API the way a browser on another site
// does: JSON, with cross-site fetch metadata.
func widgetPost(t *testing.T, h *apptest.Harness, path string, body any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", h.Server.URL+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "https://shop.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if got := res.Header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Fatalf("%s: CORS header %q", path, got)
	}
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

// sse reads server-sent events from a stream into a channel.
type sse struct {
	events chan [2]string // event name, data
	cancel func()
	seen   [][2]string // received and not yet matched, in order
}

func openSSE(t *testing.T, c *http.Client, u string) *sse {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("GET %s: %d %s", u, res.StatusCode, res.Header.Get("Content-Type"))
	}
	s := &sse{events: make(chan [2]string, 100), cancel: func() { cancel(); res.Body.Close() }}
	go func() {
		sc := bufio.NewScanner(res.Body)
		name, data := "", ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				data = strings.TrimPrefix(line, "data: ")
			case line == "" && name != "":
				s.events <- [2]string{name, data}
				name, data = "", ""
			}
		}
		close(s.events)
	}()
	t.Cleanup(s.cancel)
	return s
}

// next waits for an event of the name whose data contains want; events
// that arrived earlier and were not matched yet count too, since two
// changes made together can reach the stream in either order.
func (s *sse) next(t *testing.T, name, want string) string {
	t.Helper()
	match := func(ev [2]string) bool { return ev[0] == name && strings.Contains(ev[1], want) }
	for i, ev := range s.seen {
		if match(ev) {
			s.seen = append(s.seen[:i], s.seen[i+1:]...)
			return ev[1]
		}
	}
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				t.Fatalf("stream ended waiting for %s %q", name, want)
			}
			if match(ev) {
				return ev[1]
			}
			s.seen = append(s.seen, ev)
		case <-timeout:
			t.Fatalf("timed out waiting for %s %q", name, want)
		}
	}
}

// A visitor chats through the widget's API: the chat is offered to the
// available agent, lines and typing flow both ways in real time, a wrong
// secret sees nothing, the ended chat's transcript lands on the customer's
// timeline once, and it becomes a case (once).
func TestLiveChatWidgetToAgentToCase(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		agent, _ := h.User("agent@shop.example", auth.RoleService, 0)
		r := h.Do("POST", "/queues", h.AdminToken, map[string]any{"name": "Support", "members": []map[string]any{{"user_id": agent.ID}}})
		wantStatus(t, r, http.StatusCreated)
		queue := r.ID()

		res, err := http.Get(h.Server.URL + "/chat/widget.js")
		if err != nil || res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") {
			t.Fatalf("widget script: %v %v", err, res)
		}
		res.Body.Close()
		if _, body, _ := get(t, http.DefaultClient, h.Server.URL+"/chat/api/status?queue=Support"); !strings.Contains(body, `"online":true`) {
			t.Fatalf("status with an available agent: %s", body)
		}
		status, out := widgetPost(t, h, "/chat/api/chats", map[string]any{"name": "Lena Ortiz", "email": "lena@example.org",
			"message": "Hi, does the blue kettle come with a warranty?", "page": "https://shop.example/kettles", "queue": "Support"})
		if status != http.StatusCreated {
			t.Fatalf("start chat: %d %v", status, out)
		}
		chatID, token := int64(out["id"].(float64)), out["token"].(string)
		if bad, _ := widgetPost(t, h, "/chat/api/chats", map[string]any{"name": "", "email": "nope", "message": ""}); bad != http.StatusUnprocessableEntity {
			t.Fatalf("a start without name, email or message: %d", bad)
		}

		visitor := openSSE(t, http.DefaultClient, fmt.Sprintf("%s/chat/api/chats/%d/events?token=%s", h.Server.URL, chatID, url.QueryEscape(token)))
		visitor.next(t, "line", "blue kettle")
		if st, _, _ := get(t, http.DefaultClient, fmt.Sprintf("%s/chat/api/chats/%d/events?token=wrong", h.Server.URL, chatID)); st != http.StatusNotFound {
			t.Fatalf("events with a wrong secret: %d", st)
		}
		if st, _ := widgetPost(t, h, fmt.Sprintf("/chat/api/chats/%d/messages", chatID), map[string]any{"token": "wrong", "body": "x"}); st != http.StatusNotFound {
			t.Fatalf("message with a wrong secret: %d", st)
		}

		web := signIn(t, h, "agent@shop.example", "long enough password")
		if _, body, _ := get(t, web, h.Server.URL+"/chats"); !strings.Contains(body, "Lena Ortiz") || !strings.Contains(body, "offered to you") {
			t.Fatalf("agent's chat list lacks the offered chat")
		}
		agentStream := openSSE(t, web, fmt.Sprintf("%s/chats/%d/events", h.Server.URL, chatID))
		agentStream.next(t, "line", "blue kettle")

		if st, _ := widgetPost(t, h, fmt.Sprintf("/chat/api/chats/%d/typing", chatID), map[string]any{"token": token}); st != 200 {
			t.Fatalf("typing: %d", st)
		}
		agentStream.next(t, "typing", `"visitor":true`)

		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/chats/%d/messages", h.Server.URL, chatID),
			strings.NewReader(url.Values{"body": {"Yes: two years, parts and labour."}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		ar, err := web.Do(req)
		if err != nil || ar.StatusCode != http.StatusCreated {
			t.Fatalf("agent answer: %v %v", err, ar)
		}
		ar.Body.Close()
		visitor.next(t, "status", `"status":"active"`)
		visitor.next(t, "line", "two years")

		if st, _ := widgetPost(t, h, fmt.Sprintf("/chat/api/chats/%d/messages", chatID), map[string]any{"token": token, "body": "Great, thanks!"}); st != http.StatusCreated {
			t.Fatalf("visitor message: %d", st)
		}
		agentStream.next(t, "line", "Great, thanks!")

		if st, _ := postForm(t, web, fmt.Sprintf("%s/chats/%d/end", h.Server.URL, chatID), nil); st != http.StatusSeeOther {
			t.Fatalf("end chat: %d", st)
		}
		visitor.next(t, "status", `"status":"ended"`)
		if st, _ := widgetPost(t, h, fmt.Sprintf("/chat/api/chats/%d/messages", chatID), map[string]any{"token": token, "body": "one more"}); st != http.StatusConflict {
			t.Fatalf("message after the end: %d", st)
		}
		if st, _ := widgetPost(t, h, fmt.Sprintf("/chat/api/chats/%d/end", chatID), map[string]any{"token": token}); st != 200 {
			t.Fatalf("visitor ends an ended chat: %d", st)
		}

		cust := h.Do("GET", "/customers?q="+url.QueryEscape("lena@example.org"), h.AdminToken, nil)
		items, _ := cust.JSON["items"].([]any)
		if len(items) != 1 {
			t.Fatalf("the visitor became %d customers: %s", len(items), cust.Raw)
		}
		customerID := int64(items[0].(map[string]any)["id"].(float64))
		tl := h.Do("GET", fmt.Sprintf("/customers/%d/timeline?kind=interaction", customerID), h.AdminToken, nil)
		if n := strings.Count(string(tl.Raw), "two years"); n != 1 {
			t.Fatalf("transcript on the timeline %d times: %s", n, tl.Raw)
		}

		for range 2 {
			if st, _ := postForm(t, web, fmt.Sprintf("%s/chats/%d/case", h.Server.URL, chatID), nil); st != http.StatusSeeOther {
				t.Fatalf("chat to case: %d", st)
			}
		}
		cases := h.Do("GET", fmt.Sprintf("/cases?customer_id=%d", customerID), h.AdminToken, nil)
		if len(cases.List) != 1 {
			t.Fatalf("chat became %d cases", len(cases.List))
		}
		c := cases.List[0].(map[string]any)
		if c["channel"] != "chat" || int64(c["queue_id"].(float64)) != queue || int64(c["assignee_id"].(float64)) != agent.ID {
			t.Fatalf("case from chat %v", c)
		}
		msgs := h.Do("GET", fmt.Sprintf("/cases/%d", int64(c["id"].(float64))), h.AdminToken, nil)
		if !strings.Contains(string(msgs.Raw), "Yes: two years") || !strings.Contains(string(msgs.Raw), "blue kettle") {
			t.Fatalf("case lacks the transcript: %s", msgs.Raw)
		}
	})
}

// With nobody available the widget offers "leave a message", which opens a
// case in the chat queue; starting a chat is refused with a clear message.
func TestLiveChatLeaveAMessageWhenNobodyIsAvailable(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	agent, agentTok := h.User("agent@shop.example", auth.RoleService, 0)
	r := h.Do("POST", "/queues", h.AdminToken, map[string]any{"name": "Support", "members": []map[string]any{{"user_id": agent.ID}}})
	wantStatus(t, r, http.StatusCreated)
	wantStatus(t, h.Do("PUT", "/agent-status", agentTok, map[string]any{"status": "away"}), http.StatusNoContent)

	if _, body, _ := get(t, http.DefaultClient, h.Server.URL+"/chat/api/status"); !strings.Contains(body, `"online":false`) {
		t.Fatalf("status with everyone away: %s", body)
	}
	start := map[string]any{"name": "Sam Reyes", "email": "sam@example.net", "message": "My order never arrived.\nOrder 5512."}
	status, out := widgetPost(t, h, "/chat/api/chats", start)
	if status != http.StatusConflict || !strings.Contains(out["error"].(string), "leave a message") {
		t.Fatalf("start with nobody available: %d %v", status, out)
	}
	status, out = widgetPost(t, h, "/chat/api/messages", start)
	if status != http.StatusCreated {
		t.Fatalf("leave a message: %d %v", status, out)
	}
	c := h.Do("GET", fmt.Sprintf("/cases/%d", int64(out["case_id"].(float64))), h.AdminToken, nil)
	wantStatus(t, c, http.StatusOK)
	if c.JSON["channel"] != "chat" || !strings.Contains(c.JSON["subject"].(string), "My order never arrived.") ||
		int64(c.JSON["queue_id"].(float64)) != r.ID() {
		t.Fatalf("left message case %v", c.JSON)
	}
}

// Event streams for signed-in users refuse pages of other sites, which the
// session cookie would otherwise let listen in.
func TestAgentEventStreamsRefuseOtherOrigins(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	web := signIn(t, h, "admin@example.com", "correct horse battery")
	for _, path := range []string{"/chats/events", "/pipelines/1/events"} {
		req, _ := http.NewRequest("GET", h.Server.URL+path, nil)
		req.Header.Set("Origin", "https://evil.example")
		res, err := web.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("%s from another origin: %d", path, res.StatusCode)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", h.Server.URL+"/chats/events", nil)
	req.Header.Set("Origin", h.Server.URL)
	res, err := web.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("same origin: %d", res.StatusCode)
	}
}
