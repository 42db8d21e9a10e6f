package customer

import (
	"testing"
	"time"
)

func TestHasConsentUsesTheLatestEventAndAssumesNothing(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }
	// Newest first, as the store returns them.
	history := []ConsentEvent{
		{ID: 4, Purpose: "marketing", Channel: "email", Status: "withdrawn", OccurredAt: day(4)},
		{ID: 3, Purpose: "profiling", Channel: "all", Status: "granted", OccurredAt: day(3)},
		{ID: 2, Purpose: "marketing", Channel: "sms", Status: "granted", OccurredAt: day(2)},
		{ID: 1, Purpose: "marketing", Channel: "email", Status: "granted", OccurredAt: day(1)},
	}
	cases := []struct {
		purpose, channel string
		want             bool
	}{
		{"marketing", "email", false}, // withdrawn after it was given
		{"marketing", "sms", true},
		{"marketing", "phone", false}, // never asked
		{"profiling", "email", true},  // channel-free purpose
		{"third_party_sharing", "all", false},
	}
	for _, c := range cases {
		if got := HasConsent(history, c.purpose, c.channel); got != c.want {
			t.Errorf("HasConsent(%s, %s) = %v, want %v", c.purpose, c.channel, got, c.want)
		}
	}
	if n := len(CurrentConsents(history)); n != 3 {
		t.Errorf("%d consents in force, want 3", n)
	}
	if HasConsent(nil, "marketing", "email") {
		t.Error("no history must mean no consent")
	}
}
