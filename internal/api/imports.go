package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
)

// ImportQueue runs imports in the background.
type ImportQueue interface {
	EnqueueImport(ctx context.Context, importID int64) error
}

// MaxImportBytes bounds an uploaded import file. Larger files are imported
// on the server with `scrms import customers FILE`.
const MaxImportBytes = 512 << 20

// ImportJSON is an import and how far it got.
type ImportJSON struct {
	ID         int64      `json:"id"`
	Status     string     `json:"status" enum:"draft,queued,running,done,failed"`
	FileName   string     `json:"file_name"`
	FileSize   int64      `json:"file_size"`
	Match      string     `json:"match" enum:"external_id,email,phone"`
	OnMatch    string     `json:"on_match" enum:"skip,update"`
	Header     []string   `json:"header"`
	Mapping    []string   `json:"mapping" doc:"The field each column fills; empty for an ignored column."`
	RowsDone   int        `json:"rows_done" doc:"Data rows processed so far."`
	Progress   float64    `json:"progress" doc:"Share of the file read, 0 to 1."`
	Imported   int        `json:"imported"`
	Updated    int        `json:"updated"`
	Skipped    int        `json:"skipped"`
	Rejected   int        `json:"rejected"`
	Error      string     `json:"error,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	RejectsURL string     `json:"rejects_url" doc:"The rejected rows with their reasons, as CSV."`
}

func importJSON(j customer.ImportJob) ImportJSON {
	return ImportJSON{ID: j.ID, Status: j.Status, FileName: j.FileName, FileSize: j.FileSize, Match: j.Match,
		OnMatch: j.OnMatch, Header: nonNil(j.Header), Mapping: nonNil(j.Mapping), RowsDone: j.RowsDone,
		Progress: j.Progress(), Imported: j.Imported, Updated: j.Updated, Skipped: j.Skipped, Rejected: j.Rejected,
		Error: j.Error, CreatedAt: j.CreatedAt, StartedAt: optTime(j.StartedAt), FinishedAt: optTime(j.FinishedAt),
		RejectsURL: Prefix + "/imports/" + strconv.FormatInt(j.ID, 10) + "/rejects"}
}

// parseMapping reads a mapping given as a JSON array or a comma-separated list.
func parseMapping(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	var m []string
	if strings.HasPrefix(s, "[") {
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			return nil, &fault.Error{Code: fault.Invalid, Message: "The mapping is not a JSON array of field names.",
				Fields: []fault.FieldError{{Field: "mapping", Message: err.Error()}}}
		}
		return m, nil
	}
	for _, f := range strings.Split(s, ",") {
		m = append(m, strings.TrimSpace(f))
	}
	return m, nil
}

func (s *server) registerImports(api huma.API) {
	tags := []string{"Imports"}
	huma.Register(api, huma.Operation{OperationID: "create-import", Method: http.MethodPost, Path: "/imports",
		Summary: "Import customers from a CSV file (multipart upload)", Tags: tags, DefaultStatus: http.StatusAccepted,
		MaxBodyBytes: MaxImportBytes,
		Description: "Upload `file` (CSV, or CSV compressed with gzip) with optional `match` (external_id, email or " +
			"phone), `on_match` (skip or update) and `mapping` (the field for each column, as a JSON array or a " +
			"comma-separated list; default: columns named like the API fields map themselves). The import runs in " +
			"the background; follow it with GET /imports/{id}."},
		func(ctx context.Context, in *struct {
			RawBody huma.MultipartFormFiles[struct {
				File    huma.FormFile `form:"file" contentType:"text/csv,application/gzip,application/octet-stream,text/plain" required:"true"`
				Match   string        `form:"match" required:"false" enum:"external_id,email,phone,"`
				OnMatch string        `form:"on_match" required:"false" enum:"skip,update,create,"`
				Mapping string        `form:"mapping" required:"false"`
			}]
		}) (*struct{ Body ImportJSON }, error) {
			a := actorFrom(ctx)
			form := in.RawBody.Data()
			mapping, err := parseMapping(form.Mapping)
			if err != nil {
				return nil, s.fail(ctx, "import", err)
			}
			name := form.File.Filename
			if name == "" {
				name = "upload.csv"
			}
			j, err := s.Customers.UploadImport(ctx, a, name, form.File)
			if err != nil {
				return nil, s.fail(ctx, "import", err)
			}
			if j, err = s.Customers.ConfigureImport(ctx, a, j.ID, mapping, form.Match, form.OnMatch); err != nil {
				return nil, s.fail(ctx, "import", err)
			}
			if err := s.Imports.EnqueueImport(ctx, j.ID); err != nil {
				return nil, s.fail(ctx, "import", err)
			}
			return &struct{ Body ImportJSON }{importJSON(j)}, nil
		})
	type importPath struct {
		ID int64 `path:"id" minimum:"1" doc:"The import's id."`
	}
	huma.Register(api, huma.Operation{OperationID: "get-import", Method: http.MethodGet, Path: "/imports/{id}",
		Summary: "An import's status, counts and progress", Tags: tags},
		func(ctx context.Context, in *importPath) (*struct{ Body ImportJSON }, error) {
			j, err := s.Customers.Import(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "import", err)
			}
			return &struct{ Body ImportJSON }{importJSON(j)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-import-rejects", Method: http.MethodGet,
		Path: "/imports/{id}/rejects", Summary: "The rows an import rejected, with the reasons (CSV)", Tags: tags},
		func(ctx context.Context, in *importPath) (*struct {
			ContentType string `header:"Content-Type"`
			Body        []byte
		}, error) {
			a := actorFrom(ctx)
			var buf bytes.Buffer
			w := csv.NewWriter(&buf)
			_ = w.Write([]string{"line", "reason", "row"})
			for after := 0; ; {
				page, err := s.Customers.ImportRejects(ctx, a, in.ID, after, 5000)
				if err != nil {
					return nil, s.fail(ctx, "import rejects", err)
				}
				for _, r := range page {
					_ = w.Write([]string{strconv.Itoa(r.Line), r.Reason, strings.Join(r.Record, ",")})
					after = r.Line
				}
				if len(page) < 5000 {
					break
				}
			}
			w.Flush()
			return &struct {
				ContentType string `header:"Content-Type"`
				Body        []byte
			}{"text/csv; charset=utf-8", buf.Bytes()}, nil
		})
}
