package sales

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

// Activity is a task, call or meeting of a representative.
type Activity struct {
	ID            int64
	Kind          string // task, call, meeting
	Subject       string
	Notes         string
	DueAt         time.Time
	RemindAt      time.Time
	RemindedAt    time.Time
	DoneAt        time.Time
	Recurrence    string // "", daily, weekly, monthly
	Attendees     []int64
	OwnerID       int64
	OwnerName     string
	TeamID        int64
	CustomerID    int64
	CustomerName  string
	LeadID        int64
	OpportunityID int64
	InteractionID int64
	CreatedBy     int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Overdue reports whether the activity was due before now and is not done.
func (a Activity) Overdue(now time.Time) bool {
	return a.DoneAt.IsZero() && !a.DueAt.IsZero() && a.DueAt.Before(now)
}

// ActivityFilter selects activities.
type ActivityFilter struct {
	OwnerID    int64
	CustomerID int64
	Open       bool
	DueBefore  time.Time
	Limit      int
}

// ActivityStore is what activities need from storage.
type ActivityStore interface {
	CreateActivity(ctx context.Context, act Activity, e audit.Entry) (int64, error)
	FindActivity(ctx context.Context, id int64) (Activity, error)
	UpdateActivity(ctx context.Context, id int64, change func(cur Activity) (Activity, audit.Entry, error)) (Activity, error)
	ListActivities(ctx context.Context, f ActivityFilter, v Visibility) ([]Activity, error)
	// MarkReminded records that an activity's reminder went out, with the
	// notifications for its owner and attendees, once: false when it had
	// been sent already or the activity is done.
	MarkReminded(ctx context.Context, id int64, at time.Time, title, body, link string) (bool, error)
}

// Reminders schedules reminder jobs.
type Reminders interface {
	ScheduleReminder(ctx context.Context, activityID int64, at time.Time) error
}

// Interactions records a held call or meeting on the customer's timeline.
type Interactions interface {
	LogInteraction(ctx context.Context, a auth.Actor, in customer.InteractionInput) (customer.Interaction, error)
	FindCustomer(ctx context.Context, a auth.Actor, id int64) (customer.Customer, error)
}

// ActivityService keeps representatives' tasks, calls and meetings.
type ActivityService struct {
	store        ActivityStore
	reminders    Reminders
	interactions Interactions
	now          func() time.Time
	// Email, when set, also sends a reminder by email to the owner and the attendees.
	Email func(ctx context.Context, userIDs []int64, subject, text string) error
}

// NewActivityService returns the activity service.
func NewActivityService(st ActivityStore, reminders Reminders, interactions Interactions, now func() time.Time) *ActivityService {
	if now == nil {
		now = time.Now
	}
	return &ActivityService{store: st, reminders: reminders, interactions: interactions, now: now}
}

func (s *ActivityService) at() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// ActivityInput is a new activity or the changes to one; nil leaves a field.
type ActivityInput struct {
	Kind          *string
	Subject       *string
	Notes         *string
	DueAt         *time.Time
	RemindAt      *time.Time
	Recurrence    *string
	Attendees     *[]int64
	OwnerID       *int64
	CustomerID    *int64
	LeadID        *int64
	OpportunityID *int64
	Done          *bool
}

func (in ActivityInput) apply(x Activity) Activity {
	if in.Kind != nil {
		x.Kind = *in.Kind
	}
	if in.Subject != nil {
		x.Subject = strings.TrimSpace(*in.Subject)
	}
	if in.Notes != nil {
		x.Notes = strings.TrimSpace(*in.Notes)
	}
	if in.DueAt != nil {
		x.DueAt = in.DueAt.UTC().Truncate(time.Microsecond)
	}
	if in.RemindAt != nil {
		x.RemindAt, x.RemindedAt = in.RemindAt.UTC().Truncate(time.Microsecond), time.Time{}
	}
	if in.Recurrence != nil {
		x.Recurrence = *in.Recurrence
	}
	if in.Attendees != nil {
		x.Attendees = *in.Attendees
	}
	if in.OwnerID != nil {
		x.OwnerID = *in.OwnerID
	}
	if in.CustomerID != nil {
		x.CustomerID = *in.CustomerID
	}
	if in.LeadID != nil {
		x.LeadID = *in.LeadID
	}
	if in.OpportunityID != nil {
		x.OpportunityID = *in.OpportunityID
	}
	return x
}

func validateActivity(x Activity) error {
	var f fault.Fields
	if !slices.Contains([]string{"task", "call", "meeting"}, x.Kind) {
		f.Add("kind", "must be task, call or meeting")
	}
	if x.Subject == "" || len(x.Subject) > 300 {
		f.Add("subject", "must be 1 to 300 characters")
	}
	if len(x.Notes) > 10000 {
		f.Add("notes", "must be at most 10,000 characters")
	}
	if !slices.Contains([]string{"", "daily", "weekly", "monthly"}, x.Recurrence) {
		f.Add("recurrence", "must be daily, weekly or monthly, or empty")
	}
	if x.Recurrence != "" && x.DueAt.IsZero() {
		f.Add("due_at", "a recurring activity needs a due time")
	}
	if !x.RemindAt.IsZero() && !x.DueAt.IsZero() && x.RemindAt.After(x.DueAt) {
		f.Add("remind_at", "must not be after the due time")
	}
	if len(x.Attendees) > 50 {
		f.Add("attendees", "at most 50 attendees")
	}
	return f.Err()
}

// CreateActivity adds an activity for the actor (or, for those who may
// assign, another owner) and schedules its reminder.
func (s *ActivityService) CreateActivity(ctx context.Context, a auth.Actor, in ActivityInput) (Activity, error) {
	if err := a.Require(auth.SalesWrite); err != nil {
		return Activity{}, err
	}
	x := in.apply(Activity{Kind: "task", OwnerID: a.UserID, TeamID: a.TeamID, CreatedBy: a.UserID})
	if x.OwnerID != a.UserID && !a.Can(auth.CustomerAssign) {
		return Activity{}, &fault.Error{Code: fault.Forbidden, Message: "Your role may not give activities to others.",
			Fields: []fault.FieldError{{Field: "owner_id", Message: "must be you"}}}
	}
	if err := validateActivity(x); err != nil {
		return Activity{}, err
	}
	if x.CustomerID != 0 {
		if _, err := s.interactions.FindCustomer(ctx, a, x.CustomerID); err != nil {
			return Activity{}, &fault.Error{Code: fault.Invalid, Message: "Some fields are not valid.",
				Fields: []fault.FieldError{{Field: "customer_id", Message: "is not a customer you can see"}}}
		}
	}
	now := s.at()
	x.CreatedAt, x.UpdatedAt = now, now
	e := a.Audit("create", "activity", 0, now)
	e.CustomerID = x.CustomerID
	e.Changes = []audit.Change{{Field: "kind", New: x.Kind}, {Field: "subject", New: x.Subject}}
	id, err := s.store.CreateActivity(ctx, x, e)
	if err != nil {
		return Activity{}, err
	}
	if !x.RemindAt.IsZero() {
		if err := s.reminders.ScheduleReminder(ctx, id, x.RemindAt); err != nil {
			return Activity{}, err
		}
	}
	return s.store.FindActivity(ctx, id)
}

// Activity returns an activity the actor may see.
func (s *ActivityService) Activity(ctx context.Context, a auth.Actor, id int64) (Activity, error) {
	if err := a.Require(auth.SalesRead); err != nil {
		return Activity{}, err
	}
	x, err := s.store.FindActivity(ctx, id)
	if err != nil || !(a.Sees(x.OwnerID, x.TeamID) || slices.Contains(x.Attendees, a.UserID)) {
		return Activity{}, fault.New(fault.NotFound, "Activity %d was not found.", id)
	}
	return x, nil
}

// Activities lists activities the actor may see, soonest due first.
func (s *ActivityService) Activities(ctx context.Context, a auth.Actor, f ActivityFilter) ([]Activity, error) {
	if err := a.Require(auth.SalesRead); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 200
	}
	return s.store.ListActivities(ctx, f, visibilityOf(a))
}

// MyDay is a representative's day: what is overdue, and what is due today.
type MyDay struct {
	Overdue []Activity
	Today   []Activity
	Later   []Activity // the next open activities after today
}

// Day returns the actor's open activities arranged for today (in loc).
func (s *ActivityService) Day(ctx context.Context, a auth.Actor, loc *time.Location) (MyDay, error) {
	list, err := s.Activities(ctx, a, ActivityFilter{OwnerID: a.UserID, Open: true, Limit: 500})
	if err != nil {
		return MyDay{}, err
	}
	now := s.now().In(loc)
	end := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, 1)
	var d MyDay
	for _, x := range list {
		switch {
		case x.Overdue(now):
			d.Overdue = append(d.Overdue, x)
		case !x.DueAt.IsZero() && x.DueAt.Before(end):
			d.Today = append(d.Today, x)
		case len(d.Later) < 10:
			d.Later = append(d.Later, x)
		}
	}
	return d, nil
}

// UpdateActivity changes an activity. Marking a call or meeting done logs
// it as an interaction on the customer's timeline; marking a recurring
// activity done creates its next occurrence.
func (s *ActivityService) UpdateActivity(ctx context.Context, a auth.Actor, id int64, in ActivityInput) (Activity, error) {
	if err := a.Require(auth.SalesWrite); err != nil {
		return Activity{}, err
	}
	if in.OwnerID != nil && !a.Can(auth.CustomerAssign) {
		return Activity{}, &fault.Error{Code: fault.Forbidden, Message: "Your role may not give activities to others.",
			Fields: []fault.FieldError{{Field: "owner_id", Message: "your role may not change it"}}}
	}
	now := s.at()
	var completed bool
	x, err := s.store.UpdateActivity(ctx, id, func(cur Activity) (Activity, audit.Entry, error) {
		if !a.Sees(cur.OwnerID, cur.TeamID) {
			return cur, audit.Entry{}, fault.New(fault.NotFound, "Activity %d was not found.", id)
		}
		next := in.apply(cur)
		if err := validateActivity(next); err != nil {
			return cur, audit.Entry{}, err
		}
		if in.Done != nil {
			if *in.Done && cur.DoneAt.IsZero() {
				next.DoneAt, completed = now, true
			} else if !*in.Done {
				next.DoneAt = time.Time{}
			}
		}
		next.UpdatedAt = now
		e := a.Audit("update", "activity", id, now)
		e.CustomerID = next.CustomerID
		ch := audit.Diff(nil, "subject", cur.Subject, next.Subject)
		ch = audit.Diff(ch, "due_at", stampOf(cur.DueAt), stampOf(next.DueAt))
		ch = audit.Diff(ch, "done", fmt.Sprint(!cur.DoneAt.IsZero()), fmt.Sprint(!next.DoneAt.IsZero()))
		e.Changes = ch
		return next, e, nil
	})
	if err != nil {
		return Activity{}, err
	}
	if in.RemindAt != nil && !x.RemindAt.IsZero() {
		if err := s.reminders.ScheduleReminder(ctx, id, x.RemindAt); err != nil {
			return x, err
		}
	}
	if !completed {
		return x, nil
	}
	if (x.Kind == "call" || x.Kind == "meeting") && x.CustomerID != 0 && x.InteractionID == 0 {
		channel := map[string]string{"call": "phone", "meeting": "meeting"}[x.Kind]
		it, err := s.interactions.LogInteraction(ctx, a, customer.InteractionInput{CustomerID: x.CustomerID, Channel: channel,
			Direction: "outbound", Subject: x.Subject, Body: x.Notes, OccurredAt: now, RelatedType: "activity", RelatedID: x.ID,
			Source: "activity"})
		if err != nil {
			return x, err
		}
		x, err = s.store.UpdateActivity(ctx, id, func(cur Activity) (Activity, audit.Entry, error) {
			cur.InteractionID = it.ID
			return cur, audit.Entry{}, nil
		})
		if err != nil {
			return x, err
		}
	}
	if x.Recurrence != "" {
		due := nextOccurrence(x.DueAt, x.Recurrence)
		ni := ActivityInput{Kind: &x.Kind, Subject: &x.Subject, Notes: &x.Notes, DueAt: &due, Recurrence: &x.Recurrence,
			Attendees: &x.Attendees, CustomerID: &x.CustomerID, LeadID: &x.LeadID, OpportunityID: &x.OpportunityID}
		if !x.RemindAt.IsZero() {
			r := x.RemindAt.Add(due.Sub(x.DueAt))
			ni.RemindAt = &r
		}
		owner := x.OwnerID
		ni.OwnerID = &owner
		if _, err := s.CreateActivity(ctx, a, ni); err != nil {
			return x, err
		}
	}
	return x, nil
}

func stampOf(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

// nextOccurrence is when a recurring activity is due next.
func nextOccurrence(due time.Time, recurrence string) time.Time {
	switch recurrence {
	case "daily":
		return due.AddDate(0, 0, 1)
	case "weekly":
		return due.AddDate(0, 0, 7)
	}
	return due.AddDate(0, 1, 0)
}

// SendReminder is the reminder job's work: it notifies the owner and the
// attendees once, however often the job runs.
// A job scheduled for an earlier reminder time (the reminder was moved)
// does nothing: the job of the new time sends it.
func (s *ActivityService) SendReminder(ctx context.Context, id int64, scheduledFor time.Time) (bool, error) {
	x, err := s.store.FindActivity(ctx, id)
	if fault.Is(err, fault.NotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !x.DoneAt.IsZero() || x.RemindAt.IsZero() || !x.RemindedAt.IsZero() ||
		!x.RemindAt.Equal(scheduledFor.UTC().Truncate(time.Microsecond)) {
		return false, nil
	}
	due := "soon"
	if !x.DueAt.IsZero() {
		due = x.DueAt.UTC().Format("2 Jan 2006 15:04 UTC")
	}
	title := fmt.Sprintf("Reminder: %s", x.Subject)
	body := fmt.Sprintf("Your %s is due %s.", x.Kind, due)
	sent, err := s.store.MarkReminded(ctx, id, s.at(), title, body, "/today")
	if err != nil || !sent || s.Email == nil {
		return sent, err
	}
	// The in-app reminder is recorded; the email is best effort beside it,
	// so that a mail server that is down never makes the reminder repeat.
	if err := s.Email(ctx, append([]int64{x.OwnerID}, x.Attendees...), title, body); err != nil {
		return true, fmt.Errorf("reminder %d sent in the app, email failed: %w", id, err)
	}
	return true, nil
}
