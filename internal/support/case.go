// Package support is SCRMS's customer service platform: cases arriving from
// every channel, the queues and agents who work them, the service levels
// that time them and escalate them, the knowledge base that answers them,
// and the surveys that ask customers how it went.
package support

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
)

// Case statuses. A pending case waits on the customer and its SLA clock stops.
const (
	StatusNew      = "new"
	StatusOpen     = "open"
	StatusPending  = "pending"
	StatusResolved = "resolved"
	StatusClosed   = "closed"
)

// Statuses lists the case statuses in their usual order.
var Statuses = []string{StatusNew, StatusOpen, StatusPending, StatusResolved, StatusClosed}

// Priorities lists case priorities from the lowest.
var Priorities = []string{"low", "normal", "high", "urgent"}

// DefaultTypes are the case types until an administrator sets others.
var DefaultTypes = []string{"question", "request", "complaint", "incident", "problem"}

// Channels are where a case can come from.
var Channels = []string{"email", "web", "chat", "phone", "social", "portal", "agent", "api"}

// Message kinds. Inbound kinds come from the customer; notes are internal.
const (
	MsgEmailIn  = "email_in"
	MsgEmailOut = "email_out"
	MsgNote     = "note"
	MsgChat     = "chat"
	MsgPhone    = "phone"
	MsgSocial   = "social"
	MsgWeb      = "web"
	MsgPortal   = "portal"
)

// Case is one customer's request, question, complaint or incident.
type Case struct {
	ID                int64
	Ref               string // a random code that makes the subject token unguessable
	Subject           string
	Type              string
	Category          string
	Priority          string
	Status            string
	Channel           string
	CustomerID        int64
	CustomerName      string
	CustomerEmail     string
	QueueID           int64
	QueueName         string
	AssigneeID        int64
	AssigneeName      string
	ProductSKU        string
	OrderID           int64
	PolicyID          int64
	FirstResponseDue  time.Time
	FirstRespondedAt  time.Time
	NextResponseDue   time.Time
	ResolutionDue     time.Time
	PausedAt          time.Time
	ResolvedAt        time.Time
	ClosedAt          time.Time
	ResolutionCode    string
	RootCause         string
	SuggestedCategory string
	SuggestedQueueID  int64
	MergedInto        int64
	ParentID          int64
	Reopened          int
	CreatedBy         int64
	CreatedAt         time.Time
	UpdatedAt         time.Time
	LastCustomerAt    time.Time
}

// Token is what SCRMS puts in the subject of its emails about the case; a
// reply carrying it threads onto the case.
func (c Case) Token() string { return fmt.Sprintf("[#%d-%s]", c.ID, c.Ref) }

// Active reports whether the case still needs work.
func (c Case) Active() bool { return c.Status != StatusResolved && c.Status != StatusClosed }

// Message is one message on a case: an email in or out, a chat, a logged
// call, a social message, or an internal note.
type Message struct {
	ID            int64
	CaseID        int64
	Kind          string
	Inbound       bool // from the customer
	Internal      bool // a note: never shown or sent to the customer
	AuthorID      int64
	AuthorName    string
	From          string
	To            string
	Subject       string
	Body          string
	MessageID     string // the RFC 5322 Message-ID of an email
	InReplyTo     string
	References    string
	RecordingURL  string // a call's recording
	Auto          bool   // written by SCRMS (an acknowledgement, a survey)
	SentAt        time.Time
	InteractionID int64
	CreatedAt     time.Time
	Attachments   []Attachment
}

// Attachment is a file that came with or went with a message.
type Attachment struct {
	ID          int64
	MessageID   int64
	CaseID      int64
	Name        string
	ContentType string
	Size        int64
	Data        []byte // only when the file itself is read
}

// Visibility is what part of the cases a reader may see.
type Visibility struct {
	Scope  auth.Scope
	UserID int64
	TeamID int64
}

func visibilityOf(a auth.Actor) Visibility {
	return Visibility{Scope: a.Role.Scope(), UserID: a.UserID, TeamID: a.TeamID}
}

// CaseFilter selects cases for a list.
type CaseFilter struct {
	Status     string // a status, "active" (new, open, pending) or "" for all
	QueueID    int64
	AssigneeID int64
	Unassigned bool
	CustomerID int64
	Priority   string
	Breached   bool // an SLA due passed and not met
	Text       string
	Now        time.Time
	Limit      int
	AfterID    int64 // for paging: cases with a smaller id
}

// CaseInput is a new case or the changes to one; nil leaves a field.
type CaseInput struct {
	Subject        *string
	Description    string // the first message of a new case
	Type           *string
	Category       *string
	Priority       *string
	Status         *string
	Channel        string
	CustomerID     *int64
	QueueID        *int64
	AssigneeID     *int64
	ProductSKU     *string
	OrderID        *int64
	ResolutionCode *string
	RootCause      *string
	RecordingURL   string // for a logged phone call
}

// CaseTypes returns the configured case types.
func (s *Service) CaseTypes(ctx context.Context) []string {
	v, err := s.store.Setting(ctx, "case_types")
	if err != nil || v == "" {
		return DefaultTypes
	}
	return strings.Split(v, ",")
}

// SetCaseTypes configures the case types.
func (s *Service) SetCaseTypes(ctx context.Context, a auth.Actor, types []string) ([]string, error) {
	if err := a.Require(auth.ServiceAdmin); err != nil {
		return nil, err
	}
	var clean []string
	for _, t := range types {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" || strings.Contains(t, ",") || len(t) > 40 {
			return nil, fault.Field("types", "each type must be a word or two, without commas")
		}
		if !slices.Contains(clean, t) {
			clean = append(clean, t)
		}
	}
	if len(clean) == 0 {
		return nil, fault.Field("types", "give at least one type")
	}
	e := a.Audit("update", "settings", 0, s.at())
	e.Changes = []audit.Change{{Field: "case_types", Old: strings.Join(s.CaseTypes(ctx), ","), New: strings.Join(clean, ",")}}
	return clean, s.store.SetSetting(ctx, "case_types", strings.Join(clean, ","), s.at(), e)
}

func (s *Service) validate(ctx context.Context, c Case) error {
	var f fault.Fields
	if strings.TrimSpace(c.Subject) == "" || len(c.Subject) > 300 {
		f.Add("subject", "must be 1 to 300 characters")
	}
	if !slices.Contains(s.CaseTypes(ctx), c.Type) {
		f.Add("type", "must be one of %s", strings.Join(s.CaseTypes(ctx), ", "))
	}
	if !slices.Contains(Priorities, c.Priority) {
		f.Add("priority", "must be one of %s", strings.Join(Priorities, ", "))
	}
	if !slices.Contains(Statuses, c.Status) {
		f.Add("status", "must be one of %s", strings.Join(Statuses, ", "))
	}
	if !slices.Contains(Channels, c.Channel) {
		f.Add("channel", "must be one of %s", strings.Join(Channels, ", "))
	}
	if c.CustomerID == 0 {
		f.Add("customer_id", "is required: every case belongs to a customer")
	}
	if len(c.Category) > 100 {
		f.Add("category", "must be at most 100 characters")
	}
	return f.Err()
}

func (in CaseInput) apply(c Case) Case {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&c.Subject, in.Subject)
	set(&c.Type, in.Type)
	set(&c.Category, in.Category)
	set(&c.Priority, in.Priority)
	set(&c.Status, in.Status)
	set(&c.ProductSKU, in.ProductSKU)
	set(&c.ResolutionCode, in.ResolutionCode)
	set(&c.RootCause, in.RootCause)
	if in.CustomerID != nil {
		c.CustomerID = *in.CustomerID
	}
	if in.QueueID != nil {
		c.QueueID = *in.QueueID
	}
	if in.AssigneeID != nil {
		c.AssigneeID = *in.AssigneeID
	}
	if in.OrderID != nil {
		c.OrderID = *in.OrderID
	}
	return c
}

// CreateCase opens a case by hand (an agent, or a system through the API).
// The description becomes its first message, from the customer.
func (s *Service) CreateCase(ctx context.Context, a auth.Actor, in CaseInput) (Case, error) {
	if err := a.Require(auth.CaseWrite); err != nil {
		return Case{}, err
	}
	c := in.apply(Case{Type: "question", Priority: "normal", Status: StatusNew, Channel: "agent"})
	if in.Channel != "" {
		c.Channel = in.Channel
	}
	if c.CustomerID != 0 {
		if _, err := s.customers.FindCustomer(ctx, a, c.CustomerID); err != nil {
			return Case{}, fault.Field("customer_id", "is not a customer you can see")
		}
	}
	var first *Message
	if d := strings.TrimSpace(in.Description); d != "" {
		kind := map[string]string{"phone": MsgPhone, "chat": MsgChat, "social": MsgSocial, "web": MsgWeb,
			"portal": MsgPortal, "email": MsgEmailIn}[c.Channel]
		if kind == "" {
			kind = MsgWeb
		}
		first = &Message{Kind: kind, Inbound: true, Body: d, RecordingURL: strings.TrimSpace(in.RecordingURL)}
	}
	return s.open(ctx, a, c, first)
}

// open stores a new case: its SLA, its queue's assignment, its first message.
func (s *Service) open(ctx context.Context, a auth.Actor, c Case, first *Message) (Case, error) {
	now := s.at()
	c.Ref, c.CreatedBy, c.CreatedAt, c.UpdatedAt = newRef(), a.UserID, now, now
	if first != nil && first.Inbound {
		c.LastCustomerAt = now
	}
	if err := s.validate(ctx, c); err != nil {
		return Case{}, err
	}
	if m := s.model.Load(); m != nil && first != nil {
		if sug, ok := m.Suggest(c.Subject + "\n" + first.Body); ok {
			c.SuggestedCategory = sug.Category
			if c.Category == "" {
				c.Category = sug.Category
			}
			if q, err := s.store.QueueForCategory(ctx, sug.Category); err == nil && q != 0 {
				c.SuggestedQueueID = q
				if c.QueueID == 0 {
					c.QueueID = q
				}
			}
		}
	}
	if c.QueueID != 0 && c.AssigneeID == 0 {
		id, err := s.pickAgent(ctx, c.QueueID, c)
		if err != nil {
			return Case{}, err
		}
		c.AssigneeID = id
		if id != 0 && c.Status == StatusNew {
			c.Status = StatusOpen
		}
	}
	if _, err := s.applyPolicy(ctx, &c); err != nil {
		return Case{}, err
	}
	if first != nil {
		first.CreatedAt = now
		if first.Subject == "" {
			first.Subject = c.Subject
		}
		if first.AuthorID == 0 && !first.Inbound {
			first.AuthorID = a.UserID
		}
	}
	e := a.Audit("create", "case", 0, now)
	e.Changes = []audit.Change{{Field: "subject", New: c.Subject}, {Field: "customer_id", New: fmt.Sprint(c.CustomerID)},
		{Field: "queue_id", New: fmt.Sprint(c.QueueID)}, {Field: "assignee_id", New: fmt.Sprint(c.AssigneeID)}}
	created, err := s.store.CreateCase(ctx, c, first, e)
	if err != nil {
		return Case{}, err
	}
	if first != nil {
		s.logOnTimeline(ctx, created, first)
	}
	s.scheduleSLA(ctx, created)
	s.publish(ctx, "case.created", created)
	if created.AssigneeID != 0 {
		s.tell(ctx, []int64{created.AssigneeID}, "case_assigned", "Case #%d assigned to you: %s", created)
	}
	return created, nil
}

func (s *Service) tell(ctx context.Context, ids []int64, kind, format string, c Case) {
	if s.notify == nil || len(ids) == 0 {
		return
	}
	_ = s.notify.ToUsers(ctx, ids, kind, fmt.Sprintf(format, c.ID, c.Subject), "", fmt.Sprintf("/cases/%d", c.ID))
}

// logOnTimeline records a customer-facing message as an interaction on the
// customer's timeline. Internal notes stay on the case.
func (s *Service) logOnTimeline(ctx context.Context, c Case, m *Message) {
	if m.Internal || m.ID == 0 {
		return
	}
	channel := map[string]string{MsgEmailIn: "email", MsgEmailOut: "email", MsgChat: "chat", MsgPhone: "phone",
		MsgSocial: "social", MsgWeb: "web_visit", MsgPortal: "web_visit"}[m.Kind]
	if channel == "" {
		channel = "other"
	}
	dir := "outbound"
	if m.Inbound {
		dir = "inbound"
	}
	body := m.Body
	if m.RecordingURL != "" {
		body += "\n\nRecording: " + m.RecordingURL
	}
	if len(body) > 20000 {
		body = body[:20000]
	}
	subject := m.Subject
	if subject == "" {
		subject = c.Subject
	}
	if len(subject) > 300 {
		subject = subject[:300]
	}
	in, err := s.customers.LogInteraction(ctx, auth.System("cases"), customer.InteractionInput{CustomerID: c.CustomerID,
		Channel: channel, Direction: dir, Subject: subject, Body: body, OccurredAt: m.CreatedAt, HandledBy: m.AuthorID,
		Source: "cases", ExternalID: fmt.Sprintf("case-message-%d", m.ID), RelatedType: "case", RelatedID: c.ID})
	if err == nil {
		_ = s.store.SetMessageInteraction(ctx, m.ID, in.ID)
	}
}

// FindCase returns a case the actor may see.
func (s *Service) FindCase(ctx context.Context, a auth.Actor, id int64) (Case, error) {
	if err := a.Require(auth.CaseRead); err != nil {
		return Case{}, err
	}
	c, err := s.store.FindCase(ctx, id)
	if err != nil {
		return Case{}, err
	}
	if !s.sees(ctx, a, c) {
		return Case{}, fault.New(fault.NotFound, "Case %d was not found.", id)
	}
	return maskCase(a, c), nil
}

// maskCase hides the customer's address from readers without the
// permission to see personal contact details.
func maskCase(a auth.Actor, c Case) Case {
	if !a.Can(auth.CustomerPII) && c.CustomerEmail != "" {
		c.CustomerEmail = "(hidden)"
	}
	return c
}

// sees reports whether the actor may see the case: through its customer,
// or because it is assigned to them.
func (s *Service) sees(ctx context.Context, a auth.Actor, c Case) bool {
	if a.Role.Scope() == auth.ScopeAll || (a.UserID != 0 && c.AssigneeID == a.UserID) {
		return true
	}
	_, err := s.customers.FindCustomer(ctx, a, c.CustomerID)
	return err == nil
}

// ListCases returns the cases the actor may see, newest first.
func (s *Service) ListCases(ctx context.Context, a auth.Actor, f CaseFilter) ([]Case, error) {
	if err := a.Require(auth.CaseRead); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	if f.Status != "" && f.Status != "active" && !slices.Contains(Statuses, f.Status) {
		return nil, fault.Field("status", "must be active or one of %s", strings.Join(Statuses, ", "))
	}
	f.Now = s.at()
	cs, err := s.store.ListCases(ctx, f, visibilityOf(a))
	for i := range cs {
		cs[i] = maskCase(a, cs[i])
	}
	return cs, err
}

// Messages returns a case's messages, oldest first.
func (s *Service) Messages(ctx context.Context, a auth.Actor, caseID int64) ([]Message, error) {
	if _, err := s.FindCase(ctx, a, caseID); err != nil {
		return nil, err
	}
	msgs, err := s.store.CaseMessages(ctx, caseID)
	if !a.Can(auth.CustomerPII) {
		for i := range msgs {
			if msgs[i].Inbound {
				msgs[i].From = "(hidden)"
			} else if msgs[i].To != "" {
				msgs[i].To = "(hidden)"
			}
		}
	}
	return msgs, err
}

// Attachment returns a file of a case the actor may see.
func (s *Service) Attachment(ctx context.Context, a auth.Actor, id int64) (Attachment, error) {
	at, err := s.store.CaseAttachment(ctx, id)
	if err != nil {
		return Attachment{}, err
	}
	if _, err := s.FindCase(ctx, a, at.CaseID); err != nil {
		return Attachment{}, fault.New(fault.NotFound, "Attachment %d was not found.", id)
	}
	return at, nil
}

// UpdateCase changes a case's fields: status, priority, queue, assignee,
// type, category, links, resolution.
func (s *Service) UpdateCase(ctx context.Context, a auth.Actor, id int64, in CaseInput) (Case, error) {
	if err := a.Require(auth.CaseWrite); err != nil {
		return Case{}, err
	}
	if _, err := s.FindCase(ctx, a, id); err != nil {
		return Case{}, err
	}
	if in.CustomerID != nil {
		if _, err := s.customers.FindCustomer(ctx, a, *in.CustomerID); err != nil {
			return Case{}, fault.Field("customer_id", "is not a customer you can see")
		}
	}
	var before Case
	updated, err := s.store.UpdateCase(ctx, id, nil, func(cur Case) (Case, audit.Entry, error) {
		before = cur
		c := in.apply(cur)
		if in.QueueID != nil && *in.QueueID != cur.QueueID && in.AssigneeID == nil && c.QueueID != 0 {
			agent, err := s.chooseAgent(ctx, c.QueueID, c)
			if err != nil {
				return c, audit.Entry{}, err
			}
			c.AssigneeID = agent
		}
		if err := s.validate(ctx, c); err != nil {
			return c, audit.Entry{}, err
		}
		if c.Status == StatusResolved && cur.Status != StatusResolved && c.ResolutionCode == "" {
			return c, audit.Entry{}, fault.Field("resolution_code", "say how the case was resolved")
		}
		if err := s.transition(ctx, cur, &c); err != nil {
			return c, audit.Entry{}, err
		}
		c.UpdatedAt = s.at()
		e := a.Audit("update", "case", id, c.UpdatedAt)
		e.Changes = caseChanges(cur, c)
		return c, e, nil
	})
	if err != nil {
		return Case{}, err
	}
	s.afterChange(ctx, before, updated)
	return updated, nil
}

// markTurn records that the case's agent got a case from its queue, for
// round robin; it runs after the case is stored.
func (s *Service) markTurn(ctx context.Context, before, c Case) {
	if c.QueueID != 0 && c.AssigneeID != 0 && (c.AssigneeID != before.AssigneeID || c.QueueID != before.QueueID) {
		_ = s.store.MarkAssigned(ctx, c.QueueID, c.AssigneeID, s.at())
	}
}

// transition keeps the SLA clock right as a case moves between statuses.
func (s *Service) transition(ctx context.Context, cur Case, c *Case) error {
	now := s.at()
	if cur.Status != c.Status {
		switch {
		case c.Status == StatusPending && cur.Status != StatusPending:
			c.PausedAt = now
		case cur.Status == StatusPending && c.Status != StatusPending:
			if err := s.resume(ctx, c, now); err != nil {
				return err
			}
		}
		switch c.Status {
		case StatusResolved:
			c.ResolvedAt = now
		case StatusClosed:
			c.ClosedAt = now
			if c.ResolvedAt.IsZero() {
				c.ResolvedAt = now
			}
		default:
			if !cur.Active() {
				c.ResolvedAt, c.ClosedAt = time.Time{}, time.Time{}
				c.Reopened++
			}
		}
	}
	if cur.Priority != c.Priority || cur.Type != c.Type {
		return s.reapplyPolicy(ctx, cur, c)
	}
	return nil
}

func (s *Service) afterChange(ctx context.Context, before, c Case) {
	s.markTurn(ctx, before, c)
	s.scheduleSLA(ctx, c)
	if c.AssigneeID != 0 && c.AssigneeID != before.AssigneeID {
		s.tell(ctx, []int64{c.AssigneeID}, "case_assigned", "Case #%d assigned to you: %s", c)
	}
	if c.Status == StatusResolved && before.Status != StatusResolved {
		_ = s.SendCSAT(ctx, c)
		s.publish(ctx, "case.resolved", c)
	}
}

func caseChanges(a, b Case) []audit.Change {
	var out []audit.Change
	add := func(field, x, y string) {
		if x != y {
			out = append(out, audit.Change{Field: field, Old: x, New: y})
		}
	}
	add("subject", a.Subject, b.Subject)
	add("type", a.Type, b.Type)
	add("category", a.Category, b.Category)
	add("priority", a.Priority, b.Priority)
	add("status", a.Status, b.Status)
	add("customer_id", fmt.Sprint(a.CustomerID), fmt.Sprint(b.CustomerID))
	add("queue_id", fmt.Sprint(a.QueueID), fmt.Sprint(b.QueueID))
	add("assignee_id", fmt.Sprint(a.AssigneeID), fmt.Sprint(b.AssigneeID))
	add("product_sku", a.ProductSKU, b.ProductSKU)
	add("order_id", fmt.Sprint(a.OrderID), fmt.Sprint(b.OrderID))
	add("resolution_code", a.ResolutionCode, b.ResolutionCode)
	add("root_cause", a.RootCause, b.RootCause)
	return out
}
