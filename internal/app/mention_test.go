package app_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
)

func TestNoteMentionsNotifyWhoMaySee(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		north, south := h.Team("North"), h.Team("South")
		_, nTok := h.User("nina@example.com", auth.RoleSales, north)
		_, n2Tok := h.User("noah@example.com", auth.RoleSales, north)
		_, sTok := h.User("sven@example.com", auth.RoleSales, south)
		cid := h.Do("POST", "/customers", nTok, map[string]any{"kind": "person", "first_name": "Olga", "last_name": "Ivanova"}).ID()
		wantStatus(t, h.Do("POST", fmt.Sprintf("/customers/%d/notes", cid), nTok,
			map[string]any{"body": "@noah can you take the renewal? @sven FYI. @nina"}), http.StatusCreated)
		r := h.Do("GET", "/notifications", n2Tok, nil)
		if r.JSON["unread"] != float64(1) || !containsText(r.Raw, "mentioned you in a note on Olga Ivanova") ||
			!containsText(r.Raw, fmt.Sprintf(`"link":"/customers/%d"`, cid)) {
			t.Fatalf("noah's notifications: %s", r.Raw)
		}
		// Sven's team may not see the customer; the author is not told about herself.
		for _, tok := range []string{sTok, nTok} {
			if r := h.Do("GET", "/notifications", tok, nil); r.JSON["unread"] != float64(0) {
				t.Fatalf("unexpected notification: %s", r.Raw)
			}
		}
	})
}
