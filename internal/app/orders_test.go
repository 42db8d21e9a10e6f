package app_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
)

func TestAPIOrdersAndPurchaseSummary(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		north, south := h.Team("North"), h.Team("South")
		_, nTok := h.User("north@example.com", auth.RoleSales, north)
		_, sTok := h.User("south@example.com", auth.RoleSales, south)
		order := map[string]any{"customer_external_id": "shop-77", "external_id": "W-1001",
			"ordered_at": "2026-11-02T10:00:00Z", "currency": "gbp", "source": "web shop",
			"lines": []map[string]any{{"sku": "MUG-1", "description": "Blue mug", "quantity": 3, "unit_price": 2.55},
				{"sku": "TEA-9", "quantity": 1, "unit_price": 0.085}}}
		h.Do("PUT", "/products/MUG-1", h.AdminToken, map[string]any{"name": "Blue mug", "category": "kitchen", "price": 2.55})
		r := h.Do("POST", "/orders", nTok, order)
		wantStatus(t, r, http.StatusCreated)
		cid := int64(r.JSON["customer_id"].(float64))
		if r.JSON["total"] != 7.735 || len(r.JSON["lines"].([]any)) != 2 || r.JSON["currency"] != "GBP" ||
			r.JSON["customer_name"] != "Customer shop-77" {
			t.Fatalf("order: %s", r.Raw)
		}
		wantProblem(t, h.Do("POST", "/orders", nTok, order), http.StatusConflict, "external_id")
		wantProblem(t, h.Do("POST", "/orders", nTok, map[string]any{"currency": "pounds", "ordered_at": "2026-11-02T10:00:00Z",
			"lines": []map[string]any{{"sku": "", "quantity": 0, "unit_price": 1}}}), 422)
		// A return of one mug.
		wantStatus(t, h.Do("POST", "/orders", nTok, map[string]any{"customer_id": cid, "external_id": "W-1001-R",
			"ordered_at": "2026-11-05T10:00:00Z", "currency": "GBP",
			"lines": []map[string]any{{"sku": "MUG-1", "quantity": -1, "unit_price": 2.55}}}), http.StatusCreated)
		r = h.Do("GET", fmt.Sprintf("/customers/%d/purchases", cid), nTok, nil)
		wantStatus(t, r, http.StatusOK)
		if r.JSON["orders"] != float64(1) || r.JSON["total_spent"] != 5.185 || r.JSON["first_order_at"] != "2026-11-02T10:00:00Z" ||
			fmt.Sprint(r.JSON["favourite_categories"]) != "[kitchen]" {
			t.Fatalf("summary: %s", r.Raw)
		}
		r = h.Do("GET", fmt.Sprintf("/customers/%d/timeline?kind=order", cid), nTok, nil)
		if !containsText(r.Raw, "Order W-1001") || !containsText(r.Raw, "Return W-1001-R") || !containsText(r.Raw, "7.735 GBP") {
			t.Fatalf("timeline: %s", r.Raw)
		}
		// The south team sees neither the customer nor its orders.
		wantProblem(t, h.Do("GET", fmt.Sprintf("/orders?customer_id=%d", cid), sTok, nil), http.StatusNotFound)
		r = h.Do("GET", fmt.Sprintf("/orders?customer_id=%d", cid), nTok, nil)
		if len(r.List) != 2 {
			t.Fatalf("orders: %s", r.Raw)
		}
		c := signIn(t, h, "north@example.com", "long enough password")
		status, page, _ := get(t, c, fmt.Sprintf("%s/customers/%d", h.Server.URL, cid))
		for _, want := range []string{"Purchases", "Total spent", "5.18 GBP", "Customer since", "Blue mug (2)"} {
			if status != 200 || !strings.Contains(page, want) {
				t.Fatalf("profile lacks %q (%d)", want, status)
			}
		}
	})
}

const ordersCSV = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n" +
	"536365,85123A,WHITE HANGING HEART,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n" +
	"536365,71053,WHITE METAL LANTERN,6,2010-12-01 08:26:00,3.39,17850.0,United Kingdom\n" +
	"536366,22633,HAND WARMER UNION JACK,6,2010-12-01 08:28:00,1.85,,United Kingdom\n" +
	"536367,84879,ASSORTED BIRD ORNAMENT,32,2010-12-01 08:34:00,1.69,13047.0,United Kingdom\n" +
	"536365,22752,SET 7 BABUSHKA NESTING BOXES,2,2010-12-01 08:26:00,7.65,17850.0,United Kingdom\n" +
	"C536379,D,Discount,-1,2010-12-01 09:41:00,27.50,14527.0,United Kingdom\n" +
	"536380,22961,JAM MAKING SET,two,2010-12-01 09:41:00,1.45,17809.0,United Kingdom\n"

func TestImportOrdersFromCSV(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "scrms.db")
	file := filepath.Join(dir, "orders.csv")
	os.WriteFile(file, []byte(ordersCSV), 0o644)
	code, out, errOut := cli(t, db, "", "import", "orders", file)
	if code != 1 || !strings.Contains(errOut, "currency") {
		t.Fatalf("without a currency: %d %q %q", code, out, errOut)
	}
	rejects := filepath.Join(dir, "rejects.csv")
	code, out, errOut = cli(t, db, "", "import", "orders", file, "--currency", "GBP", "--rejects", rejects)
	if code != 0 || out != "imported=3 updated=0 skipped=0 rejected=2\n" {
		t.Fatalf("import: %d %q %q", code, out, errOut)
	}
	report, _ := os.ReadFile(rejects)
	for _, want := range []string{"the order names no customer", "quantity is not a whole number"} {
		if !strings.Contains(string(report), want) {
			t.Fatalf("rejects lack %q:\n%s", want, report)
		}
	}
	code, out, _ = cli(t, db, "", "import", "orders", file, "--currency", "GBP")
	if code != 0 || !strings.HasPrefix(out, "imported=0 updated=0 skipped=") {
		t.Fatalf("second import: %d %q", code, out)
	}
	a, err := newApp(t, db)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var lines, total int64
	a.Store.DB().QueryRow(`SELECT COUNT(*), SUM(line_total) FROM order_lines l JOIN orders o ON o.id = l.order_id
WHERE o.external_id = '536365'`).Scan(&lines, &total)
	if lines != 3 || total != (6*25500+6*33900+2*76500) {
		t.Fatalf("invoice 536365 (split in the file): %d lines, total %d", lines, total)
	}
}

// TestImportOnlineRetailOrders imports the Online Retail invoices and checks
// the counts published with the data set.
func TestImportOnlineRetailOrders(t *testing.T) {
	file := ""
	for _, d := range []string{"../../../shared/data/online_retail", "../../../../shared/data/online_retail"} {
		if p := filepath.Join(d, "online_retail_full_from_by-day.csv.gz"); fileExists(p) {
			file = p
		}
	}
	if file == "" {
		t.Skip("Online Retail data not found beside the project")
	}
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "scrms.db")
	code, out, errOut := cli(t, db, "", "import", "orders", file, "--currency", "GBP")
	if code != 0 || out != "imported=22190 updated=0 skipped=0 rejected=3710\n" {
		t.Fatalf("import: %d %q %q", code, out, errOut[:min(len(errOut), 500)])
	}
	a, err := newApp(t, db)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var placed, buyers int
	var revenue int64
	q := a.Store.DB()
	q.QueryRow(`SELECT COUNT(*) FROM orders WHERE status = 'placed'`).Scan(&placed)
	q.QueryRow(`SELECT COUNT(*) FROM customers WHERE order_count > 0`).Scan(&buyers)
	q.QueryRow(`SELECT SUM(line_total) FROM order_lines WHERE quantity > 0`).Scan(&revenue)
	// 25,900 invoices: 22,190 with a customer (18,536 sales, 3,654 returns), 3,710 without.
	if placed != 18536 || buyers != 4339 || revenue != 89114079040 {
		t.Fatalf("placed %d (want 18536), customers %d (want 4339), revenue %d (want 8,911,407.904)", placed, buyers, revenue)
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
