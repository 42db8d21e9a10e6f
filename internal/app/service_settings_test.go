package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/store"
)

// A service administrator sets up queues, business hours, SLA policies,
// case types and the chat queue in the UI; bad input is refused with the
// reason; agents do not see the screen.
func TestServiceSettingsScreen(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	agent, _ := h.User("agent@shop.example", auth.RoleService, 0)
	web := signIn(t, h, "admin@example.com", "correct horse battery")
	base := h.Server.URL

	id := fmt.Sprint(agent.ID)
	if st, _ := postForm(t, web, base+"/service/queues", url.Values{"name": {"Billing"}, "email": {"billing@shop.example"},
		"strategy": {"skill"}, "member_" + id: {"on"}, "capacity_" + id: {"3"}, "skills_" + id: {"refunds, invoices"}}); st != http.StatusSeeOther {
		t.Fatalf("new queue: %d", st)
	}
	q := h.Do("GET", "/queues", h.AdminToken, nil)
	if !strings.Contains(string(q.Raw), `"name":"Billing"`) || !strings.Contains(string(q.Raw), `"capacity":3`) ||
		!strings.Contains(string(q.Raw), `"invoices"`) {
		t.Fatalf("queue saved as %s", q.Raw)
	}
	if st, body := postForm(t, web, base+"/service/calendars", url.Values{"name": {"Lisbon office"}, "time_zone": {"Europe/Lisbon"},
		"hours": {"monday-friday 9-5"}}); st != http.StatusUnprocessableEntity || !strings.Contains(body, "is not a day or a range of days") {
		t.Fatalf("bad hours: %d", st)
	}
	if st, _ := postForm(t, web, base+"/service/calendars", url.Values{"name": {"Lisbon office"}, "time_zone": {"Europe/Lisbon"},
		"hours": {"mon-fri 09:00-17:00\nsat 10:00-13:00"}, "holidays": {"2026-12-25, 2027-01-01"}}); st != http.StatusSeeOther {
		t.Fatalf("calendar: %d", st)
	}
	cals := h.Do("GET", "/business-calendars", h.AdminToken, nil)
	if len(cals.List) != 1 || !strings.Contains(string(cals.Raw), "2027-01-01") {
		t.Fatalf("calendars %s", cals.Raw)
	}
	calID := fmt.Sprint(cals.List[0].(map[string]any)["id"])
	if st, body := postForm(t, web, base+"/service/policies", url.Values{"name": {"Urgent"}, "priority": {"urgent"},
		"first_response": {"30"}, "escalations": {"resolution soon notify"}}); st != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "is not a number of minutes") {
		t.Fatalf("bad escalation: %d", st)
	}
	if st, _ := postForm(t, web, base+"/service/policies", url.Values{"name": {"Urgent"}, "priority": {"urgent"},
		"first_response": {"30"}, "resolution": {"240"}, "calendar_id": {calID},
		"escalations": {"resolution -60 notify\nresolution 0 notify_manager"}}); st != http.StatusSeeOther {
		t.Fatalf("policy: %d", st)
	}
	pol := h.Do("GET", "/sla-policies", h.AdminToken, nil)
	if !strings.Contains(string(pol.Raw), `"first_response_minutes":30`) || !strings.Contains(string(pol.Raw), `"notify_manager"`) {
		t.Fatalf("policy saved as %s", pol.Raw)
	}
	if st, _ := postForm(t, web, base+"/service/case-types", url.Values{"types": {"question, refund, complaint"}}); st != http.StatusSeeOther {
		t.Fatalf("case types: %d", st)
	}
	if types := h.Do("GET", "/case-types", h.AdminToken, nil); !strings.Contains(string(types.Raw), "refund") {
		t.Fatalf("case types %s", types.Raw)
	}
	if st, _ := postForm(t, web, base+"/service/chat-queue", url.Values{"queue": {"Billing"}}); st != http.StatusSeeOther {
		t.Fatalf("chat queue: %d", st)
	}
	if st, body, _ := get(t, web, base+"/service/settings"); st != 200 || !strings.Contains(body, `<option value="Billing" selected>`) {
		t.Fatalf("settings page %d does not show the chat queue", st)
	}

	agentWeb := signIn(t, h, "agent@shop.example", "long enough password")
	if st, _, _ := get(t, agentWeb, base+"/service/settings"); st != http.StatusForbidden {
		t.Fatalf("an agent opened the settings: %d", st)
	}
	if _, body, _ := get(t, agentWeb, base+"/cases"); strings.Contains(body, "/service/settings") {
		t.Fatalf("agents see the settings tab")
	}
}
