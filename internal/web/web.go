// Package web serves SCRMS's staff UI: server-rendered templ pages, a small
// script of our own for progressive enhancement, and static files under
// content-hashed names so that they can be cached for good.
package web

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/scrms/scrms/internal/analytics"
	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/help"
	"github.com/scrms/scrms/internal/hub"
	"github.com/scrms/scrms/internal/loyalty"
	"github.com/scrms/scrms/internal/marketing"
	"github.com/scrms/scrms/internal/notify"
	"github.com/scrms/scrms/internal/ratelimit"
	"github.com/scrms/scrms/internal/reports"
	"github.com/scrms/scrms/internal/sales"
	"github.com/scrms/scrms/internal/support"
)

//go:embed static
var staticFS embed.FS

// AuditLog is the audit log as the UI reads and appends to it.
type AuditLog interface {
	audit.Reader
	AppendAudit(ctx context.Context, e audit.Entry) error
}

// Deps are what the UI needs.
type Deps struct {
	Auth        *auth.Service
	Customers   *customer.Service
	Notify      *notify.Service
	Scans       ScanQueue
	Imports     ImportQueue
	Sales       *sales.Service
	Orders      *sales.OrderService
	Leads       *sales.LeadService
	Activities  *sales.ActivityService
	Targets     *sales.Targets
	Quotes      *sales.Quotes
	DealDetails *sales.DealDetails
	Catalogue   *sales.Catalogue
	Support     *support.Service
	Marketing   *marketing.Service
	Loyalty     *loyalty.Service
	Analytics   *analytics.Service
	Reports     *reports.Service
	// Mobile remembers the actions the mobile app sent.
	Mobile interface {
		ClaimAction(ctx context.Context, userID int64, clientID, kind string, at time.Time) (bool, error)
	}
	BoardHub      *hub.Hub
	Audit         AuditLog
	Log           *slog.Logger
	SecureCookies bool
	BaseURL       string
	Version       string
	RequestID     func(*http.Request) string
}

type site struct {
	Deps
	assets map[string]string // logical name -> hashed URL
	files  map[string]string // hashed file name -> embedded path
	guide  *help.Guide
	// publicLimit bounds the public endpoints anyone may call (chats,
	// portal sign-in links) per client address.
	publicLimit *ratelimit.Limiter
}

// New returns the UI handler.
func New(d Deps) http.Handler {
	s := &site{Deps: d, assets: map[string]string{}, files: map[string]string{}, guide: help.Load(),
		publicLimit: ratelimit.New(10, 60)}
	entries, _ := fs.ReadDir(staticFS, "static")
	for _, e := range entries {
		b, _ := staticFS.ReadFile("static/" + e.Name())
		sum := sha256.Sum256(b)
		ext := path.Ext(e.Name())
		hashed := strings.TrimSuffix(e.Name(), ext) + "." + hex.EncodeToString(sum[:])[:10] + ext
		s.assets[e.Name()] = "/static/" + hashed
		s.files[hashed] = "static/" + e.Name()
	}
	return s.routes()
}

func (s *site) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /static/{file}", s.static)
	mux.Handle("GET /setup", s.handle(s.setupPage))
	mux.Handle("POST /setup", s.handle(s.setupSubmit))
	mux.Handle("GET /login", s.handle(s.loginPage))
	mux.Handle("POST /login", s.handle(s.loginSubmit))
	mux.Handle("POST /logout", s.handle(s.logout))
	mux.Handle("GET /invite/{secret}", s.handle(s.invitePage))
	mux.Handle("POST /invite/{secret}", s.handle(s.inviteSubmit))

	mux.Handle("GET /{$}", s.user(s.dashboard))
	mux.HandleFunc("GET /app.webmanifest", s.manifest)
	mux.HandleFunc("GET /m/{icon}", s.mobileFile)
	mux.Handle("GET /m/{$}", s.user(s.mobilePage))
	mux.Handle("GET /m/api/home", s.mobileUser(s.mobileHome))
	mux.Handle("GET /m/api/customers", s.mobileUser(s.mobileSearch))
	mux.Handle("GET /m/api/customers/{id}", s.mobileUser(s.mobileCard))
	mux.Handle("POST /m/api/sync", s.mobileUser(s.mobileSync))
	mux.Handle("GET /dashboard/stream", s.user(s.dashboardStream))
	mux.Handle("POST /dashboard/widgets", s.user(s.dashboardWidgets))
	mux.Handle("GET /analytics/kpis", s.user(s.kpiPage))
	mux.Handle("GET /reports", s.user(s.reportsPage))
	mux.Handle("POST /reports", s.user(s.reportSave))
	mux.Handle("GET /reports/{id}", s.user(s.reportPage))
	mux.Handle("GET /reports/{id}/csv", s.user(s.reportCSV))
	mux.Handle("POST /reports/{id}/delete", s.user(s.reportDelete))
	mux.Handle("GET /customers", s.user(s.customerList))
	mux.Handle("GET /customers/export.csv", s.user(s.customerExport))
	mux.Handle("GET /customers/new", s.user(s.customerNew))
	mux.Handle("POST /customers", s.user(s.customerCreate))
	mux.Handle("GET /customers/{id}", s.user(s.customerProfile))
	mux.Handle("GET /customers/{id}/edit", s.user(s.customerEdit))
	mux.Handle("POST /customers/{id}", s.user(s.customerUpdate))
	mux.Handle("POST /customers/{id}/delete", s.user(s.customerDelete))
	mux.Handle("POST /customers/{id}/restore", s.user(s.customerRestore))
	mux.Handle("POST /customers/{id}/notes", s.user(s.noteCreate))
	mux.Handle("POST /customers/{id}/interactions", s.user(s.interactionCreate))
	mux.Handle("POST /customers/{id}/consents", s.user(s.consentCreate))
	mux.Handle("POST /customers/{id}/relationships", s.user(s.relationshipCreate))
	mux.Handle("POST /customers/{id}/relationships/{rel}/delete", s.user(s.relationshipDelete))
	mux.Handle("POST /customers/{id}/household", s.user(s.householdJoin))
	mux.Handle("POST /customers/{id}/household/leave", s.user(s.householdLeave))
	mux.Handle("POST /customers/{id}/notes/{note}/pin", s.user(s.notePin))
	mux.Handle("POST /customers/{id}/notes/{note}/delete", s.user(s.noteDelete))

	mux.Handle("GET /sales", s.user(s.salesHome))
	mux.Handle("GET /today", s.user(s.todayPage))
	mux.Handle("GET /forecast", s.user(s.forecastPage))
	mux.Handle("GET /opportunities", s.user(s.dealsPage))
	mux.Handle("POST /opportunities/{id}/edit", s.user(s.dealEdit))
	mux.Handle("GET /opportunities/{id}", s.user(s.dealPage))
	mux.Handle("GET /products", s.user(s.productsPage))
	mux.Handle("POST /products", s.user(s.productSave))
	mux.Handle("POST /products/stock", s.user(s.stockSave))
	mux.Handle("POST /targets", s.user(s.targetSave))
	mux.Handle("POST /opportunities/{id}/quotes", s.user(s.quoteCreate))
	mux.Handle("POST /quotes/{id}/{action}", s.user(s.quoteAction))
	mux.Handle("GET /quotes/{id}", s.user(s.quotePage))
	mux.Handle("GET /quotes/{id}/pdf", s.user(s.quotePDF))
	mux.Handle("POST /activities", s.user(s.activityCreate))
	mux.Handle("POST /activities/{id}/done", s.user(s.activityDone))
	mux.Handle("GET /cases", s.user(s.casesPage))
	mux.Handle("POST /cases", s.user(s.caseCreate))
	mux.Handle("GET /cases/{id}", s.user(s.casePage))
	mux.Handle("GET /cases/{id}/viewers", s.user(s.caseViewers))
	mux.Handle("POST /cases/{id}/reply", s.user(s.caseReply))
	mux.Handle("POST /cases/{id}/update", s.user(s.caseUpdate))
	mux.Handle("GET /case-files/{id}", s.user(s.caseFile))
	mux.Handle("POST /agent-status", s.user(s.agentStatus))
	mux.Handle("GET /leads", s.user(s.leadsPage))
	mux.Handle("POST /leads", s.user(s.leadCreate))
	mux.Handle("GET /leads/{id}", s.user(s.leadPage))
	mux.Handle("POST /leads/{id}/status", s.user(s.leadStatus))
	mux.Handle("POST /leads/{id}/convert", s.user(s.leadConvert))
	mux.Handle("GET /pipelines/{id}/board", s.user(s.boardPage))
	mux.Handle("GET /pipelines/{id}/events", s.user(s.boardEvents))
	mux.Handle("POST /pipelines/{id}/opportunities", s.user(s.opportunityCreate))
	mux.Handle("POST /opportunities/{id}/move", s.user(s.opportunityMove))
	mux.Handle("GET /imports/new", s.user(s.importNew))
	mux.Handle("POST /imports", s.user(s.importUpload))
	mux.Handle("GET /imports/{id}", s.user(s.importPage))
	mux.Handle("POST /imports/{id}/start", s.user(s.importStart))
	mux.Handle("GET /imports/{id}/events", s.user(s.importEvents))
	mux.Handle("GET /imports/{id}/rejects.csv", s.user(s.importRejects))
	mux.Handle("GET /duplicates", s.user(s.duplicatesPage))
	mux.Handle("POST /duplicates/scan", s.user(s.duplicateScan))
	mux.Handle("GET /duplicates/{id}", s.user(s.pairPage))
	mux.Handle("POST /duplicates/{id}/merge", s.user(s.pairMerge))
	mux.Handle("POST /duplicates/{id}/dismiss", s.user(s.pairDismiss))
	mux.Handle("POST /merges/{id}/undo", s.user(s.mergeUndo))
	mux.Handle("POST /customers/{id}/erase", s.user(s.customerErase))
	mux.Handle("GET /customers/{id}/export.json", s.user(s.customerDataExport))
	mux.Handle("POST /customers/{id}/lists", s.user(s.listAdd))
	mux.Handle("POST /customers/{id}/lists/{list}/remove", s.user(s.listRemove))
	mux.Handle("GET /notifications", s.user(s.notificationsPage))
	mux.Handle("POST /notifications/read", s.user(s.notificationsRead))

	mux.Handle("GET /account", s.user(s.accountPage))
	mux.Handle("POST /account/password", s.user(s.accountPassword))
	mux.Handle("POST /account/sign-out-everywhere", s.user(s.signOutEverywhere))
	mux.Handle("POST /account/tokens", s.user(s.tokenCreate))
	mux.Handle("POST /account/tokens/{id}/revoke", s.user(s.tokenRevoke))

	mux.Handle("GET /admin/users", s.user(s.usersPage))
	mux.Handle("POST /admin/invites", s.user(s.inviteCreate))
	mux.Handle("POST /admin/users/{id}/access", s.user(s.userAccess))
	mux.Handle("POST /admin/teams", s.user(s.teamCreate))
	mux.Handle("GET /admin/audit", s.user(s.auditPage))

	mux.Handle("GET /help/guide", s.handle(s.guidePage))
	mux.Handle("GET /s/{token}", s.handle(s.surveyAnswer))
	mux.Handle("GET /help", s.handle(s.helpCentre))
	mux.Handle("GET /help/articles/{slug}", s.handle(s.helpArticle))
	mux.Handle("POST /help/articles/{slug}/helpful", s.handle(s.helpVote))
	mux.Handle("POST /s/{token}", s.handle(s.surveyAnswer))
	s.chatRoutes(mux)
	s.chatAgentRoutes(mux)
	s.portalRoutes(mux)
	s.macroRoutes(mux)
	s.surveyRoutes(mux)
	s.serviceSettingsRoutes(mux)
	s.trackingRoutes(mux)
	s.marketingRoutes(mux)
	s.loyaltyRoutes(mux)
	return mux
}

func (s *site) static(w http.ResponseWriter, r *http.Request) {
	name, ok := s.files[r.PathValue("file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	b, _ := staticFS.ReadFile(name)
	switch path.Ext(name) {
	case ".css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case ".js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(b)
}

// handlerFunc is a page handler that returns its error instead of writing it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// userHandlerFunc is a page handler for a signed-in user.
type userHandlerFunc func(w http.ResponseWriter, r *http.Request, a auth.Actor) error

// statusOf is the one table from domain error codes to HTTP statuses.
var statusOf = map[fault.Code]int{
	fault.Invalid:         http.StatusUnprocessableEntity,
	fault.NotFound:        http.StatusNotFound,
	fault.Conflict:        http.StatusConflict,
	fault.Forbidden:       http.StatusForbidden,
	fault.Unauthenticated: http.StatusUnauthorized,
	fault.TooManyRequests: http.StatusTooManyRequests,
}

func (s *site) handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.fail(w, r, auth.Actor{}, err)
		}
	})
}

// user runs h for a signed-in user; others go to the sign-in page (or to
// setup on an empty installation).
func (s *site) user(h userHandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, secret, err := s.actor(r)
		if err != nil {
			if fault.Is(err, fault.Unauthenticated) {
				if need, _ := s.Auth.NeedsSetup(r.Context()); need {
					http.Redirect(w, r, "/setup", http.StatusSeeOther)
					return
				}
				next := r.URL.RequestURI()
				if r.Method != http.MethodGet {
					next = "/"
				}
				http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
				return
			}
			s.fail(w, r, auth.Actor{}, err)
			return
		}
		ctx := context.WithValue(r.Context(), sessionKey{}, secret)
		if err := h(w, r.WithContext(ctx), a); err != nil {
			s.fail(w, r, a, err)
		}
	})
}

type sessionKey struct{}

const sessionCookie = "scrms_session"

func (s *site) actor(r *http.Request) (auth.Actor, string, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return auth.Actor{}, "", fault.New(fault.Unauthenticated, "Please sign in.")
	}
	u, _, err := s.Auth.SessionUser(r.Context(), c.Value)
	if err != nil {
		return auth.Actor{}, "", err
	}
	return u.Actor("web", clientIP(r), s.RequestID(r)), c.Value, nil
}

func clientIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}

// fail shows an error page. Internal errors are logged with the request id
// and shown without detail; refusals are recorded in the audit log.
func (s *site) fail(w http.ResponseWriter, r *http.Request, a auth.Actor, err error) {
	code := fault.CodeOf(err)
	if code == fault.Unauthenticated {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	status, ok := statusOf[code]
	msg := "Something went wrong on our side. It has been logged (request " + s.RequestID(r) + ")."
	if !ok {
		status = http.StatusInternalServerError
		s.Log.Error("web: "+r.Method+" "+r.URL.Path, "err", err, "request_id", s.RequestID(r))
	} else if e, isFault := fault.As(err); isFault {
		msg = e.Message
	}
	if code == fault.Forbidden && a.UserID != 0 {
		e := a.Audit("denied", "request", 0, time.Now().UTC())
		e.Changes = []audit.Change{{Field: "path", New: r.Method + " " + r.URL.Path}}
		if aerr := s.Audit.AppendAudit(context.WithoutCancel(r.Context()), e); aerr != nil {
			s.Log.Error("web: audit denial", "err", aerr)
		}
	}
	w.WriteHeader(status)
	base := s.base(r, a, http.StatusText(status), "")
	_ = errorPage(base, status, msg).Render(r.Context(), w)
}

// render writes a component as the page.
func render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) error {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	return c.Render(r.Context(), w)
}

// redirect answers a form post with a redirect and an optional flash message.
func (s *site) redirect(w http.ResponseWriter, r *http.Request, to, flash string) error {
	if len(flash) > 280 {
		cut := 280
		for cut > 0 && flash[cut]&0xC0 == 0x80 {
			cut-- // keep whole UTF-8 characters
		}
		flash = flash[:cut] + "…"
	}
	if flash != "" {
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(flash), Path: "/",
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.SecureCookies, MaxAge: 60})
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

const flashCookie = "scrms_flash"

// takeFlash reads and clears the flash message.
func (s *site) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.SecureCookies})
	v, err := url.QueryUnescape(c.Value)
	if err != nil || len(v) > 300 {
		return ""
	}
	return v
}

// fieldErrors turns a validation error into messages by field; it returns
// nil (and the error stays to be handled) for any other error.
func fieldErrors(err error) (map[string]string, string) {
	e, ok := fault.As(err)
	if !ok || (e.Code != fault.Invalid && e.Code != fault.Conflict && e.Code != fault.Forbidden &&
		e.Code != fault.TooManyRequests && e.Code != fault.Unauthenticated) {
		return nil, ""
	}
	m := map[string]string{}
	for _, f := range e.Fields {
		if _, seen := m[f.Field]; !seen {
			m[f.Field] = f.Message
		}
	}
	return m, e.Message
}

// foreignOrigin reports whether a request comes from a page of another
// site (an Origin header naming another host). Event streams for signed-in
// users refuse those: cookies would otherwise let any site listen in.
func foreignOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return false
	}
	u, err := url.Parse(o)
	return err != nil || u.Host != r.Host
}
