package support

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Span is a stretch of working time within a day, in minutes after midnight
// (Start inclusive, End exclusive; End may be 1440).
type Span struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// Calendar holds business hours: the working spans of each weekday in a time
// zone, and the holidays on which nobody works. An SLA's clock only runs in
// business time. A calendar with no hours at all runs around the clock.
type Calendar struct {
	ID       int64
	Name     string
	TimeZone string
	// Hours are indexed by time.Weekday (Sunday = 0).
	Hours    [7][]Span
	Holidays []string // YYYY-MM-DD in the calendar's zone
	loc      *time.Location
}

// AlwaysOpen is the calendar of SLAs that run 24 hours a day, every day.
var AlwaysOpen = Calendar{Name: "24/7", TimeZone: "UTC"}

// Validate checks the zone, the spans and the holidays.
func (c *Calendar) Validate() error {
	if strings.TrimSpace(c.Name) == "" {
		return fmt.Errorf("name: must not be empty")
	}
	if c.TimeZone == "" {
		c.TimeZone = "UTC"
	}
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return fmt.Errorf("time_zone: %q is not a known time zone", c.TimeZone)
	}
	c.loc = loc
	for d, spans := range c.Hours {
		slices.SortFunc(spans, func(a, b Span) int { return a.Start - b.Start })
		for i, s := range spans {
			if s.Start < 0 || s.End > 1440 || s.Start >= s.End {
				return fmt.Errorf("hours: %s %s is not a span within a day", time.Weekday(d), s)
			}
			if i > 0 && spans[i-1].End > s.Start {
				return fmt.Errorf("hours: %s spans overlap", time.Weekday(d))
			}
		}
	}
	for _, h := range c.Holidays {
		if _, err := time.Parse(time.DateOnly, h); err != nil {
			return fmt.Errorf("holidays: %q is not a date (YYYY-MM-DD)", h)
		}
	}
	return nil
}

func (s Span) String() string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", s.Start/60, s.Start%60, s.End/60, s.End%60)
}

// ParseSpan reads "09:00-17:30".
func ParseSpan(text string) (Span, error) {
	var h1, m1, h2, m2 int
	if _, err := fmt.Sscanf(strings.TrimSpace(text), "%d:%d-%d:%d", &h1, &m1, &h2, &m2); err != nil {
		return Span{}, fmt.Errorf("%q is not a span like 09:00-17:30", text)
	}
	s := Span{Start: h1*60 + m1, End: h2*60 + m2}
	if m1 > 59 || m2 > 59 || s.Start < 0 || s.End > 1440 || s.Start >= s.End {
		return Span{}, fmt.Errorf("%q is not a span within a day", text)
	}
	return s, nil
}

func (c *Calendar) location() *time.Location {
	if c.loc == nil {
		loc, err := time.LoadLocation(c.TimeZone)
		if err != nil || c.TimeZone == "" {
			loc = time.UTC
		}
		c.loc = loc
	}
	return c.loc
}

func (c *Calendar) always() bool {
	for _, d := range c.Hours {
		if len(d) > 0 {
			return false
		}
	}
	return true
}

// spansOn returns the working intervals of the local day that starts at
// midnight, in absolute time (a daylight-saving change is respected).
func (c *Calendar) spansOn(midnight time.Time) [][2]time.Time {
	if slices.Contains(c.Holidays, midnight.Format(time.DateOnly)) {
		return nil
	}
	var out [][2]time.Time
	y, m, d := midnight.Date()
	for _, s := range c.Hours[midnight.Weekday()] {
		from := time.Date(y, m, d, s.Start/60, s.Start%60, 0, 0, midnight.Location())
		to := time.Date(y, m, d, s.End/60, s.End%60, 0, 0, midnight.Location())
		if s.End == 1440 {
			to = time.Date(y, m, d+1, 0, 0, 0, 0, midnight.Location())
		}
		out = append(out, [2]time.Time{from, to})
	}
	return out
}

// maxDays bounds the search for working time: a calendar whose every day
// is a holiday for years has no future.
const maxDays = 3 * 366

// Add returns the moment d of business time after start.
func (c *Calendar) Add(start time.Time, d time.Duration) time.Time {
	if c.always() {
		return start.Add(d)
	}
	loc := c.location()
	t := start.In(loc)
	y, m, day := t.Date()
	for i := 0; i < maxDays; i++ {
		midnight := time.Date(y, m, day+i, 0, 0, 0, 0, loc)
		for _, sp := range c.spansOn(midnight) {
			from, to := sp[0], sp[1]
			if to.Before(t) || to.Equal(t) {
				continue
			}
			if from.Before(t) {
				from = t
			}
			if avail := to.Sub(from); d <= avail {
				return from.Add(d).UTC()
			} else {
				d -= avail
			}
		}
	}
	return start.Add(d) // no working time left: fall back to wall time
}

// Between returns the business time from a to b (zero when b is not after a).
func (c *Calendar) Between(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	if c.always() {
		return b.Sub(a)
	}
	loc := c.location()
	t, end := a.In(loc), b.In(loc)
	y, m, day := t.Date()
	var total time.Duration
	for i := 0; i < maxDays; i++ {
		midnight := time.Date(y, m, day+i, 0, 0, 0, 0, loc)
		if midnight.After(end) {
			break
		}
		for _, sp := range c.spansOn(midnight) {
			from, to := sp[0], sp[1]
			if from.Before(t) {
				from = t
			}
			if to.After(end) {
				to = end
			}
			if to.After(from) {
				total += to.Sub(from)
			}
		}
	}
	return total
}

// Open reports whether the calendar is in working time at t.
func (c *Calendar) Open(t time.Time) bool {
	return c.Between(t, t.Add(time.Second)) > 0
}
