package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/app"
	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/store"
)

const inventorySecret = "a-shared-secret-of-some-length"

func TestProductsStockAndInventoryWebhook(t *testing.T) {
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			h := apptest.New(t, e, func(env map[string]string) { env["SCRMS_INVENTORY_SECRET"] = inventorySecret })
			_, repTok := h.User("rep@example.com", auth.RoleSales, 0)
			r := h.Do("PUT", "/products/MUG-1", h.AdminToken, map[string]any{"name": "Blue mug", "category": "kitchen",
				"price": 7.5, "currency": "eur"})
			wantStatus(t, r, http.StatusOK)
			if r.JSON["available"] != false || r.JSON["currency"] != "EUR" || r.JSON["price"] != 7.5 {
				t.Fatalf("product: %s", r.Raw)
			}
			wantProblem(t, h.Do("PUT", "/products/MUG-1/stock", repTok, map[string]any{"on_hand": 5}), http.StatusForbidden)
			r = h.Do("PUT", "/products/MUG-1/stock", h.AdminToken, map[string]any{"location": "Leeds", "on_hand": 12})
			wantStatus(t, r, http.StatusOK)
			if r.JSON["on_hand"] != float64(12) || r.JSON["available"] != true {
				t.Fatalf("stock: %s", r.Raw)
			}
			// A bulk synchronisation of 10,000 levels, all or none.
			items := make([]map[string]any, 10000)
			for i := range items {
				items[i] = map[string]any{"sku": "SKU-" + strconv.Itoa(i%2500), "location": "store-" + strconv.Itoa(i/2500), "on_hand": i}
			}
			r = h.Do("POST", "/inventory/sync", h.AdminToken, map[string]any{"items": items})
			wantStatus(t, r, http.StatusOK)
			if r.JSON["updated"] != float64(10000) {
				t.Fatalf("sync: %s", r.Raw)
			}
			r = h.Do("GET", "/products/SKU-7", repTok, nil)
			if r.JSON["on_hand"] != float64(7+2507+5007+7507) || len(r.JSON["stock"].([]any)) != 4 {
				t.Fatalf("synced product: %s", r.Raw)
			}
			items[3] = map[string]any{"sku": "", "on_hand": 1}
			wantProblem(t, h.Do("POST", "/inventory/sync", h.AdminToken, map[string]any{"items": items}), 422, "items[3].sku")

			// The inventory system's signed webhook.
			hook := func(body []byte, ts int64, sig string) int {
				req, _ := http.NewRequest("POST", h.Server.URL+"/webhooks/inventory", bytes.NewReader(body))
				req.Header.Set("X-SCRMS-Timestamp", strconv.FormatInt(ts, 10))
				req.Header.Set("X-SCRMS-Signature", "sha256="+sig)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				return res.StatusCode
			}
			body, _ := json.Marshal(map[string]any{"items": []map[string]any{{"sku": "MUG-1", "location": "Leeds", "on_hand": 3}}})
			now := time.Now().Unix()
			if got := hook(body, now, app.InventorySignature("wrong secret, also long", now, body)); got != http.StatusUnauthorized {
				t.Fatalf("wrong signature answered %d", got)
			}
			old := now - 3600
			if got := hook(body, old, app.InventorySignature(inventorySecret, old, body)); got != http.StatusUnauthorized {
				t.Fatalf("replayed webhook answered %d", got)
			}
			if got := hook(body, now, app.InventorySignature(inventorySecret, now, body)); got != http.StatusOK {
				t.Fatalf("signed webhook answered %d", got)
			}
			if r := h.Do("GET", "/products/MUG-1", repTok, nil); r.JSON["on_hand"] != float64(3) {
				t.Fatalf("after the webhook: %s", r.Raw)
			}
			if r := h.Do("GET", "/products?q=sku-249", repTok, nil); len(r.List) != 11 {
				t.Fatalf("product search: %d %s %.300s", len(r.List), fmt.Sprint(r.Status), r.Raw)
			}
		})
	}
}

func TestWebProductsAndTargets(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	rep, _ := h.User("rep@example.com", auth.RoleSales, 0)
	c := signIn(t, h, "admin@example.com", "correct horse battery")
	post := func(path string, v url.Values) {
		t.Helper()
		res, err := c.PostForm(h.Server.URL+path, v)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s answered %d", path, res.StatusCode)
		}
	}
	post("/products", url.Values{"sku": {"TENT-2"}, "name": {"Two-person tent"}, "category": {"camping"}, "price": {"149.90"}, "currency": {"EUR"}})
	post("/products/stock", url.Values{"sku": {"TENT-2"}, "location": {"Leeds"}, "on_hand": {"7"}})
	if r := h.Do("GET", "/products/TENT-2", h.AdminToken, nil); r.JSON["on_hand"] != float64(7) || r.JSON["price"] != 149.9 {
		t.Fatalf("product: %s", r.Raw)
	}
	if status, page, _ := get(t, c, h.Server.URL+"/products?q=tent"); status != 200 || !strings.Contains(page, "Two-person tent") {
		t.Fatalf("products page (%d)", status)
	}
	from, to := time.Now().UTC().AddDate(0, 0, -1).Format("2006-01-02"), time.Now().UTC().AddDate(0, 0, 30).Format("2006-01-02")
	post("/targets", url.Values{"who": {"user:" + strconv.FormatInt(rep.ID, 10)}, "metric": {"revenue"}, "target": {"50000"},
		"period_start": {from}, "period_end": {to}, "currency": {"EUR"}})
	r := h.Do("GET", "/targets", h.AdminToken, nil)
	if len(r.List) != 1 || r.List[0].(map[string]any)["target"] != float64(5000000) {
		t.Fatalf("targets: %s", r.Raw)
	}
}
