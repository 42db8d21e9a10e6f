package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/mail/mailtest"
	"github.com/scrms/scrms/internal/store"
)

func TestQuoteFromOpportunityToOrder(t *testing.T) {
	smtp := mailtest.Start(t)
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			h := apptest.New(t, e, func(env map[string]string) {
				env["SCRMS_SMTP_URL"] = smtp.URL()
				env["SCRMS_MAIL_FROM"] = "sales@example.com"
			})
			tok := h.AdminToken
			wantStatus(t, h.Do("PUT", "/products/DESK-1", tok, map[string]any{"name": "Standing desk", "price": 499.0, "currency": "EUR"}), http.StatusOK)
			wantStatus(t, h.Do("PUT", "/products/CHAIR-2", tok, map[string]any{"name": "Task chair", "price": 189.5, "currency": "EUR"}), http.StatusOK)
			wantStatus(t, h.Do("PUT", "/products/DESK-1/stock", tok, map[string]any{"on_hand": 50}), http.StatusOK)
			cid := h.Do("POST", "/customers", tok, map[string]any{"kind": "organization", "name": "Umbrella Offices"}).ID()
			opp := h.Do("POST", "/opportunities", tok, map[string]any{"name": "Office refit", "customer_id": cid, "amount": 1000000}).ID()
			path := fmt.Sprintf("/opportunities/%d/quotes", opp)
			body := map[string]any{"tax_rate": 2000, "valid_until": "2026-12-31", "lines": []map[string]any{
				{"sku": "DESK-1", "quantity": 10, "discount": 1000}, {"sku": "CHAIR-2", "quantity": 10}}}
			// No chairs in stock: refused unless confirmed.
			wantProblem(t, h.Do("POST", path, tok, body), 422, "lines[1].sku")
			body["accept_out_of_stock"] = true
			r := h.Do("POST", path, tok, body)
			wantStatus(t, r, http.StatusCreated)
			qid := r.ID()
			// 10 × 499.00 − 10 % + 10 × 189.50 = 4,491.00 + 1,895.00 = 6,386.00; tax 20 % = 1,277.20.
			if r.JSON["subtotal"] != float64(688500) || r.JSON["discount_total"] != float64(49900) ||
				r.JSON["tax_total"] != float64(127720) || r.JSON["total"] != float64(766320) ||
				!strings.HasPrefix(r.JSON["number"].(string), "Q-") {
				t.Fatalf("quote: %s", r.Raw)
			}
			number := r.JSON["number"].(string)
			pdf := h.Do("GET", fmt.Sprintf("/quotes/%d/pdf", qid), tok, nil)
			if pdf.Status != 200 || !strings.HasPrefix(string(pdf.Raw), "%PDF-1.4") || !strings.Contains(string(pdf.Raw), "Standing desk") {
				t.Fatalf("pdf: %d %.100s", pdf.Status, pdf.Raw)
			}
			to := fmt.Sprintf("buyer-%s@umbrella.example", e)
			r = h.Do("POST", fmt.Sprintf("/quotes/%d/send", qid), tok, map[string]any{"to": to})
			wantStatus(t, r, http.StatusOK)
			if got := smtp.To(to); len(got) != 1 || !strings.Contains(got[0].Data, number+".pdf") ||
				!strings.Contains(got[0].Data, "application/pdf") {
				t.Fatalf("sent quote: %+v", got)
			}
			r = h.Do("POST", fmt.Sprintf("/quotes/%d/accept", qid), tok, nil)
			wantStatus(t, r, http.StatusOK)
			if r.JSON["status"] != "accepted" || r.JSON["order_id"] == nil {
				t.Fatalf("accepted: %s", r.Raw)
			}
			wantProblem(t, h.Do("POST", fmt.Sprintf("/quotes/%d/accept", qid), tok, nil), http.StatusConflict)
			o := h.Do("GET", fmt.Sprintf("/opportunities/%d", opp), tok, nil)
			if o.JSON["closed_at"] == nil || o.JSON["amount"] != float64(638600) {
				t.Fatalf("opportunity after acceptance: %s", o.Raw)
			}
			c := signIn(t, h, "admin@example.com", "correct horse battery")
			if status, page, _ := get(t, c, fmt.Sprintf("%s/quotes/%d", h.Server.URL, qid)); status != 200 ||
				!strings.Contains(page, number) || !strings.Contains(page, "7,663.20 EUR") {
				t.Fatalf("printable quote (%d)", status)
			}
			if status, _, hdr := get(t, c, fmt.Sprintf("%s/quotes/%d/pdf", h.Server.URL, qid)); status != 200 ||
				hdr.Get("Content-Type") != "application/pdf" {
				t.Fatalf("quote PDF in the browser: %d %v", status, hdr)
			}
			p := h.Do("GET", fmt.Sprintf("/customers/%d/purchases", cid), tok, nil)
			if p.JSON["orders"] != float64(1) || p.JSON["total_spent"] != 6386.0 {
				t.Fatalf("purchases: %s", p.Raw)
			}
		})
	}
}

func TestOpportunityProductsAndContacts(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		tok := h.AdminToken
		h.Do("PUT", "/products/LAMP-7", tok, map[string]any{"name": "Desk lamp", "price": 39.9, "currency": "EUR"})
		h.Do("PUT", "/products/LAMP-7/stock", tok, map[string]any{"on_hand": 5})
		org := h.Do("POST", "/customers", tok, map[string]any{"kind": "organization", "name": "Nakatomi"}).ID()
		person := h.Do("POST", "/customers", tok, map[string]any{"kind": "person", "first_name": "Holly", "last_name": "Gennaro"}).ID()
		opp := h.Do("POST", "/opportunities", tok, map[string]any{"name": "Lighting", "customer_id": org}).ID()
		wantProblem(t, h.Do("PUT", fmt.Sprintf("/opportunities/%d/lines", opp), tok,
			map[string]any{"lines": []map[string]any{{"sku": "NOPE", "quantity": 1}}}), 422, "lines[0].sku")
		r := h.Do("PUT", fmt.Sprintf("/opportunities/%d/lines", opp), tok,
			map[string]any{"lines": []map[string]any{{"sku": "LAMP-7", "quantity": 8, "discount": 500}}})
		wantStatus(t, r, http.StatusOK)
		line := r.List[0].(map[string]any)
		// 8 × 39.90 − 5 % = 303.24; 5 in stock for 8.
		if line["line_total"] != float64(30324) || line["available"] != false || line["on_hand"] != float64(5) {
			t.Fatalf("line: %s", r.Raw)
		}
		if o := h.Do("GET", fmt.Sprintf("/opportunities/%d", opp), tok, nil); o.JSON["amount"] != float64(30324) {
			t.Fatalf("deal amount: %s", o.Raw)
		}
		h.Do("PUT", "/products/LAMP-7/stock", tok, map[string]any{"on_hand": 20})
		if r := h.Do("GET", fmt.Sprintf("/opportunities/%d/lines", opp), tok, nil); r.List[0].(map[string]any)["available"] != true {
			t.Fatalf("availability is not live: %s", r.Raw)
		}
		// The customer's profile shows the open deal's products and their stock.
		c := signIn(t, h, "admin@example.com", "correct horse battery")
		if status, page, _ := get(t, c, fmt.Sprintf("%s/customers/%d", h.Server.URL, org)); status != 200 ||
			!strings.Contains(page, "Open deals") || !strings.Contains(page, "in stock (20)") {
			t.Fatalf("profile lacks the deal's availability (%d)", status)
		}
		wantStatus(t, h.Do("PUT", fmt.Sprintf("/opportunities/%d/contacts/%d", opp, person), tok,
			map[string]any{"role": "decision maker"}), http.StatusNoContent)
		r = h.Do("GET", fmt.Sprintf("/opportunities/%d/contacts", opp), tok, nil)
		if len(r.List) != 1 || r.List[0].(map[string]any)["role"] != "decision maker" {
			t.Fatalf("contacts: %s", r.Raw)
		}
	})
}
