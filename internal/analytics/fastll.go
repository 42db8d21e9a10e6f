package analytics

import (
	"math"
	"runtime"
	"sync"
)

// The likelihoods summed over a million customers hundreds of times while
// a model is fitted: customers with the same history are counted once with
// a weight, terms that depend only on the number of repeat purchases are
// computed once per distinct number, and the sum is split across the
// processor's cores.

// bgGroup is the customers sharing one (x, t_x, T).
type bgGroup struct {
	xi    int32 // index into xs
	tx, t float64
	w     float64
}

type bgData struct {
	xs     []float64
	groups []bgGroup
}

type bgKey struct{ x, tx, t float64 }

func newBGData(data []Summary) *bgData {
	d := &bgData{}
	xIndex := map[float64]int32{}
	at := map[bgKey]int{}
	for _, s := range data {
		k := bgKey{s.X, s.Tx, s.T}
		if i, ok := at[k]; ok {
			d.groups[i].w++
			continue
		}
		xi, ok := xIndex[s.X]
		if !ok {
			xi = int32(len(d.xs))
			xIndex[s.X] = xi
			d.xs = append(d.xs, s.X)
		}
		at[k] = len(d.groups)
		d.groups = append(d.groups, bgGroup{xi: xi, tx: s.Tx, t: s.T, w: 1})
	}
	return d
}

// parallelSum adds f over [0, n) split into one range per core.
func parallelSum(n int, f func(lo, hi int) float64) float64 {
	parts := runtime.GOMAXPROCS(0)
	if n < 20000 || parts < 2 {
		return f(0, n)
	}
	sums := make([]float64, parts)
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := n*p/parts, n*(p+1)/parts
		wg.Add(1)
		go func() {
			defer wg.Done()
			sums[p] = f(lo, hi)
		}()
	}
	wg.Wait()
	total := 0.0
	for _, s := range sums {
		total += s
	}
	return total
}

// sample keeps about n groups, evenly spread, with their weights.
func (d *bgData) sample(n int) *bgData {
	stride := max(1, len(d.groups)/n)
	out := &bgData{xs: d.xs}
	for i := 0; i < len(d.groups); i += stride {
		out.groups = append(out.groups, d.groups[i])
	}
	return out
}

// ll is the BG/NBD log-likelihood of all customers (as LogLikelihood).
func (d *bgData) ll(m BGNBD) float64 {
	r, al, a, b := m.R, m.Alpha, m.A, m.B
	lab := lbeta(a, b)
	first := make([]float64, len(d.xs))  // the x-only part of the first term
	second := make([]float64, len(d.xs)) // and of the second
	for i, x := range d.xs {
		common := lgamma(r+x) - lgamma(r) + r*math.Log(al)
		first[i] = lbeta(a, b+x) - lab + common
		if x > 0 {
			second[i] = lbeta(a+1, b+x-1) - lab + common
		}
	}
	return parallelSum(len(d.groups), func(lo, hi int) float64 {
		sum := 0.0
		for _, g := range d.groups[lo:hi] {
			x := d.xs[g.xi]
			f := first[g.xi] - (r+x)*math.Log(al+g.t)
			if x == 0 {
				sum += g.w * f
				continue
			}
			s := second[g.xi] - (r+x)*math.Log(al+g.tx)
			hi := math.Max(f, s)
			sum += g.w * (hi + math.Log(math.Exp(f-hi)+math.Exp(s-hi)))
		}
		return sum
	})
}

// ggCustomer is a repeat customer for the Gamma-Gamma likelihood, with
// the logarithms that do not depend on the parameters.
type ggCustomer struct {
	xi            int32
	mx, logMx, lx float64
}

type ggData struct {
	xs        []float64
	customers []ggCustomer
}

func newGGData(data []Summary) *ggData {
	d := &ggData{}
	xIndex := map[float64]int32{}
	for _, s := range data {
		if s.X <= 0 || s.Spend <= 0 {
			continue
		}
		xi, ok := xIndex[s.X]
		if !ok {
			xi = int32(len(d.xs))
			xIndex[s.X] = xi
			d.xs = append(d.xs, s.X)
		}
		d.customers = append(d.customers, ggCustomer{xi: xi, mx: s.Spend, logMx: math.Log(s.Spend), lx: math.Log(s.X)})
	}
	return d
}

// ll is the Gamma-Gamma log-likelihood of the repeat customers.
func (d *ggData) ll(g GammaGamma) float64 {
	p, q, gm := g.P, g.Q, g.Gamma
	part := make([]float64, len(d.xs))
	lq, lgm := lgamma(q), math.Log(gm)
	for i, x := range d.xs {
		part[i] = lgamma(p*x+q) - lgamma(p*x) - lq + q*lgm
	}
	return parallelSum(len(d.customers), func(lo, hi int) float64 {
		sum := 0.0
		for _, c := range d.customers[lo:hi] {
			x := d.xs[c.xi]
			sum += part[c.xi] + (p*x-1)*c.logMx + p*x*c.lx - (p*x+q)*math.Log(gm+c.mx*x)
		}
		return sum
	})
}
