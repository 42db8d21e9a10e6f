package customer

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// UndoWindow is how long a merge can be undone.
const UndoWindow = 30 * 24 * time.Hour

// Merge is one merge of two customers: the merged record's history moved to
// the survivor and the merged record went to the bin. Survivor and Merged
// are the two records as they were just before.
type Merge struct {
	ID         int64
	SurvivorID int64
	MergedID   int64
	PairID     int64
	Survivor   Customer
	Merged     Customer
	Moves      MergeMoves
	MergedBy   int64
	MergedAt   time.Time
	UndoneBy   int64
	UndoneAt   time.Time
}

// Undoable reports whether the merge can still be undone at now.
func (m Merge) Undoable(now time.Time) bool {
	return m.UndoneAt.IsZero() && now.Sub(m.MergedAt) < UndoWindow
}

// MergeMoves records what a merge moved, so that undo can move it back.
type MergeMoves struct {
	// Rows lists, per table, the rows that moved from the merged customer to the survivor.
	Rows map[string][]int64 `json:"rows"`
	// Relationships moved to the survivor: End says which end pointed at the merged customer.
	Relationships []MovedRelationship `json:"relationships,omitempty"`
	// Dropped are the merged customer's relationships that would have
	// linked the survivor to itself or repeated one it has; undo restores them.
	Dropped   []Relationship   `json:"dropped,omitempty"`
	Household *MovedMembership `json:"household,omitempty"`
	// Superseded are other open duplicate pairs of the merged customer, closed by the merge.
	Superseded []int64 `json:"superseded,omitempty"`
}

// MovedRelationship is a relationship whose From or To end was moved.
type MovedRelationship struct {
	ID  int64  `json:"id"`
	End string `json:"end"` // "from" or "to"
}

// MovedMembership is the merged customer's household membership: moved to
// the survivor when it had none, dropped otherwise.
type MovedMembership struct {
	HouseholdID int64     `json:"household_id"`
	Head        bool      `json:"head"`
	JoinedAt    time.Time `json:"joined_at"`
	Moved       bool      `json:"moved"`
}

// MergeFields are the fields whose surviving value can be chosen. Contact
// points, addresses and tags are always combined.
var MergeFields = []string{"name", "lifecycle_stage", "status", "owner", "external_id", "birth_date", "language",
	"time_zone", "preferred_channel", "quiet_hours", "referral_source", "website", "industry", "contact_times"}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, v := range b {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// MergeInput says which record survives and, per field, which record's
// value to keep (the customer id); a field not named keeps the survivor's
// value, or the other's when the survivor has none.
type MergeInput struct {
	PairID     int64
	SurvivorID int64
	Keep       map[string]int64
}

// mergeValues returns the survivor with the chosen values and the combined
// contact points, addresses and tags of both records.
func mergeValues(s, m Customer, keep map[string]int64) (Customer, error) {
	var f fault.Fields
	for field, from := range keep {
		if !slices.Contains(MergeFields, field) {
			f.Add("keep."+field, "is not a field that can be chosen; use one of %v", MergeFields)
		} else if from != s.ID && from != m.ID {
			f.Add("keep."+field, "must be the id of one of the two customers (%d or %d)", s.ID, m.ID)
		}
	}
	if err := f.Err(); err != nil {
		return Customer{}, err
	}
	out := s
	pick := func(field string, sv, mv string) string {
		if from, ok := keep[field]; ok {
			if from == m.ID {
				return mv
			}
			return sv
		}
		if sv == "" {
			return mv
		}
		return sv
	}
	if from, ok := keep["name"]; ok && from == m.ID {
		out.Kind, out.FirstName, out.LastName, out.OrgName, out.Name = m.Kind, m.FirstName, m.LastName, m.OrgName, m.Name
	}
	out.LifecycleStage = pick("lifecycle_stage", s.LifecycleStage, m.LifecycleStage)
	out.Status = pick("status", s.Status, m.Status)
	if from, ok := keep["owner"]; (ok && from == m.ID) || (!ok && s.OwnerID == 0) {
		out.OwnerID, out.TeamID = m.OwnerID, m.TeamID
	}
	out.ExternalID = pick("external_id", s.ExternalID, m.ExternalID)
	p, q := s.Profile, m.Profile
	out.Profile = Profile{BirthDate: pick("birth_date", p.BirthDate, q.BirthDate),
		Language: pick("language", p.Language, q.Language), TimeZone: pick("time_zone", p.TimeZone, q.TimeZone),
		PreferredChannel: pick("preferred_channel", p.PreferredChannel, q.PreferredChannel),
		QuietHours:       pick("quiet_hours", p.QuietHours, q.QuietHours),
		ReferralSource:   pick("referral_source", p.ReferralSource, q.ReferralSource),
		Website:          pick("website", p.Website, q.Website), Industry: pick("industry", p.Industry, q.Industry),
		ContactTimes: pick("contact_times", p.ContactTimes, q.ContactTimes),
		Categories:   union(p.Categories, q.Categories), Brands: union(p.Brands, q.Brands)}
	if out.Kind == Organization {
		out.Profile.BirthDate = ""
	}
	out.Emails = slices.Clone(s.Emails)
	for _, e := range m.Emails {
		if !slices.ContainsFunc(out.Emails, func(x Email) bool { return x.Address == e.Address }) {
			e.Primary = false
			out.Emails = append(out.Emails, e)
		}
	}
	out.Phones = slices.Clone(s.Phones)
	for _, ph := range m.Phones {
		if !slices.ContainsFunc(out.Phones, func(x Phone) bool { return x.Number == ph.Number }) {
			ph.Primary = false
			out.Phones = append(out.Phones, ph)
		}
	}
	out.Addresses = slices.Clone(s.Addresses)
	for _, a := range m.Addresses {
		if !slices.ContainsFunc(out.Addresses, func(x Address) bool { return x.OneLine() == a.OneLine() }) {
			a.Primary = false
			out.Addresses = append(out.Addresses, a)
		}
	}
	out.Tags = slices.Clone(s.Tags)
	for _, t := range m.Tags {
		if !slices.Contains(out.Tags, t) {
			out.Tags = append(out.Tags, t)
		}
	}
	return out, nil
}

// MergeCustomers merges two customers: the other record's contact points,
// addresses and tags join the survivor, its notes, interactions, consent
// history, relationships and household move to it, and it goes to the bin
// marked as merged. The merge is audited and can be undone for 30 days.
func (s *Service) MergeCustomers(ctx context.Context, a auth.Actor, in MergeInput) (Merge, error) {
	if err := a.Require(auth.CustomerMerge); err != nil {
		return Merge{}, err
	}
	pair, err := s.store.FindDuplicatePair(ctx, in.PairID)
	if err != nil {
		return Merge{}, pairNotFound(err, in.PairID)
	}
	if pair.Status != PairOpen {
		return Merge{}, fault.New(fault.Conflict, "Duplicate pair %d is already %s.", pair.ID, pair.Status)
	}
	if in.SurvivorID == 0 {
		in.SurvivorID = pair.A // the older record, by default
	}
	mergedID := pair.A
	switch in.SurvivorID {
	case pair.A:
		mergedID = pair.B
	case pair.B:
	default:
		return Merge{}, &fault.Error{Code: fault.Invalid, Message: "The survivor must be one of the pair.",
			Fields: []fault.FieldError{{Field: "survivor_id", Message: fmt.Sprintf("must be %d or %d", pair.A, pair.B)}}}
	}
	for _, id := range []int64{in.SurvivorID, mergedID} {
		if _, err := s.liveVisible(ctx, a, id); err != nil {
			return Merge{}, err
		}
	}
	now := s.now()
	m, err := s.store.MergeCustomers(ctx, MergeRequest{PairID: pair.ID, SurvivorID: in.SurvivorID, MergedID: mergedID,
		By: a.UserID, At: now},
		func(sv, mg Customer) (Customer, SearchText, audit.Entry, error) {
			if sv.Deleted() || mg.Deleted() {
				return Customer{}, SearchText{}, audit.Entry{}, fault.New(fault.Conflict, "One of the two customers is in the bin.")
			}
			out, err := mergeValues(sv, mg, in.Keep)
			if err != nil {
				return Customer{}, SearchText{}, audit.Entry{}, err
			}
			if err := normalize(&out, s.opt.DefaultRegion); err != nil {
				return Customer{}, SearchText{}, audit.Entry{}, err
			}
			out.UpdatedAt = now
			e := a.Audit("merge", "customer", sv.ID, now)
			e.CustomerID = sv.ID
			e.Changes = append(changes(sv, out), audit.Change{Field: "merged_customer", Old: "", New: idText(mg.ID)})
			return out, BuildSearchText(out), e, nil
		})
	if err != nil {
		return Merge{}, explainConflict(err)
	}
	return m, nil
}

// UndoMerge restores both customers as they were before the merge: the
// survivor's fields, contact points and tags, and every row that moved.
// Notes and interactions added to the survivor since stay with it.
func (s *Service) UndoMerge(ctx context.Context, a auth.Actor, id int64) (Merge, error) {
	if err := a.Require(auth.CustomerMerge); err != nil {
		return Merge{}, err
	}
	now := s.now()
	return s.store.UndoMerge(ctx, id, a.UserID, now, func(m Merge, sv Customer) (Customer, SearchText, audit.Entry, error) {
		if !m.UndoneAt.IsZero() {
			return Customer{}, SearchText{}, audit.Entry{}, fault.New(fault.Conflict, "Merge %d was already undone.", id)
		}
		if m.Survivor.ID == 0 {
			return Customer{}, SearchText{}, audit.Entry{}, fault.New(fault.Conflict,
				"The customers of merge %d were erased; the merge can no longer be undone.", id)
		}
		if !m.Undoable(now) {
			return Customer{}, SearchText{}, audit.Entry{}, fault.New(fault.Conflict,
				"Merge %d is older than %d days and can no longer be undone.", id, int(UndoWindow.Hours()/24))
		}
		if sv.Deleted() {
			return Customer{}, SearchText{}, audit.Entry{}, fault.New(fault.Conflict,
				"The surviving customer %d is in the bin (or was merged again); restore or unmerge it first.", sv.ID)
		}
		restored := m.Survivor
		restored.UpdatedAt = now
		e := a.Audit("unmerge", "customer", sv.ID, now)
		e.CustomerID = sv.ID
		e.Changes = append(changes(sv, restored), audit.Change{Field: "merged_customer", Old: idText(m.MergedID), New: ""})
		return restored, BuildSearchText(restored), e, nil
	})
}

// FindMerge returns a merge for those who may merge.
func (s *Service) FindMerge(ctx context.Context, a auth.Actor, id int64) (Merge, error) {
	if err := a.Require(auth.CustomerMerge); err != nil {
		return Merge{}, err
	}
	m, err := s.store.FindMerge(ctx, id)
	if err != nil {
		if fault.Is(err, fault.NotFound) {
			return Merge{}, fault.New(fault.NotFound, "Merge %d was not found.", id)
		}
		return Merge{}, err
	}
	m.Survivor, m.Merged = mask(a, m.Survivor), mask(a, m.Merged)
	return m, nil
}

// MergesOf lists the merges into a customer, newest first.
func (s *Service) MergesOf(ctx context.Context, a auth.Actor, customerID int64) ([]Merge, error) {
	if !a.Can(auth.CustomerMerge) {
		return nil, nil
	}
	if _, err := s.findVisible(ctx, a, customerID); err != nil {
		return nil, err
	}
	return s.store.ListMerges(ctx, customerID)
}

// MergeRequest names the records of a merge for the store.
type MergeRequest struct {
	PairID     int64
	SurvivorID int64
	MergedID   int64
	By         int64
	At         time.Time
}
