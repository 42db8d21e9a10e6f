package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/store"
)

// A web form sent with a known customer's address starts the journeys
// that begin on a form; an unknown address only makes a lead.
func TestFormSubmissionStartsJourneys(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	form := h.Do("POST", "/lead-forms", h.AdminToken, map[string]any{"name": "Contact us"})
	wantStatus(t, form, http.StatusCreated)
	j := h.Do("POST", "/journeys", h.AdminToken, map[string]any{"name": "Answer the form", "status": "active", "reentry": true,
		"trigger": map[string]any{"event": "form.submitted"}, "steps": []map[string]any{{"type": "tag", "value": "asked"}}})
	wantStatus(t, j, http.StatusCreated)
	known := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Kim",
		"emails": []map[string]any{{"address": "kim@example.com"}}})
	wantStatus(t, known, http.StatusCreated)
	send := func(email string) {
		b, _ := json.Marshal(map[string]any{"name": "Kim Lee", "email": email, "message": "Call me"})
		req, _ := http.NewRequest("POST", h.Server.URL+"/forms/"+form.JSON["key"].(string), bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != http.StatusCreated {
			t.Fatalf("form: %v %v", err, res)
		}
		res.Body.Close()
	}
	send("KIM@example.com")
	send("stranger@example.com")
	if _, err := h.App.Marketing.RunJourneys(context.Background()); err != nil {
		t.Fatal(err)
	}
	runs := h.Do("GET", fmt.Sprintf("/journeys/%d/runs", j.ID()), h.AdminToken, nil)
	wantStatus(t, runs, http.StatusOK)
	if len(runs.List) != 1 || runs.List[0].(map[string]any)["customer_id"] != float64(known.ID()) {
		t.Fatalf("runs: %s", runs.Raw)
	}
	c := h.Do("GET", fmt.Sprintf("/customers/%d", known.ID()), h.AdminToken, nil)
	if fmt.Sprint(c.JSON["tags"]) != "[asked]" {
		t.Fatalf("the journey's step: tags %v", c.JSON["tags"])
	}
}
