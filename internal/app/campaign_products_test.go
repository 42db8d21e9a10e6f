package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/mail/mailtest"
	"github.com/scrms/scrms/internal/store"
)

// The product links of a campaign's products block are tracked like its
// buttons: signed with the message, they count a click and lead to the
// product page; a link pointing elsewhere is refused.
func TestCampaignProductLinksAreTracked(t *testing.T) {
	outbox := mailtest.Start(t)
	h := apptest.New(t, store.SQLite, func(env map[string]string) {
		env["SCRMS_SMTP_URL"] = outbox.URL()
		env["SCRMS_MAIL_FROM"] = "Shop <news@shop.example>"
	})
	for _, sku := range []string{"MUG", "LAMP"} {
		wantStatus(t, h.Do("PUT", "/products/"+sku, h.AdminToken, map[string]any{"name": "A " + strings.ToLower(sku), "price": 10,
			"currency": "EUR"}), http.StatusOK)
	}
	buyer := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Buyer"})
	wantStatus(t, buyer, http.StatusCreated)
	wantStatus(t, h.Do("POST", "/orders", h.AdminToken, map[string]any{"customer_id": buyer.ID(), "ordered_at": time.Now().UTC(),
		"currency": "EUR", "lines": []map[string]any{{"sku": "MUG", "quantity": 1, "unit_price": 10}}}), http.StatusCreated)
	wantStatus(t, h.Do("POST", "/analytics/recommendations/build", h.AdminToken, nil), http.StatusOK)

	reader := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Rita", "tags": []string{"picks"},
		"emails": []map[string]any{{"address": "rita@example.com"}}})
	wantStatus(t, reader, http.StatusCreated)
	consent(t, h, reader.ID(), "granted")
	seg := h.Do("POST", "/segments", h.AdminToken, map[string]any{"name": "Picks", "text": `tag = "picks"`})
	wantStatus(t, seg, http.StatusCreated)
	tpl := h.Do("POST", "/templates", h.AdminToken, map[string]any{"name": "Picks", "subject": "For you",
		"blocks": []map[string]any{{"type": "products", "count": 1, "text": "Picked for you", "url": "https://shop.example/p/{sku}"}}})
	wantStatus(t, tpl, http.StatusCreated)
	camp := h.Do("POST", "/campaigns", h.AdminToken, map[string]any{"name": "Picks", "template_id": tpl.ID(), "segment_id": seg.ID()})
	wantStatus(t, camp, http.StatusCreated)
	wantStatus(t, h.Do("POST", fmt.Sprintf("/campaigns/%d/send", camp.ID()), h.AdminToken, nil), http.StatusAccepted)
	if n, err := h.App.Marketing.SendDue(context.Background()); err != nil || n != 1 {
		t.Fatalf("sent %d (%v)", n, err)
	}
	_, text, html := parts(t, outbox.Messages()[0].Data)
	link := regexp.MustCompile(`href="([^"]+/t/p/[^"]+)"`).FindStringSubmatch(html)
	if link == nil || strings.Contains(html, `href="https://shop.example/p/`) || !strings.Contains(text, "/t/p/") {
		t.Fatalf("the product link is not tracked: %s", html)
	}
	u, err := url.Parse(strings.ReplaceAll(link[1], "&amp;", "&"))
	if err != nil {
		t.Fatal(err)
	}
	local := h.Server.URL + u.RequestURI()
	noFollow := browserClient(t)
	if st, _, hdr := get(t, noFollow, local); st != http.StatusFound || hdr.Get("Location") != "https://shop.example/p/MUG" {
		t.Fatalf("product click %d → %s", st, hdr.Get("Location"))
	}
	forged := h.Server.URL + u.Path + "?to=" + url.QueryEscape("https://evil.example/")
	if st, _, _ := get(t, noFollow, forged); st != http.StatusNotFound {
		t.Fatalf("a product link sent elsewhere: %d", st)
	}
	st := h.Do("GET", fmt.Sprintf("/campaigns/%d/stats", camp.ID()), h.AdminToken, nil)
	if st.JSON["clicked"] != float64(1) || st.JSON["opened"] != float64(1) {
		t.Fatalf("stats after the product click: %s", st.Raw)
	}
}
