package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/marketing"
	"github.com/scrms/scrms/internal/store"
	"github.com/scrms/scrms/internal/store/storetest"
)

// A segment counted in parallel ranges of ids (how SQLite counts a large
// base) gives the count of one query over the whole base.
func TestSegmentCountInRangesMatchesOneQuery(t *testing.T) {
	s := storetest.Open(t, store.SQLite)
	b := setup(t, s)
	ctx := context.Background()
	for i := range 301 {
		in := customer.Input{Kind: "person", FirstName: fmt.Sprint("P", i)}
		if i%3 == 0 {
			in.Tags = []string{"vip"}
		}
		if i%7 == 0 {
			in.Kind, in.FirstName, in.Name = "organization", "", fmt.Sprint("Org ", i)
		}
		if _, err := b.cust.CreateCustomer(ctx, b.admin, in); err != nil {
			t.Fatal(err)
		}
	}
	r, err := marketing.Parse(`kind = "person" and not tag = "vip"`)
	if err != nil {
		t.Fatal(err)
	}
	all := customer.Visibility{Scope: auth.ScopeAll}
	one, err := s.CountRule(ctx, r, all, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer store.SetParallelCountFrom(store.SetParallelCountFrom(0))
	ranged, err := s.CountRule(ctx, r, all, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// 301 customers: 43 organisations (every 7th), 101 VIPs, 15 both.
	if want := 301 - 43 - 101 + 15; one != want || ranged != want {
		t.Fatalf("one query %d, ranges %d, want %d", one, ranged, want)
	}
}
