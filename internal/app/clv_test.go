package app_test

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/marketing"
)

// The CDNOW sample imported as orders through the order import, and the
// lifetime value models fitted by SCRMS on that order history with the
// 39-week calibration period: the estimates of Fader, Hardie and Lee
// (2005) and Fader and Hardie (2013), and the published predictions for
// customer 1.
func TestCLVOnCDNOWOrders(t *testing.T) {
	var src string
	for _, d := range []string{"../../../shared/data/cdnow", "../../../../shared/data/cdnow"} {
		if _, err := os.Stat(filepath.Join(d, "CDNOW_sample.txt")); err == nil {
			src = filepath.Join(d, "CDNOW_sample.txt")
		}
	}
	if src == "" {
		t.Skip("CDNOW data not found (expected ../shared/data/cdnow beside the project)")
	}
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	dir := t.TempDir()
	file := filepath.Join(dir, "cdnow.csv")
	var b strings.Builder
	b.WriteString("InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n")
	sc := bufio.NewScanner(in)
	n := 0
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 5 {
			continue
		}
		day, err := time.Parse("20060102", f[2])
		if err != nil {
			t.Fatal(err)
		}
		n++
		fmt.Fprintf(&b, "T%d,CD,Compact discs,1,%s 12:00:00,%s,C%s,US\n", n, day.Format("2006-01-02"), f[4], f[1])
	}
	if n != 6919 {
		t.Fatalf("%d transactions, want 6,919", n)
	}
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	db := "sqlite:" + filepath.Join(dir, "scrms.db")
	if code, out, errOut := cli(t, db, "", "import", "orders", file, "--currency", "USD"); code != 0 {
		t.Fatalf("import: %d %s %s", code, out, errOut)
	}
	a, err := newApp(t, db)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := context.Background()
	m, err := a.Analytics.FitNow(ctx, auth.System("test"), time.Date(1997, 9, 30, 0, 0, 0, 0, time.UTC), 39)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d customers, %d repeat; r=%.4f α=%.4f a=%.4f b=%.4f LL=%.2f; p=%.3f q=%.3f γ=%.3f", m.Customers, m.RepeatCustomers,
		m.BGNBD.R, m.BGNBD.Alpha, m.BGNBD.A, m.BGNBD.B, m.LLBGNBD, m.Spend.P, m.Spend.Q, m.Spend.Gamma)
	check := func(what string, got, want, tol float64) {
		t.Helper()
		if math.Abs(got-want) > tol {
			t.Errorf("%s = %.5f, want %.5f", what, got, want)
		}
	}
	if m.Customers != 2357 || m.RepeatCustomers != 946 {
		t.Fatalf("%d customers and %d repeat buyers, want 2,357 and 946", m.Customers, m.RepeatCustomers)
	}
	check("r", m.BGNBD.R, 0.243, 0.0006)
	check("alpha", m.BGNBD.Alpha, 4.414, 0.0006)
	check("a", m.BGNBD.A, 0.793, 0.0006)
	check("b", m.BGNBD.B, 2.426, 0.0006)
	check("LL", m.LLBGNBD, -9582.4, 0.05)
	check("p", m.Spend.P, 6.25, 0.006)
	check("q", m.Spend.Q, 3.74, 0.006)
	check("gamma", m.Spend.Gamma, 15.44, 0.012)

	// Customer 1 (x = 2, t_x = 30.43, T = 38.86): 1.226 expected in the
	// next 39 weeks at the published parameters; within rounding here.
	var id int64
	if err := a.Store.DB().QueryRow(`SELECT id FROM customers WHERE external_id = 'C0001'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	p, err := a.Analytics.CustomerCLV(ctx, auth.System("test"), id)
	if err != nil {
		t.Fatal(err)
	}
	check("x", p.Summary.X, 2, 0)
	check("t_x", p.Summary.Tx, 30.43, 0.005)
	check("T", p.Summary.T, 38.86, 0.005)
	check("E[Y(39)]", p.ExpectedPurchases, 1.226, 0.002)
	check("P(alive)", p.PAlive, 0.7266, 0.001)
	if p.ExpectedValue <= 0 {
		t.Errorf("expected value %d", p.ExpectedValue)
	}

	// RFM quintiles over the same customers (as of the end of the data).
	sizes, err := a.Analytics.ComputeRFM(ctx)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, n := range sizes {
		total += n
	}
	var fifths []int
	rows, err := a.Store.DB().Query(`SELECT COUNT(*) FROM customer_rfm GROUP BY r ORDER BY r`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n int
		rows.Scan(&n)
		fifths = append(fifths, n)
	}
	rows.Close()
	if total != 2357 || len(fifths) != 5 || fifths[0] < 471 || fifths[0] > 472 || fifths[4] < 471 || fifths[4] > 472 {
		t.Fatalf("RFM sizes %v, recency fifths %v", sizes, fifths)
	}
	rfm, err := a.Analytics.CustomerRFM(ctx, auth.System("test"), id)
	if err != nil || rfm.Segment == "" {
		t.Fatalf("customer 1 RFM: %+v %v", rfm, err)
	}

	// The profile shows them.
	if _, err := a.Auth.Setup(ctx, auth.NewUser{Email: "admin@example.com", Name: "Ada", Password: "correct horse battery"},
		"127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	defer srv.Close()
	web := signIn(t, &apptest.Harness{T: t, App: a, Server: srv}, "admin@example.com", "correct horse battery")
	if st, body, _ := get(t, web, fmt.Sprintf("%s/customers/%d", srv.URL, id)); st != 200 ||
		!strings.Contains(body, "73% likely") || !strings.Contains(body, "1.2 purchases") ||
		!strings.Contains(body, strings.ReplaceAll(rfm.Segment, "_", " ")+` <span class="hint">(R`) {
		t.Fatalf("profile predictions: %d", st)
	}

	// The predictions are segment fields.
	count := func(rules string) int {
		t.Helper()
		n, _, err := a.Marketing.Preview(ctx, auth.System("test"), marketing.SegmentInput{Text: rules}, 0)
		if err != nil {
			t.Fatalf("%s: %v", rules, err)
		}
		return n
	}
	all, likely, gone := count(`p_alive >= 0`), count(`p_alive >= 0.5 and predicted_purchases > 1`), count(`p_alive < 0.2`)
	if all != 2357 || likely == 0 || gone == 0 || likely+gone >= all {
		t.Fatalf("segments: all %d, likely buyers %d, probably gone %d", all, likely, gone)
	}
	if n := count(`rfm_segment = "champions"`); n != sizes["champions"] || n == 0 {
		t.Fatalf("rfm_segment = champions: %d of %d", n, sizes["champions"])
	}
	if count(fmt.Sprintf("predicted_value > %.2f", float64(p.ExpectedValue)/10000-0.01)) == 0 {
		t.Fatal("no customer worth at least customer 1's predicted value")
	}
}

// The fit and RFM run on both engines through the API, and a sales rep
// may read predictions but not refit.
func TestCLVAndRFMAPI(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		start := time.Now().UTC().AddDate(0, -9, 0)
		var ids []int64
		for i := range 40 {
			c := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": fmt.Sprint("B", i)})
			wantStatus(t, c, http.StatusCreated)
			ids = append(ids, c.ID())
			for k := 0; k <= i%7; k++ {
				at := start.AddDate(0, 0, (i*5+k*23)%250)
				wantStatus(t, h.Do("POST", "/orders", h.AdminToken, map[string]any{"customer_id": c.ID(), "ordered_at": at,
					"currency": "EUR", "lines": []map[string]any{{"sku": "S", "quantity": 1, "unit_price": 10 + i + k}}}), http.StatusCreated)
			}
		}
		_, salesTok := h.User("rep@example.com", auth.RoleSales, 0)
		wantStatus(t, h.Do("POST", "/analytics/clv/fit", salesTok, map[string]any{}), http.StatusForbidden)
		wantProblem(t, h.Do("POST", "/analytics/clv/fit", h.AdminToken, map[string]any{"calibration_end": "2026-13-45"}),
			http.StatusUnprocessableEntity, "calibration_end")
		fit := h.Do("POST", "/analytics/clv/fit", h.AdminToken, map[string]any{"horizon_weeks": 26,
			"calibration_end": time.Now().UTC().Format("2006-01-02")})
		wantStatus(t, fit, http.StatusOK)
		if fit.JSON["customers"] != float64(40) || fit.JSON["time_unit"] != "week" || fit.JSON["bgnbd"].(map[string]any)["r"] == nil ||
			fit.JSON["gamma_gamma"].(map[string]any)["p"] == nil {
			t.Fatalf("fit: %s", fit.Raw)
		}
		pr := h.Do("GET", fmt.Sprintf("/customers/%d/clv", ids[6]), h.AdminToken, nil)
		wantStatus(t, pr, http.StatusOK)
		if pr.JSON["repeat_purchases"] != float64(6) || pr.JSON["p_alive"].(float64) <= 0 || pr.JSON["expected_purchases"].(float64) <= 0 {
			t.Fatalf("prediction: %s", pr.Raw)
		}
		sizes := h.Do("POST", "/analytics/rfm", h.AdminToken, nil)
		wantStatus(t, sizes, http.StatusOK)
		total := 0.0
		for _, n := range sizes.JSON {
			total += n.(float64)
		}
		if total != 40 {
			t.Fatalf("rfm: %s", sizes.Raw)
		}
		pred := h.Do("GET", fmt.Sprintf("/customers/%d/predictions", ids[34]), h.AdminToken, nil)
		if wantStatus(t, pred, http.StatusOK); pred.JSON["p_alive"] == nil || pred.JSON["rfm_segment"] == "" || pred.JSON["clv"] == nil {
			t.Fatalf("predictions: %s", pred.Raw)
		}
		r := h.Do("GET", fmt.Sprintf("/customers/%d/rfm", ids[34]), h.AdminToken, nil) // 7 orders, the largest
		wantStatus(t, r, http.StatusOK)
		if r.JSON["frequency"] != float64(5) || r.JSON["monetary"] != float64(5) {
			t.Fatalf("the most frequent, biggest spender: %s", r.Raw)
		}
	})
}

// The churn model learns from customers marked churned, scores the others
// with reasons, and gives the owner of a high-risk customer one task.
func TestChurnRiskFromBehaviour(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		now := time.Now().UTC()
		owner, _ := h.User("rep@example.com", auth.RoleSales, 0)
		mk := func(name, stage string, orders int, lastDaysAgo int) int64 {
			t.Helper()
			c := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": name,
				"lifecycle_stage": stage, "owner_id": owner.ID})
			wantStatus(t, c, http.StatusCreated)
			for k := range orders {
				at := now.AddDate(0, 0, -lastDaysAgo-30*k)
				wantStatus(t, h.Do("POST", "/orders", h.AdminToken, map[string]any{"customer_id": c.ID(), "ordered_at": at,
					"currency": "EUR", "lines": []map[string]any{{"sku": "S", "quantity": 1, "unit_price": 20}}}), http.StatusCreated)
			}
			return c.ID()
		}
		for i := range 24 {
			mk(fmt.Sprint("Gone", i), "churned", 1+i%2, 300+i*7)
			mk(fmt.Sprint("Here", i), "customer", 3+i%4, 3+i)
		}
		slipping := mk("Slipping", "customer", 1, 340)
		wantProblem(t, h.Do("POST", "/analytics/churn/train", salesToken(t, h), nil), http.StatusForbidden)
		tr := h.Do("POST", "/analytics/churn/train", h.AdminToken, nil)
		wantStatus(t, tr, http.StatusOK)
		if tr.JSON["churned"] != float64(24) || tr.JSON["examples"] != float64(49) || tr.JSON["auc"].(float64) < 0.9 {
			t.Fatalf("training: %s", tr.Raw)
		}
		sc := h.Do("GET", fmt.Sprintf("/customers/%d/churn", slipping), h.AdminToken, nil)
		wantStatus(t, sc, http.StatusOK)
		if sc.JSON["risk"].(float64) < 0.7 || len(sc.JSON["reasons"].([]any)) == 0 {
			t.Fatalf("the slipping customer: %s", sc.Raw)
		}
		wantStatus(t, h.Do("POST", "/analytics/churn/train", h.AdminToken, nil), http.StatusOK)
		acts := h.Do("GET", fmt.Sprintf("/activities?customer_id=%d", slipping), h.AdminToken, nil)
		if n := strings.Count(string(acts.Raw), "Churn risk"); n != 1 {
			t.Fatalf("%d churn tasks after two trainings: %s", n, acts.Raw)
		}
		r := h.Do("POST", "/segments/preview", h.AdminToken, map[string]any{"text": `churn_risk >= 0.7`})
		if wantStatus(t, r, http.StatusOK); r.JSON["count"].(float64) < 1 {
			t.Fatalf("segment: %s", r.Raw)
		}
	})
}

func salesToken(t *testing.T, h *apptest.Harness) string {
	t.Helper()
	_, tok := h.User(fmt.Sprintf("rep%d@example.com", time.Now().UnixNano()), auth.RoleSales, 0)
	return tok
}
