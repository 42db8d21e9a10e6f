// Package ratelimit bounds how often one client address may do something
// public (post a web form, start a chat, ask for a sign-in link): a burst
// per minute and a total per hour, kept in memory per process.
package ratelimit

import (
	"sync"
	"time"
)

// Limiter counts attempts per key (a client address).
type Limiter struct {
	PerMinute int
	PerHour   int

	mu   sync.Mutex
	hits map[string][]time.Time
}

// New returns a limiter allowing perMinute attempts a minute and perHour an hour.
func New(perMinute, perHour int) *Limiter { return &Limiter{PerMinute: perMinute, PerHour: perHour} }

// Allow records an attempt by key at now, unless it is over a limit.
func (l *Limiter) Allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.hits == nil || len(l.hits) > 100_000 {
		l.hits = map[string][]time.Time{} // forget everyone rather than grow without bound
	}
	recent := l.hits[key][:0]
	minute := 0
	for _, t := range l.hits[key] {
		if now.Sub(t) < time.Hour {
			recent = append(recent, t)
			if now.Sub(t) < time.Minute {
				minute++
			}
		}
	}
	l.hits[key] = recent
	if minute >= l.PerMinute || len(recent) >= l.PerHour {
		return false
	}
	l.hits[key] = append(l.hits[key], now)
	return true
}
