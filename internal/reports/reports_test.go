package reports

import (
	"strings"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/auth"
)

// A team-scoped reader's report over any record type that belongs to
// customers or owners is limited to what the team may see; the SQL holds
// only the fixed fields' expressions and placeholders for every value.
func TestReportsKeepToTheReadersRecords(t *testing.T) {
	rep := auth.Actor{UserID: 7, TeamID: 3, Role: auth.RoleSales}
	admin := auth.Actor{UserID: 1, Role: auth.RoleAdmin}
	for _, src := range Sources {
		d := Definition{Source: src.Name, Filters: []Filter{{Field: src.Fields[0].Name, Op: "=", Value: "x'); DROP TABLE users; --"}}}
		if src.Fields[0].Kind != Text {
			t.Fatalf("%s: the first field should be text for this test", src.Name)
		}
		q, err := Build(d, "sqlite", rep, time.Now())
		if !rep.Can(src.perm) {
			if err == nil {
				t.Errorf("%s: built for a role without %s", src.Name, src.perm)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", src.Name, err)
		}
		if src.owner == "" || !strings.Contains(q.SQL, "("+src.owner+" = ? OR "+src.team+" = ?)") {
			t.Errorf("%s: no team visibility in %s", src.Name, q.SQL)
		}
		if strings.Contains(q.SQL, "DROP") || q.Args[len(q.Args)-1] != "x'); DROP TABLE users; --" {
			t.Errorf("%s: the value is not a parameter: %s %v", src.Name, q.SQL, q.Args)
		}
		all, err := Build(Definition{Source: src.Name}, "postgres", admin, time.Now())
		if err != nil || strings.Contains(all.SQL, " = ? OR ") {
			t.Errorf("%s: an administrator's report is limited: %s %v", src.Name, all.SQL, err)
		}
	}
	if _, err := Build(Definition{Source: "orders", GroupBy: "ordered_at:year"}, "sqlite", admin, time.Now()); err == nil {
		t.Error("a year bucket was accepted")
	}
	if _, err := Build(Definition{Source: "orders", Measures: []Measure{{Fn: "sum", Field: "status"}}}, "sqlite", admin, time.Now()); err == nil {
		t.Error("a sum of text was accepted")
	}
}

// Schedules run at 07:00 UTC: the next day, the next Monday, the 1st.
func TestNextRun(t *testing.T) {
	at := time.Date(2026, 4, 15, 9, 0, 0, 0, time.UTC) // a Wednesday
	for s, want := range map[string]string{"daily": "2026-04-16T07:00:00Z", "weekly": "2026-04-20T07:00:00Z",
		"monthly": "2026-05-01T07:00:00Z"} {
		if got := Next(s, at).Format(time.RFC3339); got != want {
			t.Errorf("%s after %s: %s, want %s", s, at, got, want)
		}
	}
	if !Next("", at).IsZero() {
		t.Error("no schedule has a next run")
	}
}
