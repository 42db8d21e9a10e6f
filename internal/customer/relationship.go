package customer

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// relationshipKinds names each relationship as seen from its first customer
// and from its second. Symmetric kinds read the same both ways.
var relationshipKinds = map[string][2]string{
	"spouse":       {"spouse of", "spouse of"},
	"partner":      {"partner of", "partner of"},
	"parent":       {"parent of", "child of"},
	"sibling":      {"sibling of", "sibling of"},
	"employee":     {"works for", "employs"},
	"referred":     {"referred", "was referred by"},
	"reseller":     {"resells for", "is resold by"},
	"supplier":     {"supplies", "is supplied by"},
	"subsidiary":   {"subsidiary of", "parent company of"},
	"partner_firm": {"business partner of", "business partner of"},
}

// RelationshipKinds lists the kinds, sorted.
func RelationshipKinds() []string {
	var ks []string
	for k := range relationshipKinds {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// RelationshipLabel is how a kind reads from its first customer ("parent of").
func RelationshipLabel(kind string) string { return relationshipKinds[kind][0] }

// Relationship links two customers. From and To are as stored; Label and
// Other are as seen from the customer it was listed for.
type Relationship struct {
	ID        int64
	From, To  int64
	Kind      string
	Role      string // the person's role at an organisation: buyer, CFO…
	CreatedAt time.Time
	Other     int64
	OtherName string
	Label     string
}

// RelationshipInput is a new relationship: this customer is Kind of Other.
type RelationshipInput struct {
	Other int64
	Kind  string
	Role  string
}

// RelatedRow is a relationship as the store lists it, with both customers'
// names and ownership for visibility checks.
type RelatedRow struct {
	Relationship
	FromName, ToName    string
	FromOwner, FromTeam int64
	ToOwner, ToTeam     int64
}

// AddRelationship records that customer id is in.Kind of in.Other (for
// example parent of). Both customers must be visible to the actor.
func (s *Service) AddRelationship(ctx context.Context, a auth.Actor, id int64, in RelationshipInput) (Relationship, error) {
	if err := a.Require(auth.CustomerUpdate); err != nil {
		return Relationship{}, err
	}
	if _, err := s.liveVisible(ctx, a, id); err != nil {
		return Relationship{}, err
	}
	var f fault.Fields
	labels, ok := relationshipKinds[in.Kind]
	if !ok {
		f.Add("kind", "must be one of %s", strings.Join(RelationshipKinds(), ", "))
	}
	in.Role = strings.TrimSpace(in.Role)
	if len(in.Role) > 100 || hasControl(in.Role) {
		f.Add("role", "must be at most 100 printable characters")
	}
	if in.Other == id {
		f.Add("other_customer_id", "a customer cannot be related to itself")
	}
	if err := f.Err(); err != nil {
		return Relationship{}, err
	}
	other, err := s.liveVisible(ctx, a, in.Other)
	if err != nil {
		return Relationship{}, &fault.Error{Code: fault.Invalid, Message: "Some fields are not valid.",
			Fields: []fault.FieldError{{Field: "other_customer_id", Message: "is not a customer you can see"}}}
	}
	now := s.now()
	r := Relationship{From: id, To: in.Other, Kind: in.Kind, Role: in.Role, CreatedAt: now, Other: in.Other,
		OtherName: other.Name, Label: labels[0]}
	e := a.Audit("create", "relationship", 0, now)
	e.CustomerID = id
	e.Changes = []audit.Change{{Field: "relationship", New: labels[0] + " " + other.Name}}
	if r.ID, err = s.store.CreateRelationship(ctx, r, e); err != nil {
		if fault.Is(err, fault.Conflict) {
			return Relationship{}, fault.New(fault.Conflict, "These customers already have this relationship.")
		}
		return Relationship{}, err
	}
	return r, nil
}

// Relationships lists a customer's relationships in both directions, each
// labelled as seen from this customer. Relationships with customers the
// actor may not see are left out.
func (s *Service) Relationships(ctx context.Context, a auth.Actor, id int64) ([]Relationship, error) {
	if _, err := s.findVisible(ctx, a, id); err != nil {
		return nil, err
	}
	rows, err := s.store.ListRelationships(ctx, id)
	if err != nil {
		return nil, err
	}
	var out []Relationship
	for _, row := range rows {
		r := row.Relationship
		labels := relationshipKinds[r.Kind]
		if r.From == id {
			if !a.Sees(row.ToOwner, row.ToTeam) {
				continue
			}
			r.Other, r.OtherName, r.Label = r.To, row.ToName, labels[0]
		} else {
			if !a.Sees(row.FromOwner, row.FromTeam) {
				continue
			}
			r.Other, r.OtherName, r.Label = r.From, row.FromName, labels[1]
		}
		out = append(out, r)
	}
	return out, nil
}

// RemoveRelationship deletes a relationship of customer id.
func (s *Service) RemoveRelationship(ctx context.Context, a auth.Actor, id, relID int64) error {
	if err := a.Require(auth.CustomerUpdate); err != nil {
		return err
	}
	if _, err := s.liveVisible(ctx, a, id); err != nil {
		return err
	}
	r, err := s.store.FindRelationship(ctx, relID)
	if err != nil || (r.From != id && r.To != id) {
		return fault.New(fault.NotFound, "Relationship %d was not found.", relID)
	}
	e := a.Audit("delete", "relationship", relID, s.now())
	e.CustomerID = id
	e.Changes = []audit.Change{{Field: "relationship", Old: relationshipKinds[r.Kind][0]}}
	return s.store.DeleteRelationship(ctx, relID, e)
}
