package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/scrms/scrms/internal/support"
)

// QuestionJSON is a question of a custom survey.
type QuestionJSON struct {
	ID       string   `json:"id,omitempty" readOnly:"true" doc:"q1, q2, … in order; answers are keyed by it."`
	Label    string   `json:"label" minLength:"1" maxLength:"300"`
	Type     string   `json:"type" enum:"score5,score10,choice,text"`
	Options  []string `json:"options,omitempty" doc:"The choices of a choice question."`
	Required bool     `json:"required,omitempty"`
}

// AudienceJSON picks the customers a survey goes to.
type AudienceJSON struct {
	Tag    string `json:"tag,omitempty"`
	ListID int64  `json:"list_id,omitempty" doc:"A static customer list."`
	Stage  string `json:"stage,omitempty" doc:"Lifecycle stage."`
	Status string `json:"status,omitempty"`
}

// SurveyFormJSON is a survey sent to a group of customers.
type SurveyFormJSON struct {
	ID        int64          `json:"id" readOnly:"true"`
	Name      string         `json:"name" minLength:"1" maxLength:"100" doc:"Also the email's subject."`
	Kind      string         `json:"kind" enum:"nps,csat,custom"`
	Intro     string         `json:"intro,omitempty" maxLength:"2000" doc:"The first lines of the email."`
	Questions []QuestionJSON `json:"questions,omitempty" doc:"Custom surveys only."`
	Audience  AudienceJSON   `json:"audience,omitempty"`
	EveryDays int            `json:"every_days,omitempty" minimum:"0" maximum:"366" doc:"0 sends once; otherwise every so many days."`
	QuietDays *int           `json:"quiet_days,omitempty" minimum:"0" maximum:"366" doc:"A customer is asked at most once in this many days (default 90)."`
	Active    *bool          `json:"active,omitempty"`
	StartAt   time.Time      `json:"start_at,omitzero" doc:"The first run (default: now)."`
	NextRunAt time.Time      `json:"next_run_at,omitzero" readOnly:"true"`
	LastRunAt time.Time      `json:"last_run_at,omitzero" readOnly:"true"`
	Running   bool           `json:"running" readOnly:"true"`
}

func (in SurveyFormJSON) input() support.SurveyFormInput {
	qs := make([]support.Question, len(in.Questions))
	for i, q := range in.Questions {
		qs[i] = support.Question{Label: q.Label, Type: q.Type, Options: q.Options, Required: q.Required}
	}
	return support.SurveyFormInput{Name: in.Name, Kind: in.Kind, Intro: in.Intro, Questions: qs,
		Audience: support.Audience{Tag: in.Audience.Tag, ListID: in.Audience.ListID, Stage: in.Audience.Stage,
			Status: in.Audience.Status}, EveryDays: in.EveryDays, QuietDays: in.QuietDays, Active: in.Active,
		StartAt: in.StartAt}
}

func surveyFormJSON(f support.SurveyForm) SurveyFormJSON {
	out := SurveyFormJSON{ID: f.ID, Name: f.Name, Kind: f.Kind, Intro: f.Intro, EveryDays: f.EveryDays,
		QuietDays: &f.QuietDays, Active: &f.Active, NextRunAt: f.NextRunAt, LastRunAt: f.LastRunAt,
		Running: !f.RunningSince.IsZero(), Audience: AudienceJSON{Tag: f.Audience.Tag, ListID: f.Audience.ListID,
			Stage: f.Audience.Stage, Status: f.Audience.Status}}
	for _, q := range f.Questions {
		out.Questions = append(out.Questions, QuestionJSON{ID: q.ID, Label: q.Label, Type: q.Type, Options: q.Options,
			Required: q.Required})
	}
	return out
}

// SurveyResultsJSON sums up a survey's answers.
type SurveyResultsJSON struct {
	Survey       SurveyFormJSON       `json:"survey"`
	Sent         int                  `json:"sent"`
	Answered     int                  `json:"answered"`
	ResponseRate float64              `json:"response_rate" doc:"Answered ÷ sent."`
	Average      float64              `json:"average,omitempty" doc:"Average score (NPS, CSAT)."`
	Distribution []int                `json:"distribution,omitempty" doc:"Answers per score, from the lowest (0 for NPS, 1 for CSAT)."`
	NPS          *float64             `json:"nps,omitempty" doc:"Promoters (9-10) minus detractors (0-6), in percent of answers."`
	Promoters    int                  `json:"promoters,omitempty"`
	Passives     int                  `json:"passives,omitempty"`
	Detractors   int                  `json:"detractors,omitempty"`
	Comments     []string             `json:"comments,omitempty" doc:"The latest comments."`
	Questions    []QuestionResultJSON `json:"questions,omitempty"`
}

// QuestionResultJSON sums up one question.
type QuestionResultJSON struct {
	QuestionJSON
	Answers int            `json:"answers"`
	Average float64        `json:"average,omitempty"`
	Counts  map[string]int `json:"counts,omitempty"`
	Latest  []string       `json:"latest,omitempty"`
}

// SurveyFormOutput is one survey form.
type SurveyFormOutput struct{ Body SurveyFormJSON }

func (s *server) registerSurveys(api huma.API) {
	tags := []string{"Service"}
	huma.Register(api, huma.Operation{OperationID: "list-surveys", Method: http.MethodGet, Path: "/surveys",
		Summary: "Surveys sent to groups of customers (NPS, CSAT, custom)", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body []SurveyFormJSON }, error) {
			fs, err := s.Support.SurveyForms(ctx, actorFrom(ctx))
			if err != nil {
				return nil, s.fail(ctx, "surveys", err)
			}
			out := make([]SurveyFormJSON, 0, len(fs))
			for _, f := range fs {
				out = append(out, surveyFormJSON(f))
			}
			return &struct{ Body []SurveyFormJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "create-survey", Method: http.MethodPost, Path: "/surveys",
		Summary: "Set up a survey for a group of customers, once or on a schedule", Tags: tags,
		DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct{ Body SurveyFormJSON }) (*SurveyFormOutput, error) {
			f, err := s.Support.CreateSurveyForm(ctx, actorFrom(ctx), in.Body.input())
			if err != nil {
				return nil, s.fail(ctx, "create survey", err)
			}
			return &SurveyFormOutput{surveyFormJSON(f)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "update-survey", Method: http.MethodPut, Path: "/surveys/{id}",
		Summary: "Change a survey", Tags: tags},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body SurveyFormJSON
		}) (*SurveyFormOutput, error) {
			f, err := s.Support.UpdateSurveyForm(ctx, actorFrom(ctx), in.ID, in.Body.input())
			if err != nil {
				return nil, s.fail(ctx, "update survey", err)
			}
			return &SurveyFormOutput{surveyFormJSON(f)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "survey-results", Method: http.MethodGet, Path: "/surveys/{id}",
		Summary: "A survey with its results so far", Tags: tags},
		func(ctx context.Context, in *struct {
			ID int64 `path:"id" minimum:"1"`
		}) (*struct{ Body SurveyResultsJSON }, error) {
			f, r, err := s.Support.SurveyFormResults(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "survey results", err)
			}
			out := SurveyResultsJSON{Survey: surveyFormJSON(f), Sent: r.Sent, Answered: r.Answered, Average: r.Average,
				Distribution: r.Distribution, Promoters: r.Promoters, Passives: r.Passives, Detractors: r.Detractors,
				Comments: r.Comments}
			if r.Sent > 0 {
				out.ResponseRate = float64(r.Answered) / float64(r.Sent)
			}
			if f.Kind == "nps" && r.Answered > 0 {
				nps := r.NPS
				out.NPS = &nps
			}
			for _, q := range r.Questions {
				out.Questions = append(out.Questions, QuestionResultJSON{QuestionJSON: QuestionJSON{ID: q.ID, Label: q.Label,
					Type: q.Type, Options: q.Options, Required: q.Required}, Answers: q.Answers, Average: q.Average,
					Counts: q.Counts, Latest: q.Latest})
			}
			return &struct{ Body SurveyResultsJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "run-survey", Method: http.MethodPost, Path: "/surveys/{id}/run",
		Summary: "Send a survey now (the jobs send it within a minute)", Tags: tags, DefaultStatus: http.StatusAccepted},
		func(ctx context.Context, in *struct {
			ID int64 `path:"id" minimum:"1"`
		}) (*struct{}, error) {
			if err := s.Support.RunSurveyForm(ctx, actorFrom(ctx), in.ID); err != nil {
				return nil, s.fail(ctx, "run survey", err)
			}
			return &struct{}{}, nil
		})
}
