package support

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/mail"
)

// SMTPServer receives support email: mail to a queue's address becomes a
// case in that queue (or a message on the case it answers). It takes mail
// only for the queues' addresses, relays nothing, and answers every
// message with a clear SMTP status.
type SMTPServer struct {
	srv *smtp.Server
	log *slog.Logger
	// Other routes mail for addresses that are not queues (campaign bounce
	// addresses): it returns the address's handler, or nil.
	Other func(rcpt string) func(ctx context.Context, raw []byte) error
}

// NewSMTPServer builds the listener; domain is the name it greets with.
func NewSMTPServer(s *Service, domain string, log *slog.Logger) *SMTPServer {
	x := &SMTPServer{log: log}
	b := smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &smtpSession{svc: s, log: log, other: x.Other}, nil
	})
	srv := smtp.NewServer(b)
	srv.Domain = domain
	srv.MaxMessageBytes = mail.MaxEmailBytes
	srv.MaxRecipients = 50
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	x.srv = srv
	return x
}

// Serve accepts connections on ln until Close.
func (x *SMTPServer) Serve(ln net.Listener) error {
	err := x.srv.Serve(ln)
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Close stops the listener.
func (x *SMTPServer) Close() error { return x.srv.Close() }

type smtpSession struct {
	svc     *Service
	log     *slog.Logger
	other   func(rcpt string) func(ctx context.Context, raw []byte) error
	handler func(ctx context.Context, raw []byte) error // mail for an address that is not a queue
	from    string
	rcpt    []string
}

func (x *smtpSession) Reset()        { x.from, x.rcpt, x.handler = "", nil, nil }
func (x *smtpSession) Logout() error { return nil }

func (x *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	x.from = from
	return nil
}

func (x *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if x.other != nil && len(x.rcpt) == 0 && x.handler == nil {
		if h := x.other(strings.Trim(to, "<> ")); h != nil {
			x.handler = h
			return nil
		}
	}
	if x.handler != nil {
		return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 5, 3}, Message: "One recipient per report, please"}
	}
	addr := strings.ToLower(strings.Trim(to, "<> "))
	q, err := x.svc.store.QueueByEmail(context.Background(), addr)
	if err != nil {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	}
	if q == 0 {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox here"}
	}
	x.rcpt = append(x.rcpt, addr)
	return nil
}

func (x *smtpSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(io.LimitReader(r, mail.MaxEmailBytes+1))
	if err != nil {
		return err
	}
	if len(raw) > mail.MaxEmailBytes {
		return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4}, Message: "Message too big"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if x.handler != nil {
		if err := x.handler(ctx, raw); err != nil {
			if fault.Is(err, fault.Invalid) || fault.Is(err, fault.NotFound) {
				return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: err.Error()}
			}
			x.log.Error("returned email", "from", x.from, "err", err)
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
		}
		return nil
	}
	rcpt := ""
	if len(x.rcpt) > 0 {
		rcpt = x.rcpt[0]
	}
	res, err := x.svc.InboundEmail(ctx, auth.System("inbound-smtp"), raw, rcpt)
	if err != nil {
		if fault.Is(err, fault.Invalid) {
			return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: err.Error()}
		}
		x.log.Error("inbound email", "from", x.from, "err", err)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	}
	x.log.Info("inbound email", "from", x.from, "to", rcpt, "outcome", res.Outcome, "case", res.CaseID, "reason", res.Reason)
	return nil
}
