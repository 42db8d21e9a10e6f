package app_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/store"
	"github.com/scrms/scrms/internal/webhook"
)

type received struct {
	event, signature string
	body             []byte
}

// Domain events reach a registered webhook signed with its secret; a
// delivery the receiver refuses is tried again; the delivery log records
// every attempt; the secret is shown once; only administrators manage
// webhooks.
func TestWebhooksDeliverSignedEvents(t *testing.T) {
	var mu sync.Mutex
	var got []received
	failFirst := true
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if r.Header.Get("X-SCRMS-Event") == "case.created" && failFirst {
			failFirst = false
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		got = append(got, received{r.Header.Get("X-SCRMS-Event"), r.Header.Get("X-SCRMS-Signature"), body})
	}))
	defer receiver.Close()
	h := apptest.New(t, store.SQLite, apptest.WithJobs, func(env map[string]string) {
		env["SCRMS_WEBHOOK_ALLOW_PRIVATE"] = "true"
	})
	wantProblem(t, h.Do("POST", "/webhooks", h.AdminToken, map[string]any{"url": "ftp://example.com", "events": []string{"nope"}}),
		http.StatusUnprocessableEntity, "url", "events")
	r := h.Do("POST", "/webhooks", h.AdminToken, map[string]any{"url": receiver.URL + "/hooks", "events": []string{"*"},
		"description": "warehouse"})
	wantStatus(t, r, http.StatusCreated)
	secret, _ := r.JSON["secret"].(string)
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("no secret in %s", r.Raw)
	}
	if list := h.Do("GET", "/webhooks", h.AdminToken, nil); strings.Contains(string(list.Raw), secret) {
		t.Fatalf("the secret is listed: %s", list.Raw)
	}
	_, salesTok := h.User("rep@example.com", auth.RoleSales, 0)
	wantProblem(t, h.Do("GET", "/webhooks", salesTok, nil), http.StatusForbidden)

	cu := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Eva",
		"emails": []map[string]any{{"address": "eva@example.com"}}})
	wantStatus(t, cu, http.StatusCreated)
	wantStatus(t, h.Do("POST", "/orders", h.AdminToken, map[string]any{"customer_id": cu.ID(), "ordered_at": time.Now().UTC(),
		"currency": "EUR", "lines": []map[string]any{{"sku": "MUG", "quantity": 2, "unit_price": 9.5}}}), http.StatusCreated)
	c := h.Do("POST", "/cases", h.AdminToken, map[string]any{"subject": "Broken mug", "customer_id": cu.ID(), "description": "Cracked."})
	wantStatus(t, c, http.StatusCreated)
	wantStatus(t, h.Do("PATCH", fmt.Sprintf("/cases/%d", c.ID()), h.AdminToken, map[string]any{"status": "resolved",
		"resolution_code": "replaced"}), http.StatusOK)

	want := []string{"customer.created", "order.placed", "case.created", "case.resolved"}
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		events := map[string]received{}
		for _, g := range got {
			events[g.event] = g
		}
		mu.Unlock()
		missing := ""
		for _, e := range want {
			if _, ok := events[e]; !ok {
				missing = e
			}
		}
		if missing == "" {
			for _, e := range want {
				g := events[e]
				var at int64
				fmt.Sscanf(g.signature, "t=%d,", &at)
				if g.signature != webhook.Sign(secret, time.Unix(at, 0), g.body) {
					t.Fatalf("%s: signature %q does not match the body", e, g.signature)
				}
				var payload struct {
					Event string         `json:"event"`
					Data  map[string]any `json:"data"`
				}
				if err := json.Unmarshal(g.body, &payload); err != nil || payload.Event != e {
					t.Fatalf("%s: payload %s", e, g.body)
				}
			}
			if total := events["order.placed"].body; !strings.Contains(string(total), `"total":19`) {
				t.Fatalf("order payload %s", total)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s delivery", missing)
		}
		time.Sleep(100 * time.Millisecond)
	}
	log := h.Do("GET", fmt.Sprintf("/webhooks/%d/deliveries", r.ID()), h.AdminToken, nil)
	retried := false
	for _, d := range log.List {
		m := d.(map[string]any)
		if m["event"] == "case.created" && m["status"] == "delivered" && m["attempts"] == float64(2) {
			retried = true
		}
	}
	if !retried {
		t.Fatalf("the refused delivery was not retried: %s", log.Raw)
	}
}

// By default a webhook may not call private or loopback addresses: the
// delivery fails with the reason in the log, and nothing reaches them.
func TestWebhooksRefusePrivateAddresses(t *testing.T) {
	hit := make(chan struct{}, 1)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hit <- struct{}{} }))
	defer receiver.Close()
	h := apptest.New(t, store.SQLite)
	r := h.Do("POST", "/webhooks", h.AdminToken, map[string]any{"url": receiver.URL, "events": []string{"customer.created"}})
	wantStatus(t, r, http.StatusCreated)
	wantStatus(t, h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Io"}), http.StatusCreated)
	log := h.Do("GET", fmt.Sprintf("/webhooks/%d/deliveries", r.ID()), h.AdminToken, nil)
	if len(log.List) != 1 {
		t.Fatalf("deliveries %s", log.Raw)
	}
	id := int64(log.List[0].(map[string]any)["id"].(float64))
	if err := h.App.Webhooks.Deliver(t.Context(), id, webhook.MaxAttempts); err != nil {
		t.Fatal(err)
	}
	log = h.Do("GET", fmt.Sprintf("/webhooks/%d/deliveries", r.ID()), h.AdminToken, nil)
	d := log.List[0].(map[string]any)
	if d["status"] != "failed" || !strings.Contains(d["last_error"].(string), "private, loopback or link-local") {
		t.Fatalf("delivery to a loopback address: %v", d)
	}
	select {
	case <-hit:
		t.Fatal("the loopback receiver was called")
	default:
	}
}
