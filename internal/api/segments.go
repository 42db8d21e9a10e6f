package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/marketing"
)

// SegmentJSON is a group of customers described by rules.
type SegmentJSON struct {
	ID          int64           `json:"id" readOnly:"true"`
	Name        string          `json:"name" minLength:"1" maxLength:"100"`
	Description string          `json:"description,omitempty" maxLength:"1000"`
	Rules       *marketing.Rule `json:"rules,omitempty" doc:"The condition tree: {\"and\":[…]}, {\"or\":[…]}, {\"not\":…} or {\"field\":…, \"op\":…, \"value\":…}."`
	Text        string          `json:"text,omitempty" maxLength:"10000" doc:"The same rules as text, e.g. stage = \"customer\" and orders >= 3. Give rules or text."`
	Static      bool            `json:"static" readOnly:"true" doc:"A snapshot: its members no longer follow rules."`
	MemberCount int             `json:"member_count" readOnly:"true"`
	CountedAt   time.Time       `json:"counted_at,omitzero" readOnly:"true"`
}

func segmentJSON(sg marketing.Segment) SegmentJSON {
	r := sg.Rules
	return SegmentJSON{ID: sg.ID, Name: sg.Name, Description: sg.Description, Rules: &r, Text: sg.Rules.String(),
		Static: sg.Static, MemberCount: sg.MemberCount, CountedAt: sg.CountedAt}
}

func (in SegmentJSON) input() marketing.SegmentInput {
	return marketing.SegmentInput{Name: in.Name, Description: in.Description, Rules: in.Rules, Text: in.Text}
}

// SegmentOutput is one segment.
type SegmentOutput struct{ Body SegmentJSON }

// PreviewJSON is a live count and a sample.
type PreviewJSON struct {
	Count  int            `json:"count"`
	Text   string         `json:"text" doc:"The rules as text."`
	Sample []CustomerJSON `json:"sample"`
}

// PreviewInJSON are rules to preview.
type PreviewInJSON struct {
	Rules *marketing.Rule `json:"rules,omitempty"`
	Text  string          `json:"text,omitempty" maxLength:"10000"`
}

func (s *server) registerSegments(api huma.API) {
	tags := []string{"Marketing"}
	huma.Register(api, huma.Operation{OperationID: "list-segments", Method: http.MethodGet, Path: "/segments",
		Summary: "Segments", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body []SegmentJSON }, error) {
			sgs, err := s.Marketing.Segments(ctx, actorFrom(ctx))
			if err != nil {
				return nil, s.fail(ctx, "segments", err)
			}
			out := make([]SegmentJSON, 0, len(sgs))
			for _, sg := range sgs {
				out = append(out, segmentJSON(sg))
			}
			return &struct{ Body []SegmentJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "create-segment", Method: http.MethodPost, Path: "/segments",
		Summary: "Add a segment (rules as a tree or as text)", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct{ Body SegmentJSON }) (*SegmentOutput, error) {
			sg, err := s.Marketing.CreateSegment(ctx, actorFrom(ctx), in.Body.input())
			if err != nil {
				return nil, s.fail(ctx, "create segment", err)
			}
			return &SegmentOutput{segmentJSON(sg)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "preview-segment", Method: http.MethodPost, Path: "/segments/preview",
		Summary: "Count the customers matching rules and show some (nothing is stored)", Tags: tags},
		func(ctx context.Context, in *struct {
			Sample int `query:"sample" minimum:"0" maximum:"50" default:"10"`
			Body   PreviewInJSON
		}) (*struct{ Body PreviewJSON }, error) {
			a := actorFrom(ctx)
			n, some, err := s.Marketing.Preview(ctx, a, marketing.SegmentInput{Rules: in.Body.Rules, Text: in.Body.Text}, in.Sample)
			if err != nil {
				return nil, s.fail(ctx, "preview segment", err)
			}
			out := PreviewJSON{Count: n, Sample: []CustomerJSON{}}
			if in.Body.Rules != nil {
				out.Text = in.Body.Rules.String()
			} else if r, err := marketing.Parse(in.Body.Text); err == nil {
				out.Text = r.String()
			}
			for _, sm := range some {
				c, err := s.Customers.FindCustomer(ctx, a, sm.ID)
				if err != nil {
					return nil, s.fail(ctx, "preview segment", err)
				}
				out.Sample = append(out.Sample, customerJSON(c))
			}
			return &struct{ Body PreviewJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-segment", Method: http.MethodGet, Path: "/segments/{id}",
		Summary: "A segment", Tags: tags},
		func(ctx context.Context, in *struct {
			ID int64 `path:"id" minimum:"1"`
		}) (*SegmentOutput, error) {
			sg, err := s.Marketing.Segment(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "segment", err)
			}
			return &SegmentOutput{segmentJSON(sg)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "segment-members", Method: http.MethodGet, Path: "/segments/{id}/members",
		Summary: "The customers in a segment now, a page at a time", Tags: tags},
		func(ctx context.Context, in *struct {
			ID     int64  `path:"id" minimum:"1"`
			Cursor string `query:"cursor" maxLength:"500"`
			Limit  int    `query:"limit" minimum:"0" maximum:"200" doc:"Page size, default 50."`
		}) (*listCustomersOutput, error) {
			a := actorFrom(ctx)
			if _, err := s.Marketing.Segment(ctx, a, in.ID); err != nil {
				return nil, s.fail(ctx, "segment members", err)
			}
			p, err := s.Customers.FindCustomers(ctx, a, customer.Filter{SegmentID: in.ID, Sort: "created", Cursor: in.Cursor,
				Limit: in.Limit})
			if err != nil {
				return nil, s.fail(ctx, "segment members", err)
			}
			out := &listCustomersOutput{Body: CustomerListJSON{Items: []CustomerJSON{}, NextCursor: p.NextCursor}}
			for _, it := range p.Items {
				c, err := s.Customers.FindCustomer(ctx, a, it.ID)
				if err != nil {
					return nil, s.fail(ctx, "segment members", err)
				}
				out.Body.Items = append(out.Body.Items, customerJSON(c))
			}
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "update-segment", Method: http.MethodPut, Path: "/segments/{id}",
		Summary: "Change a segment's name and rules", Tags: tags},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body SegmentJSON
		}) (*SegmentOutput, error) {
			sg, err := s.Marketing.UpdateSegment(ctx, actorFrom(ctx), in.ID, in.Body.input())
			if err != nil {
				return nil, s.fail(ctx, "update segment", err)
			}
			return &SegmentOutput{segmentJSON(sg)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "delete-segment", Method: http.MethodDelete, Path: "/segments/{id}",
		Summary: "Remove a segment nothing uses", Tags: tags, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *struct {
			ID int64 `path:"id" minimum:"1"`
		}) (*struct{}, error) {
			if err := s.Marketing.DeleteSegment(ctx, actorFrom(ctx), in.ID); err != nil {
				return nil, s.fail(ctx, "delete segment", err)
			}
			return &struct{}{}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "snapshot-segment", Method: http.MethodPost, Path: "/segments/{id}/snapshot",
		Summary: "Freeze the segment's current members as a new static segment", Tags: tags,
		DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body struct {
				Name string `json:"name,omitempty" maxLength:"100"`
			}
		}) (*SegmentOutput, error) {
			sg, err := s.Marketing.Snapshot(ctx, actorFrom(ctx), in.ID, in.Body.Name)
			if err != nil {
				return nil, s.fail(ctx, "snapshot segment", err)
			}
			return &SegmentOutput{segmentJSON(sg)}, nil
		})
}
