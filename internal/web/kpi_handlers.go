package web

import (
	"context"
	"net/http"
	"time"

	"github.com/scrms/scrms/internal/analytics"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// dashboardStream sends the dashboard's figures again each time they
// change (server-sent events).
func (s *site) dashboardStream(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	if foreignOrigin(r) {
		return fault.New(fault.Forbidden, "Event streams are for SCRMS's own pages.")
	}
	if _, err := s.Analytics.Dashboard(r.Context(), a); err != nil {
		return err
	}
	analytics.StreamDashboard(w, r, func(ctx context.Context) (analytics.Dashboard, error) { return s.Analytics.Dashboard(ctx, a) })
	return nil
}

// kpiPage shows the key figures of a period with their definitions, and
// the retention cohorts.
func (s *site) kpiPage(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	q := r.URL.Query()
	to, err := time.Parse("2006-01-02", q.Get("to"))
	if err != nil {
		to = time.Now().UTC()
	}
	from, err := time.Parse("2006-01-02", q.Get("from"))
	if err != nil {
		from = to.AddDate(0, 0, -29)
	}
	rep, err := s.Analytics.KPIs(r.Context(), a, from, to)
	if err != nil {
		return err
	}
	p := KPIPage{Base: s.pageBase(w, r, a, "Key figures", "reports"), Report: rep}
	if q.Get("cohorts") == "1" {
		if p.Cohorts, err = s.Analytics.Cohorts(r.Context(), a, 12); err != nil {
			return err
		}
		p.ShowCohorts = true
	}
	return render(w, r, http.StatusOK, kpiPage(p))
}

// dashboardWidgets stores which widgets the user hides.
func (s *site) dashboardWidgets(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	var hidden []string
	for _, name := range analytics.Widgets {
		if r.PostFormValue("show_"+name) != "1" {
			hidden = append(hidden, name)
		}
	}
	if _, err := s.Analytics.HideWidgets(r.Context(), a, hidden); err != nil {
		return err
	}
	return s.redirect(w, r, "/", "Dashboard saved.")
}
