// Package sales is SCRMS's sales pipeline: pipelines with ordered stages,
// opportunities moving through them (every move kept with the time spent
// in the stage left), the board that shows them, and the forecast.
package sales

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// Stage kinds.
const (
	StageOpen = "open"
	StageWon  = "won"
	StageLost = "lost"
)

// Pipeline is a sales process with its ordered stages.
type Pipeline struct {
	ID       int64
	Name     string
	Position int
	Stages   []Stage
}

// Stage is one step of a pipeline.
type Stage struct {
	ID          int64
	PipelineID  int64
	Name        string
	Position    int
	Probability int // percent
	Kind        string
}

// Stage returns the pipeline's stage with the id.
func (p Pipeline) Stage(id int64) (Stage, bool) {
	for _, s := range p.Stages {
		if s.ID == id {
			return s, true
		}
	}
	return Stage{}, false
}

// Opportunity is a deal in a pipeline. Amount is in minor units (cents).
type Opportunity struct {
	ID             int64
	PipelineID     int64
	StageID        int64
	CustomerID     int64
	CustomerName   string
	Name           string
	Amount         int64
	Currency       string
	ExpectedClose  string // YYYY-MM-DD, or empty
	OwnerID        int64
	OwnerName      string
	TeamID         int64
	NextStep       string
	LostReason     string
	CreatedBy      int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
	StageEnteredAt time.Time
	ClosedAt       time.Time
}

// Move is one stage change of an opportunity.
type Move struct {
	ID            int64
	OpportunityID int64
	FromStageID   int64 // 0 for the stage it was created in
	ToStageID     int64
	MovedBy       int64
	MovedByName   string
	MovedAt       time.Time
	SecondsInFrom int64
}

// Store is what the sales service needs from storage.
type Store interface {
	Pipelines(ctx context.Context) ([]Pipeline, error)
	CreateOpportunity(ctx context.Context, o Opportunity, e audit.Entry) (int64, error)
	FindOpportunity(ctx context.Context, id int64) (Opportunity, error)
	// UpdateOpportunity loads the opportunity in a transaction and lets
	// change return its new state and audit entry; a stage change is
	// recorded in the history in the same transaction.
	UpdateOpportunity(ctx context.Context, id int64, change func(cur Opportunity) (Opportunity, audit.Entry, error)) (Opportunity, error)
	// BoardOpportunities returns the live opportunities of a pipeline that
	// are open or closed after closedSince.
	BoardOpportunities(ctx context.Context, pipelineID int64, closedSince time.Time, v Visibility) ([]Opportunity, error)
	// ChangedOpportunities returns the pipeline's opportunities changed after since.
	ChangedOpportunities(ctx context.Context, pipelineID int64, since time.Time, v Visibility) ([]Opportunity, error)
	OpportunityHistory(ctx context.Context, id int64) ([]Move, error)
	ListOpportunities(ctx context.Context, f Filter, v Visibility) ([]Opportunity, error)
}

// Visibility restricts what an actor sees to its scope.
type Visibility struct {
	Scope  auth.Scope
	UserID int64
	TeamID int64
}

func visibilityOf(a auth.Actor) Visibility {
	return Visibility{Scope: a.Role.Scope(), UserID: a.UserID, TeamID: a.TeamID}
}

// Filter selects opportunities for the list view.
type Filter struct {
	PipelineID int64
	StageID    int64
	OwnerID    int64
	CustomerID int64
	Open       bool // only those in open stages
	Limit      int
}

// Changes tells a board that opportunities moved or changed.
type Changes interface {
	Publish(pipelineID int64)
}

// Service applies the rules of the sales pipeline.
type Service struct {
	store   Store
	now     func() time.Time
	changes Changes
	// customerName returns the name of a customer the actor may see, or an
	// error (NotFound) when it may not.
	customerName func(ctx context.Context, a auth.Actor, id int64) (string, error)
	// Publish, when set, tells other systems of won deals (webhooks).
	Publish func(ctx context.Context, event string, data any)
}

// NewService returns the sales service.
func NewService(st Store, now func() time.Time, changes Changes,
	customerName func(ctx context.Context, a auth.Actor, id int64) (string, error)) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, now: now, changes: changes, customerName: customerName}
}

func (s *Service) at() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Pipelines returns the pipelines with their stages.
func (s *Service) Pipelines(ctx context.Context, a auth.Actor) ([]Pipeline, error) {
	if err := a.Require(auth.SalesRead); err != nil {
		return nil, err
	}
	return s.store.Pipelines(ctx)
}

// Pipeline returns one pipeline.
func (s *Service) Pipeline(ctx context.Context, a auth.Actor, id int64) (Pipeline, error) {
	ps, err := s.Pipelines(ctx, a)
	if err != nil {
		return Pipeline{}, err
	}
	for _, p := range ps {
		if p.ID == id {
			return p, nil
		}
	}
	return Pipeline{}, fault.New(fault.NotFound, "Pipeline %d was not found.", id)
}

// Input is a new opportunity or the fields to change; nil leaves a field.
type Input struct {
	PipelineID    *int64
	StageID       *int64
	CustomerID    *int64
	Name          *string
	Amount        *int64
	Currency      *string
	ExpectedClose *string
	OwnerID       *int64
	NextStep      *string
	LostReason    *string
}

func (in Input) apply(o Opportunity) Opportunity {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	if in.PipelineID != nil {
		o.PipelineID = *in.PipelineID
	}
	if in.StageID != nil {
		o.StageID = *in.StageID
	}
	if in.CustomerID != nil {
		o.CustomerID = *in.CustomerID
	}
	if in.Amount != nil {
		o.Amount = *in.Amount
	}
	if in.OwnerID != nil {
		o.OwnerID = *in.OwnerID
	}
	set(&o.Name, in.Name)
	set(&o.Currency, in.Currency)
	set(&o.ExpectedClose, in.ExpectedClose)
	set(&o.NextStep, in.NextStep)
	set(&o.LostReason, in.LostReason)
	o.Currency = strings.ToUpper(o.Currency)
	return o
}

func (s *Service) validate(ctx context.Context, a auth.Actor, o *Opportunity) (Pipeline, error) {
	var f fault.Fields
	if o.Name == "" || len(o.Name) > 200 {
		f.Add("name", "must be 1 to 200 characters")
	}
	if o.Amount < 0 || o.Amount > 1e15 {
		f.Add("amount", "must be between 0 and 10 trillion")
	}
	if len(o.Currency) != 3 || strings.ToUpper(o.Currency) != o.Currency || strings.Trim(o.Currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		f.Add("currency", "must be a three-letter ISO 4217 code such as EUR")
	}
	if o.ExpectedClose != "" {
		if _, err := time.Parse("2006-01-02", o.ExpectedClose); err != nil {
			f.Add("expected_close", "must be a date as YYYY-MM-DD")
		}
	}
	if len(o.NextStep) > 500 {
		f.Add("next_step", "must be at most 500 characters")
	}
	if len(o.LostReason) > 500 {
		f.Add("lost_reason", "must be at most 500 characters")
	}
	ps, err := s.store.Pipelines(ctx)
	if err != nil {
		return Pipeline{}, err
	}
	var p Pipeline
	found := false
	for _, x := range ps {
		if x.ID == o.PipelineID {
			p, found = x, true
		}
	}
	if !found {
		f.Add("pipeline_id", "is not a pipeline")
	} else if o.StageID == 0 && len(p.Stages) > 0 {
		o.StageID = p.Stages[0].ID
	} else if _, ok := p.Stage(o.StageID); !ok {
		f.Add("stage_id", "is not a stage of pipeline %d", o.PipelineID)
	}
	if o.CustomerID != 0 {
		name, err := s.customerName(ctx, a, o.CustomerID)
		if err != nil {
			f.Add("customer_id", "is not a customer you can see")
		}
		o.CustomerName = name
	}
	return p, f.Err()
}

// CreateOpportunity adds a deal; its owner is the creator unless the
// actor may assign and names another.
func (s *Service) CreateOpportunity(ctx context.Context, a auth.Actor, in Input) (Opportunity, error) {
	if err := a.Require(auth.SalesWrite); err != nil {
		return Opportunity{}, err
	}
	o := in.apply(Opportunity{OwnerID: a.UserID, TeamID: a.TeamID, CreatedBy: a.UserID, Currency: "EUR"})
	if o.PipelineID == 0 {
		o.PipelineID = 1
		if ps, err := s.store.Pipelines(ctx); err == nil && len(ps) > 0 {
			o.PipelineID = ps[0].ID
		}
	}
	if o.OwnerID != a.UserID && !a.Can(auth.CustomerAssign) {
		return Opportunity{}, &fault.Error{Code: fault.Forbidden, Message: "Your role may not assign deals to others.",
			Fields: []fault.FieldError{{Field: "owner_id", Message: "must be you"}}}
	}
	p, err := s.validate(ctx, a, &o)
	if err != nil {
		return Opportunity{}, err
	}
	now := s.at()
	o.CreatedAt, o.UpdatedAt, o.StageEnteredAt = now, now, now
	if st, _ := p.Stage(o.StageID); st.Kind != StageOpen {
		o.ClosedAt = now
	}
	e := a.Audit("create", "opportunity", 0, now)
	e.CustomerID = o.CustomerID
	e.Changes = []audit.Change{{Field: "name", New: o.Name}, {Field: "stage", New: stageName(p, o.StageID)},
		{Field: "amount", New: money(o.Amount, o.Currency)}}
	id, err := s.store.CreateOpportunity(ctx, o, e)
	if err != nil {
		return Opportunity{}, err
	}
	o.ID = id
	s.publish(o.PipelineID)
	return s.store.FindOpportunity(ctx, id)
}

func (s *Service) publish(pipelineID int64) {
	if s.changes != nil {
		s.changes.Publish(pipelineID)
	}
}

func stageName(p Pipeline, id int64) string {
	if st, ok := p.Stage(id); ok {
		return st.Name
	}
	return fmt.Sprint(id)
}

func money(amount int64, currency string) string {
	return fmt.Sprintf("%d.%02d %s", amount/100, amount%100, currency)
}

// Opportunity returns a deal the actor may see.
func (s *Service) Opportunity(ctx context.Context, a auth.Actor, id int64) (Opportunity, error) {
	if err := a.Require(auth.SalesRead); err != nil {
		return Opportunity{}, err
	}
	o, err := s.store.FindOpportunity(ctx, id)
	if err != nil || !a.Sees(o.OwnerID, o.TeamID) {
		return Opportunity{}, fault.New(fault.NotFound, "Opportunity %d was not found.", id)
	}
	return o, nil
}

// UpdateOpportunity changes a deal. A new stage_id moves it: the move is
// saved at once with the time spent in the stage it leaves; two moves of
// the same card at once both land in the history and the later one wins.
func (s *Service) UpdateOpportunity(ctx context.Context, a auth.Actor, id int64, in Input) (Opportunity, error) {
	if err := a.Require(auth.SalesWrite); err != nil {
		return Opportunity{}, err
	}
	if in.OwnerID != nil && !a.Can(auth.CustomerAssign) {
		return Opportunity{}, &fault.Error{Code: fault.Forbidden, Message: "Your role may not reassign deals.",
			Fields: []fault.FieldError{{Field: "owner_id", Message: "your role may not change it"}}}
	}
	now := s.at()
	won := false // the move reached a won stage
	o, err := s.store.UpdateOpportunity(ctx, id, func(cur Opportunity) (Opportunity, audit.Entry, error) {
		won = false
		if !a.Sees(cur.OwnerID, cur.TeamID) {
			return cur, audit.Entry{}, fault.New(fault.NotFound, "Opportunity %d was not found.", id)
		}
		if in.PipelineID != nil && *in.PipelineID != cur.PipelineID && in.StageID == nil {
			in.StageID = new(int64) // first stage of the new pipeline
		}
		next := in.apply(cur)
		p, err := s.validate(ctx, a, &next)
		if err != nil {
			return cur, audit.Entry{}, err
		}
		next.UpdatedAt = now
		e := a.Audit("update", "opportunity", id, now)
		e.CustomerID = next.CustomerID
		ch := audit.Diff(nil, "name", cur.Name, next.Name)
		ch = audit.Diff(ch, "amount", money(cur.Amount, cur.Currency), money(next.Amount, next.Currency))
		ch = audit.Diff(ch, "expected_close", cur.ExpectedClose, next.ExpectedClose)
		ch = audit.Diff(ch, "next_step", cur.NextStep, next.NextStep)
		ch = audit.Diff(ch, "lost_reason", cur.LostReason, next.LostReason)
		ch = audit.Diff(ch, "owner_id", fmt.Sprint(cur.OwnerID), fmt.Sprint(next.OwnerID))
		ch = audit.Diff(ch, "customer_id", fmt.Sprint(cur.CustomerID), fmt.Sprint(next.CustomerID))
		if next.StageID != cur.StageID || next.PipelineID != cur.PipelineID {
			old, _ := s.store.Pipelines(ctx)
			from := ""
			for _, op := range old {
				if op.ID == cur.PipelineID {
					from = stageName(op, cur.StageID)
				}
			}
			ch = append(ch, audit.Change{Field: "stage", Old: from, New: stageName(p, next.StageID)})
			next.StageEnteredAt = now
			if st, _ := p.Stage(next.StageID); st.Kind == StageOpen {
				next.ClosedAt = time.Time{}
			} else if next.ClosedAt.IsZero() {
				next.ClosedAt = now
			}
			st, _ := p.Stage(next.StageID)
			won = st.Kind == StageWon
		}
		e.Changes = ch
		return next, e, nil
	})
	if err != nil {
		return Opportunity{}, err
	}
	s.publish(o.PipelineID)
	if won && s.Publish != nil {
		s.Publish(ctx, "opportunity.won", map[string]any{"id": o.ID, "name": o.Name, "customer_id": o.CustomerID,
			"owner_id": o.OwnerID, "amount": float64(o.Amount) / 100, "currency": o.Currency, "closed_at": o.ClosedAt})
	}
	return o, nil
}

// History returns the stage moves of a deal, oldest first.
func (s *Service) History(ctx context.Context, a auth.Actor, id int64) ([]Move, error) {
	if _, err := s.Opportunity(ctx, a, id); err != nil {
		return nil, err
	}
	return s.store.OpportunityHistory(ctx, id)
}

// List returns deals the actor may see.
func (s *Service) List(ctx context.Context, a auth.Actor, f Filter) ([]Opportunity, error) {
	if err := a.Require(auth.SalesRead); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	return s.store.ListOpportunities(ctx, f, visibilityOf(a))
}

// Column is a stage of the board with its cards and totals.
type Column struct {
	Stage    Stage
	Cards    []Opportunity
	Total    int64 // sum of amounts (one currency assumed per board; see Currencies)
	Weighted int64 // Total × the stage's probability
}

// Board is a pipeline's kanban: a column per stage.
type Board struct {
	Pipeline   Pipeline
	Columns    []Column
	Currencies []string
	Version    time.Time // the latest change shown
}

// closedShown is how long won and lost deals stay on the board.
const closedShown = 30 * 24 * time.Hour

// Board returns the kanban of a pipeline as the actor may see it.
func (s *Service) Board(ctx context.Context, a auth.Actor, pipelineID int64) (Board, error) {
	p, err := s.Pipeline(ctx, a, pipelineID)
	if err != nil {
		return Board{}, err
	}
	opps, err := s.store.BoardOpportunities(ctx, pipelineID, s.at().Add(-closedShown), visibilityOf(a))
	if err != nil {
		return Board{}, err
	}
	b := Board{Pipeline: p}
	idx := map[int64]int{}
	for i, st := range p.Stages {
		idx[st.ID] = i
		b.Columns = append(b.Columns, Column{Stage: st})
	}
	currencies := map[string]bool{}
	for _, o := range opps {
		i, ok := idx[o.StageID]
		if !ok {
			continue
		}
		c := &b.Columns[i]
		c.Cards = append(c.Cards, o)
		c.Total += o.Amount
		c.Weighted += o.Amount * int64(c.Stage.Probability) / 100
		if !currencies[o.Currency] {
			currencies[o.Currency] = true
			b.Currencies = append(b.Currencies, o.Currency)
		}
		if o.UpdatedAt.After(b.Version) {
			b.Version = o.UpdatedAt
		}
	}
	return b, nil
}

// Changed returns the pipeline's deals changed after since, as the actor
// may see them (for live boards).
func (s *Service) Changed(ctx context.Context, a auth.Actor, pipelineID int64, since time.Time) ([]Opportunity, error) {
	if err := a.Require(auth.SalesRead); err != nil {
		return nil, err
	}
	return s.store.ChangedOpportunities(ctx, pipelineID, since, visibilityOf(a))
}

// PipelineInput is a new pipeline with its stages in order.
type PipelineInput struct {
	Name   string
	Stages []Stage // Name, Probability, Kind
}

// PipelineStore creates pipelines.
type PipelineStore interface {
	CreatePipeline(ctx context.Context, p Pipeline, e audit.Entry) (int64, error)
}

// CreatePipeline adds a pipeline (managers and administrators). It needs
// at least one open stage, one won and one lost.
func (s *Service) CreatePipeline(ctx context.Context, a auth.Actor, in PipelineInput) (Pipeline, error) {
	if err := a.Require(auth.SalesAdmin); err != nil {
		return Pipeline{}, err
	}
	ps, ok := s.store.(PipelineStore)
	if !ok {
		return Pipeline{}, fmt.Errorf("sales: this store cannot create pipelines")
	}
	var f fault.Fields
	p := Pipeline{Name: strings.TrimSpace(in.Name)}
	if p.Name == "" || len(p.Name) > 100 {
		f.Add("name", "must be 1 to 100 characters")
	}
	kinds := map[string]int{}
	names := map[string]bool{}
	for i, st := range in.Stages {
		st.Name = strings.TrimSpace(st.Name)
		if st.Name == "" || len(st.Name) > 100 || names[strings.ToLower(st.Name)] {
			f.Add(fmt.Sprintf("stages[%d].name", i), "must be 1 to 100 characters and differ from the others")
		}
		names[strings.ToLower(st.Name)] = true
		if st.Kind == "" {
			st.Kind = StageOpen
		}
		if st.Kind != StageOpen && st.Kind != StageWon && st.Kind != StageLost {
			f.Add(fmt.Sprintf("stages[%d].kind", i), "must be open, won or lost")
		}
		if st.Kind == StageWon && st.Probability == 0 {
			st.Probability = 100
		}
		if st.Probability < 0 || st.Probability > 100 {
			f.Add(fmt.Sprintf("stages[%d].probability", i), "must be between 0 and 100")
		}
		kinds[st.Kind]++
		st.Position = i
		p.Stages = append(p.Stages, st)
	}
	if kinds[StageOpen] == 0 || kinds[StageWon] == 0 || kinds[StageLost] == 0 || len(in.Stages) > 20 {
		f.Add("stages", "give 3 to 20 stages with at least one open, one won and one lost")
	}
	if err := f.Err(); err != nil {
		return Pipeline{}, err
	}
	e := a.Audit("create", "pipeline", 0, s.at())
	e.Changes = []audit.Change{{Field: "name", New: p.Name}, {Field: "stages", New: fmt.Sprint(len(p.Stages))}}
	id, err := ps.CreatePipeline(ctx, p, e)
	if fault.Is(err, fault.Conflict) {
		return Pipeline{}, &fault.Error{Code: fault.Conflict, Message: "A pipeline with this name exists.",
			Fields: []fault.FieldError{{Field: "name", Message: "is already used"}}}
	}
	if err != nil {
		return Pipeline{}, err
	}
	return s.Pipeline(ctx, a, id)
}

// DeleteStore removes deals.
type DeleteStore interface {
	DeleteOpportunity(ctx context.Context, id int64, at time.Time, e audit.Entry) error
}

// DeleteOpportunity takes a deal off the board and the lists (it stays in
// the database, with its history, for reports and the audit log).
func (s *Service) DeleteOpportunity(ctx context.Context, a auth.Actor, id int64) error {
	if err := a.Require(auth.SalesWrite); err != nil {
		return err
	}
	o, err := s.Opportunity(ctx, a, id)
	if err != nil {
		return err
	}
	ds, ok := s.store.(DeleteStore)
	if !ok {
		return fmt.Errorf("sales: this store cannot delete deals")
	}
	now := s.at()
	e := a.Audit("delete", "opportunity", id, now)
	e.CustomerID = o.CustomerID
	e.Changes = []audit.Change{{Field: "name", Old: o.Name}}
	if err := ds.DeleteOpportunity(ctx, id, now, e); err != nil {
		return err
	}
	s.publish(o.PipelineID)
	return nil
}
