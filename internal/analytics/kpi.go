package analytics

import (
	"context"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// StageTotal is the open deals of one pipeline stage in one currency.
type StageTotal struct {
	StageID, PipelineID int64
	Stage               string
	Position            int
	Probability         int
	Deals               int64
	Amount              int64 // ten-thousandths
	Currency            string
}

// Cost is a sales or marketing cost, for acquisition cost.
type Cost struct {
	ID        int64
	Day       string // YYYY-MM-DD
	Kind      string // sales, marketing
	Channel   string // matches customers' referral source
	Amount    int64  // ten-thousandths
	Currency  string
	Note      string
	CreatedBy int64
	CreatedAt time.Time
}

// FunnelRow is the lead funnel of one source and campaign.
type FunnelRow struct {
	Source, Campaign                     string
	Leads, Qualified, Opportunities, Won int64
}

// RepRow is one owner's closed deals in one currency.
type RepRow struct {
	UserID         int64
	Name, Currency string
	Won, Lost      int64
	WonAmount      int64
}

// Cohort is the customers who first bought in Month, and how many of
// them bought in each month since (Active[0] is the cohort's size).
type Cohort struct {
	Month  string
	Active []int
}

// KPIStore is what the dashboard and KPIs need from storage.
type KPIStore interface {
	KPISums(ctx context.Context, from, to string, metrics ...string) (map[string]map[string]int64, error)
	KPISeries(ctx context.Context, metric, dim, from, to string) (map[string]int64, error)
	OpenPipeline(ctx context.Context) ([]StageTotal, error)
	OpenCaseCount(ctx context.Context) (int64, error)
	LoyaltyTotals(ctx context.Context) (members, points, value int64, err error)
	AddCost(ctx context.Context, c Cost, e audit.Entry) (int64, error)
	Costs(ctx context.Context, from, to string) ([]Cost, error)
	CampaignCosts(ctx context.Context, from, to time.Time) (int64, error)
	LeadFunnel(ctx context.Context, from, to time.Time) ([]FunnelRow, error)
	RepPerformance(ctx context.Context, from, to time.Time) ([]RepRow, error)
	Cohorts(ctx context.Context, from time.Time) ([]Cohort, error)
	StageCounts(ctx context.Context) (churned, customers int64, err error)
	DashboardHidden(ctx context.Context, userID int64) ([]string, error)
	SetDashboardHidden(ctx context.Context, userID int64, hidden []string) error
	// KPIMonthly adds up roll-ups per month: month (YYYY-MM) → metric →
	// dimension → sum.
	KPIMonthly(ctx context.Context, from, to string, metrics ...string) (map[string]map[string]map[string]int64, error)
}

// Money is an amount in a currency (ten-thousandths).
type Money struct {
	Currency string
	Amount   int64
}

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

// KPI is one key figure of a period, with its written definition.
type KPI struct {
	Key        string
	Name       string
	Value      *float64 // nil: not defined for the period (nothing to divide by)
	Unit       string   // count, money, percent, days, hours, minutes, score
	Definition string
}

// KPIReport is the key figures of a period with their breakdowns.
type KPIReport struct {
	From, To string
	Currency string
	KPIs     []KPI
	Revenue  []Money
	// CACByChannel: costs of a channel ÷ customers whose first purchase in
	// the period came through it (their referral source).
	CACByChannel []ChannelCAC
	Funnel       []FunnelRow
	Reps         []RepRow
	// Monthly is the 12 months ending with the period's: revenue (main
	// currency), new customers, CSAT and NPS.
	Monthly []MonthFigures
	// Targets are the sales targets running now with their attainment.
	Targets []TargetRow
	// Campaigns are the campaigns started in the period with their ROI.
	Campaigns []CampaignROI
}

// MonthFigures is one month of the trend lines.
type MonthFigures struct {
	Month        string
	Revenue      int64
	NewCustomers int64
	CSAT, NPS    *float64
}

// TargetRow is a rep's or team's sales target and how far it is met.
type TargetRow struct {
	Who, Metric, From, To, Currency string
	Target, Attained                int64 // minor units for revenue, counts otherwise
}

// CampaignROI is a campaign's cost, the revenue last-touch attribution
// credits it with, and the return.
type CampaignROI struct {
	ID       int64
	Name     string
	Started  time.Time
	Cost     int64 // ten-thousandths
	Revenue  int64 // ten-thousandths, last touch, when in one currency
	Currency string
	ROI      *float64
}

// ChannelCAC is acquisition cost in one channel.
type ChannelCAC struct {
	Channel      string
	Cost         int64
	NewCustomers int64
	CAC          *float64 // currency units
}

// KPIDefinitions are the key figures and how each is computed, in the
// order reports show them.
var KPIDefinitions = []KPI{
	{Key: "revenue", Name: "Revenue", Unit: "money", Definition: "Sum of the totals of the orders placed in the period, less returns, in the main currency."},
	{Key: "orders", Name: "Orders", Unit: "count", Definition: "Orders placed in the period (returns not counted)."},
	{Key: "average_order_value", Name: "Average order value", Unit: "money", Definition: "Revenue ÷ orders."},
	{Key: "new_leads", Name: "New leads", Unit: "count", Definition: "Leads created in the period, from every source."},
	{Key: "new_customers", Name: "New customers", Unit: "count", Definition: "Customers whose first purchase falls in the period."},
	{Key: "cac", Name: "Customer acquisition cost", Unit: "money", Definition: "(Sales and marketing cost entries of the period + costs of the campaigns started in it) ÷ new customers."},
	{Key: "clv_historical", Name: "Customer lifetime value (historical)", Unit: "money", Definition: "All revenue so far in the main currency ÷ all customers who have bought (all time)."},
	{Key: "clv_predicted", Name: "Customer lifetime value (predicted)", Unit: "money", Definition: "Mean expected value over the horizon of the latest BG/NBD + Gamma-Gamma fit, over the customers it scored."},
	{Key: "churn_rate_contractual", Name: "Churn rate (contractual)", Unit: "percent", Definition: "Customers in the lifecycle stage \"churned\" ÷ customers in the stages \"customer\" or \"churned\" (now)."},
	{Key: "churn_rate_noncontractual", Name: "Churn rate (non-contractual)", Unit: "percent", Definition: "Buying customers whose P(alive) in the latest fit is below 0.5 ÷ all customers it scored."},
	{Key: "lead_conversion", Name: "Lead conversion", Unit: "percent", Definition: "Leads created in the period that became an opportunity ÷ leads created in the period."},
	{Key: "win_rate", Name: "Win rate", Unit: "percent", Definition: "Deals won in the period ÷ deals closed (won or lost) in the period."},
	{Key: "average_deal_size", Name: "Average deal size", Unit: "money", Definition: "Amount of the deals won in the period ÷ their number, main currency."},
	{Key: "sales_cycle", Name: "Sales cycle", Unit: "days", Definition: "Mean days from creation to close of the deals won in the period."},
	{Key: "interactions", Name: "Interactions", Unit: "count", Definition: "Calls, emails, meetings and other interactions logged in the period."},
	{Key: "open_rate", Name: "Campaign opens", Unit: "count", Definition: "Campaign messages first opened in the period."},
	{Key: "clicks", Name: "Campaign clicks", Unit: "count", Definition: "Campaign messages first clicked in the period."},
	{Key: "first_response", Name: "First response time", Unit: "minutes", Definition: "Mean minutes from a case's creation to its first response, over cases first answered in the period."},
	{Key: "resolution_time", Name: "Resolution time", Unit: "hours", Definition: "Mean hours from a case's creation to its resolution, over cases resolved in the period."},
	{Key: "sla_compliance", Name: "SLA compliance", Unit: "percent", Definition: "Cases resolved in the period without any SLA breach ÷ cases resolved in the period."},
	{Key: "csat", Name: "CSAT", Unit: "score", Definition: "Mean satisfaction score (1-5) of the CSAT answers given in the period."},
	{Key: "nps", Name: "NPS", Unit: "score", Definition: "% promoters (9-10) − % detractors (0-6) among the NPS answers given in the period."},
}

// KPIs computes the key figures of from..to (days, both included).
func (s *Service) KPIs(ctx context.Context, a auth.Actor, from, to time.Time) (KPIReport, error) {
	if err := a.Require(auth.SalesRead); err != nil {
		return KPIReport{}, err
	}
	if to.Before(from) {
		return KPIReport{}, fault.Field("to", "must not be before from")
	}
	if to.Sub(from) > 3*366*24*time.Hour {
		return KPIReport{}, fault.Field("to", "a period is at most three years")
	}
	r := KPIReport{From: day(from), To: day(to)}
	sums, err := s.store.KPISums(ctx, r.From, r.To, "revenue", "orders", "leads", "new_buyers", "deals_won", "deals_lost",
		"won_amount", "won_cycle_days", "interactions", "opens", "clicks", "first_responses", "first_response_minutes", "resolved",
		"resolution_minutes", "resolved_in_sla", "csat_answers", "csat_score", "nps_answers", "nps_promoters", "nps_detractors")
	if err != nil {
		return r, err
	}
	r.Currency = mainCurrency(sums["revenue"], sums["won_amount"])
	for c, v := range sums["revenue"] {
		r.Revenue = append(r.Revenue, Money{Currency: c, Amount: v})
	}
	sort.Slice(r.Revenue, func(i, j int) bool { return r.Revenue[i].Amount > r.Revenue[j].Amount })
	end := time.Date(to.Year(), to.Month(), to.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
	start := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC)
	costs, err := s.store.Costs(ctx, r.From, r.To)
	if err != nil {
		return r, err
	}
	campaigns, err := s.store.CampaignCosts(ctx, start, end)
	if err != nil {
		return r, err
	}
	if r.Funnel, err = s.store.LeadFunnel(ctx, start, end); err != nil {
		return r, err
	}
	if r.Reps, err = s.store.RepPerformance(ctx, start, end); err != nil {
		return r, err
	}
	if r.Monthly, err = s.monthly(ctx, to); err != nil {
		return r, err
	}
	if s.Targets != nil {
		if r.Targets, err = s.Targets(ctx, a); err != nil {
			return r, err
		}
	}
	if s.Campaigns != nil && a.Can(auth.MarketingRead) {
		if r.Campaigns, err = s.Campaigns(ctx, a, start, end); err != nil {
			return r, err
		}
	}
	churned, custs, err := s.store.StageCounts(ctx)
	if err != nil {
		return r, err
	}
	// Historical value: all revenue in the main currency ÷ all buyers, from
	// the roll-ups; predicted value and lapsed customers: the latest fit.
	ever, err := s.store.KPISums(ctx, "0001-01-01", "9999-12-31", "revenue", "new_buyers")
	if err != nil {
		return r, err
	}
	var lapsed, scored int64
	var pred float64
	if m, err := s.store.LatestCLVModel(ctx); err == nil {
		lapsed, scored, pred = int64(m.Lapsed), int64(m.Customers), float64(m.MeanValue)
	} else if !fault.Is(err, fault.NotFound) {
		return r, err
	}
	money := func(v int64) *float64 { f := float64(v) / Scale; return &f }
	per := func(num, den int64, scale float64) *float64 {
		if den == 0 {
			return nil
		}
		f := float64(num) / float64(den) / scale
		return &f
	}
	pct := func(num, den int64) *float64 {
		if den == 0 {
			return nil
		}
		f := 100 * float64(num) / float64(den)
		return &f
	}
	cost := campaigns
	byChannel := map[string]int64{}
	for _, c := range costs {
		cost += c.Amount
		byChannel[c.Channel] += c.Amount
	}
	newCust := total(sums["new_buyers"])
	for ch, c := range byChannel {
		n := sums["new_buyers"][ch]
		r.CACByChannel = append(r.CACByChannel, ChannelCAC{Channel: ch, Cost: c, NewCustomers: n, CAC: per(c, n, Scale)})
	}
	sort.Slice(r.CACByChannel, func(i, j int) bool { return r.CACByChannel[i].Channel < r.CACByChannel[j].Channel })
	var leads, converted int64
	for _, f := range r.Funnel {
		leads += f.Leads
		converted += f.Opportunities
	}
	won := total(sums["deals_won"])
	values := map[string]*float64{
		"revenue":                   money(sums["revenue"][r.Currency]),
		"orders":                    per(total(sums["orders"]), 1, 1),
		"average_order_value":       per(sums["revenue"][r.Currency], total(sums["orders"]), Scale),
		"new_leads":                 per(total(sums["leads"]), 1, 1),
		"new_customers":             per(newCust, 1, 1),
		"cac":                       per(cost, newCust, Scale),
		"clv_historical":            per(ever["revenue"][r.Currency], total(ever["new_buyers"]), Scale),
		"clv_predicted":             money(int64(pred)),
		"churn_rate_contractual":    pct(churned, custs),
		"churn_rate_noncontractual": pct(lapsed, scored),
		"lead_conversion":           pct(converted, leads),
		"win_rate":                  pct(won, won+total(sums["deals_lost"])),
		"average_deal_size":         per(sums["won_amount"][r.Currency], won, Scale),
		"sales_cycle":               per(total(sums["won_cycle_days"]), won, 1),
		"interactions":              per(total(sums["interactions"]), 1, 1),
		"open_rate":                 per(total(sums["opens"]), 1, 1),
		"clicks":                    per(total(sums["clicks"]), 1, 1),
		"first_response":            per(total(sums["first_response_minutes"]), total(sums["first_responses"]), 1),
		"resolution_time":           per(total(sums["resolution_minutes"]), total(sums["resolved"]), 60),
		"sla_compliance":            pct(total(sums["resolved_in_sla"]), total(sums["resolved"])),
		"csat":                      per(total(sums["csat_score"]), total(sums["csat_answers"]), 1),
		"nps":                       npsOf(sums),
	}
	if scored == 0 {
		values["clv_predicted"] = nil
	}
	for _, k := range KPIDefinitions {
		k.Value = values[k.Key]
		r.KPIs = append(r.KPIs, k)
	}
	return r, nil
}

// monthly adds up the roll-ups of the 12 months ending with to's.
func (s *Service) monthly(ctx context.Context, to time.Time) ([]MonthFigures, error) {
	first := time.Date(to.Year(), to.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -11, 0)
	sums, err := s.store.KPIMonthly(ctx, day(first), day(to), "revenue", "new_buyers", "csat_answers", "csat_score",
		"nps_answers", "nps_promoters", "nps_detractors")
	if err != nil {
		return nil, err
	}
	all := map[string]int64{}
	for _, m := range sums {
		for c, v := range m["revenue"] {
			all[c] += v
		}
	}
	cur := mainCurrency(all)
	var out []MonthFigures
	for m := first; !m.After(to); m = m.AddDate(0, 1, 0) {
		k := m.Format("2006-01")
		f := MonthFigures{Month: k, Revenue: sums[k]["revenue"][cur], NewCustomers: total(sums[k]["new_buyers"]),
			CSAT: ratio(total(sums[k]["csat_score"]), total(sums[k]["csat_answers"])), NPS: npsOf(sums[k])}
		out = append(out, f)
	}
	return out, nil
}

// AddCost records a sales or marketing cost (sales or marketing admins).
func (s *Service) AddCost(ctx context.Context, a auth.Actor, c Cost) (Cost, error) {
	if !a.Can(auth.SalesAdmin) && !a.Can(auth.MarketingWrite) {
		return Cost{}, fault.New(fault.Forbidden, "Recording costs needs the sales administration or marketing permission.")
	}
	var f fault.Fields
	if _, err := time.Parse("2006-01-02", c.Day); err != nil {
		f.Add("day", "must be a date (YYYY-MM-DD)")
	}
	if c.Kind != "sales" && c.Kind != "marketing" {
		f.Add("kind", "must be sales or marketing")
	}
	if c.Amount <= 0 {
		f.Add("amount", "must be more than zero")
	}
	c.Channel, c.Note = strings.TrimSpace(c.Channel), strings.TrimSpace(c.Note)
	if len(c.Channel) > 100 {
		f.Add("channel", "must be at most 100 characters")
	}
	if err := f.Err(); err != nil {
		return Cost{}, err
	}
	c.CreatedBy, c.CreatedAt = a.UserID, s.now().UTC()
	e := a.Audit("create", "cost_entry", 0, c.CreatedAt)
	id, err := s.store.AddCost(ctx, c, e)
	c.ID = id
	return c, err
}

// Costs lists the cost entries of a period.
func (s *Service) Costs(ctx context.Context, a auth.Actor, from, to time.Time) ([]Cost, error) {
	if err := a.Require(auth.SalesRead); err != nil {
		return nil, err
	}
	return s.store.Costs(ctx, day(from), day(to))
}

// Cohorts returns the retention table of the customers who first bought in
// the last months (at most 36).
func (s *Service) Cohorts(ctx context.Context, a auth.Actor, months int) ([]Cohort, error) {
	if err := a.Require(auth.SalesRead); err != nil {
		return nil, err
	}
	if months <= 0 || months > 36 {
		return nil, fault.Field("months", "must be 1 to 36")
	}
	now := s.now().UTC()
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -(months - 1), 0)
	return s.store.Cohorts(ctx, from)
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
