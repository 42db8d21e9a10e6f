package analytics

import (
	"math"
	"sort"
)

// Logistic is an L2-regularised logistic regression over standardised
// features: the churn model. Weights are per feature after centring and
// scaling by the training data's means and standard deviations.
type Logistic struct {
	Names     []string
	Mean, Std []float64
	Weights   []float64
	Bias      float64
}

// FitLogistic fits the model by Newton's method (iteratively reweighted
// least squares) with an L2 penalty lambda on the weights (not the bias).
func FitLogistic(names []string, x [][]float64, y []bool, lambda float64) Logistic {
	n, d := len(x), len(names)
	m := Logistic{Names: names, Mean: make([]float64, d), Std: make([]float64, d), Weights: make([]float64, d)}
	for j := range d {
		for i := range n {
			m.Mean[j] += x[i][j]
		}
		m.Mean[j] /= float64(n)
		for i := range n {
			m.Std[j] += (x[i][j] - m.Mean[j]) * (x[i][j] - m.Mean[j])
		}
		m.Std[j] = math.Sqrt(m.Std[j] / float64(n))
		if m.Std[j] == 0 {
			m.Std[j] = 1
		}
	}
	z := make([][]float64, n)
	for i := range n {
		z[i] = m.standardise(x[i])
	}
	w := make([]float64, d+1) // bias last
	for iter := 0; iter < 50; iter++ {
		grad := make([]float64, d+1)
		hess := make([][]float64, d+1)
		for j := range hess {
			hess[j] = make([]float64, d+1)
		}
		for i := range n {
			s := w[d]
			for j := range d {
				s += w[j] * z[i][j]
			}
			p := 1 / (1 + math.Exp(-s))
			r := p
			if y[i] {
				r = p - 1
			}
			q := p * (1 - p)
			for j := 0; j <= d; j++ {
				zj := 1.0
				if j < d {
					zj = z[i][j]
				}
				grad[j] += r * zj
				for k := 0; k <= j; k++ {
					zk := 1.0
					if k < d {
						zk = z[i][k]
					}
					hess[j][k] += q * zj * zk
				}
			}
		}
		for j := 0; j <= d; j++ {
			for k := 0; k < j; k++ {
				hess[k][j] = hess[j][k]
			}
			if j < d {
				grad[j] += lambda * w[j]
				hess[j][j] += lambda
			}
		}
		step := solve(hess, grad)
		change := 0.0
		for j := range w {
			w[j] -= step[j]
			change = math.Max(change, math.Abs(step[j]))
		}
		if change < 1e-8 {
			break
		}
	}
	copy(m.Weights, w[:d])
	m.Bias = w[d]
	return m
}

func (m Logistic) standardise(x []float64) []float64 {
	z := make([]float64, len(x))
	for j := range x {
		z[j] = (x[j] - m.Mean[j]) / m.Std[j]
	}
	return z
}

// Probability is the model's churn probability for a feature vector.
func (m Logistic) Probability(x []float64) float64 {
	s := m.Bias
	for j, v := range m.standardise(x) {
		s += m.Weights[j] * v
	}
	return 1 / (1 + math.Exp(-s))
}

// Reason is a feature's push towards churn for one customer.
type Reason struct {
	Feature string
	Effect  float64 // in log-odds, against an average customer
}

// Reasons are the features that raise a customer's churn risk most, in
// log-odds against the average customer, largest first.
func (m Logistic) Reasons(x []float64, top int) []Reason {
	var out []Reason
	for j, v := range m.standardise(x) {
		if e := m.Weights[j] * v; e > 0 {
			out = append(out, Reason{m.Names[j], e})
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Effect > out[b].Effect })
	if len(out) > top {
		out = out[:top]
	}
	return out
}

// solve solves A x = b by Gaussian elimination with partial pivoting.
func solve(a [][]float64, b []float64) []float64 {
	n := len(b)
	m := make([][]float64, n)
	for i := range n {
		m[i] = append(append([]float64(nil), a[i]...), b[i])
	}
	for c := range n {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(m[r][c]) > math.Abs(m[p][c]) {
				p = r
			}
		}
		m[c], m[p] = m[p], m[c]
		if m[c][c] == 0 {
			continue
		}
		for r := c + 1; r < n; r++ {
			f := m[r][c] / m[c][c]
			for k := c; k <= n; k++ {
				m[r][k] -= f * m[c][k]
			}
		}
	}
	x := make([]float64, n)
	for r := n - 1; r >= 0; r-- {
		s := m[r][n]
		for k := r + 1; k < n; k++ {
			s -= m[r][k] * x[k]
		}
		if m[r][r] != 0 {
			x[r] = s / m[r][r]
		}
	}
	return x
}

// AUC is the area under the ROC curve of scores against outcomes (ties
// count half).
func AUC(scores []float64, y []bool) float64 {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return scores[idx[a]] < scores[idx[b]] })
	// Rank-sum (Mann-Whitney) with average ranks for ties.
	ranks := make([]float64, len(scores))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && scores[idx[j+1]] == scores[idx[i]] {
			j++
		}
		r := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			ranks[idx[k]] = r
		}
		i = j + 1
	}
	var pos, neg, sum float64
	for i, v := range y {
		if v {
			pos++
			sum += ranks[i]
		} else {
			neg++
		}
	}
	if pos == 0 || neg == 0 {
		return 0.5
	}
	return (sum - pos*(pos+1)/2) / (pos * neg)
}
