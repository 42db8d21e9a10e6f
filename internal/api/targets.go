package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/scrms/scrms/internal/sales"
)

// TargetJSON is a quota with its attainment.
type TargetJSON struct {
	ID          int64   `json:"id"`
	UserID      *int64  `json:"user_id,omitempty"`
	UserName    string  `json:"user_name,omitempty"`
	TeamID      *int64  `json:"team_id,omitempty"`
	TeamName    string  `json:"team_name,omitempty"`
	Metric      string  `json:"metric" enum:"revenue,deals_won,new_customers"`
	PeriodStart string  `json:"period_start"`
	PeriodEnd   string  `json:"period_end"`
	Target      int64   `json:"target" doc:"Minor units (cents) for revenue; a count otherwise."`
	Currency    string  `json:"currency,omitempty"`
	Attained    int64   `json:"attained"`
	Pace        float64 `json:"pace" doc:"Attainment against the share of the period gone by: 1 is on pace."`
	Behind      bool    `json:"behind" doc:"Under 80 % of the pace."`
}

func targetJSON(t sales.Target, now time.Time) TargetJSON {
	return TargetJSON{ID: t.ID, UserID: optID(t.UserID), UserName: t.UserName, TeamID: optID(t.TeamID), TeamName: t.TeamName,
		Metric: t.Metric, PeriodStart: t.PeriodStart, PeriodEnd: t.PeriodEnd, Target: t.Target, Currency: t.Currency,
		Attained: t.Attained, Pace: t.Pace(now), Behind: t.Behind(now)}
}

// ForecastJSON is the open pipeline of an owner in a month.
type ForecastJSON struct {
	Month     string `json:"month" doc:"YYYY-MM of the expected close; empty for deals without a date."`
	OwnerID   *int64 `json:"owner_id,omitempty"`
	OwnerName string `json:"owner_name,omitempty"`
	TeamID    *int64 `json:"team_id,omitempty"`
	Currency  string `json:"currency"`
	Deals     int    `json:"deals"`
	Amount    int64  `json:"amount"`
	Weighted  int64  `json:"weighted" doc:"Amount times the stage's probability."`
}

func (s *server) registerTargets(api huma.API) {
	tags := []string{"Sales"}
	huma.Register(api, huma.Operation{OperationID: "create-target", Method: http.MethodPost, Path: "/targets",
		Summary: "Set a sales target for a representative or a team", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct {
			Body struct {
				UserID      int64  `json:"user_id,omitempty"`
				TeamID      int64  `json:"team_id,omitempty"`
				Metric      string `json:"metric" enum:"revenue,deals_won,new_customers"`
				PeriodStart string `json:"period_start" doc:"YYYY-MM-DD"`
				PeriodEnd   string `json:"period_end" doc:"YYYY-MM-DD, inclusive"`
				Target      int64  `json:"target" minimum:"1"`
				Currency    string `json:"currency,omitempty" maxLength:"3"`
			}
		}) (*struct{ Body TargetJSON }, error) {
			b := in.Body
			t, err := s.Targets.SetTarget(ctx, actorFrom(ctx), sales.Target{UserID: b.UserID, TeamID: b.TeamID, Metric: b.Metric,
				PeriodStart: b.PeriodStart, PeriodEnd: b.PeriodEnd, Target: b.Target, Currency: b.Currency})
			if err != nil {
				return nil, s.fail(ctx, "create target", err)
			}
			return &struct{ Body TargetJSON }{targetJSON(t, time.Now())}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "list-targets", Method: http.MethodGet, Path: "/targets",
		Summary: "The targets running today, with attainment and pace", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body []TargetJSON }, error) {
			ts, err := s.Targets.Current(ctx, actorFrom(ctx))
			if err != nil {
				return nil, s.fail(ctx, "targets", err)
			}
			out := []TargetJSON{}
			now := time.Now()
			for _, t := range ts {
				out = append(out, targetJSON(t, now))
			}
			return &struct{ Body []TargetJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "forecast", Method: http.MethodGet, Path: "/forecast",
		Summary: "The weighted open pipeline per month and owner", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body []ForecastJSON }, error) {
			rows, err := s.Targets.Forecast(ctx, actorFrom(ctx))
			if err != nil {
				return nil, s.fail(ctx, "forecast", err)
			}
			out := []ForecastJSON{}
			for _, r := range rows {
				out = append(out, ForecastJSON{Month: r.Month, OwnerID: optID(r.OwnerID), OwnerName: r.OwnerName,
					TeamID: optID(r.TeamID), Currency: r.Currency, Deals: r.Deals, Amount: r.Amount, Weighted: r.Weighted})
			}
			return &struct{ Body []ForecastJSON }{out}, nil
		})
}
