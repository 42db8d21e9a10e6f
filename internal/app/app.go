// Package app wires SCRMS together: configuration, storage, services, the web
// UI, the JSON API, background jobs and the HTTP server.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	netmail "net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/scrms/scrms/internal/api"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/config"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/jobs"
	"github.com/scrms/scrms/internal/mail"
	"github.com/scrms/scrms/internal/notify"
	"github.com/scrms/scrms/internal/sales"
	"github.com/scrms/scrms/internal/store"
	"github.com/scrms/scrms/internal/support"
	"github.com/scrms/scrms/internal/web"
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
	forms      formLimiter
	Board      *sales.Hub
	Support    *support.Service
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
		a.Notify.Mail = m
	}
	a.Customers = customer.NewService(st, customer.Options{DefaultRegion: cfg.DefaultRegion, Now: opt.Now,
		Notify: a.Notify.ToPermitted, Mention: a.Notify.Mentions})
	if err := a.Customers.LoadStages(ctx); err != nil {
		st.Close()
		return nil, err
	}
	a.Board = sales.NewHub()
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
	a.Support.MailFrom, a.Support.BaseURL = mailAddress(cfg.MailFrom), cfg.BaseURL
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
		Digest:   a.Notify.SendDigests,
		Escalate: a.Support.Escalate,
		CheckSLA: a.Support.CheckDue,
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
	a.Support.FollowUp = func(ctx context.Context, owner, customerID int64, subject, notes string) (int64, error) {
		kind, due := "task", a.now().Add(24*time.Hour)
		act, err := a.Activities.CreateActivity(ctx, auth.System("surveys"), sales.ActivityInput{Kind: &kind,
			Subject: &subject, Notes: &notes, OwnerID: &owner, CustomerID: &customerID, DueAt: &due})
		return act.ID, err
	}
	a.Handler = a.routes()
	return a, nil
}

func (a *App) routes() http.Handler {
	mux := http.NewServeMux()
	apiHandler := api.New(api.Deps{Auth: a.Auth, Customers: a.Customers, Audit: a.Store, Idempotency: a.Store, Scans: a.Jobs, Imports: a.Jobs, Notify: a.Notify, Sales: a.Sales, Orders: a.Orders, Catalogue: a.Catalogue, Leads: a.Leads, Activities: a.Activities, Targets: a.Targets, Quotes: a.Quotes, DealDetails: a.Deals, Support: a.Support,
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
	mux.Handle("/", web.New(web.Deps{Auth: a.Auth, Customers: a.Customers, Notify: a.Notify, Scans: a.Jobs, Imports: a.Jobs, Sales: a.Sales, Orders: a.Orders, Leads: a.Leads, Activities: a.Activities, Targets: a.Targets, Quotes: a.Quotes, DealDetails: a.Deals, Catalogue: a.Catalogue, Support: a.Support, BoardHub: a.Board, Audit: a.Store, Log: a.Log,
		SecureCookies: a.Config.SecureCookies, BaseURL: a.Config.BaseURL, RequestID: RequestID, Version: a.version}))
	// Cross-origin state changes are refused everywhere; API clients send no
	// browser origin headers and pass.
	cop := http.NewCrossOriginProtection()
	// Web forms are posted from the business's own sites, by design.
	cop.AddInsecureBypassPattern("POST /forms/{key}")
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
		smtpd := support.NewSMTPServer(a.Support, hostOf(a.Config.BaseURL), a.Log.With("component", "smtp"))
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
