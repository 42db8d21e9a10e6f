package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/store"
)

// A marketer makes offers on the offers screen — one with a code per
// customer of a segment, one for loyalty members — issues the codes and
// sees whom each offer is for; a bad offer comes back with the reason; a
// sales rep sees the offers but cannot make one.
func TestOffersScreen(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	for i := range 3 {
		wantStatus(t, h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": fmt.Sprint("V", i),
			"tags": []string{"vip"}}), http.StatusCreated)
	}
	seg := h.Do("POST", "/segments", h.AdminToken, map[string]any{"name": "VIPs", "text": `tag = "vip"`})
	wantStatus(t, seg, http.StatusCreated)
	prog := mustJSON(t, h.Do("POST", "/loyalty/programs", h.AdminToken, map[string]any{"name": "Club"}), http.StatusCreated)
	h.User("mk@shop.example", auth.RoleMarketing, 0)
	h.User("rep@shop.example", auth.RoleSales, 0)
	web := signIn(t, h, "mk@shop.example", "long enough password")
	base := h.Server.URL

	if st, body := postForm(t, web, base+"/marketing/offers", url.Values{"name": {"Too much"}, "kind": {"percent"},
		"value": {"150"}}); st != http.StatusUnprocessableEntity || !strings.Contains(body, "value") {
		t.Fatalf("a 150%% offer: %d", st)
	}
	if st, _ := postForm(t, web, base+"/marketing/offers", url.Values{"name": {"VIP tenner"}, "kind": {"amount"}, "value": {"10"},
		"currency": {"EUR"}, "segment_id": {fmt.Sprint(seg.ID())}, "valid_to": {"2030-12-31"}}); st != http.StatusSeeOther {
		t.Fatalf("segment offer: %d", st)
	}
	if st, _ := postForm(t, web, base+"/marketing/offers", url.Values{"name": {"Gold gift"}, "kind": {"gift"}, "shared_code": {"GOLDGIFT"},
		"program_id": {fmt.Sprint(int64(prog["id"].(float64)))}, "min_tier_rank": {"3"}}); st != http.StatusSeeOther {
		t.Fatalf("members' offer: %d", st)
	}
	offers := h.Do("GET", "/offers", h.AdminToken, nil)
	var vipID int64
	for _, o := range offers.List {
		if m := o.(map[string]any); m["name"] == "VIP tenner" {
			vipID = int64(m["id"].(float64))
		}
	}
	if vipID == 0 {
		t.Fatalf("offers: %s", offers.Raw)
	}
	if st, _ := postForm(t, web, fmt.Sprintf("%s/marketing/offers/%d/codes", base, vipID), url.Values{}); st != http.StatusSeeOther {
		t.Fatalf("issue codes: %d", st)
	}
	codes := h.Do("GET", fmt.Sprintf("/offers/%d/codes", vipID), h.AdminToken, nil)
	if len(codes.List) != 3 {
		t.Fatalf("codes for the 3 VIPs: %s", codes.Raw)
	}
	st, body, _ := get(t, web, base+"/marketing/offers")
	if st != http.StatusOK || !strings.Contains(body, "VIP tenner") || !strings.Contains(body, "until 31 Dec 2030") ||
		!strings.Contains(body, "members of Club, Gold and up") || !strings.Contains(body, "GOLDGIFT") {
		t.Fatalf("offers screen (%d): %s", st, body)
	}
	rep := signIn(t, h, "rep@shop.example", "long enough password")
	if st, _, _ := get(t, rep, base+"/marketing/offers"); st != http.StatusOK {
		t.Fatalf("a rep reading the offers: %d", st)
	}
	if st, _ := postForm(t, rep, base+"/marketing/offers", url.Values{"name": {"Mine"}, "kind": {"gift"}}); st != http.StatusForbidden {
		t.Fatalf("a rep making an offer: %d", st)
	}
}
