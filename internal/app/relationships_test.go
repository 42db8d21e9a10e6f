package app_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
)

func TestAPIRelationships(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		north, south := h.Team("North"), h.Team("South")
		_, nTok := h.User("north@example.com", auth.RoleSales, north)
		_, sTok := h.User("south@example.com", auth.RoleSales, south)
		mk := func(tok string, body map[string]any) int64 {
			r := h.Do("POST", "/customers", tok, body)
			wantStatus(t, r, http.StatusCreated)
			return r.ID()
		}
		mum := mk(nTok, map[string]any{"kind": "person", "first_name": "Maria", "last_name": "Rossi"})
		son := mk(nTok, map[string]any{"kind": "person", "first_name": "Luca", "last_name": "Rossi"})
		acme := mk(nTok, map[string]any{"kind": "organization", "name": "Acme Ltd"})
		hidden := mk(sTok, map[string]any{"kind": "person", "last_name": "Southern"})

		r := h.Do("POST", fmt.Sprintf("/customers/%d/relationships", mum), nTok, map[string]any{"kind": "parent", "other_customer_id": son})
		wantStatus(t, r, http.StatusCreated)
		relID := r.ID()
		wantStatus(t, h.Do("POST", fmt.Sprintf("/customers/%d/relationships", son), nTok,
			map[string]any{"kind": "employee", "other_customer_id": acme, "role": "buyer"}), http.StatusCreated)

		labels := func(id int64, tok string) map[string]string {
			r := h.Do("GET", fmt.Sprintf("/customers/%d/relationships", id), tok, nil)
			wantStatus(t, r, http.StatusOK)
			out := map[string]string{}
			for _, x := range r.List {
				m := x.(map[string]any)
				out[m["other_name"].(string)] = m["label"].(string)
			}
			return out
		}
		if got := labels(mum, nTok); got["Luca Rossi"] != "parent of" {
			t.Fatalf("mother sees %v", got)
		}
		if got := labels(son, nTok); got["Maria Rossi"] != "child of" || got["Acme Ltd"] != "works for" {
			t.Fatalf("son sees %v", got)
		}
		if got := labels(acme, nTok); got["Luca Rossi"] != "employs" {
			t.Fatalf("company sees %v", got)
		}

		wantProblem(t, h.Do("POST", fmt.Sprintf("/customers/%d/relationships", mum), nTok,
			map[string]any{"kind": "parent", "other_customer_id": son}), http.StatusConflict)
		wantProblem(t, h.Do("POST", fmt.Sprintf("/customers/%d/relationships", mum), nTok,
			map[string]any{"kind": "parent", "other_customer_id": mum}), 422, "other_customer_id")
		wantProblem(t, h.Do("POST", fmt.Sprintf("/customers/%d/relationships", mum), nTok,
			map[string]any{"kind": "nemesis", "other_customer_id": son}), 422, "kind")
		// A customer of another team cannot be linked, and is not revealed.
		wantProblem(t, h.Do("POST", fmt.Sprintf("/customers/%d/relationships", mum), nTok,
			map[string]any{"kind": "spouse", "other_customer_id": hidden}), 422, "other_customer_id")
		wantStatus(t, h.Do("POST", fmt.Sprintf("/customers/%d/relationships", mum), h.AdminToken,
			map[string]any{"kind": "spouse", "other_customer_id": hidden}), http.StatusCreated)
		if got := labels(mum, nTok); len(got) != 1 {
			t.Fatalf("north sees a relationship with south's customer: %v", got)
		}
		if got := labels(mum, h.AdminToken); got["Southern"] != "spouse of" {
			t.Fatalf("admin sees %v", got)
		}

		wantStatus(t, h.Do("DELETE", fmt.Sprintf("/customers/%d/relationships/%d", son, relID), nTok, nil), http.StatusNoContent)
		if got := labels(mum, nTok); len(got) != 0 {
			t.Fatalf("removed relationship still listed: %v", got)
		}
		wantProblem(t, h.Do("DELETE", fmt.Sprintf("/customers/%d/relationships/%d", acme, relID), nTok, nil), 404)
	})
}

func TestAPIAccountHierarchy(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		north := h.Team("North")
		_, nTok := h.User("north@example.com", auth.RoleSales, north)
		org := func(tok, name string) int64 {
			return h.Do("POST", "/customers", tok, map[string]any{"kind": "organization", "name": name}).ID()
		}
		group, uk, de := org(h.AdminToken, "Acme Group"), org(nTok, "Acme UK"), org(nTok, "Acme Deutschland")
		leeds := org(nTok, "Acme Leeds")
		link := func(from, to int64, kind string) {
			wantStatus(t, h.Do("POST", fmt.Sprintf("/customers/%d/relationships", from), h.AdminToken,
				map[string]any{"kind": kind, "other_customer_id": to}), http.StatusCreated)
		}
		link(uk, group, "subsidiary")
		link(de, group, "subsidiary")
		link(leeds, uk, "subsidiary")
		for _, name := range []string{"Ann", "Ben", "Cem"} {
			p := h.Do("POST", "/customers", nTok, map[string]any{"kind": "person", "first_name": name, "last_name": "Worker"}).ID()
			link(p, uk, "employee")
		}
		link(h.Do("POST", "/customers", nTok, map[string]any{"kind": "person", "last_name": "Boss"}).ID(), group, "employee")

		r := h.Do("GET", fmt.Sprintf("/customers/%d/hierarchy", leeds), h.AdminToken, nil)
		wantStatus(t, r, http.StatusOK)
		if r.JSON["subsidiaries"] != float64(3) || r.JSON["total_contacts"] != float64(4) ||
			len(r.JSON["organizations"].([]any)) != 4 {
			t.Fatalf("hierarchy: %s", r.Raw)
		}
		top := r.JSON["organizations"].([]any)[0].(map[string]any)
		if top["name"] != "Acme Group" || top["depth"] != float64(0) || top["contacts"] != float64(1) {
			t.Fatalf("top of the tree: %v", top)
		}
		// North's rep does not see the group (the administrator's), only counts it.
		r = h.Do("GET", fmt.Sprintf("/customers/%d/hierarchy", uk), nTok, nil)
		if r.JSON["hidden"] != float64(1) || containsText(r.Raw, "Acme Group") {
			t.Fatalf("north's view: %s", r.Raw)
		}
	})
}
