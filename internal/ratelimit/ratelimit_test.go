package ratelimit

import (
	"testing"
	"time"
)

func TestBurstPerMinuteAndTotalPerHour(t *testing.T) {
	l := New(3, 5)
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	for i := range 3 {
		if !l.Allow("a", t0.Add(time.Duration(i)*time.Second)) {
			t.Fatalf("attempt %d refused", i+1)
		}
	}
	if l.Allow("a", t0.Add(10*time.Second)) {
		t.Fatal("a fourth attempt within the minute was allowed")
	}
	if !l.Allow("b", t0.Add(10*time.Second)) {
		t.Fatal("another address was refused")
	}
	if !l.Allow("a", t0.Add(2*time.Minute)) || !l.Allow("a", t0.Add(3*time.Minute)) {
		t.Fatal("attempts after the minute were refused")
	}
	if l.Allow("a", t0.Add(4*time.Minute)) {
		t.Fatal("a sixth attempt within the hour was allowed")
	}
	if !l.Allow("a", t0.Add(61*time.Minute)) {
		t.Fatal("an attempt after the hour was refused")
	}
}
