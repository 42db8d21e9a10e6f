package marketing

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"hash"
	"net/url"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/fault"
)

// Kinds of tracking link.
const (
	kindOpen  byte = 'o'
	kindClick byte = 'c'
	// kindProduct signs a message id and the product page a products block
	// linked to (which depends on the recipient's recommendations).
	kindProduct     byte = 'p'
	kindUnsubscribe byte = 'u'
	// kindUnsubscribeCustomer signs a customer id rather than a message
	// (journey emails, which have no ledger row).
	kindUnsubscribeCustomer byte = 'x'
)

// TrackStore records what campaign messages did.
type TrackStore interface {
	// MessageInfo returns a ledger row's campaign, customer and template.
	MessageInfo(ctx context.Context, messageID int64) (campaignID, customerID, templateID int64, email string, err error)
	// MarkEvent sets opened_at, clicked_at or unsubscribed_at the first time.
	MarkEvent(ctx context.Context, messageID int64, event string, at time.Time) error
	// Suppress adds an address to the suppression list.
	Suppress(ctx context.Context, email, reason string, at time.Time) error
}

// ConsentFunc records a customer's marketing consent on a channel.
type ConsentFunc func(ctx context.Context, customerID int64, channel, status, source, proof, ip string) error

// token signs a message id, a kind and a link number: 8+1+1 bytes and 12
// bytes of HMAC-SHA256, in URL-safe base64.
func (s *Service) token(messageID int64, kind byte, link int) string {
	var buf [10 + sha256.Size]byte
	b := buf[:10]
	binary.BigEndian.PutUint64(b, uint64(messageID))
	b[8], b[9] = kind, byte(link)
	m := s.mac()
	m.Write(b)
	b = m.Sum(b)[:22]
	s.macs.Put(m)
	return base64.RawURLEncoding.EncodeToString(b)
}

// keyedMAC is a pooled HMAC with the key it was made with.
type keyedMAC struct {
	hash.Hash
	key []byte
}

// mac returns a reset HMAC keyed with the service's secret; give it back
// with s.macs.Put.
func (s *Service) mac() *keyedMAC {
	if m, ok := s.macs.Get().(*keyedMAC); ok && bytes.Equal(m.key, s.Secret) {
		m.Reset()
		return m
	}
	return &keyedMAC{Hash: hmac.New(sha256.New, s.Secret), key: bytes.Clone(s.Secret)}
}

// readToken checks a token and returns what it signs.
func (s *Service) readToken(tok string) (int64, byte, int, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) != 22 || len(s.Secret) == 0 {
		return 0, 0, 0, fault.New(fault.NotFound, "This link is not valid.")
	}
	m := hmac.New(sha256.New, s.Secret)
	m.Write(b[:10])
	if !hmac.Equal(m.Sum(nil)[:12], b[10:]) {
		return 0, 0, 0, fault.New(fault.NotFound, "This link is not valid.")
	}
	return int64(binary.BigEndian.Uint64(b[:8])), b[8], int(b[9]), nil
}

func (s *Service) trackURL(messageID int64, kind byte, link int) string {
	if len(s.Secret) == 0 {
		return ""
	}
	base := strings.TrimRight(s.BaseURL, "/")
	switch kind {
	case kindOpen:
		return base + "/t/o/" + s.token(messageID, kind, link) + ".gif"
	case kindClick:
		return base + "/t/c/" + s.token(messageID, kind, link)
	}
	return base + "/u/" + s.token(messageID, kind, link)
}

// productURL is the tracked form of a product link in a message: the
// token signs the message and the target together, so that the redirect
// goes only where the message linked.
func (s *Service) productURL(messageID int64, target string) string {
	if len(s.Secret) == 0 {
		return target
	}
	return strings.TrimRight(s.BaseURL, "/") + "/t/p/" + s.productToken(messageID, target) + "?to=" + url.QueryEscape(target)
}

func (s *Service) productToken(messageID int64, target string) string {
	b := make([]byte, 9, 21)
	binary.BigEndian.PutUint64(b, uint64(messageID))
	b[8] = kindProduct
	m := hmac.New(sha256.New, s.Secret)
	m.Write(b)
	m.Write([]byte(target))
	return base64.RawURLEncoding.EncodeToString(m.Sum(b)[:21])
}

// ClickedProduct records a click on a product link and returns the product
// page, which the token must have signed with the message.
func (s *Service) ClickedProduct(ctx context.Context, tok, target string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) != 21 || b[8] != kindProduct || len(s.Secret) == 0 ||
		!hmac.Equal([]byte(s.productToken(int64(binary.BigEndian.Uint64(b[:8])), target)), []byte(tok)) {
		return "", fault.New(fault.NotFound, "This link is not valid.")
	}
	id := int64(binary.BigEndian.Uint64(b[:8]))
	// A click is also an open (images are often blocked).
	_ = s.store.MarkEvent(ctx, id, "opened", s.at())
	_ = s.store.MarkEvent(ctx, id, "clicked", s.at())
	return target, nil
}

// customerOf returns the customer an unsubscribe token is for, with the
// campaign message when it names one.
func (s *Service) customerOf(ctx context.Context, tok string) (customerID, messageID, campaignID int64, email string, err error) {
	id, kind, _, err := s.readToken(tok)
	switch {
	case err != nil:
		return 0, 0, 0, "", fault.New(fault.NotFound, "This link is not valid.")
	case kind == kindUnsubscribe:
		campaignID, customerID, _, email, err = s.store.MessageInfo(ctx, id)
		return customerID, id, campaignID, email, err
	case kind == kindUnsubscribeCustomer:
		fields, _, err := s.store.CustomerFields(ctx, id)
		if err != nil {
			return 0, 0, 0, "", err
		}
		return id, 0, 0, fields["email"], nil
	}
	return 0, 0, 0, "", fault.New(fault.NotFound, "This link is not valid.")
}

// Opened records an open from the pixel; a bad token is ignored (the pixel
// is served anyway).
func (s *Service) Opened(ctx context.Context, tok string) {
	id, kind, _, err := s.readToken(strings.TrimSuffix(tok, ".gif"))
	if err != nil || kind != kindOpen {
		return
	}
	_ = s.store.MarkEvent(ctx, id, "opened", s.at())
}

// Clicked records a click and returns where the link goes.
func (s *Service) Clicked(ctx context.Context, tok string) (string, error) {
	id, kind, link, err := s.readToken(tok)
	if err != nil || kind != kindClick {
		return "", fault.New(fault.NotFound, "This link is not valid.")
	}
	_, _, templateID, _, err := s.store.MessageInfo(ctx, id)
	if err != nil {
		return "", err
	}
	t, err := s.store.FindTemplate(ctx, templateID)
	if err != nil {
		return "", err
	}
	n := 0
	for _, b := range t.Blocks {
		if (b.Type == "button" || b.Type == "offer") && b.URL != "" {
			n++
			if n == link {
				// A click is also an open (images are often blocked).
				_ = s.store.MarkEvent(ctx, id, "opened", s.at())
				_ = s.store.MarkEvent(ctx, id, "clicked", s.at())
				return b.URL, nil
			}
		}
	}
	return "", fault.New(fault.NotFound, "This link is no longer in the email.")
}

// UnsubscribeTarget returns the address an unsubscribe link is for.
func (s *Service) UnsubscribeTarget(ctx context.Context, tok string) (string, error) {
	_, _, _, email, err := s.customerOf(ctx, tok)
	return email, err
}

// Unsubscribe withdraws the customer's email marketing consent (with the
// campaign as its proof) and records it on the message.
func (s *Service) Unsubscribe(ctx context.Context, tok, ip string) error {
	customerID, messageID, campaignID, _, err := s.customerOf(ctx, tok)
	if err != nil {
		return err
	}
	proof := "Unsubscribe link in campaign " + itoa(campaignID)
	if messageID == 0 {
		proof = "Unsubscribe link in an automated email"
	}
	if s.Consent != nil {
		if err := s.Consent(ctx, customerID, "email", "withdrawn", "preference_centre", proof, ip); err != nil {
			return err
		}
	}
	if messageID == 0 {
		return nil
	}
	return s.store.MarkEvent(ctx, messageID, "unsubscribed", s.at())
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	if n == 0 {
		return "0"
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
