package marketing

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

// Pacing is how campaigns spare customers: a frequency cap, and quiet hours
// for customers who set none of their own.
type Pacing struct {
	Cap        FrequencyCap
	QuietHours string // "HH:MM-HH:MM" in the customer's time zone; "" for none
}

// Pacing reads the pacing settings.
func (s *Service) Pacing(ctx context.Context) (Pacing, error) {
	var p Pacing
	capText, err := s.store.Setting(ctx, "marketing_frequency_cap")
	if err != nil && !fault.Is(err, fault.NotFound) {
		return p, err
	}
	if p.Cap, err = ParseCap(capText); err != nil {
		p.Cap = FrequencyCap{}
	}
	if p.QuietHours, err = s.store.Setting(ctx, "marketing_quiet_hours"); err != nil && !fault.Is(err, fault.NotFound) {
		return p, err
	}
	return p, nil
}

// SetPacing changes the pacing settings: cap as "3/7" ("" for none),
// quiet hours as "21:00-08:00" ("" for none).
func (s *Service) SetPacing(ctx context.Context, a auth.Actor, capText, quiet string) (Pacing, error) {
	if err := a.Require(auth.MarketingWrite); err != nil {
		return Pacing{}, err
	}
	var f fault.Fields
	c, err := ParseCap(capText)
	if err != nil {
		f.Add("frequency_cap", "%s", err.Error())
	}
	quiet = strings.TrimSpace(quiet)
	if quiet != "" {
		if _, _, err := ParseQuietHours(quiet); err != nil {
			f.Add("quiet_hours", "%s", err.Error())
		}
	}
	if err := f.Err(); err != nil {
		return Pacing{}, err
	}
	now := s.at()
	capValue := ""
	if c.Messages > 0 {
		capValue = fmt.Sprintf("%d/%d", c.Messages, c.Days)
	}
	for key, v := range map[string]string{"marketing_frequency_cap": capValue, "marketing_quiet_hours": quiet} {
		e := a.Audit("update", "setting", 0, now)
		e.Changes = []audit.Change{{Field: key, New: v}}
		if err := s.store.SetSetting(ctx, key, v, now, e); err != nil {
			return Pacing{}, err
		}
	}
	return Pacing{Cap: c, QuietHours: quiet}, nil
}

// FrequencyCap limits marketing emails per customer: at most Messages in
// any Days days (0 messages: no cap). Transactional messages do not count
// and are not held back.
type FrequencyCap struct {
	Messages int
	Days     int
}

// ParseCap reads a cap written as "3/7" (three messages in seven days);
// "" is no cap.
func ParseCap(s string) (FrequencyCap, error) {
	if strings.TrimSpace(s) == "" {
		return FrequencyCap{}, nil
	}
	var c FrequencyCap
	if _, err := fmt.Sscanf(strings.TrimSpace(s), "%d/%d", &c.Messages, &c.Days); err != nil || c.Messages < 1 || c.Days < 1 || c.Days > 365 {
		return FrequencyCap{}, fmt.Errorf("write MESSAGES/DAYS, e.g. 3/7 for three emails a week")
	}
	return c, nil
}

// ParseQuietHours checks "HH:MM-HH:MM".
func ParseQuietHours(s string) (from, to int, err error) {
	var h1, m1, h2, m2 int
	if _, err := fmt.Sscanf(strings.TrimSpace(s), "%d:%d-%d:%d", &h1, &m1, &h2, &m2); err != nil ||
		h1 > 23 || h2 > 23 || m1 > 59 || m2 > 59 || h1 < 0 || h2 < 0 || m1 < 0 || m2 < 0 {
		return 0, 0, fmt.Errorf("write HH:MM-HH:MM, e.g. 21:00-08:00")
	}
	return h1*60 + m1, h2*60 + m2, nil
}

// quietHours tells whether a customer is in their quiet hours, caching
// time zones.
type quietHours struct {
	zones map[string]*time.Location
}

func (q *quietHours) now(zone, hours, fallback string, at time.Time) bool {
	if hours == "" {
		hours = fallback
	}
	if hours == "" {
		return false
	}
	from, to, err := ParseQuietHours(hours)
	if err != nil || from == to {
		return false
	}
	loc, ok := q.zones[zone]
	if !ok {
		var err error
		if loc, err = time.LoadLocation(zone); err != nil || zone == "" {
			loc = time.UTC
		}
		q.zones[zone] = loc
	}
	local := at.In(loc)
	m := local.Hour()*60 + local.Minute()
	if from < to {
		return m >= from && m < to
	}
	return m >= from || m < to // across midnight
}

// Topics are the marketing topics customers may opt out of one by one.
func (s *Service) Topics(ctx context.Context) ([]string, error) {
	v, err := s.store.Setting(ctx, "marketing_topics")
	if err != nil && !fault.Is(err, fault.NotFound) {
		return nil, err
	}
	var out []string
	for _, t := range strings.Split(v, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out, nil
}

// SetTopics sets the marketing topics (lower-case words, e.g. newsletter).
func (s *Service) SetTopics(ctx context.Context, a auth.Actor, topics []string) ([]string, error) {
	if err := a.Require(auth.MarketingWrite); err != nil {
		return nil, err
	}
	var clean []string
	for _, t := range topics {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" {
			continue
		}
		if len(t) > 40 || strings.ContainsAny(t, ", ") {
			return nil, fault.Field("topics", "%q: a topic is one word of at most 40 characters", t)
		}
		if !slices.Contains(clean, t) {
			clean = append(clean, t)
		}
	}
	now := s.at()
	e := a.Audit("update", "setting", 0, now)
	e.Changes = []audit.Change{{Field: "marketing_topics", New: strings.Join(clean, ",")}}
	return clean, s.store.SetSetting(ctx, "marketing_topics", strings.Join(clean, ","), now, e)
}
