package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/support"
)

// ServiceSettingsPage is where service administrators set up queues,
// business hours, SLA policies, case types and the chat queue.
type ServiceSettingsPage struct {
	Base
	Queues    []support.Queue
	Calendars []support.Calendar
	Policies  []support.Policy
	Types     []string
	ChatQueue string
	Agents    []auth.User
	Error     string
}

func (s *site) serviceSettings(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	if err := a.Require(auth.ServiceAdmin); err != nil {
		return err
	}
	return s.renderServiceSettings(w, r, a, http.StatusOK, "")
}

func (s *site) renderServiceSettings(w http.ResponseWriter, r *http.Request, a auth.Actor, status int, msg string) error {
	ctx := r.Context()
	p := ServiceSettingsPage{Base: s.pageBase(w, r, a, "Service settings", "service"), Types: s.Support.CaseTypes(ctx),
		ChatQueue: s.Support.ChatQueueName(ctx), Error: msg}
	p.Help = "service-settings"
	var err error
	if p.Queues, err = s.Support.Queues(ctx, a); err != nil {
		return err
	}
	if p.Calendars, err = s.Support.Calendars(ctx, a); err != nil {
		return err
	}
	if p.Policies, err = s.Support.Policies(ctx, a); err != nil {
		return err
	}
	users, err := s.Auth.ListUsers(ctx, a)
	if err != nil {
		return err
	}
	for _, u := range users {
		if u.Active && u.Role.Has(auth.CaseWrite) {
			p.Agents = append(p.Agents, u)
		}
	}
	return render(w, r, status, serviceSettingsPage(p))
}

// settingsDone answers a settings form: back to the page with a message,
// or the page again with the error.
func (s *site) settingsDone(w http.ResponseWriter, r *http.Request, a auth.Actor, err error, ok string) error {
	if err != nil {
		if _, msg := fieldErrors(err); msg != "" && !fault.Is(err, fault.Forbidden) {
			return s.renderServiceSettings(w, r, a, http.StatusUnprocessableEntity, "Not saved: "+fieldText(err))
		}
		return err
	}
	return s.redirect(w, r, "/service/settings", ok)
}

func queueForm(r *http.Request, agents []int64) support.QueueInput {
	in := support.QueueInput{Name: r.PostFormValue("name"), Email: r.PostFormValue("email"),
		Strategy: r.PostFormValue("strategy"), Categories: splitList(r.PostFormValue("categories"))}
	in.ManagerID, _ = strconv.ParseInt(r.PostFormValue("manager_id"), 10, 64)
	for _, id := range agents {
		key := strconv.FormatInt(id, 10)
		if r.PostFormValue("member_"+key) != "on" {
			continue
		}
		capacity, _ := strconv.Atoi(r.PostFormValue("capacity_" + key))
		in.Members = append(in.Members, support.Member{UserID: id, Capacity: capacity,
			Skills: splitList(r.PostFormValue("skills_" + key))})
	}
	return in
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (s *site) agentIDs(r *http.Request, a auth.Actor) ([]int64, error) {
	users, err := s.Auth.ListUsers(r.Context(), a)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, u := range users {
		ids = append(ids, u.ID)
	}
	return ids, nil
}

func (s *site) queueSave(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	ids, err := s.agentIDs(r, a)
	if err != nil {
		return err
	}
	in := queueForm(r, ids)
	if idText := r.PathValue("id"); idText != "" {
		id, perr := pathID(r, "id")
		if perr != nil {
			return perr
		}
		_, err = s.Support.UpdateQueue(r.Context(), a, id, in)
	} else {
		_, err = s.Support.CreateQueue(r.Context(), a, in)
	}
	return s.settingsDone(w, r, a, err, "Queue “"+strings.TrimSpace(in.Name)+"” saved.")
}

// parseHours reads business hours written one rule per line, such as
// "mon-fri 09:00-17:00" or "sat 10:00-14:00".
func parseHours(text string) (map[string][]string, error) {
	days := []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}
	index := func(d string) int {
		for i, x := range days {
			if strings.EqualFold(x, d) {
				return i
			}
		}
		return -1
	}
	out := map[string][]string{}
	for n, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) < 2 {
			return nil, fmt.Errorf("line %d: write days then hours, e.g. mon-fri 09:00-17:00", n+1)
		}
		from, to, _ := strings.Cut(f[0], "-")
		if to == "" {
			to = from
		}
		a, b := index(from), index(to)
		if a < 0 || b < 0 || b < a {
			return nil, fmt.Errorf("line %d: %q is not a day or a range of days like mon-fri", n+1, f[0])
		}
		for d := a; d <= b; d++ {
			out[days[d]] = append(out[days[d]], f[1:]...)
		}
	}
	return out, nil
}

func (s *site) calendarSave(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	hours, err := parseHours(r.PostFormValue("hours"))
	if err != nil {
		return s.renderServiceSettings(w, r, a, http.StatusUnprocessableEntity, "Not saved: hours: "+err.Error())
	}
	in := support.CalendarInput{Name: r.PostFormValue("name"), TimeZone: strings.TrimSpace(r.PostFormValue("time_zone")),
		Hours: hours, Holidays: strings.Fields(strings.ReplaceAll(r.PostFormValue("holidays"), ",", " "))}
	_, err = s.Support.CreateCalendar(r.Context(), a, in)
	return s.settingsDone(w, r, a, err, "Calendar “"+strings.TrimSpace(in.Name)+"” saved.")
}

// parseEscalations reads escalation rules, one per line:
// "metric minutes action [queue=N|user=N]", minutes negative before the due time.
func parseEscalations(text string) ([]support.Escalation, error) {
	var out []support.Escalation
	for n, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) < 3 {
			return nil, fmt.Errorf("line %d: write metric, minutes and action, e.g. resolution -60 notify", n+1)
		}
		mins, err := strconv.Atoi(f[1])
		if err != nil {
			return nil, fmt.Errorf("line %d: %q is not a number of minutes", n+1, f[1])
		}
		e := support.Escalation{Metric: f[0], OffsetMinutes: mins, Action: f[2]}
		for _, opt := range f[3:] {
			k, v, _ := strings.Cut(opt, "=")
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || (k != "queue" && k != "user") {
				return nil, fmt.Errorf("line %d: %q should be queue=N or user=N", n+1, opt)
			}
			if k == "queue" {
				e.QueueID = id
			} else {
				e.UserID = id
			}
		}
		out = append(out, e)
	}
	return out, nil
}

func (s *site) policySave(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	esc, err := parseEscalations(r.PostFormValue("escalations"))
	if err != nil {
		return s.renderServiceSettings(w, r, a, http.StatusUnprocessableEntity, "Not saved: escalations: "+err.Error())
	}
	mins := func(k string) time.Duration {
		v, _ := strconv.ParseFloat(r.PostFormValue(k), 64)
		return time.Duration(v * float64(time.Minute))
	}
	p := support.Policy{Name: r.PostFormValue("name"), Type: r.PostFormValue("type"), Priority: r.PostFormValue("priority"),
		Tier: strings.TrimSpace(r.PostFormValue("tier")), FirstResponse: mins("first_response"),
		NextResponse: mins("next_response"), Resolution: mins("resolution"), Escalations: esc}
	p.CalendarID, _ = strconv.ParseInt(r.PostFormValue("calendar_id"), 10, 64)
	_, err = s.Support.CreatePolicy(r.Context(), a, p)
	return s.settingsDone(w, r, a, err, "SLA policy “"+strings.TrimSpace(p.Name)+"” saved.")
}

func (s *site) caseTypesSave(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	_, err := s.Support.SetCaseTypes(r.Context(), a, splitList(r.PostFormValue("types")))
	return s.settingsDone(w, r, a, err, "Case types saved.")
}

func (s *site) chatQueueSave(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	err := s.Support.SetChatQueue(r.Context(), a, r.PostFormValue("queue"))
	return s.settingsDone(w, r, a, err, "Chat queue saved.")
}

func (s *site) serviceSettingsRoutes(mux *http.ServeMux) {
	mux.Handle("GET /service/settings", s.user(s.serviceSettings))
	mux.Handle("POST /service/queues", s.user(s.queueSave))
	mux.Handle("POST /service/queues/{id}", s.user(s.queueSave))
	mux.Handle("POST /service/calendars", s.user(s.calendarSave))
	mux.Handle("POST /service/policies", s.user(s.policySave))
	mux.Handle("POST /service/case-types", s.user(s.caseTypesSave))
	mux.Handle("POST /service/chat-queue", s.user(s.chatQueueSave))
}

func memberOf(q support.Queue, userID int64) (support.Member, bool) {
	for _, m := range q.Members {
		if m.UserID == userID {
			return m, true
		}
	}
	return support.Member{}, false
}

func minutes(d time.Duration) string {
	if d == 0 {
		return "—"
	}
	return strconv.FormatFloat(d.Minutes(), 'f', -1, 64) + " min"
}

func calendarName(cals []support.Calendar, id int64) string {
	for _, c := range cals {
		if c.ID == id {
			return c.Name
		}
	}
	return "around the clock"
}

func anyText(s string) string {
	if s == "" {
		return "any"
	}
	return s
}
