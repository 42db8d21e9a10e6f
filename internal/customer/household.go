package customer

import (
	"context"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// Household groups people who share an address or an economy. A customer
// belongs to at most one; one member may be its head.
type Household struct {
	ID        int64
	Name      string
	CreatedAt time.Time
	Members   []HouseholdMember
	Hidden    int // members the reader may not see, counted but not shown
}

// HouseholdMember is a customer in a household.
type HouseholdMember struct {
	CustomerID int64
	Name       string
	Head       bool
	JoinedAt   time.Time
	OwnerID    int64
	TeamID     int64
}

// HouseholdChange is what the store writes for a household in one transaction.
type HouseholdChange struct {
	HouseholdID int64 // 0 creates a household named Name
	Name        string
	Add         int64 // customer to add (0: none)
	Remove      int64 // customer to remove (0: none)
	Head        int64 // customer to make head (0: leave as is)
	At          time.Time
}

// CreateHousehold starts a household with the customer as its head.
func (s *Service) CreateHousehold(ctx context.Context, a auth.Actor, headID int64, name string) (Household, error) {
	if err := a.Require(auth.CustomerUpdate); err != nil {
		return Household{}, err
	}
	head, err := s.liveVisible(ctx, a, headID)
	if err != nil {
		return Household{}, err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = "Household of " + head.Name
	}
	if len(name) > 200 || hasControl(name) {
		return Household{}, &fault.Error{Code: fault.Invalid, Message: "Some fields are not valid.",
			Fields: []fault.FieldError{{Field: "name", Message: "must be at most 200 printable characters"}}}
	}
	now := s.now()
	e := a.Audit("create", "household", 0, now)
	e.CustomerID = headID
	e.Changes = []audit.Change{{Field: "household", New: name}, {Field: "head", New: head.Name}}
	id, err := s.store.ChangeHousehold(ctx, HouseholdChange{Name: name, Add: headID, Head: headID, At: now}, e)
	if err != nil {
		return Household{}, explainHousehold(err)
	}
	return s.household(ctx, a, id)
}

func explainHousehold(err error) error {
	if fault.Is(err, fault.Conflict) {
		return &fault.Error{Code: fault.Conflict, Message: "This customer already belongs to a household.",
			Fields: []fault.FieldError{{Field: "customer_id", Message: "is in another household; remove it there first"}}}
	}
	return err
}

// JoinHousehold adds a customer to a household, optionally as its head.
func (s *Service) JoinHousehold(ctx context.Context, a auth.Actor, householdID, customerID int64, head bool) (Household, error) {
	if err := a.Require(auth.CustomerUpdate); err != nil {
		return Household{}, err
	}
	c, err := s.liveVisible(ctx, a, customerID)
	if err != nil {
		return Household{}, err
	}
	if _, err := s.store.FindHousehold(ctx, householdID); err != nil {
		return Household{}, fault.New(fault.NotFound, "Household %d was not found.", householdID)
	}
	now := s.now()
	ch := HouseholdChange{HouseholdID: householdID, Add: customerID, At: now}
	if head {
		ch.Head = customerID
	}
	e := a.Audit("join", "household", householdID, now)
	e.CustomerID = customerID
	e.Changes = []audit.Change{{Field: "member", New: c.Name}}
	if _, err := s.store.ChangeHousehold(ctx, ch, e); err != nil {
		return Household{}, explainHousehold(err)
	}
	return s.household(ctx, a, householdID)
}

// LeaveHousehold removes a customer from its household.
func (s *Service) LeaveHousehold(ctx context.Context, a auth.Actor, customerID int64) error {
	if err := a.Require(auth.CustomerUpdate); err != nil {
		return err
	}
	c, err := s.liveVisible(ctx, a, customerID)
	if err != nil {
		return err
	}
	hid, err := s.store.HouseholdOf(ctx, customerID)
	if err != nil {
		if fault.Is(err, fault.NotFound) {
			return fault.New(fault.NotFound, "Customer %d is in no household.", customerID)
		}
		return err
	}
	e := a.Audit("leave", "household", hid, s.now())
	e.CustomerID = customerID
	e.Changes = []audit.Change{{Field: "member", Old: c.Name}}
	_, err = s.store.ChangeHousehold(ctx, HouseholdChange{HouseholdID: hid, Remove: customerID, At: s.now()}, e)
	return err
}

// HouseholdOfCustomer returns the household of a customer the actor may see,
// or NotFound when it has none.
func (s *Service) HouseholdOfCustomer(ctx context.Context, a auth.Actor, customerID int64) (Household, error) {
	if _, err := s.findVisible(ctx, a, customerID); err != nil {
		return Household{}, err
	}
	hid, err := s.store.HouseholdOf(ctx, customerID)
	if err != nil {
		return Household{}, err
	}
	return s.household(ctx, a, hid)
}

// household loads a household with the members the actor may see.
func (s *Service) household(ctx context.Context, a auth.Actor, id int64) (Household, error) {
	h, err := s.store.FindHousehold(ctx, id)
	if err != nil {
		return Household{}, err
	}
	members, err := s.store.ListHouseholdMembers(ctx, id)
	if err != nil {
		return Household{}, err
	}
	for _, m := range members {
		if a.Sees(m.OwnerID, m.TeamID) {
			h.Members = append(h.Members, m)
		} else {
			h.Hidden++
		}
	}
	return h, nil
}
