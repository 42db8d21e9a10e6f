package analytics

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// ChurnFeatures are the behaviour features the churn model reads, in the
// order of ChurnRow.X.
var ChurnFeatures = []string{"days since the last order", "orders", "total spent", "days since the first order",
	"interactions in 90 days", "open cases", "cases", "low CSAT answers", "days since the last email opened", "loyalty points"}

// ChurnRow is one customer's features and whether they are marked churned
// (lifecycle stage "churned").
type ChurnRow struct {
	CustomerID int64
	OwnerID    int64
	Churned    bool
	X          []float64
}

// ChurnScore is a customer's churn risk and its top reasons.
type ChurnScore struct {
	CustomerID int64
	Risk       float64
	Reasons    []string
	ScoredAt   time.Time
}

// ChurnModel is one training of the churn model.
type ChurnModel struct {
	ID        int64
	TrainedAt time.Time
	Examples  int
	Churned   int
	AUC       float64 // on a held-out fifth
	Model     Logistic
}

// ChurnStore is what the churn model needs from storage.
type ChurnStore interface {
	ChurnRows(ctx context.Context, now time.Time) ([]ChurnRow, error)
	SaveChurn(ctx context.Context, m ChurnModel, weights string, scores []ChurnScore) (int64, error)
	CustomerChurn(ctx context.Context, customerID int64) (ChurnScore, error)
	// ClaimChurnTask records that a customer's owner gets a task now,
	// unless one was given since the time given.
	ClaimChurnTask(ctx context.Context, customerID int64, now, since time.Time) (bool, error)
}

// HighRisk is the churn risk from which the owner gets a task.
const HighRisk = 0.7

// TrainChurn trains the churn model on the customers marked churned
// against the other buying customers, scores those not yet churned, and
// gives each high-risk customer's owner a task (at most one per 90 days).
func (s *Service) TrainChurn(ctx context.Context) (ChurnModel, error) {
	cs := s.store
	now := s.now().UTC()
	rows, err := cs.ChurnRows(ctx, now)
	if err != nil {
		return ChurnModel{}, err
	}
	m := ChurnModel{TrainedAt: now, Examples: len(rows)}
	for _, r := range rows {
		if r.Churned {
			m.Churned++
		}
	}
	if m.Churned < 20 || m.Examples-m.Churned < 20 {
		return ChurnModel{}, fault.New(fault.Conflict,
			"Too few examples to learn churn from: %d customers marked churned and %d others (20 of each needed).", m.Churned,
			m.Examples-m.Churned)
	}
	x := make([][]float64, len(rows))
	y := make([]bool, len(rows))
	for i, r := range rows {
		x[i], y[i] = r.X, r.Churned
	}
	// The held-out fifth measures the model; the final one learns from all.
	order := rand.New(rand.NewPCG(7, 7)).Perm(len(rows))
	var trX, teX [][]float64
	var trY, teY []bool
	for i, idx := range order {
		if i%5 == 0 {
			teX, teY = append(teX, x[idx]), append(teY, y[idx])
		} else {
			trX, trY = append(trX, x[idx]), append(trY, y[idx])
		}
	}
	held := FitLogistic(ChurnFeatures, trX, trY, 1)
	scores := make([]float64, len(teX))
	for i := range teX {
		scores[i] = held.Probability(teX[i])
	}
	m.AUC = AUC(scores, teY)
	m.Model = FitLogistic(ChurnFeatures, x, y, 1)
	weights, _ := json.Marshal(m.Model)
	var out []ChurnScore
	for _, r := range rows {
		if r.Churned {
			continue
		}
		sc := ChurnScore{CustomerID: r.CustomerID, Risk: m.Model.Probability(r.X), ScoredAt: now}
		for _, why := range m.Model.Reasons(r.X, 3) {
			sc.Reasons = append(sc.Reasons, why.Feature)
		}
		out = append(out, sc)
	}
	if m.ID, err = cs.SaveChurn(ctx, m, string(weights), out); err != nil {
		return m, err
	}
	if s.ChurnTask != nil {
		owners := map[int64]int64{}
		for _, r := range rows {
			owners[r.CustomerID] = r.OwnerID
		}
		for _, sc := range out {
			if sc.Risk < HighRisk || owners[sc.CustomerID] == 0 {
				continue
			}
			mine, err := cs.ClaimChurnTask(ctx, sc.CustomerID, now, now.AddDate(0, 0, -90))
			if err != nil {
				return m, err
			}
			if mine {
				if err := s.ChurnTask(ctx, owners[sc.CustomerID], sc.CustomerID,
					fmt.Sprintf("Churn risk %.0f%%: get in touch", 100*sc.Risk),
					"Why the model thinks so: "+strings.Join(sc.Reasons, ", ")+"."); err != nil {
					return m, err
				}
			}
		}
	}
	return m, nil
}

// TrainChurnNow trains the model as an administrator asks.
func (s *Service) TrainChurnNow(ctx context.Context, a auth.Actor) (ChurnModel, error) {
	if err := a.Require(auth.SalesAdmin); err != nil {
		return ChurnModel{}, err
	}
	return s.TrainChurn(ctx)
}

// CustomerChurn returns a customer's churn risk and reasons.
func (s *Service) CustomerChurn(ctx context.Context, a auth.Actor, customerID int64) (ChurnScore, error) {
	if err := a.Require(auth.SalesRead); err != nil {
		return ChurnScore{}, err
	}
	if _, err := s.customers.FindCustomer(ctx, a, customerID); err != nil {
		return ChurnScore{}, err
	}
	return s.store.CustomerChurn(ctx, customerID)
}
