package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
)

func TestLeadsFromWebFormsToCustomers(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		eu, us := h.Team("EU"), h.Team("US")
		r1, t1 := h.User("rep1@example.com", auth.RoleSales, eu)
		r2, _ := h.User("rep2@example.com", auth.RoleSales, eu)
		r3, _ := h.User("rep3@example.com", auth.RoleSales, eu)
		_, usTok := h.User("usrep@example.com", auth.RoleSales, us)
		r := h.Do("POST", "/lead-forms", h.AdminToken, map[string]any{"name": "Contact us", "team_id": eu, "campaign": "autumn"})
		wantStatus(t, r, http.StatusCreated)
		post := r.JSON["post_url"].(string)
		if !strings.HasSuffix(post, "/forms/"+r.JSON["key"].(string)) {
			t.Fatalf("form: %s", r.Raw)
		}
		formURL := h.Server.URL + "/forms/" + r.JSON["key"].(string)
		sendJSON := func(body map[string]any) int {
			b, _ := json.Marshal(body)
			req, _ := http.NewRequest("POST", formURL, bytes.NewReader(b))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Origin", "https://www.shop.example")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res.StatusCode
		}
		// An HTML form post from the business's site, with UTM parameters.
		res, err := http.PostForm(formURL, url.Values{"name": {"Lena Fischer"}, "email": {"lena@fischer-bau.example"},
			"company": {"Fischer Bau GmbH"}, "job_title": {"Head of Purchasing"}, "country": {"Germany"},
			"message": {"We need 40 units by March."}, "utm_source": {"google"}, "utm_medium": {"cpc"}, "website": {""}})
		if err != nil || res.StatusCode != http.StatusCreated {
			t.Fatalf("form post: %v %v", err, res.StatusCode)
		}
		res.Body.Close()
		for i, email := range []string{"a@gmail.com", "b@example.org", "c@example.net"} {
			if got := sendJSON(map[string]any{"first_name": fmt.Sprint("Person", i), "email": email}); got != http.StatusCreated {
				t.Fatalf("JSON form post answered %d", got)
			}
		}
		// A robot fills the hidden field: thanked, not stored.
		if got := sendJSON(map[string]any{"first_name": "Bot", "email": "bot@spam.example", "website": "http://spam.example"}); got != http.StatusCreated {
			t.Fatalf("honeypot answered %d", got)
		}
		// The sixth post within a minute from one address is refused.
		if got := sendJSON(map[string]any{"first_name": "Late", "email": "late@example.com"}); got != http.StatusTooManyRequests {
			t.Fatalf("flood answered %d", got)
		}
		if got := sendJSON(map[string]any{}); got != http.StatusTooManyRequests {
			t.Fatalf("flood answered %d", got)
		}

		r = h.Do("GET", "/leads", h.AdminToken, nil)
		wantStatus(t, r, http.StatusOK)
		if len(r.List) != 4 {
			t.Fatalf("leads: %s", r.Raw)
		}
		top := r.List[0].(map[string]any)
		if top["company"] != "Fischer Bau GmbH" || top["country"] != "DE" || top["source"] != "web_form" ||
			top["campaign"] != "autumn" || top["utm"].(map[string]any)["medium"] != "cpc" {
			t.Fatalf("best lead: %v", top)
		}
		reasons := fmt.Sprint(top["score_reasons"])
		for _, want := range []string{"gives a company", "business email address", "head of a department", "wrote a message",
			"came from a paid search ad"} {
			if !strings.Contains(reasons, want) {
				t.Fatalf("score reasons %s lack %q", reasons, want)
			}
		}
		// Round robin over the team's three representatives, in order of arrival.
		owners := map[float64]int{}
		for _, l := range r.List {
			owners[l.(map[string]any)["owner_id"].(float64)]++
		}
		if owners[float64(r1.ID)] != 2 || owners[float64(r2.ID)] != 1 || owners[float64(r3.ID)] != 1 {
			t.Fatalf("assignment: %v", owners)
		}
		leadID := int64(top["id"].(float64))
		path := fmt.Sprintf("/leads/%d", leadID)
		wantProblem(t, h.Do("GET", path, usTok, nil), http.StatusNotFound)
		wantProblem(t, h.Do("PATCH", path, t1, map[string]any{"status": "disqualified"}), 422, "status_reason")

		// Lena already is a customer (she bought before): the conversion attaches to her.
		lena := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Lena",
			"last_name": "Fischer", "emails": []map[string]any{{"address": "lena@fischer-bau.example"}}}).ID()
		wantStatus(t, h.Do("PATCH", path, h.AdminToken, map[string]any{"status": "qualified", "estimated_value": 4800000}), http.StatusOK)
		r = h.Do("POST", path+"/convert", h.AdminToken, map[string]any{"create_opportunity": true, "currency": "EUR"})
		wantStatus(t, r, http.StatusOK)
		if r.JSON["person_id"] != float64(lena) || r.JSON["attached_to_existing"] != true || r.JSON["organization_id"] == nil {
			t.Fatalf("conversion: %s", r.Raw)
		}
		opp := r.JSON["opportunity"].(map[string]any)
		if opp["amount"] != float64(4800000) || opp["customer_name"] != "Fischer Bau GmbH" {
			t.Fatalf("opportunity: %v", opp)
		}
		org := int64(r.JSON["organization_id"].(float64))
		if rr := h.Do("GET", fmt.Sprintf("/customers/%d/relationships", lena), h.AdminToken, nil); !containsText(rr.Raw, "works for") ||
			!containsText(rr.Raw, fmt.Sprintf(`"other_customer_id":%d`, org)) {
			t.Fatalf("relationship: %s", rr.Raw)
		}
		wantProblem(t, h.Do("POST", path+"/convert", h.AdminToken, nil), http.StatusConflict)
		r = h.Do("GET", path, h.AdminToken, nil)
		if r.JSON["status"] != "converted" || r.JSON["customer_id"] != float64(lena) || r.JSON["opportunity_id"] == nil {
			t.Fatalf("converted lead: %s", r.Raw)
		}
		if rr := h.Do("GET", "/audit?entity_type=lead&action=convert", h.AdminToken, nil); len(rr.List) != 1 {
			t.Fatalf("conversion not audited: %s", rr.Raw)
		}
		// Erasing the customer also erases the lead she came from.
		wantStatus(t, h.Do("POST", fmt.Sprintf("/customers/%d/erase", lena), h.AdminToken, map[string]any{"reason": "DSR-7"}), http.StatusOK)
		if r := h.Do("GET", path, h.AdminToken, nil); containsText(r.Raw, "Fischer") || containsText(r.Raw, "lena@") {
			t.Fatalf("the lead keeps her data after erasure: %s", r.Raw)
		}
	})
}

func TestImportLeadsFromCSV(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "scrms.db")
	file := filepath.Join(dir, "leads.csv")
	os.WriteFile(file, []byte("Full Name,Company,E-Mail,Country,Value,utm_source\n"+
		"Hana Sato,Sato Trading,hana@sato.example,Japan,1200,fair\n"+
		"Bad Country,,bad@example.com,Atlantis,,\n"+
		",,,,,\n"+
		"Ivo Petrov,,ivo@petrov.example,,abc,\n"), 0o644)
	code, out, errOut := cli(t, db, "", "import", "leads", file)
	if code != 0 || out != "imported=1 updated=0 skipped=0 rejected=3\n" {
		t.Fatalf("import: %d %q %q", code, out, errOut)
	}
	for _, want := range []string{"country: is not a country", "last_name: a lead needs", "estimated_value: is not an amount"} {
		if !strings.Contains(errOut, want) {
			t.Fatalf("rejects lack %q: %s", want, errOut)
		}
	}
	code, out, _ = cli(t, db, "", "import", "leads", file)
	if code != 0 || out != "imported=0 updated=0 skipped=1 rejected=3\n" {
		t.Fatalf("second import: %d %q", code, out)
	}
}

func TestLeadFromInboundEmail(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		msg := "From: =?UTF-8?Q?Jos=C3=A9_Garc=C3=ADa?= <jose@garcia-sl.example>\r\n" +
			"To: sales@example.com\r\nSubject: Quote for 200 chairs\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: multipart/alternative; boundary=b1\r\n\r\n" +
			"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello, we need 200 chairs by May.\r\n" +
			"--b1\r\nContent-Type: text/html\r\n\r\n<p>Hello</p>\r\n--b1--\r\n"
		r := h.Do("POST", "/leads/inbound-email", h.AdminToken, msg, "Content-Type", "message/rfc822")
		wantStatus(t, r, http.StatusCreated)
		if r.JSON["email"] != "jose@garcia-sl.example" || r.JSON["first_name"] != "José" || r.JSON["source"] != "email" ||
			!strings.Contains(r.JSON["message"].(string), "Quote for 200 chairs") ||
			!strings.Contains(r.JSON["message"].(string), "200 chairs by May") {
			t.Fatalf("lead: %s", r.Raw)
		}
		ooo := "From: jose@garcia-sl.example\r\nAuto-Submitted: auto-replied\r\nSubject: Out of office\r\n\r\nAway.\r\n"
		if r := h.Do("POST", "/leads/inbound-email", h.AdminToken, ooo, "Content-Type", "message/rfc822"); r.Status != http.StatusAccepted {
			t.Fatalf("auto-reply: %d %s", r.Status, r.Raw)
		}
		wantProblem(t, h.Do("POST", "/leads/inbound-email", h.AdminToken, "no headers here", "Content-Type", "message/rfc822"), 422)
		if r := h.Do("GET", "/leads", h.AdminToken, nil); len(r.List) != 1 {
			t.Fatalf("leads: %s", r.Raw)
		}
	})
}

func TestLeadRulesAndTerritories(t *testing.T) {
	engines(t, func(t *testing.T, h *apptest.Harness) {
		dach := h.Team("DACH")
		rep, _ := h.User("berlin@example.com", auth.RoleSales, dach)
		_, repTok := h.User("other@example.com", auth.RoleSales, 0)
		wantProblem(t, h.Do("PUT", "/lead-territories/Germany", repTok, map[string]any{"team_id": dach}), http.StatusForbidden)
		r := h.Do("PUT", "/lead-territories/Germany", h.AdminToken, map[string]any{"team_id": dach})
		wantStatus(t, r, http.StatusOK)
		if r.JSON["country"] != "DE" {
			t.Fatalf("territory: %s", r.Raw)
		}
		wantProblem(t, h.Do("PUT", "/lead-scoring", h.AdminToken, []map[string]any{{"kind": "fit", "field": "shoe_size",
			"op": "present", "points": 5, "label": "x"}}), 422, "rules[0].field")
		wantStatus(t, h.Do("PUT", "/lead-scoring", h.AdminToken, []map[string]any{
			{"kind": "fit", "field": "country", "op": "equals", "value": "DE", "points": 40, "label": "in our home market"}}), http.StatusOK)
		// An API lead from Germany (created by an administrator without a team) goes to the DACH team's representative.
		r = h.Do("POST", "/leads", h.AdminToken, map[string]any{"first_name": "Lukas", "company": "Bau AG", "country": "DE", "owner_id": 0})
		wantStatus(t, r, http.StatusCreated)
		if r.JSON["score"] != float64(40) || fmt.Sprint(r.JSON["score_reasons"]) != "[map[kind:fit label:in our home market points:40]]" {
			t.Fatalf("scored by the new rules: %s", r.Raw)
		}
		if r.JSON["team_id"] != float64(dach) {
			t.Fatalf("territory routing: %s", r.Raw)
		}
		_ = rep
	})
}
