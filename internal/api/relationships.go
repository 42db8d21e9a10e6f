package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/scrms/scrms/internal/customer"
)

// RelationshipJSON is a relationship as seen from the customer it is listed for.
type RelationshipJSON struct {
	ID              int64     `json:"id"`
	Kind            string    `json:"kind"`
	Label           string    `json:"label" doc:"Read as: this customer <label> the other, e.g. 'child of'."`
	OtherCustomerID int64     `json:"other_customer_id"`
	OtherName       string    `json:"other_name"`
	Role            string    `json:"role,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
}

func relationshipJSON(r customer.Relationship) RelationshipJSON {
	return RelationshipJSON{ID: r.ID, Kind: r.Kind, Label: r.Label, OtherCustomerID: r.Other, OtherName: r.OtherName,
		Role: r.Role, CreatedAt: r.CreatedAt}
}

func (s *server) registerRelationships(api huma.API) {
	tags := []string{"Customers"}
	huma.Register(api, huma.Operation{OperationID: "list-relationships", Method: http.MethodGet,
		Path: "/customers/{id}/relationships", Summary: "A customer's relationships, both directions", Tags: tags},
		func(ctx context.Context, in *CustomerPath) (*struct{ Body []RelationshipJSON }, error) {
			rs, err := s.Customers.Relationships(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "list relationships", err)
			}
			out := &struct{ Body []RelationshipJSON }{Body: []RelationshipJSON{}}
			for _, r := range rs {
				out.Body = append(out.Body, relationshipJSON(r))
			}
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "add-relationship", Method: http.MethodPost,
		Path: "/customers/{id}/relationships", Summary: "Relate this customer to another", Tags: tags,
		DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct {
			CustomerPath
			Body struct {
				Kind            string `json:"kind" enum:"spouse,partner,parent,sibling,employee,referred,reseller,supplier,subsidiary,partner_firm" doc:"This customer is <kind> of the other: parent = parent of, employee = works for, referred = referred the other."`
				OtherCustomerID int64  `json:"other_customer_id" minimum:"1"`
				Role            string `json:"role,omitempty" maxLength:"100" doc:"A role at an organisation (buyer, CFO…)."`
			}
		}) (*struct{ Body RelationshipJSON }, error) {
			r, err := s.Customers.AddRelationship(ctx, actorFrom(ctx), in.ID, customer.RelationshipInput{
				Other: in.Body.OtherCustomerID, Kind: in.Body.Kind, Role: in.Body.Role})
			if err != nil {
				return nil, s.fail(ctx, "add relationship", err)
			}
			return &struct{ Body RelationshipJSON }{Body: relationshipJSON(r)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "remove-relationship", Method: http.MethodDelete,
		Path: "/customers/{id}/relationships/{rel_id}", Summary: "Remove a relationship", Tags: tags,
		DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *struct {
			CustomerPath
			RelID int64 `path:"rel_id" minimum:"1"`
		}) (*struct{}, error) {
			if err := s.Customers.RemoveRelationship(ctx, actorFrom(ctx), in.ID, in.RelID); err != nil {
				return nil, s.fail(ctx, "remove relationship", err)
			}
			return nil, nil
		})
}

// HierarchyJSON is an account hierarchy with its roll-ups.
type HierarchyJSON struct {
	Organizations []OrgNodeJSON `json:"organizations" doc:"Depth first, from the top-most parent company."`
	Subsidiaries  int           `json:"subsidiaries"`
	TotalContacts int           `json:"total_contacts" doc:"People recorded as working for any organisation of the tree."`
	Hidden        int           `json:"hidden" doc:"Organisations the caller may not see, counted only."`
	Truncated     bool          `json:"truncated,omitempty"`
}

// OrgNodeJSON is one organisation of a hierarchy.
type OrgNodeJSON struct {
	ID       int64  `json:"id"`
	Name     string `json:"name,omitempty"`
	Depth    int    `json:"depth"`
	Contacts int    `json:"contacts"`
	Hidden   bool   `json:"hidden,omitempty"`
}

func (s *server) registerHierarchy(api huma.API) {
	huma.Register(api, huma.Operation{OperationID: "get-customer-hierarchy", Method: http.MethodGet,
		Path: "/customers/{id}/hierarchy", Tags: []string{"Relationships"},
		Summary: "The organisation tree a customer belongs to, with roll-up counts"},
		func(ctx context.Context, in *CustomerPath) (*struct{ Body HierarchyJSON }, error) {
			h, err := s.Customers.AccountHierarchy(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "hierarchy", err)
			}
			out := HierarchyJSON{Organizations: []OrgNodeJSON{}, Subsidiaries: h.Subsidiaries,
				TotalContacts: h.TotalContacts, Hidden: h.Hidden, Truncated: h.Truncated}
			for _, n := range h.Nodes {
				out.Organizations = append(out.Organizations, OrgNodeJSON(n))
			}
			return &struct{ Body HierarchyJSON }{out}, nil
		})
}
