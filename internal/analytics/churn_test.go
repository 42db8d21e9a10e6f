package analytics

import (
	"encoding/csv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
)

// telco reads the IBM Telco churn data as the published baseline prepares
// it: TotalCharges blank → 0, SeniorCitizen, tenure, MonthlyCharges and
// TotalCharges numeric, the other 15 columns one-hot.
func telco(t *testing.T) ([]string, [][]float64, []bool) {
	t.Helper()
	var f *os.File
	for _, d := range []string{"../../../shared/data/telco_churn", "../../../../shared/data/telco_churn"} {
		if h, err := os.Open(filepath.Join(d, "Telco-Customer-Churn.csv")); err == nil {
			f = h
			break
		}
	}
	if f == nil {
		t.Skip("Telco churn data not found (expected ../shared/data/telco_churn beside the project)")
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head, rows := rows[0], rows[1:]
	numeric := map[string]bool{"SeniorCitizen": true, "tenure": true, "MonthlyCharges": true, "TotalCharges": true}
	var names []string
	col := map[string]int{}
	levels := map[int][]string{}
	for j := 1; j < len(head)-1; j++ {
		if numeric[head[j]] {
			col[head[j]] = len(names)
			names = append(names, head[j])
			continue
		}
		seen := map[string]bool{}
		for _, r := range rows {
			if !seen[r[j]] {
				seen[r[j]] = true
				levels[j] = append(levels[j], r[j])
			}
		}
		sort.Strings(levels[j])
		for _, l := range levels[j] {
			col[head[j]+"="+l] = len(names)
			names = append(names, head[j]+"="+l)
		}
	}
	x := make([][]float64, len(rows))
	y := make([]bool, len(rows))
	for i, r := range rows {
		x[i] = make([]float64, len(names))
		for j := 1; j < len(head)-1; j++ {
			if numeric[head[j]] {
				v, _ := strconv.ParseFloat(r[j], 64) // blank TotalCharges → 0
				x[i][col[head[j]]] = v
			} else {
				x[i][col[head[j]+"="+r[j]]] = 1
			}
		}
		y[i] = r[len(r)-1] == "Yes"
	}
	if len(rows) != 7043 {
		t.Fatalf("%d customers, want 7,043", len(rows))
	}
	return names, x, y
}

// The churn model reaches the published logistic regression on the Telco
// data (ROC AUC about 0.84, accuracy 0.80) in 5-fold cross-validation,
// and names sensible top reasons.
func TestChurnModelOnTelco(t *testing.T) {
	names, x, y := telco(t)
	order := rand.New(rand.NewPCG(1, 1)).Perm(len(x))
	const folds = 5
	var aucs, accs []float64
	for k := range folds {
		var trX, teX [][]float64
		var trY, teY []bool
		for i, idx := range order {
			if i%folds == k {
				teX, teY = append(teX, x[idx]), append(teY, y[idx])
			} else {
				trX, trY = append(trX, x[idx]), append(trY, y[idx])
			}
		}
		m := FitLogistic(names, trX, trY, 1)
		scores := make([]float64, len(teX))
		right := 0
		for i, v := range teX {
			scores[i] = m.Probability(v)
			if (scores[i] >= 0.5) == teY[i] {
				right++
			}
		}
		aucs = append(aucs, AUC(scores, teY))
		accs = append(accs, float64(right)/float64(len(teX)))
	}
	mean := func(v []float64) float64 {
		s := 0.0
		for _, a := range v {
			s += a
		}
		return s / float64(len(v))
	}
	t.Logf("5-fold ROC AUC %.4f %v, accuracy %.4f %v", mean(aucs), aucs, mean(accs), accs)
	if mean(aucs) < 0.84 || mean(accs) < 0.80 {
		t.Fatalf("mean AUC %.4f, accuracy %.4f; the published logistic regression reaches about 0.84 and 0.80", mean(aucs), mean(accs))
	}

	m := FitLogistic(names, x, y, 1)
	// A new month-to-month customer paying by electronic check with fibre:
	// the riskiest profile in this data.
	risky := make([]float64, len(names))
	for j, n := range names {
		switch n {
		case "Contract=Month-to-month", "PaymentMethod=Electronic check", "InternetService=Fiber optic", "PaperlessBilling=Yes",
			"OnlineSecurity=No", "TechSupport=No":
			risky[j] = 1
		case "tenure":
			risky[j] = 1
		case "MonthlyCharges", "TotalCharges":
			risky[j] = 85
		}
	}
	if p := m.Probability(risky); p < 0.6 {
		t.Fatalf("churn probability of the risky profile %.3f", p)
	}
	reasons := m.Reasons(risky, 3)
	t.Logf("top reasons: %+v", reasons)
	if len(reasons) != 3 || math.IsNaN(reasons[0].Effect) {
		t.Fatalf("reasons: %+v", reasons)
	}
}

func TestAUC(t *testing.T) {
	if a := AUC([]float64{0.1, 0.4, 0.35, 0.8}, []bool{false, false, true, true}); math.Abs(a-0.75) > 1e-12 {
		t.Fatalf("AUC %v, want 0.75", a)
	}
	if a := AUC([]float64{0.5, 0.5}, []bool{false, true}); a != 0.5 {
		t.Fatalf("tied AUC %v", a)
	}
}
