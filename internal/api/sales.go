package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/scrms/scrms/internal/sales"
)

// PipelineJSON is a pipeline with its stages in order.
type PipelineJSON struct {
	ID     int64       `json:"id"`
	Name   string      `json:"name"`
	Stages []StageJSON `json:"stages"`
}

// StageJSON is a stage of a pipeline.
type StageJSON struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Probability int    `json:"probability" doc:"Percent chance that a deal in this stage is won."`
	Kind        string `json:"kind" enum:"open,won,lost"`
}

// OpportunityJSON is a deal.
type OpportunityJSON struct {
	ID             int64      `json:"id"`
	PipelineID     int64      `json:"pipeline_id"`
	StageID        int64      `json:"stage_id"`
	CustomerID     *int64     `json:"customer_id,omitempty"`
	CustomerName   string     `json:"customer_name,omitempty"`
	Name           string     `json:"name"`
	Amount         int64      `json:"amount" doc:"In minor units of the currency (cents)."`
	Currency       string     `json:"currency"`
	ExpectedClose  string     `json:"expected_close,omitempty" doc:"YYYY-MM-DD"`
	OwnerID        *int64     `json:"owner_id,omitempty"`
	OwnerName      string     `json:"owner_name,omitempty"`
	NextStep       string     `json:"next_step,omitempty"`
	LostReason     string     `json:"lost_reason,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	StageEnteredAt time.Time  `json:"stage_entered_at"`
	ClosedAt       *time.Time `json:"closed_at,omitempty"`
}

func opportunityJSON(o sales.Opportunity) OpportunityJSON {
	return OpportunityJSON{ID: o.ID, PipelineID: o.PipelineID, StageID: o.StageID, CustomerID: optID(o.CustomerID),
		CustomerName: o.CustomerName, Name: o.Name, Amount: o.Amount, Currency: o.Currency, ExpectedClose: o.ExpectedClose,
		OwnerID: optID(o.OwnerID), OwnerName: o.OwnerName, NextStep: o.NextStep, LostReason: o.LostReason,
		CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt, StageEnteredAt: o.StageEnteredAt, ClosedAt: optTime(o.ClosedAt)}
}

// OpportunityInputJSON is a new deal or the fields to change.
type OpportunityInputJSON struct {
	PipelineID    *int64  `json:"pipeline_id,omitempty" doc:"Default: the first pipeline."`
	StageID       *int64  `json:"stage_id,omitempty" doc:"Default: the pipeline's first stage. Changing it moves the deal."`
	CustomerID    *int64  `json:"customer_id,omitempty"`
	Name          *string `json:"name,omitempty" maxLength:"200"`
	Amount        *int64  `json:"amount,omitempty" minimum:"0" doc:"In minor units (cents)."`
	Currency      *string `json:"currency,omitempty" maxLength:"3" doc:"ISO 4217; default EUR."`
	ExpectedClose *string `json:"expected_close,omitempty" doc:"YYYY-MM-DD"`
	OwnerID       *int64  `json:"owner_id,omitempty"`
	NextStep      *string `json:"next_step,omitempty" maxLength:"500"`
	LostReason    *string `json:"lost_reason,omitempty" maxLength:"500"`
}

func (j OpportunityInputJSON) input() sales.Input {
	return sales.Input{PipelineID: j.PipelineID, StageID: j.StageID, CustomerID: j.CustomerID, Name: j.Name,
		Amount: j.Amount, Currency: j.Currency, ExpectedClose: j.ExpectedClose, OwnerID: j.OwnerID,
		NextStep: j.NextStep, LostReason: j.LostReason}
}

// MoveJSON is one stage change of a deal.
type MoveJSON struct {
	FromStageID   *int64    `json:"from_stage_id,omitempty"`
	ToStageID     int64     `json:"to_stage_id"`
	MovedBy       string    `json:"moved_by,omitempty"`
	MovedAt       time.Time `json:"moved_at"`
	SecondsInFrom int64     `json:"seconds_in_from_stage" doc:"Time the deal spent in the stage it left."`
}

func (s *server) registerSales(api huma.API) {
	tags := []string{"Sales"}
	huma.Register(api, huma.Operation{OperationID: "list-pipelines", Method: http.MethodGet, Path: "/pipelines",
		Summary: "Pipelines with their stages", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body []PipelineJSON }, error) {
			ps, err := s.Sales.Pipelines(ctx, actorFrom(ctx))
			if err != nil {
				return nil, s.fail(ctx, "pipelines", err)
			}
			out := []PipelineJSON{}
			for _, p := range ps {
				pj := PipelineJSON{ID: p.ID, Name: p.Name, Stages: []StageJSON{}}
				for _, st := range p.Stages {
					pj.Stages = append(pj.Stages, StageJSON{ID: st.ID, Name: st.Name, Probability: st.Probability, Kind: st.Kind})
				}
				out = append(out, pj)
			}
			return &struct{ Body []PipelineJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "create-pipeline", Method: http.MethodPost, Path: "/pipelines",
		Summary: "Create a pipeline with its stages", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct {
			Body struct {
				Name   string           `json:"name" maxLength:"100"`
				Stages []StageInputJSON `json:"stages" minItems:"3" maxItems:"20"`
			}
		}) (*struct{ Body PipelineJSON }, error) {
			pi := sales.PipelineInput{Name: in.Body.Name}
			for _, st := range in.Body.Stages {
				pi.Stages = append(pi.Stages, sales.Stage{Name: st.Name, Probability: st.Probability, Kind: st.Kind})
			}
			p, err := s.Sales.CreatePipeline(ctx, actorFrom(ctx), pi)
			if err != nil {
				return nil, s.fail(ctx, "create pipeline", err)
			}
			pj := PipelineJSON{ID: p.ID, Name: p.Name, Stages: []StageJSON{}}
			for _, st := range p.Stages {
				pj.Stages = append(pj.Stages, StageJSON{ID: st.ID, Name: st.Name, Probability: st.Probability, Kind: st.Kind})
			}
			return &struct{ Body PipelineJSON }{pj}, nil
		})
	type oppOut = struct{ Body OpportunityJSON }
	huma.Register(api, huma.Operation{OperationID: "create-opportunity", Method: http.MethodPost, Path: "/opportunities",
		Summary: "Create an opportunity", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct{ Body OpportunityInputJSON }) (*oppOut, error) {
			o, err := s.Sales.CreateOpportunity(ctx, actorFrom(ctx), in.Body.input())
			if err != nil {
				return nil, s.fail(ctx, "create opportunity", err)
			}
			return &oppOut{Body: opportunityJSON(o)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "list-opportunities", Method: http.MethodGet, Path: "/opportunities",
		Summary: "Opportunities the caller may see, newest first", Tags: tags},
		func(ctx context.Context, in *struct {
			PipelineID int64 `query:"pipeline_id"`
			StageID    int64 `query:"stage_id"`
			OwnerID    int64 `query:"owner_id"`
			CustomerID int64 `query:"customer_id"`
			Open       bool  `query:"open" doc:"Only deals not yet won or lost."`
			Limit      int   `query:"limit" minimum:"1" maximum:"500" default:"100"`
		}) (*struct{ Body []OpportunityJSON }, error) {
			os, err := s.Sales.List(ctx, actorFrom(ctx), sales.Filter{PipelineID: in.PipelineID, StageID: in.StageID,
				OwnerID: in.OwnerID, CustomerID: in.CustomerID, Open: in.Open, Limit: in.Limit})
			if err != nil {
				return nil, s.fail(ctx, "list opportunities", err)
			}
			out := []OpportunityJSON{}
			for _, o := range os {
				out = append(out, opportunityJSON(o))
			}
			return &struct{ Body []OpportunityJSON }{out}, nil
		})
	type oppPath struct {
		ID int64 `path:"id" minimum:"1"`
	}
	huma.Register(api, huma.Operation{OperationID: "get-opportunity", Method: http.MethodGet, Path: "/opportunities/{id}",
		Summary: "One opportunity", Tags: tags},
		func(ctx context.Context, in *oppPath) (*oppOut, error) {
			o, err := s.Sales.Opportunity(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "opportunity", err)
			}
			return &oppOut{Body: opportunityJSON(o)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "update-opportunity", Method: http.MethodPatch, Path: "/opportunities/{id}",
		Summary: "Change an opportunity; a new stage_id moves it on the board", Tags: tags,
		Description: "The move is saved at once and recorded in the history with the time spent in the stage left; " +
			"open boards show it live. When two people move the same deal at once, both moves are in the history " +
			"and the later one wins."},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body OpportunityInputJSON
		}) (*oppOut, error) {
			o, err := s.Sales.UpdateOpportunity(ctx, actorFrom(ctx), in.ID, in.Body.input())
			if err != nil {
				return nil, s.fail(ctx, "update opportunity", err)
			}
			return &oppOut{Body: opportunityJSON(o)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "delete-opportunity", Method: http.MethodDelete, Path: "/opportunities/{id}",
		Summary: "Delete an opportunity (kept, with its history, for reports and the audit log)", Tags: tags,
		DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *oppPath) (*struct{}, error) {
			if err := s.Sales.DeleteOpportunity(ctx, actorFrom(ctx), in.ID); err != nil {
				return nil, s.fail(ctx, "delete opportunity", err)
			}
			return nil, nil
		})
	huma.Register(api, huma.Operation{OperationID: "opportunity-history", Method: http.MethodGet,
		Path: "/opportunities/{id}/history", Summary: "An opportunity's stage moves, oldest first", Tags: tags},
		func(ctx context.Context, in *oppPath) (*struct{ Body []MoveJSON }, error) {
			ms, err := s.Sales.History(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "opportunity history", err)
			}
			out := []MoveJSON{}
			for _, m := range ms {
				out = append(out, MoveJSON{FromStageID: optID(m.FromStageID), ToStageID: m.ToStageID, MovedBy: m.MovedByName,
					MovedAt: m.MovedAt, SecondsInFrom: m.SecondsInFrom})
			}
			return &struct{ Body []MoveJSON }{out}, nil
		})
}

// StageInputJSON is a stage of a new pipeline.
type StageInputJSON struct {
	Name        string `json:"name" maxLength:"100"`
	Probability int    `json:"probability,omitempty" minimum:"0" maximum:"100"`
	Kind        string `json:"kind,omitempty" enum:"open,won,lost," doc:"Default: open."`
}
