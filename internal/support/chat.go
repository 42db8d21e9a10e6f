package support

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/hub"
)

// Chat statuses: waiting for an agent's first answer, talking, over.
const (
	ChatWaiting = "waiting"
	ChatActive  = "active"
	ChatEnded   = "ended"
)

// Authors of chat lines.
const (
	ChatVisitor = "visitor"
	ChatAgent   = "agent"
	ChatSystem  = "system"
)

// Chat is a live conversation a website visitor started with the widget.
type Chat struct {
	ID            int64
	TokenHash     string // the visitor's secret, hashed
	Name          string
	Email         string
	CustomerID    int64
	QueueID       int64
	AgentID       int64
	AgentName     string
	Status        string
	Page          string // the page the visitor was on
	CaseID        int64  // the case the transcript became
	InteractionID int64  // the transcript on the customer's timeline
	CreatedAt     time.Time
	AcceptedAt    time.Time
	EndedAt       time.Time
	UpdatedAt     time.Time
}

// ChatLine is one message of a chat.
type ChatLine struct {
	ID        int64
	ChatID    int64
	Author    string // visitor, agent, system
	UserID    int64
	Name      string
	Body      string
	CreatedAt time.Time
}

// ChatStore keeps chats.
type ChatStore interface {
	CreateChat(ctx context.Context, c Chat, first ChatLine) (Chat, error)
	FindChat(ctx context.Context, id int64) (Chat, error)
	// AddChatLine stores a line, unless the chat has ended (Conflict).
	AddChatLine(ctx context.Context, l ChatLine) (ChatLine, error)
	ChatLines(ctx context.Context, chatID, afterID int64) ([]ChatLine, error)
	// AcceptChat gives a waiting chat to an agent; false when it is no
	// longer waiting or belongs to another agent.
	AcceptChat(ctx context.Context, id, agentID int64, at time.Time) (bool, error)
	// EndChat ends a chat; false when it had ended already.
	EndChat(ctx context.Context, id int64, at time.Time) (bool, error)
	SetChatCase(ctx context.Context, id, caseID int64) error
	SetChatInteraction(ctx context.Context, id, interactionID int64) error
	// OpenChats are the chats not ended, oldest first.
	OpenChats(ctx context.Context) ([]Chat, error)
}

// ChatStart is what a visitor gives to start a chat or leave a message.
type ChatStart struct {
	Name    string
	Email   string
	Message string
	Page    string
	Queue   string // the queue's name; empty for the chat queue in settings
}

func (in ChatStart) clean() (ChatStart, error) {
	var f fault.Fields
	in.Name, in.Email = strings.TrimSpace(in.Name), strings.ToLower(strings.TrimSpace(in.Email))
	in.Message, in.Page = strings.TrimSpace(in.Message), strings.TrimSpace(in.Page)
	if in.Name == "" || len(in.Name) > 100 {
		f.Add("name", "must be 1 to 100 characters")
	}
	if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
		f.Add("email", "must be an email address like you@example.com")
	}
	if in.Message == "" || len(in.Message) > maxChatLine {
		f.Add("message", "must be 1 to %d characters", maxChatLine)
	}
	if len(in.Page) > 500 {
		in.Page = in.Page[:500]
	}
	return in, f.Err()
}

const maxChatLine = 4000

// ChatHub wakes the listeners of chats when something happens to them, and
// holds who is typing (which is never stored). Key 0 is the agents' lobby.
type ChatHub struct {
	hub    *hub.Hub
	typing typingState
}

// NewChatHub returns an empty hub.
func NewChatHub() *ChatHub { return &ChatHub{hub: hub.New()} }

// Subscribe returns a channel woken when the chat (or, for 0, any chat)
// changes, and the function that ends the subscription.
func (h *ChatHub) Subscribe(chatID int64) (<-chan struct{}, func()) { return h.hub.Subscribe(chatID) }

func (h *ChatHub) publish(chatID int64) {
	h.hub.Publish(chatID)
	h.hub.Publish(0)
}

// Typing reports whether the author (visitor or agent) of the chat typed in
// the last few seconds.
func (h *ChatHub) Typing(chatID int64, author string, now time.Time) bool {
	return h.typing.active(chatID, author, now)
}

func (s *Service) chatHub() *ChatHub { return s.Chats }

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// chatQueue finds the queue a widget's chats go to: by name, else the one
// set in chat_queue, else the first queue.
func (s *Service) chatQueue(ctx context.Context, name string) (Queue, error) {
	qs, err := s.store.Queues(ctx)
	if err != nil {
		return Queue{}, err
	}
	if name == "" {
		name, _ = s.store.Setting(ctx, "chat_queue")
	}
	for _, q := range qs {
		if name == "" || strings.EqualFold(q.Name, name) {
			return q, nil
		}
	}
	return Queue{}, fault.Field("queue", "no chat queue called %q", name)
}

// ChatOnline reports whether an agent of the queue can take a chat now.
func (s *Service) ChatOnline(ctx context.Context, queue string) (bool, error) {
	q, err := s.chatQueue(ctx, queue)
	if err != nil {
		return false, err
	}
	id, err := s.chooseAgent(ctx, q.ID, Case{Channel: "chat"})
	return id != 0, err
}

// StartChat opens a chat for a visitor and offers it to an available agent
// of the queue. It returns the chat and the visitor's secret; when nobody
// can take it, a Conflict tells the visitor to leave a message instead.
func (s *Service) StartChat(ctx context.Context, in ChatStart) (Chat, string, error) {
	in, err := in.clean()
	if err != nil {
		return Chat{}, "", err
	}
	q, err := s.chatQueue(ctx, in.Queue)
	if err != nil {
		return Chat{}, "", err
	}
	agent, err := s.pickAgent(ctx, q.ID, Case{Channel: "chat"})
	if err != nil {
		return Chat{}, "", err
	}
	if agent == 0 {
		return Chat{}, "", fault.New(fault.Conflict, "Nobody is available to chat right now; please leave a message.")
	}
	customerID, err := s.matchSender(ctx, auth.System("chat"), in.Name, in.Email)
	if err != nil {
		return Chat{}, "", err
	}
	token := newToken()
	now := s.at()
	c, err := s.store.CreateChat(ctx, Chat{TokenHash: hashToken(token), Name: in.Name, Email: in.Email,
		CustomerID: customerID, QueueID: q.ID, AgentID: agent, Status: ChatWaiting, Page: in.Page, CreatedAt: now,
		UpdatedAt: now}, ChatLine{Author: ChatVisitor, Name: in.Name, Body: in.Message, CreatedAt: now})
	if err != nil {
		return Chat{}, "", err
	}
	if s.notify != nil {
		_ = s.notify.ToUsers(ctx, []int64{agent}, "chat_offered", "Chat from "+in.Name+": "+clip(in.Message, 80), "",
			fmt.Sprintf("/chats/%d", c.ID))
	}
	s.chatHub().publish(c.ID)
	return c, token, nil
}

// LeaveMessage turns what a visitor wrote while nobody could chat into a
// case of the chat queue.
func (s *Service) LeaveMessage(ctx context.Context, in ChatStart) (Case, error) {
	in, err := in.clean()
	if err != nil {
		return Case{}, err
	}
	q, err := s.chatQueue(ctx, in.Queue)
	if err != nil {
		return Case{}, err
	}
	sys := auth.System("chat")
	customerID, err := s.matchSender(ctx, sys, in.Name, in.Email)
	if err != nil {
		return Case{}, err
	}
	body := in.Message
	if in.Page != "" {
		body += "\n\n(left on " + in.Page + ")"
	}
	c := Case{Subject: "Message from " + in.Name + ": " + clip(firstLine(in.Message), 120), Type: s.defaultType(ctx),
		Priority: "normal", Status: StatusNew, Channel: "chat", CustomerID: customerID, QueueID: q.ID}
	return s.open(ctx, sys, c, &Message{Kind: MsgChat, Inbound: true, From: in.Email, Body: body})
}

// VisitorChat returns the visitor's chat after checking their secret.
func (s *Service) VisitorChat(ctx context.Context, id int64, token string) (Chat, error) {
	c, err := s.store.FindChat(ctx, id)
	if err != nil || subtle.ConstantTimeCompare([]byte(c.TokenHash), []byte(hashToken(token))) != 1 {
		return Chat{}, fault.New(fault.NotFound, "This chat was not found.")
	}
	return c, nil
}

// VisitorSay adds the visitor's message to their chat.
func (s *Service) VisitorSay(ctx context.Context, id int64, token, body string) (ChatLine, error) {
	c, err := s.VisitorChat(ctx, id, token)
	if err != nil {
		return ChatLine{}, err
	}
	return s.say(ctx, c, ChatLine{Author: ChatVisitor, Name: c.Name, Body: body})
}

// VisitorTyping records that the visitor is typing.
func (s *Service) VisitorTyping(ctx context.Context, id int64, token string) error {
	if _, err := s.VisitorChat(ctx, id, token); err != nil {
		return err
	}
	s.chatHub().typing.mark(id, ChatVisitor, s.now())
	s.chatHub().hub.Publish(id)
	return nil
}

// VisitorEnd ends the visitor's chat.
func (s *Service) VisitorEnd(ctx context.Context, id int64, token string) error {
	c, err := s.VisitorChat(ctx, id, token)
	if err != nil {
		return err
	}
	return s.endChat(ctx, c, c.Name+" left the chat.")
}

// VisitorLines returns the lines of the visitor's chat after a line id.
func (s *Service) VisitorLines(ctx context.Context, id int64, token string, after int64) (Chat, []ChatLine, error) {
	c, err := s.VisitorChat(ctx, id, token)
	if err != nil {
		return Chat{}, nil, err
	}
	lines, err := s.store.ChatLines(ctx, id, after)
	return c, lines, err
}

func (s *Service) say(ctx context.Context, c Chat, l ChatLine) (ChatLine, error) {
	l.Body = strings.TrimSpace(l.Body)
	if l.Body == "" || len(l.Body) > maxChatLine {
		return ChatLine{}, fault.Field("body", "must be 1 to %d characters", maxChatLine)
	}
	if c.Status == ChatEnded {
		return ChatLine{}, fault.New(fault.Conflict, "This chat has ended.")
	}
	l.ChatID, l.CreatedAt = c.ID, s.at()
	out, err := s.store.AddChatLine(ctx, l)
	if err != nil {
		return ChatLine{}, err
	}
	s.chatHub().typing.clear(c.ID, l.Author)
	s.chatHub().publish(c.ID)
	return out, nil
}

// OpenChats lists the open chats an agent may answer: all of them for service
// roles (any agent may take a waiting chat).
func (s *Service) OpenChats(ctx context.Context, a auth.Actor) ([]Chat, error) {
	if err := a.Require(auth.CaseWrite); err != nil {
		return nil, err
	}
	return s.store.OpenChats(ctx)
}

// AgentChat returns a chat and its lines for an agent.
func (s *Service) AgentChat(ctx context.Context, a auth.Actor, id, after int64) (Chat, []ChatLine, error) {
	if err := a.Require(auth.CaseWrite); err != nil {
		return Chat{}, nil, err
	}
	c, err := s.store.FindChat(ctx, id)
	if err != nil {
		return Chat{}, nil, err
	}
	lines, err := s.store.ChatLines(ctx, id, after)
	if !a.Can(auth.CustomerPII) {
		c.Email = "(hidden)"
	}
	return c, lines, err
}

// AcceptChat takes a waiting chat: the agent it was offered to, or any
// other agent while it waits.
func (s *Service) AcceptChat(ctx context.Context, a auth.Actor, id int64) (Chat, error) {
	if err := a.Require(auth.CaseWrite); err != nil {
		return Chat{}, err
	}
	c, err := s.store.FindChat(ctx, id)
	if err != nil {
		return Chat{}, err
	}
	if c.Status == ChatActive && c.AgentID == a.UserID {
		return c, nil
	}
	ok, err := s.store.AcceptChat(ctx, id, a.UserID, s.at())
	if err != nil {
		return Chat{}, err
	}
	if !ok {
		return Chat{}, fault.New(fault.Conflict, "Another agent has taken this chat, or it has ended.")
	}
	if _, err := s.store.AddChatLine(ctx, ChatLine{ChatID: id, Author: ChatSystem, Body: a.Name + " joined the chat.",
		CreatedAt: s.at()}); err != nil {
		return Chat{}, err
	}
	s.chatHub().publish(id)
	return s.store.FindChat(ctx, id)
}

// AgentSay answers in a chat; the first answer accepts it.
func (s *Service) AgentSay(ctx context.Context, a auth.Actor, id int64, body string) (ChatLine, error) {
	c, err := s.AcceptChat(ctx, a, id)
	if err != nil {
		return ChatLine{}, err
	}
	return s.say(ctx, c, ChatLine{Author: ChatAgent, UserID: a.UserID, Name: a.Name, Body: body})
}

// AgentTyping records that the agent is typing.
func (s *Service) AgentTyping(ctx context.Context, a auth.Actor, id int64) error {
	if err := a.Require(auth.CaseWrite); err != nil {
		return err
	}
	s.chatHub().typing.mark(id, ChatAgent, s.now())
	s.chatHub().hub.Publish(id)
	return nil
}

// EndChat ends a chat from the agent's side.
func (s *Service) EndChat(ctx context.Context, a auth.Actor, id int64) error {
	if err := a.Require(auth.CaseWrite); err != nil {
		return err
	}
	c, err := s.store.FindChat(ctx, id)
	if err != nil {
		return err
	}
	return s.endChat(ctx, c, a.Name+" ended the chat.")
}

// endChat closes the chat and puts its transcript on the customer's
// timeline, once.
func (s *Service) endChat(ctx context.Context, c Chat, note string) error {
	ended, err := s.store.EndChat(ctx, c.ID, s.at())
	if err != nil || !ended {
		return err
	}
	if _, err := s.store.AddChatLine(ctx, ChatLine{ChatID: c.ID, Author: ChatSystem, Body: note, CreatedAt: s.at()}); err != nil &&
		!fault.Is(err, fault.Conflict) {
		return err
	}
	s.chatHub().publish(c.ID)
	if c.CustomerID == 0 {
		return nil
	}
	lines, err := s.store.ChatLines(ctx, c.ID, 0)
	if err != nil {
		return err
	}
	in, err := s.customers.LogInteraction(ctx, auth.System("chat"), customer.InteractionInput{CustomerID: c.CustomerID,
		Channel: "chat", Direction: "inbound", Subject: "Chat: " + clip(firstVisitorLine(lines), 200),
		Body: clip(Transcript(lines), 20000), OccurredAt: c.CreatedAt, HandledBy: c.AgentID, Source: "chat",
		ExternalID: fmt.Sprintf("chat-%d", c.ID)})
	if err != nil {
		return err
	}
	return s.store.SetChatInteraction(ctx, c.ID, in.ID)
}

// ChatToCase turns a chat's transcript into a case assigned to the agent
// (once: a chat that became a case returns that case).
func (s *Service) ChatToCase(ctx context.Context, a auth.Actor, id int64) (Case, error) {
	if err := a.Require(auth.CaseWrite); err != nil {
		return Case{}, err
	}
	c, err := s.store.FindChat(ctx, id)
	if err != nil {
		return Case{}, err
	}
	if c.CaseID != 0 {
		return s.FindCase(ctx, a, c.CaseID)
	}
	lines, err := s.store.ChatLines(ctx, id, 0)
	if err != nil {
		return Case{}, err
	}
	assignee := c.AgentID
	if assignee == 0 {
		assignee = a.UserID
	}
	k := Case{Subject: "Chat with " + c.Name + ": " + clip(firstVisitorLine(lines), 120), Type: s.defaultType(ctx),
		Priority: "normal", Status: StatusOpen, Channel: "chat", CustomerID: c.CustomerID, QueueID: c.QueueID,
		AssigneeID: assignee}
	created, err := s.open(ctx, a, k, &Message{Kind: MsgChat, Inbound: true, From: c.Email, Body: Transcript(lines)})
	if err != nil {
		return Case{}, err
	}
	if err := s.store.SetChatCase(ctx, id, created.ID); err != nil {
		return Case{}, err
	}
	s.chatHub().publish(id)
	return created, nil
}

// Transcript writes a chat's lines as text, one per line with its time.
func Transcript(lines []ChatLine) string {
	var b strings.Builder
	for _, l := range lines {
		who := l.Name
		if l.Author == ChatSystem {
			who = "—"
		}
		fmt.Fprintf(&b, "[%s] %s: %s\n", l.CreatedAt.UTC().Format("2006-01-02 15:04"), who, l.Body)
	}
	return strings.TrimRight(b.String(), "\n")
}

func firstVisitorLine(lines []ChatLine) string {
	for _, l := range lines {
		if l.Author == ChatVisitor {
			return firstLine(l.Body)
		}
	}
	return ""
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

func (s *Service) defaultType(ctx context.Context) string {
	types := s.CaseTypes(ctx)
	for _, t := range types {
		if t == "question" {
			return t
		}
	}
	if len(types) > 0 {
		return types[0]
	}
	return "question"
}

// typingState remembers when each side of a chat last typed.
type typingState struct {
	mu   sync.Mutex
	last map[typingKey]time.Time
}

type typingKey struct {
	chat   int64
	author string
}

// typingFor is how long a keystroke shows the other side "typing…".
const typingFor = 4 * time.Second

func (t *typingState) mark(chat int64, author string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.last == nil || len(t.last) > 10_000 {
		t.last = map[typingKey]time.Time{}
	}
	t.last[typingKey{chat, author}] = now
}

func (t *typingState) clear(chat int64, author string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.last, typingKey{chat, author})
}

func (t *typingState) active(chat int64, author string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	at, ok := t.last[typingKey{chat, author}]
	return ok && now.Sub(at) < typingFor
}

// ChatQueueName is the queue the widget's chats go to when the page names
// none ("" for the first queue).
func (s *Service) ChatQueueName(ctx context.Context) string {
	name, _ := s.store.Setting(ctx, "chat_queue")
	return name
}

// SetChatQueue chooses the queue the widget's chats go to.
func (s *Service) SetChatQueue(ctx context.Context, a auth.Actor, name string) error {
	if err := a.Require(auth.ServiceAdmin); err != nil {
		return err
	}
	name = strings.TrimSpace(name)
	if name != "" {
		if _, err := s.chatQueue(ctx, name); err != nil {
			return err
		}
	}
	e := a.Audit("update", "setting", 0, s.at())
	e.Changes = []audit.Change{{Field: "chat_queue", New: name}}
	return s.store.SetSetting(ctx, "chat_queue", name, s.at(), e)
}
