package customer

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/dedupe"
	"github.com/scrms/scrms/internal/fault"
)

// The states of a duplicate pair.
const (
	PairOpen       = "open"
	PairMerged     = "merged"
	PairDismissed  = "dismissed"
	PairSuperseded = "superseded" // no longer found, or one of the two was merged with a third
)

// PairStatuses lists the states a pair can be in.
var PairStatuses = []string{PairOpen, PairMerged, PairDismissed, PairSuperseded}

// DuplicatePair is two customers that probably are one, waiting for review.
type DuplicatePair struct {
	ID         int64
	A, B       int64 // A < B
	Score      float64
	Reasons    []string
	Status     string
	FoundAt    time.Time
	ResolvedAt time.Time
	ResolvedBy int64
	MergeID    int64
}

// PairFilter selects pairs of the review queue, best score first. The
// cursor is the last pair of the previous page.
type PairFilter struct {
	Status    string
	Customer  int64 // 0: any
	AfterID   int64
	AfterRank float64
	Limit     int
}

// DuplicateScan is one search of the whole base for duplicates.
type DuplicateScan struct {
	ID          int64
	Status      string // queued, running, done, failed
	RequestedBy int64
	RequestedAt time.Time
	StartedAt   time.Time
	FinishedAt  time.Time
	Scanned     int
	Comparisons int
	Found       int
	New         int
	Error       string
}

// Running reports whether the scan is waiting or working.
func (d DuplicateScan) Running() bool { return d.Status == "queued" || d.Status == "running" }

// MatchRow is what a scan reads of each live customer.
type MatchRow struct {
	ID                          int64
	Kind                        Kind
	FirstName, LastName, Org    string
	BirthDate, Email, Phone     string
	Line1, City, Postcode, Area string
}

// staleScan is how long a queued or running scan may go without finishing
// before a new request ignores it (its process died and its job is retried).
const staleScan = 6 * time.Hour

// RequestDuplicateScan queues a scan of the whole base, unless one is
// already waiting or running, which is returned instead (started false).
func (s *Service) RequestDuplicateScan(ctx context.Context, a auth.Actor) (DuplicateScan, bool, error) {
	if err := a.Require(auth.CustomerMerge); err != nil {
		return DuplicateScan{}, false, err
	}
	now := s.now()
	return s.store.RequestDuplicateScan(ctx, a.UserID, now, now.Add(-staleScan))
}

// LatestDuplicateScan returns the most recent scan (NotFound when none ran).
func (s *Service) LatestDuplicateScan(ctx context.Context, a auth.Actor) (DuplicateScan, error) {
	if err := a.Require(auth.CustomerMerge); err != nil {
		return DuplicateScan{}, err
	}
	return s.store.LatestDuplicateScan(ctx)
}

// scanChunk is how many customers a scan reads per query.
const scanChunk = 5000

// RunDuplicateScan performs a queued scan: it reads every live customer,
// finds likely pairs with the duplicate engine, adds the new ones to the
// review queue (dismissed pairs stay dismissed), retires open pairs no
// longer found, runs the data-quality checks and notifies those who review
// when anything new turned up. Running it again for the same scan redoes
// the work without doubling anything.
func (s *Service) RunDuplicateScan(ctx context.Context, scanID int64) (DuplicateScan, error) {
	sc, err := s.store.FindDuplicateScan(ctx, scanID)
	if err != nil {
		return sc, err
	}
	if sc.Status == "done" || sc.Status == "failed" {
		return sc, nil
	}
	sc.Status, sc.StartedAt = "running", s.now()
	if err := s.store.UpdateDuplicateScan(ctx, sc); err != nil {
		return sc, err
	}
	fail := func(err error) (DuplicateScan, error) {
		sc.Status, sc.Error, sc.FinishedAt = "failed", err.Error(), s.now()
		_ = s.store.UpdateDuplicateScan(context.WithoutCancel(ctx), sc)
		return sc, err
	}
	idx := dedupe.NewIndex()
	for after := int64(0); ; {
		rows, err := s.store.MatchRows(ctx, after, scanChunk)
		if err != nil {
			return fail(fmt.Errorf("read customers: %w", err))
		}
		for _, r := range rows {
			idx.Add(rowRecord(r))
		}
		if len(rows) < scanChunk {
			break
		}
		after = rows[len(rows)-1].ID
	}
	pairs, st := idx.Pairs(s.DuplicateThreshold(ctx))
	sc.Scanned, sc.Comparisons, sc.Found = st.Records, st.Comparisons, st.Pairs
	now := s.now()
	sc.New, err = s.store.SaveDuplicatePairs(ctx, scanID, pairs, now)
	if err != nil {
		return fail(fmt.Errorf("save pairs: %w", err))
	}
	if _, err := s.store.SupersedeStalePairs(ctx, scanID, now); err != nil {
		return fail(fmt.Errorf("retire pairs: %w", err))
	}
	issues, err := s.store.CheckDataQuality(ctx, now)
	if err != nil {
		return fail(fmt.Errorf("data-quality checks: %w", err))
	}
	sc.Status, sc.FinishedAt = "done", s.now()
	if err := s.store.UpdateDuplicateScan(ctx, sc); err != nil {
		return sc, err
	}
	if (sc.New > 0 || issues > 0) && s.opt.Notify != nil {
		body := fmt.Sprintf("The scan of %d customers found %d new possible duplicates and %d new data-quality issues.",
			sc.Scanned, sc.New, issues)
		if err := s.opt.Notify(ctx, auth.CustomerMerge, "data_quality", "New possible duplicates", body,
			"/duplicates"); err != nil {
			return sc, fmt.Errorf("notify: %w", err)
		}
	}
	return sc, nil
}

// rowRecord is what the duplicate engine compares of a scanned customer.
func rowRecord(r MatchRow) dedupe.Record {
	rec := dedupe.Record{ID: r.ID, FirstName: r.FirstName, LastName: r.LastName, Email: r.Email, Phone: r.Phone,
		BirthDate: strings.ReplaceAll(r.BirthDate, "-", ""), City: r.City, Postcode: r.Postcode, Region: r.Area}
	if r.Kind == Organization {
		rec.FirstName, rec.LastName = "", r.Org
	}
	rec.StreetNumber, rec.Street = splitHouseNumber(r.Line1)
	return rec
}

// splitHouseNumber takes the house number from the start ("12 High Street")
// or the end ("Hauptstraße 5") of an address line.
func splitHouseNumber(line string) (string, string) {
	words := strings.Fields(line)
	if len(words) < 2 {
		return "", line
	}
	hasDigit := func(w string) bool { return strings.IndexFunc(w, unicode.IsDigit) >= 0 }
	switch {
	case hasDigit(words[0]):
		return strings.TrimRight(words[0], ","), strings.Join(words[1:], " ")
	case hasDigit(words[len(words)-1]):
		return words[len(words)-1], strings.TrimRight(strings.Join(words[:len(words)-1], " "), ",")
	}
	return "", line
}

// PairView is a pair with both customers as the reader may see them.
type PairView struct {
	DuplicatePair
	First, Second Customer
}

// DuplicatePairs lists the review queue.
func (s *Service) DuplicatePairs(ctx context.Context, a auth.Actor, f PairFilter) ([]PairView, error) {
	if err := a.Require(auth.CustomerMerge); err != nil {
		return nil, err
	}
	if f.Status == "" {
		f.Status = PairOpen
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	pairs, err := s.store.ListDuplicatePairs(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]PairView, 0, len(pairs))
	for _, p := range pairs {
		v, err := s.pairView(ctx, a, p)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// CountDuplicatePairs counts pairs in a state.
func (s *Service) CountDuplicatePairs(ctx context.Context, a auth.Actor, status string) (int, error) {
	if err := a.Require(auth.CustomerMerge); err != nil {
		return 0, err
	}
	return s.store.CountDuplicatePairs(ctx, status)
}

// DuplicatePair returns one pair with both customers.
func (s *Service) DuplicatePair(ctx context.Context, a auth.Actor, id int64) (PairView, error) {
	if err := a.Require(auth.CustomerMerge); err != nil {
		return PairView{}, err
	}
	p, err := s.store.FindDuplicatePair(ctx, id)
	if err != nil {
		return PairView{}, pairNotFound(err, id)
	}
	return s.pairView(ctx, a, p)
}

func (s *Service) pairView(ctx context.Context, a auth.Actor, p DuplicatePair) (PairView, error) {
	v := PairView{DuplicatePair: p}
	var err error
	if v.First, err = s.store.FindCustomer(ctx, p.A); err != nil {
		return v, err
	}
	if v.Second, err = s.store.FindCustomer(ctx, p.B); err != nil {
		return v, err
	}
	v.First, v.Second = mask(a, v.First), mask(a, v.Second)
	return v, nil
}

func pairNotFound(err error, id int64) error {
	if fault.Is(err, fault.NotFound) {
		return fault.New(fault.NotFound, "Duplicate pair %d was not found.", id)
	}
	return err
}

// DismissPair marks a pair as not duplicates; later scans leave it alone.
func (s *Service) DismissPair(ctx context.Context, a auth.Actor, id int64) error {
	if err := a.Require(auth.CustomerMerge); err != nil {
		return err
	}
	p, err := s.store.FindDuplicatePair(ctx, id)
	if err != nil {
		return pairNotFound(err, id)
	}
	if p.Status != PairOpen {
		return fault.New(fault.Conflict, "Duplicate pair %d is already %s.", id, p.Status)
	}
	now := s.now()
	e := a.Audit("dismiss", "duplicate_pair", id, now)
	e.Changes = []audit.Change{{Field: "customers", New: fmt.Sprintf("%d, %d", p.A, p.B)},
		{Field: "status", Old: PairOpen, New: PairDismissed}}
	return s.store.ResolveDuplicatePair(ctx, id, PairDismissed, a.UserID, now, e)
}

// QualityIssue is an inconsistency found by the data-quality checks.
type QualityIssue struct {
	ID          int64
	Kind        string // e.g. shared_email, household_without_head
	SubjectType string // customer or household
	SubjectID   int64
	Detail      string
	Status      string // open or resolved
	FoundAt     time.Time
	ResolvedAt  time.Time
}

// QualityIssues lists the open data-quality issues, newest first.
func (s *Service) QualityIssues(ctx context.Context, a auth.Actor, limit int) ([]QualityIssue, error) {
	if err := a.Require(auth.CustomerMerge); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	return s.store.ListQualityIssues(ctx, "open", limit)
}
