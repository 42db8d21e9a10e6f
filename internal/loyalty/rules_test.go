package loyalty

import (
	"strings"
	"testing"
	"time"
)

func TestEarn(t *testing.T) {
	at := time.Date(2026, 5, 10, 12, 0, 0, 0, time.UTC)
	p := Program{Currency: "EUR", TierBasis: "points", Rules: Rules{EarnRate: 1, CategoryMultipliers: map[string]float64{"tea": 2},
		ProductMultipliers: map[string]float64{"RARE": 3}, ExcludedCategories: []string{"gift"},
		Bonuses: []Bonus{{Name: "May double", From: at.AddDate(0, 0, -1), To: at.AddDate(0, 0, 1), Multiplier: 2, Extra: 5}}}}
	lines := []Line{{SKU: "TEA", Category: "tea", Quantity: 2, LineTotal: 2 * 9_9900}, // 19.98 ×2 = 39.96
		{SKU: "RARE", Category: "tea", Quantity: 1, LineTotal: 1_0000}, // product wins: ×3 = 3.00
		{SKU: "CARD", Category: "gift", Quantity: 1, LineTotal: 50_0000}}
	silver := &Tier{Name: "Silver", EarnMultiplier: 1250}
	cases := []struct {
		name       string
		p          func(Program) Program
		at         time.Time
		tier       *Tier
		points     int64
		qualifying int64
	}{
		{"base, rounded down", func(p Program) Program { p.Rules.Bonuses = nil; return p }, at, nil, 42, 42},
		{"rounded up", func(p Program) Program { p.Rules.Bonuses, p.Rules.Rounding = nil, "up"; return p }, at, nil, 43, 43},
		{"tier ×1.25", func(p Program) Program { p.Rules.Bonuses = nil; return p }, at, silver, 53, 42}, // 42.96×1.25 = 53.7
		{"bonus ×2 + 5", func(p Program) Program { return p }, at, nil, 90, 42},                         // 85.92 → 85 + 5
		{"outside the bonus", func(p Program) Program { return p }, at.AddDate(0, 0, 3), nil, 42, 42},
		{"capped", func(p Program) Program { p.Rules.MaxPerOrder = 30; return p }, at, nil, 30, 42},
		{"below the minimum", func(p Program) Program { p.Rules.MinSpend = 100; return p }, at, nil, 0, 0},
		{"spend qualifies", func(p Program) Program { p.Rules.Bonuses, p.TierBasis = nil, "spend"; return p }, at, nil, 42, 20_9800},
	}
	for _, c := range cases {
		e := c.p(p).Earn(Purchase{At: c.at, Currency: "EUR", Lines: lines}, c.tier)
		if e.Points != c.points || e.Qualifying != c.qualifying {
			t.Errorf("%s: %d points, %d qualifying; want %d, %d\n%s", c.name, e.Points, e.Qualifying, c.points, c.qualifying,
				strings.Join(e.Why, "\n"))
		}
		sum := int64(0)
		for _, l := range e.Lines {
			sum += l.Points
			if l.SKU == "CARD" {
				t.Errorf("%s: an excluded line earned", c.name)
			}
		}
		if sum != e.Points {
			t.Errorf("%s: lines share %d of %d points", c.name, sum, e.Points)
		}
	}
	if e := p.Earn(Purchase{At: at, Currency: "USD", Lines: lines}, nil); e.Points != 0 || !strings.Contains(e.Why[0], "USD") {
		t.Errorf("another currency earned: %+v", e)
	}
}

func TestReturnedPointsAddUp(t *testing.T) {
	l := LinePoints{SKU: "A", Quantity: 3, Points: 10}
	for _, steps := range [][]int64{{1, 1, 1}, {2, 1}, {1, 2}, {3}, {1, 5}} {
		got, before := int64(0), int64(0)
		for _, n := range steps {
			got += ReturnedPoints(l, before, n)
			before += n
		}
		if got != 10 {
			t.Errorf("returning %v took back %d of 10", steps, got)
		}
	}
	if ReturnedPoints(l, 3, 1) != 0 {
		t.Error("a unit returned beyond the quantity took points")
	}
}

func TestMemberNumberCheckDigit(t *testing.T) {
	n := MemberNumber(1, 4711)
	if len(n) != 11 {
		t.Fatalf("number %q", n)
	}
	sum := 0
	for i := len(n) - 1; i >= 0; i-- {
		d := int(n[i] - '0')
		if (len(n)-1-i)%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	if sum%10 != 0 {
		t.Fatalf("%s fails the Luhn check", n)
	}
}
