// Package jobs runs SCRMS's background work on River: on PostgreSQL through
// pgx, on SQLite through River's SQLite driver, sharing the store's database.
// The seam is small (Runner) so that the queue can be replaced without
// touching the workers, which only call domain services and the store.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/store"
)

// queueClient is the part of a River client the runner uses; it does not
// depend on the driver's transaction type.
type queueClient interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	Subscribe(kinds ...river.EventKind) (<-chan *river.Event, func())
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	InsertMany(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
}

// Runner owns the job queue of one SCRMS process.
type Runner struct {
	client  queueClient
	enabled bool
	log     *slog.Logger
	done    *prometheus.CounterVec
	pool    *pgxpool.Pool
	stopSub func()
}

// CleanupArgs asks for expired sessions, sign-in attempts and idempotency
// keys to be removed.
type CleanupArgs struct{}

// Kind names the job.
func (CleanupArgs) Kind() string { return "cleanup" }

// DuplicateScanArgs asks for a queued duplicate scan to be run. ScanID 0
// (the daily scan) queues a new scan first, unless one is already going.
type DuplicateScanArgs struct {
	ScanID int64 `json:"scan_id"`
}

// Kind names the job.
func (DuplicateScanArgs) Kind() string { return "duplicate_scan" }

type duplicateScanWorker struct {
	river.WorkerDefaults[DuplicateScanArgs]
	customers *customer.Service
	log       *slog.Logger
}

func (w *duplicateScanWorker) Work(ctx context.Context, j *river.Job[DuplicateScanArgs]) error {
	id := j.Args.ScanID
	if id == 0 {
		sc, started, err := w.customers.RequestDuplicateScan(ctx, auth.System("jobs"))
		if err != nil || !started {
			return err
		}
		id = sc.ID
	}
	sc, err := w.customers.RunDuplicateScan(ctx, id)
	if err == nil {
		w.log.Info("duplicate scan done", "scan", sc.ID, "customers", sc.Scanned, "comparisons", sc.Comparisons,
			"pairs", sc.Found, "new", sc.New, "took", sc.FinishedAt.Sub(sc.StartedAt).String())
	}
	return err
}

// Timeout lets a scan of a large base run longer than River's default minute.
func (w *duplicateScanWorker) Timeout(*river.Job[DuplicateScanArgs]) time.Duration { return time.Hour }

// ImportArgs asks for an uploaded import to be run (or resumed).
type ImportArgs struct {
	ImportID int64 `json:"import_id"`
}

// Kind names the job.
func (ImportArgs) Kind() string { return "import" }

type importWorker struct {
	river.WorkerDefaults[ImportArgs]
	customers *customer.Service
	accounts  *auth.Service
	log       *slog.Logger
}

// Work runs the import as the user who started it, with that user's rights
// today. A retried job resumes at the import's checkpoint; a file SCRMS
// cannot read is not retried.
func (w *importWorker) Work(ctx context.Context, j *river.Job[ImportArgs]) error {
	job, err := w.customers.RunQueuedImportAs(ctx, j.Args.ImportID, func(userID int64) (auth.Actor, error) {
		u, err := w.accounts.FindUser(ctx, userID)
		if err != nil {
			return auth.Actor{}, err
		}
		if !u.Active {
			return auth.Actor{}, fault.New(fault.Forbidden, "The user who started the import is no longer active.")
		}
		return u.Actor("import", "", ""), nil
	})
	if err != nil {
		if c := fault.CodeOf(err); c == fault.Invalid || c == fault.Forbidden || c == fault.NotFound {
			return river.JobCancel(err)
		}
		return err
	}
	w.log.Info("import done", "import", job.ID, "rows", job.RowsDone, "imported", job.Imported, "updated", job.Updated,
		"skipped", job.Skipped, "rejected", job.Rejected)
	return nil
}

// Timeout lets a large import run for hours.
func (w *importWorker) Timeout(*river.Job[ImportArgs]) time.Duration { return 6 * time.Hour }

// Work is what the jobs call in the services.
type Work struct {
	Remind RemindFunc
	// Escalate runs a case's SLA escalation rules that are due.
	Escalate func(ctx context.Context, caseID int64) (int, error)
	// CheckSLA runs the escalations of every case whose check time has come.
	CheckSLA func(ctx context.Context) (int, error)
	// SendCaseMail sends an outgoing case email from the outbox.
	SendCaseMail func(ctx context.Context, messageID int64) (bool, error)
	// TrainCaseModel retrains the case category model.
	TrainCaseModel func(ctx context.Context) error
	// RunJourneys enters customers in journeys and takes the due steps.
	RunJourneys func(ctx context.Context) (int, error)
	// RunLoyalty books points for new orders and returns and does the
	// loyalty programs' nightly work (pending points, expiry, tiers,
	// statements) when it is due.
	RunLoyalty func(ctx context.Context) (int, error)
	// FitCLV fits the lifetime value models on the order history.
	FitCLV func(ctx context.Context) error
	// SendReports emails the scheduled reports that are due.
	SendReports func(ctx context.Context) (int, error)
	// DeliverWebhook sends one webhook delivery (attempt counts from 1).
	DeliverWebhook func(ctx context.Context, deliveryID int64, attempt int) error
	// SendCampaigns sends the campaigns that are due (and resumes stopped ones).
	SendCampaigns func(ctx context.Context) (int, error)
	// RunSurveyForms sends the survey forms that are due.
	RunSurveyForms func(ctx context.Context) (int, error)
	// SendSurveyMail sends one survey of a survey form.
	SendSurveyMail func(ctx context.Context, surveyID int64) (bool, error)
	// Digest emails the users their new notifications; it returns how many
	// digests went out.
	Digest func(ctx context.Context) (int, error)
}

// DigestArgs asks for the notification email digests to be sent.
type DigestArgs struct{}

// Kind names the job.
func (DigestArgs) Kind() string { return "notification_digest" }

type digestWorker struct {
	river.WorkerDefaults[DigestArgs]
	digest func(ctx context.Context) (int, error)
	log    *slog.Logger
}

func (w *digestWorker) Work(ctx context.Context, _ *river.Job[DigestArgs]) error {
	n, err := w.digest(ctx)
	if n > 0 {
		w.log.Info("notification digests sent", "users", n)
	}
	return err
}

// EnqueueDigest sends the digests now (rather than at the next hour).
func (r *Runner) EnqueueDigest(ctx context.Context) error {
	_, err := r.client.Insert(ctx, DigestArgs{}, nil)
	return err
}

// RemindFunc sends an activity's reminder scheduled for a time, once.
type RemindFunc func(ctx context.Context, activityID int64, scheduledFor time.Time) (bool, error)

// ReminderArgs asks for an activity's reminder to be sent at its time.
type ReminderArgs struct {
	ActivityID int64     `json:"activity_id"`
	At         time.Time `json:"at"`
}

// Kind names the job.
func (ReminderArgs) Kind() string { return "reminder" }

type reminderWorker struct {
	river.WorkerDefaults[ReminderArgs]
	remind RemindFunc
}

// Work sends the reminder. The job is kept in the database until it runs,
// so a reminder due while SCRMS was stopped goes out when it starts again;
// sending twice is prevented by the activity's reminded_at.
func (w *reminderWorker) Work(ctx context.Context, j *river.Job[ReminderArgs]) error {
	_, err := w.remind(ctx, j.Args.ActivityID, j.Args.At)
	return err
}

// SLACheckArgs asks for a case's escalation rules to be run at a time.
type SLACheckArgs struct {
	CaseID int64     `json:"case_id"`
	At     time.Time `json:"at"`
}

// Kind names the job.
func (SLACheckArgs) Kind() string { return "sla_check" }

type slaCheckWorker struct {
	river.WorkerDefaults[SLACheckArgs]
	escalate func(ctx context.Context, caseID int64) (int, error)
}

// Work runs the rules; each fires once per due time (the case's firing
// records say which have), so an early, late or repeated job is harmless.
func (w *slaCheckWorker) Work(ctx context.Context, j *river.Job[SLACheckArgs]) error {
	_, err := w.escalate(ctx, j.Args.CaseID)
	return err
}

// SLASweepArgs asks for every case whose check time has passed to be checked.
type SLASweepArgs struct{}

// Kind names the job.
func (SLASweepArgs) Kind() string { return "sla_sweep" }

type slaSweepWorker struct {
	river.WorkerDefaults[SLASweepArgs]
	check func(ctx context.Context) (int, error)
}

func (w *slaSweepWorker) Work(ctx context.Context, _ *river.Job[SLASweepArgs]) error {
	_, err := w.check(ctx)
	return err
}

// CaseMailArgs asks for an outgoing case email to be sent.
type CaseMailArgs struct {
	MessageID int64 `json:"message_id"`
}

// Kind names the job.
func (CaseMailArgs) Kind() string { return "case_mail" }

type caseMailWorker struct {
	river.WorkerDefaults[CaseMailArgs]
	send func(ctx context.Context, messageID int64) (bool, error)
}

func (w *caseMailWorker) Work(ctx context.Context, j *river.Job[CaseMailArgs]) error {
	_, err := w.send(ctx, j.Args.MessageID)
	return err
}

// SurveyMailArgs asks for a survey form's survey to be emailed.
type SurveyMailArgs struct {
	SurveyID int64 `json:"survey_id"`
}

// Kind names the job.
func (SurveyMailArgs) Kind() string { return "survey_mail" }

type surveyMailWorker struct {
	river.WorkerDefaults[SurveyMailArgs]
	send func(ctx context.Context, surveyID int64) (bool, error)
}

func (w *surveyMailWorker) Work(ctx context.Context, j *river.Job[SurveyMailArgs]) error {
	_, err := w.send(ctx, j.Args.SurveyID)
	return err
}

// SurveyFormsArgs asks for the due survey forms to be sent.
type SurveyFormsArgs struct{}

// Kind names the job.
func (SurveyFormsArgs) Kind() string { return "survey_forms" }

type surveyFormsWorker struct {
	river.WorkerDefaults[SurveyFormsArgs]
	run func(ctx context.Context) (int, error)
	log *slog.Logger
}

func (w *surveyFormsWorker) Work(ctx context.Context, _ *river.Job[SurveyFormsArgs]) error {
	n, err := w.run(ctx)
	if n > 0 {
		w.log.Info("surveys sent", "surveys", n)
	}
	return err
}

// Timeout lets a survey go to a large audience.
func (w *surveyFormsWorker) Timeout(*river.Job[SurveyFormsArgs]) time.Duration { return time.Hour }

// JourneysArgs asks for the journeys' due steps to be taken.
type JourneysArgs struct{}

// Kind names the job.
func (JourneysArgs) Kind() string { return "journeys" }

type journeysWorker struct {
	river.WorkerDefaults[JourneysArgs]
	run func(ctx context.Context) (int, error)
}

func (w *journeysWorker) Work(ctx context.Context, _ *river.Job[JourneysArgs]) error {
	_, err := w.run(ctx)
	return err
}

// Timeout lets a run over many customers take its time.
func (w *journeysWorker) Timeout(*river.Job[JourneysArgs]) time.Duration { return time.Hour }

// LoyaltyArgs asks for the loyalty run.
type LoyaltyArgs struct{}

// Kind names the job.
func (LoyaltyArgs) Kind() string { return "loyalty" }

// loyaltyOnce keeps one loyalty run queued or running at a time.
var loyaltyOnce = &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{rivertype.JobStateAvailable,
	rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}

type loyaltyWorker struct {
	river.WorkerDefaults[LoyaltyArgs]
	run func(ctx context.Context) (int, error)
}

func (w *loyaltyWorker) Work(ctx context.Context, _ *river.Job[LoyaltyArgs]) error {
	_, err := w.run(ctx)
	return err
}

// Timeout lets a run over many orders take its time.
func (w *loyaltyWorker) Timeout(*river.Job[LoyaltyArgs]) time.Duration { return time.Hour }

// CLVArgs asks for the lifetime value models to be fitted again.
type CLVArgs struct{}

// Kind names the job.
func (CLVArgs) Kind() string { return "clv_fit" }

type clvWorker struct {
	river.WorkerDefaults[CLVArgs]
	fit func(ctx context.Context) error
}

func (w *clvWorker) Work(ctx context.Context, _ *river.Job[CLVArgs]) error { return w.fit(ctx) }

// Timeout lets a fit over many customers take its time.
func (w *clvWorker) Timeout(*river.Job[CLVArgs]) time.Duration { return time.Hour }

// ReportsArgs asks for the due scheduled reports to be sent.
type ReportsArgs struct{}

// Kind names the job.
func (ReportsArgs) Kind() string { return "scheduled_reports" }

type reportsWorker struct {
	river.WorkerDefaults[ReportsArgs]
	send func(ctx context.Context) (int, error)
}

func (w *reportsWorker) Work(ctx context.Context, _ *river.Job[ReportsArgs]) error {
	_, err := w.send(ctx)
	return err
}

// WebhookArgs asks for a webhook delivery to be sent.
type WebhookArgs struct {
	DeliveryID int64 `json:"delivery_id"`
}

// Kind names the job.
func (WebhookArgs) Kind() string { return "webhook_delivery" }

type webhookWorker struct {
	river.WorkerDefaults[WebhookArgs]
	deliver func(ctx context.Context, deliveryID int64, attempt int) error
}

func (w *webhookWorker) Work(ctx context.Context, j *river.Job[WebhookArgs]) error {
	return w.deliver(ctx, j.Args.DeliveryID, j.Attempt)
}

// EnqueueWebhookDeliveries sends webhook deliveries in the background,
// retried with growing waits (River's backoff) up to 8 attempts.
func (r *Runner) EnqueueWebhookDeliveries(ctx context.Context, ids []int64) error {
	params := make([]river.InsertManyParams, len(ids))
	for i, id := range ids {
		params[i] = river.InsertManyParams{Args: WebhookArgs{DeliveryID: id}, InsertOpts: &river.InsertOpts{MaxAttempts: 8}}
	}
	if _, err := r.client.InsertMany(ctx, params); err != nil {
		return fmt.Errorf("jobs: enqueue webhook deliveries: %w", err)
	}
	return nil
}

// CampaignsArgs asks for the due campaigns to be sent.
type CampaignsArgs struct{}

// Kind names the job.
func (CampaignsArgs) Kind() string { return "campaigns" }

type campaignsWorker struct {
	river.WorkerDefaults[CampaignsArgs]
	send func(ctx context.Context) (int, error)
	log  *slog.Logger
}

func (w *campaignsWorker) Work(ctx context.Context, _ *river.Job[CampaignsArgs]) error {
	n, err := w.send(ctx)
	if n > 0 {
		w.log.Info("campaign messages sent", "messages", n)
	}
	return err
}

// Timeout lets a large campaign go out in one run.
func (w *campaignsWorker) Timeout(*river.Job[CampaignsArgs]) time.Duration { return 12 * time.Hour }

// CaseModelArgs asks for the case category model to be retrained.
type CaseModelArgs struct{}

// Kind names the job.
func (CaseModelArgs) Kind() string { return "case_model" }

type caseModelWorker struct {
	river.WorkerDefaults[CaseModelArgs]
	train func(ctx context.Context) error
}

func (w *caseModelWorker) Work(ctx context.Context, _ *river.Job[CaseModelArgs]) error {
	return w.train(ctx)
}

// Timeout lets training on a large case history take its time.
func (w *caseModelWorker) Timeout(*river.Job[CaseModelArgs]) time.Duration { return 30 * time.Minute }

type cleanupWorker struct {
	river.WorkerDefaults[CleanupArgs]
	store *store.Store
}

func (w *cleanupWorker) Work(ctx context.Context, _ *river.Job[CleanupArgs]) error {
	return w.store.Cleanup(ctx, time.Now().UTC())
}

// New migrates River's tables and builds the client. With enabled false the
// runner starts no workers and no periodic jobs (a web-only instance).
func New(ctx context.Context, st *store.Store, customers *customer.Service, accounts *auth.Service, work Work,
	databaseURL string, log *slog.Logger, reg prometheus.Registerer, enabled bool) (*Runner, error) {
	r := &Runner{enabled: enabled, log: log,
		done: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "scrms_jobs_total",
			Help: "Background jobs finished, by kind and outcome."}, []string{"kind", "outcome"})}
	reg.MustRegister(r.done)
	workers := river.NewWorkers()
	river.AddWorker(workers, &cleanupWorker{store: st})
	river.AddWorker(workers, &duplicateScanWorker{customers: customers, log: log.With("component", "jobs")})
	river.AddWorker(workers, &importWorker{customers: customers, accounts: accounts, log: log.With("component", "jobs")})
	river.AddWorker(workers, &reminderWorker{remind: work.Remind})
	river.AddWorker(workers, &digestWorker{digest: work.Digest, log: log.With("component", "jobs")})
	river.AddWorker(workers, &slaCheckWorker{escalate: work.Escalate})
	river.AddWorker(workers, &slaSweepWorker{check: work.CheckSLA})
	river.AddWorker(workers, &caseMailWorker{send: work.SendCaseMail})
	river.AddWorker(workers, &caseModelWorker{train: work.TrainCaseModel})
	river.AddWorker(workers, &surveyMailWorker{send: work.SendSurveyMail})
	river.AddWorker(workers, &campaignsWorker{send: work.SendCampaigns, log: log.With("component", "jobs")})
	river.AddWorker(workers, &webhookWorker{deliver: work.DeliverWebhook})
	river.AddWorker(workers, &journeysWorker{run: work.RunJourneys})
	river.AddWorker(workers, &loyaltyWorker{run: work.RunLoyalty})
	river.AddWorker(workers, &clvWorker{fit: work.FitCLV})
	river.AddWorker(workers, &reportsWorker{send: work.SendReports})
	river.AddWorker(workers, &surveyFormsWorker{run: work.RunSurveyForms, log: log.With("component", "jobs")})
	cfg := &river.Config{
		Logger:  log.With("component", "jobs"),
		Workers: workers,
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return CleanupArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return DuplicateScanArgs{}, nil }, nil),
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return DigestArgs{}, nil }, nil),
			river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
				func() (river.JobArgs, *river.InsertOpts) { return SLASweepArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return CaseModelArgs{}, nil }, nil),
			river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
				func() (river.JobArgs, *river.InsertOpts) { return SurveyFormsArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
				func() (river.JobArgs, *river.InsertOpts) { return CampaignsArgs{}, campaignsOnce },
				&river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
				func() (river.JobArgs, *river.InsertOpts) { return JourneysArgs{}, nil }, nil),
			river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
				func() (river.JobArgs, *river.InsertOpts) { return LoyaltyArgs{}, loyaltyOnce },
				&river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return CLVArgs{}, nil }, nil),
			river.NewPeriodicJob(river.PeriodicInterval(10*time.Minute),
				func() (river.JobArgs, *river.InsertOpts) { return ReportsArgs{}, nil }, nil),
		},
	}
	if enabled {
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}}
	}
	var err error
	switch st.Engine() {
	case store.Postgres:
		r.pool, err = pgxpool.New(ctx, databaseURL)
		if err != nil {
			return nil, fmt.Errorf("jobs: connect: %w", err)
		}
		driver := riverpgxv5.New(r.pool)
		err = withMigrationLock(ctx, r.pool, func() error { return migrate(ctx, driver) })
		if err == nil {
			r.client, err = river.NewClient(driver, cfg)
		}
		if err != nil {
			r.pool.Close()
			return nil, fmt.Errorf("jobs: %w", err)
		}
	default:
		driver := riversqlite.New(st.DB())
		err = migrate(ctx, driver)
		if err == nil {
			r.client, err = river.NewClient(driver, cfg)
		}
		if err != nil {
			return nil, fmt.Errorf("jobs: %w", err)
		}
	}
	return r, nil
}

func migrate[TTx any](ctx context.Context, driver riverdriver.Driver[TTx]) error {
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		return fmt.Errorf("migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate queue tables: %w", err)
	}
	return nil
}

// migrationLockKey serialises River's migrations across instances starting together.
const migrationLockKey = 727002

func withMigrationLock(ctx context.Context, pool *pgxpool.Pool, fn func() error) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey)
	return fn()
}

// Start starts the workers when this process runs jobs.
func (r *Runner) Start(ctx context.Context) error {
	if !r.enabled {
		return nil
	}
	events, stop := r.client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled)
	r.stopSub = stop
	go func() {
		for ev := range events {
			r.done.WithLabelValues(ev.Job.Kind, string(ev.Kind)).Inc()
		}
	}()
	if err := r.client.Start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	return nil
}

// EnqueueDuplicateScan runs a queued duplicate scan in the background.
func (r *Runner) EnqueueDuplicateScan(ctx context.Context, scanID int64) error {
	_, err := r.client.Insert(ctx, DuplicateScanArgs{ScanID: scanID}, &river.InsertOpts{MaxAttempts: 3})
	if err != nil {
		return fmt.Errorf("jobs: enqueue scan: %w", err)
	}
	return nil
}

// EnqueueImport runs a queued import in the background.
func (r *Runner) EnqueueImport(ctx context.Context, importID int64) error {
	_, err := r.client.Insert(ctx, ImportArgs{ImportID: importID}, &river.InsertOpts{MaxAttempts: 5})
	if err != nil {
		return fmt.Errorf("jobs: enqueue import: %w", err)
	}
	return nil
}

// ScheduleReminder queues an activity's reminder for its time.
func (r *Runner) ScheduleReminder(ctx context.Context, activityID int64, at time.Time) error {
	_, err := r.client.Insert(ctx, ReminderArgs{ActivityID: activityID, At: at.UTC()},
		&river.InsertOpts{ScheduledAt: at, MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true}})
	if err != nil {
		return fmt.Errorf("jobs: schedule reminder: %w", err)
	}
	return nil
}

// ScheduleSLACheck runs a case's escalation rules at a time.
func (r *Runner) ScheduleSLACheck(ctx context.Context, caseID int64, at time.Time) error {
	_, err := r.client.Insert(ctx, SLACheckArgs{CaseID: caseID, At: at.UTC()},
		&river.InsertOpts{ScheduledAt: at, MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true}})
	if err != nil {
		return fmt.Errorf("jobs: schedule SLA check: %w", err)
	}
	return nil
}

// EnqueueCaseMail sends an outgoing case email in the background.
func (r *Runner) EnqueueCaseMail(ctx context.Context, messageID int64) error {
	_, err := r.client.Insert(ctx, CaseMailArgs{MessageID: messageID}, &river.InsertOpts{MaxAttempts: 12})
	if err != nil {
		return fmt.Errorf("jobs: enqueue case mail: %w", err)
	}
	return nil
}

// EnqueueSurveyMail sends surveys of a survey form in the background.
func (r *Runner) EnqueueSurveyMail(ctx context.Context, surveyIDs []int64) error {
	params := make([]river.InsertManyParams, len(surveyIDs))
	for i, id := range surveyIDs {
		params[i] = river.InsertManyParams{Args: SurveyMailArgs{SurveyID: id}, InsertOpts: &river.InsertOpts{MaxAttempts: 12}}
	}
	if _, err := r.client.InsertMany(ctx, params); err != nil {
		return fmt.Errorf("jobs: enqueue survey mail: %w", err)
	}
	return nil
}

// campaignsOnce: a run sends every due campaign; leases keep two runs
// (here or on another instance) off the same campaign, so runs may overlap.
var campaignsOnce = &river.InsertOpts{MaxAttempts: 3}

// EnqueueCampaigns sends the due campaigns now.
func (r *Runner) EnqueueCampaigns(ctx context.Context) error {
	if _, err := r.client.Insert(ctx, CampaignsArgs{}, campaignsOnce); err != nil {
		return fmt.Errorf("jobs: enqueue campaigns: %w", err)
	}
	return nil
}

// EnqueueSurveyForms sends the due survey forms now.
func (r *Runner) EnqueueSurveyForms(ctx context.Context) error {
	_, err := r.client.Insert(ctx, SurveyFormsArgs{}, nil)
	return err
}

// EnqueueCaseModel retrains the case category model now.
func (r *Runner) EnqueueCaseModel(ctx context.Context) error {
	_, err := r.client.Insert(ctx, CaseModelArgs{}, &river.InsertOpts{MaxAttempts: 2})
	return err
}

// Stop lets running jobs finish (until ctx ends) and releases the queue.
func (r *Runner) Stop(ctx context.Context) error {
	var err error
	if r.enabled {
		err = r.client.Stop(ctx)
		if r.stopSub != nil {
			r.stopSub()
		}
	}
	if r.pool != nil {
		r.pool.Close()
	}
	return err
}
