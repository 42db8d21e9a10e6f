package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/sales"
)

// ForecastPage shows the weighted pipeline and the running targets.
type ForecastPage struct {
	Base
	Rows     []sales.ForecastRow
	Targets  []sales.Target
	Now      time.Time
	CanAdmin bool
	Users    []auth.User
	Teams    []auth.Team
	From, To string
}

func (s *site) forecastPage(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	rows, err := s.Targets.Forecast(r.Context(), a)
	if err != nil {
		return err
	}
	ts, err := s.Targets.Current(r.Context(), a)
	if err != nil {
		return err
	}
	p := ForecastPage{Base: s.pageBase(w, r, a, "Forecast and targets", "sales"), Rows: rows, Targets: ts, Now: time.Now(),
		CanAdmin: a.Can(auth.SalesAdmin)}
	p.From, p.To = monthBounds(p.Now)
	if p.CanAdmin {
		if p.Users, err = s.Auth.ListUsers(r.Context(), a); err != nil {
			return err
		}
		if p.Teams, err = s.Auth.ListTeams(r.Context()); err != nil {
			return err
		}
	}
	p.Help = "forecast"
	return render(w, r, http.StatusOK, forecastPage(p))
}

// targetValue shows a target's figure in its unit.
func targetValue(t sales.Target, v int64) string {
	if t.Metric == "revenue" {
		return formatMoney(v, t.Currency)
	}
	return fmt.Sprint(v)
}

func metricLabel(m string) string {
	return map[string]string{"revenue": "Revenue won", "deals_won": "Deals won", "new_customers": "New customers"}[m]
}

func percent(f float64) string { return fmt.Sprintf("%.0f%%", 100*f) }
