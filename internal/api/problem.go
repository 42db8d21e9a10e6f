package api

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/scrms/scrms/internal/fault"
)

// FieldProblem names one bad field of a request.
type FieldProblem struct {
	Field   string `json:"field" doc:"The field, as in the request: body fields by name (emails[0].address), query and path parameters by name."`
	Message string `json:"message" doc:"What is wrong with it."`
}

// Problem is an RFC 9457 problem document, SCRMS's only error shape.
type Problem struct {
	Type   string         `json:"type,omitempty" doc:"A URI for the kind of problem."`
	Title  string         `json:"title" doc:"A short summary of the kind of problem."`
	Status int            `json:"status" doc:"The HTTP status code."`
	Detail string         `json:"detail,omitempty" doc:"What went wrong with this request."`
	Errors []FieldProblem `json:"errors,omitempty" doc:"The bad fields, when the request had any."`
}

func (p *Problem) Error() string  { return p.Detail }
func (p *Problem) GetStatus() int { return p.Status }

// ContentType makes huma send problems as application/problem+json.
func (p *Problem) ContentType(ct string) string {
	if ct == "application/json" || ct == "" {
		return "application/problem+json"
	}
	return ct
}

// statusOf is the one table from domain error codes to HTTP statuses.
var statusOf = map[fault.Code]int{
	fault.Invalid:         http.StatusUnprocessableEntity,
	fault.NotFound:        http.StatusNotFound,
	fault.Conflict:        http.StatusConflict,
	fault.Forbidden:       http.StatusForbidden,
	fault.Unauthenticated: http.StatusUnauthorized,
	fault.TooManyRequests: http.StatusTooManyRequests,
}

// problemFor converts a domain error. Internal errors say nothing of their cause.
func problemFor(err error) *Problem {
	if p, ok := err.(*Problem); ok {
		return p
	}
	e, ok := fault.As(err)
	if !ok || statusOf[e.Code] == 0 {
		return &Problem{Title: http.StatusText(500), Status: 500,
			Detail: "Something went wrong on our side. It has been logged; try again or contact your administrator."}
	}
	status := statusOf[e.Code]
	p := &Problem{Title: http.StatusText(status), Status: status, Detail: e.Message}
	for _, f := range e.Fields {
		p.Errors = append(p.Errors, FieldProblem{Field: f.Field, Message: f.Message})
	}
	return p
}

// newHumaError shapes the errors huma itself raises (bad JSON, schema
// validation, oversize bodies) as Problems with field names.
func newHumaError(status int, msg string, errs ...error) huma.StatusError {
	p := &Problem{Title: http.StatusText(status), Status: status, Detail: msg}
	for _, err := range errs {
		if err == nil {
			continue
		}
		fp := FieldProblem{Message: err.Error()}
		if d, ok := err.(huma.ErrorDetailer); ok {
			det := d.ErrorDetail()
			fp.Message = det.Message
			fp.Field = fieldOf(det.Location)
			// A missing property is reported on its parent; name the property itself.
			if prop, ok := strings.CutPrefix(det.Message, "expected required property "); ok {
				prop = strings.TrimSuffix(prop, " to be present")
				if fp.Field == "" {
					fp.Field = prop
				} else {
					fp.Field += "." + prop
				}
				fp.Message = "is required"
			}
		}
		p.Errors = append(p.Errors, fp)
	}
	if status == http.StatusUnprocessableEntity && msg == "validation failed" {
		p.Detail = "Some fields are not valid."
	}
	return p
}

// fieldOf turns huma's location ("body.emails[0].address", "query.limit")
// into the field name a client sent.
func fieldOf(loc string) string {
	for _, prefix := range []string{"body.", "query.", "path.", "header."} {
		if rest, ok := strings.CutPrefix(loc, prefix); ok {
			return rest
		}
	}
	if loc == "body" {
		return ""
	}
	return loc
}

func writeProblem(w http.ResponseWriter, p *Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
