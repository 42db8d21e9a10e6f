package app

import (
	"context"
	"time"

	"github.com/scrms/scrms/internal/fault"
)

// AnalyticsRun says what one nightly analytics run did and how long each
// part took.
type AnalyticsRun struct {
	RFM, Churn, Recommendations, CLV time.Duration
	Customers, Pairs                 int
}

// RunAnalytics does the nightly analytics work: RFM segments, the churn
// model, product recommendations and the lifetime value models.
func (a *App) RunAnalytics(ctx context.Context) (AnalyticsRun, error) {
	return a.runAnalytics(ctx, func(string, time.Duration) {})
}

func (a *App) runAnalytics(ctx context.Context, done func(step string, took time.Duration)) (AnalyticsRun, error) {
	var run AnalyticsRun
	start := time.Now()
	sizes, err := a.Analytics.ComputeRFM(ctx)
	if err != nil {
		return run, err
	}
	a.Log.Info("RFM segments computed", "segments", sizes)
	run.RFM = time.Since(start)
	done("rfm", run.RFM)
	start = time.Now()
	if cm, err := a.Analytics.TrainChurn(ctx); err == nil {
		a.Log.Info("churn model trained", "examples", cm.Examples, "churned", cm.Churned, "auc", cm.AUC)
	} else if fault.Is(err, fault.Conflict) {
		a.Log.Info("churn model not trained", "reason", err.Error())
	} else {
		return run, err
	}
	run.Churn = time.Since(start)
	done("churn", run.Churn)
	start = time.Now()
	rm, err := a.Analytics.BuildRecommendations(ctx)
	if err != nil {
		return run, err
	}
	a.Log.Info("recommendations built", "customers", rm.Customers, "products", rm.Products, "pairs", rm.Pairs)
	run.Recommendations, run.Pairs = time.Since(start), rm.Pairs
	done("recommendations", run.Recommendations)
	start = time.Now()
	m, err := a.Analytics.Fit(ctx, time.Time{}, 52)
	run.CLV = time.Since(start)
	done("clv", run.CLV)
	switch {
	case fault.Is(err, fault.Conflict):
		a.Log.Info("lifetime value models not fitted", "reason", err.Error())
		return run, nil
	case err != nil:
		return run, err
	}
	a.Log.Info("lifetime value models fitted", "customers", m.Customers, "r", m.BGNBD.R, "alpha", m.BGNBD.Alpha,
		"a", m.BGNBD.A, "b", m.BGNBD.B, "read", m.Took.Read, "bgnbd", m.Took.BGNBD, "gamma_gamma", m.Took.GammaGamma,
		"predict", m.Took.Predict, "save", m.Took.Save)
	done("clv: read", m.Took.Read)
	done("clv: BG/NBD", m.Took.BGNBD)
	done("clv: Gamma-Gamma", m.Took.GammaGamma)
	done("clv: predictions", m.Took.Predict)
	done("clv: storing predictions", m.Took.Save)
	run.Customers = m.Customers
	return run, nil
}
