// Command scrms-bench measures SCRMS against the foundation's performance
// targets and prints a table. It builds the scrms binary, fills a database
// with `scrms demo` (deterministic data), runs `scrms serve` as a separate
// process and measures it over HTTP from this one: search, profile and list
// latencies (p50/p99), API creates per second with concurrent clients, and
// the server's peak memory.
//
//	go run ./cmd/scrms-bench -customers 1000000 -engine sqlite
package main

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

type options struct {
	customers   int
	engine      string
	pgURL       string
	dir         string
	requests    int
	creates     int
	coldCreates int
	clients     int
	reuse       bool
	deals       int
	events      int
	emails      int
	campaign    bool
	onlyCamp    bool
	onlySeg     bool
	// loyaltyOrders are loaded and booked by one loyalty run (with
	// onlyLoyalty, alone on an existing database).
	loyaltyOrders   int
	onlyLoyalty     bool
	analyticsOrders int
	onlyAnalytics   bool
}

func main() {
	var o options
	flag.IntVar(&o.customers, "customers", 100000, "customers in the database")
	flag.StringVar(&o.engine, "engine", "sqlite", "sqlite or postgres")
	flag.StringVar(&o.pgURL, "pg", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "PostgreSQL URL (engine postgres)")
	flag.StringVar(&o.dir, "dir", "bench-out", "working folder (binary, SQLite file, logs)")
	flag.IntVar(&o.requests, "requests", 400, "requests per latency measurement")
	flag.IntVar(&o.coldCreates, "cold-creates", 2000, "customers created first after the start, reported apart")
	flag.IntVar(&o.creates, "creates", 8000, "customers created in the throughput measurement")
	flag.IntVar(&o.clients, "clients", 8, "concurrent clients creating customers")
	flag.IntVar(&o.deals, "deals", 5000, "open opportunities on the pipeline board")
	flag.IntVar(&o.events, "events", 10000, "interactions given to one customer for the timeline measurement")
	flag.IntVar(&o.emails, "emails", 1000, "inbound emails sent over SMTP at 1,000 a minute (0 skips)")
	flag.BoolVar(&o.campaign, "campaign", true, "send a campaign to every consenting customer through a counting SMTP sink")
	flag.BoolVar(&o.onlySeg, "only-segments", false, "measure the segment counts only (with -reuse, on an existing database)")
	flag.BoolVar(&o.onlyCamp, "only-campaign", false, "measure the campaign only (with -reuse, on an existing database)")
	flag.IntVar(&o.loyaltyOrders, "loyalty-orders", 1000000, "orders imported and then booked by one loyalty run (0 skips)")
	flag.IntVar(&o.analyticsOrders, "analytics-orders", 5000000, "orders imported for the analytics measurements (-only-analytics)")
	flag.BoolVar(&o.onlyAnalytics, "only-analytics", false, "measure the analytics only: the nightly run and per-customer recommendations")
	flag.BoolVar(&o.onlyLoyalty, "only-loyalty", false, "measure the loyalty accrual only (with -reuse, on an existing database)")
	flag.BoolVar(&o.reuse, "reuse", false, "SQLite: reuse the database of an earlier run of the same size (skips and does not report the load)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "scrms-bench:", err)
		os.Exit(1)
	}
}

type row struct {
	name, value, target, verdict string
}

func run(o options) error {
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return err
	}
	bin := filepath.Join(o.dir, "scrms")
	fmt.Fprintln(os.Stderr, "building scrms…")
	build := exec.Command("go", "build", "-o", bin, "./cmd/scrms")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	var rows []row
	if o.reuse && o.engine == "sqlite" {
		path := filepath.Join(o.dir, fmt.Sprintf("bench-%d.db", o.customers))
		if _, err := os.Stat(path); err == nil {
			env := append(os.Environ(), "SCRMS_DATABASE_URL=sqlite:"+path, "SCRMS_LOG_LEVEL=warn")
			return measure(o, bin, env, rows)
		}
	}
	dbURL, cleanup, err := freshDatabase(o)
	if err != nil {
		return err
	}
	defer cleanup()
	env := append(os.Environ(), "SCRMS_DATABASE_URL="+dbURL, "SCRMS_LOG_LEVEL=warn")

	cmd := exec.Command(bin, "user", "create", "--email", "bench@example.com", "--name", "Bench Admin", "--role", "admin", "--password-stdin")
	cmd.Env, cmd.Stdin, cmd.Stderr = env, strings.NewReader("bench password 123\n"), os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("user create: %w", err)
	}
	fmt.Fprintf(os.Stderr, "scrms demo --customers %d…\n", o.customers)
	start := time.Now()
	cmd = exec.Command(bin, "demo", "--customers", strconv.Itoa(o.customers))
	cmd.Env, cmd.Stderr = env, io.Discard
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	demoTime := time.Since(start)
	fmt.Fprint(os.Stderr, string(out))
	target := time.Duration(float64(60*time.Second) * float64(o.customers) / 1e6)
	rows = append(rows, row{fmt.Sprintf("scrms demo --customers %d", o.customers), fmt.Sprintf("%.1f s (%.0f/s)",
		demoTime.Seconds(), float64(o.customers)/demoTime.Seconds()), fmt.Sprintf("< %.0f s (60 s per 1M)", target.Seconds()),
		verdict(demoTime <= target)})

	// Let the kernel write the freshly loaded database out before the server
	// is measured, so that its write-back does not weigh on the measurements.
	// Not part of any timed figure.
	syscall.Sync()
	return measure(o, bin, env, rows)
}

// measure starts the server on the loaded database and measures it.
func measure(o options, bin string, env []string, rows []row) error {
	tok := exec.Command(bin, "token", "create", "--email", "bench@example.com", "--name", "bench")
	tok.Env = env
	tb, err := tok.Output()
	if err != nil {
		return fmt.Errorf("token create: %w", err)
	}
	token := strings.TrimSpace(string(tb))
	if o.onlyLoyalty {
		got, err := loyaltyRows(o, bin, env)
		if err != nil {
			return fmt.Errorf("loyalty: %w", err)
		}
		printTable(o, append(rows, got...))
		return nil
	}
	if o.onlyAnalytics {
		got, err := analyticsPrepare(o, bin, env)
		if err != nil {
			return fmt.Errorf("analytics: %w", err)
		}
		rows = append(rows, got...)
	}
	if o.onlyCamp {
		got, err := campaignRows(o, bin, env, token)
		if err != nil {
			return fmt.Errorf("campaign: %w", err)
		}
		printTable(o, append(rows, got...))
		return nil
	}

	addr, err := freeAddr()
	if err != nil {
		return err
	}
	logf, err := os.Create(filepath.Join(o.dir, "serve.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	smtpAddr, err := freeAddr()
	if err != nil {
		return err
	}
	srv := exec.Command(bin, "serve", "--addr", addr)
	srv.Env, srv.Stdout, srv.Stderr = append(env, "SCRMS_JOBS=false", "SCRMS_INBOUND_SMTP_ADDR="+smtpAddr), logf, logf
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() {
		_ = srv.Process.Signal(os.Interrupt)
		_ = srv.Wait()
	}()
	base := "http://" + addr
	if err := waitReady(base); err != nil {
		return err
	}
	b := &bench{base: base, token: token, client: &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	if err := b.signIn(); err != nil {
		return err
	}
	if o.onlyAnalytics {
		got, err := analyticsRows(o, b)
		if err != nil {
			return err
		}
		printTable(o, append(rows, got...))
		return nil
	}
	rng := rand.New(rand.NewPCG(7, 7))
	maxID := o.customers
	nameQ := []string{"ann", "smi", "mar", "lee", "pat", "kim", "ros", "ngu", "wag", "sil", "gar", "mül", "ana", "emi"}
	measures := []struct {
		name, target string
		limit        time.Duration
		path         func() string
		auth         string
	}{
		{"search: name prefix (API, 20 results)", "p99 < 20 ms", 20 * time.Millisecond,
			func() string { return "/api/v1/customers?limit=20&q=" + url.QueryEscape(nameQ[rng.IntN(len(nameQ))]) }, "token"},
		{"search: two-word prefix (API, 20 results)", "p99 < 20 ms", 20 * time.Millisecond,
			func() string {
				return "/api/v1/customers?limit=20&q=" + url.QueryEscape(nameQ[rng.IntN(len(nameQ))]+" "+nameQ[rng.IntN(len(nameQ))][:2])
			}, "token"},
		{"search: email prefix (API, 20 results)", "p99 < 20 ms", 20 * time.Millisecond,
			func() string {
				return "/api/v1/customers?limit=20&q=" + url.QueryEscape(fmt.Sprintf("info%d", 1+rng.IntN(maxID)))
			}, "token"},
		{"search: phone prefix (API, 20 results)", "p99 < 20 ms", 20 * time.Millisecond,
			func() string {
				return "/api/v1/customers?limit=20&q=" + url.QueryEscape(fmt.Sprintf("+44 20 %d", 2+rng.IntN(7)))
			}, "token"},
		{"search page (HTML, name prefix)", "p99 < 20 ms", 20 * time.Millisecond,
			func() string { return "/customers?q=" + url.QueryEscape(nameQ[rng.IntN(len(nameQ))]) }, "cookie"},
		{"customer profile (HTML)", "p99 < 25 ms", 25 * time.Millisecond,
			func() string { return fmt.Sprintf("/customers/%d", 1+rng.IntN(maxID)) }, "cookie"},
		{"customer list, first page (HTML)", "p99 < 25 ms", 25 * time.Millisecond,
			func() string { return "/customers" }, "cookie"},
		{"customer list, by name, filtered by tag (HTML)", "p99 < 25 ms", 25 * time.Millisecond,
			func() string { return "/customers?sort=name&tag=vip" }, "cookie"},
		{"customer list, a deep page (HTML, cursor)", "p99 < 25 ms", 25 * time.Millisecond,
			func() string { return "/customers?cursor=" + deepCursor(rng.IntN(maxID)+1) }, "cookie"},
	}
	for _, m := range measures {
		fmt.Fprintf(os.Stderr, "measuring %s…\n", m.name)
		lat, err := b.latencies(o.requests, m.path, m.auth)
		if err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
		p50, p99 := pct(lat, 50), pct(lat, 99)
		rows = append(rows, row{m.name, fmt.Sprintf("p50 %s, p99 %s", ms(p50), ms(p99)), m.target, verdict(p99 <= m.limit)})
	}
	fmt.Fprintf(os.Stderr, "counting segments…\n")
	segRows, err := b.segmentRows(20)
	if err != nil {
		return err
	}
	rows = append(rows, segRows...)
	if o.onlySeg {
		printTable(o, rows[len(rows)-1:])
		return nil
	}
	// The first creates after a start find the writer's page cache empty;
	// they are reported apart from the steady state that follows.
	fmt.Fprintf(os.Stderr, "creating %d customers with %d clients (cold)…\n", o.coldCreates, o.clients)
	cold, err := b.creates(o.coldCreates, o.clients)
	if err != nil {
		return err
	}
	rows = append(rows, row{fmt.Sprintf("create via API, %d clients, first %d after start", o.clients, o.coldCreates),
		fmt.Sprintf("%.0f/s", cold), "(reported)", ""})
	fmt.Fprintf(os.Stderr, "creating %d customers with %d clients…\n", o.creates, o.clients)
	rate, err := b.creates(o.creates, o.clients)
	if err != nil {
		return err
	}
	rows = append(rows, row{fmt.Sprintf("create via API, %d clients, next %d", o.clients, o.creates), fmt.Sprintf("%.0f/s", rate), "≥ 2,000/s", verdict(rate >= 2000)})
	// A customer with a long history: 10,000 interactions on customer 1.
	fmt.Fprintf(os.Stderr, "giving customer 1 a timeline of %d events…\n", o.events)
	if err := b.interactions(1, o.events, o.clients); err != nil {
		return err
	}
	for _, m := range []struct {
		name, path, auth string
	}{
		{fmt.Sprintf("timeline, first page, customer with %d events (API)", o.events), "/api/v1/customers/1/timeline?limit=30", "token"},
		{fmt.Sprintf("customer profile with %d events (HTML)", o.events), "/customers/1", "cookie"},
	} {
		lat, err := b.latencies(o.requests, func() string { return m.path }, m.auth)
		if err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
		p99 := pct(lat, 99)
		rows = append(rows, row{m.name, fmt.Sprintf("p50 %s, p99 %s", ms(pct(lat, 50)), ms(p99)), "p99 < 30 ms", verdict(p99 <= 30*time.Millisecond)})
	}

	// A board with many open deals.
	fmt.Fprintf(os.Stderr, "creating %d opportunities…\n", o.deals)
	if err := b.post(o.deals, o.clients, "/api/v1/opportunities", func(i int) any {
		return map[string]any{"name": fmt.Sprintf("Deal %d", i), "amount": 100000 + i*37%900000, "currency": "EUR",
			"stage_id": int64(1 + i%4), "customer_id": 1 + i%maxID}
	}); err != nil {
		return err
	}
	lat, err := b.latencies(o.requests/4, func() string { return "/pipelines/1/board" }, "cookie")
	if err != nil {
		return fmt.Errorf("board: %w", err)
	}
	rows = append(rows, row{fmt.Sprintf("pipeline board with %d open deals (HTML)", o.deals),
		fmt.Sprintf("p50 %s, p99 %s", ms(pct(lat, 50)), ms(pct(lat, 99))), "p99 < 150 ms",
		verdict(pct(lat, 99) <= 150*time.Millisecond)})

	// 10,000 stock changes in one synchronisation, twice: new products, then
	// changed levels of known ones.
	for round := range 2 {
		items := make([]map[string]any, 10000)
		for i := range items {
			items[i] = map[string]any{"sku": fmt.Sprintf("BENCH-%05d", i%5000), "location": fmt.Sprintf("store-%d", i/5000),
				"on_hand": i + round}
		}
		buf, _ := json.Marshal(map[string]any{"items": items})
		req, _ := http.NewRequest("POST", b.base+"/api/v1/inventory/sync", bytes.NewReader(buf))
		req.Header.Set("Authorization", "Bearer "+b.token)
		req.Header.Set("Content-Type", "application/json")
		start := time.Now()
		res, err := b.client.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		took := time.Since(start)
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("inventory sync: %d", res.StatusCode)
		}
		name := []string{"10,000 stock levels, 5,000 new products (one sync request)", "10,000 stock changes (one sync request)"}[round]
		rows = append(rows, row{name, fmt.Sprintf("%.2f s", took.Seconds()), "< 2 s", verdict(took < 2*time.Second)})
	}

	if o.emails > 0 {
		got, err := b.inboundRows(smtpAddr, o.emails)
		if err != nil {
			return err
		}
		rows = append(rows, got...)
	}

	rss, err := peakRSS(srv.Process.Pid)
	if err != nil {
		return err
	}
	rows = append(rows, row{"server peak RSS (VmHWM)", fmt.Sprintf("%d MB", rss/1024), "< 300 MB", verdict(rss/1024 < 300)})

	// A duplicate scan over the whole base, in its own process (as the CLI
	// runs it), while the server is up.
	fmt.Fprintf(os.Stderr, "scanning all customers for duplicates…\n")
	scan := exec.Command(bin, "duplicates", "scan")
	scan.Env, scan.Stderr = env, os.Stderr
	start := time.Now()
	out, err := scan.Output()
	if err != nil {
		return fmt.Errorf("duplicates scan: %w", err)
	}
	took := time.Since(start)
	fmt.Fprint(os.Stderr, string(out))
	scanTarget := time.Duration(float64(2*time.Minute) * float64(o.customers) / 1e6)
	rows = append(rows, row{"duplicate scan of the whole base (" + strings.TrimSpace(string(out)) + ")",
		fmt.Sprintf("%.1f s", took.Seconds()), fmt.Sprintf("< %.0f s (2 min per 1M)", scanTarget.Seconds()),
		verdict(took <= scanTarget)})
	if ru, ok := scan.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rows = append(rows, row{"duplicate scan peak RSS", fmt.Sprintf("%d MB", ru.Maxrss/1024), "(reported)", ""})
	}

	if o.campaign {
		// The campaign runs on a server of its own, with the jobs on; the
		// first server stops so that the two do not share the CPU.
		_ = srv.Process.Signal(os.Interrupt)
		_ = srv.Wait()
		got, err := campaignRows(o, bin, env, token)
		if err != nil {
			return fmt.Errorf("campaign: %w", err)
		}
		rows = append(rows, got...)
	}
	if o.loyaltyOrders > 0 && o.engine == "sqlite" {
		_ = srv.Process.Signal(os.Interrupt)
		_ = srv.Wait()
		got, err := loyaltyRows(o, bin, env)
		if err != nil {
			return fmt.Errorf("loyalty: %w", err)
		}
		rows = append(rows, got...)
	}

	printTable(o, rows)
	return nil
}

func printTable(o options, rows []row) {
	fmt.Printf("\nSCRMS benchmark — engine %s, %d customers, %s, %d CPUs\n\n", o.engine, o.customers,
		time.Now().UTC().Format("2006-01-02"), numCPU())
	fmt.Println("| measure | result | target | |")
	fmt.Println("|---|---|---|---|")
	for _, r := range rows {
		fmt.Printf("| %s | %s | %s | %s |\n", r.name, r.value, r.target, r.verdict)
	}
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func pct(ds []time.Duration, p int) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s)*p + 99) / 100
	return s[min(max(i-1, 0), len(s)-1)]
}

// deepCursor makes a list cursor positioned after the customer with this id,
// in the default newest-first order.
func deepCursor(id int) string {
	b, _ := json.Marshal(map[string]any{"s": "-created", "i": id})
	return base64.RawURLEncoding.EncodeToString(b)
}

func freshDatabase(o options) (string, func(), error) {
	switch o.engine {
	case "sqlite":
		path := filepath.Join(o.dir, fmt.Sprintf("bench-%d.db", o.customers))
		for _, suffix := range []string{"", "-wal", "-shm"} {
			_ = os.Remove(path + suffix)
		}
		return "sqlite:" + path, func() {}, nil
	case "postgres":
		db, err := sql.Open("pgx", o.pgURL)
		if err != nil {
			return "", nil, err
		}
		schema := fmt.Sprintf("bench_%d", o.customers)
		if _, err := db.Exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema); err != nil {
			db.Close()
			return "", nil, err
		}
		u, err := url.Parse(o.pgURL)
		if err != nil {
			db.Close()
			return "", nil, err
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String(), func() {
			_, _ = db.Exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE")
			db.Close()
		}, nil
	}
	return "", nil, fmt.Errorf("unknown engine %q", o.engine)
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitReady(base string) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		res, err := http.Get(base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("server at %s not ready after 60 s", base)
}

type bench struct {
	base, token string
	client      *http.Client
	cookies     http.CookieJar
}

func (b *bench) signIn() error {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.PostForm(b.base+"/login", url.Values{"email": {"bench@example.com"}, "password": {"bench password 123"}})
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("sign in: %d", res.StatusCode)
	}
	b.cookies = jar
	return nil
}

func (b *bench) get(path, auth string) error {
	req, _ := http.NewRequest("GET", b.base+path, nil)
	if auth == "token" {
		req.Header.Set("Authorization", "Bearer "+b.token)
	} else {
		u, _ := url.Parse(b.base)
		for _, c := range b.cookies.Cookies(u) {
			req.AddCookie(c)
		}
	}
	res, err := b.client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		return fmt.Errorf("GET %s: %d", path, res.StatusCode)
	}
	return nil
}

func (b *bench) latencies(n int, path func() string, auth string) ([]time.Duration, error) {
	for range 20 { // warm up
		if err := b.get(path(), auth); err != nil {
			return nil, err
		}
	}
	out := make([]time.Duration, 0, n)
	for range n {
		p := path()
		start := time.Now()
		if err := b.get(p, auth); err != nil {
			return nil, err
		}
		out = append(out, time.Since(start))
	}
	return out, nil
}

// post sends n JSON bodies to path with the given number of clients.
func (b *bench) post(n, clients int, path string, body func(i int) any) error {
	var next atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1))
				if i > n {
					return
				}
				buf, _ := json.Marshal(body(i))
				req, _ := http.NewRequest("POST", b.base+path, bytes.NewReader(buf))
				req.Header.Set("Authorization", "Bearer "+b.token)
				req.Header.Set("Content-Type", "application/json")
				res, err := b.client.Do(req)
				if err != nil {
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				if res.StatusCode >= 300 {
					msg, _ := io.ReadAll(res.Body)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("%s: %d %s", path, res.StatusCode, msg))
				}
				res.Body.Close()
			}
		}()
	}
	wg.Wait()
	if e := firstErr.Load(); e != nil {
		return fmt.Errorf("%v", e)
	}
	return nil
}

func (b *bench) creates(n, clients int) (float64, error) {
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	var firstErr atomic.Value
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				body, _ := json.Marshal(map[string]any{"kind": "person", "first_name": "Bench", "last_name": fmt.Sprintf("Create%d-%d-%d", c, i, n),
					"emails": []map[string]any{{"address": fmt.Sprintf("bench.%d.%d.%d@load.example", c, i, n)}},
					"phones": []map[string]any{{"number": fmt.Sprintf("+4420794%05d", i%100000)}}, "tags": []string{"bench"}})
				req, _ := http.NewRequest("POST", b.base+"/api/v1/customers", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+b.token)
				req.Header.Set("Content-Type", "application/json")
				res, err := b.client.Do(req)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				msg, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != 201 {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("%d %s", res.StatusCode, msg))
				}
			}
		}()
	}
	wg.Wait()
	d := time.Since(start)
	if f := failed.Load(); f > 0 {
		return 0, fmt.Errorf("%d of %d creates failed; first: %v", f, n, firstErr.Load())
	}
	return float64(n) / d.Seconds(), nil
}

// interactions posts n interactions on one customer from several clients.
func (b *bench) interactions(customerID, n, clients int) error {
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now().UTC().Add(-time.Duration(n) * time.Minute)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				body, _ := json.Marshal(map[string]any{"customer_id": customerID, "channel": "phone", "direction": "inbound",
					"subject": fmt.Sprintf("Call %d", i), "body": "Asked about delivery times and the invoice.",
					"occurred_at": start.Add(time.Duration(i) * time.Minute).Format(time.RFC3339)})
				req, _ := http.NewRequest("POST", b.base+"/api/v1/interactions", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+b.token)
				req.Header.Set("Content-Type", "application/json")
				res, err := b.client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 201 {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if f := failed.Load(); f > 0 {
		return fmt.Errorf("%d of %d interactions failed", f, n)
	}
	return nil
}

// peakRSS reads the process's peak resident set size in KiB.
func peakRSS(pid int) (int, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			return strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
		}
	}
	return 0, fmt.Errorf("no VmHWM for %d", pid)
}

func numCPU() int {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return 0
	}
	return bytes.Count(b, []byte("processor\t:"))
}
