package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/scrms/scrms/internal/customer"
)

// ListJSON is a static list of customers.
type ListJSON struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Members     int       `json:"members" doc:"All members; list them with GET /customers?list_id=ID."`
	CreatedAt   time.Time `json:"created_at"`
}

func listJSON(l customer.StaticList) ListJSON {
	return ListJSON{ID: l.ID, Name: l.Name, Description: l.Description, Members: l.Members, CreatedAt: l.CreatedAt}
}

func (s *server) registerLists(api huma.API) {
	tags := []string{"Lists"}
	huma.Register(api, huma.Operation{OperationID: "list-lists", Method: http.MethodGet, Path: "/lists",
		Summary: "Static lists of customers", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body []ListJSON }, error) {
			ls, err := s.Customers.StaticLists(ctx, actorFrom(ctx))
			if err != nil {
				return nil, s.fail(ctx, "lists", err)
			}
			out := []ListJSON{}
			for _, l := range ls {
				out = append(out, listJSON(l))
			}
			return &struct{ Body []ListJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "create-list", Method: http.MethodPost, Path: "/lists",
		Summary: "Create a static list", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct {
			Body struct {
				Name        string `json:"name" maxLength:"100"`
				Description string `json:"description,omitempty" maxLength:"1000"`
			}
		}) (*struct{ Body ListJSON }, error) {
			l, err := s.Customers.CreateStaticList(ctx, actorFrom(ctx), in.Body.Name, in.Body.Description)
			if err != nil {
				return nil, s.fail(ctx, "create list", err)
			}
			return &struct{ Body ListJSON }{listJSON(l)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "add-list-members", Method: http.MethodPost, Path: "/lists/{id}/members",
		Summary: "Put customers on a list", Tags: tags},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body struct {
				CustomerIDs []int64 `json:"customer_ids" minItems:"1" maxItems:"1000"`
			}
		}) (*struct {
			Body struct {
				Added int `json:"added" doc:"Customers that were not on the list yet."`
			}
		}, error) {
			n, err := s.Customers.AddToStaticList(ctx, actorFrom(ctx), in.ID, in.Body.CustomerIDs)
			if err != nil {
				return nil, s.fail(ctx, "add to list", err)
			}
			out := &struct {
				Body struct {
					Added int `json:"added" doc:"Customers that were not on the list yet."`
				}
			}{}
			out.Body.Added = n
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "remove-list-member", Method: http.MethodDelete,
		Path: "/lists/{id}/members/{customer_id}", Summary: "Take a customer off a list", Tags: tags,
		DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *struct {
			ID         int64 `path:"id" minimum:"1"`
			CustomerID int64 `path:"customer_id" minimum:"1"`
		}) (*struct{}, error) {
			if err := s.Customers.RemoveFromStaticList(ctx, actorFrom(ctx), in.ID, in.CustomerID); err != nil {
				return nil, s.fail(ctx, "remove from list", err)
			}
			return nil, nil
		})
}
