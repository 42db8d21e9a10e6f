package app_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/mail/mailtest"
	"github.com/scrms/scrms/internal/store"
)

// With a DKIM key configured, campaign messages carry a DKIM signature for
// the sender's domain and selector.
func TestCampaignMessagesAreDKIMSigned(t *testing.T) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "dkim.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	outbox := mailtest.Start(t)
	h := apptest.New(t, store.SQLite, func(env map[string]string) {
		env["SCRMS_SMTP_URL"] = outbox.URL()
		env["SCRMS_MAIL_FROM"] = "Shop <news@shop.example>"
		env["SCRMS_DKIM_KEY_FILE"] = keyFile
		env["SCRMS_DKIM_SELECTOR"] = "crm2026"
	})
	r := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Dee", "tags": []string{"d"},
		"emails": []map[string]any{{"address": "dee@example.com"}}})
	wantStatus(t, r, http.StatusCreated)
	consent(t, h, r.ID(), "granted")
	seg := h.Do("POST", "/segments", h.AdminToken, map[string]any{"name": "D", "text": `tag = "d"`})
	tpl := h.Do("POST", "/templates", h.AdminToken, map[string]any{"name": "T", "subject": "Signed",
		"blocks": []map[string]any{{"type": "text", "text": "Hi {{first_name}}"}}})
	c := h.Do("POST", "/campaigns", h.AdminToken, map[string]any{"name": "C", "template_id": tpl.ID(), "segment_id": seg.ID()})
	wantStatus(t, h.Do("POST", fmt.Sprintf("/campaigns/%d/send", c.ID()), h.AdminToken, nil), http.StatusAccepted)
	if n, err := h.App.Marketing.SendDue(context.Background()); n != 1 || err != nil {
		t.Fatalf("sent %d (%v)", n, err)
	}
	m, err := mail.ReadMessage(strings.NewReader(outbox.Messages()[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	sig := m.Header.Get("DKIM-Signature")
	for _, want := range []string{"d=shop.example", "s=crm2026", "a=ed25519-sha256", "bh=", "b="} {
		if !strings.Contains(sig, want) {
			t.Fatalf("DKIM-Signature %q lacks %s", sig, want)
		}
	}
}
