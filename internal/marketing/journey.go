package marketing

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/mail"
)

// Journey is an automated flow: customers enter on a trigger, then go
// through its steps one by one, each waiting where a step says so.
type Journey struct {
	ID        int64
	Name      string
	Trigger   Trigger
	Steps     []Step
	Goal      string // rules (text form); a customer who meets them leaves the journey
	Reentry   bool   // a customer may go through it again after finishing
	Status    string // draft, active, paused
	CreatedBy int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Trigger is how customers enter a journey: an event (customer.created,
// order.placed, case.resolved) or entering a segment.
type Trigger struct {
	Event     string `json:"event,omitempty"`
	SegmentID int64  `json:"segment_id,omitempty"`
}

// Step is one step of a journey.
type Step struct {
	Type       string `json:"type"` // wait, email, tag, stage, task, condition, webhook
	Minutes    int    `json:"minutes,omitempty"`
	TemplateID int64  `json:"template_id,omitempty"`
	Value      string `json:"value,omitempty"` // the tag, the stage, the task's subject, the webhook's label
	DueDays    int    `json:"due_days,omitempty"`
	Rule       string `json:"rule,omitempty"`      // condition: rules in text form
	ElseGoto   int    `json:"else_goto,omitempty"` // condition not met: go to this step (from 1); 0 ends the journey
	Goto       int    `json:"goto,omitempty"`      // goto: go on at this step (from 1); 0 ends the journey
	Percent    int    `json:"percent,omitempty"`   // split: the share that goes on to the next step; the rest go to else_goto
}

// JourneyEvents are the events a journey can start on.
var JourneyEvents = []string{"customer.created", "order.placed", "quote.sent", "case.resolved", "opportunity.won",
	"form.submitted"}

// StepTypes are the kinds of step.
var StepTypes = []string{"wait", "email", "tag", "stage", "task", "condition", "split", "goto", "webhook"}

// Run is a customer's place in a journey.
type Run struct {
	ID         int64
	JourneyID  int64
	CustomerID int64
	Step       int // the next step to take (from 0)
	Lap        int // passes back to an earlier step so far
	Status     string
	NextAt     time.Time
	EnteredAt  time.Time
}

// JourneyStore keeps journeys and the customers' runs through them.
type JourneyStore interface {
	CreateJourney(ctx context.Context, j Journey, e audit.Entry) (int64, error)
	UpdateJourney(ctx context.Context, j Journey, e audit.Entry) error
	Journeys(ctx context.Context) ([]Journey, error)
	FindJourney(ctx context.Context, id int64) (Journey, error)
	// Enter starts a run unless the customer is in the journey now (or
	// went through it, without re-entry); false when it did not.
	Enter(ctx context.Context, journeyID, customerID int64, reentry bool, at time.Time) (bool, error)
	// SegmentEntrants returns customers matching rules who are not on the
	// journey (with re-entry: whose last entry is over 30 days old).
	SegmentEntrants(ctx context.Context, journeyID int64, r Rule, now time.Time, limit int, reentry bool) ([]int64, error)
	DueRuns(ctx context.Context, now time.Time, limit int) ([]Run, error)
	// ClaimRun takes a due run for one runner until a time (a
	// compare-and-set on the due time it was read with).
	ClaimRun(ctx context.Context, runID int64, seen, until time.Time) (bool, error)
	// Advance moves a run to a step (and a time), or ends it (status done
	// or exited).
	Advance(ctx context.Context, runID int64, step int, status string, next time.Time) error
	// Loop moves a run back to an earlier step, for pass number lap.
	Loop(ctx context.Context, runID int64, step, lap int, next time.Time) error
	// LogStep records what a step did, once per run, step and action (the
	// action names the pass); false when it was recorded already (the step
	// ran before a stop).
	LogStep(ctx context.Context, runID int64, step int, action, outcome string, at time.Time) (bool, error)
	JourneyRuns(ctx context.Context, journeyID int64, limit int) ([]Run, error)
	// SplitPaths counts, for each split step (from 1) and path, the
	// customers who took it and those who reached the journey's goal.
	SplitPaths(ctx context.Context, journeyID int64) ([]SplitPath, error)
	// CustomerFields reads what an email step needs, and whether the
	// customer agreed to email marketing.
	CustomerFields(ctx context.Context, customerID int64) (map[string]string, bool, error)
}

// JourneyActions are what journey steps do outside marketing.
type JourneyActions struct {
	AddTag   func(ctx context.Context, customerID int64, tag string) error
	SetStage func(ctx context.Context, customerID int64, stage string) error
	Task     func(ctx context.Context, customerID int64, subject string, dueDays int) error
}

// waitsBetween reports whether a wait is among steps from to to (from 1).
func waitsBetween(steps []Step, from, to int) bool {
	for i := from; i <= to; i++ {
		if steps[i-1].Type == "wait" {
			return true
		}
	}
	return false
}

func (s *Service) cleanJourney(ctx context.Context, j Journey) (Journey, error) {
	var f fault.Fields
	j.Name = strings.TrimSpace(j.Name)
	if j.Name == "" || len(j.Name) > 100 {
		f.Add("name", "must be 1 to 100 characters")
	}
	switch {
	case j.Trigger.Event != "" && j.Trigger.SegmentID != 0, j.Trigger.Event == "" && j.Trigger.SegmentID == 0:
		f.Add("trigger", "give an event or a segment")
	case j.Trigger.Event != "" && !slices.Contains(JourneyEvents, j.Trigger.Event):
		f.Add("trigger", "the event must be one of %s", strings.Join(JourneyEvents, ", "))
	case j.Trigger.SegmentID != 0:
		if _, err := s.store.FindSegment(ctx, j.Trigger.SegmentID); err != nil {
			f.Add("trigger", "segment %d does not exist", j.Trigger.SegmentID)
		}
	}
	if len(j.Steps) == 0 || len(j.Steps) > 50 {
		f.Add("steps", "give 1 to 50 steps")
	}
	for i, st := range j.Steps {
		n := i + 1
		switch st.Type {
		case "wait":
			if st.Minutes < 1 || st.Minutes > 366*24*60 {
				f.Add("steps", "step %d: wait 1 minute to a year", n)
			}
		case "email":
			if _, err := s.store.FindTemplate(ctx, st.TemplateID); err != nil {
				f.Add("steps", "step %d: template %d does not exist", n, st.TemplateID)
			}
		case "tag", "stage", "task", "webhook":
			if strings.TrimSpace(st.Value) == "" {
				f.Add("steps", "step %d: a %s step needs a value", n, st.Type)
			}
		case "condition":
			if _, err := Parse(st.Rule); err != nil {
				f.Add("steps", "step %d: %s", n, err.Error())
			}
			if st.ElseGoto < 0 || st.ElseGoto > len(j.Steps) || st.ElseGoto == n {
				f.Add("steps", "step %d: else_goto must name another step (from 1), or 0 to end", n)
			} else if st.ElseGoto > 0 && st.ElseGoto < n && !waitsBetween(j.Steps, st.ElseGoto, n) {
				f.Add("steps", "step %d goes back to step %d without a wait in between: a customer would go round at once", n, st.ElseGoto)
			}
		case "split":
			if st.Percent < 1 || st.Percent > 99 {
				f.Add("steps", "step %d: a split sends 1 to 99 percent on to the next step", n)
			}
			if st.ElseGoto < 0 || st.ElseGoto > len(j.Steps) || st.ElseGoto == n {
				f.Add("steps", "step %d: else_goto must name another step (from 1), or 0 to end", n)
			} else if st.ElseGoto > 0 && st.ElseGoto < n && !waitsBetween(j.Steps, st.ElseGoto, n) {
				f.Add("steps", "step %d goes back to step %d without a wait in between: a customer would go round at once", n, st.ElseGoto)
			}
		case "goto":
			if st.Goto < 0 || st.Goto > len(j.Steps) || st.Goto == n {
				f.Add("steps", "step %d: goto must name another step (from 1), or 0 to end", n)
			} else if st.Goto > 0 && st.Goto < n && !waitsBetween(j.Steps, st.Goto, n) {
				f.Add("steps", "step %d goes back to step %d without a wait in between: a customer would go round at once", n, st.Goto)
			}
		default:
			f.Add("steps", "step %d: the type must be one of %s", n, strings.Join(StepTypes, ", "))
		}
	}
	if strings.TrimSpace(j.Goal) != "" {
		if _, err := Parse(j.Goal); err != nil {
			f.Add("goal", "%s", err.Error())
		}
	}
	if j.Status == "" {
		j.Status = "draft"
	}
	if !slices.Contains([]string{"draft", "active", "paused"}, j.Status) {
		f.Add("status", "must be draft, active or paused")
	}
	return j, f.Err()
}

// CreateJourney stores a journey (a draft unless given another status).
func (s *Service) CreateJourney(ctx context.Context, a auth.Actor, j Journey) (Journey, error) {
	if err := a.Require(auth.MarketingWrite); err != nil {
		return Journey{}, err
	}
	j, err := s.cleanJourney(ctx, j)
	if err != nil {
		return Journey{}, err
	}
	now := s.at()
	j.CreatedBy, j.CreatedAt, j.UpdatedAt = a.UserID, now, now
	e := a.Audit("create", "journey", 0, now)
	e.Changes = []audit.Change{{Field: "name", New: j.Name}}
	j.ID, err = s.store.CreateJourney(ctx, j, e)
	return j, err
}

// UpdateJourney changes a journey; customers on it carry on from their step.
func (s *Service) UpdateJourney(ctx context.Context, a auth.Actor, id int64, j Journey) (Journey, error) {
	if err := a.Require(auth.MarketingWrite); err != nil {
		return Journey{}, err
	}
	cur, err := s.store.FindJourney(ctx, id)
	if err != nil {
		return Journey{}, err
	}
	j.ID, j.CreatedBy, j.CreatedAt, j.UpdatedAt = id, cur.CreatedBy, cur.CreatedAt, s.at()
	if j, err = s.cleanJourney(ctx, j); err != nil {
		return Journey{}, err
	}
	e := a.Audit("update", "journey", id, j.UpdatedAt)
	e.Changes = []audit.Change{{Field: "status", Old: cur.Status, New: j.Status}}
	return j, s.store.UpdateJourney(ctx, j, e)
}

// Journeys lists the journeys.
func (s *Service) Journeys(ctx context.Context, a auth.Actor) ([]Journey, error) {
	if err := a.Require(auth.MarketingRead); err != nil {
		return nil, err
	}
	return s.store.Journeys(ctx)
}

// JourneyRuns lists a journey's customers and where they are.
func (s *Service) JourneyRuns(ctx context.Context, a auth.Actor, id int64) (Journey, []Run, error) {
	if err := a.Require(auth.MarketingRead); err != nil {
		return Journey{}, nil, err
	}
	j, err := s.store.FindJourney(ctx, id)
	if err != nil {
		return Journey{}, nil, err
	}
	runs, err := s.store.JourneyRuns(ctx, id, 500)
	return j, runs, err
}

// OnEvent enters the customer of an event in the active journeys it
// starts. It is called with every published event.
func (s *Service) OnEvent(ctx context.Context, event string, customerID int64) {
	if customerID == 0 || !slices.Contains(JourneyEvents, event) {
		return
	}
	js, err := s.store.Journeys(ctx)
	if err != nil {
		return
	}
	for _, j := range js {
		if j.Status == "active" && j.Trigger.Event == event {
			_, _ = s.store.Enter(ctx, j.ID, customerID, j.Reentry, s.at())
		}
	}
}

// RunJourneys enters the customers who joined the trigger segments, and
// takes every step that is due. It returns the steps taken.
func (s *Service) RunJourneys(ctx context.Context) (int, error) {
	js, err := s.store.Journeys(ctx)
	if err != nil {
		return 0, err
	}
	byID := map[int64]Journey{}
	for _, j := range js {
		byID[j.ID] = j
		if j.Status != "active" || j.Trigger.SegmentID == 0 {
			continue
		}
		sg, err := s.store.FindSegment(ctx, j.Trigger.SegmentID)
		if err != nil {
			return 0, err
		}
		ids, err := s.store.SegmentEntrants(ctx, j.ID, sg.Rules, s.at(), 5000, j.Reentry)
		if err != nil {
			return 0, err
		}
		for _, id := range ids {
			if _, err := s.store.Enter(ctx, j.ID, id, j.Reentry, s.at()); err != nil {
				return 0, err
			}
		}
	}
	taken := 0
	for {
		runs, err := s.store.DueRuns(ctx, s.at(), 500)
		if err != nil || len(runs) == 0 {
			return taken, err
		}
		progressed := false
		for _, r := range runs {
			j, ok := byID[r.JourneyID]
			if !ok || j.Status != "active" {
				continue // paused journeys keep their customers where they are
			}
			// One runner at a time per customer: the claim holds the run for
			// a few minutes; a runner that stops leaves it to the next.
			claimed, err := s.store.ClaimRun(ctx, r.ID, r.NextAt, s.at().Add(5*time.Minute))
			if err != nil {
				return taken, err
			}
			if !claimed {
				continue
			}
			n, err := s.step(ctx, j, r)
			if err != nil {
				return taken, err
			}
			taken += n
			progressed = progressed || n > 0
		}
		if !progressed {
			return taken, nil
		}
	}
}

// step takes a run's steps until one makes it wait or the journey ends.
func (s *Service) step(ctx context.Context, j Journey, r Run) (int, error) {
	now := s.at()
	taken := 0
	if j.Goal != "" {
		if goal, err := Parse(j.Goal); err == nil {
			if met, err := s.store.InSegment(ctx, goal, r.CustomerID, now); err == nil && met {
				return taken, s.store.Advance(ctx, r.ID, r.Step, "exited", now)
			}
		}
	}
	// A wait counts from when the run became due (the end of the step
	// before it), not from when a runner got to it.
	from := r.NextAt
	if from.IsZero() || from.After(now) {
		from = now
	}
	lap := r.Lap
	// jump goes on at step to (from 0). Going back starts another pass,
	// stored with the place before any of its steps is taken, so that the
	// pass's actions happen once each, also across a stop.
	jump := func(i, to int) error {
		if to > i {
			return nil
		}
		lap++
		// Still held by this runner (as by its claim) while it goes on.
		return s.store.Loop(ctx, r.ID, to, lap, now.Add(5*time.Minute))
	}
	for i := r.Step; ; {
		if i >= len(j.Steps) {
			return taken, s.store.Advance(ctx, r.ID, i, "done", now)
		}
		st := j.Steps[i]
		taken++
		// Steps that jump back without a wait are refused when a journey is
		// saved; should a run still go round (jumps that skip the wait), it
		// leaves the journey rather than spin.
		if taken > 4*len(j.Steps)+4 {
			if _, err := s.store.LogStep(ctx, r.ID, i, pass("loop", lap), "went round without a wait; left the journey", now); err != nil {
				return taken, err
			}
			return taken, s.store.Advance(ctx, r.ID, i, "exited", now)
		}
		switch st.Type {
		case "goto":
			if _, err := s.store.LogStep(ctx, r.ID, i, pass("goto", lap), fmt.Sprint(st.Goto), now); err != nil {
				return taken, err
			}
			if st.Goto == 0 {
				return taken, s.store.Advance(ctx, r.ID, i, "done", now)
			}
			if err := jump(i, st.Goto-1); err != nil {
				return taken, err
			}
			i = st.Goto - 1
			continue
		case "split":
			// The same customer always takes the same path at a step: the
			// share is drawn from the run and the step, not at random.
			first := splitShare(r.ID, i) < st.Percent
			path := map[bool]string{true: "A", false: "B"}[first]
			if _, err := s.store.LogStep(ctx, r.ID, i, pass("split", lap), path, now); err != nil {
				return taken, err
			}
			if !first {
				if st.ElseGoto == 0 {
					return taken, s.store.Advance(ctx, r.ID, i, "done", now)
				}
				if err := jump(i, st.ElseGoto-1); err != nil {
					return taken, err
				}
				i = st.ElseGoto - 1
				continue
			}
		case "wait":
			// The run moves past the wait at once, due when the wait ends.
			return taken, s.store.Advance(ctx, r.ID, i+1, "active", from.Add(time.Duration(st.Minutes)*time.Minute))
		case "condition":
			rule, _ := Parse(st.Rule)
			met, err := s.store.InSegment(ctx, rule, r.CustomerID, now)
			if err != nil {
				return taken, err
			}
			if _, err := s.store.LogStep(ctx, r.ID, i, pass("condition", lap), fmt.Sprint(met), now); err != nil {
				return taken, err
			}
			if !met {
				if st.ElseGoto == 0 {
					return taken, s.store.Advance(ctx, r.ID, i, "done", now)
				}
				if err := jump(i, st.ElseGoto-1); err != nil {
					return taken, err
				}
				i = st.ElseGoto - 1
				continue
			}
		default:
			if err := s.act(ctx, j, r, i, st, lap); err != nil {
				return taken, err
			}
		}
		from = now
		i++
		if err := s.store.Advance(ctx, r.ID, i, "active", now); err != nil {
			return taken, err
		}
	}
}

// splitShare places a run at a split step between 0 and 99, evenly over
// runs (a hash of the run and the step).
func splitShare(runID int64, step int) int {
	h := fnv.New64a()
	var b [12]byte
	binary.BigEndian.PutUint64(b[:8], uint64(runID))
	binary.BigEndian.PutUint32(b[8:], uint32(step))
	h.Write(b[:])
	return int(h.Sum64() % 100)
}

// pass names an action in the log for a pass through the journey: the
// first pass as it is, later ones with their number.
func pass(action string, lap int) string {
	if lap == 0 {
		return action
	}
	return fmt.Sprintf("%s#%d", action, lap)
}

// act takes an action step once: the log entry is written first, so a
// stop between the two never repeats the action (an email may be lost, not
// sent twice).
func (s *Service) act(ctx context.Context, j Journey, r Run, i int, st Step, lap int) error {
	now := s.at()
	first, err := s.store.LogStep(ctx, r.ID, i, pass(st.Type, lap), "started", now)
	if err != nil || !first {
		return err
	}
	outcome := "done"
	switch st.Type {
	case "email":
		outcome, err = s.journeyEmail(ctx, r.CustomerID, st.TemplateID)
	case "tag":
		if s.Actions.AddTag != nil {
			err = s.Actions.AddTag(ctx, r.CustomerID, st.Value)
		}
	case "stage":
		if s.Actions.SetStage != nil {
			err = s.Actions.SetStage(ctx, r.CustomerID, st.Value)
		}
	case "task":
		if s.Actions.Task != nil {
			err = s.Actions.Task(ctx, r.CustomerID, st.Value, st.DueDays)
		}
	case "webhook":
		if s.Publish != nil {
			s.Publish(ctx, "journey.step", map[string]any{"journey_id": j.ID, "journey": j.Name, "customer_id": r.CustomerID,
				"step": i + 1, "label": st.Value})
		}
	}
	if err != nil {
		outcome = "failed: " + err.Error()
	}
	_, _ = s.store.LogStep(ctx, r.ID, i, pass(st.Type+":outcome", lap), outcome, s.at())
	return nil
}

// journeyEmail sends a journey's email to one customer, if they agreed to
// email marketing (or the template is transactional).
func (s *Service) journeyEmail(ctx context.Context, customerID, templateID int64) (string, error) {
	t, err := s.store.FindTemplate(ctx, templateID)
	if err != nil {
		return "", err
	}
	fields, consent, err := s.store.CustomerFields(ctx, customerID)
	if err != nil {
		return "", err
	}
	if fields["email"] == "" {
		return "skipped: no email address", nil
	}
	if t.Purpose != "transactional" && !consent {
		return "skipped: no email marketing consent", nil
	}
	if s.Sender == nil {
		return "skipped: no mail server", nil
	}
	c, err := t.Compile()
	if err != nil {
		return "", err
	}
	unsub := ""
	if t.Purpose != "transactional" {
		unsub = s.trackURL(customerID, kindUnsubscribeCustomer, 0)
	}
	products, err := s.productsFor(ctx, c, customerID)
	if err != nil {
		return "", err
	}
	out := c.RenderFor(fields, products, nil, unsub, "")
	msg := mail.Rich{To: fields["email"], Subject: out.Subject, Text: out.Text, HTML: out.HTML}
	if unsub != "" {
		msg.Headers = map[string]string{"List-Unsubscribe": "<" + unsub + ">", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
	}
	conn, err := s.Sender.Open(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if err := conn.Send(ctx, msg); err != nil {
		return "", err
	}
	return "sent to " + fields["email"], nil
}
