package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/mail/mailtest"
	"github.com/scrms/scrms/internal/store"
)

// A marketer builds a segment (with its live count), writes a template,
// previews it, saves a campaign and sends it from the marketing screen; a
// sales representative sees the screen but cannot change anything.
func TestMarketingScreen(t *testing.T) {
	outbox := mailtest.Start(t)
	h := apptest.New(t, store.SQLite, func(env map[string]string) {
		env["SCRMS_SMTP_URL"] = outbox.URL()
		env["SCRMS_MAIL_FROM"] = "Shop <news@shop.example>"
	})
	for _, n := range []string{"Ines", "Joao"} {
		r := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": n, "tags": []string{"club"},
			"emails": []map[string]any{{"address": strings.ToLower(n) + "@example.pt"}}})
		wantStatus(t, r, http.StatusCreated)
		consent(t, h, r.ID(), "granted")
	}
	h.User("mk@shop.example", auth.RoleMarketing, 0)
	web := signIn(t, h, "mk@shop.example", "long enough password")
	base := h.Server.URL

	if st, body := postForm(t, web, base+"/marketing/segments/preview", url.Values{"text": {`tag = "club"`}}); st != 200 ||
		!strings.Contains(body, `"count":2`) {
		t.Fatalf("live count: %d %s", st, body)
	}
	if _, body := postForm(t, web, base+"/marketing/segments/preview", url.Values{"text": {`tag >= "club"`}}); !strings.Contains(body, "takes = or !=") {
		t.Fatalf("live count of bad rules: %s", body)
	}
	if st, _ := postForm(t, web, base+"/marketing/segments", url.Values{"name": {"Club"}, "text": {`tag = "club"`}}); st != http.StatusSeeOther {
		t.Fatalf("segment: %d", st)
	}
	if st, body := postForm(t, web, base+"/marketing/templates", url.Values{"name": {"Club news"}, "subject": {"News, {{first_name}}"},
		"design": {"Hello {{nickname}}"}}); st != http.StatusUnprocessableEntity || !strings.Contains(body, "is not a field") {
		t.Fatalf("bad template: %d", st)
	}
	if st, _ := postForm(t, web, base+"/marketing/templates", url.Values{"name": {"Club news"}, "subject": {"News, {{first_name}}"},
		"design": {"# Club news\nHello {{first_name}}\n[button Read | https://shop.example/club]"}}); st != http.StatusSeeOther {
		t.Fatalf("template: %d", st)
	}
	tpls := h.Do("GET", "/templates", h.AdminToken, nil)
	tplID := int64(tpls.List[0].(map[string]any)["id"].(float64))
	if st, body, hdr := get(t, web, fmt.Sprintf("%s/marketing/templates/%d/preview", base, tplID)); st != 200 ||
		!strings.Contains(body, "Club news") || !strings.Contains(hdr.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("template preview %d", st)
	}
	segs := h.Do("GET", "/segments", h.AdminToken, nil)
	segID := int64(segs.List[0].(map[string]any)["id"].(float64))
	if st, _ := postForm(t, web, base+"/marketing/campaigns", url.Values{"name": {"Club March"}, "template_id": {fmt.Sprint(tplID)},
		"segment_id": {fmt.Sprint(segID)}}); st != http.StatusSeeOther {
		t.Fatalf("campaign: %d", st)
	}
	camps := h.Do("GET", "/campaigns", h.AdminToken, nil)
	campID := int64(camps.List[0].(map[string]any)["id"].(float64))
	if st, _ := postForm(t, web, fmt.Sprintf("%s/marketing/campaigns/%d/send", base, campID), nil); st != http.StatusSeeOther {
		t.Fatalf("send: %d", st)
	}
	if n, err := h.App.Marketing.SendDue(context.Background()); n != 2 || err != nil {
		t.Fatalf("sent %d (%v)", n, err)
	}
	_, body, _ := get(t, web, base+"/marketing")
	if !strings.Contains(body, "Club March") || !strings.Contains(body, "<td>sent</td>") {
		t.Fatalf("the marketing screen does not show the sent campaign")
	}

	h.User("rep@shop.example", auth.RoleSales, 0)
	rep := signIn(t, h, "rep@shop.example", "long enough password")
	if st, body, _ := get(t, rep, base+"/marketing"); st != 200 || strings.Contains(body, `id="new-segment"`) {
		t.Fatalf("a representative's marketing screen: %d", st)
	}
	if st, _ := postForm(t, rep, base+"/marketing/segments", url.Values{"name": {"x"}, "text": {`orders > 1`}}); st != http.StatusForbidden {
		t.Fatalf("a representative saved a segment: %d", st)
	}
}
