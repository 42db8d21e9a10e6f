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

// ConsentPurposes are what a customer can consent to. Marketing is asked per
// channel; profiling (personalised recommendations) covers all channels.
var ConsentPurposes = []string{"marketing", "profiling", "third_party_sharing"}

// ConsentChannels are the channels marketing consent is given for; "all"
// is used by purposes that do not depend on a channel.
var ConsentChannels = []string{"email", "sms", "phone", "post", "all"}

// ConsentSources say how a consent was collected.
var ConsentSources = []string{"web_form", "preference_centre", "phone", "in_person", "paper", "import", "api"}

// ConsentEvent is one grant or withdrawal, with its proof.
type ConsentEvent struct {
	ID             int64
	CustomerID     int64
	Purpose        string
	Channel        string
	Status         string // granted or withdrawn
	Source         string
	Proof          string // the text shown, or what the customer said
	IP             string
	RecordedBy     int64
	RecordedByName string
	OccurredAt     time.Time
	CreatedAt      time.Time
}

// Granted reports whether the event grants consent.
func (e ConsentEvent) Granted() bool { return e.Status == "granted" }

// ConsentInput is a consent as staff or a system records it.
type ConsentInput struct {
	Purpose    string
	Channel    string
	Status     string
	Source     string
	Proof      string
	IP         string
	OccurredAt time.Time // zero means now
}

func (in *ConsentInput) validate(now time.Time) error {
	var f fault.Fields
	in.Proof = strings.TrimSpace(in.Proof)
	if !slices.Contains(ConsentPurposes, in.Purpose) {
		f.Add("purpose", "must be one of %s", strings.Join(ConsentPurposes, ", "))
	}
	if in.Channel == "" && in.Purpose != "marketing" {
		in.Channel = "all"
	}
	if !slices.Contains(ConsentChannels, in.Channel) {
		f.Add("channel", "must be one of %s", strings.Join(ConsentChannels, ", "))
	} else if in.Purpose == "marketing" && in.Channel == "all" {
		f.Add("channel", "marketing consent is given per channel: email, sms, phone or post")
	}
	if in.Status != "granted" && in.Status != "withdrawn" {
		f.Add("status", "must be granted or withdrawn")
	}
	if !slices.Contains(ConsentSources, in.Source) {
		f.Add("source", "must be one of %s", strings.Join(ConsentSources, ", "))
	}
	// A grant without proof cannot be shown to a regulator; a withdrawal
	// needs none, since it must always be honoured.
	if in.Status == "granted" && in.Proof == "" {
		f.Add("proof", "say what the customer agreed to (the text shown or what they said)")
	}
	if len(in.Proof) > 5000 {
		f.Add("proof", "must be at most 5,000 characters")
	}
	if in.OccurredAt.IsZero() {
		in.OccurredAt = now
	}
	in.OccurredAt = in.OccurredAt.UTC().Truncate(time.Microsecond)
	if in.OccurredAt.After(now.Add(time.Minute)) {
		f.Add("occurred_at", "cannot be in the future")
	}
	return f.Err()
}

// RecordConsent adds a grant or withdrawal to a customer's consent history.
// Nothing is ever overwritten: the latest event per purpose and channel is
// the consent in force, and the history is the proof.
func (s *Service) RecordConsent(ctx context.Context, a auth.Actor, customerID int64, in ConsentInput) (ConsentEvent, error) {
	if err := a.Require(auth.CustomerUpdate); err != nil {
		return ConsentEvent{}, err
	}
	if _, err := s.liveVisible(ctx, a, customerID); err != nil {
		return ConsentEvent{}, err
	}
	now := s.now()
	if err := in.validate(now); err != nil {
		return ConsentEvent{}, err
	}
	ev := ConsentEvent{CustomerID: customerID, Purpose: in.Purpose, Channel: in.Channel, Status: in.Status,
		Source: in.Source, Proof: in.Proof, IP: in.IP, RecordedBy: a.UserID, RecordedByName: a.Name,
		OccurredAt: in.OccurredAt, CreatedAt: now}
	action := "grant"
	if !ev.Granted() {
		action = "withdraw"
	}
	e := a.Audit(action, "consent", 0, now)
	e.CustomerID = customerID
	e.Changes = []audit.Change{{Field: "consent", New: ev.Purpose + "/" + ev.Channel + ": " + ev.Status},
		{Field: "source", New: ev.Source}}
	id, err := s.store.CreateConsentEvent(ctx, ev, e)
	if err != nil {
		return ConsentEvent{}, err
	}
	ev.ID = id
	return ev, nil
}

// Consents returns the consents in force (the latest event per purpose and
// channel) and the whole history, newest first.
func (s *Service) Consents(ctx context.Context, a auth.Actor, customerID int64) (current, history []ConsentEvent, err error) {
	if _, err := s.findVisible(ctx, a, customerID); err != nil {
		return nil, nil, err
	}
	history, err = s.store.ListConsentEvents(ctx, customerID)
	if err != nil {
		return nil, nil, err
	}
	return CurrentConsents(history), history, nil
}

// CurrentConsents picks the latest event per purpose and channel from a
// history ordered newest first.
func CurrentConsents(history []ConsentEvent) []ConsentEvent {
	seen := map[string]bool{}
	var current []ConsentEvent
	for _, e := range history {
		k := e.Purpose + "/" + e.Channel
		if !seen[k] {
			seen[k] = true
			current = append(current, e)
		}
	}
	slices.SortFunc(current, func(x, y ConsentEvent) int {
		return strings.Compare(x.Purpose+"/"+x.Channel, y.Purpose+"/"+y.Channel)
	})
	return current
}

// HasConsent reports whether a customer's consent for purpose on channel is
// in force. No event means no consent: SCRMS never assumes it.
func HasConsent(history []ConsentEvent, purpose, channel string) bool {
	for _, e := range CurrentConsents(history) {
		if e.Purpose == purpose && (e.Channel == channel || e.Channel == "all") {
			return e.Granted()
		}
	}
	return false
}
