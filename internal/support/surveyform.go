package support

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/mail"
)

// SurveyForm is a survey sent to a group of customers, once or every so
// many days: NPS (0-10 and a comment), CSAT (1-5 and a comment), or custom
// questions. A customer is asked at most once in QuietDays by a form.
type SurveyForm struct {
	ID           int64
	Name         string
	Kind         string // nps, csat, custom
	Intro        string // the first lines of the email
	Questions    []Question
	Audience     Audience
	EveryDays    int // 0: once
	QuietDays    int
	Active       bool
	NextRunAt    time.Time
	LastRunAt    time.Time
	RunningSince time.Time // a run in progress
	RunCursor    int64     // the last customer the run has done
	CreatedBy    int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Question is one question of a custom survey.
type Question struct {
	ID       string   `json:"id"`
	Label    string   `json:"label"`
	Type     string   `json:"type"` // score5, score10, choice, text
	Options  []string `json:"options,omitempty"`
	Required bool     `json:"required,omitempty"`
}

// QuestionTypes are the kinds of question a custom survey asks.
var QuestionTypes = []string{"score5", "score10", "choice", "text"}

// Audience picks the customers a form goes to: all live customers with an
// email address, narrowed by a tag, a static list, a marketing segment, a
// lifecycle stage and a status.
type Audience struct {
	Tag       string `json:"tag,omitempty"`
	ListID    int64  `json:"list_id,omitempty"`
	SegmentID int64  `json:"segment_id,omitempty"`
	Stage     string `json:"stage,omitempty"`
	Status    string `json:"status,omitempty"`
}

// Recipient is a customer a form run asks.
type Recipient struct {
	CustomerID int64
	Email      string
}

// SurveyFormStore keeps survey forms and their runs.
type SurveyFormStore interface {
	CreateSurveyForm(ctx context.Context, f SurveyForm, e audit.Entry) (int64, error)
	UpdateSurveyForm(ctx context.Context, f SurveyForm, e audit.Entry) error
	SurveyForms(ctx context.Context) ([]SurveyForm, error)
	FindSurveyForm(ctx context.Context, id int64) (SurveyForm, error)
	// StartFormRuns marks the due forms as running from now and moves
	// their next run on; it returns the forms with a run in progress.
	StartFormRuns(ctx context.Context, now time.Time) ([]SurveyForm, error)
	// StartFormRun starts a run of one form now, unless one is running.
	StartFormRun(ctx context.Context, id int64, now time.Time) (bool, error)
	// FormAudience returns up to limit recipients after a customer id: live
	// customers of the audience with a primary email, not asked by the form
	// since quietSince, and not opted out of email.
	FormAudience(ctx context.Context, f SurveyForm, quietSince time.Time, afterID int64, limit int) ([]Recipient, error)
	// AddFormSurveys stores a batch of a run's surveys and the run's cursor
	// in one transaction, and returns the new surveys' ids.
	AddFormSurveys(ctx context.Context, formID int64, svs []Survey, cursor int64) ([]int64, error)
	FinishFormRun(ctx context.Context, id int64, at time.Time) error
	FindSurvey(ctx context.Context, id int64) (Survey, error)
	MarkSurveyMailed(ctx context.Context, id int64, at time.Time) (bool, error)
	// UnmailedSurveys are form surveys stored before a time whose email has
	// not left (a lost job): they are sent again.
	UnmailedSurveys(ctx context.Context, before time.Time, limit int) ([]int64, error)
	SetSurveyAnswers(ctx context.Context, id int64, answers map[string]string, at time.Time) error
	FormSurveys(ctx context.Context, formID int64) ([]Survey, error)
}

// SurveyFormInput is a new form or its new settings.
type SurveyFormInput struct {
	Name      string
	Kind      string
	Intro     string
	Questions []Question
	Audience  Audience
	EveryDays int
	QuietDays *int
	Active    *bool
	StartAt   time.Time // the first run; zero means now
}

func (s *Service) cleanForm(ctx context.Context, f SurveyForm) (SurveyForm, error) {
	var fs fault.Fields
	f.Name, f.Intro = strings.TrimSpace(f.Name), strings.TrimSpace(f.Intro)
	if f.Name == "" || len(f.Name) > 100 {
		fs.Add("name", "must be 1 to 100 characters")
	}
	if !slices.Contains([]string{"nps", "csat", "custom"}, f.Kind) {
		fs.Add("kind", "must be nps, csat or custom")
	}
	if len(f.Intro) > 2000 {
		fs.Add("intro", "must be at most 2000 characters")
	}
	if f.Kind == "custom" && len(f.Questions) == 0 {
		fs.Add("questions", "a custom survey needs at least one question")
	}
	if f.Kind != "custom" && len(f.Questions) > 0 {
		fs.Add("questions", "only custom surveys have questions; NPS and CSAT ask their score and a comment")
	}
	if len(f.Questions) > 20 {
		fs.Add("questions", "at most 20 questions")
	}
	for i := range f.Questions {
		q := &f.Questions[i]
		q.ID, q.Label = "q"+strconv.Itoa(i+1), strings.TrimSpace(q.Label)
		if q.Label == "" || len(q.Label) > 300 {
			fs.Add("questions", "question %d: the label must be 1 to 300 characters", i+1)
		}
		if !slices.Contains(QuestionTypes, q.Type) {
			fs.Add("questions", "question %d: the type must be one of %s", i+1, strings.Join(QuestionTypes, ", "))
		}
		if q.Type == "choice" && len(q.Options) < 2 {
			fs.Add("questions", "question %d: a choice needs at least two options", i+1)
		}
		if q.Type != "choice" {
			q.Options = nil
		}
	}
	if f.EveryDays < 0 || f.EveryDays > 366 {
		fs.Add("every_days", "must be 0 (once) to 366")
	}
	if f.QuietDays < 0 || f.QuietDays > 366 {
		fs.Add("quiet_days", "must be 0 to 366")
	}
	if f.Audience.ListID < 0 {
		fs.Add("audience", "list_id cannot be negative")
	}
	return f, fs.Err()
}

// CreateSurveyForm sets up a survey for a group of customers.
func (s *Service) CreateSurveyForm(ctx context.Context, a auth.Actor, in SurveyFormInput) (SurveyForm, error) {
	if err := a.Require(auth.ServiceAdmin); err != nil {
		return SurveyForm{}, err
	}
	now := s.at()
	f := SurveyForm{Name: in.Name, Kind: in.Kind, Intro: in.Intro, Questions: in.Questions, Audience: in.Audience,
		EveryDays: in.EveryDays, QuietDays: 90, Active: true, NextRunAt: in.StartAt.UTC(), CreatedBy: a.UserID,
		CreatedAt: now, UpdatedAt: now}
	if in.QuietDays != nil {
		f.QuietDays = *in.QuietDays
	}
	if in.Active != nil {
		f.Active = *in.Active
	}
	if f.NextRunAt.IsZero() {
		f.NextRunAt = now
	}
	f, err := s.cleanForm(ctx, f)
	if err != nil {
		return SurveyForm{}, err
	}
	e := a.Audit("create", "survey_form", 0, now)
	e.Changes = []audit.Change{{Field: "name", New: f.Name}, {Field: "kind", New: f.Kind}}
	f.ID, err = s.store.CreateSurveyForm(ctx, f, e)
	return f, err
}

// UpdateSurveyForm changes a form; its answers so far stay.
func (s *Service) UpdateSurveyForm(ctx context.Context, a auth.Actor, id int64, in SurveyFormInput) (SurveyForm, error) {
	if err := a.Require(auth.ServiceAdmin); err != nil {
		return SurveyForm{}, err
	}
	cur, err := s.store.FindSurveyForm(ctx, id)
	if err != nil {
		return SurveyForm{}, err
	}
	f := cur
	f.Name, f.Intro, f.Questions, f.Audience, f.EveryDays = in.Name, in.Intro, in.Questions, in.Audience, in.EveryDays
	if in.Kind != "" && in.Kind != cur.Kind {
		return SurveyForm{}, fault.Field("kind", "cannot change once the survey exists")
	}
	if in.QuietDays != nil {
		f.QuietDays = *in.QuietDays
	}
	if in.Active != nil {
		f.Active = *in.Active
	}
	if !in.StartAt.IsZero() {
		f.NextRunAt = in.StartAt.UTC()
	}
	f.UpdatedAt = s.at()
	if f, err = s.cleanForm(ctx, f); err != nil {
		return SurveyForm{}, err
	}
	e := a.Audit("update", "survey_form", id, f.UpdatedAt)
	e.Changes = []audit.Change{{Field: "name", Old: cur.Name, New: f.Name}}
	return f, s.store.UpdateSurveyForm(ctx, f, e)
}

// SurveyForms lists the forms.
func (s *Service) SurveyForms(ctx context.Context, a auth.Actor) ([]SurveyForm, error) {
	if err := a.Require(auth.CaseRead); err != nil {
		return nil, err
	}
	return s.store.SurveyForms(ctx)
}

// SurveyFormByID returns a form.
func (s *Service) SurveyFormByID(ctx context.Context, a auth.Actor, id int64) (SurveyForm, error) {
	if err := a.Require(auth.CaseRead); err != nil {
		return SurveyForm{}, err
	}
	return s.store.FindSurveyForm(ctx, id)
}

// RunSurveyForm starts a run of a form now (it is sent by the jobs).
func (s *Service) RunSurveyForm(ctx context.Context, a auth.Actor, id int64) error {
	if err := a.Require(auth.ServiceAdmin); err != nil {
		return err
	}
	if _, err := s.store.FindSurveyForm(ctx, id); err != nil {
		return err
	}
	started, err := s.store.StartFormRun(ctx, id, s.at())
	if err != nil {
		return err
	}
	if !started {
		return fault.New(fault.Conflict, "This survey is being sent already.")
	}
	return nil
}

const formBatch = 500

// RunSurveyForms sends the forms that are due, and resumes runs a crash
// interrupted: batch by batch, each batch's surveys and the run's place
// stored together, so that no customer is asked twice by one run. It also
// sends again the survey emails whose job was lost. It returns how many
// surveys it stored.
func (s *Service) RunSurveyForms(ctx context.Context) (int, error) {
	now := s.at()
	forms, err := s.store.StartFormRuns(ctx, now)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, f := range forms {
		n, err := s.runForm(ctx, f)
		total += n
		if err != nil {
			return total, fmt.Errorf("survey %q: %w", f.Name, err)
		}
	}
	lost, err := s.store.UnmailedSurveys(ctx, now.Add(-15*time.Minute), 1000)
	if err != nil {
		return total, err
	}
	if len(lost) > 0 && s.jobs != nil {
		if err := s.jobs.EnqueueSurveyMail(ctx, lost); err != nil {
			return total, err
		}
	}
	return total, nil
}

func (s *Service) runForm(ctx context.Context, f SurveyForm) (int, error) {
	quiet := f.RunningSince.Add(-time.Duration(f.QuietDays) * 24 * time.Hour)
	cursor, total := f.RunCursor, 0
	for {
		rs, err := s.store.FormAudience(ctx, f, quiet, cursor, formBatch)
		if err != nil {
			return total, err
		}
		if len(rs) == 0 {
			return total, s.store.FinishFormRun(ctx, f.ID, f.RunningSince)
		}
		svs := make([]Survey, len(rs))
		for i, r := range rs {
			svs[i] = Survey{Kind: f.Kind, Token: newToken(), CustomerID: r.CustomerID, FormID: f.ID, Email: r.Email,
				SentAt: f.RunningSince}
		}
		cursor = rs[len(rs)-1].CustomerID
		ids, err := s.store.AddFormSurveys(ctx, f.ID, svs, cursor)
		if err != nil {
			return total, err
		}
		total += len(ids)
		if s.jobs != nil && len(ids) > 0 {
			if err := s.jobs.EnqueueSurveyMail(ctx, ids); err != nil {
				return total, err
			}
		}
	}
}

// SendSurveyMail emails a form's survey to its customer, once (the mail
// job calls it; a crash between the server taking it and SCRMS recording
// that is the one case where it goes twice).
func (s *Service) SendSurveyMail(ctx context.Context, sender mail.Sender, id int64) (bool, error) {
	sv, err := s.store.FindSurvey(ctx, id)
	if err != nil {
		if fault.Is(err, fault.NotFound) {
			return false, nil
		}
		return false, err
	}
	if !sv.MailedAt.IsZero() || sv.FormID == 0 || sv.Email == "" {
		return false, nil
	}
	f, err := s.store.FindSurveyForm(ctx, sv.FormID)
	if err != nil {
		return false, err
	}
	if sender == nil {
		return false, fmt.Errorf("support: no mail server is configured (SCRMS_SMTP_URL)")
	}
	link := strings.TrimRight(s.BaseURL, "/") + "/s/" + sv.Token
	var b strings.Builder
	b.WriteString("Hello,\n\n")
	if f.Intro != "" {
		b.WriteString(f.Intro + "\n\n")
	}
	switch f.Kind {
	case "nps":
		b.WriteString("How likely are you to recommend us to a friend or colleague? One click answers " +
			"(0 = not at all likely, 10 = extremely likely):\n\n")
		for score := 10; score >= 0; score-- {
			fmt.Fprintf(&b, "%d: %s?score=%d\n", score, link, score)
		}
	case "csat":
		b.WriteString("How satisfied are you with us? One click answers (1 = very unsatisfied, 5 = very satisfied):\n\n")
		for score := 5; score >= 1; score-- {
			fmt.Fprintf(&b, "%d: %s?score=%d\n", score, link, score)
		}
	default:
		fmt.Fprintf(&b, "It takes a minute: %s\n", link)
	}
	b.WriteString("\nThank you for your time.\n")
	if err := sender.Send(ctx, mail.Message{To: sv.Email, Subject: f.Name, Text: b.String(), Auto: true}); err != nil {
		return false, err
	}
	return s.store.MarkSurveyMailed(ctx, id, s.at())
}

// SurveyQuestions returns the questions a survey's page asks: a custom
// form's questions, none for NPS and CSAT (their score and comment).
func (s *Service) SurveyQuestions(ctx context.Context, sv Survey) ([]Question, error) {
	if sv.Kind != "custom" || sv.FormID == 0 {
		return nil, nil
	}
	f, err := s.store.FindSurveyForm(ctx, sv.FormID)
	return f.Questions, err
}

// AnswerCustomSurvey records the answers to a custom survey's questions.
func (s *Service) AnswerCustomSurvey(ctx context.Context, token string, answers map[string]string) (Survey, error) {
	sv, err := s.Survey(ctx, token)
	if err != nil {
		return Survey{}, err
	}
	if sv.Kind != "custom" {
		return Survey{}, fault.New(fault.Invalid, "This survey asks for a score.")
	}
	if s.at().Sub(sv.SentAt) > surveyWindow {
		return Survey{}, fault.New(fault.Conflict, "This survey has closed.")
	}
	qs, err := s.SurveyQuestions(ctx, sv)
	if err != nil {
		return Survey{}, err
	}
	var fs fault.Fields
	clean := map[string]string{}
	for _, q := range qs {
		v := strings.TrimSpace(answers[q.ID])
		if v == "" {
			if q.Required {
				fs.Add(q.ID, "%s: please answer", q.Label)
			}
			continue
		}
		switch q.Type {
		case "score5", "score10":
			n, err := strconv.Atoi(v)
			hi := map[string]int{"score5": 5, "score10": 10}[q.Type]
			lo := map[string]int{"score5": 1, "score10": 0}[q.Type]
			if err != nil || n < lo || n > hi {
				fs.Add(q.ID, "%s: must be %d to %d", q.Label, lo, hi)
			}
		case "choice":
			if !slices.Contains(q.Options, v) {
				fs.Add(q.ID, "%s: pick one of the options", q.Label)
			}
		default:
			if len(v) > 5000 {
				v = v[:5000]
			}
		}
		clean[q.ID] = v
	}
	if err := fs.Err(); err != nil {
		return Survey{}, err
	}
	if err := s.store.SetSurveyAnswers(ctx, sv.ID, clean, s.at()); err != nil {
		return Survey{}, err
	}
	sv.Answers, sv.AnsweredAt = clean, s.at()
	if s.Answered != nil {
		s.Answered(ctx, sv.CustomerID, sv.ID)
	}
	return sv, nil
}

// FormResults sums up a form's answers.
type FormResults struct {
	Sent, Answered int
	Average        float64 // of the score (NPS, CSAT)
	Distribution   []int   // answers per score, from the lowest
	Promoters      int
	Passives       int
	Detractors     int
	NPS            float64
	Questions      []QuestionResult
	Comments       []string // the latest comments
}

// QuestionResult sums up one question of a custom form.
type QuestionResult struct {
	Question
	Answers int
	Average float64        // score questions
	Counts  map[string]int // choice and score questions: answers per value
	Latest  []string       // text questions: the latest answers
}

// SurveyFormResults sums up a form's answers so far.
func (s *Service) SurveyFormResults(ctx context.Context, a auth.Actor, id int64) (SurveyForm, FormResults, error) {
	f, err := s.SurveyFormByID(ctx, a, id)
	if err != nil {
		return SurveyForm{}, FormResults{}, err
	}
	svs, err := s.store.FormSurveys(ctx, id)
	if err != nil {
		return SurveyForm{}, FormResults{}, err
	}
	return f, summarise(f, svs), nil
}

func summarise(f SurveyForm, svs []Survey) FormResults {
	var r FormResults
	lo, hi := 1, 5
	if f.Kind == "nps" {
		lo, hi = 0, 10
	}
	if f.Kind != "custom" {
		r.Distribution = make([]int, hi-lo+1)
	}
	qr := make([]QuestionResult, len(f.Questions))
	sums := make([]float64, len(f.Questions))
	for i, q := range f.Questions {
		qr[i] = QuestionResult{Question: q, Counts: map[string]int{}}
	}
	sum := 0
	// svs come newest first: the latest comments and texts are kept first.
	for _, sv := range svs {
		r.Sent++
		if sv.AnsweredAt.IsZero() {
			continue
		}
		r.Answered++
		if f.Kind != "custom" && sv.Score >= lo && sv.Score <= hi {
			sum += sv.Score
			r.Distribution[sv.Score-lo]++
			switch {
			case f.Kind == "nps" && sv.Score >= 9:
				r.Promoters++
			case f.Kind == "nps" && sv.Score >= 7:
				r.Passives++
			case f.Kind == "nps":
				r.Detractors++
			}
			if sv.Comment != "" && len(r.Comments) < 20 {
				r.Comments = append(r.Comments, sv.Comment)
			}
		}
		for i, q := range f.Questions {
			v, ok := sv.Answers[q.ID]
			if !ok {
				continue
			}
			qr[i].Answers++
			switch q.Type {
			case "text":
				if len(qr[i].Latest) < 20 {
					qr[i].Latest = append(qr[i].Latest, v)
				}
			default:
				qr[i].Counts[v]++
				if n, err := strconv.Atoi(v); err == nil && q.Type != "choice" {
					sums[i] += float64(n)
				}
			}
		}
	}
	if scored := r.Promoters + r.Passives + r.Detractors; f.Kind == "nps" && scored > 0 {
		r.NPS = 100 * float64(r.Promoters-r.Detractors) / float64(scored)
	}
	if n := sumInts(r.Distribution); n > 0 {
		r.Average = float64(sum) / float64(n)
	}
	for i := range qr {
		if qr[i].Answers > 0 && qr[i].Type != "choice" && qr[i].Type != "text" {
			qr[i].Average = sums[i] / float64(qr[i].Answers)
		}
	}
	r.Questions = qr
	return r
}

func sumInts(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}
