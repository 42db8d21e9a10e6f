package support

import (
	"context"
	"crypto/rand"
	"sync/atomic"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/mail"
)

// Store is what the service platform needs from storage.
type Store interface {
	CreateCase(ctx context.Context, c Case, first *Message, e audit.Entry) (Case, error)
	FindCase(ctx context.Context, id int64) (Case, error)
	// AppendCaseMessage adds a message SCRMS writes itself (an
	// acknowledgement, a survey) without changing the case.
	AppendCaseMessage(ctx context.Context, caseID int64, m *Message) error
	// UpdateCase runs change on the locked case and stores the result, and
	// adds msg (when not nil) in the same transaction.
	UpdateCase(ctx context.Context, id int64, msg *Message, change func(cur Case) (Case, audit.Entry, error)) (Case, error)
	ListCases(ctx context.Context, f CaseFilter, v Visibility) ([]Case, error)
	CaseMessages(ctx context.Context, caseID int64) ([]Message, error)
	FindCaseMessage(ctx context.Context, id int64) (Message, error)
	MarkCaseMessageSent(ctx context.Context, id int64, at time.Time) (bool, error)
	SetMessageInteraction(ctx context.Context, messageID, interactionID int64) error
	// CaseByEmailIDs finds the case holding a message with one of the
	// Message-IDs, newest first; 0 when none.
	CaseByEmailIDs(ctx context.Context, ids []string) (int64, error)
	CountAutoMessagesTo(ctx context.Context, address string, since time.Time) (int, error)
	CaseAttachment(ctx context.Context, id int64) (Attachment, error)
	MoveCaseMessages(ctx context.Context, fromCase, toCase int64, messageIDs []int64, e audit.Entry) error

	Setting(ctx context.Context, key string) (string, error)
	SetSetting(ctx context.Context, key, value string, at time.Time, e audit.Entry) error

	QueueStore
	SLAStore
	ModelStore
	SurveyStore
	KBStore
	ChatStore
	PortalStore
	MacroStore
}

// Customers is the customer information the service platform uses.
type Customers interface {
	FindCustomer(ctx context.Context, a auth.Actor, id int64) (customer.Customer, error)
	LikelyDuplicates(ctx context.Context, a auth.Actor, in customer.Input) ([]customer.Likely, error)
	CreateCustomer(ctx context.Context, a auth.Actor, in customer.Input) (customer.Customer, error)
	LogInteraction(ctx context.Context, a auth.Actor, in customer.InteractionInput) (customer.Interaction, error)
	Consents(ctx context.Context, a auth.Actor, customerID int64) (current, history []customer.ConsentEvent, err error)
	RecordConsent(ctx context.Context, a auth.Actor, customerID int64, in customer.ConsentInput) (customer.ConsentEvent, error)
}

// Notifier tells users about cases that need them.
type Notifier interface {
	ToUsers(ctx context.Context, ids []int64, kind, title, body, link string) error
	Mentions(ctx context.Context, from auth.Actor, text string, canSee func(auth.User) bool, title, link string) error
	EmailUsers(ctx context.Context, ids []int64, subject, text string) error
}

// Jobs runs the service platform's background work.
type Jobs interface {
	// ScheduleSLACheck runs the case's escalation rules at a time.
	ScheduleSLACheck(ctx context.Context, caseID int64, at time.Time) error
	// EnqueueCaseMail sends an outgoing message of a case.
	EnqueueCaseMail(ctx context.Context, messageID int64) error
	// EnqueueSurveyMail sends surveys of a survey form.
	EnqueueSurveyMail(ctx context.Context, surveyIDs []int64) error
}

// Service runs cases.
type Service struct {
	store     Store
	customers Customers
	notify    Notifier
	jobs      Jobs
	now       func() time.Time
	slaCache  slaSetup
	// model, when set, suggests a category and queue for new cases.
	model atomic.Pointer[Classifier]
	// MailFrom is the address replies come from; BaseURL makes links absolute.
	MailFrom string
	BaseURL  string
	// FollowUp, when set, opens a task for an agent after a low rating.
	FollowUp FollowUpFunc
	// Chats wakes the live chat screens of this process.
	Chats *ChatHub
	// Mail sends the portal's sign-in links.
	Mail mail.Sender
	// Publish, when set, tells other systems of cases opened and resolved.
	Publish func(ctx context.Context, event string, data any)
	// Tiers, when set, names a customer's loyalty tiers and tier benefits
	// ("gold", "priority_service"), which SLA policies match like tags.
	Tiers func(ctx context.Context, customerID int64) []string
	// Answered, when set, hears of each survey a customer answers
	// (loyalty points for answering).
	Answered func(ctx context.Context, customerID, surveyID int64)
}

func (s *Service) publish(ctx context.Context, event string, c Case) {
	if s.Publish != nil {
		s.Publish(ctx, event, map[string]any{"id": c.ID, "subject": c.Subject, "type": c.Type, "priority": c.Priority,
			"status": c.Status, "channel": c.Channel, "customer_id": c.CustomerID, "queue_id": c.QueueID,
			"assignee_id": c.AssigneeID, "resolution_code": c.ResolutionCode})
	}
}

// NewService returns the service platform.
func NewService(st Store, customers Customers, notify Notifier, jobs Jobs, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, customers: customers, notify: notify, jobs: jobs, now: now, Chats: NewChatHub()}
}

func (s *Service) at() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// UseModel puts a category model to use.
func (s *Service) UseModel(c *Classifier) { s.model.Store(c) }

// SetJobs connects the background jobs (they are built after the service).
func (s *Service) SetJobs(j Jobs) { s.jobs = j }

func newRef() string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 6)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
