package analytics

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// cdnow reads the CDNOW sample's calibration summary (2,357 customers,
// 39 weeks): x, t_x, T in weeks and the mean repeat purchase value.
func cdnow(t *testing.T) []Summary {
	t.Helper()
	var raw []byte
	for _, d := range []string{"../../../shared/data/cdnow", "../../../../shared/data/cdnow"} {
		if b, err := os.ReadFile(filepath.Join(d, "cdnow_customers_summary_with_transactions.csv")); err == nil {
			raw = b
			break
		}
	}
	if raw == nil {
		t.Skip("CDNOW data not found (expected ../shared/data/cdnow beside the project)")
	}
	rows, err := csv.NewReader(strings.NewReader(strings.ReplaceAll(string(raw), "\r", ""))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []Summary
	for _, r := range rows[1:] {
		v := make([]float64, 4)
		for i := range v {
			if v[i], err = strconv.ParseFloat(r[i+1], 64); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, Summary{X: v[0], Tx: v[1], T: v[2], Spend: v[3]})
	}
	if len(out) != 2357 {
		t.Fatalf("%d customers, want 2,357", len(out))
	}
	return out
}

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.6f, want %.6f (±%g)", what, got, want, tol)
	}
}

// The BG/NBD fit reproduces Fader, Hardie and Lee (2005) on the CDNOW
// sample, and its expectations the published values.
func TestBGNBDOnCDNOW(t *testing.T) {
	data := cdnow(t)
	m, ll, err := FitBGNBD(data)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("r=%.4f α=%.4f a=%.4f b=%.4f LL=%.3f", m.R, m.Alpha, m.A, m.B, ll)
	near(t, "r", m.R, 0.243, 0.0006)
	near(t, "alpha", m.Alpha, 4.414, 0.0006)
	near(t, "a", m.A, 0.793, 0.0006)
	near(t, "b", m.B, 2.426, 0.0006)
	near(t, "log-likelihood", ll, -9582.4, 0.05)

	// At the published parameters (lifetimes' test against Hardie's sheet).
	pub := BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	for i, tt := range []float64{0.1429, 1, 3, 31.8571, 32, 78} {
		want := []float64{0.0078, 0.0533, 0.1509, 1.0420, 1.0452, 1.8605}[i]
		near(t, "E[X(t)]", pub.Expected(tt), want, 0.0005)
	}
	near(t, "E[Y(39) | customer 1]", pub.ConditionalExpected(Summary{X: 2, Tx: 30.43, T: 38.86}, 39), 1.226, 0.001)
	// At the fitted parameters (the BTYD walkthrough's figures).
	c1516 := Summary{X: 26, Tx: 30.86, T: 31}
	near(t, "E[Y(52) | customer 1516]", m.ConditionalExpected(c1516, 52), 25.75659, 0.01)
	near(t, "P(alive | customer 1516)", m.PAlive(c1516), 0.9688523, 0.0005)
	near(t, "E[X(52)]", m.Expected(52), 1.444004, 0.0005)
}

// The Gamma-Gamma fit on the 946 repeat buyers reproduces Fader and
// Hardie (2013).
func TestGammaGammaOnCDNOW(t *testing.T) {
	data := cdnow(t)
	repeat := 0
	for _, s := range data {
		if s.X > 0 {
			repeat++
		}
	}
	if repeat != 946 {
		t.Fatalf("%d repeat buyers, want 946", repeat)
	}
	g, ll, err := FitGammaGamma(data)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("p=%.4f q=%.4f γ=%.4f LL=%.4f", g.P, g.Q, g.Gamma, ll)
	near(t, "p", g.P, 6.25, 0.006)
	near(t, "q", g.Q, 3.74, 0.006)
	near(t, "gamma", g.Gamma, 15.44, 0.012)
	near(t, "log-likelihood", ll, -4055.9177, 0.01)
}

// The grouped, parallel likelihoods used for fitting equal the plain sums
// over customers, at parameters near and far from the optimum, also when
// the data are large enough to be split across cores.
func TestFastLikelihoodsMatchThePlainSums(t *testing.T) {
	base := cdnow(t)
	data := base
	for len(data) < 50000 {
		data = append(data, base...)
	}
	bg, gg := newBGData(data), newGGData(data)
	if len(bg.groups) >= len(data) {
		t.Fatalf("%d groups for %d customers: identical histories were not merged", len(bg.groups), len(data))
	}
	for _, m := range []BGNBD{{0.2426, 4.4135, 0.7929, 2.4258}, {1, 1, 1, 1}, {3.1, 0.2, 5, 0.4}} {
		want, got := m.LogLikelihood(data), bg.ll(m)
		if math.Abs(got-want) > 1e-9*math.Abs(want) {
			t.Errorf("BG/NBD %+v: %v, want %v", m, got, want)
		}
	}
	for _, g := range []GammaGamma{{6.25, 3.74, 15.44}, {1, 1, 1}, {0.3, 9, 100}} {
		want, got := g.LogLikelihood(data), gg.ll(g)
		if math.Abs(got-want) > 1e-9*math.Abs(want) {
			t.Errorf("Gamma-Gamma %+v: %v, want %v", g, got, want)
		}
	}
}

// A fit that starts from a sample's optimum (as fits of many customers
// do) reaches the same estimates as the full fit on CDNOW.
func TestBGNBDFromASampleReachesTheSameFit(t *testing.T) {
	data := cdnow(t)
	old := sampleAbove
	sampleAbove = 500
	defer func() { sampleAbove = old }()
	m, ll, err := FitBGNBD(data)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("r=%.4f α=%.4f a=%.4f b=%.4f LL=%.3f", m.R, m.Alpha, m.A, m.B, ll)
	for _, c := range []struct{ got, want, tol float64 }{{m.R, 0.2426, 5e-4}, {m.Alpha, 4.4135, 5e-3}, {m.A, 0.7929, 5e-4},
		{m.B, 2.4258, 5e-3}, {ll, -9582.426, 5e-3}} {
		if math.Abs(c.got-c.want) > c.tol {
			t.Errorf("got %.4f, want %.4f", c.got, c.want)
		}
	}
}
