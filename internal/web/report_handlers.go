package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/reports"
)

// definitionFrom reads a report definition from a builder form: source,
// group_by, up to three measures (m1..m3 as "count" or "fn:field"), up to
// three filters (f1..f3 field, o1..o3 op, v1..v3 value) and chart.
func definitionFrom(get func(string) string) reports.Definition {
	d := reports.Definition{Source: get("source"), GroupBy: get("group_by"), Chart: get("chart")}
	for _, k := range []string{"m1", "m2", "m3"} {
		v := get(k)
		if v == "" {
			continue
		}
		fn, field, _ := strings.Cut(v, ":")
		d.Measures = append(d.Measures, reports.Measure{Fn: fn, Field: field})
	}
	for i := 1; i <= 3; i++ {
		n := strconv.Itoa(i)
		if f := get("f" + n); f != "" {
			d.Filters = append(d.Filters, reports.Filter{Field: f, Op: get("o" + n), Value: get("v" + n)})
		}
	}
	return d
}

// reportsPage is the report builder: the saved reports, the form, and the
// result of the definition in the query string.
func (s *site) reportsPage(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	q := r.URL.Query()
	p := ReportsPage{Base: s.pageBase(w, r, a, "Reports", "reports"), Sources: reports.Sources}
	var err error
	if p.Saved, err = s.Reports.List(r.Context(), a); err != nil {
		return err
	}
	if q.Get("source") == "" {
		q.Set("source", "orders")
	}
	p.Definition = definitionFrom(q.Get)
	p.Source, _ = reports.SourceNamed(p.Definition.Source)
	if q.Get("run") != "" {
		res, err := s.Reports.Run(r.Context(), a, p.Definition)
		if err != nil {
			p.Error = describeErr(err)
		} else {
			p.Result = &res
		}
	}
	return render(w, r, http.StatusOK, reportsPage(p))
}

// reportSave saves the builder's definition as a report.
func (s *site) reportSave(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	var to []string
	for _, addr := range strings.Split(r.PostFormValue("recipients"), ",") {
		if addr = strings.TrimSpace(addr); addr != "" {
			to = append(to, addr)
		}
	}
	rep, err := s.Reports.Create(r.Context(), a, reports.Input{Name: r.PostFormValue("name"),
		Definition: definitionFrom(r.PostFormValue), Shared: r.PostFormValue("shared") == "1",
		Schedule: r.PostFormValue("schedule"), Recipients: to})
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/reports/"+itoa(rep.ID), "Report saved.")
}

// reportPage runs a saved report.
func (s *site) reportPage(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rep, res, err := s.Reports.RunSaved(r.Context(), a, id)
	if err != nil {
		return err
	}
	return render(w, r, http.StatusOK, reportPage(ReportPage{Base: s.pageBase(w, r, a, rep.Name, "reports"), Report: rep,
		Result: res, Mine: rep.OwnerID == a.UserID}))
}

// reportCSV downloads a saved report's result.
func (s *site) reportCSV(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rep, res, err := s.Reports.RunSaved(r.Context(), a, id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="report-`+itoa(rep.ID)+`.csv"`)
	_, err = w.Write(res.CSV())
	return err
}

// reportDelete deletes a saved report.
func (s *site) reportDelete(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Reports.Delete(r.Context(), a, id); err != nil {
		return err
	}
	return s.redirect(w, r, "/reports", "Report deleted.")
}

// describeErr writes a refused definition's problem for the page; other
// errors are not the user's to read.
func describeErr(err error) string {
	e, ok := fault.As(err)
	if !ok || e.Code == fault.Internal {
		return "The report could not be run."
	}
	msg := e.Message
	for _, f := range e.Fields {
		msg += " " + f.Field + ": " + f.Message + "."
	}
	return msg
}
