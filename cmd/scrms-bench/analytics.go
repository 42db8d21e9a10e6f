package main

import (
	"bufio"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// analyticsPrepare loads the analytics orders once per database (through
// the order import, not timed) and times one nightly analytics run on
// them: RFM, churn, recommendations and the lifetime value fit.
func analyticsPrepare(o options, bin string, env []string) ([]row, error) {
	file := filepath.Join(o.dir, fmt.Sprintf("analytics-orders-%d.csv", o.analyticsOrders))
	if _, err := os.Stat(file); err != nil {
		fmt.Fprintf(os.Stderr, "writing %d orders…\n", o.analyticsOrders)
		if err := writeTasteOrders(file, o.analyticsOrders, o.customers); err != nil {
			return nil, err
		}
	}
	marker := filepath.Join(o.dir, fmt.Sprintf("analytics-orders-%d-%d.imported", o.analyticsOrders, o.customers))
	if _, err := os.Stat(marker); err != nil || !o.reuse {
		fmt.Fprintf(os.Stderr, "importing %d orders…\n", o.analyticsOrders)
		start := time.Now()
		imp := exec.Command(bin, "import", "orders", file, "--currency", "EUR")
		imp.Env, imp.Stderr = env, os.Stderr
		out, err := imp.Output()
		if err != nil {
			return nil, fmt.Errorf("import orders: %w", err)
		}
		fmt.Fprintf(os.Stderr, "%s(%.0f s)\n", out, time.Since(start).Seconds())
		if err := os.WriteFile(marker, out, 0o644); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(os.Stderr, "running the nightly analytics…\n")
	run := exec.Command(bin, "analytics", "run")
	run.Env, run.Stderr = env, os.Stderr
	out, err := run.Output()
	if err != nil {
		return nil, fmt.Errorf("analytics run: %w", err)
	}
	got := map[string]float64{}
	for _, f := range strings.Fields(string(out)) {
		if k, v, ok := strings.Cut(f, "="); ok {
			got[k], _ = strconv.ParseFloat(v, 64)
		}
	}
	clv := got["clv_seconds"]
	return []row{
		{fmt.Sprintf("BG/NBD + Gamma-Gamma fit, %.0f buying customers, %d orders", got["customers"], o.analyticsOrders),
			fmt.Sprintf("%.1f s", clv), "< 30 s", verdict(clv < 30)},
		{"recommendations build (item-to-item CF over all orders)",
			fmt.Sprintf("%.1f s (%.0f neighbour pairs)", got["recommendations_seconds"], got["pairs"]), "(reported)", ""},
		{"RFM quintiles and churn model", fmt.Sprintf("%.1f s + %.1f s", got["rfm_seconds"], got["churn_seconds"]), "(reported)", ""},
	}, nil
}

// analyticsRows measures what a rep's screen asks of the models: one
// customer's recommendations through the API.
func analyticsRows(o options, b *bench) ([]row, error) {
	rng := rand.New(rand.NewPCG(5, 5))
	lat, err := b.latencies(o.requests, func() string {
		return fmt.Sprintf("/api/v1/customers/%d/recommendations?limit=10", 1+rng.IntN(o.customers))
	}, "token")
	if err != nil {
		return nil, fmt.Errorf("recommendations: %w", err)
	}
	p99 := pct(lat, 99)
	return []row{{"recommendations for one customer (API, 10 products)", fmt.Sprintf("p50 %s, p99 %s", ms(pct(lat, 50)), ms(p99)),
		"< 10 ms", verdict(p99 < 10*time.Millisecond)}}, nil
}

// writeTasteOrders writes n orders of one to three lines over the last
// two years. Customers have tastes: each belongs to one of 200 groups and
// takes most lines from its group's ten of the 2,000 products, so that
// products are bought together the way real baskets are. Some customers
// buy far more often than others.
func writeTasteOrders(path string, n, customers int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(13, 13))
	fmt.Fprintln(w, "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country")
	start := time.Now().UTC().AddDate(-2, 0, 0)
	for i := range n {
		at := start.Add(time.Duration(i) * (2 * 365 * 24 * time.Hour / time.Duration(n))).Format("2006-01-02 15:04:05")
		c := 1 + int(float64(customers)*math.Pow(rng.Float64(), 1.5))
		if c > customers {
			c = customers
		}
		group := c % 200
		for range 1 + rng.IntN(3) {
			sku := group*10 + rng.IntN(10)
			if rng.IntN(10) < 3 {
				sku = rng.IntN(2000)
			}
			fmt.Fprintf(w, "A%d,T%04d,Product %d,%d,%s,%d.%02d,demo-1-%d,Netherlands\n", i+1, sku, sku, 1+rng.IntN(3), at,
				2+rng.IntN(60), rng.IntN(100), c)
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}
