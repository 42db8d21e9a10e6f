package store

import (
	"context"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/store/sqlcdb"
)

// CreateRelationship stores a relationship between two customers.
func (s *Store) CreateRelationship(ctx context.Context, r customer.Relationship, e audit.Entry) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		var err error
		id, err = t.q.InsertRelationship(ctx, sqlcdb.InsertRelationshipParams{FromCustomer: r.From, ToCustomer: r.To,
			Kind: r.Kind, Role: r.Role, CreatedBy: nullID(e.ActorID), CreatedAt: r.CreatedAt})
		if err != nil {
			return mapErr(err)
		}
		e.EntityID = id
		return t.appendAudit(ctx, e)
	})
	return id, err
}

// ListRelationships lists a customer's relationships in both directions.
func (s *Store) ListRelationships(ctx context.Context, customerID int64) ([]customer.RelatedRow, error) {
	rows, err := s.reader().ListRelationships(ctx, customerID)
	if err != nil {
		return nil, err
	}
	out := make([]customer.RelatedRow, len(rows))
	for i, r := range rows {
		out[i] = customer.RelatedRow{Relationship: customer.Relationship{ID: r.ID, From: r.FromCustomer, To: r.ToCustomer,
			Kind: r.Kind, Role: r.Role, CreatedAt: r.CreatedAt.UTC()}, FromName: r.FromName, ToName: r.ToName,
			FromOwner: r.FromOwner.Int64, FromTeam: r.FromTeam.Int64, ToOwner: r.ToOwner.Int64, ToTeam: r.ToTeam.Int64}
	}
	return out, nil
}

// FindRelationship returns one relationship.
func (s *Store) FindRelationship(ctx context.Context, id int64) (customer.Relationship, error) {
	r, err := s.reader().FindRelationship(ctx, id)
	if err != nil {
		return customer.Relationship{}, notFoundOr(err, "Relationship not found.")
	}
	return customer.Relationship{ID: r.ID, From: r.FromCustomer, To: r.ToCustomer, Kind: r.Kind, Role: r.Role,
		CreatedAt: r.CreatedAt.UTC()}, nil
}

// DeleteRelationship removes a relationship.
func (s *Store) DeleteRelationship(ctx context.Context, id int64, e audit.Entry) error {
	return s.inTx(ctx, func(t *tx) error {
		if err := t.q.DeleteRelationship(ctx, id); err != nil {
			return err
		}
		return t.appendAudit(ctx, e)
	})
}
