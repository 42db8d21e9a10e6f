// Package api serves the SCRMS JSON API under /api/v1: its own request and
// response types (never store rows), bearer-token authentication, RFC 9457
// problem errors that name each bad field, cursor pagination and idempotent
// creates. The OpenAPI 3.1 document is generated from the Go types by huma.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/scrms/scrms/internal/analytics"
	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/loyalty"
	"github.com/scrms/scrms/internal/marketing"
	"github.com/scrms/scrms/internal/notify"
	"github.com/scrms/scrms/internal/reports"
	"github.com/scrms/scrms/internal/sales"
	"github.com/scrms/scrms/internal/support"
	"github.com/scrms/scrms/internal/webhook"
)

// Prefix is where the API is mounted.
const Prefix = "/api/v1"

// AuditLog is the audit log as the API reads and appends to it.
type AuditLog interface {
	audit.Reader
	AppendAudit(ctx context.Context, e audit.Entry) error
}

// Deps are the services the API calls.
type Deps struct {
	Auth         *auth.Service
	Customers    *customer.Service
	Audit        AuditLog
	Idempotency  IdempotencyStore
	Scans        ScanQueue
	Imports      ImportQueue
	Notify       *notify.Service
	Sales        *sales.Service
	Orders       *sales.OrderService
	Catalogue    *sales.Catalogue
	Leads        *sales.LeadService
	Activities   *sales.ActivityService
	Targets      *sales.Targets
	Quotes       *sales.Quotes
	DealDetails  *sales.DealDetails
	Support      *support.Service
	Marketing    *marketing.Service
	Loyalty      *loyalty.Service
	Analytics    *analytics.Service
	Reports      *reports.Service
	Webhooks     *webhook.Service
	Log          *slog.Logger
	MaxBodyBytes int64
	Version      string
	BaseURL      string // for links in answers (invites)
	// RequestID returns the id the request middleware gave a request.
	RequestID func(*http.Request) string
}

type server struct {
	Deps
}

var setErrorModel sync.Once

// New returns the API handler, to be mounted at Prefix.
func New(d Deps) http.Handler {
	setErrorModel.Do(func() {
		// huma builds its own errors (validation, bad JSON, size) through this
		// hook; SCRMS answers them all with its Problem shape.
		huma.NewError = newHumaError
	})
	s := &server{Deps: d}
	mux := http.NewServeMux()
	cfg := huma.DefaultConfig("SCRMS API", d.Version)
	cfg.Info.Description = "The SCRMS customer relationship management API. Authenticate with " +
		"`Authorization: Bearer TOKEN` (create a token with `scrms token create` or on your account page)."
	cfg.DocsPath = "" // the stock docs page loads a script from a CDN; SCRMS serves none
	cfg.SchemasPath = ""
	cfg.CreateHooks = nil // no $schema links in bodies
	cfg.OpenAPIPath = "/openapi"
	cfg.Servers = []*huma.Server{{URL: Prefix}}
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", Description: "An SCRMS API token."},
	}
	cfg.Security = []map[string][]string{{"bearer": {}}}
	api := humago.New(mux, cfg)
	s.registerCustomers(api)
	s.registerAccounts(api)
	s.registerInteractions(api)
	s.registerCustomerExport(api)
	s.registerCustomerErase(api)
	s.registerConsents(api)
	s.registerRelationships(api)
	s.registerHouseholds(api)
	s.registerDuplicates(api)
	s.registerNotifications(api)
	s.registerImports(api)
	s.registerLists(api)
	s.registerHierarchy(api)
	s.registerSales(api)
	s.registerOrders(api)
	s.registerProducts(api)
	s.registerLeads(api)
	s.registerActivities(api)
	s.registerTargets(api)
	s.registerStages(api)
	s.registerQuotes(api)
	s.registerDuplicateSettings(api)
	s.registerDealDetails(api)
	s.registerAttachments(api)
	s.registerLeadRules(api)
	s.registerCases(api)
	s.registerKB(api)
	s.registerMacros(api)
	s.registerSurveys(api)
	s.registerSegments(api)
	s.registerCampaigns(api)
	s.registerWebhooks(api)
	s.registerOffers(api)
	s.registerLoyalty(api)
	s.registerCLV(api)
	s.registerJourneys(api)
	s.registerKPIs(api, mux)
	s.registerReports(api, mux)
	return s.authenticate(s.idempotent(mux))
}

type actorKey struct{}

// actorFrom returns the actor the authentication middleware found.
func actorFrom(ctx context.Context) auth.Actor {
	a, _ := ctx.Value(actorKey{}).(auth.Actor)
	return a
}

// authenticate requires a valid bearer token on every path but the OpenAPI
// document, and puts the token's user in the request context.
func (s *server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/openapi.json" || r.URL.Path == "/openapi.yaml" {
			next.ServeHTTP(w, r)
			return
		}
		h := r.Header.Get("Authorization")
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="scrms"`)
			writeProblem(w, problemFor(fault.New(fault.Unauthenticated,
				"Send an API token in the Authorization header: Bearer TOKEN.")))
			return
		}
		u, err := s.Auth.TokenUser(r.Context(), strings.TrimSpace(token))
		if err != nil {
			if fault.CodeOf(err) == fault.Internal {
				s.Log.Error("api: authenticate", "err", err, "request_id", s.RequestID(r))
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="scrms", error="invalid_token"`)
			writeProblem(w, problemFor(err))
			return
		}
		a := u.Actor("api", clientIP(r), s.RequestID(r))
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), actorKey{}, a)))
	})
}

// clientIP is the peer address without its port.
func clientIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}

// fail converts a domain error into the API's error, logging internal ones
// and recording refusals in the audit log.
func (s *server) fail(ctx context.Context, op string, err error) error {
	p := problemFor(err)
	a := actorFrom(ctx)
	if p.Status >= 500 {
		s.Log.Error("api: "+op, "err", err, "request_id", a.RequestID)
	}
	if p.Status == http.StatusForbidden && a.UserID != 0 {
		e := a.Audit("denied", "request", 0, time.Now().UTC())
		e.Changes = []audit.Change{{Field: "operation", New: op}, {Field: "reason", New: p.Detail}}
		if aerr := s.Audit.AppendAudit(context.WithoutCancel(ctx), e); aerr != nil {
			s.Log.Error("api: audit denial", "err", aerr, "request_id", a.RequestID)
		}
	}
	return p
}
