package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/sales"
)

// DealsPage is the list view of opportunities with filters and inline edit.
type DealsPage struct {
	Base
	Deals     []sales.Opportunity
	Pipelines []sales.Pipeline
	F         sales.Filter
	Mine      bool
	CanWrite  bool
}

func (p DealsPage) stageName(pipelineID, stageID int64) string {
	for _, pl := range p.Pipelines {
		if pl.ID == pipelineID {
			if st, ok := pl.Stage(stageID); ok {
				return st.Name
			}
		}
	}
	return ""
}

func (s *site) dealsPage(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	q := r.URL.Query()
	f := sales.Filter{PipelineID: formID(q.Get("pipeline")), StageID: formID(q.Get("stage")), Open: q.Get("all") != "1",
		Limit: 500}
	mine := q.Get("owner") == "me"
	if mine {
		f.OwnerID = a.UserID
	}
	deals, err := s.Sales.List(r.Context(), a, f)
	if err != nil {
		return err
	}
	ps, err := s.Sales.Pipelines(r.Context(), a)
	if err != nil {
		return err
	}
	p := DealsPage{Base: s.pageBase(w, r, a, "Deals", "sales"), Deals: deals, Pipelines: ps, F: f, Mine: mine,
		CanWrite: a.Can(auth.SalesWrite)}
	p.Help = "sales"
	return render(w, r, http.StatusOK, dealsPage(p))
}

// dealEdit saves the inline edit of a row of the list.
func (s *site) dealEdit(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in sales.Input
	if v := strings.TrimSpace(r.PostFormValue("amount")); v != "" {
		f, perr := strconv.ParseFloat(strings.ReplaceAll(v, ",", ""), 64)
		if perr != nil || f < 0 {
			return s.redirect(w, r, "/opportunities?"+r.URL.RawQuery, "Not saved: the amount is not a number.")
		}
		amount := int64(f*100 + 0.5)
		in.Amount = &amount
	}
	closeDate, next := r.PostFormValue("expected_close"), r.PostFormValue("next_step")
	in.ExpectedClose, in.NextStep = &closeDate, &next
	if st := formID(r.PostFormValue("stage_id")); st != 0 {
		in.StageID = &st
	}
	back := "/opportunities"
	if ref := r.PostFormValue("back"); strings.HasPrefix(ref, "/opportunities") {
		back = ref
	}
	if _, err := s.Sales.UpdateOpportunity(r.Context(), a, id, in); err != nil {
		if _, msg := fieldErrors(err); msg != "" {
			return s.redirect(w, r, back, "Not saved: "+fieldText(err))
		}
		return err
	}
	return s.redirect(w, r, back, "Saved.")
}

// strings2 shows an amount for editing without thousands separators.
func strings2(s string) string { return strings.ReplaceAll(s, ",", "") }
