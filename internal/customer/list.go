package customer

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// Sorts are the list orders a caller may ask for; anything else is refused.
// A leading "-" means descending.
var Sorts = []string{"-created", "created", "name", "-name", "-updated", "updated"}

// Filter is what a user or client asks the customer list for.
type Filter struct {
	Query       string // what was typed in the search box
	Tag         string
	ListID      int64 // only customers on this static list
	SegmentID   int64
	OwnerID     int64
	Stage       string
	Status      string
	Kind        Kind
	CreatedFrom time.Time
	CreatedTo   time.Time // exclusive
	Deleted     bool      // list the bin instead of live customers
	Sort        string
	Cursor      string
	Limit       int
}

// Visibility restricts a list to what an actor's scope allows.
type Visibility struct {
	Scope  auth.Scope
	UserID int64
	TeamID int64
}

func visibilityOf(a auth.Actor) Visibility {
	return Visibility{Scope: a.Role.Scope(), UserID: a.UserID, TeamID: a.TeamID}
}

// ListQuery is a validated Filter as the store runs it.
type ListQuery struct {
	Terms       []string
	NamesOnly   bool // search names only: the reader may not see contact points
	Tag         string
	ListID      int64
	SegmentID   int64 // customers in a marketing segment
	OwnerID     int64
	Stage       string
	Status      string
	Kind        Kind
	CreatedFrom time.Time
	CreatedTo   time.Time
	Deleted     bool
	Sort        string
	After       *Cursor
	Limit       int
	Visibility  Visibility
}

// Cursor marks where the previous page ended, in the list's sort order.
type Cursor struct {
	Sort  string    `json:"s"`
	Value string    `json:"v,omitempty"`
	Time  time.Time `json:"t,omitzero"`
	ID    int64     `json:"i"`
}

// Page is one page of customers and the cursor of the next, "" at the end.
type Page struct {
	Items      []Summary
	NextCursor string
}

// MaxPageSize is the largest page a caller may ask for.
const MaxPageSize = 200

func (s *Service) listQuery(a auth.Actor, f Filter) (ListQuery, error) {
	var fs fault.Fields
	q := ListQuery{Tag: NormalizeTag(f.Tag), ListID: f.ListID, SegmentID: f.SegmentID, OwnerID: f.OwnerID, Stage: f.Stage, Status: f.Status, Kind: f.Kind,
		CreatedFrom: f.CreatedFrom, CreatedTo: f.CreatedTo, Deleted: f.Deleted, Sort: f.Sort, Limit: f.Limit,
		Visibility: visibilityOf(a), NamesOnly: !a.Can(auth.CustomerPII)}
	q.Terms = SearchTerms(f.Query)
	if q.NamesOnly && looksLikePhone(f.Query) || q.NamesOnly && strings.Contains(f.Query, "@") {
		fs.Add("q", "your role may not search by email or phone")
	}
	if q.Sort == "" {
		q.Sort = "-created"
	}
	if !slices.Contains(Sorts, q.Sort) {
		fs.Add("sort", "must be one of %s", strings.Join(Sorts, ", "))
	}
	if q.Limit == 0 {
		q.Limit = 50
	}
	if q.Limit < 1 || q.Limit > MaxPageSize {
		fs.Add("limit", "must be between 1 and %d", MaxPageSize)
	}
	if q.Stage != "" && !slices.Contains(LifecycleStages(), q.Stage) {
		fs.Add("stage", "must be one of %s", strings.Join(LifecycleStages(), ", "))
	}
	if q.Status != "" && !slices.Contains(Statuses, q.Status) {
		fs.Add("status", "must be one of %s", strings.Join(Statuses, ", "))
	}
	if q.Kind != "" && q.Kind != Person && q.Kind != Organization {
		fs.Add("kind", "must be person or organization")
	}
	if f.Tag != "" && q.Tag == "" {
		fs.Add("tag", "is not a valid tag")
	}
	if !f.CreatedFrom.IsZero() && !f.CreatedTo.IsZero() && !f.CreatedTo.After(f.CreatedFrom) {
		fs.Add("created_to", "must be after created_from")
	}
	if f.Deleted && !a.Can(auth.CustomerDelete) {
		return q, fault.New(fault.Forbidden, "Your role may not see deleted customers.")
	}
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor)
		if err != nil || c.Sort != q.Sort {
			fs.Add("cursor", "is not a cursor of this list (start again without it)")
		} else {
			q.After = &c
		}
	}
	return q, fs.Err()
}

// FindCustomers returns one page of the customers the actor may see that
// match the filter.
func (s *Service) FindCustomers(ctx context.Context, a auth.Actor, f Filter) (Page, error) {
	if err := a.Require(auth.CustomerRead); err != nil {
		return Page{}, err
	}
	q, err := s.listQuery(a, f)
	if err != nil {
		return Page{}, err
	}
	limit := q.Limit
	q.Limit = limit + 1
	items, err := s.store.ListCustomers(ctx, q)
	if err != nil {
		return Page{}, fmt.Errorf("customer: list: %w", err)
	}
	var p Page
	if len(items) > limit {
		items = items[:limit]
		p.NextCursor = encodeCursor(cursorAfter(q.Sort, items[limit-1]))
	}
	for i := range items {
		items[i] = maskSummary(a, items[i])
	}
	p.Items = items
	return p, nil
}

// CountCustomers counts the customers the actor may see that match the
// filter (its sort, cursor and page size are ignored). With upTo > 0 it stops
// counting there and reports whether it did, so that a list over a million
// customers can say "10,000 or more" without reading them all.
func (s *Service) CountCustomers(ctx context.Context, a auth.Actor, f Filter, upTo int) (n int, more bool, err error) {
	if err := a.Require(auth.CustomerRead); err != nil {
		return 0, false, err
	}
	f.Sort, f.Cursor, f.Limit = "", "", 0
	q, err := s.listQuery(a, f)
	if err != nil {
		return 0, false, err
	}
	limit := 0
	if upTo > 0 {
		limit = upTo + 1
	}
	n, err = s.store.CountCustomers(ctx, q, limit)
	if err != nil {
		return 0, false, err
	}
	if upTo > 0 && n > upTo {
		return upTo, true, nil
	}
	return n, false, nil
}

// ExportCustomers streams every customer matching the filter (ignoring its
// page size) to emit, and records the export in the audit log.
func (s *Service) ExportCustomers(ctx context.Context, a auth.Actor, f Filter, emit func(Summary) error) (int, error) {
	if err := a.Require(auth.CustomerExport); err != nil {
		return 0, err
	}
	f.Limit, f.Cursor = MaxPageSize, ""
	n := 0
	for {
		p, err := s.FindCustomers(ctx, a, f)
		if err != nil {
			return n, err
		}
		for _, it := range p.Items {
			if err := emit(it); err != nil {
				return n, err
			}
			n++
		}
		if p.NextCursor == "" {
			break
		}
		f.Cursor = p.NextCursor
	}
	e := a.Audit("export", "customer", 0, s.now())
	e.Changes = []audit.Change{{Field: "filter", New: describeFilter(f)}, {Field: "rows", New: fmt.Sprint(n)}}
	if err := s.store.AppendAudit(ctx, e); err != nil {
		return n, fmt.Errorf("customer: audit export: %w", err)
	}
	return n, nil
}

func describeFilter(f Filter) string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	add("q", f.Query)
	add("tag", f.Tag)
	add("stage", f.Stage)
	add("status", f.Status)
	add("kind", string(f.Kind))
	if f.OwnerID != 0 {
		add("owner_id", fmt.Sprint(f.OwnerID))
	}
	if f.Deleted {
		add("deleted", "true")
	}
	return strings.Join(parts, " ")
}

func maskSummary(a auth.Actor, s Summary) Summary {
	if !a.Can(auth.CustomerPII) {
		s.Email, s.Phone = MaskEmail(s.Email), MaskPhone(s.Phone)
		if s.Phone == "•••" {
			s.Phone = ""
		}
	}
	return s
}

func cursorAfter(sort string, last Summary) Cursor {
	c := Cursor{Sort: sort, ID: last.ID}
	switch strings.TrimPrefix(sort, "-") {
	case "name":
		c.Value = SortName(last.Name)
	case "updated":
		c.Time = last.UpdatedAt
	}
	return c
}

// SortName is the key customers are sorted by name on.
func SortName(name string) string { return fold(name) }

func encodeCursor(c Cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (Cursor, error) {
	var c Cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return c, err
	}
	err = json.Unmarshal(b, &c)
	return c, err
}
