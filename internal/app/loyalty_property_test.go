package app_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/loyalty"
	"github.com/scrms/scrms/internal/mail/mailtest"
	"github.com/scrms/scrms/internal/sales"
	"github.com/scrms/scrms/internal/store"
)

// Random sequences of purchases, returns, redemptions, adjustments and
// the passing of time (pending points released, points expiring) keep
// every ledger invariant after every step, and each member's balance
// equals what the API reports.
func TestLoyaltyLedgerProperties(t *testing.T) {
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			for seed := range uint64(3) {
				ledgerWalk(t, engine, seed)
			}
		})
	}
}

func ledgerWalk(t *testing.T, engine store.Engine, seed uint64) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 42))
	clk := &testClock{t: time.Now().UTC().AddDate(-3, 0, 0)}
	h := apptest.NewAt(t, engine, clk.Now)
	sys := auth.System("test")
	months, pending := 6, 14
	p, err := h.App.Loyalty.CreateProgram(ctx, sys, loyalty.ProgramInput{Name: "Walk", Currency: "EUR",
		ExpiryMonths: &months, PendingDays: &pending})
	if err != nil {
		t.Fatal(err)
	}
	var customers []int64
	for i := range 3 {
		c, err := h.App.Customers.CreateCustomer(ctx, sys, customer.Input{Kind: "person", FirstName: fmt.Sprint("W", i)})
		if err != nil {
			t.Fatal(err)
		}
		customers = append(customers, c.ID)
	}
	skus := []string{"A", "B", "C"}
	run := func() {
		t.Helper()
		if _, err := h.App.Loyalty.Run(ctx); err != nil {
			t.Fatalf("seed %d: run: %v", seed, err)
		}
	}
	ops := map[string]int{}
	for step := range 160 {
		c := customers[rng.IntN(len(customers))]
		ms, err := h.App.Loyalty.CustomerMemberships(ctx, sys, c)
		if err != nil {
			t.Fatal(err)
		}
		var member int64
		if len(ms) > 0 {
			member = ms[0].ID
		}
		switch k := rng.IntN(10); {
		case k < 4: // a purchase
			var lines []sales.OrderLine
			for range 1 + rng.IntN(3) {
				lines = append(lines, sales.OrderLine{SKU: skus[rng.IntN(3)], Quantity: int64(1 + rng.IntN(3)),
					UnitPrice: int64(5+rng.IntN(60)) * sales.Scale})
			}
			if _, _, err := h.App.Orders.CreateOrder(ctx, sys, sales.OrderInput{CustomerID: c, OrderedAt: clk.Now(),
				Currency: "EUR", Lines: lines}); err != nil {
				t.Fatalf("order: %v", err)
			}
			run()
			ops["order"]++
		case k < 5: // a return
			if _, _, err := h.App.Orders.CreateOrder(ctx, sys, sales.OrderInput{CustomerID: c, OrderedAt: clk.Now(),
				Currency: "EUR", Lines: []sales.OrderLine{{SKU: skus[rng.IntN(3)], Quantity: -int64(1 + rng.IntN(2)),
					UnitPrice: 10 * sales.Scale}}}); err != nil {
				t.Fatalf("return: %v", err)
			}
			run()
			ops["return"]++
		case k < 7 && member != 0: // a redemption
			_, _, err := h.App.Loyalty.Redeem(ctx, sys, member, loyalty.RedeemInput{Points: int64(1 + rng.IntN(150)),
				Key: fmt.Sprint("s", step)})
			if err != nil && !fault.Is(err, fault.Conflict) {
				t.Fatalf("redeem: %v", err)
			}
			ops[map[bool]string{true: "redeem", false: "redeem refused"}[err == nil]]++
		case k < 8 && member != 0: // an adjustment either way
			pts := int64(rng.IntN(100) - 50)
			if pts == 0 {
				pts = 1
			}
			_, err := h.App.Loyalty.Adjust(ctx, sys, member, pts, "walk", "")
			if err != nil && !fault.Is(err, fault.Conflict) {
				t.Fatalf("adjust: %v", err)
			}
			ops["adjust"]++
		case k < 9 && member != 0: // a transfer to another member
			other := customers[rng.IntN(len(customers))]
			oms, err := h.App.Loyalty.CustomerMemberships(ctx, sys, other)
			if err != nil {
				t.Fatal(err)
			}
			if len(oms) == 0 || oms[0].ID == member {
				continue
			}
			_, err = h.App.Loyalty.TransferPoints(ctx, sys, member, oms[0].ID, int64(1+rng.IntN(80)), "walk", "")
			if err != nil && !fault.Is(err, fault.Conflict) {
				t.Fatalf("transfer: %v", err)
			}
			ops[map[bool]string{true: "transfer", false: "transfer refused"}[err == nil]]++
		default: // time passes
			clk.Set(clk.Now().Add(time.Duration(1+rng.IntN(40)) * 24 * time.Hour))
			run()
			ops["time"]++
		}
		checkLedger(t, h.App.Store.DB())
		for _, id := range customers {
			ms, err := h.App.Loyalty.CustomerMemberships(ctx, sys, id)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range ms {
				xs, err := h.App.Loyalty.Transactions(ctx, sys, m.ID, 1000)
				if err != nil {
					t.Fatal(err)
				}
				sum := int64(0)
				for _, x := range xs {
					if x.Status == "posted" {
						sum += x.Points
					}
				}
				if sum != m.Balance {
					t.Fatalf("seed %d step %d: member %d balance %d, transactions sum %d", seed, step, m.ID, m.Balance, sum)
				}
			}
		}
	}
	var expired, reversed int
	db := h.App.Store.DB()
	if err := db.QueryRow(`SELECT COUNT(*) FROM loyalty_transactions WHERE kind = 'expiry'`).Scan(&expired); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT COUNT(*) FROM loyalty_transactions WHERE kind = 'reversal'`).Scan(&reversed); err != nil {
		t.Fatal(err)
	}
	if expired == 0 || reversed == 0 || ops["redeem"] == 0 || ops["transfer"] == 0 {
		t.Fatalf("seed %d: the walk did not reach every kind (expiries %d, reversals %d, ops %v)", seed, expired, reversed, ops)
	}
	_ = p
}

// Tiers go up at once and down only after notice and the grace period:
// a Silver member whose qualifying points fall out of the rolling year is
// told at the next daily review and moved down 30 days later, unless they
// qualify again in between.
func TestLoyaltyTierReview(t *testing.T) {
	ctx := context.Background()
	clk := &testClock{t: time.Now().UTC().AddDate(-3, 0, 0)}
	outbox := mailtest.Start(t)
	h := apptest.NewAt(t, store.SQLite, clk.Now, func(env map[string]string) {
		env["SCRMS_SMTP_URL"] = outbox.URL()
		env["SCRMS_MAIL_FROM"] = "Club <club@shop.example>"
	})
	sys := auth.System("test")
	p, err := h.App.Loyalty.CreateProgram(ctx, sys, loyalty.ProgramInput{Name: "Tiers", Currency: "EUR"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := h.App.Customers.CreateCustomer(ctx, sys, customer.Input{Kind: "person", FirstName: "Tia",
		Emails: []customer.Email{{Address: "tia@example.fi", Primary: true}}})
	if err != nil {
		t.Fatal(err)
	}
	buy := func(amount int64) {
		t.Helper()
		if _, _, err := h.App.Orders.CreateOrder(ctx, sys, sales.OrderInput{CustomerID: c.ID, OrderedAt: clk.Now(), Currency: "EUR",
			Lines: []sales.OrderLine{{SKU: "X", Quantity: 1, UnitPrice: amount * sales.Scale}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := h.App.Loyalty.Run(ctx); err != nil {
			t.Fatal(err)
		}
	}
	member := func() loyalty.MemberView {
		t.Helper()
		ms, err := h.App.Loyalty.CustomerMemberships(ctx, sys, c.ID)
		if err != nil || len(ms) != 1 {
			t.Fatalf("memberships: %v %v", ms, err)
		}
		return ms[0]
	}
	tier := func(v loyalty.MemberView) string {
		if v.Tier == nil {
			return ""
		}
		return v.Tier.Name
	}
	buy(1200)
	if m := member(); tier(m) != "Silver" || m.Qualifying != 1200 {
		t.Fatalf("after 1,200 EUR: %s %d", tier(m), m.Qualifying)
	}
	// 13 months on, the purchase is out of the rolling year: notice.
	clk.Set(clk.Now().AddDate(0, 13, 0))
	if _, err := h.App.Loyalty.Run(ctx); err != nil {
		t.Fatal(err)
	}
	m := member()
	if tier(m) != "Silver" || m.TierNoticeAt.IsZero() {
		t.Fatalf("at the review: %s, notice %v", tier(m), m.TierNoticeAt)
	}
	notices := func() int {
		n := 0
		for _, m := range outbox.To("tia@example.fi") {
			if strings.Contains(m.Data, "Subject: Keep your Silver tier") {
				n++
			}
		}
		return n
	}
	if notices() != 1 {
		t.Fatalf("%d tier notice emails", notices())
	}
	// 10 days later still Silver; 31 days after the notice, Bronze.
	clk.Set(clk.Now().AddDate(0, 0, 10))
	h.App.Loyalty.Run(ctx)
	if tier(member()) != "Silver" || notices() != 1 {
		t.Fatalf("within the grace period: %s, %d notices", tier(member()), notices())
	}
	clk.Set(clk.Now().AddDate(0, 0, 21))
	h.App.Loyalty.Run(ctx)
	if m := member(); tier(m) != "Bronze" || !m.TierNoticeAt.IsZero() {
		t.Fatalf("after the grace period: %s, notice %v", tier(m), m.TierNoticeAt)
	}
	// Qualifying again moves up at once, and a new notice is withdrawn
	// when the member qualifies again within the grace period.
	buy(1500)
	if tier(member()) != "Silver" {
		t.Fatal("no upgrade after qualifying again")
	}
	clk.Set(clk.Now().AddDate(0, 12, 1))
	h.App.Loyalty.Run(ctx)
	if member().TierNoticeAt.IsZero() {
		t.Fatal("no notice for the second lapse")
	}
	buy(1100)
	clk.Set(clk.Now().AddDate(0, 0, 1))
	h.App.Loyalty.Run(ctx)
	if m := member(); tier(m) != "Silver" || !m.TierNoticeAt.IsZero() {
		t.Fatalf("after qualifying within the grace period: %s, notice %v", tier(m), m.TierNoticeAt)
	}
	_ = p
}
