package customer

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// TimelineKinds are the kinds of event a timeline can hold today. Later areas
// (interactions, orders, cases, campaigns, loyalty) add theirs as new sources
// of the same query.
var TimelineKinds = []string{"note", "interaction", "order", "change"}

// TimelineQuery asks the store for one page of a customer's timeline, newest
// first, strictly before the (At, Kind, RefID) position of Before.
type TimelineQuery struct {
	CustomerID int64
	Kinds      []string
	Before     *TimelinePos
	Limit      int
}

// TimelinePos is a position in a timeline's order: time, then kind, then id,
// all descending.
type TimelinePos struct {
	At    time.Time `json:"t"`
	Kind  string    `json:"k"`
	RefID int64     `json:"i"`
}

// TimelinePage is one page of a timeline.
type TimelinePage struct {
	Events     []Event
	NextCursor string
}

// Timeline returns a page of the events of a customer the actor may see.
func (s *Service) Timeline(ctx context.Context, a auth.Actor, customerID int64, kinds []string, cursor string, limit int) (TimelinePage, error) {
	c, err := s.findVisible(ctx, a, customerID)
	if err != nil {
		return TimelinePage{}, err
	}
	var f fault.Fields
	for _, k := range kinds {
		if !slices.Contains(TimelineKinds, k) {
			f.Add("kind", "must be one of %s", strings.Join(TimelineKinds, ", "))
		}
	}
	if len(kinds) == 0 {
		kinds = TimelineKinds
	}
	if limit == 0 {
		limit = 30
	}
	if limit < 1 || limit > 100 {
		f.Add("limit", "must be between 1 and 100")
	}
	q := TimelineQuery{CustomerID: customerID, Kinds: kinds, Limit: limit + 1}
	if cursor != "" {
		var pos TimelinePos
		b, err := base64.RawURLEncoding.DecodeString(cursor)
		if err == nil {
			err = json.Unmarshal(b, &pos)
		}
		if err != nil {
			f.Add("cursor", "is not a timeline cursor")
		}
		q.Before = &pos
	}
	if err := f.Err(); err != nil {
		return TimelinePage{}, err
	}
	events, err := s.store.Timeline(ctx, q)
	if err != nil {
		return TimelinePage{}, fmt.Errorf("customer: timeline %d: %w", customerID, err)
	}
	var p TimelinePage
	if len(events) > limit {
		events = events[:limit]
		last := events[limit-1]
		b, _ := json.Marshal(TimelinePos{At: last.At, Kind: last.Kind, RefID: last.RefID})
		p.NextCursor = base64.RawURLEncoding.EncodeToString(b)
	}
	scrubErased(c, events)
	if !a.Can(auth.CustomerPII) {
		for i := range events {
			for j, c := range events[i].Changes {
				if piiFields[c.Field] {
					events[i].Changes[j].Old, events[i].Changes[j].New = maskedText(c.Old), maskedText(c.New)
				}
			}
		}
	}
	p.Events = events
	return p, nil
}

func maskedText(s string) string {
	if s == "" {
		return ""
	}
	return "(hidden)"
}
