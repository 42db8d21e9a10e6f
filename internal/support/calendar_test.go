package support

import (
	"testing"
	"time"
)

func berlinOffice(t *testing.T) Calendar {
	t.Helper()
	c := Calendar{Name: "Berlin office", TimeZone: "Europe/Berlin", Holidays: []string{"2026-12-25", "2026-12-26"}}
	for d := time.Monday; d <= time.Friday; d++ {
		c.Hours[d] = []Span{{9 * 60, 12 * 60}, {13 * 60, 17 * 60}}
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	return c
}

func at(t *testing.T, s string) time.Time {
	t.Helper()
	loc, _ := time.LoadLocation("Europe/Berlin")
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCalendarAdd(t *testing.T) {
	c := berlinOffice(t)
	cases := []struct {
		start string
		d     time.Duration
		want  string
	}{
		{"2026-12-01 10:00", time.Hour, "2026-12-01 11:00"},        // inside a span
		{"2026-12-01 11:30", time.Hour, "2026-12-01 13:30"},        // over lunch
		{"2026-12-01 16:30", time.Hour, "2026-12-02 09:30"},        // over the night
		{"2026-12-04 16:30", time.Hour, "2026-12-07 09:30"},        // Friday to Monday
		{"2026-12-05 10:00", 30 * time.Minute, "2026-12-07 09:30"}, // from a Saturday
		{"2026-12-24 16:00", 2 * time.Hour, "2026-12-28 10:00"},    // over two holidays and a weekend
		{"2026-12-01 07:00", 7 * time.Hour, "2026-12-01 17:00"},    // a whole working day
		{"2026-12-01 07:00", 7*time.Hour + time.Minute, "2026-12-02 09:01"},
		{"2026-03-27 16:00", 2 * time.Hour, "2026-03-30 10:00"}, // across the change to summer time
	}
	for _, tc := range cases {
		got := c.Add(at(t, tc.start), tc.d)
		if want := at(t, tc.want); !got.Equal(want) {
			t.Errorf("Add(%s, %s) = %s, want %s", tc.start, tc.d, got.In(want.Location()).Format("2006-01-02 15:04 Mon"), tc.want)
		}
		if back := c.Between(at(t, tc.start), got); back != tc.d {
			t.Errorf("Between(%s, Add(...)) = %s, want %s", tc.start, back, tc.d)
		}
	}
	if !c.Open(at(t, "2026-12-01 09:00")) || c.Open(at(t, "2026-12-01 12:30")) || c.Open(at(t, "2026-12-25 10:00")) {
		t.Error("Open is wrong about a working hour, the lunch break or a holiday")
	}
}

func TestCalendarAlwaysOpenAndInvalid(t *testing.T) {
	c := AlwaysOpen
	start := time.Date(2026, 12, 25, 23, 0, 0, 0, time.UTC)
	if got := c.Add(start, 3*time.Hour); !got.Equal(start.Add(3 * time.Hour)) {
		t.Fatalf("24/7 calendar: %s", got)
	}
	bad := Calendar{Name: "x", TimeZone: "Mars/Olympus"}
	if err := bad.Validate(); err == nil {
		t.Fatal("an unknown zone was accepted")
	}
	bad = Calendar{Name: "x", Holidays: []string{"25/12/2026"}}
	if err := bad.Validate(); err == nil {
		t.Fatal("a holiday that is not a date was accepted")
	}
	bad = Calendar{Name: "x"}
	bad.Hours[time.Monday] = []Span{{600, 700}, {650, 800}}
	if err := bad.Validate(); err == nil {
		t.Fatal("overlapping spans were accepted")
	}
	if _, err := ParseSpan("17:00-09:00"); err == nil {
		t.Fatal("a backwards span was accepted")
	}
}
