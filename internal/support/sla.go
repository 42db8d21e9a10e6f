package support

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// SLA metrics.
const (
	FirstResponse = "first_response"
	NextResponse  = "next_response"
	Resolution    = "resolution"
)

// Escalation actions.
const (
	ActNotify        = "notify"
	ActNotifyManager = "notify_manager"
	ActReassign      = "reassign"
	ActRaisePriority = "raise_priority"
)

// Policy is a service level: the targets for cases of a type, priority and
// customer tier, counted in business time of a calendar, and what to do as
// a target approaches and passes.
type Policy struct {
	ID            int64
	Name          string
	Position      int    // policies are tried in order; the first that matches applies
	Type          string // "" matches any
	Priority      string // "" matches any
	Tier          string // a customer tag ("vip"), loyalty tier ("gold") or tier benefit ("priority_service"); "" matches any
	FirstResponse time.Duration
	NextResponse  time.Duration
	Resolution    time.Duration
	CalendarID    int64 // 0: around the clock
	Escalations   []Escalation
	CreatedAt     time.Time
}

// Escalation is a rule of a policy: when OffsetMinutes from a metric's due
// time is reached (negative: before the breach), take the action.
type Escalation struct {
	Metric        string `json:"metric"`
	OffsetMinutes int    `json:"offset_minutes"`
	Action        string `json:"action"`
	UserID        int64  `json:"user_id,omitempty"`  // notify: this user rather than the assignee
	QueueID       int64  `json:"queue_id,omitempty"` // reassign: to this queue
}

// Breach is a missed target, kept for reporting.
type Breach struct {
	CaseID     int64
	Metric     string
	DueAt      time.Time
	BreachedAt time.Time
}

// SLAStore keeps calendars, policies and what escalation did.
type SLAStore interface {
	CreateCalendar(ctx context.Context, c Calendar, e audit.Entry) (int64, error)
	Calendars(ctx context.Context) ([]Calendar, error)
	CreatePolicy(ctx context.Context, p Policy, e audit.Entry) (int64, error)
	Policies(ctx context.Context) ([]Policy, error)
	// RecordSLAFiring notes that escalation rule rule fired for the due
	// time; false when it had fired already.
	RecordSLAFiring(ctx context.Context, caseID int64, rule int, metric string, due, at time.Time) (bool, error)
	RecordBreach(ctx context.Context, b Breach) (bool, error)
	Breaches(ctx context.Context, caseID int64) ([]Breach, error)
	SetSLANextCheck(ctx context.Context, caseID int64, at time.Time) error
	CasesToCheck(ctx context.Context, now time.Time, limit int) ([]int64, error)
}

// CalendarInput is a new business-hours calendar: hours per weekday as
// "09:00-17:00" spans, e.g. {"monday": ["09:00-12:30", "13:30-17:00"]}.
type CalendarInput struct {
	Name     string
	TimeZone string
	Hours    map[string][]string
	Holidays []string
}

// CreateCalendar sets up business hours.
func (s *Service) CreateCalendar(ctx context.Context, a auth.Actor, in CalendarInput) (Calendar, error) {
	if err := a.Require(auth.ServiceAdmin); err != nil {
		return Calendar{}, err
	}
	c := Calendar{Name: strings.TrimSpace(in.Name), TimeZone: in.TimeZone, Holidays: in.Holidays}
	for day, spans := range in.Hours {
		wd := -1
		for d := time.Sunday; d <= time.Saturday; d++ {
			if strings.EqualFold(d.String(), day) || strings.EqualFold(d.String()[:3], day) {
				wd = int(d)
			}
		}
		if wd < 0 {
			return Calendar{}, fault.Field("hours", "%q is not a weekday", day)
		}
		for _, t := range spans {
			sp, err := ParseSpan(t)
			if err != nil {
				return Calendar{}, fault.Field("hours", "%s: %v", day, err)
			}
			c.Hours[wd] = append(c.Hours[wd], sp)
		}
	}
	if err := c.Validate(); err != nil {
		field, msg, _ := strings.Cut(err.Error(), ": ")
		return Calendar{}, fault.Field(field, "%s", msg)
	}
	id, err := s.store.CreateCalendar(ctx, c, a.Audit("create", "business_calendar", 0, s.at()))
	c.ID = id
	s.slaCache.forget()
	return c, err
}

// Calendars lists the business-hours calendars.
func (s *Service) Calendars(ctx context.Context, a auth.Actor) ([]Calendar, error) {
	if err := a.Require(auth.CaseRead); err != nil {
		return nil, err
	}
	return s.store.Calendars(ctx)
}

// CreatePolicy sets up an SLA policy.
func (s *Service) CreatePolicy(ctx context.Context, a auth.Actor, p Policy) (Policy, error) {
	if err := a.Require(auth.ServiceAdmin); err != nil {
		return Policy{}, err
	}
	var f fault.Fields
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" {
		f.Add("name", "must not be empty")
	}
	if p.Type != "" && !slices.Contains(s.CaseTypes(ctx), p.Type) {
		f.Add("type", "must be empty (any) or one of %s", strings.Join(s.CaseTypes(ctx), ", "))
	}
	if p.Priority != "" && !slices.Contains(Priorities, p.Priority) {
		f.Add("priority", "must be empty (any) or one of %s", strings.Join(Priorities, ", "))
	}
	if p.FirstResponse < 0 || p.NextResponse < 0 || p.Resolution < 0 {
		f.Add("targets", "cannot be negative")
	}
	if p.FirstResponse == 0 && p.NextResponse == 0 && p.Resolution == 0 {
		f.Add("targets", "give at least one of first response, next response and resolution")
	}
	if p.CalendarID != 0 {
		cals, err := s.store.Calendars(ctx)
		if err != nil {
			return Policy{}, err
		}
		if !slices.ContainsFunc(cals, func(c Calendar) bool { return c.ID == p.CalendarID }) {
			f.Add("calendar_id", "calendar %d does not exist", p.CalendarID)
		}
	}
	for i, e := range p.Escalations {
		if !slices.Contains([]string{FirstResponse, NextResponse, Resolution}, e.Metric) {
			f.Add("escalations", "rule %d: metric must be first_response, next_response or resolution", i+1)
		}
		if !slices.Contains([]string{ActNotify, ActNotifyManager, ActReassign, ActRaisePriority}, e.Action) {
			f.Add("escalations", "rule %d: action must be notify, notify_manager, reassign or raise_priority", i+1)
		}
		if e.Action == ActReassign && e.QueueID == 0 && e.UserID == 0 {
			f.Add("escalations", "rule %d: reassign needs a queue_id or a user_id", i+1)
		}
	}
	if err := f.Err(); err != nil {
		return Policy{}, err
	}
	p.CreatedAt = s.at()
	id, err := s.store.CreatePolicy(ctx, p, a.Audit("create", "sla_policy", 0, p.CreatedAt))
	p.ID = id
	s.slaCache.forget()
	return p, err
}

// Policies lists the SLA policies in the order they are tried.
func (s *Service) Policies(ctx context.Context, a auth.Actor) ([]Policy, error) {
	if err := a.Require(auth.CaseRead); err != nil {
		return nil, err
	}
	return s.store.Policies(ctx)
}

// policyFor finds the first policy matching the case, and its calendar.
func (s *Service) policyFor(ctx context.Context, c Case) (Policy, Calendar, bool, error) {
	ps, _, err := s.slaConfig(ctx)
	if err != nil || len(ps) == 0 {
		return Policy{}, Calendar{}, false, err
	}
	var tags []string
	if slices.ContainsFunc(ps, func(p Policy) bool { return p.Tier != "" }) {
		if cu, err := s.customers.FindCustomer(ctx, auth.System("sla"), c.CustomerID); err == nil {
			tags = cu.Tags
		}
		if s.Tiers != nil {
			tags = append(slices.Clone(tags), s.Tiers(ctx, c.CustomerID)...)
		}
	}
	for _, p := range ps {
		if (p.Type == "" || p.Type == c.Type) && (p.Priority == "" || p.Priority == c.Priority) &&
			(p.Tier == "" || slices.Contains(tags, p.Tier)) {
			cal, err := s.calendar(ctx, p.CalendarID)
			return p, cal, true, err
		}
	}
	return Policy{}, Calendar{}, false, nil
}

func (s *Service) calendar(ctx context.Context, id int64) (Calendar, error) {
	if id == 0 {
		return AlwaysOpen, nil
	}
	_, cals, err := s.slaConfig(ctx)
	if err != nil {
		return Calendar{}, err
	}
	for _, c := range cals {
		if c.ID == id {
			return c, nil
		}
	}
	return AlwaysOpen, nil
}

// applyPolicy sets a new case's SLA due times; it returns the calendar
// they are counted in.
func (s *Service) applyPolicy(ctx context.Context, c *Case) (Calendar, error) {
	p, cal, ok, err := s.policyFor(ctx, *c)
	if err != nil || !ok {
		return cal, err
	}
	c.PolicyID = p.ID
	if p.FirstResponse > 0 && c.FirstRespondedAt.IsZero() {
		c.FirstResponseDue = cal.Add(c.CreatedAt, p.FirstResponse)
	}
	if p.Resolution > 0 {
		c.ResolutionDue = cal.Add(c.CreatedAt, p.Resolution)
	}
	return cal, nil
}

// reapplyPolicy recomputes the targets when the type or priority changes:
// the new policy's targets, counted from when the case was opened.
func (s *Service) reapplyPolicy(ctx context.Context, cur Case, c *Case) error {
	c.PolicyID, c.FirstResponseDue, c.ResolutionDue = 0, time.Time{}, time.Time{}
	cal, err := s.applyPolicy(ctx, c)
	if err != nil {
		return err
	}
	// Time the case spent waiting on the customer still does not count.
	if cur.PolicyID != 0 && !cur.ResolutionDue.IsZero() && !c.ResolutionDue.IsZero() {
		if old, _, ok, _ := s.policyByID(ctx, cur.PolicyID); ok {
			paused := cal.Between(cal.Add(cur.CreatedAt, old.Resolution), cur.ResolutionDue)
			c.ResolutionDue = cal.Add(c.ResolutionDue, paused)
		}
	}
	return nil
}

func (s *Service) policyByID(ctx context.Context, id int64) (Policy, Calendar, bool, error) {
	ps, _, err := s.slaConfig(ctx)
	if err != nil {
		return Policy{}, Calendar{}, false, err
	}
	for _, p := range ps {
		if p.ID == id {
			cal, err := s.calendar(ctx, p.CalendarID)
			return p, cal, true, err
		}
	}
	return Policy{}, Calendar{}, false, nil
}

// resume restarts the SLA clock of a case that waited on the customer: each
// target not yet met moves later by the business time spent waiting.
func (s *Service) resume(ctx context.Context, c *Case, now time.Time) error {
	if c.PausedAt.IsZero() {
		return nil
	}
	_, cal, ok, err := s.policyByID(ctx, c.PolicyID)
	if err != nil {
		return err
	}
	if ok {
		waited := cal.Between(c.PausedAt, now)
		if !c.FirstResponseDue.IsZero() && c.FirstRespondedAt.IsZero() {
			c.FirstResponseDue = cal.Add(c.FirstResponseDue, waited)
		}
		if !c.ResolutionDue.IsZero() {
			c.ResolutionDue = cal.Add(c.ResolutionDue, waited)
		}
	}
	c.PausedAt = time.Time{}
	return nil
}

// customerWrote restarts the next-response target after a customer's message.
func (s *Service) customerWrote(ctx context.Context, c *Case, now time.Time) {
	c.LastCustomerAt = now
	if c.FirstRespondedAt.IsZero() {
		return
	}
	if p, cal, ok, err := s.policyByID(ctx, c.PolicyID); err == nil && ok && p.NextResponse > 0 {
		c.NextResponseDue = cal.Add(now, p.NextResponse)
	}
}

// Timer is one SLA target of a case as an agent sees it.
type Timer struct {
	Metric   string
	Due      time.Time
	Met      time.Time // when it was met; zero if not (yet)
	Paused   bool
	Breached bool
	Left     time.Duration // business time left (negative: overdue, wall time)
}

// Timers returns the case's SLA targets as of now.
func (s *Service) Timers(ctx context.Context, c Case) []Timer {
	_, cal, ok, err := s.policyByID(ctx, c.PolicyID)
	if err != nil || !ok {
		return nil
	}
	now := s.at()
	var out []Timer
	add := func(metric string, due, met time.Time) {
		if due.IsZero() {
			return
		}
		t := Timer{Metric: metric, Due: due, Met: met, Paused: c.Status == StatusPending}
		ref := now
		if !met.IsZero() {
			ref = met
		} else if t.Paused {
			ref = c.PausedAt
		}
		t.Breached = ref.After(due)
		if t.Breached {
			t.Left = -ref.Sub(due)
		} else {
			t.Left = cal.Between(ref, due)
		}
		out = append(out, t)
	}
	add(FirstResponse, c.FirstResponseDue, c.FirstRespondedAt)
	if c.Active() {
		add(NextResponse, c.NextResponseDue, time.Time{})
	}
	add(Resolution, c.ResolutionDue, c.ResolvedAt)
	return out
}

// Breaches returns a case's missed targets.
func (s *Service) Breaches(ctx context.Context, a auth.Actor, caseID int64) ([]Breach, error) {
	if _, err := s.FindCase(ctx, a, caseID); err != nil {
		return nil, err
	}
	return s.store.Breaches(ctx, caseID)
}

type dueMetric struct {
	metric string
	due    time.Time
}

func openDues(c Case) []dueMetric {
	var out []dueMetric
	if !c.FirstResponseDue.IsZero() && c.FirstRespondedAt.IsZero() {
		out = append(out, dueMetric{FirstResponse, c.FirstResponseDue})
	}
	if !c.NextResponseDue.IsZero() {
		out = append(out, dueMetric{NextResponse, c.NextResponseDue})
	}
	if !c.ResolutionDue.IsZero() && c.ResolvedAt.IsZero() {
		out = append(out, dueMetric{Resolution, c.ResolutionDue})
	}
	return out
}

// scheduleSLA plans the case's next escalation check.
func (s *Service) scheduleSLA(ctx context.Context, c Case) {
	next := s.nextCheck(ctx, c)
	_ = s.store.SetSLANextCheck(ctx, c.ID, next)
	if !next.IsZero() && s.jobs != nil {
		_ = s.jobs.ScheduleSLACheck(ctx, c.ID, next)
	}
}

// nextCheck is the next moment something must happen to the case: a rule
// fires or a target is breached. Zero when nothing is ahead.
func (s *Service) nextCheck(ctx context.Context, c Case) time.Time {
	if !c.Active() || c.Status == StatusPending || c.PolicyID == 0 {
		return time.Time{}
	}
	p, _, ok, err := s.policyByID(ctx, c.PolicyID)
	if err != nil || !ok {
		return time.Time{}
	}
	now := s.at()
	var next time.Time
	consider := func(t time.Time) {
		if t.After(now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	for _, d := range openDues(c) {
		consider(d.due)
		for _, r := range p.Escalations {
			if r.Metric == d.metric {
				consider(d.due.Add(time.Duration(r.OffsetMinutes) * time.Minute))
			}
		}
	}
	return next
}

// Escalate runs the case's escalation rules whose time has come, each once
// for a due time however often it is called, and records breaches. It is
// what the SLA jobs call; it returns how many actions it took.
func (s *Service) Escalate(ctx context.Context, caseID int64) (int, error) {
	c, err := s.store.FindCase(ctx, caseID)
	if err != nil {
		if fault.Is(err, fault.NotFound) {
			return 0, nil
		}
		return 0, err
	}
	if !c.Active() || c.Status == StatusPending || c.PolicyID == 0 {
		return 0, s.store.SetSLANextCheck(ctx, caseID, time.Time{})
	}
	p, _, ok, err := s.policyByID(ctx, c.PolicyID)
	if err != nil || !ok {
		return 0, err
	}
	now := s.at()
	acted := 0
	for _, d := range openDues(c) {
		if !now.Before(d.due) {
			fresh, err := s.store.RecordBreach(ctx, Breach{CaseID: c.ID, Metric: d.metric, DueAt: d.due, BreachedAt: now})
			if err != nil {
				return acted, err
			}
			if fresh && c.AssigneeID != 0 && s.notify != nil {
				_ = s.notify.ToUsers(ctx, []int64{c.AssigneeID}, "sla_breach",
					fmt.Sprintf("Case #%d missed its %s target", c.ID, metricLabel(d.metric)), c.Subject, fmt.Sprintf("/cases/%d", c.ID))
			}
		}
		for i, r := range p.Escalations {
			if r.Metric != d.metric || now.Before(d.due.Add(time.Duration(r.OffsetMinutes)*time.Minute)) {
				continue
			}
			fresh, err := s.store.RecordSLAFiring(ctx, c.ID, i, d.metric, d.due, now)
			if err != nil {
				return acted, err
			}
			if !fresh {
				continue
			}
			if c, err = s.act(ctx, c, r, d); err != nil {
				return acted, err
			}
			acted++
		}
	}
	s.scheduleSLA(ctx, c)
	return acted, nil
}

func metricLabel(m string) string { return strings.ReplaceAll(m, "_", " ") }

// act carries out one escalation rule on a case.
func (s *Service) act(ctx context.Context, c Case, r Escalation, d dueMetric) (Case, error) {
	link := fmt.Sprintf("/cases/%d", c.ID)
	when := "is due " + d.due.Format("2 Jan 15:04 MST")
	if !s.at().Before(d.due) {
		when = "was missed at " + d.due.Format("2 Jan 15:04 MST")
	}
	title := fmt.Sprintf("Case #%d: %s target %s", c.ID, metricLabel(d.metric), when)
	switch r.Action {
	case ActNotify:
		to := r.UserID
		if to == 0 {
			to = c.AssigneeID
		}
		var ids []int64
		if to != 0 {
			ids = []int64{to}
		} else if c.QueueID != 0 {
			if members, err := s.store.QueueLoad(ctx, c.QueueID); err == nil {
				for _, m := range members {
					ids = append(ids, m.UserID)
				}
			}
		}
		if s.notify != nil && len(ids) > 0 {
			return c, s.notify.ToUsers(ctx, ids, "sla_warning", title, c.Subject, link)
		}
		return c, nil
	case ActNotifyManager:
		to := r.UserID
		if to == 0 && c.QueueID != 0 {
			if q, err := s.store.FindQueue(ctx, c.QueueID); err == nil {
				to = q.ManagerID
			}
		}
		if to == 0 || s.notify == nil {
			return c, nil
		}
		if err := s.notify.ToUsers(ctx, []int64{to}, "sla_escalation", title, c.Subject, link); err != nil {
			return c, err
		}
		_ = s.notify.EmailUsers(ctx, []int64{to}, title, fmt.Sprintf("%s\n\n%s%s", c.Subject, s.BaseURL, link))
		return c, nil
	}
	sys := auth.System("sla")
	now := s.at()
	updated, err := s.store.UpdateCase(ctx, c.ID, nil, func(cur Case) (Case, audit.Entry, error) {
		next := cur
		switch r.Action {
		case ActRaisePriority:
			if i := slices.Index(Priorities, cur.Priority); i >= 0 && i < len(Priorities)-1 {
				next.Priority = Priorities[i+1]
			}
		case ActReassign:
			if r.QueueID != 0 {
				next.QueueID, next.AssigneeID = r.QueueID, 0
				if agent, err := s.chooseAgent(ctx, r.QueueID, next); err == nil {
					next.AssigneeID = agent
				}
			}
			if r.UserID != 0 {
				next.AssigneeID = r.UserID
			}
		}
		next.UpdatedAt = now
		e := sys.Audit("escalate", "case", cur.ID, now)
		e.Changes = append(caseChanges(cur, next), audit.Change{Field: "escalation", New: d.metric + ": " + r.Action})
		return next, e, nil
	})
	if err == nil {
		s.markTurn(ctx, c, updated)
		if updated.AssigneeID != 0 && updated.AssigneeID != c.AssigneeID {
			s.tell(ctx, []int64{updated.AssigneeID}, "case_assigned", "Case #%d escalated to you: %s", updated)
		}
	}
	return updated, err
}

// CheckDue runs the escalations of every case whose check time has come:
// the safety net behind the scheduled jobs (after a restart, a crash, a
// clock change). It returns how many cases it looked at.
func (s *Service) CheckDue(ctx context.Context) (int, error) {
	ids, err := s.store.CasesToCheck(ctx, s.at(), 500)
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		if _, err := s.Escalate(ctx, id); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}
