package app_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/store"
)

// waitScan polls the scan until it is no longer running.
func waitScan(t *testing.T, h *apptest.Harness) apptest.Response {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		r := h.Do("GET", "/duplicates/scan", h.AdminToken, nil)
		wantStatus(t, r, http.StatusOK)
		if r.JSON["running"] == false {
			if r.JSON["status"] != "done" {
				t.Fatalf("scan ended badly: %s", r.Raw)
			}
			return r
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("the duplicate scan did not finish within a minute")
	return apptest.Response{}
}

func TestDuplicateScanReviewMergeAndUndo(t *testing.T) {
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			h := apptest.New(t, e, apptest.WithJobs)
			_, salesTok := h.User("rep@example.com", auth.RoleSales, 0)
			_, mgrTok := h.User("manager@example.com", auth.RoleManager, 0)
			create := func(body map[string]any) int64 {
				r := h.Do("POST", "/customers", h.AdminToken, body)
				wantStatus(t, r, http.StatusCreated)
				return r.ID()
			}
			maria := create(map[string]any{"kind": "person", "first_name": "Maria", "last_name": "Garcia",
				"emails": []map[string]any{{"address": "maria.garcia@example.com"}}, "tags": []string{"vip"},
				"addresses": []map[string]any{{"line1": "12 Harbour Road", "city": "Leeds", "postal_code": "LS1 4AB", "country": "GB"}}})
			mariaToo := create(map[string]any{"kind": "person", "first_name": "María", "last_name": "García",
				"emails": []map[string]any{{"address": "maria.garcia@example.com"}, {"address": "mg@work.example"}},
				"phones": []map[string]any{{"number": "+44 113 496 0000"}}, "tags": []string{"newsletter"},
				"profile":   map[string]any{"birth_date": "1984-03-02", "language": "es"},
				"addresses": []map[string]any{{"line1": "12 Harbour Rd", "city": "Leeds", "postal_code": "LS1 4AB", "country": "GB"}}})
			john := create(map[string]any{"kind": "person", "first_name": "John", "last_name": "Smith",
				"phones": []map[string]any{{"number": "+44 20 7946 0001"}}, "profile": map[string]any{"birth_date": "1970-01-05"}})
			jon := create(map[string]any{"kind": "person", "first_name": "Jon", "last_name": "Smith",
				"phones": []map[string]any{{"number": "+44 20 7946 0001"}}, "profile": map[string]any{"birth_date": "1970-01-05"}})
			other := create(map[string]any{"kind": "person", "first_name": "Wei", "last_name": "Zhang"})

			// History on the record that will be merged away.
			wantStatus(t, h.Do("POST", fmt.Sprintf("/customers/%d/notes", mariaToo), h.AdminToken,
				map[string]any{"body": "Prefers calls after 6pm"}), http.StatusCreated)
			wantStatus(t, h.Do("POST", "/interactions", h.AdminToken, map[string]any{"customer_id": mariaToo,
				"channel": "email", "direction": "inbound", "body": "Asked for a catalogue."}), http.StatusCreated)
			wantStatus(t, h.Do("POST", fmt.Sprintf("/customers/%d/consents", mariaToo), h.AdminToken,
				map[string]any{"purpose": "marketing", "channel": "email", "status": "granted", "source": "web_form",
					"proof": "Tick box on the sign-up form"}), http.StatusCreated)
			wantStatus(t, h.Do("POST", fmt.Sprintf("/customers/%d/relationships", mariaToo), h.AdminToken,
				map[string]any{"kind": "spouse", "other_customer_id": other}), http.StatusCreated)
			// A relationship between the two would link the survivor to itself: it is dropped, and restored on undo.
			wantStatus(t, h.Do("POST", fmt.Sprintf("/customers/%d/relationships", maria), h.AdminToken,
				map[string]any{"kind": "sibling", "other_customer_id": mariaToo}), http.StatusCreated)

			// Only roles with the merge permission reach the queue.
			wantProblem(t, h.Do("POST", "/duplicates/scan", salesTok, nil), http.StatusForbidden)
			wantProblem(t, h.Do("GET", "/duplicates", salesTok, nil), http.StatusForbidden)

			r := h.Do("POST", "/duplicates/scan", mgrTok, nil)
			wantStatus(t, r, http.StatusAccepted)
			if r.JSON["running"] != true {
				t.Fatalf("a requested scan is not running: %s", r.Raw)
			}
			r = waitScan(t, h)
			if r.JSON["customers_scanned"] != float64(5) || r.JSON["new_pairs"] != float64(2) {
				t.Fatalf("scan: %s", r.Raw)
			}

			// The shared email is a data-quality issue.
			r = h.Do("GET", "/data-quality/issues", mgrTok, nil)
			if !containsText(r.Raw, "shared_email") || !containsText(r.Raw, "maria.garcia@example.com") {
				t.Fatalf("issues: %s", r.Raw)
			}

			r = h.Do("GET", "/duplicates?status=open", mgrTok, nil)
			wantStatus(t, r, http.StatusOK)
			items := r.JSON["items"].([]any)
			if len(items) != 2 || r.JSON["total"] != float64(2) {
				t.Fatalf("queue: %s", r.Raw)
			}
			pairOf := map[[2]int64]int64{}
			for _, it := range items {
				p := it.(map[string]any)
				ids := p["customer_ids"].([]any)
				pairOf[[2]int64{int64(ids[0].(float64)), int64(ids[1].(float64))}] = int64(p["id"].(float64))
				if len(p["reasons"].([]any)) == 0 || len(p["customers"].([]any)) != 2 {
					t.Fatalf("pair without reasons or customers: %v", p)
				}
			}
			mariaPair, smithPair := pairOf[[2]int64{maria, mariaToo}], pairOf[[2]int64{john, jon}]
			if mariaPair == 0 || smithPair == 0 {
				t.Fatalf("expected pairs %d–%d and %d–%d: %s", maria, mariaToo, john, jon, r.Raw)
			}

			// "Not duplicates" is remembered by later scans.
			wantStatus(t, h.Do("POST", fmt.Sprintf("/duplicates/%d/dismiss", smithPair), mgrTok, nil), http.StatusNoContent)
			wantProblem(t, h.Do("POST", fmt.Sprintf("/duplicates/%d/dismiss", smithPair), mgrTok, nil), http.StatusConflict)

			// The other record's loyalty membership follows the merge.
			prog := h.Do("POST", "/loyalty/programs", h.AdminToken, map[string]any{"name": "Club"})
			wantStatus(t, prog, http.StatusCreated)
			wantStatus(t, h.Do("POST", "/loyalty/members", h.AdminToken, map[string]any{"customer_id": mariaToo,
				"program_id": prog.ID()}), http.StatusCreated)
			memberships := func(id int64) int {
				r := h.Do("GET", fmt.Sprintf("/customers/%d/loyalty", id), h.AdminToken, nil)
				wantStatus(t, r, http.StatusOK)
				return len(r.List)
			}

			// Merge: Maria survives, keeping the other record's language and birth date.
			wantProblem(t, h.Do("POST", fmt.Sprintf("/duplicates/%d/merge", mariaPair), mgrTok,
				map[string]any{"survivor_id": other}), 422, "survivor_id")
			wantProblem(t, h.Do("POST", fmt.Sprintf("/duplicates/%d/merge", mariaPair), mgrTok,
				map[string]any{"keep": map[string]any{"shoe_size": mariaToo}}), 422, "keep.shoe_size")
			r = h.Do("POST", fmt.Sprintf("/duplicates/%d/merge", mariaPair), mgrTok,
				map[string]any{"survivor_id": maria, "keep": map[string]any{"language": mariaToo}})
			wantStatus(t, r, http.StatusOK)
			mergeID := r.ID()
			moved := r.JSON["moved"].(map[string]any)
			if moved["notes"] != float64(1) || moved["interactions"] != float64(1) || moved["consent_events"] != float64(1) ||
				moved["relationships"] != float64(1) {
				t.Fatalf("merge moved: %s", r.Raw)
			}
			r = h.Do("GET", fmt.Sprintf("/customers/%d", maria), mgrTok, nil)
			wantStatus(t, r, http.StatusOK)
			emails := []string{}
			for _, e := range r.JSON["emails"].([]any) {
				emails = append(emails, e.(map[string]any)["address"].(string))
			}
			prof := r.JSON["profile"].(map[string]any)
			if !slices.Equal(emails, []string{"maria.garcia@example.com", "mg@work.example"}) ||
				len(r.JSON["phones"].([]any)) != 1 || len(r.JSON["addresses"].([]any)) != 2 ||
				prof["language"] != "es" || prof["birth_date"] != "1984-03-02" || len(r.JSON["tags"].([]any)) != 2 {
				t.Fatalf("survivor after merge: %s", r.Raw)
			}
			r = h.Do("GET", fmt.Sprintf("/customers/%d/timeline", maria), mgrTok, nil)
			if !containsText(r.Raw, "Prefers calls after 6pm") || !containsText(r.Raw, "Asked for a catalogue.") {
				t.Fatalf("survivor's timeline lacks the moved history: %s", r.Raw)
			}
			r = h.Do("GET", fmt.Sprintf("/customers/%d/consents", maria), mgrTok, nil)
			if len(r.JSON["current"].([]any)) != 1 {
				t.Fatalf("survivor's consents: %s", r.Raw)
			}
			r = h.Do("GET", fmt.Sprintf("/customers/%d/relationships", other), mgrTok, nil)
			if !containsText(r.Raw, fmt.Sprintf(`"other_customer_id":%d`, maria)) {
				t.Fatalf("the spouse now points at the survivor: %s", r.Raw)
			}
			r = h.Do("GET", fmt.Sprintf("/customers/%d", mariaToo), mgrTok, nil)
			if r.JSON["deleted_at"] == nil {
				t.Fatalf("the merged record is not in the bin: %s", r.Raw)
			}
			wantProblem(t, h.Do("POST", fmt.Sprintf("/duplicates/%d/merge", mariaPair), mgrTok, nil), http.StatusConflict)

			// A second scan proposes neither the dismissed nor the merged pair again.
			wantStatus(t, h.Do("POST", "/duplicates/scan", mgrTok, nil), http.StatusAccepted)
			r = waitScan(t, h)
			if r.JSON["new_pairs"] != float64(0) || r.JSON["customers_scanned"] != float64(4) {
				t.Fatalf("rescan: %s", r.Raw)
			}
			if r := h.Do("GET", "/data-quality/issues", mgrTok, nil); containsText(r.Raw, "shared_email") {
				t.Fatalf("the shared email is resolved by the merge: %s", r.Raw)
			}
			r = h.Do("GET", "/duplicates?status=open", mgrTok, nil)
			if len(r.JSON["items"].([]any)) != 0 {
				t.Fatalf("open pairs after review: %s", r.Raw)
			}

			// The administrators and managers were told about the first scan's findings.
			r = h.Do("GET", "/notifications", mgrTok, nil)
			wantStatus(t, r, http.StatusOK)
			if r.JSON["unread"] != float64(1) || !containsText(r.Raw, "2 new possible duplicates") {
				t.Fatalf("manager's notifications: %s", r.Raw)
			}
			nid := int64(r.JSON["items"].([]any)[0].(map[string]any)["id"].(float64))
			wantProblem(t, h.Do("POST", fmt.Sprintf("/notifications/%d/read", nid), salesTok, nil), http.StatusNotFound)
			wantStatus(t, h.Do("POST", fmt.Sprintf("/notifications/%d/read", nid), mgrTok, nil), http.StatusNoContent)
			if r := h.Do("GET", "/notifications", mgrTok, nil); r.JSON["unread"] != float64(0) {
				t.Fatalf("after reading: %s", r.Raw)
			}
			if r := h.Do("GET", "/notifications", salesTok, nil); len(r.JSON["items"].([]any)) != 0 {
				t.Fatalf("a sales rep got data-quality notifications: %s", r.Raw)
			}

			if memberships(maria) != 1 {
				t.Fatal("the loyalty membership did not follow the merge")
			}

			// Undo: both records as they were, the history back where it was.
			r = h.Do("POST", fmt.Sprintf("/merges/%d/undo", mergeID), mgrTok, nil)
			wantStatus(t, r, http.StatusOK)
			wantProblem(t, h.Do("POST", fmt.Sprintf("/merges/%d/undo", mergeID), mgrTok, nil), http.StatusConflict)
			r = h.Do("GET", fmt.Sprintf("/customers/%d", maria), mgrTok, nil)
			if len(r.JSON["emails"].([]any)) != 1 || len(r.JSON["phones"].([]any)) != 0 ||
				r.JSON["profile"].(map[string]any)["language"] != nil && r.JSON["profile"].(map[string]any)["language"] != "" {
				t.Fatalf("survivor after undo: %s", r.Raw)
			}
			r = h.Do("GET", fmt.Sprintf("/customers/%d", mariaToo), mgrTok, nil)
			if r.JSON["deleted_at"] != nil || len(r.JSON["emails"].([]any)) != 2 {
				t.Fatalf("merged record after undo: %s", r.Raw)
			}
			if memberships(maria) != 0 || memberships(mariaToo) != 1 {
				t.Fatal("the loyalty membership did not go back with the undo")
			}
			r = h.Do("GET", fmt.Sprintf("/customers/%d/timeline", mariaToo), mgrTok, nil)
			if !containsText(r.Raw, "Prefers calls after 6pm") || !containsText(r.Raw, "Asked for a catalogue.") {
				t.Fatalf("history did not come back: %s", r.Raw)
			}
			r = h.Do("GET", fmt.Sprintf("/customers/%d/relationships", mariaToo), mgrTok, nil)
			if !containsText(r.Raw, fmt.Sprintf(`"other_customer_id":%d`, other)) ||
				!containsText(r.Raw, fmt.Sprintf(`"other_customer_id":%d`, maria)) {
				t.Fatalf("relationships after undo: %s", r.Raw)
			}
			r = h.Do("GET", "/duplicates?status=open", mgrTok, nil)
			if len(r.JSON["items"].([]any)) != 1 {
				t.Fatalf("the merged pair is open again after undo: %s", r.Raw)
			}

			// Every step is in the audit log.
			r = h.Do("GET", "/audit?limit=100", h.AdminToken, nil)
			for _, action := range []string{`"merge"`, `"unmerge"`, `"dismiss"`} {
				if !containsText(r.Raw, action) {
					t.Fatalf("audit lacks %s", action)
				}
			}
		})
	}
}

func containsText(raw []byte, s string) bool { return strings.Contains(string(raw), s) }

func TestDuplicateThresholdIsTunable(t *testing.T) {
	h := apptest.New(t, store.SQLite)
	_, mgrTok := h.User("manager@example.com", auth.RoleManager, 0)
	for _, first := range []string{"John", "Jon"} {
		h.Do("POST", "/customers", h.AdminToken, map[string]any{"kind": "person", "first_name": first, "last_name": "Smith",
			"phones": []map[string]any{{"number": "+44 20 7946 0001"}}})
	}
	scan := func() int {
		t.Helper()
		sys := auth.System("test")
		sc, _, err := h.App.Customers.RequestDuplicateScan(t.Context(), sys)
		if err != nil {
			t.Fatal(err)
		}
		if sc, err = h.App.Customers.RunDuplicateScan(t.Context(), sc.ID); err != nil {
			t.Fatal(err)
		}
		return sc.Found
	}
	if r := h.Do("GET", "/settings/duplicates", mgrTok, nil); r.JSON["threshold"] != 9.0 {
		t.Fatalf("default threshold: %s", r.Raw)
	}
	if n := scan(); n != 1 {
		t.Fatalf("default threshold found %d pairs", n)
	}
	wantProblem(t, h.Do("PUT", "/settings/duplicates", mgrTok, map[string]any{"threshold": 25}), http.StatusForbidden)
	wantStatus(t, h.Do("PUT", "/settings/duplicates", h.AdminToken, map[string]any{"threshold": 25}), http.StatusOK)
	if n := scan(); n != 0 {
		t.Fatalf("threshold 25 found %d pairs", n)
	}
}
