package support

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/mail"
)

// attachmentsOf keeps the files of a received message.
func attachmentsOf(in []mail.Attachment) []Attachment {
	out := make([]Attachment, 0, len(in))
	for _, a := range in {
		out = append(out, Attachment{Name: a.Name, ContentType: a.Type, Size: int64(len(a.Data)), Data: a.Data})
	}
	return out
}

// Outcomes of an inbound message.
const (
	InboundCreated   = "created"
	InboundThreaded  = "threaded"
	InboundReopened  = "reopened"
	InboundDuplicate = "duplicate"
	InboundIgnored   = "ignored"
)

// InboundResult says what became of an inbound email.
type InboundResult struct {
	Outcome   string
	Reason    string // why it was ignored
	CaseID    int64
	MessageID int64
}

// DefaultReopenDays is how long after resolution a customer's reply
// reopens a case rather than opening a new one.
const DefaultReopenDays = 7

// ackLimit bounds the acknowledgements sent to one address in an hour, so
// that two robots answering each other stop at once.
const ackLimit = 3

// reopenDays returns the configured reopen window.
func (s *Service) reopenDays(ctx context.Context) int {
	if v, err := s.store.Setting(ctx, "case_reopen_days"); err == nil {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			return n
		}
	}
	return DefaultReopenDays
}

// InboundEmail turns an email to a support address into a case, or into a
// message on the case it answers: threaded by the case token in the
// subject or by its In-Reply-To and References headers. The sender is
// matched to a customer by the duplicate engine, or becomes a new one.
// Automatic replies and delivery reports are recognised and dropped; the
// same message delivered twice is stored once. rcpt is the address it was
// sent to (it picks the queue); empty means the message's own To.
func (s *Service) InboundEmail(ctx context.Context, a auth.Actor, raw []byte, rcpt string) (InboundResult, error) {
	if err := a.Require(auth.CaseWrite); err != nil {
		return InboundResult{}, err
	}
	e, err := mail.Parse(raw)
	if err != nil {
		return InboundResult{}, fault.Wrap(fault.Invalid, err, "The message could not be read: %v.", errors.Unwrap(err))
	}
	if e.Auto {
		return InboundResult{Outcome: InboundIgnored, Reason: e.AutoReason}, nil
	}
	if s.MailFrom != "" && strings.EqualFold(e.From.Address, s.MailFrom) {
		return InboundResult{Outcome: InboundIgnored, Reason: "sent by SCRMS itself"}, nil
	}
	if e.MessageID != "" {
		if id, err := s.store.CaseByEmailIDs(ctx, []string{e.MessageID}); err != nil {
			return InboundResult{}, err
		} else if id != 0 {
			return InboundResult{Outcome: InboundDuplicate, CaseID: id}, nil
		}
	}
	sys := auth.System("inbound-email")
	m := &Message{Kind: MsgEmailIn, Inbound: true, From: e.From.Address, To: strings.Join(e.To, ", "),
		Subject: e.Subject, Body: e.Text, MessageID: e.MessageID, InReplyTo: e.InReplyTo,
		References: strings.Join(e.References, " "), Attachments: attachmentsOf(e.Attachments)}
	if len(m.Subject) > 300 {
		m.Subject = m.Subject[:300]
	}
	if caseID := s.threadOf(ctx, e); caseID != 0 {
		m.Body = stripQuoted(e.Text)
		res, err := s.customerMessage(ctx, sys, caseID, m)
		if !errors.Is(err, errStartNew) {
			return res, s.duplicateOK(err, &res, e.MessageID)
		}
		// The case was closed too long ago: the reply opens a new case.
		m.Body = e.Text
		cur, _ := s.store.FindCase(ctx, caseID)
		c, err := s.newEmailCase(ctx, sys, e, m, rcpt, cur.ID)
		res = InboundResult{Outcome: InboundCreated, CaseID: c.ID, MessageID: m.ID}
		return res, s.duplicateOK(err, &res, e.MessageID)
	}
	c, err := s.newEmailCase(ctx, sys, e, m, rcpt, 0)
	res := InboundResult{Outcome: InboundCreated, CaseID: c.ID, MessageID: m.ID}
	return res, s.duplicateOK(err, &res, e.MessageID)
}

// duplicateOK turns a conflict on the message id (the same message
// delivered twice at the same moment) into the duplicate outcome.
func (s *Service) duplicateOK(err error, res *InboundResult, messageID string) error {
	if err == nil || !fault.Is(err, fault.Conflict) || messageID == "" {
		return err
	}
	id, ferr := s.store.CaseByEmailIDs(context.Background(), []string{messageID})
	if ferr != nil || id == 0 {
		return err
	}
	*res = InboundResult{Outcome: InboundDuplicate, CaseID: id}
	return nil
}

var errStartNew = errors.New("start a new case")

// threadOf finds the case an email answers: by its subject token (the case
// id and its code must match), else by the messages it refers to.
func (s *Service) threadOf(ctx context.Context, e mail.Received) int64 {
	if id, ref, ok := caseToken(e.Subject); ok {
		if c, err := s.store.FindCase(ctx, id); err == nil && c.Ref == ref {
			return s.followMerge(ctx, c)
		}
	}
	refs := append([]string{}, e.References...)
	if e.InReplyTo != "" {
		refs = append([]string{e.InReplyTo}, refs...)
	}
	if len(refs) == 0 {
		return 0
	}
	id, err := s.store.CaseByEmailIDs(ctx, refs)
	if err != nil || id == 0 {
		return 0
	}
	c, err := s.store.FindCase(ctx, id)
	if err != nil {
		return 0
	}
	return s.followMerge(ctx, c)
}

func (s *Service) followMerge(ctx context.Context, c Case) int64 {
	for i := 0; i < 10 && c.MergedInto != 0; i++ {
		next, err := s.store.FindCase(ctx, c.MergedInto)
		if err != nil {
			break
		}
		c = next
	}
	return c.ID
}

// customerMessage adds a customer's message to a case: a pending case is
// open again (its SLA clock runs), a resolved one reopens within the
// reopen window, the next-response target starts.
func (s *Service) customerMessage(ctx context.Context, a auth.Actor, caseID int64, m *Message) (InboundResult, error) {
	now := s.at()
	m.CreatedAt = now
	window := time.Duration(s.reopenDays(ctx)) * 24 * time.Hour
	outcome := InboundThreaded
	var before Case
	updated, err := s.store.UpdateCase(ctx, caseID, m, func(cur Case) (Case, audit.Entry, error) {
		before = cur
		next := cur
		if !cur.Active() {
			done := cur.ResolvedAt
			if done.IsZero() {
				done = cur.ClosedAt
			}
			if cur.MergedInto != 0 || now.Sub(done) > window {
				return cur, audit.Entry{}, errStartNew
			}
			next.Status = StatusOpen
			outcome = InboundReopened
		} else if cur.Status == StatusPending || cur.Status == StatusNew && cur.AssigneeID != 0 {
			next.Status = StatusOpen
		}
		if err := s.transition(ctx, cur, &next); err != nil {
			return cur, audit.Entry{}, err
		}
		s.customerWrote(ctx, &next, now)
		next.UpdatedAt = now
		e := a.Audit("customer_message", "case", caseID, now)
		e.Changes = caseChanges(cur, next)
		return next, e, nil
	})
	if err != nil {
		return InboundResult{}, err
	}
	s.logOnTimeline(ctx, updated, m)
	s.afterChange(ctx, before, updated)
	if updated.AssigneeID != 0 {
		verb := "replied on"
		if outcome == InboundReopened {
			verb = "reopened"
		}
		s.tell(ctx, []int64{updated.AssigneeID}, "case_reply", "The customer "+verb+" case #%d: %s", updated)
	}
	return InboundResult{Outcome: outcome, CaseID: caseID, MessageID: m.ID}, nil
}

// CustomerReply adds a message from the customer to a case (the portal, a
// chat, a social message posted through the API).
func (s *Service) CustomerReply(ctx context.Context, a auth.Actor, caseID int64, kind, body string) (InboundResult, error) {
	if err := a.Require(auth.CaseWrite); err != nil {
		return InboundResult{}, err
	}
	if _, err := s.FindCase(ctx, a, caseID); err != nil {
		return InboundResult{}, err
	}
	body = strings.TrimSpace(body)
	if body == "" || len(body) > 100000 {
		return InboundResult{}, fault.Field("body", "must be 1 to 100,000 characters")
	}
	res, err := s.customerMessage(ctx, a, caseID, &Message{Kind: kind, Inbound: true, Body: body})
	if errors.Is(err, errStartNew) {
		return InboundResult{}, fault.New(fault.Conflict, "Case %d was closed too long ago; open a new case.", caseID)
	}
	return res, err
}

// newEmailCase opens a case from an email and acknowledges it.
func (s *Service) newEmailCase(ctx context.Context, a auth.Actor, e mail.Received, m *Message, rcpt string, parent int64) (Case, error) {
	customerID, err := s.matchSender(ctx, a, e.From.Name, e.From.Address)
	if err != nil {
		return Case{}, err
	}
	subject := e.Subject
	if subject == "" {
		subject = "(no subject)"
	}
	if len(subject) > 300 {
		subject = subject[:300]
	}
	c := Case{Subject: subject, Type: "question", Priority: "normal", Status: StatusNew, Channel: "email",
		CustomerID: customerID, ParentID: parent}
	if types := s.CaseTypes(ctx); len(types) > 0 && !slices.Contains(types, c.Type) {
		c.Type = types[0]
	}
	for _, to := range append([]string{rcpt}, e.To...) {
		if to = strings.ToLower(strings.Trim(strings.TrimSpace(to), "<>")); to == "" {
			continue
		}
		if q, err := s.store.QueueByEmail(ctx, to); err == nil && q != 0 {
			c.QueueID = q
			break
		}
	}
	created, err := s.open(ctx, a, c, m)
	if err != nil {
		return Case{}, err
	}
	s.acknowledge(ctx, created, e)
	return created, nil
}

// matchSender finds the customer who wrote, or creates one.
func (s *Service) matchSender(ctx context.Context, a auth.Actor, name, address string) (int64, error) {
	in := customer.Input{Kind: customer.Person, Emails: []customer.Email{{Address: address, Primary: true}}}
	if parts := strings.Fields(name); len(parts) > 0 {
		in.FirstName, in.LastName = parts[0], strings.Join(parts[1:], " ")
	}
	likely, err := s.customers.LikelyDuplicates(ctx, a, in)
	if err != nil {
		return 0, err
	}
	for _, l := range likely {
		for _, em := range l.Customer.Emails {
			if strings.EqualFold(em.Address, address) {
				return l.Customer.ID, nil
			}
		}
	}
	if in.FirstName == "" {
		local, _, _ := strings.Cut(address, "@")
		in.FirstName = local
	}
	c, err := s.customers.CreateCustomer(ctx, a, in)
	if err != nil {
		// A sender whose name SCRMS cannot take is still a customer by address.
		in.FirstName, in.LastName = "", ""
		if c, err = s.customers.CreateCustomer(ctx, a, in); err != nil {
			return 0, err
		}
	}
	return c.ID, nil
}

// acknowledge tells the sender their case is open, unless that could start
// a mail loop: at most ackLimit acknowledgements to one address an hour.
func (s *Service) acknowledge(ctx context.Context, c Case, e mail.Received) {
	if s.MailFrom == "" || s.jobs == nil || e.Auto {
		return
	}
	n, err := s.store.CountAutoMessagesTo(ctx, e.From.Address, s.at().Add(-time.Hour))
	if err != nil || n >= ackLimit {
		return
	}
	body := fmt.Sprintf("Hello,\n\nWe have received your message and opened case %d for it. We will answer as soon as we can.\n"+
		"To add anything, reply to this email and keep %s in the subject.\n\n%q", c.ID, c.Token(), e.Subject)
	m := &Message{Kind: MsgEmailOut, Auto: true, From: s.MailFrom, To: e.From.Address, Body: body,
		Subject: "Re: " + c.Subject + " " + c.Token(), MessageID: newMessageID(c.ID, s.MailFrom),
		InReplyTo: e.MessageID, CreatedAt: s.at()}
	if e.MessageID != "" {
		m.References = "<" + e.MessageID + ">"
	}
	if err := s.store.AppendCaseMessage(ctx, c.ID, m); err != nil {
		return
	}
	_ = s.jobs.EnqueueCaseMail(ctx, m.ID)
}
