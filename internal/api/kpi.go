package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/scrms/scrms/internal/analytics"
	"github.com/scrms/scrms/internal/fault"
)

// KPIJSON is one key figure with its definition.
type KPIJSON struct {
	Key        string   `json:"key"`
	Name       string   `json:"name"`
	Value      *float64 `json:"value" doc:"null when the period has nothing to divide by."`
	Unit       string   `json:"unit" enum:"count,money,percent,days,hours,minutes,score"`
	Definition string   `json:"definition"`
}

// KPIReportJSON is the key figures of a period with their breakdowns.
type KPIReportJSON struct {
	From      string            `json:"from"`
	To        string            `json:"to"`
	Currency  string            `json:"currency" doc:"The main currency of the money figures."`
	KPIs      []KPIJSON         `json:"kpis"`
	Revenue   []MoneyJSON       `json:"revenue_by_currency"`
	CAC       []ChannelCACJSON  `json:"cac_by_channel"`
	Funnel    []FunnelJSON      `json:"lead_funnel" doc:"Leads created in the period per source and campaign."`
	Reps      []RepJSON         `json:"sales_by_rep" doc:"Deals closed in the period per owner."`
	Monthly   []MonthJSON       `json:"monthly" doc:"The 12 months ending with the period's: revenue, new customers, CSAT and NPS."`
	Targets   []TargetRowJSON   `json:"targets" doc:"Sales targets running now, with attainment."`
	Campaigns []CampaignROIJSON `json:"campaigns" doc:"Campaigns started in the period: cost, last-touch revenue, ROI."`
}

// MonthJSON is one month of the trend lines.
type MonthJSON struct {
	Month        string   `json:"month"`
	Revenue      float64  `json:"revenue"`
	NewCustomers int64    `json:"new_customers"`
	CSAT         *float64 `json:"csat"`
	NPS          *float64 `json:"nps"`
}

// TargetRowJSON is a sales target and its attainment.
type TargetRowJSON struct {
	Who      string `json:"who"`
	Metric   string `json:"metric"`
	From     string `json:"from"`
	To       string `json:"to"`
	Target   int64  `json:"target" doc:"Minor units (cents) for revenue, a count otherwise."`
	Attained int64  `json:"attained"`
	Currency string `json:"currency,omitempty"`
}

// CampaignROIJSON is a campaign's return.
type CampaignROIJSON struct {
	ID       int64    `json:"id"`
	Name     string   `json:"name"`
	Started  string   `json:"started"`
	Cost     float64  `json:"cost"`
	Revenue  float64  `json:"revenue" doc:"Credited by last-touch attribution."`
	Currency string   `json:"currency,omitempty"`
	ROI      *float64 `json:"roi" doc:"(revenue − cost) ÷ cost; null without a cost or with revenue in several currencies."`
}

// MoneyJSON is an amount in a currency.
type MoneyJSON struct {
	Currency string  `json:"currency"`
	Amount   float64 `json:"amount"`
}

// ChannelCACJSON is the acquisition cost of one channel.
type ChannelCACJSON struct {
	Channel      string   `json:"channel"`
	Cost         float64  `json:"cost"`
	NewCustomers int64    `json:"new_customers"`
	CAC          *float64 `json:"cac"`
}

// FunnelJSON is the lead funnel of one source and campaign.
type FunnelJSON struct {
	Source        string `json:"source"`
	Campaign      string `json:"campaign,omitempty"`
	Leads         int64  `json:"leads"`
	Qualified     int64  `json:"qualified"`
	Opportunities int64  `json:"opportunities"`
	Won           int64  `json:"won"`
}

// RepJSON is one owner's closed deals in a currency.
type RepJSON struct {
	UserID    int64   `json:"user_id"`
	Name      string  `json:"name"`
	Currency  string  `json:"currency"`
	Won       int64   `json:"won"`
	WonAmount float64 `json:"won_amount"`
	Lost      int64   `json:"lost"`
}

// CostJSON is a sales or marketing cost.
type CostJSON struct {
	ID       int64   `json:"id,omitempty" readOnly:"true"`
	Day      string  `json:"day" doc:"YYYY-MM-DD"`
	Kind     string  `json:"kind" enum:"sales,marketing"`
	Channel  string  `json:"channel,omitempty" maxLength:"100" doc:"Matches customers' referral source for acquisition cost by channel."`
	Amount   float64 `json:"amount"`
	Currency string  `json:"currency,omitempty" maxLength:"3"`
	Note     string  `json:"note,omitempty" maxLength:"500"`
}

// CohortJSON is one month's first-time buyers and how many bought again in
// each month since.
type CohortJSON struct {
	Month     string    `json:"month"`
	Customers int       `json:"customers"`
	Active    []int     `json:"active" doc:"Customers of the cohort who bought in each month since (0: the first)."`
	Retention []float64 `json:"retention" doc:"active ÷ customers."`
}

func parseDay(field, v string, def time.Time) (time.Time, error) {
	if v == "" {
		return def, nil
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		return t, fault.Field(field, "is not a date (YYYY-MM-DD)")
	}
	return t, nil
}

func (s *server) registerKPIs(api huma.API, mux *http.ServeMux) {
	tags := []string{"Analytics"}
	huma.Register(api, huma.Operation{OperationID: "dashboard", Method: http.MethodGet, Path: "/analytics/dashboard",
		Summary: "The figures behind the dashboard's widgets (those the caller's role may see)", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body analytics.DashboardJSON }, error) {
			d, err := s.Analytics.Dashboard(ctx, actorFrom(ctx))
			if err != nil {
				return nil, s.fail(ctx, "dashboard", err)
			}
			return &struct{ Body analytics.DashboardJSON }{d.JSON()}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "dashboard-widgets", Method: http.MethodPut, Path: "/analytics/dashboard/widgets",
		Summary: "Choose the widgets your dashboard hides", Tags: tags},
		func(ctx context.Context, in *struct {
			Body struct {
				Hidden []string `json:"hidden" maxItems:"20" doc:"Any of revenue, sales, pipeline, engagement, service, trends, loyalty."`
			}
		}) (*struct {
			Body struct {
				Hidden []string `json:"hidden"`
			}
		}, error) {
			h, err := s.Analytics.HideWidgets(ctx, actorFrom(ctx), in.Body.Hidden)
			if err != nil {
				return nil, s.fail(ctx, "dashboard widgets", err)
			}
			out := &struct {
				Body struct {
					Hidden []string `json:"hidden"`
				}
			}{}
			out.Body.Hidden = h
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "kpis", Method: http.MethodGet, Path: "/analytics/kpis",
		Summary: "The key figures of a period, each with its definition", Tags: tags},
		func(ctx context.Context, in *struct {
			From string `query:"from" doc:"First day, YYYY-MM-DD (default: 30 days ago)."`
			To   string `query:"to" doc:"Last day, YYYY-MM-DD (default: today)."`
		}) (*struct{ Body KPIReportJSON }, error) {
			now := time.Now().UTC()
			to, err := parseDay("to", in.To, now)
			if err != nil {
				return nil, s.fail(ctx, "kpis", err)
			}
			from, err := parseDay("from", in.From, to.AddDate(0, 0, -29))
			if err != nil {
				return nil, s.fail(ctx, "kpis", err)
			}
			r, err := s.Analytics.KPIs(ctx, actorFrom(ctx), from, to)
			if err != nil {
				return nil, s.fail(ctx, "kpis", err)
			}
			out := KPIReportJSON{From: r.From, To: r.To, Currency: r.Currency, KPIs: []KPIJSON{}, Revenue: []MoneyJSON{},
				CAC: []ChannelCACJSON{}, Funnel: []FunnelJSON{}, Reps: []RepJSON{}, Monthly: []MonthJSON{}, Targets: []TargetRowJSON{},
				Campaigns: []CampaignROIJSON{}}
			for _, m := range r.Monthly {
				out.Monthly = append(out.Monthly, MonthJSON{Month: m.Month, Revenue: float64(m.Revenue) / analytics.Scale,
					NewCustomers: m.NewCustomers, CSAT: m.CSAT, NPS: m.NPS})
			}
			for _, t := range r.Targets {
				out.Targets = append(out.Targets, TargetRowJSON{Who: t.Who, Metric: t.Metric, From: t.From, To: t.To, Target: t.Target,
					Attained: t.Attained, Currency: t.Currency})
			}
			for _, c := range r.Campaigns {
				out.Campaigns = append(out.Campaigns, CampaignROIJSON{ID: c.ID, Name: c.Name, Started: c.Started.Format("2006-01-02"),
					Cost: float64(c.Cost) / analytics.Scale, Revenue: float64(c.Revenue) / analytics.Scale, Currency: c.Currency, ROI: c.ROI})
			}
			for _, k := range r.KPIs {
				out.KPIs = append(out.KPIs, KPIJSON{Key: k.Key, Name: k.Name, Value: k.Value, Unit: k.Unit, Definition: k.Definition})
			}
			for _, m := range r.Revenue {
				out.Revenue = append(out.Revenue, MoneyJSON{Currency: m.Currency, Amount: float64(m.Amount) / analytics.Scale})
			}
			for _, c := range r.CACByChannel {
				out.CAC = append(out.CAC, ChannelCACJSON{Channel: c.Channel, Cost: float64(c.Cost) / analytics.Scale,
					NewCustomers: c.NewCustomers, CAC: c.CAC})
			}
			for _, f := range r.Funnel {
				out.Funnel = append(out.Funnel, FunnelJSON{Source: f.Source, Campaign: f.Campaign, Leads: f.Leads, Qualified: f.Qualified,
					Opportunities: f.Opportunities, Won: f.Won})
			}
			for _, p := range r.Reps {
				out.Reps = append(out.Reps, RepJSON{UserID: p.UserID, Name: p.Name, Currency: p.Currency, Won: p.Won,
					WonAmount: float64(p.WonAmount) / analytics.Scale, Lost: p.Lost})
			}
			return &struct{ Body KPIReportJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "add-cost", Method: http.MethodPost, Path: "/analytics/costs",
		Summary: "Record a sales or marketing cost (for acquisition cost)", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct{ Body CostJSON }) (*struct{ Body CostJSON }, error) {
			amount := int64(in.Body.Amount*analytics.Scale + 0.5)
			c, err := s.Analytics.AddCost(ctx, actorFrom(ctx), analytics.Cost{Day: in.Body.Day, Kind: in.Body.Kind,
				Channel: in.Body.Channel, Amount: amount, Currency: in.Body.Currency, Note: in.Body.Note})
			if err != nil {
				return nil, s.fail(ctx, "add cost", err)
			}
			out := in.Body
			out.ID, out.Channel, out.Note = c.ID, c.Channel, c.Note
			return &struct{ Body CostJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "list-costs", Method: http.MethodGet, Path: "/analytics/costs",
		Summary: "The cost entries of a period", Tags: tags},
		func(ctx context.Context, in *struct {
			From string `query:"from" doc:"First day, YYYY-MM-DD (default: 30 days ago)."`
			To   string `query:"to" doc:"Last day, YYYY-MM-DD (default: today)."`
		}) (*struct{ Body []CostJSON }, error) {
			to, err := parseDay("to", in.To, time.Now().UTC())
			if err != nil {
				return nil, s.fail(ctx, "costs", err)
			}
			from, err := parseDay("from", in.From, to.AddDate(0, 0, -29))
			if err != nil {
				return nil, s.fail(ctx, "costs", err)
			}
			cs, err := s.Analytics.Costs(ctx, actorFrom(ctx), from, to)
			if err != nil {
				return nil, s.fail(ctx, "costs", err)
			}
			out := []CostJSON{}
			for _, c := range cs {
				out = append(out, CostJSON{ID: c.ID, Day: c.Day, Kind: c.Kind, Channel: c.Channel,
					Amount: float64(c.Amount) / analytics.Scale, Currency: c.Currency, Note: c.Note})
			}
			return &struct{ Body []CostJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "cohorts", Method: http.MethodGet, Path: "/analytics/cohorts",
		Summary: "Retention by month of first purchase", Tags: tags},
		func(ctx context.Context, in *struct {
			Months int `query:"months" minimum:"1" maximum:"36" default:"12"`
		}) (*struct{ Body []CohortJSON }, error) {
			cs, err := s.Analytics.Cohorts(ctx, actorFrom(ctx), in.Months)
			if err != nil {
				return nil, s.fail(ctx, "cohorts", err)
			}
			out := []CohortJSON{}
			for _, c := range cs {
				j := CohortJSON{Month: c.Month, Active: c.Active}
				if len(c.Active) > 0 {
					j.Customers = c.Active[0]
				}
				for _, n := range c.Active {
					r := 0.0
					if j.Customers > 0 {
						r = float64(n) / float64(j.Customers)
					}
					j.Retention = append(j.Retention, r)
				}
				out = append(out, j)
			}
			return &struct{ Body []CohortJSON }{out}, nil
		})
	// The live dashboard: the figures again whenever they change, checked
	// every second (changes through any instance are seen, since the
	// figures come from the database's roll-ups).
	mux.HandleFunc("GET /analytics/stream", func(w http.ResponseWriter, r *http.Request) {
		a := actorFrom(r.Context())
		if _, err := s.Analytics.Dashboard(r.Context(), a); err != nil {
			writeProblem(w, problemFor(err))
			return
		}
		analytics.StreamDashboard(w, r, func(ctx context.Context) (analytics.Dashboard, error) { return s.Analytics.Dashboard(ctx, a) })
	})
}
