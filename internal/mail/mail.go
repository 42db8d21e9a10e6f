// Package mail sends SCRMS's email through an SMTP server.
package mail

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"

	gomail "github.com/wneessen/go-mail"
)

// Message is one plain-text email, with files attached.
type Message struct {
	To          string
	Subject     string
	Text        string
	Attachments []Attachment
	// Threading and loop prevention, for mail about a case.
	MessageID  string // without angle brackets
	InReplyTo  string // without angle brackets
	References string // as the header reads
	// Auto marks a message SCRMS wrote by itself (RFC 3834), so that
	// well-behaved auto-responders do not answer it.
	Auto bool
}

// Attachment is a file sent with a message.
type Attachment struct {
	Name string
	Type string
	Data []byte
}

// Sender sends email.
type Sender interface {
	Send(ctx context.Context, msgs ...Message) error
}

// SMTP sends through an SMTP server named by a URL:
// smtp://USER:PASSWORD@HOST:PORT?tls=starttls|tls|none (default starttls).
type SMTP struct {
	host, user, pass, from string
	port                   int
	tls                    string
}

// New reads an SMTP URL and the sender address.
func New(rawURL, from string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "smtp" || u.Host == "" {
		return nil, fmt.Errorf("mail: the SMTP URL must look like smtp://user:password@host:587")
	}
	host, portText, err := net.SplitHostPort(u.Host)
	if err != nil {
		host, portText = u.Host, "587"
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port <= 0 || port > 65535 {
		return nil, fmt.Errorf("mail: the SMTP port %q is not a port", portText)
	}
	s := &SMTP{host: host, port: port, from: from, tls: u.Query().Get("tls")}
	if s.tls == "" {
		s.tls = "starttls"
	}
	if s.tls != "starttls" && s.tls != "tls" && s.tls != "none" {
		return nil, fmt.Errorf("mail: tls must be starttls, tls or none")
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
	}
	if from == "" {
		return nil, fmt.Errorf("mail: a sender address (SCRMS_MAIL_FROM) is needed")
	}
	return s, nil
}

// Send delivers the messages over one connection.
func (s *SMTP) Send(ctx context.Context, msgs ...Message) error {
	if len(msgs) == 0 {
		return nil
	}
	opts := []gomail.Option{gomail.WithPort(s.port)}
	switch s.tls {
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case "tls":
		opts = append(opts, gomail.WithSSL())
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.user != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(s.user), gomail.WithPassword(s.pass))
	}
	c, err := gomail.NewClient(s.host, opts...)
	if err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	out := make([]*gomail.Msg, 0, len(msgs))
	for _, m := range msgs {
		msg := gomail.NewMsg()
		if err := msg.From(s.from); err != nil {
			return fmt.Errorf("mail: sender: %w", err)
		}
		if err := msg.To(m.To); err != nil {
			return fmt.Errorf("mail: recipient %q: %w", m.To, err)
		}
		msg.Subject(m.Subject)
		if m.MessageID != "" {
			msg.SetMessageIDWithValue(m.MessageID)
		}
		if m.InReplyTo != "" {
			msg.SetGenHeader(gomail.HeaderInReplyTo, "<"+m.InReplyTo+">")
		}
		if m.References != "" {
			msg.SetGenHeader(gomail.HeaderReferences, m.References)
		}
		if m.Auto {
			msg.SetGenHeader("Auto-Submitted", "auto-replied")
		}
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
		for _, at := range m.Attachments {
			if err := msg.AttachReader(at.Name, bytes.NewReader(at.Data), gomail.WithFileContentType(gomail.ContentType(at.Type))); err != nil {
				return fmt.Errorf("mail: attach %s: %w", at.Name, err)
			}
		}
		out = append(out, msg)
	}
	if err := c.DialAndSendWithContext(ctx, out...); err != nil {
		return fmt.Errorf("mail: send: %w", err)
	}
	return nil
}
