package app_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/store"
)

func postForm(t *testing.T, c *http.Client, u string, v url.Values) (int, string) {
	t.Helper()
	res, err := c.PostForm(u, v)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestNewCustomerFormWarnsOfLikelyDuplicates(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	north, south := h.Team("North"), h.Team("South")
	_, nTok := h.User("north@example.com", auth.RoleSales, north)
	h.User("south@example.com", auth.RoleSales, south)
	h.Do("POST", "/customers", nTok, map[string]any{"kind": "person", "first_name": "Ada", "last_name": "Lovelace",
		"emails": []map[string]any{{"address": "ada@example.com"}}, "phones": []map[string]any{{"number": "+44 20 7946 0001"}},
		"addresses": []map[string]any{{"line1": "12 St James's Square", "city": "London", "postal_code": "SW1Y 4LB", "country": "GB"}}})
	count := func() int {
		r := h.Do("GET", "/customers?q=lovel", h.AdminToken, nil)
		return len(r.JSON["items"].([]any))
	}
	form := url.Values{"kind": {"person"}, "first_name": {"Ada"}, "last_name": {"Lovelace"},
		"email": {"ADA@example.com", ""}, "email_label": {"", ""}, "phone": {"", ""}, "phone_label": {"", ""},
		"addr_line1": {""}, "addr_city": {""}, "addr_postal": {""}, "addr_country": {""}, "addr_label": {""},
		"addr_line2": {""}, "addr_region": {""}, "lifecycle_stage": {"lead"}, "status": {"active"}}

	north1 := signIn(t, h, "north@example.com", "long enough password")
	status, body := postForm(t, north1, h.Server.URL+"/customers", form)
	if status != http.StatusConflict || !strings.Contains(body, "may already exist") || !strings.Contains(body, "same email") {
		t.Fatalf("no warning for a likely duplicate: %d", status)
	}
	if count() != 1 {
		t.Fatal("the warned-about customer was saved")
	}
	// A respelt name at the same address is caught too.
	respelt := url.Values{}
	for k, v := range form {
		respelt[k] = v
	}
	respelt.Set("last_name", "Lovelance")
	respelt["email"] = []string{"", ""}
	respelt["addr_line1"] = []string{"12 St James's Square"}
	respelt["addr_city"] = []string{"London"}
	respelt["addr_postal"] = []string{"SW1Y 4LB"}
	respelt["addr_country"] = []string{"GB"}
	if status, _ := postForm(t, north1, h.Server.URL+"/customers", respelt); status != http.StatusConflict {
		t.Fatalf("respelt name at the same address: %d, want a warning", status)
	}
	form.Set("confirm_new", "1")
	if status, _ := postForm(t, north1, h.Server.URL+"/customers", form); status != http.StatusSeeOther {
		t.Fatalf("save anyway: %d", status)
	}
	if count() != 2 {
		t.Fatal("save anyway did not save")
	}
	// Someone else entirely is saved at once.
	other := url.Values{}
	for k, v := range form {
		other[k] = v
	}
	other.Del("confirm_new")
	other.Set("first_name", "Grace")
	other.Set("last_name", "Hopper")
	other["email"] = []string{"grace@navy.example", ""}
	if status, _ := postForm(t, north1, h.Server.URL+"/customers", other); status != http.StatusSeeOther {
		t.Fatalf("a different person: %d", status)
	}
	// Another team's customers are not revealed by the warning.
	south1 := signIn(t, h, "south@example.com", "long enough password")
	form.Del("confirm_new")
	status, body = postForm(t, south1, h.Server.URL+"/customers", form)
	if status != http.StatusSeeOther || strings.Contains(body, "Lovelace") {
		t.Fatalf("south was warned about north's customers: %d", status)
	}
}
