package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/scrms/scrms/internal/marketing"
)

// JourneyJSON is an automated flow.
type JourneyJSON struct {
	ID      int64             `json:"id" readOnly:"true"`
	Name    string            `json:"name" minLength:"1" maxLength:"100"`
	Trigger marketing.Trigger `json:"trigger" doc:"{\"event\": \"customer.created|order.placed|quote.sent|case.resolved|opportunity.won|form.submitted\"} or {\"segment_id\": N} (customers entering the segment)."`
	Steps   []marketing.Step  `json:"steps" minItems:"1" maxItems:"50" doc:"wait (minutes), email (template_id), tag/stage/task/webhook (value; task due_days), condition (rule as text; else_goto a step from 1, 0 ends), split (percent going on to the next step; the others to else_goto), goto (goto a step from 1, 0 ends; a jump back needs a wait in between)."`
	Goal    string            `json:"goal,omitempty" maxLength:"2000" doc:"Rules as text: a customer who meets them leaves the journey."`
	Reentry bool              `json:"reentry,omitempty" doc:"A customer may go through it again after finishing."`
	Status  string            `json:"status,omitempty" enum:"draft,active,paused," doc:"Default draft."`
}

func journeyJSON(j marketing.Journey) JourneyJSON {
	return JourneyJSON{ID: j.ID, Name: j.Name, Trigger: j.Trigger, Steps: j.Steps, Goal: j.Goal, Reentry: j.Reentry, Status: j.Status}
}

func (in JourneyJSON) journey() marketing.Journey {
	return marketing.Journey{Name: in.Name, Trigger: in.Trigger, Steps: in.Steps, Goal: in.Goal, Reentry: in.Reentry, Status: in.Status}
}

// JourneyOutput is one journey.
type JourneyOutput struct{ Body JourneyJSON }

// RunJSON is a customer's place in a journey.
type RunJSON struct {
	CustomerID int64     `json:"customer_id"`
	Step       int       `json:"step" doc:"The next step (from 1); past the last when done."`
	Status     string    `json:"status" doc:"active, done, exited (met the goal)."`
	NextAt     time.Time `json:"next_at"`
	EnteredAt  time.Time `json:"entered_at"`
}

func (s *server) registerJourneys(api huma.API) {
	tags := []string{"Marketing"}
	huma.Register(api, huma.Operation{OperationID: "list-journeys", Method: http.MethodGet, Path: "/journeys",
		Summary: "Journeys (marketing automation)", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body []JourneyJSON }, error) {
			js, err := s.Marketing.Journeys(ctx, actorFrom(ctx))
			if err != nil {
				return nil, s.fail(ctx, "journeys", err)
			}
			out := make([]JourneyJSON, 0, len(js))
			for _, j := range js {
				out = append(out, journeyJSON(j))
			}
			return &struct{ Body []JourneyJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "create-journey", Method: http.MethodPost, Path: "/journeys",
		Summary: "Add a journey", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct{ Body JourneyJSON }) (*JourneyOutput, error) {
			j, err := s.Marketing.CreateJourney(ctx, actorFrom(ctx), in.Body.journey())
			if err != nil {
				return nil, s.fail(ctx, "create journey", err)
			}
			return &JourneyOutput{journeyJSON(j)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "create-journey-preset", Method: http.MethodPost, Path: "/journeys/presets/{preset}",
		Summary: "Add a ready-made journey as a draft (welcome, post_purchase_feedback, support_check_in, win_back)", Tags: tags,
		DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct {
			Preset string `path:"preset" maxLength:"40"`
		}) (*JourneyOutput, error) {
			j, err := s.Marketing.CreatePreset(ctx, actorFrom(ctx), in.Preset)
			if err != nil {
				return nil, s.fail(ctx, "journey preset", err)
			}
			return &JourneyOutput{journeyJSON(j)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "update-journey", Method: http.MethodPut, Path: "/journeys/{id}",
		Summary: "Change a journey (set status active to start it, paused to hold its customers)", Tags: tags},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body JourneyJSON
		}) (*JourneyOutput, error) {
			j, err := s.Marketing.UpdateJourney(ctx, actorFrom(ctx), in.ID, in.Body.journey())
			if err != nil {
				return nil, s.fail(ctx, "update journey", err)
			}
			return &JourneyOutput{journeyJSON(j)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "journey-splits", Method: http.MethodGet, Path: "/journeys/{id}/splits",
		Summary: "How the paths of a journey's split steps did against its goal", Tags: tags},
		func(ctx context.Context, in *struct {
			ID int64 `path:"id" minimum:"1"`
		}) (*struct{ Body []SplitReportJSON }, error) {
			rs, err := s.Marketing.SplitResults(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "journey splits", err)
			}
			out := make([]SplitReportJSON, 0, len(rs))
			for _, r := range rs {
				out = append(out, SplitReportJSON{Step: r.Step, A: splitPathJSON(r.A), B: splitPathJSON(r.B), Verdict: r.Verdict})
			}
			return &struct{ Body []SplitReportJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "journey-runs", Method: http.MethodGet, Path: "/journeys/{id}/runs",
		Summary: "The customers on a journey and where they are", Tags: tags},
		func(ctx context.Context, in *struct {
			ID int64 `path:"id" minimum:"1"`
		}) (*struct{ Body []RunJSON }, error) {
			_, runs, err := s.Marketing.JourneyRuns(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "journey runs", err)
			}
			out := make([]RunJSON, 0, len(runs))
			for _, r := range runs {
				out = append(out, RunJSON{CustomerID: r.CustomerID, Step: r.Step + 1, Status: r.Status, NextAt: r.NextAt, EnteredAt: r.EnteredAt})
			}
			return &struct{ Body []RunJSON }{out}, nil
		})
}

// SplitPathJSON is one path of a split step.
type SplitPathJSON struct {
	Customers int     `json:"customers"`
	Reached   int     `json:"reached_goal"`
	Rate      float64 `json:"goal_rate"`
}

// SplitReportJSON compares the paths of a split step.
type SplitReportJSON struct {
	Step    int           `json:"step" doc:"The split step, from 1."`
	A       SplitPathJSON `json:"a" doc:"The customers sent on to the next step."`
	B       SplitPathJSON `json:"b" doc:"The customers sent down the other branch."`
	Verdict string        `json:"verdict"`
}

func splitPathJSON(p marketing.SplitPath) SplitPathJSON {
	return SplitPathJSON{Customers: p.Customers, Reached: p.Reached, Rate: p.Rate()}
}
