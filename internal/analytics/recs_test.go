package analytics

import (
	"compress/gzip"
	"encoding/csv"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// retailOrders reads the UCI Online Retail data: per customer, their
// invoices (sales only: no cancellations, positive quantities, a customer
// id, real products rather than postage or fees) in date order, each the
// set of stock codes it holds, as item ids.
func retailOrders(t *testing.T) (orders [][][]int, codes []string) {
	t.Helper()
	var f *os.File
	for _, d := range []string{"../../../shared/data/online_retail", "../../../../shared/data/online_retail"} {
		if h, err := os.Open(filepath.Join(d, "online_retail_full_from_by-day.csv.gz")); err == nil {
			f = h
			break
		}
	}
	if f == nil {
		t.Skip("Online Retail data not found (expected ../shared/data/online_retail beside the project)")
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(gz)
	r.ReuseRecord = true
	if _, err := r.Read(); err != nil {
		t.Fatal(err)
	}
	type invoice struct {
		at    string
		no    string
		items map[int]bool
	}
	byCustomer := map[string]map[string]*invoice{}
	ids := map[string]int{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		no, code, qty, at, cust := rec[0], strings.ToUpper(rec[1]), rec[3], rec[4], rec[6]
		if cust == "" || strings.HasPrefix(no, "C") {
			continue
		}
		if q, err := strconv.Atoi(qty); err != nil || q <= 0 {
			continue
		}
		if !strings.ContainsAny(code, "0123456789") || code == "C2" { // POST, DOT, M, BANK CHARGES, AMAZONFEE…
			continue
		}
		id, ok := ids[code]
		if !ok {
			id = len(codes)
			ids[code] = id
			codes = append(codes, code)
		}
		invs := byCustomer[cust]
		if invs == nil {
			invs = map[string]*invoice{}
			byCustomer[cust] = invs
		}
		inv := invs[no]
		if inv == nil {
			inv = &invoice{at: at, no: no, items: map[int]bool{}}
			invs[no] = inv
		}
		inv.items[id] = true
	}
	custs := make([]string, 0, len(byCustomer))
	for c := range byCustomer {
		custs = append(custs, c)
	}
	sort.Strings(custs)
	for _, c := range custs {
		var invs []*invoice
		for _, inv := range byCustomer[c] {
			invs = append(invs, inv)
		}
		sort.Slice(invs, func(a, b int) bool {
			if invs[a].at != invs[b].at {
				return invs[a].at < invs[b].at
			}
			return invs[a].no < invs[b].no
		})
		var cust [][]int
		for _, inv := range invs {
			var items []int
			for it := range inv.items {
				items = append(items, it)
			}
			sort.Ints(items)
			cust = append(cust, items)
		}
		orders = append(orders, cust)
	}
	return orders, codes
}

// Offline evaluation on Online Retail: each customer's last order is held
// out, everything before it trains the model, and the ten recommendations
// are scored against the held-out order (hit rate@10: at least one of the
// ten was bought; precision@10: the share of the ten that were). Two
// settings: any product may be recommended (gift-shop buyers restock the
// same lines), and only products the customer has not bought before
// (discovery). Item-to-item CF must beat the popularity baseline clearly
// in both.
func TestRecommendationsOnOnlineRetail(t *testing.T) {
	orders, codes := retailOrders(t)
	items := len(codes)
	histories := make([][]int, len(orders))
	owned := make([][]Owned, len(orders))
	var tested []int
	for u, os := range orders {
		train := os
		if len(os) >= 2 {
			train = os[:len(os)-1]
			tested = append(tested, u)
		}
		count := map[int]int{}
		for _, o := range train {
			for _, it := range o {
				count[it]++
			}
		}
		for it, c := range count {
			histories[u] = append(histories[u], it)
			owned[u] = append(owned[u], Owned{Item: it, Weight: 1 + math.Log(float64(c))})
		}
		sort.Ints(histories[u])
		sort.Slice(owned[u], func(a, b int) bool { return owned[u][a].Item < owned[u][b].Item })
	}
	nbs := ItemNeighbours(histories, items, 50, 2)
	popular := Popular(histories, items)
	t.Logf("%d customers, %d products, %d customers with a held-out order", len(orders), items, len(tested))

	// The customer's own repeat purchases count in the "any product"
	// setting: an owned item is its own best neighbour.
	selfAndNeighbours := func(it int) []Neighbour {
		return append([]Neighbour{{Item: it, Score: 1}}, nbs[it]...)
	}
	type result struct{ hits, rel, n int }
	score := func(recs []int, held []int, r *result) {
		in := map[int]bool{}
		for _, it := range held {
			in[it] = true
		}
		got := 0
		for _, it := range recs {
			if in[it] {
				got++
			}
		}
		if got > 0 {
			r.hits++
		}
		r.rel += got
		r.n++
	}
	var cfAny, popAny, cfNew, popNew result
	for _, u := range tested {
		held := orders[u][len(orders[u])-1]
		mine := map[int]bool{}
		for _, it := range histories[u] {
			mine[it] = true
		}
		newOnly := func(it int) bool { return !mine[it] }
		ids := func(rs []Recommendation) []int {
			out := make([]int, len(rs))
			for i, r := range rs {
				out[i] = r.Item
			}
			return out
		}
		score(ids(Recommend(owned[u], selfAndNeighbours, nil, nil, 10)), held, &cfAny)
		score(popular[:10], held, &popAny)
		score(ids(Recommend(owned[u], func(it int) []Neighbour { return nbs[it] }, newOnly, nil, 10)), held, &cfNew)
		var pn []int
		for _, it := range popular {
			if len(pn) == 10 {
				break
			}
			if !mine[it] {
				pn = append(pn, it)
			}
		}
		score(pn, held, &popNew)
	}
	rate := func(r result) (float64, float64) {
		return float64(r.hits) / float64(r.n), float64(r.rel) / float64(10*r.n)
	}
	report := func(name string, cf, pop result) {
		ch, cp := rate(cf)
		ph, pp := rate(pop)
		t.Logf("%-28s item-to-item CF hit@10 %.4f  P@10 %.4f | popularity hit@10 %.4f  P@10 %.4f", name, ch, cp, ph, pp)
		if ch < 1.25*ph || cp < 1.25*pp {
			t.Errorf("%s: CF does not clearly beat popularity", name)
		}
	}
	report("any product:", cfAny, popAny)
	report("products not bought before:", cfNew, popNew)
}

// The neighbours of a toy history are the items bought by the same
// customers, scored by cosine; a pair seen once is left out when two are
// required; recommendations name the owned item that led to them.
func TestItemNeighboursAndRecommend(t *testing.T) {
	h := [][]int{{0, 1}, {0, 1, 2}, {0, 1}, {2, 3}, {0, 3}}
	nbs := ItemNeighbours(h, 4, 10, 2)
	// item 0: buyers {0,1,2,4}; item 1: {0,1,2}: together 3, cos 3/√12.
	if len(nbs[0]) != 1 || nbs[0][0].Item != 1 || nbs[0][0].Together != 3 ||
		math.Abs(nbs[0][0].Score-3/math.Sqrt(12)) > 1e-12 {
		t.Fatalf("neighbours of 0: %+v", nbs[0])
	}
	if len(nbs[3]) != 0 {
		t.Fatalf("item 3 shares one basket with each other item, so none pass: %+v", nbs[3])
	}
	all := ItemNeighbours(h, 4, 10, 1)
	recs := Recommend([]Owned{{Item: 3, Weight: 1}}, func(it int) []Neighbour { return all[it] },
		func(it int) bool { return it != 2 }, nil, 5)
	if len(recs) != 1 || recs[0].Item != 0 || recs[0].Because != 3 {
		t.Fatalf("for an owner of 3 with 2 out of stock: %+v", recs)
	}
	boosted := Recommend([]Owned{{Item: 3, Weight: 1}}, func(it int) []Neighbour { return all[it] }, nil,
		func(it int) float64 {
			if it == 2 {
				return 10
			}
			return 1
		}, 5)
	if boosted[0].Item != 2 {
		t.Fatalf("a preferred item comes first: %+v", boosted)
	}
	if p := Popular(h, 4); p[0] != 0 || p[1] != 1 {
		t.Fatalf("popularity order %v", p)
	}
}
