// Package notify is the in-app notification centre: messages for users
// about things that need them (new possible duplicates, data-quality
// issues; later reminders and escalations), each read or unread.
package notify

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/mail"
)

// Notification is one message to one user.
type Notification struct {
	ID        int64
	UserID    int64
	Kind      string
	Title     string
	Body      string
	Link      string // a path in SCRMS
	CreatedAt time.Time
	ReadAt    time.Time
}

// Unread reports whether the user has not read it yet.
func (n Notification) Unread() bool { return n.ReadAt.IsZero() }

// Store is what the notification centre needs from storage.
type Store interface {
	ListUsers(ctx context.Context) ([]auth.User, error)
	InsertNotifications(ctx context.Context, ns []Notification) error
	ListNotifications(ctx context.Context, userID int64, limit int) ([]Notification, error)
	CountUnreadNotifications(ctx context.Context, userID int64) (int, error)
	// MarkNotificationsRead marks one of the user's notifications read, or all with id 0.
	MarkNotificationsRead(ctx context.Context, userID, id int64, at time.Time) (int, error)
	UndigestedNotifications(ctx context.Context, userID int64, limit int) ([]Notification, error)
	MarkDigested(ctx context.Context, userID, lastID int64, at time.Time) error
}

// Service sends and shows notifications.
type Service struct {
	store Store
	now   func() time.Time
	// Mail, when set, sends email digests and reminders; BaseURL makes the
	// links in them absolute.
	Mail    mail.Sender
	BaseURL string
}

// NewService returns the notification centre.
func NewService(st Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, now: now}
}

// ToPermitted sends a notification to every active user whose role grants p.
func (s *Service) ToPermitted(ctx context.Context, p auth.Permission, kind, title, body, link string) error {
	users, err := s.store.ListUsers(ctx)
	if err != nil {
		return fmt.Errorf("notify: list users: %w", err)
	}
	at := s.now().UTC().Truncate(time.Microsecond)
	var ns []Notification
	for _, u := range users {
		if u.Active && u.Role.Has(p) {
			ns = append(ns, Notification{UserID: u.ID, Kind: kind, Title: title, Body: body, Link: link, CreatedAt: at})
		}
	}
	if len(ns) == 0 {
		return nil
	}
	return s.store.InsertNotifications(ctx, ns)
}

// ToUsers sends a notification to each of the users (once each).
func (s *Service) ToUsers(ctx context.Context, ids []int64, kind, title, body, link string) error {
	at := s.now().UTC().Truncate(time.Microsecond)
	var ns []Notification
	seen := map[int64]bool{}
	for _, id := range ids {
		if id != 0 && !seen[id] {
			seen[id] = true
			ns = append(ns, Notification{UserID: id, Kind: kind, Title: title, Body: body, Link: link, CreatedAt: at})
		}
	}
	if len(ns) == 0 {
		return nil
	}
	return s.store.InsertNotifications(ctx, ns)
}

// List returns the actor's latest notifications, newest first.
func (s *Service) List(ctx context.Context, a auth.Actor, limit int) ([]Notification, error) {
	if a.UserID == 0 {
		return nil, fault.New(fault.Forbidden, "Only users have notifications.")
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	return s.store.ListNotifications(ctx, a.UserID, limit)
}

// Unread counts the actor's unread notifications.
func (s *Service) Unread(ctx context.Context, a auth.Actor) (int, error) {
	if a.UserID == 0 {
		return 0, nil
	}
	return s.store.CountUnreadNotifications(ctx, a.UserID)
}

// MarkRead marks one of the actor's notifications read, or all when id is 0.
func (s *Service) MarkRead(ctx context.Context, a auth.Actor, id int64) error {
	if a.UserID == 0 {
		return fault.New(fault.Forbidden, "Only users have notifications.")
	}
	n, err := s.store.MarkNotificationsRead(ctx, a.UserID, id, s.now().UTC().Truncate(time.Microsecond))
	if err != nil {
		return err
	}
	if id != 0 && n == 0 {
		return fault.New(fault.NotFound, "Notification %d was not found.", id)
	}
	return nil
}

// mentionPattern finds @mentions: an email address or the part of one
// before the @ ("@ada.lovelace" or "@ada.lovelace@example.com").
var mentionPattern = regexp.MustCompile(`(?:^|[^\w.@])@([\w.+-]+(?:@[\w-]+(?:\.[\w-]+)+)?)`)

// Mentioned returns the users a text mentions, each once.
func Mentioned(text string, users []auth.User) []auth.User {
	var out []auth.User
	seen := map[int64]bool{}
	for _, m := range mentionPattern.FindAllStringSubmatch(text, -1) {
		handle := strings.ToLower(strings.TrimRight(m[1], "."))
		for _, u := range users {
			email := strings.ToLower(u.Email)
			local, _, _ := strings.Cut(email, "@")
			if (handle == email || handle == local) && !seen[u.ID] {
				seen[u.ID] = true
				out = append(out, u)
			}
		}
	}
	return out
}

// Mentions notifies the users a text mentions who may see what it is about,
// except its author.
func (s *Service) Mentions(ctx context.Context, from auth.Actor, text string, canSee func(auth.User) bool, title, link string) error {
	if !strings.Contains(text, "@") {
		return nil
	}
	users, err := s.store.ListUsers(ctx)
	if err != nil {
		return fmt.Errorf("notify: list users: %w", err)
	}
	at := s.now().UTC().Truncate(time.Microsecond)
	var ns []Notification
	body := text
	if r := []rune(body); len(r) > 280 {
		body = string(r[:280]) + "…"
	}
	for _, u := range Mentioned(text, users) {
		if u.ID != from.UserID && canSee(u) {
			ns = append(ns, Notification{UserID: u.ID, Kind: "mention", Title: title, Body: body, Link: link, CreatedAt: at})
		}
	}
	if len(ns) == 0 {
		return nil
	}
	return s.store.InsertNotifications(ctx, ns)
}

// SendDigests emails every active user the unread notifications that
// arrived since their last digest, one message each. A user's digest is
// recorded after it was handed to the mail server; a crash in between
// sends that digest again, which is the only way one can arrive twice.
func (s *Service) SendDigests(ctx context.Context) (int, error) {
	if s.Mail == nil {
		return 0, nil
	}
	users, err := s.store.ListUsers(ctx)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, u := range users {
		if !u.Active {
			continue
		}
		ns, err := s.store.UndigestedNotifications(ctx, u.ID, 50)
		if err != nil {
			return sent, err
		}
		if len(ns) == 0 {
			continue
		}
		var b strings.Builder
		fmt.Fprintf(&b, "Hello %s,\n\nthis happened in SCRMS and is waiting for you:\n\n", u.Name)
		for _, n := range ns {
			fmt.Fprintf(&b, "- %s\n", n.Title)
			if n.Body != "" {
				fmt.Fprintf(&b, "  %s\n", n.Body)
			}
			if n.Link != "" {
				fmt.Fprintf(&b, "  %s%s\n", s.BaseURL, n.Link)
			}
		}
		fmt.Fprintf(&b, "\nAll your notifications: %s/notifications\n", s.BaseURL)
		subject := fmt.Sprintf("SCRMS: %d new notifications", len(ns))
		if len(ns) == 1 {
			subject = "SCRMS: " + ns[0].Title
		}
		if err := s.Mail.Send(ctx, mail.Message{To: u.Email, Subject: subject, Text: b.String()}); err != nil {
			return sent, err
		}
		if err := s.store.MarkDigested(ctx, u.ID, ns[len(ns)-1].ID, s.now().UTC()); err != nil {
			return sent, err
		}
		sent++
	}
	return sent, nil
}

// EmailUsers sends one message to each of the users (reminders); without
// a mail server it does nothing.
func (s *Service) EmailUsers(ctx context.Context, ids []int64, subject, text string) error {
	if s.Mail == nil || len(ids) == 0 {
		return nil
	}
	users, err := s.store.ListUsers(ctx)
	if err != nil {
		return err
	}
	var msgs []mail.Message
	for _, u := range users {
		if u.Active && slicesContains(ids, u.ID) {
			msgs = append(msgs, mail.Message{To: u.Email, Subject: subject, Text: text})
		}
	}
	return s.Mail.Send(ctx, msgs...)
}

func slicesContains(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
