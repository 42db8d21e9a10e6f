package customer

import (
	"context"

	"github.com/scrms/scrms/internal/auth"
)

// OrgNode is an organisation in an account hierarchy.
type OrgNode struct {
	ID       int64
	Name     string
	Depth    int // 0 for the top of the tree
	Contacts int // people recorded as working for it
	Hidden   bool
}

// Hierarchy is the tree of organisations a customer belongs to, from its
// top-most parent company down through the subsidiaries, with roll-ups.
type Hierarchy struct {
	Nodes         []OrgNode // depth first
	Subsidiaries  int       // organisations below the top
	TotalContacts int       // people working for any organisation of the tree
	Hidden        int       // organisations the reader may not see, counted only
	Truncated     bool      // the tree was larger than shown
}

// maxHierarchy bounds the organisations a hierarchy shows.
const maxHierarchy = 200

// AccountHierarchy returns the organisation tree of a customer: its
// parent companies up to the top and every subsidiary below it (linked by
// "subsidiary of" relationships), with the number of contacts of each.
// Organisations the actor may not see are counted but not named.
func (s *Service) AccountHierarchy(ctx context.Context, a auth.Actor, id int64) (Hierarchy, error) {
	if _, err := s.findVisible(ctx, a, id); err != nil {
		return Hierarchy{}, err
	}
	// Up to the top, guarding against loops.
	top, seen := id, map[int64]bool{id: true}
	for range 20 {
		rels, err := s.store.ListRelationships(ctx, top)
		if err != nil {
			return Hierarchy{}, err
		}
		parent := int64(0)
		for _, r := range rels {
			if r.Kind == "subsidiary" && r.From == top && !seen[r.To] {
				parent = r.To
			}
		}
		if parent == 0 {
			break
		}
		seen[parent] = true
		top = parent
	}
	var h Hierarchy
	visited := map[int64]bool{}
	var walk func(node int64, depth int) error
	walk = func(node int64, depth int) error {
		if visited[node] {
			return nil
		}
		if len(h.Nodes) >= maxHierarchy {
			h.Truncated = true
			return nil
		}
		visited[node] = true
		rels, err := s.store.ListRelationships(ctx, node)
		if err != nil {
			return err
		}
		c, err := s.store.FindCustomer(ctx, node)
		if err != nil {
			return err
		}
		n := OrgNode{ID: node, Name: c.Name, Depth: depth}
		if !a.Sees(c.OwnerID, c.TeamID) || c.Deleted() {
			n.Hidden, n.Name = true, ""
			h.Hidden++
		}
		var children []int64
		for _, r := range rels {
			switch {
			case r.Kind == "employee" && r.To == node:
				n.Contacts++
			case r.Kind == "subsidiary" && r.To == node:
				children = append(children, r.From)
			}
		}
		h.TotalContacts += n.Contacts
		if depth > 0 {
			h.Subsidiaries++
		}
		h.Nodes = append(h.Nodes, n)
		for _, ch := range children {
			if err := walk(ch, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(top, 0); err != nil {
		return Hierarchy{}, err
	}
	return h, nil
}
