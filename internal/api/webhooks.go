package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// WebhookJSON is an address that receives SCRMS's events.
type WebhookJSON struct {
	ID          int64     `json:"id" readOnly:"true"`
	URL         string    `json:"url" maxLength:"2000" doc:"Where events are POSTed (https in production; private addresses are refused)."`
	Events      []string  `json:"events" minItems:"1" doc:"customer.created, customer.updated, order.placed, quote.sent, opportunity.won, case.created, case.resolved, campaign.sent, journey.step, form.submitted, or * for all."`
	Description string    `json:"description,omitempty" maxLength:"200"`
	Secret      string    `json:"secret,omitempty" readOnly:"true" doc:"Signs each delivery (X-SCRMS-Signature: t=UNIX,v1=HEX(HMAC-SHA256(secret, \"UNIX.\" + body))). Shown once, when the webhook is made."`
	Active      bool      `json:"active" readOnly:"true"`
	CreatedAt   time.Time `json:"created_at" readOnly:"true"`
}

// DeliveryJSON is one event sent to a webhook.
type DeliveryJSON struct {
	ID          int64     `json:"id"`
	Event       string    `json:"event"`
	Status      string    `json:"status" doc:"pending (being tried), delivered, failed (given up after 8 attempts)."`
	Attempts    int       `json:"attempts"`
	LastCode    int       `json:"last_code,omitempty" doc:"The receiver's last HTTP status."`
	LastError   string    `json:"last_error,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
}

func (s *server) registerWebhooks(api huma.API) {
	tags := []string{"Webhooks"}
	huma.Register(api, huma.Operation{OperationID: "list-webhooks", Method: http.MethodGet, Path: "/webhooks",
		Summary: "Webhooks (administrators)", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body []WebhookJSON }, error) {
			ws, err := s.Webhooks.List(ctx, actorFrom(ctx))
			if err != nil {
				return nil, s.fail(ctx, "webhooks", err)
			}
			out := make([]WebhookJSON, 0, len(ws))
			for _, w := range ws {
				out = append(out, WebhookJSON{ID: w.ID, URL: w.URL, Events: w.Events, Description: w.Description,
					Active: w.Active, CreatedAt: w.CreatedAt})
			}
			return &struct{ Body []WebhookJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "create-webhook", Method: http.MethodPost, Path: "/webhooks",
		Summary: "Register a webhook (its secret is in this answer only)", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct{ Body WebhookJSON }) (*struct{ Body WebhookJSON }, error) {
			w, err := s.Webhooks.Create(ctx, actorFrom(ctx), in.Body.URL, in.Body.Events, in.Body.Description)
			if err != nil {
				return nil, s.fail(ctx, "create webhook", err)
			}
			return &struct{ Body WebhookJSON }{WebhookJSON{ID: w.ID, URL: w.URL, Events: w.Events, Description: w.Description,
				Secret: w.Secret, Active: w.Active, CreatedAt: w.CreatedAt}}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "delete-webhook", Method: http.MethodDelete, Path: "/webhooks/{id}",
		Summary: "Remove a webhook and its delivery log", Tags: tags, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *struct {
			ID int64 `path:"id" minimum:"1"`
		}) (*struct{}, error) {
			if err := s.Webhooks.Delete(ctx, actorFrom(ctx), in.ID); err != nil {
				return nil, s.fail(ctx, "delete webhook", err)
			}
			return &struct{}{}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "webhook-deliveries", Method: http.MethodGet, Path: "/webhooks/{id}/deliveries",
		Summary: "A webhook's latest deliveries", Tags: tags},
		func(ctx context.Context, in *struct {
			ID int64 `path:"id" minimum:"1"`
		}) (*struct{ Body []DeliveryJSON }, error) {
			ds, err := s.Webhooks.Log(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "webhook deliveries", err)
			}
			out := make([]DeliveryJSON, 0, len(ds))
			for _, d := range ds {
				out = append(out, DeliveryJSON{ID: d.ID, Event: d.Event, Status: d.Status, Attempts: d.Attempts, LastCode: d.LastCode,
					LastError: d.LastError, CreatedAt: d.CreatedAt, DeliveredAt: d.DeliveredAt})
			}
			return &struct{ Body []DeliveryJSON }{out}, nil
		})
}
