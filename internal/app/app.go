// Package app wires SCRMS together: configuration, storage, services, the web
// UI, the JSON API, background jobs and the HTTP server.
package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	netmail "net/mail"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/scrms/scrms/internal/analytics"
	"github.com/scrms/scrms/internal/api"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/config"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/hub"
	"github.com/scrms/scrms/internal/jobs"
	"github.com/scrms/scrms/internal/loyalty"
	"github.com/scrms/scrms/internal/mail"
	"github.com/scrms/scrms/internal/marketing"
	"github.com/scrms/scrms/internal/notify"
	"github.com/scrms/scrms/internal/ratelimit"
	"github.com/scrms/scrms/internal/reports"
	"github.com/scrms/scrms/internal/sales"
	"github.com/scrms/scrms/internal/store"
	"github.com/scrms/scrms/internal/support"
	"github.com/scrms/scrms/internal/web"
	"github.com/scrms/scrms/internal/webhook"
)

// App is a running SCRMS: its store, services and HTTP handler.
type App struct {
	Config     config.Config
	Log        *slog.Logger
	Store      *store.Store
	Auth       *auth.Service
	Customers  *customer.Service
	Notify     *notify.Service
	Sales      *sales.Service
	Orders     *sales.OrderService
	Catalogue  *sales.Catalogue
	Leads      *sales.LeadService
	Activities *sales.ActivityService
	Targets    *sales.Targets
	Quotes     *sales.Quotes
	Deals      *sales.DealDetails
	forms      *ratelimit.Limiter
	Board      *hub.Hub
	Support    *support.Service
	Marketing  *marketing.Service
	Loyalty    *loyalty.Service
	Analytics  *analytics.Service
	Reports    *reports.Service
	Webhooks   *webhook.Service
	Jobs       *jobs.Runner
	Handler    http.Handler
	Registry   *prometheus.Registry
	version    string
	clock      func() time.Time
}

// Options adjust an App for tests and tools.
type Options struct {
	PasswordParams auth.PasswordParams // zero: the production cost
	Now            func() time.Time
	BulkLoad       bool // tune the database for a large load (demo)
}

// New opens the database, migrates it and builds every service.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, version string, opt Options) (*App, error) {
	st, err := store.Open(ctx, cfg.DatabaseURL, log, store.Options{CacheMB: cfg.SQLiteCacheMB, BulkLoad: opt.BulkLoad})
	if err != nil {
		return nil, err
	}
	applied, err := st.Migrate(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	if len(applied) > 0 {
		log.Info("database migrated", "engine", st.Engine(), "applied", applied)
	}
	params := opt.PasswordParams
	if params == (auth.PasswordParams{}) {
		params = auth.DefaultPasswordParams
	}
	a := &App{Config: cfg, Log: log, Store: st, version: version, Registry: prometheus.NewRegistry(), clock: opt.Now}
	a.Auth = auth.NewService(st, auth.NewHasher(params, 2), auth.Options{Now: opt.Now})
	a.Notify = notify.NewService(st, opt.Now)
	a.Notify.BaseURL = cfg.BaseURL
	if cfg.SMTPURL != "" {
		m, err := mail.New(cfg.SMTPURL, cfg.MailFrom)
		if err != nil {
			st.Close()
			return nil, err
		}
		if cfg.DKIMKey != "" {
			pemBytes, err := os.ReadFile(cfg.DKIMKey)
			if err == nil {
				err = m.SignDKIM(cfg.DKIMSelector, pemBytes)
			}
			if err != nil {
				st.Close()
				return nil, fmt.Errorf("DKIM (SCRMS_DKIM_KEY_FILE): %w", err)
			}
		}
		a.Notify.Mail = m
	}
	a.Customers = customer.NewService(st, customer.Options{DefaultRegion: cfg.DefaultRegion, Now: opt.Now,
		Notify: a.Notify.ToPermitted, Mention: a.Notify.Mentions})
	if err := a.Customers.LoadStages(ctx); err != nil {
		st.Close()
		return nil, err
	}
	a.Board = hub.New()
	a.forms = ratelimit.New(5, 30)
	a.Sales = sales.NewService(st, opt.Now, a.Board, func(ctx context.Context, actor auth.Actor, id int64) (string, error) {
		c, err := a.Customers.FindCustomer(ctx, actor, id)
		if err != nil {
			return "", err
		}
		if c.Deleted() {
			return "", fault.New(fault.NotFound, "Customer %d was not found.", id)
		}
		return c.Name, nil
	})
	a.Orders = sales.NewOrderService(st, a.Customers, opt.Now)
	a.Catalogue = sales.NewCatalogue(st, opt.Now)
	a.Leads = sales.NewLeadService(st, a.Customers, a.Sales, opt.Now)
	a.Targets = sales.NewTargets(st, opt.Now)
	a.Quotes = sales.NewQuotes(st, a.Sales, st, a.Orders, opt.Now)
	a.Deals = sales.NewDealDetails(st, a.Sales, st, a.Customers)
	if a.Notify.Mail != nil {
		a.Quotes.Mail = a.Notify.Mail
	}
	a.Support = support.NewService(st, a.Customers, a.Notify, nil, opt.Now)
	a.Marketing = marketing.NewService(st, opt.Now)
	a.Loyalty = loyalty.NewService(st, a.Customers, opt.Now)
	a.Analytics = analytics.NewService(st, a.Customers, opt.Now)
	a.Reports = reports.NewService(st, a.Auth, string(st.Engine()), opt.Now)
	if a.Notify.Mail != nil {
		a.Reports.Mail = func(ctx context.Context, to []string, subject, text string, csv []byte, name string) error {
			msgs := make([]mail.Message, len(to))
			for i, addr := range to {
				msgs[i] = mail.Message{To: addr, Subject: subject, Text: text,
					Attachments: []mail.Attachment{{Name: name, Type: "text/csv", Data: csv}}}
			}
			return a.Notify.Mail.Send(ctx, msgs...)
		}
	}
	a.Webhooks = webhook.NewService(st, opt.Now)
	a.Webhooks.AllowPrivate = cfg.WebhookPrivate
	a.Marketing.SMSClient = webhook.SafeClient(cfg.WebhookPrivate, 15*time.Second)
	for _, p := range []*func(context.Context, string, any){&a.Customers.Publish, &a.Support.Publish, &a.Marketing.Publish,
		&a.Sales.Publish, &a.Orders.Publish, &a.Quotes.Publish} {
		*p = a.publish
	}
	a.Marketing.BaseURL, a.Marketing.Lease = cfg.BaseURL, cfg.CampaignLease
	if from := mailAddress(cfg.MailFrom); strings.Contains(from, "@") {
		a.Marketing.BounceDomain = from[strings.LastIndexByte(from, '@')+1:]
	}
	if smtp, ok := a.Notify.Mail.(*mail.SMTP); ok {
		a.Marketing.Sender = smtp
	}
	fresh := make([]byte, 32)
	rand.Read(fresh)
	key, err := st.SettingOrInit(ctx, "link_signing_key", hex.EncodeToString(fresh))
	if err != nil {
		st.Close()
		return nil, err
	}
	if a.Marketing.Secret, err = hex.DecodeString(key); err != nil {
		st.Close()
		return nil, fmt.Errorf("the link signing key in settings is damaged: %w", err)
	}
	a.Loyalty.Secret, a.Loyalty.BaseURL = a.Marketing.Secret, cfg.BaseURL
	a.Support.Tiers = a.Loyalty.TierLabels
	a.Support.Answered = func(ctx context.Context, customerID, surveyID int64) {
		if err := a.Loyalty.SurveyAnswered(context.WithoutCancel(ctx), customerID, surveyID); err != nil {
			a.Log.Warn("loyalty points for a survey answer not given", "survey", surveyID, "err", err)
		}
	}
	if a.Notify.Mail != nil {
		a.wireLoyaltyMail(a.Notify.Mail)
	}
	if n, err := a.Loyalty.Recover(ctx); err != nil {
		st.Close()
		return nil, err
	} else if n > 0 {
		log.Warn("loyalty statements and notices whose email a stop interrupted are marked uncertain and not sent again", "emails", n)
	}
	a.Marketing.Fields = func(ctx context.Context, actor auth.Actor, id int64) (map[string]string, error) {
		c, err := a.Customers.FindCustomer(ctx, actor, id)
		if err != nil {
			return nil, err
		}
		f := map[string]string{"first_name": c.FirstName, "last_name": c.LastName, "name": c.Name,
			"email": c.PrimaryEmail(), "customer_id": fmt.Sprint(c.ID)}
		if len(c.Addresses) > 0 {
			f["city"], f["country"] = c.Addresses[0].City, c.Addresses[0].Country
		}
		return f, nil
	}
	a.Analytics.Targets = func(ctx context.Context, actor auth.Actor) ([]analytics.TargetRow, error) {
		ts, err := a.Targets.Current(ctx, actor)
		if err != nil {
			return nil, err
		}
		out := make([]analytics.TargetRow, len(ts))
		for i, t := range ts {
			who := t.UserName
			if who == "" {
				who = t.TeamName + " (team)"
			}
			out[i] = analytics.TargetRow{Who: who, Metric: t.Metric, From: t.PeriodStart, To: t.PeriodEnd, Currency: t.Currency,
				Target: t.Target, Attained: t.Attained}
		}
		return out, nil
	}
	a.Analytics.Campaigns = func(ctx context.Context, actor auth.Actor, from, to time.Time) ([]analytics.CampaignROI, error) {
		cs, err := a.Marketing.Campaigns(ctx, actor)
		if err != nil {
			return nil, err
		}
		var out []analytics.CampaignROI
		for _, c := range cs {
			if c.StartedAt.IsZero() || c.StartedAt.Before(from) || !c.StartedAt.Before(to) {
				continue
			}
			rep, err := a.Marketing.CampaignReport(ctx, actor, c.ID)
			if err != nil {
				return nil, err
			}
			row := analytics.CampaignROI{ID: c.ID, Name: c.Name, Started: c.StartedAt, Cost: c.Cost}
			for cur, v := range rep.LastTouch.Revenue {
				row.Revenue, row.Currency = v, cur
			}
			if roi, ok := rep.ROI(rep.LastTouch); ok {
				row.ROI = &roi
			}
			out = append(out, row)
		}
		return out, nil
	}
	a.Marketing.Products = func(ctx context.Context, customerID int64, n int) ([]marketing.ProductCard, error) {
		recs, err := a.Analytics.RecommendFor(ctx, customerID, n)
		if err != nil {
			return nil, err
		}
		out := make([]marketing.ProductCard, len(recs))
		for i, r := range recs {
			out[i] = marketing.ProductCard{SKU: r.Product.SKU, Name: r.Product.Name, Reason: r.Reason}
			if r.Product.Price > 0 {
				out[i].Price = strings.TrimSpace(sales.FormatScaled(r.Product.Price) + " " + r.Product.Currency)
			}
		}
		return out, nil
	}
	a.Marketing.Consent = func(ctx context.Context, customerID int64, channel, status, source, proof, ip string) error {
		_, err := a.Customers.RecordConsent(ctx, auth.System("campaigns"), customerID, customer.ConsentInput{Purpose: "marketing",
			Channel: channel, Status: status, Source: source, Proof: proof, IP: ip})
		return err
	}
	a.Support.MailFrom, a.Support.BaseURL = mailAddress(cfg.MailFrom), cfg.BaseURL
	if a.Notify.Mail != nil {
		a.Support.Mail = a.Notify.Mail
	}
	if err := a.Support.LoadModel(ctx); err != nil {
		log.Warn("case category model not loaded", "err", err)
	}
	a.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(st.DB(), "write"))
	if st.ReadDB() != st.DB() {
		a.Registry.MustRegister(collectors.NewDBStatsCollector(st.ReadDB(), "read"))
	}
	work := jobs.Work{
		Remind: func(ctx context.Context, id int64, at time.Time) (bool, error) {
			return a.Activities.SendReminder(ctx, id, at)
		},
		Digest:         a.Notify.SendDigests,
		Escalate:       a.Support.Escalate,
		CheckSLA:       a.Support.CheckDue,
		RunSurveyForms: a.Support.RunSurveyForms,
		SendCampaigns:  a.Marketing.SendDue,
		RunJourneys:    a.Marketing.RunJourneys,
		RunLoyalty:     a.Loyalty.Run,
		SendReports:    a.Reports.SendDue,
		FitCLV: func(ctx context.Context) error {
			_, err := a.RunAnalytics(ctx)
			return err
		},
		DeliverWebhook: a.Webhooks.Deliver,
		SendSurveyMail: func(ctx context.Context, id int64) (bool, error) {
			return a.Support.SendSurveyMail(ctx, a.Notify.Mail, id)
		},
		SendCaseMail: func(ctx context.Context, id int64) (bool, error) {
			return a.Support.SendCaseMail(ctx, a.Notify.Mail, id)
		},
		TrainCaseModel: func(ctx context.Context) error {
			rep, err := a.Support.TrainModel(ctx, nil)
			if fault.Is(err, fault.Invalid) {
				a.Log.Info("case category model not trained", "reason", err.Error())
				return nil
			}
			if err == nil {
				a.Log.Info("case category model trained", "examples", rep.Examples, "categories", rep.Categories,
					"accuracy", rep.Accuracy, "took", rep.Took.String())
			}
			return err
		},
	}
	a.Jobs, err = jobs.New(ctx, st, a.Customers, a.Auth, work, cfg.DatabaseURL, log, a.Registry, cfg.Jobs)
	if err != nil {
		st.Close()
		return nil, err
	}
	a.Activities = sales.NewActivityService(st, a.Jobs, a.Customers, opt.Now)
	a.Activities.Email = a.Notify.EmailUsers
	a.Support.SetJobs(a.Jobs)
	a.Marketing.SetJobs(a.Jobs)
	a.Webhooks.SetJobs(a.Jobs)
	a.Support.FollowUp = func(ctx context.Context, owner, customerID int64, subject, notes string) (int64, error) {
		kind, due := "task", a.now().Add(24*time.Hour)
		act, err := a.Activities.CreateActivity(ctx, auth.System("surveys"), sales.ActivityInput{Kind: &kind,
			Subject: &subject, Notes: &notes, OwnerID: &owner, CustomerID: &customerID, DueAt: &due})
		return act.ID, err
	}
	a.Analytics.ChurnTask = func(ctx context.Context, owner, customerID int64, subject, notes string) error {
		kind, due := "task", a.now().Add(48*time.Hour)
		_, err := a.Activities.CreateActivity(ctx, auth.System("churn"), sales.ActivityInput{Kind: &kind, Subject: &subject,
			Notes: &notes, OwnerID: &owner, CustomerID: &customerID, DueAt: &due})
		return err
	}
	a.Marketing.Actions = marketing.JourneyActions{
		AddTag: func(ctx context.Context, id int64, tag string) error {
			c, err := a.Customers.FindCustomer(ctx, auth.System("journeys"), id)
			if err != nil || slices.Contains(c.Tags, tag) {
				return err
			}
			tags := append(c.Tags, tag)
			_, err = a.Customers.UpdateCustomer(ctx, auth.System("journeys"), id, customer.Update{Tags: &tags})
			return err
		},
		SetStage: func(ctx context.Context, id int64, stage string) error {
			_, err := a.Customers.UpdateCustomer(ctx, auth.System("journeys"), id, customer.Update{LifecycleStage: &stage})
			return err
		},
		Task: func(ctx context.Context, id int64, subject string, dueDays int) error {
			c, err := a.Customers.FindCustomer(ctx, auth.System("journeys"), id)
			if err != nil {
				return err
			}
			if c.OwnerID == 0 {
				return fmt.Errorf("the customer has no owner to give the task to")
			}
			kind, due, owner := "task", a.now().Add(time.Duration(max(dueDays, 0))*24*time.Hour), c.OwnerID
			_, err = a.Activities.CreateActivity(ctx, auth.System("journeys"), sales.ActivityInput{Kind: &kind,
				Subject: &subject, OwnerID: &owner, CustomerID: &id, DueAt: &due})
			return err
		},
	}
	a.Handler = a.routes()
	return a, nil
}

// publish hands a domain event to the webhooks and to the journeys it
// starts (the customer is the event's customer_id, or its id for customer
// events).
func (a *App) publish(ctx context.Context, event string, data any) {
	a.Webhooks.Publish(ctx, event, data)
	m, ok := data.(map[string]any)
	if !ok {
		return
	}
	key := "customer_id"
	if strings.HasPrefix(event, "customer.") {
		key = "id"
	}
	if id, ok := m[key].(int64); ok {
		a.Marketing.OnEvent(context.WithoutCancel(ctx), event, id)
	}
}

func (a *App) routes() http.Handler {
	mux := http.NewServeMux()
	apiHandler := api.New(api.Deps{Auth: a.Auth, Customers: a.Customers, Audit: a.Store, Idempotency: a.Store, Scans: a.Jobs, Imports: a.Jobs, Notify: a.Notify, Sales: a.Sales, Orders: a.Orders, Catalogue: a.Catalogue, Leads: a.Leads, Activities: a.Activities, Targets: a.Targets, Quotes: a.Quotes, DealDetails: a.Deals, Support: a.Support, Marketing: a.Marketing, Loyalty: a.Loyalty, Analytics: a.Analytics, Reports: a.Reports, Webhooks: a.Webhooks,
		Log: a.Log, MaxBodyBytes: a.Config.MaxBodyBytes, Version: a.version, BaseURL: a.Config.BaseURL,
		RequestID: RequestID})
	mux.Handle(api.Prefix+"/", http.StripPrefix(api.Prefix, apiHandler))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := a.Store.Ping(ctx); err != nil {
			a.Log.Warn("not ready", "err", err)
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.HandleFunc("POST /webhooks/inventory", a.inventoryWebhook)
	mux.HandleFunc("POST /forms/{key}", a.leadForm)
	mux.HandleFunc("OPTIONS /forms/{key}", a.leadForm)
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.Registry, promhttp.HandlerOpts{}))
	mux.Handle("/", web.New(web.Deps{Auth: a.Auth, Customers: a.Customers, Notify: a.Notify, Scans: a.Jobs, Imports: a.Jobs, Sales: a.Sales, Orders: a.Orders, Leads: a.Leads, Activities: a.Activities, Targets: a.Targets, Quotes: a.Quotes, DealDetails: a.Deals, Catalogue: a.Catalogue, Support: a.Support, Marketing: a.Marketing, Loyalty: a.Loyalty, Analytics: a.Analytics, Reports: a.Reports, Mobile: a.Store, BoardHub: a.Board, Audit: a.Store, Log: a.Log,
		SecureCookies: a.Config.SecureCookies, BaseURL: a.Config.BaseURL, RequestID: RequestID, Version: a.version}))
	// Cross-origin state changes are refused everywhere; API clients send no
	// browser origin headers and pass.
	cop := http.NewCrossOriginProtection()
	// Web forms are posted from the business's own sites, by design.
	cop.AddInsecureBypassPattern("POST /forms/{key}")
	// One-click unsubscribes are posted by mail providers (RFC 8058).
	cop.AddInsecureBypassPattern("POST /u/{token}")
	// So is the live chat widget; its calls carry the visitor's secret.
	cop.AddInsecureBypassPattern("POST /chat/api/")
	protected := cop.Handler(mux)
	return observe(a.Log, newHTTPMetrics(a.Registry), protected)
}

// Serve listens on the configured address until ctx ends, then shuts down
// gracefully: it stops accepting, lets requests finish, and stops the jobs.
func (a *App) Serve(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.Config.Addr, err)
	}
	return a.ServeListener(ctx, ln)
}

// InboundSMTP builds the inbound SMTP listener: support mail for the
// queues' addresses, delivery reports for campaign bounce addresses.
func (a *App) InboundSMTP(log *slog.Logger) *support.SMTPServer {
	smtpd := support.NewSMTPServer(a.Support, hostOf(a.Config.BaseURL), log)
	smtpd.Other = a.Marketing.BounceHandler
	return smtpd
}

// ServeListener serves on ln until ctx ends.
func (a *App) ServeListener(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn)}
	if err := a.Jobs.Start(ctx); err != nil {
		return err
	}
	if a.Config.PprofAddr != "" {
		go a.servePprof(ctx)
	}
	if a.Config.InboundSMTPAddr != "" {
		sln, err := net.Listen("tcp", a.Config.InboundSMTPAddr)
		if err != nil {
			return fmt.Errorf("listen for inbound email on %s: %w", a.Config.InboundSMTPAddr, err)
		}
		smtpd := a.InboundSMTP(a.Log.With("component", "smtp"))
		go func() {
			if err := smtpd.Serve(sln); err != nil {
				a.Log.Error("inbound SMTP", "err", err)
			}
		}()
		go func() {
			<-ctx.Done()
			smtpd.Close()
		}()
		a.Log.Info("receiving email", "addr", sln.Addr().String())
	}
	// Stages configured through another instance arrive within half a minute.
	go func() {
		t := time.NewTicker(30 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := a.Customers.LoadStages(ctx); err != nil && ctx.Err() == nil {
					a.Log.Warn("reload lifecycle stages", "err", err)
				}
			}
		}
	}()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.Log.Info("SCRMS listening", "addr", ln.Addr().String(), "engine", a.Store.Engine(), "version", a.version)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down", "timeout", a.Config.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if jerr := a.Jobs.Stop(sctx); jerr != nil {
		err = errors.Join(err, jerr)
	}
	return err
}

func (a *App) now() time.Time {
	if a.clock != nil {
		return a.clock()
	}
	return time.Now()
}

// mailAddress returns the bare address of a sender like "SCRMS <crm@example.com>".
func mailAddress(from string) string {
	if a, err := netmail.ParseAddress(from); err == nil {
		return strings.ToLower(a.Address)
	}
	return strings.ToLower(strings.TrimSpace(from))
}

func hostOf(base string) string {
	if u, err := url.Parse(base); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "localhost"
}

// Close releases the database.
func (a *App) Close() error { return a.Store.Close() }

// servePprof serves Go's profiler on its own listener, never on the public one.
func (a *App) servePprof(ctx context.Context) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Addr: a.Config.PprofAddr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	a.Log.Info("profiler listening", "addr", a.Config.PprofAddr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		a.Log.Error("profiler", "err", err)
	}
}
