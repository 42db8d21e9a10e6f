package loyalty

import (
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"
)

// Scale is how many units of an order amount make one unit of currency
// (amounts are ten-thousandths, as in sales).
const Scale = 10000

// Rules say how an order earns points (the program's ProgramRules).
type Rules struct {
	// EarnRate is points per currency unit spent (1 = a point per euro).
	EarnRate float64 `json:"earn_rate"`
	// Rounding of the points an order earns: down (default), nearest or up.
	Rounding string `json:"rounding,omitempty"`
	// MinSpend is the smallest qualifying order, in currency units.
	MinSpend float64 `json:"min_spend,omitempty"`
	// MaxPerOrder caps the points of one order (0: no cap).
	MaxPerOrder int64 `json:"max_per_order,omitempty"`
	// ExcludedCategories and ExcludedSKUs earn nothing (gift cards,
	// shipping, tax lines).
	ExcludedCategories []string `json:"excluded_categories,omitempty"`
	ExcludedSKUs       []string `json:"excluded_skus,omitempty"`
	// CategoryMultipliers and ProductMultipliers (by SKU) weigh lines; a
	// product's multiplier wins over its category's.
	CategoryMultipliers map[string]float64 `json:"category_multipliers,omitempty"`
	ProductMultipliers  map[string]float64 `json:"product_multipliers,omitempty"`
	// Bonuses are bonus-point campaigns.
	Bonuses []Bonus `json:"bonuses,omitempty"`
	// Events award fixed points: signup, birthday, referral, review,
	// survey_answered.
	Events map[string]int64 `json:"events,omitempty"`
	// StatusRate, when above 0, gives tiers their own currency: status
	// points per currency unit of eligible spend, earned beside the
	// spendable points but never spent, and untouched by multipliers,
	// bonuses and caps. 0 qualifies tiers on the order's base points (or on
	// spend, by the program's tier basis).
	StatusRate float64 `json:"status_rate,omitempty"`
	// StatusEvents award fixed status points for events (with StatusRate
	// set), beside or instead of the points of Events.
	StatusEvents map[string]int64 `json:"status_events,omitempty"`
	// ExpiryNoticeDays is how long ahead members are told by email that
	// points will expire (0: no notices).
	ExpiryNoticeDays int `json:"expiry_notice_days,omitempty"`
	// PoolHouseholds lets the members of one household spend each other's
	// points: a redemption short of points draws the rest from the
	// household's other members as recorded transfers.
	PoolHouseholds bool `json:"pool_households,omitempty"`
}

// EventKinds are the events that can award points.
var EventKinds = []string{"signup", "birthday", "referral", "review", "survey_answered"}

// Bonus is a bonus-point campaign: orders placed between From and To earn
// Multiplier times their points, plus Extra; with a segment, only the
// orders of customers in it (as the accrual run finds them).
type Bonus struct {
	Name       string    `json:"name"`
	From       time.Time `json:"from"`
	To         time.Time `json:"to"`
	Multiplier float64   `json:"multiplier,omitempty"`
	Extra      int64     `json:"extra,omitempty"`
	SegmentID  int64     `json:"segment_id,omitempty"`
}

// Validate names what is wrong with the rules.
func (r Rules) Validate() []string {
	var bad []string
	if r.EarnRate < 0 || r.EarnRate > 1000 {
		bad = append(bad, "earn_rate must be between 0 and 1,000 points per currency unit")
	}
	if r.Rounding != "" && r.Rounding != "down" && r.Rounding != "nearest" && r.Rounding != "up" {
		bad = append(bad, "rounding must be down, nearest or up")
	}
	if r.ExpiryNoticeDays < 0 || r.ExpiryNoticeDays > 365 {
		bad = append(bad, "expiry_notice_days must be 0 (no notices) to 365")
	}
	if r.StatusRate < 0 || r.StatusRate > 1000 {
		bad = append(bad, "status_rate must be between 0 and 1,000 status points per currency unit")
	}
	if r.MinSpend < 0 || r.MaxPerOrder < 0 {
		bad = append(bad, "min_spend and max_per_order must not be negative")
	}
	for k, m := range r.CategoryMultipliers {
		if m < 0 || m > 100 {
			bad = append(bad, fmt.Sprintf("category_multipliers[%q] must be between 0 and 100", k))
		}
	}
	for k, m := range r.ProductMultipliers {
		if m < 0 || m > 100 {
			bad = append(bad, fmt.Sprintf("product_multipliers[%q] must be between 0 and 100", k))
		}
	}
	for i, b := range r.Bonuses {
		if strings.TrimSpace(b.Name) == "" || b.From.IsZero() || b.To.IsZero() || !b.To.After(b.From) {
			bad = append(bad, fmt.Sprintf("bonuses[%d] needs a name and a period (from before to)", i))
		}
		if b.Multiplier < 0 || b.Multiplier > 100 || b.Extra < 0 || b.Extra > 1_000_000 {
			bad = append(bad, fmt.Sprintf("bonuses[%d]: multiplier 0–100 and extra 0–1,000,000", i))
		}
	}
	for k, v := range r.StatusEvents {
		if !slices.Contains(EventKinds, k) {
			bad = append(bad, fmt.Sprintf("status_events: %q is not one of %s", k, strings.Join(EventKinds, ", ")))
		}
		if v < 0 || v > 1_000_000 {
			bad = append(bad, fmt.Sprintf("status_events[%q] must be 0 to 1,000,000 status points", k))
		}
		if r.StatusRate <= 0 {
			bad = append(bad, "status_events need status_rate (tiers on status points)")
			break
		}
	}
	for k, v := range r.Events {
		if !slices.Contains(EventKinds, k) {
			bad = append(bad, fmt.Sprintf("events: %q is not one of %s", k, strings.Join(EventKinds, ", ")))
		}
		if v < 0 || v > 1_000_000 {
			bad = append(bad, fmt.Sprintf("events[%q] must be 0 to 1,000,000 points", k))
		}
	}
	return bad
}

// Line is an order line as the rules see it.
type Line struct {
	SKU       string
	Category  string
	Quantity  int64
	LineTotal int64 // ten-thousandths
}

// Purchase is an order as the rules see it.
type Purchase struct {
	OrderID  int64
	At       time.Time
	Currency string
	Lines    []Line
	// InSegment tells whether the buyer is in a segment, for bonuses that
	// are for a segment (nil: in none).
	InSegment func(segmentID int64) bool
}

// LinePoints is what one line of an order earned, kept with the accrual so
// that a return takes back exactly what the returned units earned.
type LinePoints struct {
	SKU      string `json:"sku"`
	Quantity int64  `json:"qty"`
	Points   int64  `json:"pts"`
}

// Earning is what an order earns and why.
type Earning struct {
	Points     int64
	Qualifying int64 // tier-qualifying points, or spend in ten-thousandths
	Lines      []LinePoints
	Why        []string
}

func milli(f float64) int64 { return int64(f*1000 + 0.5) }

func money(v int64, cur string) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return strings.TrimSpace(fmt.Sprintf("%s%d.%02d %s", sign, v/Scale, (v%Scale)/100, cur))
}

func times(m int64) string {
	s := fmt.Sprintf("%d.%03d", m/1000, m%1000)
	return "×" + strings.TrimRight(strings.TrimRight(s, "0"), ".")
}

// Earn works out what a purchase earns under the program's rules for a
// member in tier (nil: no tier). Points are rounded once, for the whole
// order, then shared out over its lines by their weight.
func (p Program) Earn(o Purchase, tier *Tier) Earning {
	r := p.Rules
	var e Earning
	if p.Currency != "" && !strings.EqualFold(o.Currency, p.Currency) {
		e.Why = append(e.Why, fmt.Sprintf("Orders in %s do not earn points in this program (it counts %s).", o.Currency, p.Currency))
		return e
	}
	weights := make([]int64, len(o.Lines))
	var weighted, eligible int64
	for i, l := range o.Lines {
		if l.Quantity <= 0 || l.LineTotal <= 0 {
			continue
		}
		if slices.Contains(r.ExcludedSKUs, l.SKU) || (l.Category != "" && slices.Contains(r.ExcludedCategories, l.Category)) {
			e.Why = append(e.Why, fmt.Sprintf("%s earns nothing (excluded).", l.SKU))
			continue
		}
		m, why := int64(1000), ""
		if f, ok := r.CategoryMultipliers[l.Category]; ok && l.Category != "" {
			m, why = milli(f), fmt.Sprintf(" (category %s %s)", l.Category, times(milli(f)))
		}
		if f, ok := r.ProductMultipliers[l.SKU]; ok {
			m, why = milli(f), fmt.Sprintf(" (product %s)", times(milli(f)))
		}
		weights[i] = l.LineTotal * m / 1000
		weighted += weights[i]
		eligible += l.LineTotal
		if why != "" {
			e.Why = append(e.Why, fmt.Sprintf("%s: %s counts as %s%s.", l.SKU, money(l.LineTotal, o.Currency),
				money(weights[i], o.Currency), why))
		}
	}
	if min := int64(r.MinSpend * Scale); eligible < min {
		e.Why = append(e.Why, fmt.Sprintf("The qualifying spend %s is below the minimum %s.", money(eligible, o.Currency), money(min, o.Currency)))
		return e
	}
	// points = weighted / Scale × rate × tier × bonus, as an exact fraction.
	rate := milli(r.EarnRate)
	x := new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(weighted), big.NewInt(rate)), big.NewInt(Scale*1000))
	base := round(x, r.Rounding)
	e.Why = append(e.Why, fmt.Sprintf("%s at %s points per %s: %d points (rounded %s).", money(weighted, o.Currency),
		strings.TrimPrefix(times(rate), "×"), strings.ToUpper(o.Currency), base, rounding(r.Rounding)))
	switch {
	case p.TierBasis == "spend":
		e.Qualifying = eligible
	case r.StatusRate > 0:
		e.Qualifying = eligible * milli(r.StatusRate) / (Scale * 1000)
		e.Why = append(e.Why, fmt.Sprintf("%s at %s status points per %s: %d status points (for tiers, not to spend).",
			money(eligible, o.Currency), strings.TrimPrefix(times(milli(r.StatusRate)), "×"), strings.ToUpper(o.Currency), e.Qualifying))
	default:
		e.Qualifying = base
	}
	var extra int64
	if tier != nil && tier.EarnMultiplier != 1000 && tier.EarnMultiplier > 0 {
		x.Mul(x, big.NewRat(tier.EarnMultiplier, 1000))
		e.Why = append(e.Why, fmt.Sprintf("%s tier %s.", tier.Name, times(tier.EarnMultiplier)))
	}
	for _, b := range r.Bonuses {
		if o.At.Before(b.From) || !o.At.Before(b.To) {
			continue
		}
		if b.SegmentID != 0 && (o.InSegment == nil || !o.InSegment(b.SegmentID)) {
			e.Why = append(e.Why, fmt.Sprintf("Bonus %q is for the customers of segment %d only.", b.Name, b.SegmentID))
			continue
		}
		if b.Multiplier > 0 && milli(b.Multiplier) != 1000 {
			x.Mul(x, big.NewRat(milli(b.Multiplier), 1000))
		}
		extra += b.Extra
		e.Why = append(e.Why, fmt.Sprintf("Bonus %q: %s%s.", b.Name, times(max(milli(b.Multiplier), 1000)),
			map[bool]string{true: fmt.Sprintf(" and %d extra points", b.Extra), false: ""}[b.Extra > 0]))
	}
	e.Points = round(x, r.Rounding) + extra
	if weighted == 0 {
		e.Points = 0
	}
	if r.MaxPerOrder > 0 && e.Points > r.MaxPerOrder {
		e.Why = append(e.Why, fmt.Sprintf("Capped at %d points per order.", r.MaxPerOrder))
		e.Points = r.MaxPerOrder
	}
	e.Why = append(e.Why, fmt.Sprintf("The order earns %d points.", e.Points))
	e.Lines = share(o.Lines, weights, weighted, e.Points)
	return e
}

func rounding(mode string) string {
	if mode == "" {
		return "down"
	}
	return mode
}

func round(x *big.Rat, mode string) int64 {
	n, d := x.Num(), x.Denom()
	q, m := new(big.Int).QuoRem(n, d, new(big.Int))
	switch mode {
	case "up":
		if m.Sign() > 0 {
			q.Add(q, big.NewInt(1))
		}
	case "nearest":
		if new(big.Int).Mul(m, big.NewInt(2)).Cmp(d) >= 0 {
			q.Add(q, big.NewInt(1))
		}
	}
	return q.Int64()
}

// share splits points over the lines by weight, largest remainders first,
// so that the line points add up to the order's exactly.
func share(lines []Line, weights []int64, total, points int64) []LinePoints {
	var out []LinePoints
	if total == 0 || points == 0 {
		return out
	}
	type rem struct {
		i int
		r *big.Int
	}
	var rems []rem
	given := int64(0)
	for i, w := range weights {
		if w == 0 {
			continue
		}
		q, r := new(big.Int).QuoRem(new(big.Int).Mul(big.NewInt(points), big.NewInt(w)), big.NewInt(total), new(big.Int))
		out = append(out, LinePoints{SKU: lines[i].SKU, Quantity: lines[i].Quantity, Points: q.Int64()})
		rems = append(rems, rem{len(out) - 1, r})
		given += q.Int64()
	}
	slices.SortStableFunc(rems, func(a, b rem) int { return b.r.Cmp(a.r) })
	for k := 0; given < points; k++ {
		out[rems[k%len(rems)].i].Points++
		given++
	}
	return out
}

// ReturnedPoints is what returning units of a line takes back, given how
// many were returned before: the points of all returned units so far less
// what earlier returns took, so that returning every unit takes back the
// line's points exactly.
func ReturnedPoints(l LinePoints, before, now int64) int64 {
	if l.Quantity <= 0 {
		return 0
	}
	after := min(before+now, l.Quantity)
	before = min(before, l.Quantity)
	return l.Points*after/l.Quantity - l.Points*before/l.Quantity
}
