package main

import (
	"database/sql"
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

// analyticsPrepare loads the analytics orders once per database
// (straight into its tables, not timed: the order import is measured
// elsewhere) and times one nightly analytics run on them: RFM, churn,
// recommendations and the lifetime value fit.
func analyticsPrepare(o options, bin string, env []string) ([]row, error) {
	if o.engine != "sqlite" {
		return nil, fmt.Errorf("the analytics measurements run on SQLite")
	}
	path := filepath.Join(o.dir, fmt.Sprintf("bench-%d.db", o.customers))
	marker := filepath.Join(o.dir, fmt.Sprintf("analytics-orders-%d-%d.loaded", o.analyticsOrders, o.customers))
	if _, err := os.Stat(marker); err != nil || !o.reuse {
		fmt.Fprintf(os.Stderr, "loading %d orders…\n", o.analyticsOrders)
		start := time.Now()
		if err := loadTasteOrders(path, o.analyticsOrders); err != nil {
			return nil, err
		}
		fmt.Fprintf(os.Stderr, "(%.0f s)\n", time.Since(start).Seconds())
		if err := os.WriteFile(marker, nil, 0o644); err != nil {
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
	fmt.Fprintf(os.Stderr, "measuring recommendations…\n")
	lat, err := b.latencies(o.requests, func() string {
		return fmt.Sprintf("/api/v1/customers/%d/recommendations?limit=10", 1+rng.IntN(o.customers))
	}, "token")
	if err != nil {
		return nil, fmt.Errorf("recommendations: %w", err)
	}
	p99 := pct(lat, 99)
	rows := []row{{"recommendations for one customer (API, 10 products)", fmt.Sprintf("p50 %s, p99 %s", ms(pct(lat, 50)), ms(p99)),
		"< 10 ms", verdict(p99 < 10*time.Millisecond)}}
	for _, m := range []struct {
		name, path, auth, target string
		n                        int
	}{
		{"dashboard figures (API)", "/api/v1/analytics/dashboard", "token", "p99 < 200 ms", o.requests},
		{"dashboard page (HTML)", "/", "cookie", "p99 < 200 ms", o.requests},
		{"key figures, last 30 days (API)", "/api/v1/analytics/kpis", "token", "(reported)", 10},
	} {
		fmt.Fprintf(os.Stderr, "measuring %s…\n", m.name)
		lat, err := b.latencies(m.n, func() string { return m.path }, m.auth)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.name, err)
		}
		p99 := pct(lat, 99)
		v := ""
		if m.target != "(reported)" {
			v = verdict(p99 < 200*time.Millisecond)
		}
		rows = append(rows, row{m.name, fmt.Sprintf("p50 %s, p99 %s", ms(pct(lat, 50)), ms(p99)), m.target, v})
	}
	return rows, nil
}

// loadTasteOrders writes n orders of one to three lines over the last
// two years straight into the SQLite database, then the customers'
// purchase summaries. Customers have tastes: each belongs to one of 200
// groups and takes most lines from its group's ten of the 2,000 products,
// so that products are bought together the way real baskets are. Some
// customers buy far more often than others.
func loadTasteOrders(path string, n int) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)"+
		"&_pragma=synchronous(OFF)&_pragma=foreign_keys(1)&_time_format=sqlite")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var custs []int64
	rows, err := db.Query(`SELECT id FROM customers WHERE deleted_at IS NULL ORDER BY id`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		custs = append(custs, id)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if len(custs) == 0 {
		return fmt.Errorf("no customers to give orders to")
	}
	now := time.Now().UTC()
	products := make([]int64, 2000)
	for i := range products {
		if err := db.QueryRow(`INSERT INTO products (sku, name, category, price, currency, created_at, updated_at)
VALUES (?, ?, ?, ?, 'EUR', ?, ?) ON CONFLICT (sku) DO UPDATE SET name = excluded.name RETURNING id`,
			fmt.Sprintf("T%04d", i), fmt.Sprintf("Product %d", i), fmt.Sprintf("Group %d", i/10), (2+i%60)*10000, now, now).
			Scan(&products[i]); err != nil {
			return err
		}
	}
	rng := rand.New(rand.NewPCG(13, 13))
	start := now.AddDate(-2, 0, 0)
	const batch = 50000
	for done := 0; done < n; {
		tx, err := db.Begin()
		if err != nil {
			return err
		}
		ord, err := tx.Prepare(`INSERT INTO orders (customer_id, external_id, ordered_at, currency, total, line_count, status,
    source, created_at) VALUES (?, ?, ?, 'EUR', ?, ?, 'placed', 'bench', ?) RETURNING id`)
		if err != nil {
			return err
		}
		line, err := tx.Prepare(`INSERT INTO order_lines (order_id, product_id, sku, description, quantity, unit_price, line_total)
VALUES (?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		for end := min(done+batch, n); done < end; done++ {
			at := start.Add(time.Duration(done) * (2 * 365 * 24 * time.Hour / time.Duration(n)))
			c := custs[min(len(custs)-1, int(float64(len(custs))*math.Pow(rng.Float64(), 1.5)))]
			group := int(c % 200)
			k := 1 + rng.IntN(3)
			type l struct{ p, q, price int }
			ls := make([]l, k)
			total := 0
			for i := range ls {
				p := group*10 + rng.IntN(10)
				if rng.IntN(10) < 3 {
					p = rng.IntN(2000)
				}
				ls[i] = l{p, 1 + rng.IntN(3), (2 + p%60) * 10000}
				total += ls[i].q * ls[i].price
			}
			var id int64
			if err := ord.QueryRow(c, fmt.Sprintf("X%d", done+1), at, total, k, at).Scan(&id); err != nil {
				return err
			}
			for _, x := range ls {
				if _, err := line.Exec(id, products[x.p], fmt.Sprintf("T%04d", x.p), fmt.Sprintf("Product %d", x.p), x.q, x.price,
					x.q*x.price); err != nil {
					return err
				}
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "%d orders\r", done)
	}
	fmt.Fprintln(os.Stderr, "updating the customers' purchase summaries…")
	_, err = db.Exec(`UPDATE customers SET order_count = s.n, total_spent = s.t, first_order_at = s.f, last_order_at = s.l
FROM (SELECT customer_id, COUNT(*) AS n, SUM(total) AS t, MIN(ordered_at) AS f, MAX(ordered_at) AS l FROM orders
      WHERE status = 'placed' GROUP BY customer_id) s WHERE customers.id = s.customer_id`)
	return err
}
