package marketing

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
)

// Segment is a named group of customers described by rules. A dynamic
// segment is evaluated whenever it is used; a static one is a snapshot of
// the customers who matched when it was taken.
type Segment struct {
	ID          int64
	Name        string
	Description string
	Rules       Rule
	Static      bool
	MemberCount int // at the last count
	CountedAt   time.Time
	CreatedBy   int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Store keeps marketing's records and evaluates segments in the database.
type Store interface {
	CreateSegment(ctx context.Context, s Segment, e audit.Entry) (int64, error)
	UpdateSegment(ctx context.Context, s Segment, e audit.Entry) error
	DeleteSegment(ctx context.Context, id int64, e audit.Entry) error
	Segments(ctx context.Context) ([]Segment, error)
	FindSegment(ctx context.Context, id int64) (Segment, error)
	// CountRule counts the live customers a reader may see who match.
	CountRule(ctx context.Context, r Rule, v customer.Visibility, now time.Time) (int, error)
	// SampleRule returns some of them, newest first.
	SampleRule(ctx context.Context, r Rule, v customer.Visibility, now time.Time, limit int) ([]customer.Summary, error)
	// SnapshotSegment makes a segment static with the customers who match
	// its rules now; it returns how many.
	SnapshotSegment(ctx context.Context, id int64, now time.Time, e audit.Entry) (int, error)
	SetSegmentCount(ctx context.Context, id int64, n int, at time.Time) error
	Setting(ctx context.Context, key string) (string, error)
	SetSetting(ctx context.Context, key, value string, at time.Time, e audit.Entry) error
	JourneyStore
	CampaignStore
	TemplateStore
}

// Service runs marketing.
type Service struct {
	store Store
	now   func() time.Time
	jobs  Jobs
	// Sender sends campaigns; BaseURL makes the tracking links absolute;
	// Secret signs them; Consent records unsubscribes.
	Sender  Sender
	BaseURL string
	Secret  []byte
	Consent ConsentFunc
	// BounceDomain is where returned messages come back (the domain of the
	// campaigns' From address; the inbound SMTP listener takes them).
	BounceDomain string
	// Actions are what journey steps do to customers and tasks.
	Actions JourneyActions
	// Publish, when set, tells other systems of campaigns sent (webhooks).
	Publish func(ctx context.Context, event string, data any)
	// SMSClient calls the SMS provider (one that refuses private
	// addresses in production).
	SMSClient *http.Client
	// Lease is how long a campaign run holds its campaign (default 30 s).
	Lease time.Duration
	// Fields reads a customer's template fields, as the actor may see them.
	Fields func(ctx context.Context, a auth.Actor, customerID int64) (map[string]string, error)
	// Products, when set, recommends products to a customer for the
	// products blocks of emails.
	Products func(ctx context.Context, customerID int64, n int) ([]ProductCard, error)
	// macs are HMACs ready for token signing, reused across messages.
	macs sync.Pool
}

// productsFor returns the products a template shows a customer.
func (s *Service) productsFor(ctx context.Context, tpl *Compiled, customerID int64) ([]ProductCard, error) {
	n := tpl.Products()
	if n == 0 || s.Products == nil || customerID == 0 {
		return nil, nil
	}
	return s.Products(ctx, customerID, n)
}

// SetJobs connects the background jobs (built after the service).
func (s *Service) SetJobs(j Jobs) { s.jobs = j }

// NewService returns the marketing service.
func NewService(st Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, now: now}
}

func (s *Service) at() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// SegmentInput is a new segment or its new rules. Rules may come as a tree
// or in their text form.
type SegmentInput struct {
	Name        string
	Description string
	Rules       *Rule
	Text        string
}

// rules reads the input's rules, from the tree or the text.
func (in SegmentInput) rules() (Rule, error) {
	if in.Rules != nil && strings.TrimSpace(in.Text) != "" {
		return Rule{}, fault.Field("rules", "give the rules as a tree or as text, not both")
	}
	if in.Rules != nil {
		if err := in.Rules.Validate(); err != nil {
			return Rule{}, fault.Field("rules", "%s", err.Error())
		}
		return *in.Rules, nil
	}
	r, err := Parse(in.Text)
	if err != nil {
		return Rule{}, fault.Field("text", "%s", err.Error())
	}
	return r, nil
}

func visibility(a auth.Actor) customer.Visibility {
	return customer.Visibility{Scope: a.Role.Scope(), UserID: a.UserID, TeamID: a.TeamID}
}

// Preview counts the customers matching rules, and shows a few, as the
// reader may see them: the live count while a segment is edited.
func (s *Service) Preview(ctx context.Context, a auth.Actor, in SegmentInput, sample int) (int, []customer.Summary, error) {
	if err := a.Require(auth.MarketingRead); err != nil {
		return 0, nil, err
	}
	r, err := in.rules()
	if err != nil {
		return 0, nil, err
	}
	now := s.at()
	n, err := s.store.CountRule(ctx, r, visibility(a), now)
	if err != nil {
		return 0, nil, err
	}
	var some []customer.Summary
	if sample > 0 && n > 0 {
		some, err = s.store.SampleRule(ctx, r, visibility(a), now, min(sample, 50))
	}
	return n, some, err
}

// CreateSegment stores a segment and counts it.
func (s *Service) CreateSegment(ctx context.Context, a auth.Actor, in SegmentInput) (Segment, error) {
	if err := a.Require(auth.MarketingWrite); err != nil {
		return Segment{}, err
	}
	r, err := in.rules()
	if err != nil {
		return Segment{}, err
	}
	now := s.at()
	sg := Segment{Name: strings.TrimSpace(in.Name), Description: strings.TrimSpace(in.Description), Rules: r,
		CreatedBy: a.UserID, CreatedAt: now, UpdatedAt: now}
	if sg.Name == "" || len(sg.Name) > 100 {
		return Segment{}, fault.Field("name", "must be 1 to 100 characters")
	}
	e := a.Audit("create", "segment", 0, now)
	e.Changes = []audit.Change{{Field: "name", New: sg.Name}, {Field: "rules", New: r.String()}}
	if sg.ID, err = s.store.CreateSegment(ctx, sg, e); err != nil {
		return Segment{}, err
	}
	return s.recount(ctx, sg)
}

// recount counts a segment's members over the whole base.
func (s *Service) recount(ctx context.Context, sg Segment) (Segment, error) {
	if sg.Static {
		return sg, nil
	}
	now := s.at()
	n, err := s.store.CountRule(ctx, sg.Rules, customer.Visibility{Scope: auth.ScopeAll}, now)
	if err != nil {
		return sg, err
	}
	sg.MemberCount, sg.CountedAt = n, now
	return sg, s.store.SetSegmentCount(ctx, sg.ID, n, now)
}

// UpdateSegment changes a segment's name and rules (a static segment keeps
// its members: its rules only record how it was made).
func (s *Service) UpdateSegment(ctx context.Context, a auth.Actor, id int64, in SegmentInput) (Segment, error) {
	if err := a.Require(auth.MarketingWrite); err != nil {
		return Segment{}, err
	}
	cur, err := s.store.FindSegment(ctx, id)
	if err != nil {
		return Segment{}, err
	}
	r, err := in.rules()
	if err != nil {
		return Segment{}, err
	}
	if cur.Static {
		return Segment{}, fault.New(fault.Conflict, "Segment %q is a snapshot; its members no longer follow rules.", cur.Name)
	}
	sg := cur
	sg.Name, sg.Description, sg.Rules, sg.UpdatedAt = strings.TrimSpace(in.Name), strings.TrimSpace(in.Description), r, s.at()
	if sg.Name == "" || len(sg.Name) > 100 {
		return Segment{}, fault.Field("name", "must be 1 to 100 characters")
	}
	e := a.Audit("update", "segment", id, sg.UpdatedAt)
	e.Changes = []audit.Change{{Field: "rules", Old: cur.Rules.String(), New: r.String()}}
	if err := s.store.UpdateSegment(ctx, sg, e); err != nil {
		return Segment{}, err
	}
	return s.recount(ctx, sg)
}

// DeleteSegment removes a segment that nothing uses.
func (s *Service) DeleteSegment(ctx context.Context, a auth.Actor, id int64) error {
	if err := a.Require(auth.MarketingWrite); err != nil {
		return err
	}
	sg, err := s.store.FindSegment(ctx, id)
	if err != nil {
		return err
	}
	e := a.Audit("delete", "segment", id, s.at())
	e.Changes = []audit.Change{{Field: "name", Old: sg.Name}}
	return s.store.DeleteSegment(ctx, id, e)
}

// Segments lists the segments.
func (s *Service) Segments(ctx context.Context, a auth.Actor) ([]Segment, error) {
	if err := a.Require(auth.MarketingRead); err != nil {
		return nil, err
	}
	return s.store.Segments(ctx)
}

// Segment returns a segment.
func (s *Service) Segment(ctx context.Context, a auth.Actor, id int64) (Segment, error) {
	if err := a.Require(auth.MarketingRead); err != nil {
		return Segment{}, err
	}
	return s.store.FindSegment(ctx, id)
}

// Snapshot freezes a copy of a segment: a new static segment holding the
// customers who match now.
func (s *Service) Snapshot(ctx context.Context, a auth.Actor, id int64, name string) (Segment, error) {
	if err := a.Require(auth.MarketingWrite); err != nil {
		return Segment{}, err
	}
	src, err := s.store.FindSegment(ctx, id)
	if err != nil {
		return Segment{}, err
	}
	now := s.at()
	if name = strings.TrimSpace(name); name == "" {
		name = src.Name + " " + now.Format("2006-01-02 15:04")
	}
	cp := Segment{Name: name, Description: "Snapshot of " + src.Name, Rules: Rule{Field: "segment", Op: "=", Value: float64(src.ID)},
		CreatedBy: a.UserID, CreatedAt: now, UpdatedAt: now}
	e := a.Audit("create", "segment", 0, now)
	e.Changes = []audit.Change{{Field: "snapshot_of", New: src.Name}}
	if cp.ID, err = s.store.CreateSegment(ctx, cp, e); err != nil {
		return Segment{}, err
	}
	n, err := s.store.SnapshotSegment(ctx, cp.ID, now, a.Audit("snapshot", "segment", cp.ID, now))
	if err != nil {
		return Segment{}, err
	}
	cp.Static, cp.MemberCount, cp.CountedAt = true, n, now
	return cp, nil
}
