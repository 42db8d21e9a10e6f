// Package mail sends SCRMS's email through an SMTP server.
package mail

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"net"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
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
	dkim                   *gomail.DKIMSigner
	// timeout bounds connecting and each message's exchange (0: 30 s).
	timeout time.Duration
}

// SignDKIM signs every message with DKIM (RFC 6376) for the domain of the
// sender address, with the key (PEM, RSA or Ed25519) published in DNS
// under the selector.
func (s *SMTP) SignDKIM(selector string, keyPEM []byte) error {
	key, err := gomail.PrivKeyFromPEM(keyPEM)
	if err != nil {
		return fmt.Errorf("mail: DKIM key: %w", err)
	}
	addr, err := netmail.ParseAddress(s.from)
	if err != nil {
		return fmt.Errorf("mail: the sender %q is not an address: %w", s.from, err)
	}
	domain := addr.Address[strings.LastIndexByte(addr.Address, '@')+1:]
	signer := gomail.NewDKIMSigner(domain, selector, key)
	if err := signer.ValidateConfig(); err != nil {
		return fmt.Errorf("mail: DKIM: %w", err)
	}
	s.dkim = signer
	return nil
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
	c, err := s.client()
	if err != nil {
		return err
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

// client builds a go-mail client for the server.
func (s *SMTP) client(extra ...gomail.Option) (*gomail.Client, error) {
	opts := append([]gomail.Option{gomail.WithPort(s.port)}, extra...)
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
		return nil, fmt.Errorf("mail: %w", err)
	}
	if s.dkim != nil {
		if err := c.SetAlwaysDKIMSign(s.dkim); err != nil {
			return nil, fmt.Errorf("mail: %w", err)
		}
	}
	return c, nil
}

// Rich is an email with an HTML and a plain-text part and extra headers
// (a campaign message).
type Rich struct {
	To           string
	EnvelopeFrom string // where delivery reports return; "" for the From address
	Subject      string
	Text         string
	HTML         string
	Headers      map[string]string
}

// Conn is an open connection that sends many messages in turn. Without
// DKIM it writes each message itself (see richWriter) straight into the
// SMTP session; with DKIM, go-mail builds and signs them.
type Conn struct {
	s      *SMTP
	c      *gomail.Client
	sc     *smtp.Client // the session, when SCRMS writes the messages
	w      *richWriter
	sender string // the sender's bare address, the default envelope sender
	// pipelining: the server takes MAIL, RCPT and DATA in one go.
	pipelining bool
}

// Open connects to the server for a run of messages.
func (s *SMTP) Open(ctx context.Context) (*Conn, error) {
	// No NOOP before each message: the connection is in use all along.
	c, err := s.client(gomail.WithoutNoop(), gomail.WithTimeout(s.sendTimeout()))
	if err != nil {
		return nil, err
	}
	if s.dkim != nil {
		if err := c.DialWithContext(ctx); err != nil {
			return nil, fmt.Errorf("mail: connect: %w", err)
		}
		return &Conn{s: s, c: c}, nil
	}
	from, err := netmail.ParseAddress(s.from)
	if err != nil {
		return nil, fmt.Errorf("mail: the sender %q is not an address: %w", s.from, err)
	}
	sc, err := c.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("mail: connect: %w", err)
	}
	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	k := &Conn{s: s, c: c, sc: sc, w: newRichWriter(from.String(), domain), sender: from.Address}
	k.pipelining, _ = sc.Extension("PIPELINING")
	return k, nil
}

// plainLines reports whether s can go as it is: ASCII only, and no line
// longer than SMTP allows (998 octets).
func plainLines(s string) bool {
	line := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 0x80 || c == '\r':
			return false
		case c == '\n':
			line = 0
		default:
			if line++; line > 998 {
				return false
			}
		}
	}
	return true
}

// Send sends one message on the connection. Bodies that are plain ASCII
// in short lines go as they are; others are quoted-printable.
func (k *Conn) Send(ctx context.Context, m Rich) error {
	if k.sc != nil {
		return k.sendRaw(m)
	}
	var msg *gomail.Msg
	if plainLines(m.Text) && plainLines(m.HTML) {
		msg = gomail.NewMsg(gomail.WithEncoding(gomail.NoEncoding))
	} else {
		msg = gomail.NewMsg()
	}
	if err := msg.From(k.s.from); err != nil {
		return fmt.Errorf("mail: sender: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("mail: recipient %q: %w", m.To, err)
	}
	if m.EnvelopeFrom != "" {
		if err := msg.EnvelopeFrom(m.EnvelopeFrom); err != nil {
			return fmt.Errorf("mail: envelope sender: %w", err)
		}
	}
	msg.Subject(m.Subject)
	for k, v := range m.Headers {
		msg.SetGenHeader(gomail.Header(k), v)
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	if err := k.c.Send(msg); err != nil {
		return fmt.Errorf("mail: send: %w", err)
	}
	return nil
}

// sendRaw writes the message itself into the session. When the server
// takes pipelined commands (RFC 2920), MAIL, RCPT and DATA go in one write
// and their replies are read together: two round trips a message, not four.
func (k *Conn) sendRaw(m Rich) error {
	to, err := netmail.ParseAddress(m.To)
	if err != nil {
		return fmt.Errorf("mail: recipient %q: %w", m.To, err)
	}
	envelope := m.EnvelopeFrom
	if envelope == "" {
		envelope = k.sender
	}
	if strings.ContainsAny(envelope, "<>\r\n") {
		return fmt.Errorf("mail: envelope sender %q is not an address", envelope)
	}
	// Each message gets the whole timeout (the one set when dialling would
	// run out in the middle of a long campaign).
	if err := k.sc.UpdateDeadline(k.s.sendTimeout()); err != nil {
		return fmt.Errorf("mail: send: %w", err)
	}
	body := k.w.stuffed(k.w.write(m, time.Now()))
	if !k.pipelining {
		if err := k.sc.Mail("<" + envelope + ">"); err != nil {
			_ = k.sc.Reset()
			return fmt.Errorf("mail: send: MAIL FROM: %w", err)
		}
		if err := k.sc.Rcpt("<" + to.Address + ">"); err != nil {
			_ = k.sc.Reset()
			return fmt.Errorf("mail: send: RCPT TO <%s>: %w", to.Address, err)
		}
		if _, _, err := k.cmd(354, "DATA"); err != nil {
			_ = k.sc.Reset()
			return fmt.Errorf("mail: send: DATA: %w", err)
		}
	} else {
		t := k.sc.Text
		id := t.Next()
		t.StartRequest(id)
		_, err := fmt.Fprintf(t.W, "MAIL FROM:<%s>\r\nRCPT TO:<%s>\r\nDATA\r\n", envelope, to.Address)
		if err == nil {
			err = t.W.Flush()
		}
		t.EndRequest(id)
		if err != nil {
			return fmt.Errorf("mail: send: %w", err)
		}
		t.StartResponse(id)
		_, _, errMail := t.ReadResponse(250)
		_, _, errRcpt := t.ReadResponse(25)
		_, _, errData := t.ReadResponse(354)
		t.EndResponse(id)
		if err := cmp.Or(errMail, errRcpt, errData); err != nil {
			if errData == nil {
				// The server waits for the message: end it empty-handed.
				_, _ = t.W.WriteString(".\r\n")
				_ = t.W.Flush()
				_, _, _ = t.ReadResponse(0)
			}
			_ = k.sc.Reset()
			return fmt.Errorf("mail: send to <%s>: %w", to.Address, err)
		}
	}
	// The message and its end go in one write.
	t := k.sc.Text
	if _, err := t.W.Write(append(body, ".\r\n"...)); err != nil {
		return fmt.Errorf("mail: send: %w", err)
	}
	if err := t.W.Flush(); err != nil {
		return fmt.Errorf("mail: send: %w", err)
	}
	if _, _, err := t.ReadResponse(250); err != nil {
		return fmt.Errorf("mail: send: %w", err)
	}
	return nil
}

// sendTimeout bounds connecting and one message's exchange with the
// server.
func (s *SMTP) sendTimeout() time.Duration {
	if s.timeout > 0 {
		return s.timeout
	}
	return 30 * time.Second
}

// cmd sends one command and reads its reply.
func (k *Conn) cmd(expect int, line string) (int, string, error) {
	t := k.sc.Text
	id, err := t.Cmd("%s", line)
	if err != nil {
		return 0, "", err
	}
	t.StartResponse(id)
	defer t.EndResponse(id)
	return t.ReadResponse(expect)
}

// Close ends the connection.
func (k *Conn) Close() error {
	if k.sc != nil {
		_ = k.sc.Quit()
		return k.sc.Close()
	}
	return k.c.Close()
}
