package analytics

import (
	"context"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// DayValue is one day of a trend.
type DayValue struct {
	Day   string
	Value int64
}

// Dashboard is the figures behind the home page's widgets. A section the
// actor may not see is nil.
type Dashboard struct {
	AsOf      time.Time
	From, To  string // this period: the month so far
	LastFrom  string // the same days of last month
	LastTo    string
	Currency  string // the main currency: most revenue over the last 30 days
	Sales     *SalesFigures
	Marketing *MarketingFigures
	Service   *ServiceFigures
	Loyalty   *LoyaltyFigures
	// Trends compare the last 7 days with the 7 before, for the counts
	// the actor may see.
	Trends []Trend
	// Hidden are the widgets the user chose not to see.
	Hidden []string
}

// Widgets are the dashboard's widgets a user may hide.
var Widgets = []string{"revenue", "sales", "pipeline", "engagement", "service", "trends", "loyalty"}

// HideWidgets stores which widgets the actor hides on their dashboard.
func (s *Service) HideWidgets(ctx context.Context, a auth.Actor, hidden []string) ([]string, error) {
	if a.UserID == 0 {
		return nil, fault.New(fault.Forbidden, "Only a signed-in user has a dashboard.")
	}
	out := []string{}
	for _, h := range hidden {
		if !slices.Contains(Widgets, h) {
			return nil, fault.Field("hidden", "%q is not a widget; use %s", h, strings.Join(Widgets, ", "))
		}
		if !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out, s.store.SetDashboardHidden(ctx, a.UserID, out)
}

// Trend is a count over the last 7 days against the 7 days before.
// Significant: the change is unlikely to be chance at 95 % (two Poisson
// counts compared by the exact conditional test: given their sum, this
// week's count is binomial with p = ½; normal above 1,000 events).
type Trend struct {
	Metric      string  `json:"metric"`
	Name        string  `json:"name"`
	ThisWeek    int64   `json:"this_week"`
	LastWeek    int64   `json:"last_week"`
	Change      float64 `json:"change" doc:"Relative change, e.g. 0.25 for +25 %; 0 when last week had none."`
	Z           float64 `json:"z"`
	Significant bool    `json:"significant"`
}

// trendMetrics are the counts compared week over week, with the
// permission needed to see each.
var trendMetrics = []struct {
	metric, name string
	perm         auth.Permission
}{
	{"orders", "Orders", auth.SalesRead},
	{"leads", "New leads", auth.SalesRead},
	{"new_buyers", "New customers", auth.SalesRead},
	{"interactions", "Interactions", auth.MarketingRead},
	{"opens", "Email opens", auth.MarketingRead},
	{"clicks", "Email clicks", auth.MarketingRead},
	{"cases_opened", "Cases opened", auth.CaseRead},
}

// WeekTrend compares two weekly counts: the relative change, the z score
// and whether the two-sided p-value is under 0.05.
func WeekTrend(this, last int64) (change, z float64, significant bool) {
	if last > 0 {
		change = float64(this-last) / float64(last)
	}
	n := this + last
	if n == 0 {
		return change, 0, false
	}
	z = float64(this-last) / math.Sqrt(float64(n))
	if n > 1000 {
		return change, z, math.Abs(z) >= 1.959964
	}
	// P(X >= k) for X ~ Binomial(n, ½), k the larger count, doubled.
	k := max(this, last)
	tail := 0.0
	for i := k; i <= n; i++ {
		lg := lgamma(float64(n+1)) - lgamma(float64(i+1)) - lgamma(float64(n-i+1)) - float64(n)*math.Ln2
		tail += math.Exp(lg)
	}
	return change, z, 2*tail < 0.05
}

func (s *Service) trends(ctx context.Context, a auth.Actor, now time.Time) ([]Trend, error) {
	var metrics []string
	for _, m := range trendMetrics {
		if a.Can(m.perm) {
			metrics = append(metrics, m.metric)
		}
	}
	if len(metrics) == 0 {
		return nil, nil
	}
	this, err := s.store.KPISums(ctx, day(now.AddDate(0, 0, -6)), day(now), metrics...)
	if err != nil {
		return nil, err
	}
	last, err := s.store.KPISums(ctx, day(now.AddDate(0, 0, -13)), day(now.AddDate(0, 0, -7)), metrics...)
	if err != nil {
		return nil, err
	}
	var out []Trend
	for _, m := range trendMetrics {
		if !a.Can(m.perm) {
			continue
		}
		t := Trend{Metric: m.metric, Name: m.name, ThisWeek: total(this[m.metric]), LastWeek: total(last[m.metric])}
		t.Change, t.Z, t.Significant = WeekTrend(t.ThisWeek, t.LastWeek)
		out = append(out, t)
	}
	return out, nil
}

// SalesFigures are revenue, orders, leads, new customers, pipeline and win
// rate.
type SalesFigures struct {
	Revenue, RevenueLast           int64 // main currency
	Orders, OrdersLast             int64
	Leads, LeadsLast               int64
	NewCustomers, NewCustomersLast int64 // first purchase in the period
	Trend                          []DayValue
	Pipeline                       []StageTotal
	PipelineValue, Weighted        int64 // main currency
	Won, Lost                      int64 // last 90 days
	WinRate                        *float64
}

// MarketingFigures are the last 30 days' engagement.
type MarketingFigures struct {
	Interactions int64 `json:"interactions_30d"`
	Opens        int64 `json:"opens_30d"`
	Clicks       int64 `json:"clicks_30d"`
}

// ServiceFigures are open cases and the last 30 (NPS: 90) days' service.
type ServiceFigures struct {
	OpenCases     int64
	Resolved      int64
	SLACompliance *float64
	CSAT          *float64 // mean score 1-5
	NPS           *float64
}

// LoyaltyFigures are the active members and their points.
type LoyaltyFigures struct {
	Members, Points, Liability int64
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

func ratio(a, b int64) *float64 {
	if b == 0 {
		return nil
	}
	v := float64(a) / float64(b)
	return &v
}

// Dashboard returns the live figures for the actor's widgets.
func (s *Service) Dashboard(ctx context.Context, a auth.Actor) (Dashboard, error) {
	now := s.now().UTC()
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	lastFirst := first.AddDate(0, -1, 0)
	lastTo := lastFirst.AddDate(0, 0, now.Day()-1)
	if !lastTo.Before(first) {
		lastTo = first.AddDate(0, 0, -1)
	}
	d := Dashboard{AsOf: now, From: day(first), To: day(now), LastFrom: day(lastFirst), LastTo: day(lastTo)}
	month, err := s.store.KPISums(ctx, d.From, d.To, "revenue", "orders", "leads", "new_buyers")
	if err != nil {
		return d, err
	}
	last, err := s.store.KPISums(ctx, d.LastFrom, d.LastTo, "revenue", "orders", "leads", "new_buyers")
	if err != nil {
		return d, err
	}
	recent, err := s.store.KPISums(ctx, day(now.AddDate(0, 0, -29)), d.To, "revenue", "interactions", "opens", "clicks",
		"resolved", "resolved_in_sla", "csat_answers", "csat_score")
	if err != nil {
		return d, err
	}
	d.Currency = mainCurrency(recent["revenue"], month["revenue"])
	if a.Can(auth.SalesRead) {
		f := &SalesFigures{Revenue: month["revenue"][d.Currency], RevenueLast: last["revenue"][d.Currency],
			Orders: total(month["orders"]), OrdersLast: total(last["orders"]), Leads: total(month["leads"]),
			LeadsLast: total(last["leads"]), NewCustomers: total(month["new_buyers"]), NewCustomersLast: total(last["new_buyers"])}
		series, err := s.store.KPISeries(ctx, "revenue", d.Currency, day(now.AddDate(0, 0, -29)), d.To)
		if err != nil {
			return d, err
		}
		for t := now.AddDate(0, 0, -29); !t.After(now); t = t.AddDate(0, 0, 1) {
			f.Trend = append(f.Trend, DayValue{Day: day(t), Value: series[day(t)]})
		}
		if f.Pipeline, err = s.store.OpenPipeline(ctx); err != nil {
			return d, err
		}
		for _, st := range f.Pipeline {
			if st.Currency == d.Currency || (d.Currency == "" && st.Deals > 0) {
				f.PipelineValue += st.Amount
				f.Weighted += st.Amount * int64(st.Probability) / 100
			}
		}
		deals, err := s.store.KPISums(ctx, day(now.AddDate(0, 0, -89)), d.To, "deals_won", "deals_lost")
		if err != nil {
			return d, err
		}
		f.Won, f.Lost = total(deals["deals_won"]), total(deals["deals_lost"])
		f.WinRate = ratio(f.Won, f.Won+f.Lost)
		d.Sales = f
	}
	if a.Can(auth.MarketingRead) {
		d.Marketing = &MarketingFigures{Interactions: total(recent["interactions"]), Opens: total(recent["opens"]),
			Clicks: total(recent["clicks"])}
	}
	if a.Can(auth.CaseRead) {
		f := &ServiceFigures{Resolved: total(recent["resolved"])}
		if f.OpenCases, err = s.store.OpenCaseCount(ctx); err != nil {
			return d, err
		}
		f.SLACompliance = ratio(total(recent["resolved_in_sla"]), f.Resolved)
		f.CSAT = ratio(total(recent["csat_score"]), total(recent["csat_answers"]))
		nps, err := s.store.KPISums(ctx, day(now.AddDate(0, 0, -89)), d.To, "nps_answers", "nps_promoters", "nps_detractors")
		if err != nil {
			return d, err
		}
		f.NPS = npsOf(nps)
		d.Service = f
	}
	if a.Can(auth.LoyaltyRead) {
		f := &LoyaltyFigures{}
		if f.Members, f.Points, f.Liability, err = s.store.LoyaltyTotals(ctx); err != nil {
			return d, err
		}
		d.Loyalty = f
	}
	if d.Trends, err = s.trends(ctx, a, now); err != nil {
		return d, err
	}
	if a.UserID != 0 {
		if d.Hidden, err = s.store.DashboardHidden(ctx, a.UserID); err != nil {
			return d, err
		}
	}
	if d.Sales == nil && d.Marketing == nil && d.Service == nil && d.Loyalty == nil {
		return d, fault.New(fault.Forbidden, "Your role has no dashboard figures.")
	}
	return d, nil
}

func npsOf(m map[string]map[string]int64) *float64 {
	n := total(m["nps_answers"])
	if n == 0 {
		return nil
	}
	v := 100 * float64(total(m["nps_promoters"])-total(m["nps_detractors"])) / float64(n)
	return &v
}

func total(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// mainCurrency is the currency with the most revenue in the first map
// that has any (ties: alphabetical).
func mainCurrency(ms ...map[string]int64) string {
	for _, m := range ms {
		best, cur := int64(math.MinInt64), ""
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if m[k] > best {
				best, cur = m[k], k
			}
		}
		if cur != "" {
			return cur
		}
	}
	return ""
}

// DashboardJSON is the dashboard as the API and the live page send it:
// amounts in currency units.
type DashboardJSON struct {
	AsOf      time.Time           `json:"as_of"`
	From      string              `json:"from" doc:"This period: the month so far."`
	To        string              `json:"to"`
	LastFrom  string              `json:"last_from" doc:"The same days of last month."`
	LastTo    string              `json:"last_to"`
	Currency  string              `json:"currency" doc:"The main currency: most revenue over the last 30 days."`
	Sales     *SalesFiguresJSON   `json:"sales,omitempty"`
	Marketing *MarketingFigures   `json:"marketing,omitempty"`
	Service   *ServiceFiguresJSON `json:"service,omitempty"`
	Loyalty   *LoyaltyFiguresJSON `json:"loyalty,omitempty"`
	Trends    []Trend             `json:"trends" doc:"Counts of the last 7 days against the 7 before, flagged when the change is significant."`
	Hidden    []string            `json:"hidden" doc:"Widgets the user hides on the home page."`
}

// SalesFiguresJSON is the sales widgets' figures.
type SalesFiguresJSON struct {
	Revenue          float64             `json:"revenue"`
	RevenueLast      float64             `json:"revenue_last"`
	Orders           int64               `json:"orders"`
	OrdersLast       int64               `json:"orders_last"`
	Leads            int64               `json:"new_leads"`
	LeadsLast        int64               `json:"new_leads_last"`
	NewCustomers     int64               `json:"new_customers"`
	NewCustomersLast int64               `json:"new_customers_last"`
	Trend            []DayFigureJSON     `json:"revenue_trend" doc:"Revenue per day over the last 30 days."`
	Pipeline         []PipelineStageJSON `json:"pipeline"`
	PipelineValue    float64             `json:"pipeline_value"`
	Weighted         float64             `json:"pipeline_weighted"`
	Won              int64               `json:"won_90d"`
	Lost             int64               `json:"lost_90d"`
	WinRate          *float64            `json:"win_rate,omitempty" doc:"Won ÷ closed over the last 90 days."`
}

// DayFigureJSON is one day of a trend.
type DayFigureJSON struct {
	Day   string  `json:"day"`
	Value float64 `json:"value"`
}

// PipelineStageJSON is one stage's open deals.
type PipelineStageJSON struct {
	Stage       string  `json:"stage"`
	PipelineID  int64   `json:"pipeline_id"`
	Probability int     `json:"probability"`
	Deals       int64   `json:"deals"`
	Amount      float64 `json:"amount"`
	Currency    string  `json:"currency,omitempty"`
}

// ServiceFiguresJSON is the service widget's figures.
type ServiceFiguresJSON struct {
	OpenCases     int64    `json:"open_cases"`
	Resolved      int64    `json:"resolved_30d"`
	SLACompliance *float64 `json:"sla_compliance,omitempty" doc:"Share of the last 30 days' resolved cases without a breach."`
	CSAT          *float64 `json:"csat,omitempty" doc:"Mean CSAT score (1-5), last 30 days."`
	NPS           *float64 `json:"nps,omitempty" doc:"NPS over the last 90 days."`
}

// LoyaltyFiguresJSON is the loyalty widget's figures.
type LoyaltyFiguresJSON struct {
	Members   int64   `json:"active_members"`
	Points    int64   `json:"points_outstanding"`
	Liability float64 `json:"points_liability" doc:"What the outstanding points are worth, currency units."`
}

// JSON writes the dashboard for the API and the live page.
func (d Dashboard) JSON() DashboardJSON {
	out := DashboardJSON{AsOf: d.AsOf, From: d.From, To: d.To, LastFrom: d.LastFrom, LastTo: d.LastTo, Currency: d.Currency,
		Marketing: d.Marketing, Trends: append([]Trend{}, d.Trends...), Hidden: append([]string{}, d.Hidden...)}
	units := func(v int64) float64 { return float64(v) / Scale }
	if f := d.Sales; f != nil {
		s := &SalesFiguresJSON{Revenue: units(f.Revenue), RevenueLast: units(f.RevenueLast), Orders: f.Orders, OrdersLast: f.OrdersLast,
			Leads: f.Leads, LeadsLast: f.LeadsLast, NewCustomers: f.NewCustomers, NewCustomersLast: f.NewCustomersLast,
			PipelineValue: units(f.PipelineValue), Weighted: units(f.Weighted), Won: f.Won, Lost: f.Lost, WinRate: f.WinRate,
			Trend: []DayFigureJSON{}, Pipeline: []PipelineStageJSON{}}
		for _, t := range f.Trend {
			s.Trend = append(s.Trend, DayFigureJSON{Day: t.Day, Value: units(t.Value)})
		}
		for _, st := range f.Pipeline {
			s.Pipeline = append(s.Pipeline, PipelineStageJSON{Stage: st.Stage, PipelineID: st.PipelineID, Probability: st.Probability,
				Deals: st.Deals, Amount: units(st.Amount), Currency: st.Currency})
		}
		out.Sales = s
	}
	if f := d.Service; f != nil {
		out.Service = &ServiceFiguresJSON{OpenCases: f.OpenCases, Resolved: f.Resolved, SLACompliance: f.SLACompliance, CSAT: f.CSAT,
			NPS: f.NPS}
	}
	if f := d.Loyalty; f != nil {
		out.Loyalty = &LoyaltyFiguresJSON{Members: f.Members, Points: f.Points, Liability: units(f.Liability)}
	}
	return out
}
