package customer

import (
	"context"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// StaticList is a list of customers put on it by hand (a fair's visitors,
// a call list). Lists are shared; each reader sees the members they may see.
type StaticList struct {
	ID          int64
	Name        string
	Description string
	Members     int // all members, whoever may see them
	CreatedBy   int64
	CreatedAt   time.Time
}

// ListStore is what static lists need from storage.
type ListStore interface {
	CreateStaticList(ctx context.Context, l StaticList, e audit.Entry) (int64, error)
	StaticLists(ctx context.Context) ([]StaticList, error)
	FindStaticList(ctx context.Context, id int64) (StaticList, error)
	// AddToStaticList adds the customers not yet on the list; it returns how many were added.
	AddToStaticList(ctx context.Context, listID int64, customerIDs []int64, by int64, at time.Time, e audit.Entry) (int, error)
	RemoveFromStaticList(ctx context.Context, listID, customerID int64, e audit.Entry) (bool, error)
	StaticListsOf(ctx context.Context, customerID int64) ([]StaticList, error)
}

// CreateStaticList makes a new, empty list.
func (s *Service) CreateStaticList(ctx context.Context, a auth.Actor, name, description string) (StaticList, error) {
	if err := a.Require(auth.CustomerUpdate); err != nil {
		return StaticList{}, err
	}
	l := StaticList{Name: strings.Join(strings.Fields(name), " "), Description: strings.TrimSpace(description),
		CreatedBy: a.UserID, CreatedAt: s.now()}
	var f fault.Fields
	if l.Name == "" || len(l.Name) > 100 || hasControl(l.Name) {
		f.Add("name", "must be 1 to 100 printable characters")
	}
	if len(l.Description) > 1000 {
		f.Add("description", "must be at most 1000 characters")
	}
	if err := f.Err(); err != nil {
		return l, err
	}
	e := a.Audit("create", "list", 0, l.CreatedAt)
	e.Changes = []audit.Change{{Field: "name", New: l.Name}}
	id, err := s.lists.CreateStaticList(ctx, l, e)
	if fault.Is(err, fault.Conflict) {
		return l, &fault.Error{Code: fault.Conflict, Message: "A list with this name exists.",
			Fields: []fault.FieldError{{Field: "name", Message: "is already used by another list"}}}
	}
	l.ID = id
	return l, err
}

// StaticLists returns all lists with their sizes.
func (s *Service) StaticLists(ctx context.Context, a auth.Actor) ([]StaticList, error) {
	if err := a.Require(auth.CustomerRead); err != nil {
		return nil, err
	}
	return s.lists.StaticLists(ctx)
}

// StaticListsOf returns the lists a customer the actor may see is on.
func (s *Service) StaticListsOf(ctx context.Context, a auth.Actor, customerID int64) ([]StaticList, error) {
	if _, err := s.findVisible(ctx, a, customerID); err != nil {
		return nil, err
	}
	return s.lists.StaticListsOf(ctx, customerID)
}

// AddToStaticList puts customers the actor may see on a list.
func (s *Service) AddToStaticList(ctx context.Context, a auth.Actor, listID int64, customerIDs []int64) (int, error) {
	if err := a.Require(auth.CustomerUpdate); err != nil {
		return 0, err
	}
	if _, err := s.list(ctx, listID); err != nil {
		return 0, err
	}
	if len(customerIDs) == 0 || len(customerIDs) > 1000 {
		return 0, &fault.Error{Code: fault.Invalid, Message: "Give 1 to 1,000 customers.",
			Fields: []fault.FieldError{{Field: "customer_ids", Message: "must list 1 to 1,000 customers"}}}
	}
	for _, id := range customerIDs {
		if _, err := s.liveVisible(ctx, a, id); err != nil {
			return 0, err
		}
	}
	now := s.now()
	e := a.Audit("add_members", "list", listID, now)
	e.Changes = []audit.Change{{Field: "customers", New: idsText(customerIDs)}}
	return s.lists.AddToStaticList(ctx, listID, customerIDs, a.UserID, now, e)
}

// RemoveFromStaticList takes a customer off a list.
func (s *Service) RemoveFromStaticList(ctx context.Context, a auth.Actor, listID, customerID int64) error {
	if err := a.Require(auth.CustomerUpdate); err != nil {
		return err
	}
	if _, err := s.findVisible(ctx, a, customerID); err != nil {
		return err
	}
	e := a.Audit("remove_member", "list", listID, s.now())
	e.CustomerID = customerID
	ok, err := s.lists.RemoveFromStaticList(ctx, listID, customerID, e)
	if err == nil && !ok {
		return fault.New(fault.NotFound, "Customer %d is not on list %d.", customerID, listID)
	}
	return err
}

func (s *Service) list(ctx context.Context, id int64) (StaticList, error) {
	l, err := s.lists.FindStaticList(ctx, id)
	if fault.Is(err, fault.NotFound) {
		return l, fault.New(fault.NotFound, "List %d was not found.", id)
	}
	return l, err
}

func idsText(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = idText(id)
	}
	return strings.Join(parts, ", ")
}
