package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/scrms/scrms/internal/support"
)

// MacroJSON is a canned reply.
type MacroJSON struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Body      string    `json:"body" doc:"Text with placeholders such as {{customer.first_name}}, {{case.id}}, {{agent.name}}."`
	SetStatus string    `json:"set_status,omitempty" doc:"The status the case takes when the reply goes out."`
	Shared    bool      `json:"shared" doc:"For every agent (service administrators only); otherwise the author's own."`
	Uses      int       `json:"uses"`
	UpdatedAt time.Time `json:"updated_at"`
}

// MacroInJSON is a new macro or its new content.
type MacroInJSON struct {
	Name      string `json:"name" minLength:"1" maxLength:"100"`
	Body      string `json:"body" minLength:"1" maxLength:"20000"`
	SetStatus string `json:"set_status,omitempty" enum:"open,pending,resolved,"`
	Shared    bool   `json:"shared,omitempty"`
}

func (in MacroInJSON) input() support.MacroInput {
	return support.MacroInput{Name: in.Name, Body: in.Body, SetStatus: in.SetStatus, Shared: in.Shared}
}

func macroJSON(m support.Macro) MacroJSON {
	return MacroJSON{ID: m.ID, Name: m.Name, Body: m.Body, SetStatus: m.SetStatus, Shared: m.Shared, Uses: m.Uses,
		UpdatedAt: m.UpdatedAt}
}

// MacroOutput is one macro.
type MacroOutput struct{ Body MacroJSON }

// AppliedMacroJSON is a macro filled in for a case.
type AppliedMacroJSON struct {
	Text      string `json:"text"`
	SetStatus string `json:"set_status,omitempty"`
}

func (s *server) registerMacros(api huma.API) {
	tags := []string{"Service"}
	huma.Register(api, huma.Operation{OperationID: "list-macros", Method: http.MethodGet, Path: "/macros",
		Summary: "Macros (canned replies) the caller may use, most used first", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body []MacroJSON }, error) {
			ms, err := s.Support.Macros(ctx, actorFrom(ctx))
			if err != nil {
				return nil, s.fail(ctx, "macros", err)
			}
			out := make([]MacroJSON, 0, len(ms))
			for _, m := range ms {
				out = append(out, macroJSON(m))
			}
			return &struct{ Body []MacroJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "create-macro", Method: http.MethodPost, Path: "/macros",
		Summary: "Add a macro", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct{ Body MacroInJSON }) (*MacroOutput, error) {
			m, err := s.Support.CreateMacro(ctx, actorFrom(ctx), in.Body.input())
			if err != nil {
				return nil, s.fail(ctx, "create macro", err)
			}
			return &MacroOutput{macroJSON(m)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "update-macro", Method: http.MethodPut, Path: "/macros/{id}",
		Summary: "Change a macro", Tags: tags},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body MacroInJSON
		}) (*MacroOutput, error) {
			m, err := s.Support.UpdateMacro(ctx, actorFrom(ctx), in.ID, in.Body.input())
			if err != nil {
				return nil, s.fail(ctx, "update macro", err)
			}
			return &MacroOutput{macroJSON(m)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "delete-macro", Method: http.MethodDelete, Path: "/macros/{id}",
		Summary: "Remove a macro", Tags: tags, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *struct {
			ID int64 `path:"id" minimum:"1"`
		}) (*struct{}, error) {
			if err := s.Support.DeleteMacro(ctx, actorFrom(ctx), in.ID); err != nil {
				return nil, s.fail(ctx, "delete macro", err)
			}
			return &struct{}{}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "apply-macro", Method: http.MethodPost, Path: "/cases/{id}/macros/{macro}",
		Summary: "Fill a macro in for a case (the text to send; nothing is sent)", Tags: tags},
		func(ctx context.Context, in *struct {
			ID    int64 `path:"id" minimum:"1"`
			Macro int64 `path:"macro" minimum:"1"`
		}) (*struct{ Body AppliedMacroJSON }, error) {
			text, status, err := s.Support.ApplyMacro(ctx, actorFrom(ctx), in.Macro, in.ID)
			if err != nil {
				return nil, s.fail(ctx, "apply macro", err)
			}
			return &struct{ Body AppliedMacroJSON }{AppliedMacroJSON{Text: text, SetStatus: status}}, nil
		})
}
