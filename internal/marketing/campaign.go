package marketing

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/mail"
)

// Campaign statuses.
const (
	Draft     = "draft"
	Scheduled = "scheduled"
	Sending   = "sending"
	Paused    = "paused"
	Sent      = "sent"
	Cancelled = "cancelled"
)

// Campaign sends a template to a segment.
type Campaign struct {
	ID          int64
	Name        string
	Channel     string // email
	TemplateID  int64
	SegmentID   int64
	Status      string
	ScheduledAt time.Time
	StartedAt   time.Time
	FinishedAt  time.Time
	Prepared    bool // the recipients are listed in the ledger
	Recipients  int
	Cost        int64  // in ten-thousandths of a currency unit
	Topic       string // customers who opted out of it are left out
	AB          ABTest
	CreatedBy   int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Recipient is one row of a campaign's send ledger, with what rendering
// needs.
type Recipient struct {
	MessageID   int64
	CustomerID  int64
	Email       string
	Fields      map[string]string
	Allowed     bool // consent and suppressions still allow the message
	MaybeDouble bool // it was in flight when a sender stopped
	Variant     int  // the subject it gets in an A/B test (0: the template's)
	Recent      int  // marketing messages sent to the customer within the frequency window
	TimeZone    string
	QuietHours  string // "HH:MM-HH:MM" in the customer's time zone
}

// Outcome is what happened to a message a sender tried.
type Outcome struct {
	MessageID int64
	Err       string // "" when the server took it
}

// Stats counts a campaign's ledger.
type Stats struct {
	Queued, Sending, Sent, Failed, Skipped int
	Opened, Clicked, Unsubscribed, Bounced int
	MaybeDoubles                           int
	Variants                               []VariantResult // an A/B test's, by variant
}

// CampaignStore keeps campaigns and their ledger.
type CampaignStore interface {
	CreateCampaign(ctx context.Context, c Campaign, e audit.Entry) (int64, error)
	FindCampaign(ctx context.Context, id int64) (Campaign, error)
	Campaigns(ctx context.Context) ([]Campaign, error)
	// SetCampaignStatus moves a campaign from one of the statuses to
	// another; false when it was in none of them.
	SetCampaignStatus(ctx context.Context, id int64, from []string, to string, at time.Time, e audit.Entry) (bool, error)
	// PrepareRecipients lists the segment's customers with a primary email
	// in the ledger (once), consenting ones only unless transactional.
	PrepareRecipients(ctx context.Context, c Campaign, r Rule, transactional bool, now time.Time) (int, error)
	// TakeLease gives the campaign's sending to owner until a time, unless
	// another owner holds an unexpired lease.
	TakeLease(ctx context.Context, id int64, owner string, now, until time.Time) (bool, error)
	// NextRecipients returns up to n ledger rows to send after a message
	// id: queued ones, and those left "sending" (in flight at a stop); only
	// the test's rows while an A/B test runs. Each row counts the marketing
	// messages its customer was sent since recentSince (zero: not counted).
	NextRecipients(ctx context.Context, campaignID, afterID int64, n int, transactional, testing bool,
		recentSince time.Time, channel, topic string) ([]Recipient, error)
	// ReleaseLease lets go of a campaign so that the next run carries on.
	ReleaseLease(ctx context.Context, campaignID int64, owner string) error
	// VariantResults counts an A/B test's sent, opened and clicked messages
	// per variant.
	VariantResults(ctx context.Context, campaignID int64) ([]VariantResult, error)
	// StartTestWait records when an A/B test's winner is to be chosen and
	// lets go of the campaign until then.
	StartTestWait(ctx context.Context, campaignID int64, until time.Time) error
	// ChooseWinner records the winner and gives its subject to the
	// recipients who waited.
	ChooseWinner(ctx context.Context, campaignID int64, winner int, note string) error
	// Skip marks rows that may no longer be sent.
	Skip(ctx context.Context, ids []int64, reason string) error
	// Record stores outcomes and marks the next messages as sending, in
	// one transaction.
	Record(ctx context.Context, outcomes []Outcome, sending []int64, at time.Time) error
	// MarkDoubles flags rows found "sending" at a restart.
	MarkDoubles(ctx context.Context, ids []int64) error
	CampaignStats(ctx context.Context, id int64) (Stats, error)
	// DueCampaigns are the scheduled campaigns whose time has come and the
	// sending ones whose lease has expired.
	DueCampaigns(ctx context.Context, now time.Time) ([]Campaign, error)
	TrackStore
	AttributionStore
	OfferStore
}

// Sender opens connections to the mail server for campaigns.
type Sender interface {
	Open(ctx context.Context) (*mail.Conn, error)
}

// Jobs runs marketing's background work.
type Jobs interface {
	// EnqueueCampaigns sends the due campaigns now.
	EnqueueCampaigns(ctx context.Context) error
}

// CampaignInput is a new campaign.
type CampaignInput struct {
	Name        string
	TemplateID  int64
	SegmentID   int64
	ScheduledAt time.Time
	Cost        float64 // in currency units
	Topic       string  // one of the marketing topics, or ""
	AB          ABTest  // subjects to test first; none for a plain campaign
}

// CreateCampaign stores a draft campaign.
func (s *Service) CreateCampaign(ctx context.Context, a auth.Actor, in CampaignInput) (Campaign, error) {
	if err := a.Require(auth.MarketingWrite); err != nil {
		return Campaign{}, err
	}
	var f fault.Fields
	name := strings.TrimSpace(in.Name)
	if name == "" || len(name) > 200 {
		f.Add("name", "must be 1 to 200 characters")
	}
	t, err := s.store.FindTemplate(ctx, in.TemplateID)
	if err != nil {
		f.Add("template_id", "template %d does not exist", in.TemplateID)
	}
	if t.Channel == "sms" && in.AB.Active() {
		f.Add("ab_test", "subject tests are for email campaigns")
	}
	if _, err := s.store.FindSegment(ctx, in.SegmentID); err != nil {
		f.Add("segment_id", "segment %d does not exist", in.SegmentID)
	}
	if in.Cost < 0 {
		f.Add("cost", "cannot be negative")
	}
	if err := in.AB.validate(); err != nil {
		return Campaign{}, err
	}
	if in.Topic != "" {
		topics, err := s.Topics(ctx)
		if err != nil {
			return Campaign{}, err
		}
		if !slices.Contains(topics, in.Topic) {
			f.Add("topic", "must be one of the marketing topics (%s)", strings.Join(topics, ", "))
		}
	}
	if err := f.Err(); err != nil {
		return Campaign{}, err
	}
	in.AB.Until, in.AB.Winner, in.AB.Note = time.Time{}, 0, ""
	now := s.at()
	channel := t.Channel
	if channel == "" {
		channel = "email"
	}
	c := Campaign{Name: name, Channel: channel, TemplateID: in.TemplateID, SegmentID: in.SegmentID, Status: Draft,
		ScheduledAt: in.ScheduledAt.UTC(), Cost: int64(in.Cost * 10000), Topic: in.Topic, AB: in.AB, CreatedBy: a.UserID, CreatedAt: now,
		UpdatedAt: now}
	e := a.Audit("create", "campaign", 0, now)
	e.Changes = []audit.Change{{Field: "name", New: c.Name}}
	c.ID, err = s.store.CreateCampaign(ctx, c, e)
	return c, err
}

// Campaigns lists the campaigns, newest first.
func (s *Service) Campaigns(ctx context.Context, a auth.Actor) ([]Campaign, error) {
	if err := a.Require(auth.MarketingRead); err != nil {
		return nil, err
	}
	return s.store.Campaigns(ctx)
}

// FindCampaign returns a campaign.
func (s *Service) FindCampaign(ctx context.Context, a auth.Actor, id int64) (Campaign, error) {
	if err := a.Require(auth.MarketingRead); err != nil {
		return Campaign{}, err
	}
	return s.store.FindCampaign(ctx, id)
}

// CampaignStats counts a campaign's ledger.
func (s *Service) CampaignStats(ctx context.Context, a auth.Actor, id int64) (Stats, error) {
	c, err := s.FindCampaign(ctx, a, id)
	if err != nil {
		return Stats{}, err
	}
	st, err := s.store.CampaignStats(ctx, id)
	if err != nil || !c.AB.Active() {
		return st, err
	}
	st.Variants, err = s.store.VariantResults(ctx, id)
	return st, err
}

// Launch sends a draft campaign: now, or at its scheduled time.
func (s *Service) Launch(ctx context.Context, a auth.Actor, id int64) (Campaign, error) {
	if err := a.Require(auth.MarketingWrite); err != nil {
		return Campaign{}, err
	}
	c, err := s.store.FindCampaign(ctx, id)
	if err != nil {
		return Campaign{}, err
	}
	if s.Sender == nil && c.Channel == "email" {
		return Campaign{}, fault.New(fault.Conflict, "No mail server is set up (SCRMS_SMTP_URL), so campaigns cannot be sent.")
	}
	if c.Channel == "sms" {
		if _, err := s.smsProvider(ctx); err != nil {
			return Campaign{}, err
		}
	}
	now := s.at()
	to := Sending
	if c.ScheduledAt.After(now) {
		to = Scheduled
	}
	ok, err := s.store.SetCampaignStatus(ctx, id, []string{Draft}, to, now, a.Audit("launch", "campaign", id, now))
	if err != nil {
		return Campaign{}, err
	}
	if !ok {
		return Campaign{}, fault.New(fault.Conflict, "Campaign %q is %s; only a draft can be sent.", c.Name, c.Status)
	}
	if to == Sending && s.jobs != nil {
		if err := s.jobs.EnqueueCampaigns(ctx); err != nil {
			return Campaign{}, err
		}
	}
	return s.store.FindCampaign(ctx, id)
}

// Pause stops a sending campaign after the messages in flight; Resume
// carries on; Cancel stops it for good.
func (s *Service) Pause(ctx context.Context, a auth.Actor, id int64) error {
	return s.move(ctx, a, id, "pause", []string{Sending, Scheduled}, Paused)
}

// Resume carries on with a paused campaign.
func (s *Service) Resume(ctx context.Context, a auth.Actor, id int64) error {
	if err := s.move(ctx, a, id, "resume", []string{Paused}, Sending); err != nil {
		return err
	}
	if s.jobs != nil {
		return s.jobs.EnqueueCampaigns(ctx)
	}
	return nil
}

// Cancel stops a campaign for good; what was sent stays sent.
func (s *Service) Cancel(ctx context.Context, a auth.Actor, id int64) error {
	return s.move(ctx, a, id, "cancel", []string{Draft, Scheduled, Sending, Paused}, Cancelled)
}

func (s *Service) move(ctx context.Context, a auth.Actor, id int64, action string, from []string, to string) error {
	if err := a.Require(auth.MarketingWrite); err != nil {
		return err
	}
	c, err := s.store.FindCampaign(ctx, id)
	if err != nil {
		return err
	}
	now := s.at()
	ok, err := s.store.SetCampaignStatus(ctx, id, from, to, now, a.Audit(action, "campaign", id, now))
	if err != nil {
		return err
	}
	if !ok {
		return fault.New(fault.Conflict, "Campaign %q is %s and cannot %s.", c.Name, c.Status, action)
	}
	return nil
}

// Sending settings.
const (
	sendBatch     = 500
	defaultConns  = 8
	maxSendErrors = 50 // a campaign pauses after this many failures in a row
)

// lease is how long a run holds a campaign between renewals.
func (s *Service) lease() time.Duration {
	if s.Lease > 0 {
		return s.Lease
	}
	return 30 * time.Second
}

// newOwner names one run of a campaign's sending, as the holder of its lease.
func newOwner() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// SendDue sends the campaigns that are due: scheduled ones whose time has
// come, and sending ones nobody holds (a restart resumes them). It returns
// the messages sent.
func (s *Service) SendDue(ctx context.Context) (int, error) {
	cs, err := s.store.DueCampaigns(ctx, s.at())
	if err != nil {
		return 0, err
	}
	total := 0
	for _, c := range cs {
		n, err := s.send(ctx, c)
		total += n
		if err != nil {
			return total, fmt.Errorf("campaign %q: %w", c.Name, err)
		}
	}
	return total, nil
}

// send runs a campaign's send under a lease: it lists the recipients once,
// then sends the ledger's rows over several SMTP connections. Each
// connection records a message as sent, and the next as sending, before
// it sends the next: a stop leaves at most one row per connection in
// "sending", which the next run sends again and marks as a possible
// double.
func (s *Service) send(ctx context.Context, c Campaign) (int, error) {
	now := s.at()
	owner := newOwner()
	ok, err := s.store.TakeLease(ctx, c.ID, owner, now, now.Add(s.lease()))
	if err != nil || !ok {
		return 0, err
	}
	if c.Status == Scheduled {
		moved, err := s.store.SetCampaignStatus(ctx, c.ID, []string{Scheduled}, Sending, now,
			audit.Entry{Action: "start", EntityType: "campaign", EntityID: c.ID, ActorLabel: "system:campaigns", At: now})
		if err != nil || !moved {
			return 0, err
		}
	}
	t, err := s.store.FindTemplate(ctx, c.TemplateID)
	if err != nil {
		return 0, err
	}
	tpl, err := t.Compile()
	if err != nil {
		return 0, err
	}
	transactional := t.Purpose == "transactional"
	if !c.Prepared {
		sg, err := s.store.FindSegment(ctx, c.SegmentID)
		if err != nil {
			return 0, err
		}
		if _, err := s.store.PrepareRecipients(ctx, c, sg.Rules, transactional, s.at()); err != nil {
			return 0, err
		}
	}
	testing := c.AB.Active() && c.AB.Winner == 0
	if testing && !c.AB.Until.IsZero() {
		goOn, err := s.decide(ctx, c)
		if err != nil || !goOn {
			return 0, err
		}
		testing = false
	}
	variants := map[int]*Compiled{}
	for i, subject := range c.AB.Subjects {
		ps, err := compileText(subject)
		if err != nil {
			return 0, err
		}
		variants[i+1] = tpl.withSubject(ps)
	}
	conns := &connPool{open: func(ctx context.Context) (link, error) {
		conn, err := s.Sender.Open(ctx)
		if err != nil {
			return nil, err
		}
		return emailLink{conn}, nil
	}}
	if c.Channel == "sms" {
		sms, err := s.smsProvider(ctx)
		if err != nil {
			return 0, err
		}
		conns = &connPool{open: func(context.Context) (link, error) { return sms, nil }}
	}
	defer conns.close()
	quiet := &quietHours{zones: map[string]*time.Location{}}
	pace, err := s.Pacing(ctx)
	if err != nil {
		return 0, err
	}
	sent, deferred := 0, 0
	var after int64
	for {
		cur, err := s.store.FindCampaign(ctx, c.ID)
		if err != nil {
			return sent, err
		}
		if cur.Status != Sending {
			return sent, nil // paused or cancelled
		}
		if ok, err := s.store.TakeLease(ctx, c.ID, owner, s.at(), s.at().Add(s.lease())); err != nil || !ok {
			return sent, err
		}
		// Recent messages are counted only under a frequency cap.
		var recentSince time.Time
		if !transactional && pace.Cap.Messages > 0 {
			recentSince = s.at().Add(-time.Duration(pace.Cap.Days) * 24 * time.Hour)
		}
		batch, err := s.store.NextRecipients(ctx, c.ID, after, sendBatch, transactional, testing, recentSince, c.Channel, c.Topic)
		if err != nil {
			return sent, err
		}
		if len(batch) == 0 && deferred > 0 {
			// Some customers are in their quiet hours: the next run (every
			// minute) sends to them when their hours allow it.
			return sent, s.store.ReleaseLease(ctx, c.ID, owner)
		}
		if len(batch) == 0 && testing {
			// The test went out: the rest wait for the winner.
			return sent, s.store.StartTestWait(ctx, c.ID, s.at().Add(c.AB.Wait))
		}
		if len(batch) == 0 {
			done, err := s.store.SetCampaignStatus(ctx, c.ID, []string{Sending}, Sent, s.at(),
				audit.Entry{Action: "finish", EntityType: "campaign", EntityID: c.ID, ActorLabel: "system:campaigns", At: s.at()})
			if done && s.Publish != nil {
				if st, err := s.store.CampaignStats(ctx, c.ID); err == nil {
					s.Publish(ctx, "campaign.sent", map[string]any{"id": c.ID, "name": c.Name, "sent": st.Sent,
						"skipped": st.Skipped, "failed": st.Failed})
				}
			}
			return sent, err
		}
		after = batch[len(batch)-1].MessageID
		var doubles, skipped, capped []int64
		var todo []Recipient
		for _, r := range batch {
			switch {
			case !r.Allowed:
				skipped = append(skipped, r.MessageID)
			case !transactional && pace.Cap.Messages > 0 && r.Recent >= pace.Cap.Messages:
				capped = append(capped, r.MessageID)
			case !transactional && quiet.now(r.TimeZone, r.QuietHours, pace.QuietHours, s.at()):
				deferred++
			default:
				if r.MaybeDouble {
					doubles = append(doubles, r.MessageID)
				}
				todo = append(todo, r)
			}
		}
		if len(skipped) > 0 {
			if err := s.store.Skip(ctx, skipped, "no consent or suppressed at send time"); err != nil {
				return sent, err
			}
		}
		if len(capped) > 0 {
			if err := s.store.Skip(ctx, capped, fmt.Sprintf("frequency cap: %d marketing emails in %d days", pace.Cap.Messages,
				pace.Cap.Days)); err != nil {
				return sent, err
			}
		}
		if len(doubles) > 0 {
			if err := s.store.MarkDoubles(ctx, doubles); err != nil {
				return sent, err
			}
		}
		n, err := s.sendBatch(ctx, c, tpl, variants, todo, conns, owner)
		sent += n
		if err != nil {
			return sent, err
		}
	}
}

// Active reports whether the campaign is scheduled or sending.
func (c Campaign) Active() bool { return slices.Contains([]string{Scheduled, Sending}, c.Status) }
