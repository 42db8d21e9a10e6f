// Package analytics holds SCRMS's models of customer behaviour: the
// BG/NBD model of purchase frequency and dropout and the Gamma-Gamma model
// of spend (predictive customer lifetime value), fitted by maximum
// likelihood on the order history.
package analytics

import (
	"errors"
	"math"
)

// Summary is one customer's purchase history as the models read it:
// repeat purchases (purchase days after the first), the time of the last
// purchase and the length of observation, both from the first purchase,
// and the mean value of the repeat purchases.
type Summary struct {
	X     float64 // repeat purchases (distinct days after the first)
	Tx    float64 // time of the last purchase, from the first
	T     float64 // time observed, from the first purchase
	Spend float64 // mean value of the repeat purchases (0 when X is 0)
}

// BGNBD are the four parameters of the BG/NBD model: purchases at rate λ
// ~ Gamma(r, α) while alive, and after each purchase a dropout with
// probability p ~ Beta(a, b).
type BGNBD struct {
	R, Alpha, A, B float64
}

// lbeta is ln B(x, y).
func lbeta(x, y float64) float64 {
	lx, _ := math.Lgamma(x)
	ly, _ := math.Lgamma(y)
	lxy, _ := math.Lgamma(x + y)
	return lx + ly - lxy
}

func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

// logLikelihood is one customer's log-likelihood (Fader, Hardie and Lee
// 2005, equation 6), summed in log space.
func (m BGNBD) logLikelihood(s Summary) float64 {
	r, al, a, b := m.R, m.Alpha, m.A, m.B
	common := lgamma(r+s.X) - lgamma(r) + r*math.Log(al)
	first := lbeta(a, b+s.X) - lbeta(a, b) + common - (r+s.X)*math.Log(al+s.T)
	if s.X == 0 {
		return first
	}
	second := lbeta(a+1, b+s.X-1) - lbeta(a, b) + common - (r+s.X)*math.Log(al+s.Tx)
	hi := math.Max(first, second)
	return hi + math.Log(math.Exp(first-hi)+math.Exp(second-hi))
}

// LogLikelihood sums the log-likelihood over customers.
func (m BGNBD) LogLikelihood(data []Summary) float64 {
	ll := 0.0
	for _, s := range data {
		ll += m.logLikelihood(s)
	}
	return ll
}

// hyp2f1 is the Gauss hypergeometric function 2F1(a, b; c; z) for
// 0 <= z < 1, by its series.
func hyp2f1(a, b, c, z float64) float64 {
	term, sum := 1.0, 1.0
	for n := 0.0; n < 100000; n++ {
		term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z
		sum += term
		if math.Abs(term) < 1e-15*math.Abs(sum) {
			break
		}
	}
	return sum
}

// Expected is E[X(t)], the purchases a new customer makes in time t.
func (m BGNBD) Expected(t float64) float64 {
	r, al, a, b := m.R, m.Alpha, m.A, m.B
	z := t / (al + t)
	return (a + b - 1) / (a - 1) * (1 - math.Pow(al/(al+t), r)*hyp2f1(r, b, a+b-1, z))
}

// PAlive is the probability that the customer is still alive at T.
func (m BGNBD) PAlive(s Summary) float64 {
	if s.X == 0 {
		return 1
	}
	return 1 / (1 + m.A/(m.B+s.X-1)*math.Pow((m.Alpha+s.T)/(m.Alpha+s.Tx), m.R+s.X))
}

// ConditionalExpected is E[Y(t) | X, Tx, T]: the purchases a customer with
// this history makes in the next t (FHL 2005, equation 10).
func (m BGNBD) ConditionalExpected(s Summary, t float64) float64 {
	r, al, a, b := m.R, m.Alpha, m.A, m.B
	x := s.X
	z := t / (al + s.T + t)
	num := (a + b + x - 1) / (a - 1) * (1 - math.Pow((al+s.T)/(al+s.T+t), r+x)*hyp2f1(r+x, b+x, a+b+x-1, z))
	if x == 0 {
		return num
	}
	return num / (1 + a/(b+x-1)*math.Pow((al+s.T)/(al+s.Tx), r+x))
}

// GammaGamma are the parameters of the Gamma-Gamma spend model: the
// value of a transaction ~ Gamma(p, ν) with ν ~ Gamma(q, γ).
type GammaGamma struct {
	P, Q, Gamma float64
}

func (g GammaGamma) logLikelihood(s Summary) float64 {
	p, q, gm := g.P, g.Q, g.Gamma
	x, mx := s.X, s.Spend
	return lgamma(p*x+q) - lgamma(p*x) - lgamma(q) + q*math.Log(gm) + (p*x-1)*math.Log(mx) + p*x*math.Log(x) -
		(p*x+q)*math.Log(gm+mx*x)
}

// LogLikelihood sums the log-likelihood over the repeat customers.
func (g GammaGamma) LogLikelihood(data []Summary) float64 {
	ll := 0.0
	for _, s := range data {
		if s.X > 0 && s.Spend > 0 {
			ll += g.logLikelihood(s)
		}
	}
	return ll
}

// ExpectedSpend is the expected value of a customer's future purchase,
// given their history (the population mean for a customer without repeat
// purchases).
func (g GammaGamma) ExpectedSpend(s Summary) float64 {
	if s.X == 0 || s.Spend <= 0 {
		return g.P * g.Gamma / (g.Q - 1)
	}
	return (g.Gamma + s.Spend*s.X) * g.P / (g.P*s.X + g.Q - 1)
}

// ErrNoFit is returned when a model cannot be fitted to the data.
var ErrNoFit = errors.New("analytics: the model could not be fitted to these data")

// FitBGNBD fits the BG/NBD model by maximum likelihood.
func FitBGNBD(data []Summary) (BGNBD, float64, error) {
	if len(data) < 10 {
		return BGNBD{}, 0, ErrNoFit
	}
	d := newBGData(data)
	objective := func(d *bgData) func(v []float64) float64 {
		return func(v []float64) float64 {
			m := BGNBD{math.Exp(v[0]), math.Exp(v[1]), math.Exp(v[2]), math.Exp(v[3])}
			ll := d.ll(m)
			if math.IsNaN(ll) || math.IsInf(ll, 0) {
				return math.Inf(1)
			}
			return -ll
		}
	}
	f := objective(d)
	start, step := []float64{0, 0, 0, 0}, 0.5
	if len(d.groups) > sampleAbove {
		// Many customers: find the neighbourhood of the optimum on an even
		// sample of them, then search the full data from there with a
		// small simplex (far fewer passes over all customers).
		start, _ = minimize(objective(d.sample(sampleAbove)), start)
		step = 0.05
	}
	best, nll := minimizeStep(f, start, step)
	for range 3 { // restart from the optimum until it stops moving
		var again float64
		best, again = minimizeStep(f, best, step)
		if math.Abs(again-nll) < 1e-9 {
			nll = again
			break
		}
		nll = again
	}
	if math.IsInf(nll, 0) {
		return BGNBD{}, 0, ErrNoFit
	}
	return BGNBD{math.Exp(best[0]), math.Exp(best[1]), math.Exp(best[2]), math.Exp(best[3])}, -nll, nil
}

// FitGammaGamma fits the Gamma-Gamma model to the repeat customers.
func FitGammaGamma(data []Summary) (GammaGamma, float64, error) {
	n := 0
	for _, s := range data {
		if s.X > 0 && s.Spend > 0 {
			n++
		}
	}
	if n < 10 {
		return GammaGamma{}, 0, ErrNoFit
	}
	d := newGGData(data)
	f := func(v []float64) float64 {
		ll := d.ll(GammaGamma{math.Exp(v[0]), math.Exp(v[1]), math.Exp(v[2])})
		if math.IsNaN(ll) || math.IsInf(ll, 0) {
			return math.Inf(1)
		}
		return -ll
	}
	best, nll := minimize(f, []float64{0, 0, 0})
	for range 3 {
		var again float64
		best, again = minimize(f, best)
		if math.Abs(again-nll) < 1e-9 {
			nll = again
			break
		}
		nll = again
	}
	if math.IsInf(nll, 0) {
		return GammaGamma{}, 0, ErrNoFit
	}
	return GammaGamma{math.Exp(best[0]), math.Exp(best[1]), math.Exp(best[2])}, -nll, nil
}

// sampleAbove is how many distinct customer histories a BG/NBD fit takes
// in full from the start; above it, the fit starts from a sample's.
var sampleAbove = 50000

// minimize finds a minimum of f by the Nelder-Mead simplex method from a
// starting point.
func minimize(f func([]float64) float64, start []float64) ([]float64, float64) {
	return minimizeStep(f, start, 0.5)
}

// minimizeStep is minimize with the first simplex's edge length.
func minimizeStep(f func([]float64) float64, start []float64, step float64) ([]float64, float64) {
	n := len(start)
	pts := make([][]float64, n+1)
	vals := make([]float64, n+1)
	for i := range pts {
		p := append([]float64(nil), start...)
		if i > 0 {
			p[i-1] += step
		}
		pts[i], vals[i] = p, f(p)
	}
	point := func(c []float64, d []float64, t float64) []float64 {
		out := make([]float64, n)
		for j := range out {
			out[j] = c[j] + t*(d[j]-c[j])
		}
		return out
	}
	for iter := 0; iter < 20000; iter++ {
		// Order the simplex: best first.
		for i := 1; i <= n; i++ {
			for j := i; j > 0 && vals[j] < vals[j-1]; j-- {
				vals[j], vals[j-1] = vals[j-1], vals[j]
				pts[j], pts[j-1] = pts[j-1], pts[j]
			}
		}
		if math.Abs(vals[n]-vals[0]) < 1e-11*(1+math.Abs(vals[0])) {
			spread := 0.0
			for j := range n {
				spread = math.Max(spread, math.Abs(pts[n][j]-pts[0][j]))
			}
			if spread < 1e-9 {
				break
			}
		}
		centroid := make([]float64, n)
		for i := range n {
			for j := range n {
				centroid[j] += pts[i][j] / float64(n)
			}
		}
		refl := point(centroid, pts[n], -1)
		fr := f(refl)
		switch {
		case fr < vals[0]:
			exp := point(centroid, pts[n], -2)
			if fe := f(exp); fe < fr {
				pts[n], vals[n] = exp, fe
			} else {
				pts[n], vals[n] = refl, fr
			}
		case fr < vals[n-1]:
			pts[n], vals[n] = refl, fr
		default:
			con := point(centroid, pts[n], 0.5)
			if fr < vals[n] {
				con = point(centroid, pts[n], -0.5)
			}
			if fc := f(con); fc < math.Min(fr, vals[n]) {
				pts[n], vals[n] = con, fc
			} else {
				for i := 1; i <= n; i++ {
					pts[i] = point(pts[0], pts[i], 0.5)
					vals[i] = f(pts[i])
				}
			}
		}
	}
	best := 0
	for i := range vals {
		if vals[i] < vals[best] {
			best = i
		}
	}
	return pts[best], vals[best]
}
