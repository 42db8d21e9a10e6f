package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/scrms/scrms/internal/customer"
)

// ConsentJSON is one grant or withdrawal.
type ConsentJSON struct {
	ID         int64     `json:"id"`
	Purpose    string    `json:"purpose"`
	Channel    string    `json:"channel"`
	Status     string    `json:"status"`
	Source     string    `json:"source"`
	Proof      string    `json:"proof"`
	IP         string    `json:"ip,omitempty"`
	RecordedBy string    `json:"recorded_by,omitempty"`
	OccurredAt time.Time `json:"occurred_at"`
	CreatedAt  time.Time `json:"created_at"`
}

// ConsentsJSON is a customer's consents: those in force and the history.
type ConsentsJSON struct {
	Current []ConsentJSON `json:"current" doc:"The latest grant or withdrawal per purpose and channel. No entry means no consent."`
	History []ConsentJSON `json:"history" doc:"Every grant and withdrawal, newest first."`
}

// ConsentInputJSON records a grant or withdrawal.
type ConsentInputJSON struct {
	Purpose    string    `json:"purpose" enum:"marketing,profiling,third_party_sharing"`
	Channel    string    `json:"channel,omitempty" enum:"email,sms,phone,post,all," doc:"Required for marketing; other purposes use all."`
	Status     string    `json:"status" enum:"granted,withdrawn"`
	Source     string    `json:"source" enum:"web_form,preference_centre,phone,in_person,paper,import,api"`
	Proof      string    `json:"proof,omitempty" maxLength:"5000" doc:"The text shown or what the customer said; required for a grant."`
	IP         string    `json:"ip,omitempty" maxLength:"64" doc:"Where the customer gave it, for web consents."`
	OccurredAt time.Time `json:"occurred_at,omitempty" doc:"When the customer gave or withdrew it; default now."`
}

func consentJSON(e customer.ConsentEvent) ConsentJSON {
	return ConsentJSON{ID: e.ID, Purpose: e.Purpose, Channel: e.Channel, Status: e.Status, Source: e.Source,
		Proof: e.Proof, IP: e.IP, RecordedBy: e.RecordedByName, OccurredAt: e.OccurredAt, CreatedAt: e.CreatedAt}
}

func (s *server) registerConsents(api huma.API) {
	tags := []string{"Consent"}
	huma.Register(api, huma.Operation{OperationID: "list-consents", Method: http.MethodGet,
		Path: "/customers/{id}/consents", Summary: "A customer's consents in force and their history", Tags: tags},
		func(ctx context.Context, in *CustomerPath) (*struct{ Body ConsentsJSON }, error) {
			current, history, err := s.Customers.Consents(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "list consents", err)
			}
			out := &struct{ Body ConsentsJSON }{Body: ConsentsJSON{Current: []ConsentJSON{}, History: []ConsentJSON{}}}
			for _, e := range current {
				out.Body.Current = append(out.Body.Current, consentJSON(e))
			}
			for _, e := range history {
				out.Body.History = append(out.Body.History, consentJSON(e))
			}
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "record-consent", Method: http.MethodPost,
		Path: "/customers/{id}/consents", Summary: "Record a grant or withdrawal of consent", Tags: tags,
		DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct {
			CustomerPath
			Body ConsentInputJSON
		}) (*struct{ Body ConsentJSON }, error) {
			b := in.Body
			e, err := s.Customers.RecordConsent(ctx, actorFrom(ctx), in.ID, customer.ConsentInput{Purpose: b.Purpose,
				Channel: b.Channel, Status: b.Status, Source: b.Source, Proof: b.Proof, IP: b.IP, OccurredAt: b.OccurredAt})
			if err != nil {
				return nil, s.fail(ctx, "record consent", err)
			}
			return &struct{ Body ConsentJSON }{Body: consentJSON(e)}, nil
		})
}
