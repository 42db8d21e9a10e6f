package store

import (
	"context"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/store/sqlcdb"
)

// ChangeHousehold applies one household change with its audit entry.
func (s *Store) ChangeHousehold(ctx context.Context, ch customer.HouseholdChange, e audit.Entry) (int64, error) {
	id := ch.HouseholdID
	err := s.inTx(ctx, func(t *tx) error {
		if id == 0 {
			var err error
			id, err = t.q.InsertHousehold(ctx, sqlcdb.InsertHouseholdParams{Name: ch.Name, CreatedBy: nullID(e.ActorID),
				CreatedAt: ch.At})
			if err != nil {
				return mapErr(err)
			}
		}
		if ch.Add != 0 {
			if err := t.q.InsertHouseholdMember(ctx, sqlcdb.InsertHouseholdMemberParams{HouseholdID: id,
				CustomerID: ch.Add, IsHead: false, JoinedAt: ch.At}); err != nil {
				return mapErr(err)
			}
		}
		if ch.Remove != 0 {
			n, err := t.q.DeleteHouseholdMember(ctx, sqlcdb.DeleteHouseholdMemberParams{HouseholdID: id, CustomerID: ch.Remove})
			if err != nil {
				return err
			}
			if n == 0 {
				return fault.New(fault.NotFound, "Not a member.")
			}
		}
		if ch.Head != 0 {
			if err := t.q.ClearHouseholdHead(ctx, id); err != nil {
				return err
			}
			if _, err := t.q.SetHouseholdHead(ctx, sqlcdb.SetHouseholdHeadParams{HouseholdID: id, CustomerID: ch.Head}); err != nil {
				return mapErr(err)
			}
		}
		e.EntityID = id
		return t.appendAudit(ctx, e)
	})
	return id, err
}

// FindHousehold returns a household without its members.
func (s *Store) FindHousehold(ctx context.Context, id int64) (customer.Household, error) {
	h, err := s.reader().FindHousehold(ctx, id)
	if err != nil {
		return customer.Household{}, notFoundOr(err, "Household not found.")
	}
	return customer.Household{ID: h.ID, Name: h.Name, CreatedAt: h.CreatedAt.UTC()}, nil
}

// HouseholdOf returns the household a customer belongs to.
func (s *Store) HouseholdOf(ctx context.Context, customerID int64) (int64, error) {
	id, err := s.reader().FindHouseholdOfCustomer(ctx, customerID)
	if err != nil {
		return 0, notFoundOr(err, "No household.")
	}
	return id, nil
}

// ListHouseholdMembers lists the live members of a household, head first.
func (s *Store) ListHouseholdMembers(ctx context.Context, householdID int64) ([]customer.HouseholdMember, error) {
	rows, err := s.reader().ListHouseholdMembers(ctx, householdID)
	if err != nil {
		return nil, err
	}
	out := make([]customer.HouseholdMember, len(rows))
	for i, r := range rows {
		out[i] = customer.HouseholdMember{CustomerID: r.CustomerID, Name: r.DisplayName, Head: r.IsHead,
			JoinedAt: r.JoinedAt.UTC(), OwnerID: r.OwnerID.Int64, TeamID: r.TeamID.Int64}
	}
	return out, nil
}
