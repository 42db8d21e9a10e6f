package marketing

import (
	"context"
	"slices"
	"time"

	"github.com/scrms/scrms/internal/auth"
)

// AttributionWindow is how long before an order a campaign message that was
// opened or clicked counts as one of the order's touchpoints.
const AttributionWindow = 30 * 24 * time.Hour

// Touch is a campaign message a customer engaged with (opened or clicked).
type Touch struct {
	CustomerID int64
	CampaignID int64
	At         time.Time
}

// Conversion is an order placed by a customer a campaign reached.
type Conversion struct {
	OrderID    int64
	CustomerID int64
	At         time.Time
	Currency   string
	Total      int64 // ten-thousandths
}

// Attributed is what one attribution model credits a campaign with.
type Attributed struct {
	Conversions float64          // whole orders under first and last touch; shares under linear
	Revenue     map[string]int64 // ten-thousandths per currency
}

// Report is a campaign's results: what its messages did, the orders that
// followed, credited by three models, and its return on its cost.
type Report struct {
	Campaign Campaign
	Stats    Stats
	// Converted counts the recipients who ordered within the window after
	// engaging with the campaign.
	Converted  int
	FirstTouch Attributed
	LastTouch  Attributed
	Linear     Attributed
}

// ROI is (revenue − cost) ÷ cost under a model, when the revenue is in one
// currency and the campaign has a cost; ok is false otherwise.
func (r Report) ROI(a Attributed) (float64, bool) {
	if r.Campaign.Cost <= 0 || len(a.Revenue) != 1 {
		return 0, false
	}
	for _, v := range a.Revenue {
		return float64(v-r.Campaign.Cost) / float64(r.Campaign.Cost), true
	}
	return 0, false
}

// AttributionStore reads touches and conversions.
type AttributionStore interface {
	// CampaignConversions returns the orders placed since a time by the
	// customers a campaign went to.
	CampaignConversions(ctx context.Context, campaignID int64, since time.Time) ([]Conversion, error)
	// CampaignTouches returns the opened or clicked campaign messages (of
	// any campaign) of the customers a campaign went to, since a time.
	CampaignTouches(ctx context.Context, campaignID int64, since time.Time) ([]Touch, error)
}

// CampaignReport is a campaign's results with the orders that followed it.
func (s *Service) CampaignReport(ctx context.Context, a auth.Actor, id int64) (Report, error) {
	c, err := s.FindCampaign(ctx, a, id)
	if err != nil {
		return Report{}, err
	}
	st, err := s.CampaignStats(ctx, a, id)
	if err != nil {
		return Report{}, err
	}
	return s.attribute(ctx, id, c, st)
}

// attribute credits a campaign with the orders that followed it: first
// touch (the campaign was the customer's first touch in the 30 days before
// the order), last touch (the last one), and linear (an equal share for
// each touch).
func (s *Service) attribute(ctx context.Context, campaignID int64, c Campaign, st Stats) (Report, error) {
	r := Report{Campaign: c, Stats: st}
	for _, a := range []*Attributed{&r.FirstTouch, &r.LastTouch, &r.Linear} {
		a.Revenue = map[string]int64{}
	}
	if c.StartedAt.IsZero() {
		return r, nil
	}
	orders, err := s.store.CampaignConversions(ctx, campaignID, c.StartedAt)
	if err != nil {
		return r, err
	}
	touches, err := s.store.CampaignTouches(ctx, campaignID, c.StartedAt.Add(-AttributionWindow))
	if err != nil {
		return r, err
	}
	byCustomer := map[int64][]Touch{}
	for _, t := range touches {
		byCustomer[t.CustomerID] = append(byCustomer[t.CustomerID], t)
	}
	for id := range byCustomer {
		slices.SortFunc(byCustomer[id], func(a, b Touch) int { return a.At.Compare(b.At) })
	}
	converted := map[int64]bool{}
	for _, o := range orders {
		var in []Touch
		for _, t := range byCustomer[o.CustomerID] {
			if !t.At.After(o.At) && o.At.Sub(t.At) <= AttributionWindow {
				in = append(in, t)
			}
		}
		if len(in) == 0 {
			continue
		}
		mine := 0
		for _, t := range in {
			if t.CampaignID == campaignID {
				mine++
			}
		}
		if mine == 0 {
			continue
		}
		converted[o.CustomerID] = true
		if in[0].CampaignID == campaignID {
			r.FirstTouch.Conversions++
			r.FirstTouch.Revenue[o.Currency] += o.Total
		}
		if in[len(in)-1].CampaignID == campaignID {
			r.LastTouch.Conversions++
			r.LastTouch.Revenue[o.Currency] += o.Total
		}
		share := float64(mine) / float64(len(in))
		r.Linear.Conversions += share
		r.Linear.Revenue[o.Currency] += int64(float64(o.Total) * share)
	}
	r.Converted = len(converted)
	return r, nil
}
