package support

import (
	"context"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// Assignment strategies of a queue.
const (
	RoundRobin  = "round_robin"
	LeastLoaded = "least_loaded"
	BySkill     = "skill"
)

// Agent statuses.
const (
	AgentAvailable = "available"
	AgentAway      = "away"
)

// Queue is where cases wait for agents: its members, how it hands cases to
// them, the address whose mail lands in it, the categories routed to it.
type Queue struct {
	ID         int64
	Name       string
	Email      string // inbound address routed here, e.g. support@example.com
	Strategy   string
	TeamID     int64
	ManagerID  int64 // told when a case of the queue breaches its SLA
	Categories []string
	Members    []Member
	CreatedAt  time.Time
}

// Member is an agent of a queue.
type Member struct {
	UserID         int64
	Name           string
	Skills         []string
	Capacity       int    // open cases at most; 0 means no limit
	Status         string // the agent's status (available, away)
	Open           int    // the agent's open cases in the queue
	LastAssignedAt time.Time
}

// QueueStore keeps queues and agents.
type QueueStore interface {
	CreateQueue(ctx context.Context, q Queue, e audit.Entry) (int64, error)
	UpdateQueue(ctx context.Context, q Queue, e audit.Entry) error
	Queues(ctx context.Context) ([]Queue, error)
	FindQueue(ctx context.Context, id int64) (Queue, error)
	QueueByEmail(ctx context.Context, address string) (int64, error)
	QueueForCategory(ctx context.Context, category string) (int64, error)
	// QueueLoad returns the queue's members with their status, open cases
	// and when each was last given a case.
	QueueLoad(ctx context.Context, queueID int64) ([]Member, error)
	MarkAssigned(ctx context.Context, queueID, userID int64, at time.Time) error
	SetAgentStatus(ctx context.Context, userID int64, status string, at time.Time) error
	AgentStatus(ctx context.Context, userID int64) (string, error)
}

// QueueInput is a new queue or its new settings.
type QueueInput struct {
	Name       string
	Email      string
	Strategy   string
	TeamID     int64
	ManagerID  int64
	Categories []string
	Members    []Member
}

func (in QueueInput) queue() (Queue, error) {
	var f fault.Fields
	q := Queue{Name: strings.TrimSpace(in.Name), Email: strings.ToLower(strings.TrimSpace(in.Email)),
		Strategy: in.Strategy, TeamID: in.TeamID, ManagerID: in.ManagerID, Members: in.Members}
	if q.Name == "" || len(q.Name) > 100 {
		f.Add("name", "must be 1 to 100 characters")
	}
	if q.Email != "" {
		if a, err := mail.ParseAddress(q.Email); err != nil || a.Address != q.Email {
			f.Add("email", "must be a plain email address like support@example.com")
		}
	}
	if q.Strategy == "" {
		q.Strategy = RoundRobin
	}
	if !slices.Contains([]string{RoundRobin, LeastLoaded, BySkill}, q.Strategy) {
		f.Add("strategy", "must be round_robin, least_loaded or skill")
	}
	for _, c := range in.Categories {
		if c = strings.TrimSpace(c); c != "" && !slices.Contains(q.Categories, c) {
			q.Categories = append(q.Categories, c)
		}
	}
	seen := map[int64]bool{}
	for i, m := range q.Members {
		if m.UserID <= 0 || seen[m.UserID] {
			f.Add("members", "member %d: give each agent's user id once", i+1)
		}
		if m.Capacity < 0 {
			f.Add("members", "member %d: capacity cannot be negative", i+1)
		}
		seen[m.UserID] = true
		for j, s := range m.Skills {
			q.Members[i].Skills[j] = strings.ToLower(strings.TrimSpace(s))
		}
	}
	return q, f.Err()
}

// CreateQueue sets up a queue.
func (s *Service) CreateQueue(ctx context.Context, a auth.Actor, in QueueInput) (Queue, error) {
	if err := a.Require(auth.ServiceAdmin); err != nil {
		return Queue{}, err
	}
	q, err := in.queue()
	if err != nil {
		return Queue{}, err
	}
	q.CreatedAt = s.at()
	e := a.Audit("create", "queue", 0, q.CreatedAt)
	e.Changes = []audit.Change{{Field: "name", New: q.Name}, {Field: "strategy", New: q.Strategy}}
	id, err := s.store.CreateQueue(ctx, q, e)
	if err != nil {
		return Queue{}, err
	}
	return s.store.FindQueue(ctx, id)
}

// UpdateQueue changes a queue's settings and members.
func (s *Service) UpdateQueue(ctx context.Context, a auth.Actor, id int64, in QueueInput) (Queue, error) {
	if err := a.Require(auth.ServiceAdmin); err != nil {
		return Queue{}, err
	}
	cur, err := s.store.FindQueue(ctx, id)
	if err != nil {
		return Queue{}, err
	}
	q, err := in.queue()
	if err != nil {
		return Queue{}, err
	}
	q.ID, q.CreatedAt = id, cur.CreatedAt
	e := a.Audit("update", "queue", id, s.at())
	e.Changes = []audit.Change{{Field: "name", Old: cur.Name, New: q.Name}, {Field: "strategy", Old: cur.Strategy, New: q.Strategy}}
	if err := s.store.UpdateQueue(ctx, q, e); err != nil {
		return Queue{}, err
	}
	return s.store.FindQueue(ctx, id)
}

// Queues lists the queues with their members' load.
func (s *Service) Queues(ctx context.Context, a auth.Actor) ([]Queue, error) {
	if err := a.Require(auth.CaseRead); err != nil {
		return nil, err
	}
	qs, err := s.store.Queues(ctx)
	if err != nil {
		return nil, err
	}
	for i := range qs {
		if qs[i].Members, err = s.store.QueueLoad(ctx, qs[i].ID); err != nil {
			return nil, err
		}
	}
	return qs, nil
}

// SetAgentStatus sets whether the actor takes new cases (available) or not (away).
func (s *Service) SetAgentStatus(ctx context.Context, a auth.Actor, status string) error {
	if err := a.Require(auth.CaseWrite); err != nil {
		return err
	}
	if status != AgentAvailable && status != AgentAway {
		return fault.Field("status", "must be available or away")
	}
	if a.UserID == 0 {
		return fault.New(fault.Forbidden, "Only users have an agent status.")
	}
	return s.store.SetAgentStatus(ctx, a.UserID, status, s.at())
}

// AgentStatus returns the actor's agent status.
func (s *Service) AgentStatus(ctx context.Context, a auth.Actor) string {
	st, err := s.store.AgentStatus(ctx, a.UserID)
	if err != nil || st == "" {
		return AgentAvailable
	}
	return st
}

// pickAgent chooses the member of the queue who gets the case and records
// their turn. It must not run inside a case transaction (chooseAgent can).
func (s *Service) pickAgent(ctx context.Context, queueID int64, c Case) (int64, error) {
	id, err := s.chooseAgent(ctx, queueID, c)
	if err != nil || id == 0 {
		return id, err
	}
	return id, s.store.MarkAssigned(ctx, queueID, id, s.at())
}

// chooseAgent chooses the member of the queue who gets the case: among those
// available and under capacity, the next in turn (round robin), the one
// with the fewest open cases (least loaded), or the least loaded of those
// with a skill matching the case's category, type or product (skill). It
// returns 0, leaving the case in the queue, when nobody can take it.
func (s *Service) chooseAgent(ctx context.Context, queueID int64, c Case) (int64, error) {
	q, err := s.store.FindQueue(ctx, queueID)
	if err != nil {
		if fault.Is(err, fault.NotFound) {
			return 0, fault.Field("queue_id", "queue %d does not exist", queueID)
		}
		return 0, err
	}
	members, err := s.store.QueueLoad(ctx, queueID)
	if err != nil {
		return 0, err
	}
	var eligible []Member
	for _, m := range members {
		if m.Status != AgentAway && (m.Capacity == 0 || m.Open < m.Capacity) {
			eligible = append(eligible, m)
		}
	}
	if len(eligible) == 0 {
		return 0, nil
	}
	if q.Strategy == BySkill {
		want := []string{strings.ToLower(c.Category), strings.ToLower(c.Type), strings.ToLower(c.ProductSKU)}
		var skilled []Member
		for _, m := range eligible {
			if slices.ContainsFunc(m.Skills, func(sk string) bool { return sk != "" && slices.Contains(want, sk) }) {
				skilled = append(skilled, m)
			}
		}
		if len(skilled) > 0 {
			eligible = skilled
		}
	}
	byTurn := func(a, b Member) int {
		if c := a.LastAssignedAt.Compare(b.LastAssignedAt); c != 0 {
			return c
		}
		return int(a.UserID - b.UserID)
	}
	slices.SortFunc(eligible, func(a, b Member) int {
		if q.Strategy != RoundRobin && a.Open != b.Open {
			return a.Open - b.Open
		}
		return byTurn(a, b)
	})
	return eligible[0].UserID, nil
}
