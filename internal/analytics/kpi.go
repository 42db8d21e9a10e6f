package analytics

import (
	"context"
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
