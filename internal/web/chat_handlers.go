package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/support"
)

// ChatsPage lists the live chats for agents.
type ChatsPage struct {
	Base
	Chats       []support.Chat
	AgentStatus string
	PublicBase  string
}

// ChatPage is one live chat as an agent works it.
type ChatPage struct {
	Base
	Chat  support.Chat
	Lines []support.ChatLine
	Last  int64
}

func (s *site) chatsPage(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	chats, err := s.Support.OpenChats(r.Context(), a)
	if err != nil {
		return err
	}
	p := ChatsPage{Base: s.pageBase(w, r, a, "Live chats", "service"), Chats: chats,
		AgentStatus: s.Support.AgentStatus(r.Context(), a), PublicBase: strings.TrimRight(s.BaseURL, "/")}
	p.Help = "chat"
	return render(w, r, http.StatusOK, chatsPage(p))
}

// chatLobbyEvents tells the chats page that something changed, so that it
// redraws; it also ticks every few seconds for other instances' chats.
func (s *site) chatLobbyEvents(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	if foreignOrigin(r) {
		return fault.New(fault.Forbidden, "Event streams are for SCRMS's own pages.")
	}
	if err := a.Require(auth.CaseWrite); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	wake, stop := s.Support.Chats.Subscribe(0)
	defer stop()
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	seen := ""
	for {
		chats, err := s.Support.OpenChats(r.Context(), a)
		if err != nil {
			return nil
		}
		state := ""
		for _, c := range chats {
			state += fmt.Sprintf("%d:%s:%d:%s;", c.ID, c.Status, c.AgentID, c.UpdatedAt.Format(time.RFC3339Nano))
		}
		if seen != "" && state != seen {
			fmt.Fprint(w, "event: changed\ndata: {}\n\n")
		} else {
			fmt.Fprint(w, ": still here\n\n")
		}
		seen = state
		if err := rc.Flush(); err != nil {
			return nil
		}
		select {
		case <-r.Context().Done():
			return nil
		case <-wake:
		case <-tick.C:
		}
	}
}

func (s *site) chatPage(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, lines, err := s.Support.AgentChat(r.Context(), a, id, 0)
	if err != nil {
		return err
	}
	p := ChatPage{Base: s.pageBase(w, r, a, "Chat with "+c.Name, "service"), Chat: c, Lines: lines}
	p.Help = "chat"
	if len(lines) > 0 {
		p.Last = lines[len(lines)-1].ID
	}
	return render(w, r, http.StatusOK, chatPage(p))
}

func (s *site) chatAgentEvents(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	if foreignOrigin(r) {
		return fault.New(fault.Forbidden, "Event streams are for SCRMS's own pages.")
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		after, _ = strconv.ParseInt(id, 10, 64)
	}
	s.chatStream(w, r, after, support.ChatVisitor, func(after int64) (support.Chat, []support.ChatLine, error) {
		return s.Support.AgentChat(r.Context(), a, id, after)
	})
	return nil
}

// chatReply answers in a chat: JSON for the page's script, a redirect for
// a plain form post.
func (s *site) chatReply(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	l, err := s.Support.AgentSay(r.Context(), a, id, r.FormValue("body"))
	if r.Header.Get("Accept") == "application/json" {
		return s.chatJSON(w, a, l, err)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, fmt.Sprintf("/chats/%d", id), "")
}

func (s *site) chatJSON(w http.ResponseWriter, a auth.Actor, l support.ChatLine, err error) error {
	if err != nil {
		_, msg := fieldErrors(err)
		if msg == "" {
			return err
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusConflict)
		_, _ = fmt.Fprintf(w, "{\"error\":%q}", msg)
		return nil
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = fmt.Fprintf(w, "{\"id\":%d}", l.ID)
	return nil
}

func (s *site) chatAgentTyping(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Support.AgentTyping(r.Context(), a, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *site) chatAccept(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.Support.AcceptChat(r.Context(), a, id); err != nil {
		if _, msg := fieldErrors(err); msg != "" {
			return s.redirect(w, r, "/chats", msg)
		}
		return err
	}
	return s.redirect(w, r, fmt.Sprintf("/chats/%d", id), "")
}

func (s *site) chatEnd(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Support.EndChat(r.Context(), a, id); err != nil {
		return err
	}
	return s.redirect(w, r, fmt.Sprintf("/chats/%d", id), "The chat has ended; its transcript is on the customer's timeline.")
}

func (s *site) chatCase(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.Support.ChatToCase(r.Context(), a, id)
	if err != nil {
		return err
	}
	return s.redirect(w, r, fmt.Sprintf("/cases/%d", c.ID), fmt.Sprintf("Case %d opened from the chat.", c.ID))
}

// chatAgentRoutes adds the agents' chat screens.
func (s *site) chatAgentRoutes(mux *http.ServeMux) {
	mux.Handle("GET /chats", s.user(s.chatsPage))
	mux.Handle("GET /chats/events", s.user(s.chatLobbyEvents))
	mux.Handle("GET /chats/{id}", s.user(s.chatPage))
	mux.Handle("GET /chats/{id}/events", s.user(s.chatAgentEvents))
	mux.Handle("POST /chats/{id}/messages", s.user(s.chatReply))
	mux.Handle("POST /chats/{id}/typing", s.user(s.chatAgentTyping))
	mux.Handle("POST /chats/{id}/accept", s.user(s.chatAccept))
	mux.Handle("POST /chats/{id}/end", s.user(s.chatEnd))
	mux.Handle("POST /chats/{id}/case", s.user(s.chatCase))
}
