package web

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/support"
)

//go:embed widget/chat.js
var widgetJS []byte

var widgetETag = func() string {
	sum := sha256.Sum256(widgetJS)
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}()

// chatWidget serves the embeddable script. Its address never changes, so
// it is cached briefly and revalidated by its ETag.
func (s *site) chatWidget(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("ETag", widgetETag)
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if r.Header.Get("If-None-Match") == widgetETag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	_, _ = w.Write(widgetJS)
}

// chatAPI wraps the widget's endpoints: they are called from the
// business's own sites, so they answer any origin (the visitor's secret,
// not a cookie, is the credential), and they answer JSON.
func (s *site) chatAPI(h func(w http.ResponseWriter, r *http.Request) (int, any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Vary", "Origin")
		if r.Method == http.MethodOptions {
			w.Header().Set("Access-Control-Allow-Methods", "GET, POST")
			w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
			w.Header().Set("Access-Control-Max-Age", "86400")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		status, body, err := h(w, r)
		if err != nil {
			code := fault.CodeOf(err)
			st, ok := statusOf[code]
			msg := "Something went wrong on our side; please try again."
			if !ok {
				st = http.StatusInternalServerError
				s.Log.Error("chat: "+r.Method+" "+r.URL.Path, "err", err, "request_id", s.RequestID(r))
			} else if e, isFault := fault.As(err); isFault {
				msg = e.Message
				for _, f := range e.Fields {
					msg += " " + f.Field + ": " + f.Message + "."
				}
			}
			status, body = st, map[string]any{"error": msg}
		}
		if status == 0 {
			return // a stream
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(body)
	})
}

// readJSON decodes a small JSON body into v.
func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 32<<10))
	if err != nil {
		return fault.New(fault.Invalid, "The request is too large.")
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fault.New(fault.Invalid, "The request is not the JSON object expected.")
	}
	return nil
}

type chatStartJSON struct {
	Name    string `json:"name"`
	Email   string `json:"email"`
	Message string `json:"message"`
	Page    string `json:"page"`
	Queue   string `json:"queue"`
}

func (j chatStartJSON) start() support.ChatStart {
	return support.ChatStart{Name: j.Name, Email: j.Email, Message: j.Message, Page: j.Page, Queue: j.Queue}
}

func (s *site) limited(r *http.Request) error {
	if !s.publicLimit.Allow(clientIP(r), time.Now()) {
		return fault.New(fault.TooManyRequests, "Too many requests from your address; please try again in a minute.")
	}
	return nil
}

func (s *site) chatStatus(w http.ResponseWriter, r *http.Request) (int, any, error) {
	online, err := s.Support.ChatOnline(r.Context(), r.URL.Query().Get("queue"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"online": online}, nil
}

func (s *site) chatStart(w http.ResponseWriter, r *http.Request) (int, any, error) {
	if err := s.limited(r); err != nil {
		return 0, nil, err
	}
	var in chatStartJSON
	if err := readJSON(w, r, &in); err != nil {
		return 0, nil, err
	}
	c, token, err := s.Support.StartChat(r.Context(), in.start())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, map[string]any{"id": c.ID, "token": token, "status": c.Status}, nil
}

func (s *site) chatLeaveMessage(w http.ResponseWriter, r *http.Request) (int, any, error) {
	if err := s.limited(r); err != nil {
		return 0, nil, err
	}
	var in chatStartJSON
	if err := readJSON(w, r, &in); err != nil {
		return 0, nil, err
	}
	c, err := s.Support.LeaveMessage(r.Context(), in.start())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, map[string]any{"case_id": c.ID}, nil
}

type chatLineJSON struct {
	ID     int64  `json:"id"`
	Author string `json:"author"`
	Name   string `json:"name"`
	Body   string `json:"body"`
	At     string `json:"at"`
}

func lineJSON(l support.ChatLine) chatLineJSON {
	return chatLineJSON{ID: l.ID, Author: l.Author, Name: l.Name, Body: l.Body, At: l.CreatedAt.Format(time.RFC3339)}
}

type visitorJSON struct {
	Token string `json:"token"`
	Body  string `json:"body"`
}

func (s *site) chatSay(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	var in visitorJSON
	if err := readJSON(w, r, &in); err != nil {
		return 0, nil, err
	}
	l, err := s.Support.VisitorSay(r.Context(), id, in.Token, in.Body)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, lineJSON(l), nil
}

func (s *site) chatVisitorTyping(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	var in visitorJSON
	if err := readJSON(w, r, &in); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"ok": true}, s.Support.VisitorTyping(r.Context(), id, in.Token)
}

func (s *site) chatVisitorEnd(w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	var in visitorJSON
	if err := readJSON(w, r, &in); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"ok": true}, s.Support.VisitorEnd(r.Context(), id, in.Token)
}

// chatStream writes a chat as server-sent events: each new line ("line"),
// whether the other side is typing ("typing"), and the chat's status
// ("status"). It wakes on changes in this process and looks every two
// seconds for changes made through another instance.
func (s *site) chatStream(w http.ResponseWriter, r *http.Request, after int64, other string,
	read func(after int64) (support.Chat, []support.ChatLine, error)) {
	c, lines, err := read(after)
	if err != nil {
		http.Error(w, "This chat was not found.", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	wake, stop := s.Support.Chats.Subscribe(c.ID)
	defer stop()
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	status, typing := "", false
	for {
		for _, l := range lines {
			b, _ := json.Marshal(lineJSON(l))
			fmt.Fprintf(w, "id: %d\nevent: line\ndata: %s\n\n", l.ID, b)
			after = l.ID
		}
		if st := c.Status + "/" + c.AgentName + "/" + strconv.FormatInt(c.CaseID, 10); st != status {
			status = st
			b, _ := json.Marshal(map[string]any{"status": c.Status, "agent": c.AgentName, "case_id": c.CaseID})
			fmt.Fprintf(w, "event: status\ndata: %s\n\n", b)
		}
		if t := s.Support.Chats.Typing(c.ID, other, time.Now()); t != typing {
			typing = t
			name := c.Name
			if other == support.ChatAgent {
				name = c.AgentName
			}
			b, _ := json.Marshal(map[string]any{other: t, "name": name})
			fmt.Fprintf(w, "event: typing\ndata: %s\n\n", b)
		}
		if len(lines) == 0 {
			fmt.Fprint(w, ": still here\n\n")
		}
		if err := rc.Flush(); err != nil {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-wake:
		case <-tick.C:
		}
		if c, lines, err = read(after); err != nil {
			return
		}
	}
}

func (s *site) chatVisitorEvents(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	id, err := pathID(r, "id")
	if err != nil {
		http.Error(w, "Not found.", http.StatusNotFound)
		return
	}
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		after, _ = strconv.ParseInt(id, 10, 64)
	}
	token := r.URL.Query().Get("token")
	s.chatStream(w, r, after, support.ChatAgent, func(after int64) (support.Chat, []support.ChatLine, error) {
		return s.Support.VisitorLines(r.Context(), id, token, after)
	})
}

// chatRoutes adds the widget's public endpoints.
func (s *site) chatRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /chat/widget.js", s.chatWidget)
	mux.Handle("GET /chat/api/status", s.chatAPI(s.chatStatus))
	mux.Handle("POST /chat/api/chats", s.chatAPI(s.chatStart))
	mux.Handle("POST /chat/api/messages", s.chatAPI(s.chatLeaveMessage))
	mux.Handle("POST /chat/api/chats/{id}/messages", s.chatAPI(s.chatSay))
	mux.Handle("POST /chat/api/chats/{id}/typing", s.chatAPI(s.chatVisitorTyping))
	mux.Handle("POST /chat/api/chats/{id}/end", s.chatAPI(s.chatVisitorEnd))
	mux.Handle("OPTIONS /chat/api/", s.chatAPI(nil))
	mux.HandleFunc("GET /chat/api/chats/{id}/events", s.chatVisitorEvents)
}
