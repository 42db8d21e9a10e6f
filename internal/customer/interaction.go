package customer

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// Channels are the touchpoints an interaction can come through.
var Channels = []string{"phone", "email", "meeting", "chat", "sms", "social", "web_visit", "in_store", "other"}

// Directions say who started an interaction.
var Directions = []string{"inbound", "outbound", "internal"}

// Interaction is one touchpoint with a customer: a call, an email, a meeting,
// a chat, a message, a visit.
type Interaction struct {
	ID            int64
	CustomerID    int64
	Channel       string
	Direction     string
	Subject       string
	Body          string
	OccurredAt    time.Time
	Duration      time.Duration // zero when not recorded
	HandledBy     int64         // the user who handled it; 0 when nobody in particular
	HandledByName string
	Source        string // web, api, import, or the system that posted it
	ExternalID    string // the posting system's id; unique per source
	RelatedType   string // opportunity, case, … when it belongs to one
	RelatedID     int64
	CreatedBy     int64
	CreatedAt     time.Time
}

// InteractionInput is an interaction as a user or a system reports it.
type InteractionInput struct {
	CustomerID  int64
	Channel     string
	Direction   string
	Subject     string
	Body        string
	OccurredAt  time.Time // zero means now
	Duration    time.Duration
	HandledBy   int64 // zero means the actor
	Source      string
	ExternalID  string
	RelatedType string
	RelatedID   int64
}

// relatedTypes are the records an interaction may point to; more arrive with
// the sales and service areas.
var relatedTypes = []string{"", "lead", "opportunity", "case", "order", "campaign", "activity"}

func (in *InteractionInput) validate(now time.Time) error {
	var f fault.Fields
	in.Subject = strings.TrimSpace(in.Subject)
	in.Body = strings.TrimSpace(in.Body)
	in.ExternalID = strings.TrimSpace(in.ExternalID)
	if !slices.Contains(Channels, in.Channel) {
		f.Add("channel", "must be one of %s", strings.Join(Channels, ", "))
	}
	if in.Direction == "" {
		in.Direction = "outbound"
	}
	if !slices.Contains(Directions, in.Direction) {
		f.Add("direction", "must be one of %s", strings.Join(Directions, ", "))
	}
	if in.Subject == "" && in.Body == "" {
		f.Add("body", "give a subject or a summary of what happened")
	}
	if len(in.Subject) > 300 || hasControl(in.Subject) {
		f.Add("subject", "must be at most 300 printable characters")
	}
	if len(in.Body) > 100_000 {
		f.Add("body", "must be at most 100,000 characters")
	}
	if in.OccurredAt.IsZero() {
		in.OccurredAt = now
	}
	in.OccurredAt = in.OccurredAt.UTC().Truncate(time.Microsecond)
	if in.OccurredAt.After(now.Add(24 * time.Hour)) {
		f.Add("occurred_at", "cannot be more than a day in the future")
	}
	if in.Duration < 0 || in.Duration > 24*time.Hour {
		f.Add("duration_seconds", "must be between 0 and 86400")
	}
	if len(in.ExternalID) > 200 || hasControl(in.ExternalID) {
		f.Add("external_id", "must be at most 200 printable characters")
	}
	if !slices.Contains(relatedTypes, in.RelatedType) {
		f.Add("related_type", "must be one of %s", strings.Join(relatedTypes[1:], ", "))
	}
	if (in.RelatedType == "") != (in.RelatedID == 0) {
		f.Add("related_id", "related_type and related_id go together")
	}
	return f.Err()
}

// LogInteraction records an interaction with a customer the actor may see
// and change. A system that posts the same external id twice gets a
// Conflict, so retries never double an interaction.
func (s *Service) LogInteraction(ctx context.Context, a auth.Actor, in InteractionInput) (Interaction, error) {
	if err := a.Require(auth.CustomerUpdate); err != nil {
		return Interaction{}, err
	}
	if _, err := s.liveVisible(ctx, a, in.CustomerID); err != nil {
		if fault.Is(err, fault.NotFound) {
			return Interaction{}, &fault.Error{Code: fault.NotFound, Message: err.Error(),
				Fields: []fault.FieldError{{Field: "customer_id", Message: "is not a customer you can see"}}}
		}
		return Interaction{}, err
	}
	now := s.now()
	if err := in.validate(now); err != nil {
		return Interaction{}, err
	}
	if in.HandledBy == 0 {
		in.HandledBy = a.UserID
	}
	if in.Source == "" {
		in.Source = a.Via
	}
	it := Interaction{CustomerID: in.CustomerID, Channel: in.Channel, Direction: in.Direction, Subject: in.Subject,
		Body: in.Body, OccurredAt: in.OccurredAt, Duration: in.Duration, HandledBy: in.HandledBy, Source: in.Source,
		ExternalID: in.ExternalID, RelatedType: in.RelatedType, RelatedID: in.RelatedID, CreatedBy: a.UserID,
		CreatedAt: now}
	e := a.Audit("create", "interaction", 0, now)
	e.CustomerID = in.CustomerID
	e.Changes = []audit.Change{{Field: "channel", New: it.Channel}, {Field: "direction", New: it.Direction}}
	id, err := s.store.CreateInteraction(ctx, it, e)
	if err != nil {
		if fault.Is(err, fault.Conflict) {
			return Interaction{}, &fault.Error{Code: fault.Conflict, Message: "This interaction was recorded before.",
				Fields: []fault.FieldError{{Field: "external_id", Message: "is already used by an interaction from " + in.Source}}}
		}
		if fault.Is(err, fault.NotFound) {
			return Interaction{}, &fault.Error{Code: fault.Invalid, Message: "Some fields are not valid.",
				Fields: []fault.FieldError{{Field: "handled_by_id", Message: "is not a user"}}}
		}
		return Interaction{}, err
	}
	it.ID = id
	return it, nil
}

// FindInteraction returns an interaction of a customer the actor may see.
func (s *Service) FindInteraction(ctx context.Context, a auth.Actor, id int64) (Interaction, error) {
	it, err := s.store.FindInteraction(ctx, id)
	if err != nil {
		if fault.Is(err, fault.NotFound) {
			return Interaction{}, fault.New(fault.NotFound, "Interaction %d was not found.", id)
		}
		return Interaction{}, err
	}
	if _, err := s.findVisible(ctx, a, it.CustomerID); err != nil {
		return Interaction{}, fault.New(fault.NotFound, "Interaction %d was not found.", id)
	}
	return it, nil
}

var channelNames = map[string]string{"phone": "Phone call", "email": "Email", "meeting": "Meeting", "chat": "Chat",
	"sms": "SMS", "social": "Social message", "web_visit": "Website visit", "in_store": "In-store visit", "other": "Interaction"}

// InteractionTitle names an interaction for the timeline: "Phone call
// (inbound): Renewal questions".
func InteractionTitle(channel, direction, subject string) string {
	name, ok := channelNames[channel]
	if !ok {
		name = "Interaction"
	}
	if direction != "" {
		name += " (" + direction + ")"
	}
	if subject != "" {
		name += ": " + subject
	}
	return name
}
