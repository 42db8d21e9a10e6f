package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/scrms/scrms/internal/customer"
)

// HouseholdJSON is a household with the members the caller may see.
type HouseholdJSON struct {
	ID            int64                 `json:"id"`
	Name          string                `json:"name"`
	CreatedAt     time.Time             `json:"created_at"`
	Members       []HouseholdMemberJSON `json:"members"`
	HiddenMembers int                   `json:"hidden_members,omitempty" doc:"Members outside the caller's scope, counted but not shown."`
}

// HouseholdMemberJSON is a member of a household.
type HouseholdMemberJSON struct {
	CustomerID int64     `json:"customer_id"`
	Name       string    `json:"name"`
	Head       bool      `json:"head"`
	JoinedAt   time.Time `json:"joined_at"`
}

func householdJSON(h customer.Household) HouseholdJSON {
	j := HouseholdJSON{ID: h.ID, Name: h.Name, CreatedAt: h.CreatedAt, Members: []HouseholdMemberJSON{}, HiddenMembers: h.Hidden}
	for _, m := range h.Members {
		j.Members = append(j.Members, HouseholdMemberJSON{CustomerID: m.CustomerID, Name: m.Name, Head: m.Head, JoinedAt: m.JoinedAt})
	}
	return j
}

func (s *server) registerHouseholds(api huma.API) {
	tags := []string{"Households"}
	type out = struct{ Body HouseholdJSON }
	huma.Register(api, huma.Operation{OperationID: "create-household", Method: http.MethodPost, Path: "/households",
		Summary: "Start a household with a customer as its head", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct {
			Body struct {
				HeadCustomerID int64  `json:"head_customer_id" minimum:"1"`
				Name           string `json:"name,omitempty" maxLength:"200" doc:"Default: Household of <head's name>."`
			}
		}) (*out, error) {
			h, err := s.Customers.CreateHousehold(ctx, actorFrom(ctx), in.Body.HeadCustomerID, in.Body.Name)
			if err != nil {
				return nil, s.fail(ctx, "create household", err)
			}
			return &out{Body: householdJSON(h)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "add-household-member", Method: http.MethodPost,
		Path: "/households/{id}/members", Summary: "Add a customer to a household", Tags: tags},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body struct {
				CustomerID int64 `json:"customer_id" minimum:"1"`
				Head       bool  `json:"head,omitempty" doc:"Make this member the head."`
			}
		}) (*out, error) {
			h, err := s.Customers.JoinHousehold(ctx, actorFrom(ctx), in.ID, in.Body.CustomerID, in.Body.Head)
			if err != nil {
				return nil, s.fail(ctx, "join household", err)
			}
			return &out{Body: householdJSON(h)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-customer-household", Method: http.MethodGet,
		Path: "/customers/{id}/household", Summary: "The household a customer belongs to", Tags: tags},
		func(ctx context.Context, in *CustomerPath) (*out, error) {
			h, err := s.Customers.HouseholdOfCustomer(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "household", err)
			}
			return &out{Body: householdJSON(h)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "leave-household", Method: http.MethodDelete,
		Path: "/customers/{id}/household", Summary: "Take a customer out of its household", Tags: tags,
		DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *CustomerPath) (*struct{}, error) {
			if err := s.Customers.LeaveHousehold(ctx, actorFrom(ctx), in.ID); err != nil {
				return nil, s.fail(ctx, "leave household", err)
			}
			return nil, nil
		})
}
