package customer

import (
	"context"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// ErasedName is what an erased customer is called.
const ErasedName = "Erased customer"

// Erasure is the record of one erasure request carried out.
type Erasure struct {
	CustomerID int64
	Reason     string
	// Records counts the customer records erased: the customer and the
	// records merged into it, which held the same person's data.
	Records  int
	By       int64
	ErasedAt time.Time
}

// EraseCustomer carries out a data subject's erasure request: names,
// contact points, addresses, profile and external id are removed, note and
// interaction texts are blanked, consent proofs and addresses dropped,
// relationships and household membership ended, and merge snapshots
// cleared; the record keeps its id, kind, stage, owner, tags and dates so
// that counts and reports still add up. The same is done to every record
// that was merged into it. The request is recorded with its reason.
// It cannot be undone.
func (s *Service) EraseCustomer(ctx context.Context, a auth.Actor, id int64, reason string) (Erasure, error) {
	if err := a.Require(auth.CustomerDelete); err != nil {
		return Erasure{}, err
	}
	if err := a.Require(auth.CustomerPII); err != nil {
		return Erasure{}, err
	}
	reason = strings.TrimSpace(reason)
	var f fault.Fields
	if reason == "" {
		f.Add("reason", "is required: say whose request this is (a reference to it), not personal data")
	} else if len(reason) > 500 || hasControl(reason) {
		f.Add("reason", "must be at most 500 printable characters")
	}
	if err := f.Err(); err != nil {
		return Erasure{}, err
	}
	c, err := s.findVisible(ctx, a, id)
	if err != nil {
		return Erasure{}, err
	}
	if !c.ErasedAt.IsZero() {
		return Erasure{}, fault.New(fault.Conflict, "Customer %d was already erased on %s.", id, c.ErasedAt.Format("2 Jan 2006"))
	}
	if c.MergedInto != 0 {
		return Erasure{}, fault.New(fault.Conflict,
			"Customer %d was merged into customer %d; erase that one (its merged records are erased with it).", id, c.MergedInto)
	}
	now := s.now()
	e := a.Audit("erase", "customer", id, now)
	e.CustomerID = id
	e.Changes = []audit.Change{{Field: "reason", New: reason}}
	er := Erasure{CustomerID: id, Reason: reason, By: a.UserID, ErasedAt: now}
	er.Records, err = s.store.EraseCustomer(ctx, er, e)
	return er, err
}

// scrubErased hides the values of recorded changes of an erased customer:
// they held the personal data that was erased.
func scrubErased(c Customer, events []Event) {
	if c.ErasedAt.IsZero() {
		return
	}
	for i := range events {
		for j := range events[i].Changes {
			if events[i].Changes[j].Field == "reason" {
				continue
			}
			events[i].Changes[j].Old, events[i].Changes[j].New = "", "(erased)"
		}
	}
}
