package app_test

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/store"
)

// browserClient is an HTTP client with cookies that does not follow redirects.
func browserClient(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func signIn(t *testing.T, h *apptest.Harness, email, password string) *http.Client {
	t.Helper()
	c := browserClient(t)
	res, err := c.PostForm(h.Server.URL+"/login", url.Values{"email": {email}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %d", email, res.StatusCode)
	}
	return c
}

func get(t *testing.T, c *http.Client, u string) (int, string, http.Header) {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

func TestWebSessionCookieAndHeaders(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	c := browserClient(t)
	res, err := c.PostForm(h.Server.URL+"/login", url.Values{"email": {"admin@example.com"}, "password": {"correct horse battery"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var session *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == "scrms_session" {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie %+v", session)
	}
	status, body, hdr := get(t, c, h.Server.URL+"/customers")
	if status != 200 || !strings.Contains(body, "<h1>") {
		t.Fatalf("customers page %d", status)
	}
	csp := hdr.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("CSP %q", csp)
	}
	if hdr.Get("X-Content-Type-Options") != "nosniff" || hdr.Get("X-Frame-Options") != "DENY" {
		t.Fatalf("security headers %v", hdr)
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, "onclick=") {
		t.Fatalf("page has inline script")
	}
	// Sign-out ends the session on the server, not only the cookie.
	res, err = c.PostForm(h.Server.URL+"/logout", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	replay := browserClient(t)
	u, _ := url.Parse(h.Server.URL)
	replay.Jar.SetCookies(u, []*http.Cookie{{Name: "scrms_session", Value: session.Value}})
	if status, _, hdr := get(t, replay, h.Server.URL+"/customers"); status != http.StatusSeeOther ||
		!strings.HasPrefix(hdr.Get("Location"), "/login") {
		t.Fatalf("old session after sign-out: %d %s", status, hdr.Get("Location"))
	}
}

func TestWebRefusesCrossSiteForms(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	c := signIn(t, h, "admin@example.com", "correct horse battery")
	req, _ := http.NewRequest("POST", h.Server.URL+"/customers", strings.NewReader("kind=person&last_name=Forged"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site post answered %d", res.StatusCode)
	}
	r := h.Do("GET", "/customers?q=forged", h.AdminToken, nil)
	if n := len(r.JSON["items"].([]any)); n != 0 {
		t.Fatalf("the forged form created %d customers", n)
	}
	if status, _, _ := get(t, c, h.Server.URL+"/logout"); status != http.StatusMethodNotAllowed {
		t.Fatalf("GET /logout answered %d; sign-out must need a POST", status)
	}
}

func TestWebEscapesStoredInput(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	evil := `<script>alert(1)</script>`
	r := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": evil,
		"last_name": `"><img src=x onerror=alert(2)>`, "tags": []string{"<b>x</b>"}})
	id := r.ID()
	h.Do("POST", "/customers/"+itoa(id)+"/notes", h.AdminToken, map[string]any{"body": `<iframe src="javascript:alert(3)">`})
	c := signIn(t, h, "admin@example.com", "correct horse battery")
	for _, path := range []string{"/customers", "/customers/" + itoa(id), "/", "/admin/audit", "/customers/" + itoa(id) + "/edit"} {
		_, body, _ := get(t, c, h.Server.URL+path)
		if path != "/admin/audit" && !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s does not show the name, escaped", path)
		}
		for _, bad := range []string{"<script>alert", "<img src=x", "<iframe", "<b>x</b>"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s renders %q unescaped", path, bad)
			}
		}
	}
}

func TestWebCSVExportIsInertAndAudited(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "organization", "name": "=HYPERLINK(\"http://evil.example\")"})
	h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "last_name": "Plain"})
	c := signIn(t, h, "admin@example.com", "correct horse battery")
	status, body, hdr := get(t, c, h.Server.URL+"/customers/export.csv")
	if status != 200 || !strings.HasPrefix(hdr.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export %d %v", status, hdr)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("export has %d rows, want header + 2", len(rows))
	}
	for _, row := range rows[1:] {
		if strings.HasPrefix(row[2], "=") {
			t.Fatalf("formula left live: %q", row[2])
		}
	}
	audit := h.Do("GET", "/audit?action=export", h.AdminToken, nil)
	if len(audit.List) != 1 {
		t.Fatalf("exports audited: %d", len(audit.List))
	}
	h.User("ro@example.com", auth.RoleReadOnly, 0)
	ro := signIn(t, h, "ro@example.com", "long enough password")
	if status, _, _ := get(t, ro, h.Server.URL+"/customers/export.csv"); status != http.StatusForbidden {
		t.Fatalf("read-only export answered %d", status)
	}
}

func TestWebInviteFlow(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	team := h.Team("North")
	c := signIn(t, h, "admin@example.com", "correct horse battery")
	res, err := c.PostForm(h.Server.URL+"/admin/invites", url.Values{"email": {"sam@example.com"}, "role": {"sales"},
		"team_id": {itoa(team)}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	i := strings.Index(string(b), "/invite/")
	if res.StatusCode != 200 || i < 0 {
		t.Fatalf("invite page %d has no link", res.StatusCode)
	}
	link := string(b[i : i+strings.IndexByte(string(b[i:]), '<')])
	sam := browserClient(t)
	if status, body, _ := get(t, sam, h.Server.URL+link); status != 200 || !strings.Contains(body, "sam@example.com") {
		t.Fatalf("invite page %d", status)
	}
	res, err = sam.PostForm(h.Server.URL+link, url.Values{"name": {"Sam Seller"}, "password": {"sams own password"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept invite: %d", res.StatusCode)
	}
	if status, body, _ := get(t, sam, h.Server.URL+"/"); status != 200 || !strings.Contains(body, "Sam Seller") {
		t.Fatalf("Sam not signed in after accepting: %d", status)
	}
	if status, _, _ := get(t, sam, h.Server.URL+"/admin/users"); status != http.StatusForbidden {
		t.Fatalf("sales user reached the admin page: %d", status)
	}
	if status, _, _ := get(t, browserClient(t), h.Server.URL+link); status != http.StatusNotFound {
		t.Fatalf("used invite link answered %d", status)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestWebPinAndUnpinANote(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	id := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "last_name": "Pinned"}).ID()
	note := h.Do("POST", "/customers/"+itoa(id)+"/notes", h.AdminToken, map[string]any{"body": "Call back on Friday"}).ID()
	c := signIn(t, h, "admin@example.com", "correct horse battery")
	title := func() string {
		r := h.Do("GET", "/customers/"+itoa(id)+"/timeline?kind=note", h.AdminToken, nil)
		return r.JSON["items"].([]any)[0].(map[string]any)["title"].(string)
	}
	for _, want := range []string{"Pinned note", "Note"} {
		if status, _ := postForm(t, c, h.Server.URL+"/customers/"+itoa(id)+"/notes/"+itoa(note)+"/pin", nil); status != http.StatusSeeOther {
			t.Fatalf("pin: %d", status)
		}
		if got := title(); got != want {
			t.Fatalf("after toggling: %q, want %q", got, want)
		}
	}
	if status, _ := postForm(t, c, h.Server.URL+"/customers/"+itoa(id)+"/notes/999/pin", nil); status != http.StatusNotFound {
		t.Fatalf("pin of a missing note: %d", status)
	}
}

func TestWebCustomerDataExport(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	id := h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": "Zofia", "last_name": "Nowak",
		"emails": []map[string]any{{"address": "zofia@example.pl"}}}).ID()
	h.Do("POST", "/customers/"+itoa(id)+"/notes", h.AdminToken, map[string]any{"body": "Prefers Polish"})
	c := signIn(t, h, "admin@example.com", "correct horse battery")
	status, body, hdr := get(t, c, h.Server.URL+"/customers/"+itoa(id)+"/export.json")
	if status != 200 || !strings.Contains(hdr.Get("Content-Disposition"), "customer-"+itoa(id)+".json") {
		t.Fatalf("export %d %v", status, hdr)
	}
	var x struct {
		Customer struct{ Emails []struct{ Address string } }
		Notes    []struct{ Body string }
	}
	if err := json.Unmarshal([]byte(body), &x); err != nil || len(x.Customer.Emails) != 1 ||
		x.Customer.Emails[0].Address != "zofia@example.pl" || len(x.Notes) != 1 {
		t.Fatalf("export: %v %s", err, body)
	}
	if a := h.Do("GET", "/audit?action=export&customer_id="+itoa(id), h.AdminToken, nil); len(a.List) != 1 {
		t.Fatalf("export not audited: %s", a.Raw)
	}
	h.User("rep@example.com", auth.RoleReadOnly, 0)
	ro := signIn(t, h, "rep@example.com", "long enough password")
	if status, _, _ := get(t, ro, h.Server.URL+"/customers/"+itoa(id)+"/export.json"); status != http.StatusForbidden {
		t.Fatalf("read-only data export answered %d", status)
	}
}
