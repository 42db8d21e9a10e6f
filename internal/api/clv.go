package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/scrms/scrms/internal/analytics"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// CLVModelJSON is a fit of the lifetime value models.
type CLVModelJSON struct {
	ID              int64     `json:"id"`
	FittedAt        time.Time `json:"fitted_at"`
	AsOf            time.Time `json:"as_of"`
	HorizonWeeks    int       `json:"horizon_weeks"`
	Customers       int       `json:"customers"`
	RepeatCustomers int       `json:"repeat_customers"`
	TimeUnit        string    `json:"time_unit" doc:"week: x, t_x and T are in weeks; same-day orders count as one transaction."`
	BGNBD           struct {
		R             float64 `json:"r"`
		Alpha         float64 `json:"alpha"`
		A             float64 `json:"a"`
		B             float64 `json:"b"`
		LogLikelihood float64 `json:"log_likelihood"`
	} `json:"bgnbd"`
	GammaGamma struct {
		P             float64 `json:"p"`
		Q             float64 `json:"q"`
		Gamma         float64 `json:"gamma"`
		LogLikelihood float64 `json:"log_likelihood"`
	} `json:"gamma_gamma"`
}

func clvModelJSON(m analytics.Model) CLVModelJSON {
	out := CLVModelJSON{ID: m.ID, FittedAt: m.FittedAt, AsOf: m.AsOf, HorizonWeeks: m.HorizonWeeks, Customers: m.Customers,
		RepeatCustomers: m.RepeatCustomers, TimeUnit: "week"}
	out.BGNBD.R, out.BGNBD.Alpha, out.BGNBD.A, out.BGNBD.B, out.BGNBD.LogLikelihood = m.BGNBD.R, m.BGNBD.Alpha, m.BGNBD.A, m.BGNBD.B,
		m.LLBGNBD
	out.GammaGamma.P, out.GammaGamma.Q, out.GammaGamma.Gamma, out.GammaGamma.LogLikelihood = m.Spend.P, m.Spend.Q, m.Spend.Gamma,
		m.LLSpend
	return out
}

// CustomerCLVJSON is what the latest fit predicts for a customer.
type CustomerCLVJSON struct {
	CustomerID        int64   `json:"customer_id"`
	RepeatPurchases   float64 `json:"repeat_purchases" doc:"Purchase days after the first, before the fit's date."`
	WeeksToLast       float64 `json:"weeks_to_last_purchase"`
	WeeksObserved     float64 `json:"weeks_observed"`
	AverageRepeat     float64 `json:"average_repeat_purchase" doc:"Mean value of the repeat purchases, currency units."`
	PAlive            float64 `json:"p_alive"`
	ExpectedPurchases float64 `json:"expected_purchases" doc:"Over the fit's horizon."`
	ExpectedValue     float64 `json:"expected_value" doc:"Over the fit's horizon, currency units."`
}

func (s *server) registerCLV(api huma.API) {
	tags := []string{"Analytics"}
	huma.Register(api, huma.Operation{OperationID: "fit-clv", Method: http.MethodPost, Path: "/analytics/clv/fit",
		Summary: "Fit the lifetime value models (BG/NBD and Gamma-Gamma) on the order history now", Tags: tags},
		func(ctx context.Context, in *struct {
			Body struct {
				CalibrationEnd string `json:"calibration_end,omitempty" pattern:"^[0-9]{4}-[0-9]{2}-[0-9]{2}$" doc:"Last day of the history used, YYYY-MM-DD (default today)."`
				HorizonWeeks   int    `json:"horizon_weeks,omitempty" doc:"Predictions over this many weeks (default 52)."`
			}
		}) (*struct{ Body CLVModelJSON }, error) {
			var end time.Time
			if in.Body.CalibrationEnd != "" {
				var err error
				if end, err = time.Parse("2006-01-02", in.Body.CalibrationEnd); err != nil {
					return nil, s.fail(ctx, "fit clv", fault.Field("calibration_end", "is not a date (YYYY-MM-DD)"))
				}
			}
			m, err := s.Analytics.FitNow(ctx, actorFrom(ctx), end, in.Body.HorizonWeeks)
			if err != nil {
				return nil, s.fail(ctx, "fit clv", err)
			}
			return &struct{ Body CLVModelJSON }{clvModelJSON(m)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "clv-model", Method: http.MethodGet, Path: "/analytics/clv/model",
		Summary: "The latest fit of the lifetime value models", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body CLVModelJSON }, error) {
			m, err := s.Analytics.LatestModel(ctx, actorFrom(ctx))
			if err != nil {
				return nil, s.fail(ctx, "clv model", err)
			}
			return &struct{ Body CLVModelJSON }{clvModelJSON(m)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "customer-clv", Method: http.MethodGet, Path: "/customers/{id}/clv",
		Summary: "A customer's predicted purchases, P(alive) and value", Tags: tags},
		func(ctx context.Context, in *idPath) (*struct{ Body CustomerCLVJSON }, error) {
			p, err := s.Analytics.CustomerCLV(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "customer clv", err)
			}
			return &struct{ Body CustomerCLVJSON }{CustomerCLVJSON{CustomerID: p.CustomerID, RepeatPurchases: p.Summary.X,
				WeeksToLast: p.Summary.Tx, WeeksObserved: p.Summary.T, AverageRepeat: p.Summary.Spend, PAlive: p.PAlive,
				ExpectedPurchases: p.ExpectedPurchases, ExpectedValue: float64(p.ExpectedValue) / analytics.Scale}}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "compute-rfm", Method: http.MethodPost, Path: "/analytics/rfm",
		Summary: "Score every buying customer in recency, frequency and spend quintiles now; returns the segment sizes", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body map[string]int }, error) {
			if err := actorFrom(ctx).Require(auth.SalesAdmin); err != nil {
				return nil, s.fail(ctx, "rfm", err)
			}
			sizes, err := s.Analytics.ComputeRFM(ctx)
			if err != nil {
				return nil, s.fail(ctx, "rfm", err)
			}
			return &struct{ Body map[string]int }{sizes}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "customer-rfm", Method: http.MethodGet, Path: "/customers/{id}/rfm",
		Summary: "A customer's RFM quintiles and segment", Tags: tags},
		func(ctx context.Context, in *idPath) (*struct {
			Body struct {
				R       int    `json:"recency"`
				F       int    `json:"frequency"`
				M       int    `json:"monetary"`
				Segment string `json:"segment"`
			}
		}, error) {
			v, err := s.Analytics.CustomerRFM(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "customer rfm", err)
			}
			out := &struct {
				Body struct {
					R       int    `json:"recency"`
					F       int    `json:"frequency"`
					M       int    `json:"monetary"`
					Segment string `json:"segment"`
				}
			}{}
			out.Body.R, out.Body.F, out.Body.M, out.Body.Segment = v.R, v.F, v.M, v.Segment
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "train-churn", Method: http.MethodPost, Path: "/analytics/churn/train",
		Summary: "Train the churn model on customers marked churned, score the others and task owners of high risks", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct {
			Body struct {
				Examples int     `json:"examples"`
				Churned  int     `json:"churned"`
				AUC      float64 `json:"auc" doc:"ROC AUC on a held-out fifth."`
			}
		}, error) {
			m, err := s.Analytics.TrainChurnNow(ctx, actorFrom(ctx))
			if err != nil {
				return nil, s.fail(ctx, "train churn", err)
			}
			out := &struct {
				Body struct {
					Examples int     `json:"examples"`
					Churned  int     `json:"churned"`
					AUC      float64 `json:"auc" doc:"ROC AUC on a held-out fifth."`
				}
			}{}
			out.Body.Examples, out.Body.Churned, out.Body.AUC = m.Examples, m.Churned, m.AUC
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "customer-churn", Method: http.MethodGet, Path: "/customers/{id}/churn",
		Summary: "A customer's churn risk and its top reasons", Tags: tags},
		func(ctx context.Context, in *idPath) (*struct {
			Body struct {
				Risk     float64   `json:"risk"`
				Reasons  []string  `json:"reasons"`
				ScoredAt time.Time `json:"scored_at"`
			}
		}, error) {
			sc, err := s.Analytics.CustomerChurn(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "customer churn", err)
			}
			out := &struct {
				Body struct {
					Risk     float64   `json:"risk"`
					Reasons  []string  `json:"reasons"`
					ScoredAt time.Time `json:"scored_at"`
				}
			}{}
			out.Body.Risk, out.Body.Reasons, out.Body.ScoredAt = sc.Risk, append([]string{}, sc.Reasons...), sc.ScoredAt
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "customer-predictions", Method: http.MethodGet, Path: "/customers/{id}/predictions",
		Summary: "What the models predict for a customer: lifetime value, P(alive), churn risk with reasons, RFM segment", Tags: tags},
		func(ctx context.Context, in *idPath) (*struct{ Body PredictionsJSON }, error) {
			a := actorFrom(ctx)
			var out PredictionsJSON
			p, err := s.Analytics.CustomerCLV(ctx, a, in.ID)
			switch {
			case err == nil:
				out.CLV = &CustomerCLVJSON{CustomerID: p.CustomerID, RepeatPurchases: p.Summary.X, WeeksToLast: p.Summary.Tx,
					WeeksObserved: p.Summary.T, AverageRepeat: p.Summary.Spend, PAlive: p.PAlive, ExpectedPurchases: p.ExpectedPurchases,
					ExpectedValue: float64(p.ExpectedValue) / analytics.Scale}
				out.PAlive = &p.PAlive
			case !fault.Is(err, fault.NotFound):
				return nil, s.fail(ctx, "predictions", err)
			}
			if sc, err := s.Analytics.CustomerChurn(ctx, a, in.ID); err == nil {
				out.ChurnRisk, out.ChurnReasons = &sc.Risk, append([]string{}, sc.Reasons...)
			} else if !fault.Is(err, fault.NotFound) {
				return nil, s.fail(ctx, "predictions", err)
			}
			if v, err := s.Analytics.CustomerRFM(ctx, a, in.ID); err == nil {
				out.RFMSegment = v.Segment
			} else if !fault.Is(err, fault.NotFound) {
				return nil, s.fail(ctx, "predictions", err)
			}
			recs, err := s.Analytics.CustomerRecommendations(ctx, a, in.ID, 5)
			if err != nil {
				return nil, s.fail(ctx, "predictions", err)
			}
			out.Recommendations = recommendationsJSON(recs)
			out.CustomerID = in.ID
			return &struct{ Body PredictionsJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "customer-recommendations", Method: http.MethodGet,
		Path: "/customers/{id}/recommendations", Summary: "The products to offer a customer next, each with its reason", Tags: tags},
		func(ctx context.Context, in *struct {
			ID    int64 `path:"id"`
			Limit int   `query:"limit" minimum:"1" maximum:"50" default:"10"`
		}) (*struct{ Body []RecommendationJSON }, error) {
			recs, err := s.Analytics.CustomerRecommendations(ctx, actorFrom(ctx), in.ID, in.Limit)
			if err != nil {
				return nil, s.fail(ctx, "recommendations", err)
			}
			return &struct{ Body []RecommendationJSON }{recommendationsJSON(recs)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "build-recommendations", Method: http.MethodPost,
		Path: "/analytics/recommendations/build", Summary: "Learn which products are bought together from the order history now",
		Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body RecModelJSON }, error) {
			m, err := s.Analytics.BuildRecommendationsNow(ctx, actorFrom(ctx))
			if err != nil {
				return nil, s.fail(ctx, "build recommendations", err)
			}
			return &struct{ Body RecModelJSON }{RecModelJSON{ID: m.ID, BuiltAt: m.BuiltAt, Customers: m.Customers,
				Products: m.Products, Pairs: m.Pairs}}, nil
		})
}

// RecModelJSON is a build of the recommendations.
type RecModelJSON struct {
	ID        int64     `json:"id"`
	BuiltAt   time.Time `json:"built_at"`
	Customers int       `json:"customers" doc:"Customers whose purchases were read."`
	Products  int       `json:"products" doc:"Products bought by them."`
	Pairs     int       `json:"pairs" doc:"Product-to-product neighbours kept."`
}

// RecommendationJSON is a product to offer a customer and why.
type RecommendationJSON struct {
	SKU       string  `json:"sku"`
	Name      string  `json:"name"`
	Category  string  `json:"category,omitempty"`
	Price     float64 `json:"price"`
	Currency  string  `json:"currency,omitempty"`
	Kind      string  `json:"kind" enum:"bought_with,buy_again,popular"`
	Reason    string  `json:"reason"`
	Score     float64 `json:"score"`
	Available bool    `json:"available"`
}

func recommendationsJSON(recs []analytics.ProductRecommendation) []RecommendationJSON {
	out := make([]RecommendationJSON, 0, len(recs))
	for _, r := range recs {
		out = append(out, RecommendationJSON{SKU: r.Product.SKU, Name: r.Product.Name, Category: r.Product.Category,
			Price: float64(r.Product.Price) / analytics.Scale, Currency: r.Product.Currency, Kind: r.Kind, Reason: r.Reason,
			Score: r.Score, Available: r.Product.Available})
	}
	return out
}

// PredictionsJSON gathers what the models say of a customer; a part the
// models have not computed yet is left out.
type PredictionsJSON struct {
	CustomerID   int64            `json:"customer_id"`
	CLV          *CustomerCLVJSON `json:"clv,omitempty"`
	PAlive       *float64         `json:"p_alive,omitempty"`
	ChurnRisk    *float64         `json:"churn_risk,omitempty"`
	ChurnReasons []string         `json:"churn_reasons,omitempty"`
	RFMSegment   string           `json:"rfm_segment,omitempty"`
	// Recommendations: the next best offers, with reasons.
	Recommendations []RecommendationJSON `json:"recommendations"`
}
