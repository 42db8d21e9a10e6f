package support

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
	smail "github.com/scrms/scrms/internal/mail"
)

// PortalStore keeps the customer portal's sign-in links and sessions.
type PortalStore interface {
	// CustomerByEmail finds the live customer with the address; 0 when none.
	CustomerByEmail(ctx context.Context, address string) (int64, error)
	CreatePortalLink(ctx context.Context, tokenHash string, customerID int64, email string, expires time.Time) error
	// CountPortalLinks counts the links made for a customer since a time.
	CountPortalLinks(ctx context.Context, customerID int64, since time.Time) (int, error)
	// UsePortalLink spends a link that has not expired; NotFound otherwise.
	UsePortalLink(ctx context.Context, tokenHash string, at time.Time) (int64, error)
	CreatePortalSession(ctx context.Context, secretHash string, customerID int64, at, expires time.Time) error
	PortalSession(ctx context.Context, secretHash string, at time.Time) (int64, error)
	EndPortalSession(ctx context.Context, secretHash string) error
	// TopicsOut are the marketing topics a customer opted out of
	// (",offers,"); SetTopicsOut replaces them.
	TopicsOut(ctx context.Context, customerID int64) (string, error)
	SetTopicsOut(ctx context.Context, customerID int64, value string) error
}

const (
	portalLinkLife    = 20 * time.Minute
	portalSessionLife = 7 * 24 * time.Hour
	portalLinksAnHour = 5
)

// PortalUser is a customer signed in to the portal.
type PortalUser struct {
	CustomerID int64
	Name       string
	Email      string
}

// actor is how the portal acts on the customer's behalf.
func (u PortalUser) actor() auth.Actor {
	a := auth.System("portal")
	a.Name = u.Name
	return a
}

// RequestPortalLink emails a one-time sign-in link to the address when it
// belongs to a customer. It says nothing about whether it does, so that the
// form cannot be used to learn who is a customer.
func (s *Service) RequestPortalLink(ctx context.Context, address string) error {
	address = strings.ToLower(strings.TrimSpace(address))
	if a, err := mail.ParseAddress(address); err != nil || a.Address != address {
		return fault.Field("email", "must be an email address like you@example.com")
	}
	id, err := s.store.CustomerByEmail(ctx, address)
	if err != nil || id == 0 {
		return err
	}
	now := s.at()
	if n, err := s.store.CountPortalLinks(ctx, id, now.Add(-time.Hour)); err != nil || n >= portalLinksAnHour {
		return err // enough links are on their way already
	}
	if s.Mail == nil {
		return fmt.Errorf("support: no mail server is configured (SCRMS_SMTP_URL) to send portal links")
	}
	token := newToken()
	if err := s.store.CreatePortalLink(ctx, hashToken(token), id, address, now.Add(portalLinkLife)); err != nil {
		return err
	}
	link := strings.TrimRight(s.BaseURL, "/") + "/portal/in/" + token
	text := "Hello,\n\nUse this link to sign in to your support portal. It works once, for 20 minutes:\n\n" + link +
		"\n\nIf you did not ask for it, you can ignore this email."
	return s.Mail.Send(ctx, smail.Message{To: address, Subject: "Your sign-in link", Text: text, Auto: true})
}

// PortalSignIn spends a sign-in link and opens a session; it returns the
// session's secret.
func (s *Service) PortalSignIn(ctx context.Context, token string) (string, error) {
	now := s.at()
	id, err := s.store.UsePortalLink(ctx, hashToken(token), now)
	if err != nil {
		if fault.Is(err, fault.NotFound) {
			return "", fault.New(fault.NotFound, "This sign-in link has expired or was used already; ask for a new one.")
		}
		return "", err
	}
	secret := newToken()
	return secret, s.store.CreatePortalSession(ctx, hashToken(secret), id, now, now.Add(portalSessionLife))
}

// PortalUser returns the customer of a portal session.
func (s *Service) PortalUser(ctx context.Context, secret string) (PortalUser, error) {
	id, err := s.store.PortalSession(ctx, hashToken(secret), s.at())
	if err != nil {
		return PortalUser{}, fault.New(fault.Unauthenticated, "Please sign in.")
	}
	c, err := s.customers.FindCustomer(ctx, auth.System("portal"), id)
	if err != nil || !c.ErasedAt.IsZero() || c.MergedInto != 0 || c.Deleted() {
		return PortalUser{}, fault.New(fault.Unauthenticated, "Please sign in.")
	}
	u := PortalUser{CustomerID: id, Name: c.Name, Email: c.PrimaryEmail()}
	return u, nil
}

// PortalSignOut ends a portal session.
func (s *Service) PortalSignOut(ctx context.Context, secret string) error {
	return s.store.EndPortalSession(ctx, hashToken(secret))
}

// PortalCases lists the customer's own cases, newest first.
func (s *Service) PortalCases(ctx context.Context, u PortalUser) ([]Case, error) {
	return s.store.ListCases(ctx, CaseFilter{CustomerID: u.CustomerID, Limit: 200, Now: s.at()},
		Visibility{Scope: auth.ScopeAll})
}

// PortalCase returns one of the customer's cases with the messages they may
// read (no internal notes).
func (s *Service) PortalCase(ctx context.Context, u PortalUser, id int64) (Case, []Message, error) {
	c, err := s.store.FindCase(ctx, id)
	if err != nil || c.CustomerID != u.CustomerID {
		return Case{}, nil, fault.New(fault.NotFound, "Case %d was not found.", id)
	}
	all, err := s.store.CaseMessages(ctx, id)
	if err != nil {
		return Case{}, nil, err
	}
	var shown []Message
	for _, m := range all {
		if !m.Internal {
			shown = append(shown, m)
		}
	}
	return c, shown, nil
}

// PortalReply adds the customer's reply to their case (a resolved case
// reopens within the reopen window).
func (s *Service) PortalReply(ctx context.Context, u PortalUser, id int64, body string) (InboundResult, error) {
	if _, _, err := s.PortalCase(ctx, u, id); err != nil {
		return InboundResult{}, err
	}
	if body = strings.TrimSpace(body); body == "" || len(body) > 20000 {
		return InboundResult{}, fault.Field("body", "must be 1 to 20000 characters")
	}
	return s.CustomerReply(ctx, u.actor(), id, MsgPortal, body)
}

// PortalNewCase opens a case for the signed-in customer.
func (s *Service) PortalNewCase(ctx context.Context, u PortalUser, subject, body, kind string) (Case, error) {
	var f fault.Fields
	subject, body = strings.TrimSpace(subject), strings.TrimSpace(body)
	if subject == "" || len(subject) > 300 {
		f.Add("subject", "must be 1 to 300 characters")
	}
	if body == "" || len(body) > 20000 {
		f.Add("body", "must be 1 to 20000 characters")
	}
	if kind == "" {
		kind = s.defaultType(ctx)
	}
	if err := f.Err(); err != nil {
		return Case{}, err
	}
	c := Case{Subject: subject, Type: kind, Priority: "normal", Status: StatusNew, Channel: "portal", CustomerID: u.CustomerID}
	if q, err := s.chatQueue(ctx, ""); err == nil {
		c.QueueID = q.ID
	}
	return s.open(ctx, u.actor(), c, &Message{Kind: MsgPortal, Inbound: true, From: u.Email, Body: body})
}

// PortalConsents returns the marketing consents in force per channel.
func (s *Service) PortalConsents(ctx context.Context, u PortalUser) (map[string]bool, error) {
	current, _, err := s.customers.Consents(ctx, auth.System("portal"), u.CustomerID)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, e := range current {
		if e.Purpose == "marketing" {
			out[e.Channel] = e.Granted()
		}
	}
	return out, nil
}

// PortalChannels are the channels a customer chooses in the portal.
var PortalChannels = []string{"email", "sms", "phone", "post"}

// SetPortalConsents records the customer's choices, only where they changed,
// with the portal as the source and the wording shown as the proof.
func (s *Service) SetPortalConsents(ctx context.Context, u PortalUser, want map[string]bool, ip string) error {
	have, err := s.PortalConsents(ctx, u)
	if err != nil {
		return err
	}
	for _, ch := range PortalChannels {
		granted, known := have[ch]
		if known && granted == want[ch] || !known && !want[ch] {
			continue
		}
		status := "withdrawn"
		if want[ch] {
			status = "granted"
		}
		if _, err := s.customers.RecordConsent(ctx, u.actor(), u.CustomerID, customer.ConsentInput{Purpose: "marketing",
			Channel: ch, Status: status, Source: "preference_centre", IP: ip,
			Proof: "Customer portal: \"Send me news and offers by " + ch + "\""}); err != nil {
			return err
		}
	}
	return nil
}

// PortalTopics returns the marketing topics and, for each, whether the
// customer wants it.
func (s *Service) PortalTopics(ctx context.Context, u PortalUser) ([]string, map[string]bool, error) {
	v, err := s.store.Setting(ctx, "marketing_topics")
	if err != nil && !fault.Is(err, fault.NotFound) {
		return nil, nil, err
	}
	out, err := s.store.TopicsOut(ctx, u.CustomerID)
	if err != nil {
		return nil, nil, err
	}
	var topics []string
	wants := map[string]bool{}
	for _, t := range strings.Split(v, ",") {
		if t = strings.TrimSpace(t); t != "" {
			topics = append(topics, t)
			wants[t] = !strings.Contains(out, ","+t+",")
		}
	}
	return topics, wants, nil
}

// SetPortalTopics records which topics the customer wants.
func (s *Service) SetPortalTopics(ctx context.Context, u PortalUser, wants map[string]bool) error {
	topics, _, err := s.PortalTopics(ctx, u)
	if err != nil {
		return err
	}
	out := ""
	for _, t := range topics {
		if !wants[t] {
			out += "," + t + ","
		}
	}
	return s.store.SetTopicsOut(ctx, u.CustomerID, out)
}
