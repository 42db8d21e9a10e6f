package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/scrms/scrms/internal/sales"
)

// ActivityJSON is a task, call or meeting.
type ActivityJSON struct {
	ID            int64      `json:"id"`
	Kind          string     `json:"kind" enum:"task,call,meeting"`
	Subject       string     `json:"subject"`
	Notes         string     `json:"notes,omitempty"`
	DueAt         *time.Time `json:"due_at,omitempty"`
	RemindAt      *time.Time `json:"remind_at,omitempty"`
	RemindedAt    *time.Time `json:"reminded_at,omitempty"`
	DoneAt        *time.Time `json:"done_at,omitempty"`
	Overdue       bool       `json:"overdue"`
	Recurrence    string     `json:"recurrence,omitempty"`
	Attendees     []int64    `json:"attendees"`
	OwnerID       *int64     `json:"owner_id,omitempty"`
	CustomerID    *int64     `json:"customer_id,omitempty"`
	CustomerName  string     `json:"customer_name,omitempty"`
	LeadID        *int64     `json:"lead_id,omitempty"`
	OpportunityID *int64     `json:"opportunity_id,omitempty"`
	InteractionID *int64     `json:"interaction_id,omitempty" doc:"The interaction a held call or meeting became."`
}

func activityJSON(x sales.Activity) ActivityJSON {
	att := x.Attendees
	if att == nil {
		att = []int64{}
	}
	return ActivityJSON{ID: x.ID, Kind: x.Kind, Subject: x.Subject, Notes: x.Notes, DueAt: optTime(x.DueAt),
		RemindAt: optTime(x.RemindAt), RemindedAt: optTime(x.RemindedAt), DoneAt: optTime(x.DoneAt),
		Overdue: x.Overdue(time.Now()), Recurrence: x.Recurrence, Attendees: att, OwnerID: optID(x.OwnerID),
		CustomerID: optID(x.CustomerID), CustomerName: x.CustomerName, LeadID: optID(x.LeadID),
		OpportunityID: optID(x.OpportunityID), InteractionID: optID(x.InteractionID)}
}

// ActivityInputJSON is a new activity or the changes to one.
type ActivityInputJSON struct {
	Kind          *string    `json:"kind,omitempty" enum:"task,call,meeting" doc:"Default: task."`
	Subject       *string    `json:"subject,omitempty" maxLength:"300"`
	Notes         *string    `json:"notes,omitempty" maxLength:"10000"`
	DueAt         *time.Time `json:"due_at,omitempty"`
	RemindAt      *time.Time `json:"remind_at,omitempty" doc:"When to remind the owner and the attendees (in the app)."`
	Recurrence    *string    `json:"recurrence,omitempty" enum:"daily,weekly,monthly,"`
	Attendees     *[]int64   `json:"attendees,omitempty" doc:"User ids."`
	OwnerID       *int64     `json:"owner_id,omitempty"`
	CustomerID    *int64     `json:"customer_id,omitempty"`
	LeadID        *int64     `json:"lead_id,omitempty"`
	OpportunityID *int64     `json:"opportunity_id,omitempty"`
	Done          *bool      `json:"done,omitempty" doc:"A call or meeting marked done joins the customer's timeline; a recurring activity gets its next one."`
}

func (j ActivityInputJSON) input() sales.ActivityInput {
	return sales.ActivityInput{Kind: j.Kind, Subject: j.Subject, Notes: j.Notes, DueAt: j.DueAt, RemindAt: j.RemindAt,
		Recurrence: j.Recurrence, Attendees: j.Attendees, OwnerID: j.OwnerID, CustomerID: j.CustomerID, LeadID: j.LeadID,
		OpportunityID: j.OpportunityID, Done: j.Done}
}

func (s *server) registerActivities(api huma.API) {
	tags := []string{"Activities"}
	type out = struct{ Body ActivityJSON }
	huma.Register(api, huma.Operation{OperationID: "create-activity", Method: http.MethodPost, Path: "/activities",
		Summary: "Add a task, call or meeting", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct{ Body ActivityInputJSON }) (*out, error) {
			x, err := s.Activities.CreateActivity(ctx, actorFrom(ctx), in.Body.input())
			if err != nil {
				return nil, s.fail(ctx, "create activity", err)
			}
			return &out{Body: activityJSON(x)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "list-activities", Method: http.MethodGet, Path: "/activities",
		Summary: "Activities, soonest due first", Tags: tags},
		func(ctx context.Context, in *struct {
			OwnerID    int64 `query:"owner_id"`
			CustomerID int64 `query:"customer_id"`
			Open       bool  `query:"open"`
			Limit      int   `query:"limit" minimum:"1" maximum:"500" default:"200"`
		}) (*struct{ Body []ActivityJSON }, error) {
			xs, err := s.Activities.Activities(ctx, actorFrom(ctx), sales.ActivityFilter{OwnerID: in.OwnerID,
				CustomerID: in.CustomerID, Open: in.Open, Limit: in.Limit})
			if err != nil {
				return nil, s.fail(ctx, "activities", err)
			}
			list := []ActivityJSON{}
			for _, x := range xs {
				list = append(list, activityJSON(x))
			}
			return &struct{ Body []ActivityJSON }{list}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-activity", Method: http.MethodGet, Path: "/activities/{id}",
		Summary: "One activity", Tags: tags},
		func(ctx context.Context, in *struct {
			ID int64 `path:"id" minimum:"1"`
		}) (*out, error) {
			x, err := s.Activities.Activity(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "activity", err)
			}
			return &out{Body: activityJSON(x)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "update-activity", Method: http.MethodPatch, Path: "/activities/{id}",
		Summary: "Change an activity or mark it done", Tags: tags},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body ActivityInputJSON
		}) (*out, error) {
			x, err := s.Activities.UpdateActivity(ctx, actorFrom(ctx), in.ID, in.Body.input())
			if err != nil {
				return nil, s.fail(ctx, "update activity", err)
			}
			return &out{Body: activityJSON(x)}, nil
		})
}
