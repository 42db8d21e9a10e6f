package marketing

import (
	"bytes"
	"context"
	"mime"
	"mime/multipart"
	"net/mail"
	"regexp"
	"strings"

	"github.com/scrms/scrms/internal/fault"
)

const kindBounce byte = 'b'

// bouncePrefix starts the local part of a campaign message's envelope
// sender: the mail server returns delivery reports to it, and the token
// after it names the message.
const bouncePrefix = "bounce+"

// BounceAddress is the envelope sender of a campaign message, on the domain
// of the campaigns' From address; "" when there is no domain or key.
func (s *Service) BounceAddress(messageID int64) string {
	if s.BounceDomain == "" || len(s.Secret) == 0 {
		return ""
	}
	return bouncePrefix + s.token(messageID, kindBounce, 0) + "@" + s.BounceDomain
}

// BounceHandler returns the handler for mail sent to a bounce address, or
// nil when rcpt is not one.
func (s *Service) BounceHandler(rcpt string) func(ctx context.Context, raw []byte) error {
	local, domain, ok := strings.Cut(strings.ToLower(rcpt), "@")
	if !ok || s.BounceDomain == "" || domain != strings.ToLower(s.BounceDomain) || !strings.HasPrefix(local, bouncePrefix) {
		return nil
	}
	// Tokens are case-sensitive; take them from the address as written.
	tok := rcpt[len(bouncePrefix):strings.IndexByte(rcpt, '@')]
	return func(ctx context.Context, raw []byte) error { return s.Bounced(ctx, tok, raw) }
}

var dsnStatus = regexp.MustCompile(`(?mi)^Status:\s*([245]\.\d{1,3}\.\d{1,3})`)

// DeliveryReport is what a returned message says happened.
type DeliveryReport struct {
	Kind   string // hard, soft, complaint, or "" when it is neither
	Status string // the delivery status code, e.g. 5.1.1
}

// ReadReport reads a delivery status notification (RFC 3464) or a
// complaint feedback report (RFC 5965).
func ReadReport(raw []byte) (DeliveryReport, error) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return DeliveryReport{}, fault.New(fault.Invalid, "The message could not be read: %v", err)
	}
	mt, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if mt != "multipart/report" {
		return DeliveryReport{}, nil
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return DeliveryReport{}, nil
		}
		pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		body := new(bytes.Buffer)
		_, _ = body.ReadFrom(p)
		switch {
		case pt == "message/feedback-report":
			return DeliveryReport{Kind: "complaint"}, nil
		case pt == "message/delivery-status" || pt == "message/global-delivery-status":
			st := dsnStatus.FindSubmatch(body.Bytes())
			switch {
			case st == nil:
				return DeliveryReport{}, nil
			case st[1][0] == '5':
				return DeliveryReport{Kind: "hard", Status: string(st[1])}, nil
			case st[1][0] == '4':
				return DeliveryReport{Kind: "soft", Status: string(st[1])}, nil
			}
			return DeliveryReport{}, nil
		}
	}
}

// Bounced handles a report returned for a campaign message: a hard bounce
// marks the message bounced and suppresses the address; a complaint marks
// it, withdraws the customer's email marketing consent and suppresses the
// address; a soft bounce (a full mailbox) changes nothing.
func (s *Service) Bounced(ctx context.Context, tok string, raw []byte) error {
	id, kind, _, err := s.readToken(tok)
	if err != nil || kind != kindBounce {
		return fault.New(fault.NotFound, "No such mailbox here.")
	}
	r, err := ReadReport(raw)
	if err != nil {
		return err
	}
	campaignID, customerID, _, email, err := s.store.MessageInfo(ctx, id)
	if err != nil {
		return err
	}
	now := s.at()
	switch r.Kind {
	case "hard":
		if err := s.store.MarkEvent(ctx, id, "bounced", now); err != nil {
			return err
		}
		if email != "" {
			return s.store.Suppress(ctx, email, "hard bounce "+r.Status, now)
		}
	case "complaint":
		if err := s.store.MarkEvent(ctx, id, "complained", now); err != nil {
			return err
		}
		if s.Consent != nil {
			if err := s.Consent(ctx, customerID, "email", "withdrawn", "preference_centre",
				"Marked campaign "+itoa(campaignID)+" as spam", ""); err != nil {
				return err
			}
		}
		if email != "" {
			return s.store.Suppress(ctx, email, "complaint", now)
		}
	}
	return nil
}
