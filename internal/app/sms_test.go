package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/store"
)

// An SMS campaign goes through the SMS provider's HTTP API to the customers
// who agreed to marketing by SMS, personalised, with an opt-out link; the
// template tells how many parts the text takes.
func TestSMSCampaign(t *testing.T) {
	var mu sync.Mutex
	var got []map[string]string
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer sk_test_123" {
			http.Error(w, "who are you", http.StatusUnauthorized)
			return
		}
		var m map[string]string
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &m)
		mu.Lock()
		got = append(got, m)
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer provider.Close()
	h := apptest.New(t, store.SQLite, func(env map[string]string) {
		env["SCRMS_WEBHOOK_ALLOW_PRIVATE"] = "true"
	})
	mk := func(name, phone, smsConsent string) {
		r := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": name, "tags": []string{"s"},
			"phones": []map[string]any{{"number": phone}}})
		wantStatus(t, r, http.StatusCreated)
		if smsConsent != "" {
			wantStatus(t, h.Do("POST", fmt.Sprintf("/customers/%d/consents", r.ID()), h.AdminToken, map[string]any{
				"purpose": "marketing", "channel": "sms", "status": smsConsent, "source": "web_form", "proof": "tick box"}), http.StatusCreated)
		}
	}
	mk("Rita", "+351 912 345 678", "granted")
	mk("Tomas", "+351 913 000 111", "")          // never agreed
	mk("Vasco", "+351 914 222 333", "withdrawn") // changed their mind

	tpl := h.Do("POST", "/templates", h.AdminToken, map[string]any{"name": "Flash sale", "channel": "sms",
		"text_body": "Hi {{first_name}}, 20% off kettles today only."})
	wantStatus(t, tpl, http.StatusCreated)
	if sms := tpl.JSON["sms"].(map[string]any); sms["encoding"] != "GSM-7" || sms["parts"] != float64(1) {
		t.Fatalf("sms info %v", sms)
	}
	wantProblem(t, h.Do("POST", "/templates", h.AdminToken, map[string]any{"name": "Bad", "channel": "sms",
		"blocks": []map[string]any{{"type": "text", "text": "x"}}}), http.StatusUnprocessableEntity, "blocks", "text_body")
	seg := h.Do("POST", "/segments", h.AdminToken, map[string]any{"name": "S", "text": `tag = "s"`})
	camp := h.Do("POST", "/campaigns", h.AdminToken, map[string]any{"name": "Flash", "template_id": tpl.ID(), "segment_id": seg.ID()})
	wantStatus(t, camp, http.StatusCreated)
	wantProblem(t, h.Do("POST", fmt.Sprintf("/campaigns/%d/send", camp.ID()), h.AdminToken, nil), http.StatusConflict)
	wantStatus(t, h.Do("PUT", "/marketing/sms", h.AdminToken, map[string]any{"url": provider.URL + "/send", "api_key": "sk_test_123",
		"from": "KettleShop"}), http.StatusNoContent)
	wantStatus(t, h.Do("POST", fmt.Sprintf("/campaigns/%d/send", camp.ID()), h.AdminToken, nil), http.StatusAccepted)
	if n, err := h.App.Marketing.SendDue(context.Background()); n != 1 || err != nil {
		t.Fatalf("sent %d (%v), want only Rita", n, err)
	}
	if len(got) != 1 || got[0]["to"] != "+351912345678" || got[0]["from"] != "KettleShop" ||
		!strings.HasPrefix(got[0]["text"], "Hi Rita, 20% off kettles today only.\nStop: ") || !strings.Contains(got[0]["text"], "/u/") {
		t.Fatalf("provider got %v", got)
	}
	if st := h.Do("GET", fmt.Sprintf("/campaigns/%d/stats", camp.ID()), h.AdminToken, nil); st.JSON["sent"] != float64(1) {
		t.Fatalf("stats %s", st.Raw)
	}
}
