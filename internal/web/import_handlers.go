package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
)

// ImportQueue runs imports in the background.
type ImportQueue interface {
	EnqueueImport(ctx context.Context, importID int64) error
}

// maxUploadBytes bounds a file uploaded in the browser; larger files are
// imported on the server with scrms import customers.
const maxUploadBytes = 512 << 20

// ImportPage is the upload form, the mapping of an uploaded file, or the
// progress and report of a running or finished import.
type ImportPage struct {
	Base
	Job     customer.ImportJob
	Mapping []string
	Rows    [][]string
	Rejects []customer.Rejection
	Error   string
}

// column returns the preview values of column i.
func (p ImportPage) column(i int) string {
	var vs []string
	for _, r := range p.Rows {
		if i < len(r) && strings.TrimSpace(r[i]) != "" {
			vs = append(vs, r[i])
		}
	}
	return strings.Join(vs, " · ")
}

func (s *site) importNew(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	if err := a.Require(auth.CustomerCreate); err != nil {
		return err
	}
	p := ImportPage{Base: s.pageBase(w, r, a, "Import customers", "customers")}
	p.Help = "customers"
	return render(w, r, http.StatusOK, importUploadPage(p))
}

func (s *site) importUpload(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxUploadBytes)
	f, hdr, err := r.FormFile("file")
	if err != nil {
		p := ImportPage{Base: s.base(r, a, "Import customers", "customers"),
			Error: "Choose a CSV file (at most 512 MB; larger files are imported with scrms import customers)."}
		return render(w, r, http.StatusUnprocessableEntity, importUploadPage(p))
	}
	defer f.Close()
	j, err := s.Customers.UploadImport(r.Context(), a, hdr.Filename, f)
	if err != nil {
		if _, msg := fieldErrors(err); msg != "" {
			p := ImportPage{Base: s.base(r, a, "Import customers", "customers"), Error: msg}
			return render(w, r, http.StatusUnprocessableEntity, importUploadPage(p))
		}
		return err
	}
	return s.redirect(w, r, "/imports/"+itoa(j.ID), "")
}

func (s *site) importPage(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	j, err := s.Customers.Import(r.Context(), a, id)
	if err != nil {
		return err
	}
	p := ImportPage{Base: s.pageBase(w, r, a, "Import of "+j.FileName, "customers"), Job: j}
	p.Help = "customers"
	if j.Status == "draft" {
		if p.Job, p.Mapping, p.Rows, err = s.Customers.ImportPreview(r.Context(), a, id, 5); err != nil {
			return err
		}
		return render(w, r, http.StatusOK, importMappingPage(p))
	}
	if p.Rejects, err = s.Customers.ImportRejects(r.Context(), a, id, 0, 20); err != nil {
		return err
	}
	return render(w, r, http.StatusOK, importProgressPage(p))
}

func (s *site) importStart(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	j, err := s.Customers.ConfigureImport(r.Context(), a, id, r.PostForm["map"], r.PostFormValue("match"),
		r.PostFormValue("on_match"))
	if err != nil {
		if _, msg := fieldErrors(err); msg != "" {
			return s.redirect(w, r, "/imports/"+itoa(id), msg+" "+fieldText(err))
		}
		return err
	}
	if err := s.Imports.EnqueueImport(r.Context(), j.ID); err != nil {
		return err
	}
	return s.redirect(w, r, "/imports/"+itoa(id), "")
}

// importStatus is what the progress page's live updates carry.
type importStatus struct {
	Status   string  `json:"status"`
	Progress float64 `json:"progress"`
	Rows     int     `json:"rows"`
	Imported int     `json:"imported"`
	Updated  int     `json:"updated"`
	Skipped  int     `json:"skipped"`
	Rejected int     `json:"rejected"`
	Error    string  `json:"error,omitempty"`
}

// importEvents streams an import's progress as server-sent events until it
// ends (or the browser goes away).
func (s *site) importEvents(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	if foreignOrigin(r) {
		return fault.New(fault.Forbidden, "Event streams are for SCRMS's own pages.")
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.Customers.Import(r.Context(), a, id); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	tick := time.NewTicker(400 * time.Millisecond)
	defer tick.Stop()
	last := ""
	for {
		j, err := s.Customers.Import(r.Context(), a, id)
		if err != nil {
			return nil // the stream has started; the browser retries
		}
		b, _ := json.Marshal(importStatus{Status: j.Status, Progress: j.Progress(), Rows: j.RowsDone, Imported: j.Imported,
			Updated: j.Updated, Skipped: j.Skipped, Rejected: j.Rejected, Error: j.Error})
		if string(b) != last {
			last = string(b)
			if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
				return nil
			}
			if err := rc.Flush(); err != nil {
				return nil
			}
		}
		if !j.Running() {
			return nil
		}
		select {
		case <-r.Context().Done():
			return nil
		case <-tick.C:
		}
	}
}

func (s *site) importRejects(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	j, err := s.Customers.Import(r.Context(), a, id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="import-%d-rejected.csv"`, j.ID))
	fmt.Fprintln(w, "line,reason,row")
	for after := 0; ; {
		page, err := s.Customers.ImportRejects(r.Context(), a, id, after, 5000)
		if err != nil {
			return nil
		}
		for _, rj := range page {
			fmt.Fprintf(w, "%d,%s,%s\n", rj.Line, csvField(rj.Reason), csvField(strings.Join(rj.Record, ",")))
			after = rj.Line
		}
		if len(page) < 5000 {
			return nil
		}
	}
}

// csvField quotes a value for CSV and defuses spreadsheet formulas.
func csvField(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		v = "'" + v
	}
	if strings.ContainsAny(v, ",\"\n\r") {
		return `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
	}
	return v
}
