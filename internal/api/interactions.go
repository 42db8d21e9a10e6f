package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/scrms/scrms/internal/customer"
)

// InteractionJSON is an interaction as the API returns it.
type InteractionJSON struct {
	ID              int64     `json:"id"`
	CustomerID      int64     `json:"customer_id"`
	Channel         string    `json:"channel"`
	Direction       string    `json:"direction"`
	Subject         string    `json:"subject"`
	Body            string    `json:"body"`
	OccurredAt      time.Time `json:"occurred_at"`
	DurationSeconds *int64    `json:"duration_seconds"`
	HandledByID     *int64    `json:"handled_by_id"`
	HandledByName   string    `json:"handled_by_name,omitempty"`
	Source          string    `json:"source"`
	ExternalID      *string   `json:"external_id"`
	RelatedType     string    `json:"related_type,omitempty"`
	RelatedID       *int64    `json:"related_id,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
}

// InteractionCreateJSON is the body of POST /interactions.
type InteractionCreateJSON struct {
	CustomerID      int64     `json:"customer_id" minimum:"1"`
	Channel         string    `json:"channel" enum:"phone,email,meeting,chat,sms,social,web_visit,in_store,other"`
	Direction       string    `json:"direction,omitempty" enum:"inbound,outbound,internal" doc:"Default outbound."`
	Subject         string    `json:"subject,omitempty" maxLength:"300"`
	Body            string    `json:"body,omitempty" maxLength:"100000" doc:"What was said or done; a subject or a body is required."`
	OccurredAt      time.Time `json:"occurred_at,omitempty" doc:"When it happened (RFC 3339); default now."`
	DurationSeconds int64     `json:"duration_seconds,omitempty" minimum:"0" maximum:"86400"`
	HandledByID     int64     `json:"handled_by_id,omitempty" doc:"The user who handled it; default the caller."`
	Source          string    `json:"source,omitempty" maxLength:"50" doc:"The posting system, e.g. telephony; default api."`
	ExternalID      string    `json:"external_id,omitempty" maxLength:"200" doc:"The posting system's id: a second post with the same source and id is refused (409)."`
	RelatedType     string    `json:"related_type,omitempty" enum:"lead,opportunity,case,order,campaign,"`
	RelatedID       int64     `json:"related_id,omitempty"`
}

func interactionJSON(it customer.Interaction) InteractionJSON {
	j := InteractionJSON{ID: it.ID, CustomerID: it.CustomerID, Channel: it.Channel, Direction: it.Direction,
		Subject: it.Subject, Body: it.Body, OccurredAt: it.OccurredAt, HandledByID: optID(it.HandledBy),
		HandledByName: it.HandledByName, Source: it.Source, RelatedType: it.RelatedType, RelatedID: optID(it.RelatedID),
		CreatedAt: it.CreatedAt}
	if it.Duration > 0 {
		d := int64(it.Duration / time.Second)
		j.DurationSeconds = &d
	}
	if it.ExternalID != "" {
		j.ExternalID = &it.ExternalID
	}
	return j
}

func (s *server) registerInteractions(api huma.API) {
	tags := []string{"Interactions"}
	huma.Register(api, huma.Operation{OperationID: "create-interaction", Method: http.MethodPost, Path: "/interactions",
		Summary: "Record an interaction with a customer (a call, email, meeting, chat, message or visit)", Tags: tags,
		DefaultStatus: http.StatusCreated, MaxBodyBytes: s.MaxBodyBytes},
		func(ctx context.Context, in *struct {
			IdempotencyKey string `header:"Idempotency-Key" maxLength:"255"`
			Body           InteractionCreateJSON
		}) (*struct{ Body InteractionJSON }, error) {
			b := in.Body
			source := b.Source
			if source == "" {
				source = "api"
			}
			it, err := s.Customers.LogInteraction(ctx, actorFrom(ctx), customer.InteractionInput{CustomerID: b.CustomerID,
				Channel: b.Channel, Direction: b.Direction, Subject: b.Subject, Body: b.Body, OccurredAt: b.OccurredAt,
				Duration: time.Duration(b.DurationSeconds) * time.Second, HandledBy: b.HandledByID, Source: source,
				ExternalID: b.ExternalID, RelatedType: b.RelatedType, RelatedID: b.RelatedID})
			if err != nil {
				return nil, s.fail(ctx, "create interaction", err)
			}
			if it.HandledBy != 0 {
				if u, err := s.Auth.FindUser(ctx, it.HandledBy); err == nil {
					it.HandledByName = u.Name
				}
			}
			return &struct{ Body InteractionJSON }{Body: interactionJSON(it)}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "get-interaction", Method: http.MethodGet, Path: "/interactions/{id}",
		Summary: "Get an interaction", Tags: tags},
		func(ctx context.Context, in *struct {
			ID int64 `path:"id" minimum:"1"`
		}) (*struct{ Body InteractionJSON }, error) {
			it, err := s.Customers.FindInteraction(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "get interaction", err)
			}
			return &struct{ Body InteractionJSON }{Body: interactionJSON(it)}, nil
		})
}
