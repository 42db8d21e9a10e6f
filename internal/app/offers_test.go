package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
)

// Offers: a shared code within its limits, minimum order and validity;
// unique codes issued to a segment, each usable once and only by its
// customer; redemptions recorded from orders; the last redemption taken
// by exactly one of many concurrent tills; a customer's eligible offers.
func TestOffersAndCoupons(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		var ids []int64
		for i := range 12 {
			tags := []string{}
			if i < 3 {
				tags = []string{"vip"}
			}
			r := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": fmt.Sprint("C", i), "tags": tags})
			wantStatus(t, r, http.StatusCreated)
			ids = append(ids, r.ID())
		}
		order := func(customer int64, total float64, code string) map[string]any {
			t.Helper()
			r := h.Do("POST", "/orders", h.AdminToken, map[string]any{"customer_id": customer, "ordered_at": time.Now().UTC(),
				"currency": "EUR", "lines": []map[string]any{{"sku": "KETTLE", "quantity": 1, "unit_price": total}}, "coupon_code": code})
			wantStatus(t, r, http.StatusCreated)
			return r.JSON
		}
		wantProblem(t, h.Do("POST", "/offers", h.AdminToken, map[string]any{"name": "Bad", "kind": "percent", "value": 150}),
			http.StatusUnprocessableEntity, "value")
		spring := h.Do("POST", "/offers", h.AdminToken, map[string]any{"name": "Spring", "kind": "percent", "value": 15,
			"shared_code": "spring15", "min_order": 20, "max_redemptions": 2})
		wantStatus(t, spring, http.StatusCreated)
		if spring.JSON["what"] != "15% off" {
			t.Fatalf("offer %s", spring.Raw)
		}
		if o := order(ids[5], 10, "SPRING15"); !strings.Contains(fmt.Sprint(o["coupon_error"]), "at least 20.00") {
			t.Fatalf("below the minimum order: %v", o)
		}
		if o := order(ids[5], 40, "spring15"); o["discount"] != float64(6) || o["coupon_error"] != nil {
			t.Fatalf("first use: %v", o)
		}
		if o := order(ids[5], 40, "SPRING15"); !strings.Contains(fmt.Sprint(o["coupon_error"]), "used offer \"Spring\" already") {
			t.Fatalf("a second use by the same customer: %v", o)
		}
		order(ids[6], 40, "SPRING15")
		if o := order(ids[7], 40, "SPRING15"); !strings.Contains(fmt.Sprint(o["coupon_error"]), "as often as it may be") {
			t.Fatalf("beyond the limit: %v", o)
		}

		seg := h.Do("POST", "/segments", h.AdminToken, map[string]any{"name": "VIP", "text": `tag = "vip"`})
		vip := h.Do("POST", "/offers", h.AdminToken, map[string]any{"name": "VIP gift", "kind": "amount", "value": 10, "currency": "EUR",
			"segment_id": seg.ID()})
		wantStatus(t, vip, http.StatusCreated)
		issued := h.Do("POST", fmt.Sprintf("/offers/%d/codes", vip.ID()), h.AdminToken, map[string]any{})
		if issued.JSON["issued"] != float64(3) {
			t.Fatalf("issued %s", issued.Raw)
		}
		codes := h.Do("GET", fmt.Sprintf("/offers/%d/codes", vip.ID()), h.AdminToken, nil)
		byCustomer := map[int64]string{}
		for _, c := range codes.List {
			m := c.(map[string]any)
			byCustomer[int64(m["customer_id"].(float64))] = m["code"].(string)
		}
		mine := byCustomer[ids[0]]
		if mine == "" || len(byCustomer) != 3 {
			t.Fatalf("codes %s", codes.Raw)
		}
		if o := order(ids[1], 50, mine); !strings.Contains(fmt.Sprint(o["coupon_error"]), "belongs to another customer") {
			t.Fatalf("someone else's code: %v", o)
		}
		co := h.Do("GET", fmt.Sprintf("/customers/%d/offers", ids[0]), h.AdminToken, nil)
		if !strings.Contains(string(co.Raw), "VIP gift") || !strings.Contains(string(co.Raw), mine) {
			t.Fatalf("customer offers %s", co.Raw)
		}
		if o := order(ids[0], 50, mine); o["discount"] != float64(10) {
			t.Fatalf("own code: %v", o)
		}
		if o := order(ids[0], 50, mine); !strings.Contains(fmt.Sprint(o["coupon_error"]), "used") {
			t.Fatalf("a code used twice: %v", o)
		}

		// Many tills at once, one redemption left.
		_, tillTok := h.User(fmt.Sprintf("till-%d@example.com", len(t.Name())), auth.RoleSales, 0)
		last := h.Do("POST", "/offers", h.AdminToken, map[string]any{"name": "Last one", "kind": "gift", "shared_code": "LASTONE",
			"max_redemptions": 1})
		wantStatus(t, last, http.StatusCreated)
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for i := 3; i < 12; i++ {
			wg.Add(1)
			go func(c int64) {
				defer wg.Done()
				r := h.Do("POST", "/offers/redeem", tillTok, map[string]any{"code": "LASTONE", "customer_id": c, "total": 10})
				if r.Status == http.StatusCreated {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			}(ids[i])
		}
		wg.Wait()
		if ok != 1 {
			t.Fatalf("%d tills took the last redemption", ok)
		}
		if got := h.Do("GET", fmt.Sprintf("/offers/%d", last.ID()), h.AdminToken, nil); got.JSON["redemptions"] != float64(1) {
			t.Fatalf("offer after the rush %s", got.Raw)
		}

		past := h.Do("POST", "/offers", h.AdminToken, map[string]any{"name": "Winter", "kind": "free_shipping", "shared_code": "WINTER",
			"valid_from": time.Now().Add(-48 * time.Hour), "valid_to": time.Now().Add(-24 * time.Hour)})
		wantStatus(t, past, http.StatusCreated)
		wantProblem(t, h.Do("POST", "/offers/redeem", h.AdminToken, map[string]any{"code": "WINTER", "customer_id": ids[8], "total": 5}),
			http.StatusUnprocessableEntity, "code")
	})
}
