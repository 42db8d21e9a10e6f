package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// loyaltyRows loads n orders for the demo customers (through the order
// import, not timed) and times one loyalty run that books all of them:
// the batch recomputation a new program does over the order history.
func loyaltyRows(o options, bin string, env []string) ([]row, error) {
	file := filepath.Join(o.dir, fmt.Sprintf("orders-%d.csv", o.loyaltyOrders))
	if _, err := os.Stat(file); err != nil {
		if err := writeOrders(file, o.loyaltyOrders, o.customers); err != nil {
			return nil, err
		}
	}
	// The orders are imported once per database; a later run with -reuse
	// books them again for a new program.
	marker := filepath.Join(o.dir, fmt.Sprintf("orders-%d-%d.imported", o.loyaltyOrders, o.customers))
	if _, err := os.Stat(marker); err != nil || !o.reuse {
		fmt.Fprintf(os.Stderr, "importing %d orders…\n", o.loyaltyOrders)
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
	fmt.Fprintf(os.Stderr, "booking loyalty points…\n")
	start := time.Now()
	run := exec.Command(bin, "loyalty", "run", "--accrue-only", "--program", fmt.Sprintf("Bench club %d", time.Now().Unix()))
	run.Env, run.Stderr = env, os.Stderr
	out, err := run.Output()
	if err != nil {
		return nil, fmt.Errorf("loyalty run: %w", err)
	}
	took := time.Since(start)
	var booked int
	var inProcess float64
	for _, f := range strings.Fields(string(out)) {
		if v, ok := strings.CutPrefix(f, "booked="); ok {
			booked, _ = strconv.Atoi(v)
		}
		if v, ok := strings.CutPrefix(f, "seconds="); ok {
			inProcess, _ = strconv.ParseFloat(v, 64)
		}
	}
	target := 60 * float64(o.loyaltyOrders) / 1e6
	return []row{{fmt.Sprintf("loyalty accrual, %d orders in one run (SQLite)", o.loyaltyOrders),
		fmt.Sprintf("%.1f s (%.0f orders/s; %d booked; %.1f s with start-up)", inProcess, float64(o.loyaltyOrders)/inProcess,
			booked, took.Seconds()), fmt.Sprintf("< %.0f s (60 s per 1M)", target), verdict(inProcess <= target)}}, nil
}

// writeOrders writes n orders of one to three lines for random demo
// customers over the last two years, in the order import's columns.
func writeOrders(path string, n, customers int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(11, 11))
	fmt.Fprintln(w, "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country")
	start := time.Now().UTC().AddDate(-2, 0, 0)
	for i := range n {
		at := start.Add(time.Duration(i) * (2 * 365 * 24 * time.Hour / time.Duration(n))).Format("2006-01-02 15:04:05")
		cust := fmt.Sprintf("demo-1-%d", 1+rng.IntN(customers))
		for range 1 + rng.IntN(3) {
			sku := 1 + rng.IntN(400)
			fmt.Fprintf(w, "B%d,SKU%03d,Product %d,%d,%s,%d.%02d,%s,Netherlands\n", i+1, sku, sku, 1+rng.IntN(4), at,
				2+rng.IntN(80), rng.IntN(100), cust)
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}
