package sales

import (
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// maxLeadEmail bounds a message turned into a lead.
const maxLeadEmail = 2 << 20

// autoReply reports whether a message was sent by a machine (an
// out-of-office reply, a bounce, a mailing list), which is no lead.
func autoReply(h mail.Header) bool {
	if v := strings.ToLower(h.Get("Auto-Submitted")); v != "" && v != "no" {
		return true
	}
	if h.Get("X-Autoreply") != "" || h.Get("X-Autorespond") != "" || h.Get("List-Id") != "" {
		return true
	}
	switch strings.ToLower(h.Get("Precedence")) {
	case "bulk", "junk", "list", "auto_reply":
		return true
	}
	from := strings.ToLower(h.Get("From"))
	return strings.Contains(from, "mailer-daemon@") || strings.Contains(from, "postmaster@")
}

// plainText finds the text of a message: its plain-text part, or its body.
func plainText(h mail.Header, body io.Reader) (string, error) {
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		b, err := io.ReadAll(io.LimitReader(body, maxLeadEmail))
		return string(b), err
	}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		if ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct == "text/plain" || ct == "" {
			b, err := io.ReadAll(io.LimitReader(p, maxLeadEmail))
			return string(b), err
		}
	}
}

// EmailLead captures a lead from an email sent to the sales address (the
// raw message, as a mail provider forwards it): the sender becomes the
// lead, the subject and text its message. Automatic replies, bounces and
// list mail are recognised and dropped (nil lead, no error).
func (s *LeadService) EmailLead(ctx context.Context, a auth.Actor, raw io.Reader) (*Lead, error) {
	if err := a.Require(auth.SalesWrite); err != nil {
		return nil, err
	}
	msg, err := mail.ReadMessage(io.LimitReader(raw, maxLeadEmail))
	if err != nil {
		return nil, fault.Wrap(fault.Invalid, err, "The body is not an email message (RFC 5322).")
	}
	if autoReply(msg.Header) {
		return nil, nil
	}
	from, err := mail.ParseAddress(msg.Header.Get("From"))
	if err != nil {
		return nil, &fault.Error{Code: fault.Invalid, Message: "The message has no sender address.",
			Fields: []fault.FieldError{{Field: "From", Message: "is missing or not an address"}}}
	}
	text, err := plainText(msg.Header, msg.Body)
	if err != nil {
		return nil, fault.Wrap(fault.Invalid, err, "The message's text could not be read.")
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		subject = msg.Header.Get("Subject")
	}
	l := Lead{Email: from.Address, Source: "email", Message: strings.TrimSpace(fmt.Sprintf("%s\n\n%s", subject, strings.TrimSpace(text)))}
	if parts := strings.Fields(from.Name); len(parts) > 0 {
		l.FirstName, l.LastName = parts[0], strings.Join(parts[1:], " ")
	}
	if len(l.Message) > 5000 {
		l.Message = l.Message[:5000]
	}
	got, err := s.CaptureLead(ctx, a, l)
	if err != nil {
		return nil, err
	}
	return &got, nil
}
