package analytics

import (
	"context"
	"math"
	"time"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
)

// Scale is how many units of an amount make one unit of currency.
const Scale = 10000

// Week is the models' unit of time.
const Week = 7 * 24 * time.Hour

// CustomerSummary is a customer's history for the models; Spend is in
// currency units.
type CustomerSummary struct {
	CustomerID int64
	Summary
}

// Model is one fit of the models.
type Model struct {
	ID              int64
	FittedAt        time.Time
	AsOf            time.Time
	HorizonWeeks    int
	Customers       int
	RepeatCustomers int
	BGNBD           BGNBD
	LLBGNBD         float64
	Spend           GammaGamma // zero when too few repeat buyers
	LLSpend         float64
	MeanValue       int64 // mean expected value over the horizon, ten-thousandths
	Lapsed          int   // customers with P(alive) under 0.5
	// Took is how long each part of the fit took (read, BG/NBD, Gamma-Gamma,
	// predictions, storing them).
	Took struct{ Read, BGNBD, GammaGamma, Predict, Save time.Duration }
}

// Prediction is what a fit predicts for one customer over the horizon.
type Prediction struct {
	CustomerID        int64
	ModelID           int64
	Summary           Summary
	PAlive            float64
	ExpectedPurchases float64
	ExpectedValue     int64 // ten-thousandths of the currency
}

// Store is what the models need from storage.
type Store interface {
	// CLVSummaries reads every buying customer's history before asOf:
	// purchases on distinct days, in weeks from the first.
	CLVSummaries(ctx context.Context, asOf time.Time) ([]CustomerSummary, error)
	// SaveCLV stores a fit and its predictions, replacing the earlier ones.
	SaveCLV(ctx context.Context, m Model, ps []Prediction) (int64, error)
	LatestCLVModel(ctx context.Context) (Model, error)
	CustomerCLV(ctx context.Context, customerID int64) (Prediction, error)
	// ComputeRFM scores every buying customer in quintiles, in the
	// database, and returns the segment sizes.
	ComputeRFM(ctx context.Context, at time.Time) (map[string]int, error)
	CustomerRFM(ctx context.Context, customerID int64) (RFM, error)
	ChurnStore
	RecStore
	KPIStore
}

// Customers is what the service needs of the customer service.
type Customers interface {
	FindCustomer(ctx context.Context, a auth.Actor, id int64) (customer.Customer, error)
}

// Service fits the models and answers with their predictions.
type Service struct {
	store     Store
	customers Customers
	now       func() time.Time
	// ChurnTask, when set, gives a customer's owner a task about a high
	// churn risk.
	ChurnTask func(ctx context.Context, ownerID, customerID int64, subject, notes string) error
	// Targets, when set, lists the sales targets running now that the actor
	// may see, with attainment (the key figures show them).
	Targets func(ctx context.Context, a auth.Actor) ([]TargetRow, error)
	// Campaigns, when set, lists the campaigns started in a period with
	// their attributed revenue and ROI.
	Campaigns func(ctx context.Context, a auth.Actor, from, to time.Time) ([]CampaignROI, error)
}

// NewService returns the analytics service.
func NewService(st Store, customers Customers, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, customers: customers, now: now}
}

// Fit fits BG/NBD and Gamma-Gamma to the order history before asOf (zero:
// now) and stores every buying customer's P(alive), expected purchases
// and expected value over the horizon.
func (s *Service) Fit(ctx context.Context, asOf time.Time, horizonWeeks int) (Model, error) {
	if asOf.IsZero() {
		asOf = s.now()
	}
	if horizonWeeks <= 0 {
		horizonWeeks = 52
	}
	start := time.Now()
	data, err := s.store.CLVSummaries(ctx, asOf.UTC())
	if err != nil {
		return Model{}, err
	}
	read := time.Since(start)
	plain := make([]Summary, len(data))
	m := Model{FittedAt: s.now().UTC(), AsOf: asOf.UTC(), HorizonWeeks: horizonWeeks, Customers: len(data)}
	for i, d := range data {
		plain[i] = d.Summary
		if d.X > 0 {
			m.RepeatCustomers++
		}
	}
	m.Took.Read = read
	start = time.Now()
	if m.BGNBD, m.LLBGNBD, err = FitBGNBD(plain); err != nil {
		return Model{}, fault.New(fault.Conflict, "Too little order history to fit the purchase model (%d buying customers).", len(data))
	}
	m.Took.BGNBD = time.Since(start)
	start = time.Now()
	if m.Spend, m.LLSpend, err = FitGammaGamma(plain); err != nil {
		m.Spend = GammaGamma{}
	}
	m.Took.GammaGamma = time.Since(start)
	start = time.Now()
	ps := make([]Prediction, len(data))
	h := float64(horizonWeeks)
	parallelSum(len(data), func(lo, hi int) float64 {
		for i := lo; i < hi; i++ {
			d := data[i]
			p := Prediction{CustomerID: d.CustomerID, Summary: d.Summary, PAlive: m.BGNBD.PAlive(d.Summary),
				ExpectedPurchases: m.BGNBD.ConditionalExpected(d.Summary, h)}
			spend := d.Spend
			if m.Spend.P > 0 && m.Spend.Q > 1 {
				spend = m.Spend.ExpectedSpend(d.Summary)
			}
			if v := p.ExpectedPurchases * spend * Scale; !math.IsNaN(v) && !math.IsInf(v, 0) {
				p.ExpectedValue = int64(math.Round(v))
			}
			ps[i] = p
		}
		return 0
	})
	var sum float64
	for _, p := range ps {
		sum += float64(p.ExpectedValue)
		if p.PAlive < 0.5 {
			m.Lapsed++
		}
	}
	if len(ps) > 0 {
		m.MeanValue = int64(math.Round(sum / float64(len(ps))))
	}
	m.Took.Predict = time.Since(start)
	start = time.Now()
	if m.ID, err = s.store.SaveCLV(ctx, m, ps); err != nil {
		return Model{}, err
	}
	m.Took.Save = time.Since(start)
	return m, nil
}

// LatestModel returns the latest fit.
func (s *Service) LatestModel(ctx context.Context, a auth.Actor) (Model, error) {
	if err := a.Require(auth.SalesRead); err != nil {
		return Model{}, err
	}
	return s.store.LatestCLVModel(ctx)
}

// CustomerCLV returns what the latest fit predicts for a customer.
func (s *Service) CustomerCLV(ctx context.Context, a auth.Actor, customerID int64) (Prediction, error) {
	if err := a.Require(auth.SalesRead); err != nil {
		return Prediction{}, err
	}
	if _, err := s.customers.FindCustomer(ctx, a, customerID); err != nil {
		return Prediction{}, err
	}
	return s.store.CustomerCLV(ctx, customerID)
}

// FitNow fits the models as an administrator asks.
func (s *Service) FitNow(ctx context.Context, a auth.Actor, asOf time.Time, horizonWeeks int) (Model, error) {
	if err := a.Require(auth.SalesAdmin); err != nil {
		return Model{}, err
	}
	if horizonWeeks < 0 || horizonWeeks > 520 {
		return Model{}, fault.Field("horizon_weeks", "must be 1 to 520")
	}
	return s.Fit(ctx, asOf, horizonWeeks)
}

// RFM is a customer's recency, frequency and monetary quintiles (5 best)
// and the segment they make.
type RFM struct {
	R, F, M int
	Segment string
}

// RFMSegments are the named segments, best first.
var RFMSegments = []string{"champions", "loyal", "potential_loyalist", "new", "promising", "need_attention", "at_risk", "hibernating"}

// ComputeRFM scores every buying customer again and returns the segment
// sizes.
func (s *Service) ComputeRFM(ctx context.Context) (map[string]int, error) {
	return s.store.ComputeRFM(ctx, s.now().UTC())
}

// CustomerRFM returns a customer's RFM scores.
func (s *Service) CustomerRFM(ctx context.Context, a auth.Actor, customerID int64) (RFM, error) {
	if err := a.Require(auth.SalesRead); err != nil {
		return RFM{}, err
	}
	if _, err := s.customers.FindCustomer(ctx, a, customerID); err != nil {
		return RFM{}, err
	}
	return s.store.CustomerRFM(ctx, customerID)
}
