package support

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// Survey is a satisfaction question sent to a customer: CSAT (1-5) after a
// case is resolved, or NPS (0-10).
type Survey struct {
	ID         int64
	Kind       string // csat, nps
	Token      string
	CaseID     int64
	CustomerID int64
	AgentID    int64
	QueueID    int64
	SentAt     time.Time
	AnsweredAt time.Time
	Score      int // -1 until answered
	Comment    string
	FollowUp   int64 // the task opened for a low score
	FormID     int64 // the survey form it was sent by (0: a case's CSAT)
	Email      string
	Answers    map[string]string // a custom survey's answers by question id
	MailedAt   time.Time
}

// Max is the highest score of the survey's scale.
func (s Survey) Max() int {
	if s.Kind == "nps" {
		return 10
	}
	return 5
}

// Low reports whether an answer calls for a follow-up: CSAT 1-2, or an NPS
// detractor (0-6).
func (s Survey) Low() bool {
	if s.Score < 0 {
		return false
	}
	if s.Kind == "nps" {
		return s.Score <= 6
	}
	return s.Score <= 2
}

// Satisfaction is the average score of a group of answered surveys.
type Satisfaction struct {
	Key     int64 // the agent or queue id
	Name    string
	Answers int
	Average float64
	// NPS is promoters minus detractors, in percent (NPS surveys only).
	NPS float64
}

// CustomerService sums up a customer's service history.
type CustomerService struct {
	Open, Resolved, Breached int
	CSAT                     float64
	CSATCount                int
	NPS                      int // the latest NPS answer, -1 when none
}

// SurveyStore keeps surveys.
type SurveyStore interface {
	CreateSurvey(ctx context.Context, sv Survey) (Survey, error)
	SurveyByToken(ctx context.Context, token string) (Survey, error)
	AnswerSurvey(ctx context.Context, id int64, score int, comment string, at time.Time) error
	SetSurveyFollowUp(ctx context.Context, id, activityID int64) error
	SatisfactionBy(ctx context.Context, kind, by string, since time.Time) ([]Satisfaction, error)
	CustomerServiceStats(ctx context.Context, customerID int64) (CustomerService, error)
	SurveyFormStore
}

// FollowUpFunc opens a task for a user about a customer.
type FollowUpFunc func(ctx context.Context, ownerID, customerID int64, subject, notes string) (int64, error)

func newToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// SendCSAT asks the customer of a resolved case how satisfied they were:
// an email (through the outbox, on the case's thread) with one link per
// score; a click answers. Once per case.
func (s *Service) SendCSAT(ctx context.Context, c Case) error {
	if c.CustomerEmail == "" || s.MailFrom == "" || s.jobs == nil {
		return nil
	}
	sv, err := s.store.CreateSurvey(ctx, Survey{Kind: "csat", Token: newToken(), CaseID: c.ID, CustomerID: c.CustomerID,
		AgentID: c.AssigneeID, QueueID: c.QueueID, SentAt: s.at()})
	if fault.Is(err, fault.Conflict) {
		return nil // asked already
	}
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Hello,\n\nYour case %q is resolved. How satisfied are you with the help you got?\n\n", c.Subject)
	labels := []string{"", "Very unsatisfied", "Unsatisfied", "Neutral", "Satisfied", "Very satisfied"}
	for score := 5; score >= 1; score-- {
		fmt.Fprintf(&b, "%d - %s: %s/s/%s?score=%d\n", score, labels[score], strings.TrimRight(s.BaseURL, "/"), sv.Token, score)
	}
	b.WriteString("\nOne click answers; you can add a comment on the page that opens.\n")
	m := &Message{Kind: MsgEmailOut, Auto: true, From: s.MailFrom, To: c.CustomerEmail, Body: b.String(),
		Subject: "How did we do? " + c.Token(), MessageID: newMessageID(c.ID, s.MailFrom), CreatedAt: s.at()}
	if err := s.store.AppendCaseMessage(ctx, c.ID, m); err != nil {
		return err
	}
	return s.jobs.EnqueueCaseMail(ctx, m.ID)
}

// Survey returns a survey by its secret token (for the public answer page).
func (s *Service) Survey(ctx context.Context, token string) (Survey, error) {
	if len(token) != 32 {
		return Survey{}, fault.New(fault.NotFound, "This survey link is not valid.")
	}
	sv, err := s.store.SurveyByToken(ctx, token)
	if fault.Is(err, fault.NotFound) {
		return Survey{}, fault.New(fault.NotFound, "This survey link is not valid.")
	}
	return sv, err
}

// surveyWindow is how long a survey can be answered (and an answer changed).
const surveyWindow = 30 * 24 * time.Hour

// AnswerSurvey records the customer's score (and comment): the link's owner
// may change it within the window. A low score opens a follow-up task for
// the agent, once.
func (s *Service) AnswerSurvey(ctx context.Context, token string, score int, comment string) (Survey, error) {
	sv, err := s.Survey(ctx, token)
	if err != nil {
		return Survey{}, err
	}
	if sv.Kind == "custom" {
		return Survey{}, fault.New(fault.Invalid, "This survey asks its own questions.")
	}
	if score < 0 || score > sv.Max() || (sv.Kind == "csat" && score == 0) {
		return Survey{}, fault.Field("score", "must be between %d and %d", map[bool]int{true: 1, false: 0}[sv.Kind == "csat"], sv.Max())
	}
	if s.at().Sub(sv.SentAt) > surveyWindow {
		return Survey{}, fault.New(fault.Conflict, "This survey has closed.")
	}
	comment = strings.TrimSpace(comment)
	if len(comment) > 5000 {
		comment = comment[:5000]
	}
	if err := s.store.AnswerSurvey(ctx, sv.ID, score, comment, s.at()); err != nil {
		return Survey{}, err
	}
	sv.Score, sv.Comment, sv.AnsweredAt = score, comment, s.at()
	if s.Answered != nil {
		s.Answered(ctx, sv.CustomerID, sv.ID)
	}
	if sv.Low() && sv.FollowUp == 0 && s.FollowUp != nil {
		owner := sv.AgentID
		if owner == 0 && sv.QueueID != 0 {
			if q, err := s.store.FindQueue(ctx, sv.QueueID); err == nil {
				owner = q.ManagerID
			}
		}
		if owner == 0 {
			if c, err := s.customers.FindCustomer(ctx, auth.System("surveys"), sv.CustomerID); err == nil {
				owner = c.OwnerID
			}
		}
		if owner != 0 {
			subject := fmt.Sprintf("Follow up: customer rated case #%d %d of %d", sv.CaseID, score, sv.Max())
			if sv.CaseID == 0 {
				subject = fmt.Sprintf("Follow up: customer answered %s %d of %d", strings.ToUpper(sv.Kind), score, sv.Max())
			}
			notes := "The customer's comment: " + comment
			if comment == "" {
				notes = "The customer left no comment."
			}
			if id, err := s.FollowUp(ctx, owner, sv.CustomerID, subject, notes); err == nil {
				_ = s.store.SetSurveyFollowUp(ctx, sv.ID, id)
				sv.FollowUp = id
			}
		}
	}
	return sv, nil
}

// SatisfactionBy averages answered surveys of a kind per agent or queue.
func (s *Service) SatisfactionBy(ctx context.Context, a auth.Actor, kind, by string, since time.Time) ([]Satisfaction, error) {
	if err := a.Require(auth.CaseRead); err != nil {
		return nil, err
	}
	if kind != "csat" && kind != "nps" {
		return nil, fault.Field("kind", "must be csat or nps")
	}
	if by != "agent" && by != "queue" {
		return nil, fault.Field("by", "must be agent or queue")
	}
	return s.store.SatisfactionBy(ctx, kind, by, since)
}

// CustomerStats sums up a customer's cases, SLA record and CSAT.
func (s *Service) CustomerStats(ctx context.Context, a auth.Actor, customerID int64) (CustomerService, error) {
	if err := a.Require(auth.CaseRead); err != nil {
		return CustomerService{}, err
	}
	if _, err := s.customers.FindCustomer(ctx, a, customerID); err != nil {
		return CustomerService{}, err
	}
	return s.store.CustomerServiceStats(ctx, customerID)
}
