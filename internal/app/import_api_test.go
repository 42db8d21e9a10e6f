package app_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/app/apptest"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/store"
)

func multipartBody(t *testing.T, file string, data []byte, fields map[string]string) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, err := w.CreateFormFile("file", file)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

func TestAPIImport(t *testing.T) {
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			h := apptest.New(t, e, apptest.WithJobs)
			_, repTok := h.User("rep@example.com", auth.RoleSales, 0)
			_, otherTok := h.User("other@example.com", auth.RoleSales, 0)
			csv := "Kundennummer,Vorname,Familienname,Mailadresse,Land\n" +
				"k-1,Jonas,Becker,jonas@example.de,Germany\n" +
				"k-2,Lea,Wolf,lea@example,Deutschland\n" +
				"k-3,Mia,Krause,mia@example.de,AT\n" +
				"k-1,Jonas,Becker,jonas@example.de,Germany\n"
			// The German headers do not map themselves: without a mapping the import is refused.
			body, ct := multipartBody(t, "kunden.csv", []byte(csv), nil)
			wantProblem(t, h.Do("POST", "/imports", repTok, body, "Content-Type", ct), 422, "mapping")
			body, ct = multipartBody(t, "kunden.csv", []byte(csv), map[string]string{"mapping": `["external_id","first_name","last_name"]`})
			wantProblem(t, h.Do("POST", "/imports", repTok, body, "Content-Type", ct), 422, "mapping")

			body, ct = multipartBody(t, "kunden.csv", []byte(csv), map[string]string{
				"mapping": "external_id,first_name,last_name,email,country", "match": "external_id"})
			r := h.Do("POST", "/imports", repTok, body, "Content-Type", ct)
			wantStatus(t, r, http.StatusAccepted)
			id := r.ID()
			path := fmt.Sprintf("/imports/%d", id)
			deadline := time.Now().Add(30 * time.Second)
			for {
				r = h.Do("GET", path, repTok, nil)
				wantStatus(t, r, http.StatusOK)
				if r.JSON["status"] == "done" || r.JSON["status"] == "failed" {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the import did not finish: %s", r.Raw)
				}
				time.Sleep(100 * time.Millisecond)
			}
			if r.JSON["status"] != "done" || r.JSON["imported"] != float64(2) || r.JSON["rejected"] != float64(1) ||
				r.JSON["skipped"] != float64(1) || r.JSON["progress"] != float64(1) || r.JSON["rows_done"] != float64(4) {
				t.Fatalf("import: %s", r.Raw)
			}
			r = h.Do("GET", path+"/rejects", repTok, nil)
			wantStatus(t, r, http.StatusOK)
			if !containsText(r.Raw, "3,") || !containsText(r.Raw, "is not a valid email address") {
				t.Fatalf("rejects: %s", r.Raw)
			}
			// Imports belong to whoever started them.
			wantProblem(t, h.Do("GET", path, otherTok, nil), http.StatusNotFound)
			wantStatus(t, h.Do("GET", path, h.AdminToken, nil), http.StatusOK)
			r = h.Do("GET", "/customers?q=k-3", repTok, nil)
			items := r.JSON["items"].([]any)
			if len(items) != 1 || items[0].(map[string]any)["name"] != "Mia Krause" {
				t.Fatalf("imported customer: %s", r.Raw)
			}
			// The importing rep owns what the import created.
			c := h.Do("GET", fmt.Sprintf("/customers/%d", int64(items[0].(map[string]any)["id"].(float64))), repTok, nil)
			if c.JSON["owner_id"] == nil || c.JSON["addresses"].([]any)[0].(map[string]any)["country"] != "AT" {
				t.Fatalf("imported customer: %s", c.Raw)
			}
		})
	}
}
