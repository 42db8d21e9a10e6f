package app_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
)

func TestInteractionAttachments(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		north := h.Team("North")
		_, nTok := h.User("north@example.com", auth.RoleSales, north)
		_, sTok := h.User("south@example.com", auth.RoleSales, h.Team("South"))
		_, roTok := h.User("reader@example.com", auth.RoleReadOnly, 0)
		cid := h.Do("POST", "/customers", nTok, map[string]any{"kind": "person", "last_name": "Visited"}).ID()
		it := h.Do("POST", "/interactions", nTok, map[string]any{"customer_id": cid, "channel": "in_store", "body": "Signed the form"}).ID()
		path := fmt.Sprintf("/interactions/%d/attachments", it)
		pdf := []byte("%PDF-1.4\n1 0 obj\n<< >>\nendobj\ntrailer\n<< >>\n%%EOF\n")
		body, ct := multipartBody(t, "signed form.pdf", pdf, nil)
		wantProblem(t, h.Do("POST", path, roTok, body, "Content-Type", ct), http.StatusForbidden)
		wantProblem(t, h.Do("POST", path, sTok, body, "Content-Type", ct), http.StatusNotFound)
		r := h.Do("POST", path, nTok, body, "Content-Type", ct)
		wantStatus(t, r, http.StatusCreated)
		if r.JSON["content_type"] != "application/pdf" || r.JSON["size"] != float64(len(pdf)) || r.JSON["name"] != "signed form.pdf" {
			t.Fatalf("attachment: %s", r.Raw)
		}
		id := r.ID()
		empty, ct2 := multipartBody(t, "empty.txt", nil, nil)
		wantProblem(t, h.Do("POST", path, nTok, empty, "Content-Type", ct2), 422, "file")
		r = h.Do("GET", path, nTok, nil)
		if len(r.List) != 1 {
			t.Fatalf("list: %s", r.Raw)
		}
		dl := h.Do("GET", fmt.Sprintf("/attachments/%d", id), nTok, nil)
		if dl.Status != 200 || string(dl.Raw) != string(pdf) || dl.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("download: %d %q", dl.Status, dl.Header)
		}
		// A script disguised as a picture is downloaded, never shown.
		html, ct3 := multipartBody(t, "cat.png", []byte("<html><script>alert(1)</script></html>"), nil)
		r = h.Do("POST", path, nTok, html, "Content-Type", ct3)
		wantStatus(t, r, http.StatusCreated)
		dl = h.Do("GET", fmt.Sprintf("/attachments/%d", r.ID()), nTok, nil)
		if dl.Header.Get("Content-Type") != "application/octet-stream" || dl.Header.Get("Content-Disposition")[:10] != "attachment" {
			t.Fatalf("disguised file served as %q %q", dl.Header.Get("Content-Type"), dl.Header.Get("Content-Disposition"))
		}
		wantProblem(t, h.Do("GET", fmt.Sprintf("/attachments/%d", id), sTok, nil), http.StatusNotFound)
		wantProblem(t, h.Do("GET", fmt.Sprintf("/attachments/%d", id), roTok, nil), http.StatusForbidden)
		if a := h.Do("GET", "/audit?action=download", h.AdminToken, nil); len(a.List) != 2 {
			t.Fatalf("downloads audited: %s", a.Raw)
		}
		// Erasing the customer removes the files.
		wantStatus(t, h.Do("POST", fmt.Sprintf("/customers/%d/erase", cid), h.AdminToken, map[string]any{"reason": "DSR-9"}), http.StatusOK)
		if r := h.Do("GET", path, h.AdminToken, nil); len(r.List) != 0 {
			t.Fatalf("files after erasure: %s", r.Raw)
		}
	})
}
