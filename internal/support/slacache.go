package support

import (
	"context"
	"sync"
	"time"
)

// slaSetupTTL is how long the SLA policies and calendars read from the
// database are used before being read again: changes made in this process
// apply at once, changes made through another instance within this time.
const slaSetupTTL = 30 * time.Second

// slaSetup caches the SLA policies and calendars, which every new case,
// reply and escalation reads and which change rarely.
type slaSetup struct {
	mu        sync.Mutex
	readAt    time.Time
	policies  []Policy
	calendars []Calendar
}

func (c *slaSetup) forget() {
	c.mu.Lock()
	c.readAt = time.Time{}
	c.mu.Unlock()
}

// slaConfig returns the policies (in order) and calendars.
func (s *Service) slaConfig(ctx context.Context) ([]Policy, []Calendar, error) {
	c := &s.slaCache
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.readAt.IsZero() && time.Since(c.readAt) < slaSetupTTL {
		return c.policies, c.calendars, nil
	}
	ps, err := s.store.Policies(ctx)
	if err != nil {
		return nil, nil, err
	}
	cals, err := s.store.Calendars(ctx)
	if err != nil {
		return nil, nil, err
	}
	c.policies, c.calendars, c.readAt = ps, cals, time.Now()
	return ps, cals, nil
}
