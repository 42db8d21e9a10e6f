package sales

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/mail"
)

// maxLeadEmail bounds a message turned into a lead.
const maxLeadEmail = 2 << 20

// EmailLead captures a lead from an email sent to the sales address (the
// raw message, as a mail provider forwards it): the sender becomes the
// lead, the subject and text its message. Automatic replies, bounces and
// list mail are recognised and dropped (nil lead, no error).
func (s *LeadService) EmailLead(ctx context.Context, a auth.Actor, raw io.Reader) (*Lead, error) {
	if err := a.Require(auth.SalesWrite); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(raw, maxLeadEmail))
	if err != nil {
		return nil, fault.Wrap(fault.Invalid, err, "The message could not be read.")
	}
	msg, err := mail.Parse(data)
	if err != nil {
		return nil, fault.Wrap(fault.Invalid, err, "The body is not an email message (RFC 5322): %v.", errors.Unwrap(err))
	}
	if msg.Auto {
		return nil, nil
	}
	l := Lead{Email: msg.From.Address, Source: "email", Message: strings.TrimSpace(fmt.Sprintf("%s\n\n%s", msg.Subject, msg.Text))}
	if parts := strings.Fields(msg.From.Name); len(parts) > 0 {
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
