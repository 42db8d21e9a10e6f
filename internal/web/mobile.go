package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/sales"
)

// The mobile app: an installable web app under /m/ for sales reps. The
// server gives it a manifest, icons, a service worker that keeps the app
// shell for offline use, and a small JSON interface (signed in with the
// same session) for the rep's day, search, customer cards and the actions
// taken on the road, which reach the server once each even when they were
// queued offline and sent again.

const themeColour = "#1f5fbf"

func (s *site) manifest(w http.ResponseWriter, r *http.Request) {
	m := map[string]any{
		"name": "SCRMS", "short_name": "SCRMS", "description": "Customers, leads and deals on the go",
		"start_url": "/m/", "scope": "/m/", "display": "standalone", "orientation": "portrait",
		"background_color": "#ffffff", "theme_color": themeColour,
		"icons": []map[string]string{
			{"src": "/m/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
			{"src": "/m/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
			{"src": "/m/icon-512-maskable.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
		},
	}
	w.Header().Set("Content-Type", "application/manifest+json")
	w.Header().Set("Cache-Control", "no-cache")
	_ = json.NewEncoder(w).Encode(m)
}

var (
	iconOnce sync.Once
	icons    map[string][]byte
)

// drawIcon draws SCRMS's app icon: a white card with three rising bars
// on the brand blue; maskable icons keep the drawing inside the safe
// circle.
func drawIcon(size int, maskable bool) []byte {
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	blue := color.RGBA{0x1f, 0x5f, 0xbf, 0xff}
	white := color.RGBA{0xff, 0xff, 0xff, 0xff}
	radius := size / 6
	if maskable {
		radius = 0
	}
	for y := range size {
		for x := range size {
			if inRounded(x, y, size, radius) {
				img.Set(x, y, blue)
			}
		}
	}
	pad := size / 4
	if maskable {
		pad = size * 3 / 10
	}
	fill := func(x0, y0, x1, y1 int, c color.Color) {
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				img.Set(x, y, c)
			}
		}
	}
	inner := size - 2*pad
	bar := inner / 5
	for i, h := range []int{2, 3, 5} {
		x := pad + i*(bar+bar/2) + bar/4
		fill(x, pad+inner-h*inner/5, x+bar, pad+inner, white)
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

func inRounded(x, y, size, r int) bool {
	if r == 0 {
		return true
	}
	cx, cy := x, y
	switch {
	case x < r:
		cx = r
	case x >= size-r:
		cx = size - r - 1
	}
	switch {
	case y < r:
		cy = r
	case y >= size-r:
		cy = size - r - 1
	}
	dx, dy := x-cx, y-cy
	return dx*dx+dy*dy <= r*r
}

// mobileFile serves the app's icons and its service worker.
func (s *site) mobileFile(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("icon") == "sw.js" {
		s.serviceWorker(w, r)
		return
	}
	s.icon(w, r)
}

func (s *site) icon(w http.ResponseWriter, r *http.Request) {
	iconOnce.Do(func() {
		icons = map[string][]byte{"icon-192.png": drawIcon(192, false), "icon-512.png": drawIcon(512, false),
			"icon-512-maskable.png": drawIcon(512, true)}
	})
	b, ok := icons[r.PathValue("icon")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write(b)
}

// serviceWorker is the mobile app's service worker. Its text names the
// content-hashed files of this release, so a new release is a new worker:
// it installs the new shell beside the old, and on activation deletes the
// old caches, so no page of an older release is served after an upgrade.
func (s *site) serviceWorker(w http.ResponseWriter, r *http.Request) {
	shell := []string{"/m/", s.assets["mobile.js"], s.assets["mobile.css"], "/app.webmanifest", "/m/icon-192.png"}
	version := strings.TrimSuffix(strings.TrimPrefix(s.assets["mobile.js"], "/static/mobile."), ".js") + "-" +
		strings.TrimSuffix(strings.TrimPrefix(s.assets["mobile.css"], "/static/mobile."), ".css")
	list, _ := json.Marshal(shell)
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	fmt.Fprintf(w, `// SCRMS mobile service worker, release %[1]s.
const SHELL = "scrms-shell-%[1]s";
const FILES = %[2]s;
self.addEventListener("install", (e) => {
  e.waitUntil(caches.open(SHELL).then((c) => c.addAll(FILES)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (e) => {
  e.waitUntil(caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== SHELL).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});
self.addEventListener("fetch", (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== "GET" || url.origin !== location.origin) { return; }
  // Data is the page's business (it keeps its own offline copy); the
  // shell comes from the cache, the app page from the network when it can.
  if (url.pathname.startsWith("/m/api/")) { return; }
  if (url.pathname === "/m/" || url.pathname === "/m/index.html") {
    e.respondWith(fetch(e.request).then((res) => {
      if (res.ok && !res.redirected) { const copy = res.clone(); caches.open(SHELL).then((c) => c.put("/m/", copy)); }
      return res;
    }).catch(() => caches.match("/m/")));
    return;
  }
  e.respondWith(caches.match(e.request).then((hit) => hit || fetch(e.request)));
});
`, version, list)
}

// mobileUser is user for the mobile app's JSON: 401 instead of a redirect
// when the session has ended, so the app can ask to sign in again, and
// also when the sign-in is older than auth.MobileSessionMax: a phone's
// access to customer data is short-lived.
func (s *site) mobileUser(h userHandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err != nil {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Please sign in again."})
			return
		}
		u, err := s.Auth.MobileUser(r.Context(), c.Value)
		if err != nil {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Please sign in again."})
			return
		}
		a, secret := u.Actor("mobile", clientIP(r), s.RequestID(r)), c.Value
		if foreignOrigin(r) {
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "This is for SCRMS's own app."})
			return
		}
		ctx := context.WithValue(r.Context(), sessionKey{}, secret)
		if err := h(w, r.WithContext(ctx), a); err != nil {
			status, msg := http.StatusInternalServerError, "Something went wrong."
			if e, ok := fault.As(err); ok && e.Code != fault.Internal {
				status, msg = statusOf[e.Code], e.Message
				for _, f := range e.Fields {
					msg += " " + f.Field + ": " + f.Message + "."
				}
			} else {
				s.Log.Error("mobile", "err", err, "request_id", s.RequestID(r))
			}
			writeJSON(w, status, map[string]string{"error": msg})
		}
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// mobilePage is the app shell.
func (s *site) mobilePage(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	w.Header().Set("Cache-Control", "no-cache")
	return render(w, r, http.StatusOK, mobileShell(s.assets["mobile.js"], s.assets["mobile.css"]))
}

type mobileTask struct {
	ID       int64  `json:"id"`
	Kind     string `json:"kind"`
	Subject  string `json:"subject"`
	Due      string `json:"due,omitempty"`
	Overdue  bool   `json:"overdue"`
	Customer string `json:"customer,omitempty"`
	CustID   int64  `json:"customer_id,omitempty"`
}

type mobileLead struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Company string `json:"company,omitempty"`
	Score   int    `json:"score"`
	Status  string `json:"status"`
	Phone   string `json:"phone,omitempty"`
	Email   string `json:"email,omitempty"`
}

type mobileDeal struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Stage     string `json:"stage"`
	StageID   int64  `json:"stage_id"`
	NextStage int64  `json:"next_stage_id,omitempty"`
	NextName  string `json:"next_stage,omitempty"`
	NextStep  string `json:"next_step,omitempty"`
	Amount    string `json:"amount"`
	Customer  string `json:"customer,omitempty"`
	CustID    int64  `json:"customer_id,omitempty"`
	Updated   string `json:"updated_at"`
}

// mobileHome is the rep's day: tasks and meetings due today or overdue,
// open leads by score, open deals with their next stage.
func (s *site) mobileHome(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	ctx := r.Context()
	out := struct {
		User  string       `json:"user"`
		Tasks []mobileTask `json:"tasks"`
		Leads []mobileLead `json:"leads"`
		Deals []mobileDeal `json:"deals"`
	}{User: a.Name, Tasks: []mobileTask{}, Leads: []mobileLead{}, Deals: []mobileDeal{}}
	if a.Can(auth.SalesRead) {
		day, err := s.Activities.Day(ctx, a, time.UTC)
		if err != nil {
			return err
		}
		for _, group := range [][]sales.Activity{day.Overdue, day.Today} {
			for _, x := range group {
				t := mobileTask{ID: x.ID, Kind: x.Kind, Subject: x.Subject, Overdue: x.Overdue(time.Now()), Customer: x.CustomerName,
					CustID: x.CustomerID}
				if !x.DueAt.IsZero() {
					t.Due = x.DueAt.UTC().Format(time.RFC3339)
				}
				out.Tasks = append(out.Tasks, t)
			}
		}
		leads, err := s.Leads.Leads(ctx, a, sales.LeadFilter{OwnerID: a.UserID, Limit: 200})
		if err != nil {
			return err
		}
		for _, l := range leads {
			if l.Status == "converted" || l.Status == "disqualified" {
				continue
			}
			out.Leads = append(out.Leads, mobileLead{ID: l.ID, Name: strings.TrimSpace(l.FirstName + " " + l.LastName), Company: l.Company,
				Score: l.Score, Status: l.Status, Phone: l.Phone, Email: l.Email})
		}
		slices.SortStableFunc(out.Leads, func(x, y mobileLead) int { return y.Score - x.Score })
		if len(out.Leads) > 50 {
			out.Leads = out.Leads[:50]
		}
		deals, err := s.Sales.List(ctx, a, sales.Filter{OwnerID: a.UserID, Open: true, Limit: 50})
		if err != nil {
			return err
		}
		pipelines := map[int64]sales.Pipeline{}
		for _, d := range deals {
			md := mobileDeal{ID: d.ID, Name: d.Name, StageID: d.StageID, NextStep: d.NextStep,
				Amount: fmt.Sprintf("%d.%02d %s", d.Amount/100, d.Amount%100, d.Currency), Customer: d.CustomerName,
				CustID: d.CustomerID, Updated: d.UpdatedAt.UTC().Format(time.RFC3339Nano)}
			p, ok := pipelines[d.PipelineID]
			if !ok {
				if p, err = s.Sales.Pipeline(ctx, a, d.PipelineID); err != nil {
					return err
				}
				pipelines[d.PipelineID] = p
			}
			for i, st := range p.Stages {
				if st.ID != d.StageID {
					continue
				}
				md.Stage = st.Name
				// The next stage is the next open one, or the won stage.
				for _, nx := range p.Stages[i+1:] {
					if nx.Kind != "lost" {
						md.NextStage, md.NextName = nx.ID, nx.Name
						break
					}
				}
			}
			out.Deals = append(out.Deals, md)
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// mobileSearch finds customers by name, email or phone.
func (s *site) mobileSearch(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	page, err := s.Customers.FindCustomers(r.Context(), a, customer.Filter{Query: r.URL.Query().Get("q"), Limit: 20})
	if err != nil {
		return err
	}
	type hit struct {
		ID    int64  `json:"id"`
		Name  string `json:"name"`
		Stage string `json:"stage"`
	}
	out := []hit{}
	for _, c := range page.Items {
		out = append(out, hit{ID: c.ID, Name: c.Name, Stage: c.LifecycleStage})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
