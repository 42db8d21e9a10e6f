package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/reports"
)

// ReportJSON is a saved report.
type ReportJSON struct {
	ID         int64              `json:"id,omitempty" readOnly:"true"`
	Name       string             `json:"name" maxLength:"100"`
	Definition reports.Definition `json:"definition"`
	Shared     bool               `json:"shared,omitempty" doc:"Other users may open and run it (with their own access)."`
	Schedule   string             `json:"schedule,omitempty" enum:"daily,weekly,monthly," doc:"Email the result as CSV: daily at 07:00 UTC, Mondays or the 1st of the month."`
	Recipients []string           `json:"recipients,omitempty" maxItems:"20"`
	OwnerID    int64              `json:"owner_id,omitempty" readOnly:"true"`
	NextRunAt  *time.Time         `json:"next_run_at,omitempty" readOnly:"true"`
	LastSentAt *time.Time         `json:"last_sent_at,omitempty" readOnly:"true"`
}

// ReportResultJSON is a report's figures.
type ReportResultJSON struct {
	Columns []reports.Column `json:"columns"`
	Rows    [][]any          `json:"rows" doc:"The group (text), then one number per measure (null when there is none)."`
	Chart   string           `json:"chart"`
}

func reportJSON(r reports.Report) ReportJSON {
	j := ReportJSON{ID: r.ID, Name: r.Name, Definition: r.Definition, Shared: r.Shared, Schedule: r.Schedule,
		Recipients: r.Recipients, OwnerID: r.OwnerID}
	if !r.NextRunAt.IsZero() {
		j.NextRunAt = &r.NextRunAt
	}
	if !r.LastSentAt.IsZero() {
		j.LastSentAt = &r.LastSentAt
	}
	return j
}

func resultJSON(r reports.Result) ReportResultJSON {
	out := ReportResultJSON{Columns: r.Columns, Rows: r.Rows, Chart: r.Chart}
	if out.Rows == nil {
		out.Rows = [][]any{}
	}
	return out
}

func (s *server) registerReports(api huma.API, mux *http.ServeMux) {
	tags := []string{"Reports"}
	huma.Register(api, huma.Operation{OperationID: "report-sources", Method: http.MethodGet, Path: "/reports/sources",
		Summary: "The record types reports read and their fields", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body []reports.Source }, error) {
			return &struct{ Body []reports.Source }{reports.Sources}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "run-report-definition", Method: http.MethodPost, Path: "/reports/run",
		Summary: "Run a report definition without saving it", Tags: tags},
		func(ctx context.Context, in *struct{ Body reports.Definition }) (*struct{ Body ReportResultJSON }, error) {
			r, err := s.Reports.Run(ctx, actorFrom(ctx), in.Body)
			if err != nil {
				return nil, s.fail(ctx, "run report", err)
			}
			return &struct{ Body ReportResultJSON }{resultJSON(r)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "create-report", Method: http.MethodPost, Path: "/reports",
		Summary: "Save a report", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct{ Body ReportJSON }) (*struct{ Body ReportJSON }, error) {
			r, err := s.Reports.Create(ctx, actorFrom(ctx), reports.Input{Name: in.Body.Name, Definition: in.Body.Definition,
				Shared: in.Body.Shared, Schedule: in.Body.Schedule, Recipients: in.Body.Recipients})
			if err != nil {
				return nil, s.fail(ctx, "create report", err)
			}
			return &struct{ Body ReportJSON }{reportJSON(r)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "list-reports", Method: http.MethodGet, Path: "/reports",
		Summary: "Your reports and the shared ones", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body []ReportJSON }, error) {
			rs, err := s.Reports.List(ctx, actorFrom(ctx))
			if err != nil {
				return nil, s.fail(ctx, "reports", err)
			}
			out := []ReportJSON{}
			for _, r := range rs {
				out = append(out, reportJSON(r))
			}
			return &struct{ Body []ReportJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-report", Method: http.MethodGet, Path: "/reports/{id}",
		Summary: "A saved report", Tags: tags},
		func(ctx context.Context, in *idPath) (*struct{ Body ReportJSON }, error) {
			r, err := s.Reports.Find(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "report", err)
			}
			return &struct{ Body ReportJSON }{reportJSON(r)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "update-report", Method: http.MethodPut, Path: "/reports/{id}",
		Summary: "Change a report", Tags: tags},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id"`
			Body ReportJSON
		}) (*struct{ Body ReportJSON }, error) {
			r, err := s.Reports.Update(ctx, actorFrom(ctx), in.ID, reports.Input{Name: in.Body.Name, Definition: in.Body.Definition,
				Shared: in.Body.Shared, Schedule: in.Body.Schedule, Recipients: in.Body.Recipients})
			if err != nil {
				return nil, s.fail(ctx, "update report", err)
			}
			return &struct{ Body ReportJSON }{reportJSON(r)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "delete-report", Method: http.MethodDelete, Path: "/reports/{id}",
		Summary: "Delete a report", Tags: tags, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *idPath) (*struct{}, error) {
			if err := s.Reports.Delete(ctx, actorFrom(ctx), in.ID); err != nil {
				return nil, s.fail(ctx, "delete report", err)
			}
			return &struct{}{}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "run-report", Method: http.MethodGet, Path: "/reports/{id}/run",
		Summary: "Run a saved report (with your own access)", Tags: tags},
		func(ctx context.Context, in *idPath) (*struct{ Body ReportResultJSON }, error) {
			_, r, err := s.Reports.RunSaved(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "run report", err)
			}
			return &struct{ Body ReportResultJSON }{resultJSON(r)}, nil
		})
	mux.HandleFunc("GET /reports/{id}/csv", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			writeProblem(w, problemFor(fault.New(fault.NotFound, "Report not found.")))
			return
		}
		rep, res, err := s.Reports.RunSaved(r.Context(), actorFrom(r.Context()), id)
		if err != nil {
			writeProblem(w, problemFor(s.fail(r.Context(), "report csv", err)))
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="report-`+strconv.FormatInt(rep.ID, 10)+`.csv"`)
		_, _ = w.Write(res.CSV())
	})
}
