// Package webhook sends SCRMS's domain events (a customer created, an
// order placed, a deal won, a case resolved, a campaign sent) to the
// addresses administrators register: signed with HMAC-SHA256, delivered by
// a job with retries and backoff, each attempt kept in a delivery log. It
// refuses to call private, loopback and link-local addresses.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// Events are the domain events a webhook may ask for.
var Events = []string{"customer.created", "customer.updated", "order.placed", "quote.sent", "opportunity.won",
	"case.created", "case.resolved", "campaign.sent", "journey.step", "form.submitted"}

// Webhook is an address that receives events.
type Webhook struct {
	ID          int64
	URL         string
	Events      []string // "*" for all
	Secret      string   // shown once, when the webhook is made
	Description string
	Active      bool
	CreatedBy   int64
	CreatedAt   time.Time
}

// Wants reports whether the webhook asked for an event.
func (w Webhook) Wants(event string) bool {
	return w.Active && (slices.Contains(w.Events, "*") || slices.Contains(w.Events, event))
}

// Delivery is one event sent (or being sent) to one webhook.
type Delivery struct {
	ID          int64
	WebhookID   int64
	Event       string
	Payload     string
	Status      string // pending, delivered, failed
	Attempts    int
	LastCode    int
	LastError   string
	CreatedAt   time.Time
	DeliveredAt time.Time
}

// Store keeps webhooks and their deliveries.
type Store interface {
	CreateWebhook(ctx context.Context, w Webhook, e audit.Entry) (int64, error)
	DeleteWebhook(ctx context.Context, id int64, e audit.Entry) error
	Webhooks(ctx context.Context) ([]Webhook, error)
	FindWebhook(ctx context.Context, id int64) (Webhook, error)
	// AddDeliveries stores one pending delivery per webhook and returns their ids.
	AddDeliveries(ctx context.Context, webhookIDs []int64, event, payload string, at time.Time) ([]int64, error)
	FindDelivery(ctx context.Context, id int64) (Delivery, error)
	// RecordAttempt stores an attempt's outcome; status is delivered,
	// pending (to be retried) or failed (given up).
	RecordAttempt(ctx context.Context, id int64, status string, code int, errText string, at time.Time) error
	Deliveries(ctx context.Context, webhookID int64, limit int) ([]Delivery, error)
}

// Jobs delivers in the background.
type Jobs interface {
	EnqueueWebhookDeliveries(ctx context.Context, ids []int64) error
}

// Service registers webhooks and sends events to them.
type Service struct {
	store Store
	jobs  Jobs
	now   func() time.Time
	// AllowPrivate lets webhooks call private and loopback addresses (for
	// development and tests only).
	AllowPrivate bool
	client       *http.Client
}

// NewService returns the webhook service.
func NewService(st Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	s := &Service{store: st, now: now}
	return s
}

// SetJobs connects the background jobs.
func (s *Service) SetJobs(j Jobs) { s.jobs = j }

func (s *Service) at() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Create registers a webhook and returns it with its secret (shown once).
func (s *Service) Create(ctx context.Context, a auth.Actor, rawURL string, events []string, description string) (Webhook, error) {
	if err := a.Require(auth.UserManage); err != nil {
		return Webhook{}, err
	}
	var f fault.Fields
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		f.Add("url", "must be an http(s) address without a user name, e.g. https://example.com/hooks/scrms")
	}
	if len(events) == 0 {
		f.Add("events", "name at least one event, or * for all")
	}
	for _, e := range events {
		if e != "*" && !slices.Contains(Events, e) {
			f.Add("events", "%q is not an event; use %s or *", e, strings.Join(Events, ", "))
		}
	}
	if len(description) > 200 {
		f.Add("description", "must be at most 200 characters")
	}
	if err := f.Err(); err != nil {
		return Webhook{}, err
	}
	secret := make([]byte, 24)
	rand.Read(secret)
	now := s.at()
	w := Webhook{URL: u.String(), Events: events, Secret: "whsec_" + hex.EncodeToString(secret), Description: description,
		Active: true, CreatedBy: a.UserID, CreatedAt: now}
	e := a.Audit("create", "webhook", 0, now)
	e.Changes = []audit.Change{{Field: "url", New: w.URL}, {Field: "events", New: strings.Join(events, ",")}}
	w.ID, err = s.store.CreateWebhook(ctx, w, e)
	return w, err
}

// Delete removes a webhook.
func (s *Service) Delete(ctx context.Context, a auth.Actor, id int64) error {
	if err := a.Require(auth.UserManage); err != nil {
		return err
	}
	w, err := s.store.FindWebhook(ctx, id)
	if err != nil {
		return err
	}
	e := a.Audit("delete", "webhook", id, s.at())
	e.Changes = []audit.Change{{Field: "url", Old: w.URL}}
	return s.store.DeleteWebhook(ctx, id, e)
}

// List returns the webhooks, without their secrets.
func (s *Service) List(ctx context.Context, a auth.Actor) ([]Webhook, error) {
	if err := a.Require(auth.UserManage); err != nil {
		return nil, err
	}
	ws, err := s.store.Webhooks(ctx)
	for i := range ws {
		ws[i].Secret = ""
	}
	return ws, err
}

// Log returns a webhook's latest deliveries.
func (s *Service) Log(ctx context.Context, a auth.Actor, id int64) ([]Delivery, error) {
	if err := a.Require(auth.UserManage); err != nil {
		return nil, err
	}
	if _, err := s.store.FindWebhook(ctx, id); err != nil {
		return nil, err
	}
	return s.store.Deliveries(ctx, id, 100)
}

// Publish sends an event to the webhooks that asked for it. It never
// fails the change that caused it: problems are the deliveries' to report.
func (s *Service) Publish(ctx context.Context, event string, data any) {
	if s == nil {
		return
	}
	ws, err := s.store.Webhooks(ctx)
	if err != nil {
		return
	}
	var ids []int64
	for _, w := range ws {
		if w.Wants(event) {
			ids = append(ids, w.ID)
		}
	}
	if len(ids) == 0 {
		return
	}
	now := s.at()
	body, err := json.Marshal(map[string]any{"event": event, "occurred_at": now, "data": data})
	if err != nil {
		return
	}
	ctx = context.WithoutCancel(ctx)
	dids, err := s.store.AddDeliveries(ctx, ids, event, string(body), now)
	if err != nil || s.jobs == nil {
		return
	}
	_ = s.jobs.EnqueueWebhookDeliveries(ctx, dids)
}

// Sign is the signature header of a body sent at a time:
// t=UNIX,v1=HEX(HMAC-SHA256(secret, "UNIX." + body)).
func Sign(secret string, at time.Time, body []byte) string {
	ts := strconv.FormatInt(at.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// MaxAttempts is how often a delivery is tried before it is given up.
const MaxAttempts = 8

// Deliver sends a delivery once; an error asks the job to try again later
// (until the last attempt, which marks it failed).
func (s *Service) Deliver(ctx context.Context, id int64, attempt int) error {
	d, err := s.store.FindDelivery(ctx, id)
	if err != nil {
		if fault.Is(err, fault.NotFound) {
			return nil
		}
		return err
	}
	if d.Status != "pending" {
		return nil
	}
	w, err := s.store.FindWebhook(ctx, d.WebhookID)
	if err != nil || !w.Active {
		return s.store.RecordAttempt(ctx, id, "failed", 0, "the webhook was removed", s.at())
	}
	now := s.at()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader([]byte(d.Payload)))
	if err != nil {
		return s.store.RecordAttempt(ctx, id, "failed", 0, err.Error(), now)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "SCRMS-Webhook/1")
	req.Header.Set("X-SCRMS-Event", d.Event)
	req.Header.Set("X-SCRMS-Delivery", strconv.FormatInt(d.ID, 10))
	req.Header.Set("X-SCRMS-Signature", Sign(w.Secret, now, []byte(d.Payload)))
	res, err := s.httpClient().Do(req)
	code, errText := 0, ""
	if err != nil {
		errText = err.Error()
	} else {
		code = res.StatusCode
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
		res.Body.Close()
		if code < 200 || code > 299 {
			errText = fmt.Sprintf("the receiver answered %d", code)
		}
	}
	if errText == "" {
		return s.store.RecordAttempt(ctx, id, "delivered", code, "", now)
	}
	status := "pending"
	if attempt >= MaxAttempts {
		status = "failed"
	}
	if err := s.store.RecordAttempt(ctx, id, status, code, errText, now); err != nil {
		return err
	}
	if status == "failed" {
		return nil
	}
	return fmt.Errorf("webhook delivery %d: %s", id, errText)
}

func (s *Service) httpClient() *http.Client {
	if s.client == nil {
		s.client = SafeClient(s.AllowPrivate, 10*time.Second)
	}
	return s.client
}

// SafeClient is an HTTP client for addresses administrators configure
// (webhooks, the SMS provider): it refuses private, loopback and
// link-local addresses at connect time (so redirects and DNS rebinding are
// covered too), unless allowPrivate, and follows no redirects.
func SafeClient(allowPrivate bool, timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, Control: func(network, address string, _ syscall.RawConn) error {
		if allowPrivate {
			return nil
		}
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return err
		}
		ip := net.ParseIP(host)
		if ip == nil || forbidden(ip) {
			return fmt.Errorf("webhook: %s is a private, loopback or link-local address", host)
		}
		return nil
	}}
	return &http.Client{Timeout: timeout,
		Transport:     &http.Transport{DialContext: dialer.DialContext, Proxy: nil, MaxIdleConnsPerHost: 8},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// forbidden reports whether a webhook may not call an address: loopback,
// private, link-local, unspecified, multicast, and IPv4 mapped into IPv6.
func forbidden(ip net.IP) bool {
	if v4 := ip.To4(); v4 != nil {
		ip = v4
	}
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() ||
		(len(ip) == net.IPv6len && ip[0] == 0x64 && ip[1] == 0xff && ip[2] == 0x9b) // NAT64 well-known prefix
}
