package app_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/store"
)

// stageIDs returns the default pipeline's id and its stages by name.
func stageIDs(t *testing.T, h *apptest.Harness, tok string) (int64, map[string]int64) {
	t.Helper()
	r := h.Do("GET", "/pipelines", tok, nil)
	wantStatus(t, r, http.StatusOK)
	p := r.List[0].(map[string]any)
	ids := map[string]int64{}
	for _, st := range p["stages"].([]any) {
		m := st.(map[string]any)
		ids[m["name"].(string)] = int64(m["id"].(float64))
	}
	return int64(p["id"].(float64)), ids
}

func TestAPIOpportunitiesMoveThroughThePipeline(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		north, south := h.Team("North"), h.Team("South")
		_, nTok := h.User("north@example.com", auth.RoleSales, north)
		_, n2Tok := h.User("north2@example.com", auth.RoleSales, north)
		_, sTok := h.User("south@example.com", auth.RoleSales, south)
		_, roTok := h.User("reader@example.com", auth.RoleReadOnly, 0)
		pid, st := stageIDs(t, h, nTok)
		if len(st) != 6 || st["Qualification"] == 0 || st["Won"] == 0 {
			t.Fatalf("default pipeline stages: %v", st)
		}
		cid := h.Do("POST", "/customers", nTok, map[string]any{"kind": "organization", "name": "Globex"}).ID()
		southCustomer := h.Do("POST", "/customers", sTok, map[string]any{"kind": "organization", "name": "Initech"}).ID()

		wantProblem(t, h.Do("POST", "/opportunities", nTok, map[string]any{"name": "", "currency": "e1",
			"expected_close": "next week", "customer_id": southCustomer}), 422, "name", "currency", "expected_close", "customer_id")
		wantProblem(t, h.Do("POST", "/opportunities", roTok, map[string]any{"name": "Nope"}), http.StatusForbidden)
		r := h.Do("POST", "/opportunities", nTok, map[string]any{"name": "Globex renewal", "customer_id": cid,
			"amount": 1250000, "currency": "gbp", "expected_close": "2026-12-20"})
		wantStatus(t, r, http.StatusCreated)
		id := r.ID()
		if r.JSON["stage_id"] != float64(st["Qualification"]) || r.JSON["customer_name"] != "Globex" ||
			r.JSON["currency"] != "GBP" || r.JSON["pipeline_id"] != float64(pid) {
			t.Fatalf("created: %s", r.Raw)
		}
		path := fmt.Sprintf("/opportunities/%d", id)
		wantProblem(t, h.Do("GET", path, sTok, nil), http.StatusNotFound)
		wantProblem(t, h.Do("PATCH", path, sTok, map[string]any{"stage_id": st["Won"]}), http.StatusNotFound)
		wantStatus(t, h.Do("GET", path, roTok, nil), http.StatusOK)
		wantProblem(t, h.Do("PATCH", path, nTok, map[string]any{"stage_id": 99999}), 422, "stage_id")

		r = h.Do("PATCH", path, nTok, map[string]any{"stage_id": st["Proposal"], "next_step": "Send the proposal"})
		wantStatus(t, r, http.StatusOK)
		if r.JSON["stage_id"] != float64(st["Proposal"]) || r.JSON["closed_at"] != nil {
			t.Fatalf("moved: %s", r.Raw)
		}
		// Two reps of the team move the card at the same moment: both moves
		// are kept, and the card ends in one of the two stages.
		var wg sync.WaitGroup
		results := make([]float64, 2)
		for i, mv := range []struct {
			tok   string
			stage int64
		}{{nTok, st["Negotiation"]}, {n2Tok, st["Needs analysis"]}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := h.Do("PATCH", path, mv.tok, map[string]any{"stage_id": mv.stage})
				if r.Status == http.StatusOK {
					results[i] = r.JSON["stage_id"].(float64)
				}
			}()
		}
		wg.Wait()
		r = h.Do("GET", path+"/history", nTok, nil)
		wantStatus(t, r, http.StatusOK)
		if len(r.List) != 4 {
			t.Fatalf("history after create, move and two concurrent moves: %s", r.Raw)
		}
		last := r.List[3].(map[string]any)
		final := h.Do("GET", path, nTok, nil)
		if final.JSON["stage_id"] != last["to_stage_id"] {
			t.Fatalf("the last move in the history (%v) is not where the card is (%v)", last["to_stage_id"], final.JSON["stage_id"])
		}
		prev := r.List[2].(map[string]any)
		if last["from_stage_id"] != prev["to_stage_id"] {
			t.Fatalf("the later move does not start where the earlier one ended: %s", r.Raw)
		}
		// Winning closes the deal.
		r = h.Do("PATCH", path, nTok, map[string]any{"stage_id": st["Won"]})
		if r.JSON["closed_at"] == nil {
			t.Fatalf("won deal not closed: %s", r.Raw)
		}
		r = h.Do("GET", "/opportunities?open=true", nTok, nil)
		if len(r.List) != 0 {
			t.Fatalf("open deals after winning: %s", r.Raw)
		}
		if r := h.Do("GET", "/audit?entity_type=opportunity&limit=50", h.AdminToken, nil); len(r.List) < 5 {
			t.Fatalf("deal changes audited: %d", len(r.List))
		}
	})
}

func TestWebDealListInlineEdit(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	_, st := stageIDs(t, h, h.AdminToken)
	id := h.Do("POST", "/opportunities", h.AdminToken, map[string]any{"name": "Acme expansion", "amount": 100000}).ID()
	c := signIn(t, h, "admin@example.com", "correct horse battery")
	if status, page, _ := get(t, c, h.Server.URL+"/opportunities"); status != 200 || !strings.Contains(page, "Acme expansion") {
		t.Fatalf("list (%d)", status)
	}
	res, err := c.PostForm(fmt.Sprintf("%s/opportunities/%d/edit", h.Server.URL, id), url.Values{"amount": {"2,500.50"},
		"expected_close": {"2027-01-15"}, "next_step": {"Send the contract"}, "stage_id": {fmt.Sprint(st["Negotiation"])}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	r := h.Do("GET", fmt.Sprintf("/opportunities/%d", id), h.AdminToken, nil)
	if r.JSON["amount"] != float64(250050) || r.JSON["next_step"] != "Send the contract" ||
		r.JSON["expected_close"] != "2027-01-15" || r.JSON["stage_id"] != float64(st["Negotiation"]) {
		t.Fatalf("after inline edit: %s", r.Raw)
	}
}

func TestCreatePipeline(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		_, repTok := h.User("rep@example.com", auth.RoleSales, 0)
		body := map[string]any{"name": "Partners", "stages": []map[string]any{{"name": "Intro", "probability": 20},
			{"name": "Contract", "probability": 60}, {"name": "Signed", "kind": "won"}, {"name": "Dropped", "kind": "lost"}}}
		wantProblem(t, h.Do("POST", "/pipelines", repTok, body), http.StatusForbidden)
		wantProblem(t, h.Do("POST", "/pipelines", h.AdminToken, map[string]any{"name": "Bad", "stages": []map[string]any{
			{"name": "A"}, {"name": "B"}, {"name": "C", "kind": "lost"}}}), 422, "stages")
		r := h.Do("POST", "/pipelines", h.AdminToken, body)
		wantStatus(t, r, http.StatusCreated)
		pid := r.ID()
		stages := r.JSON["stages"].([]any)
		if len(stages) != 4 || stages[2].(map[string]any)["probability"] != float64(100) {
			t.Fatalf("pipeline: %s", r.Raw)
		}
		wantProblem(t, h.Do("POST", "/pipelines", h.AdminToken, body), http.StatusConflict, "name")
		o := h.Do("POST", "/opportunities", repTok, map[string]any{"name": "Reseller deal", "pipeline_id": pid})
		wantStatus(t, o, http.StatusCreated)
		if o.JSON["stage_id"] != stages[0].(map[string]any)["id"] {
			t.Fatalf("the deal did not start in the new pipeline's first stage: %s", o.Raw)
		}
		if r := h.Do("GET", "/pipelines", repTok, nil); len(r.List) != 2 {
			t.Fatalf("pipelines: %s", r.Raw)
		}
	})
}

func TestDeleteOpportunityAndQuoteAlias(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		tok := h.AdminToken
		h.Do("PUT", "/products/P-1", tok, map[string]any{"name": "Widget", "price": 10.0})
		h.Do("PUT", "/products/P-1/stock", tok, map[string]any{"on_hand": 100})
		cid := h.Do("POST", "/customers", tok, map[string]any{"kind": "organization", "name": "Initrode"}).ID()
		id := h.Do("POST", "/opportunities", tok, map[string]any{"name": "Widgets", "customer_id": cid}).ID()
		r := h.Do("POST", "/quotes", tok, map[string]any{"opportunity_id": id, "lines": []map[string]any{{"sku": "P-1", "quantity": 3}}})
		wantStatus(t, r, http.StatusCreated)
		if r.JSON["total"] != float64(3000) {
			t.Fatalf("quote: %s", r.Raw)
		}
		wantStatus(t, h.Do("DELETE", fmt.Sprintf("/opportunities/%d", id), tok, nil), http.StatusNoContent)
		wantProblem(t, h.Do("GET", fmt.Sprintf("/opportunities/%d", id), tok, nil), http.StatusNotFound)
		if r := h.Do("GET", "/opportunities", tok, nil); len(r.List) != 0 {
			t.Fatalf("deleted deal still listed: %s", r.Raw)
		}
	})
}

func TestWebDealPageMakesAndAcceptsAQuote(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	tok := h.AdminToken
	h.Do("PUT", "/products/KIT-1", tok, map[string]any{"name": "Starter kit", "price": 120.0})
	h.Do("PUT", "/products/KIT-1/stock", tok, map[string]any{"on_hand": 10})
	cid := h.Do("POST", "/customers", tok, map[string]any{"kind": "organization", "name": "Soylent"}).ID()
	id := h.Do("POST", "/opportunities", tok, map[string]any{"name": "Kits for Soylent", "customer_id": cid}).ID()
	c := signIn(t, h, "admin@example.com", "correct horse battery")
	if status, page, _ := get(t, c, fmt.Sprintf("%s/opportunities/%d", h.Server.URL, id)); status != 200 ||
		!strings.Contains(page, "New quote") || !strings.Contains(page, "Started in Qualification") {
		t.Fatalf("deal page (%d)", status)
	}
	res, err := c.PostForm(fmt.Sprintf("%s/opportunities/%d/quotes", h.Server.URL, id), url.Values{
		"sku": {"KIT-1", "", ""}, "quantity": {"4", "", ""}, "discount": {"10", "", ""}, "tax": {"19"}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/quotes/") {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("after making the quote: %d %q %.300s", res.StatusCode, loc, b)
	}
	qid := strings.TrimPrefix(loc, "/quotes/")
	q := h.Do("GET", "/quotes/"+qid, tok, nil)
	// 4 × 120.00 − 10 % = 432.00; tax 19 % = 82.08.
	if q.JSON["total"] != float64(51408) {
		t.Fatalf("quote: %s", q.Raw)
	}
	res, err = c.PostForm(h.Server.URL+"/quotes/"+qid+"/accept", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if q := h.Do("GET", "/quotes/"+qid, tok, nil); q.JSON["status"] != "accepted" {
		t.Fatalf("after accepting: %s", q.Raw)
	}
}
