package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/support"
)

// SurveysPage lists the surveys sent to groups of customers.
type SurveysPage struct {
	Base
	Forms    []support.SurveyForm
	CanAdmin bool
	Errors   map[string]string
	Form     map[string]string // the submitted values, shown again after an error
}

// SurveyResultsPage shows one survey's results.
type SurveyResultsPage struct {
	Base
	Form     support.SurveyForm
	Results  support.FormResults
	CanAdmin bool
}

func (s *site) surveysPage(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	fs, err := s.Support.SurveyForms(r.Context(), a)
	if err != nil {
		return err
	}
	p := SurveysPage{Base: s.pageBase(w, r, a, "Surveys", "service"), Forms: fs, CanAdmin: a.Can(auth.ServiceAdmin),
		Form: map[string]string{"kind": "nps", "every_days": "90", "quiet_days": "90"}}
	p.Help = "surveys"
	return render(w, r, http.StatusOK, surveysPage(p))
}

// parseQuestions reads questions written one per line as
// "type | label | option; option", with "*" after the type for required.
func parseQuestions(text string) ([]support.Question, error) {
	var qs []support.Question
	for n, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		parts := strings.Split(line, "|")
		if len(parts) < 2 {
			return nil, fmt.Errorf("line %d: write type | question, e.g. score5 | How was the staff?", n+1)
		}
		q := support.Question{Type: strings.TrimSpace(parts[0]), Label: strings.TrimSpace(parts[1])}
		if strings.HasSuffix(q.Type, "*") {
			q.Type, q.Required = strings.TrimSpace(strings.TrimSuffix(q.Type, "*")), true
		}
		if len(parts) > 2 {
			for _, o := range strings.Split(parts[2], ";") {
				if o = strings.TrimSpace(o); o != "" {
					q.Options = append(q.Options, o)
				}
			}
		}
		qs = append(qs, q)
	}
	return qs, nil
}

func (s *site) surveyCreate(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	_ = r.ParseForm()
	form := map[string]string{}
	for k := range r.PostForm {
		form[k] = r.PostFormValue(k)
	}
	in := support.SurveyFormInput{Name: form["name"], Kind: form["kind"], Intro: form["intro"],
		Audience: support.Audience{Tag: strings.TrimSpace(form["tag"]), Stage: strings.TrimSpace(form["stage"])}}
	in.EveryDays, _ = strconv.Atoi(form["every_days"])
	quiet, _ := strconv.Atoi(form["quiet_days"])
	in.QuietDays = &quiet
	in.Audience.ListID, _ = strconv.ParseInt(form["list_id"], 10, 64)
	fail := func(errs map[string]string) error {
		fs, err := s.Support.SurveyForms(r.Context(), a)
		if err != nil {
			return err
		}
		p := SurveysPage{Base: s.pageBase(w, r, a, "Surveys", "service"), Forms: fs, CanAdmin: a.Can(auth.ServiceAdmin),
			Errors: errs, Form: form}
		p.Help = "surveys"
		return render(w, r, http.StatusUnprocessableEntity, surveysPage(p))
	}
	qs, err := parseQuestions(form["questions"])
	if err != nil {
		return fail(map[string]string{"questions": err.Error()})
	}
	in.Questions = qs
	f, err := s.Support.CreateSurveyForm(r.Context(), a, in)
	if err != nil {
		errs, _ := fieldErrors(err)
		if errs == nil {
			return err
		}
		return fail(errs)
	}
	return s.redirect(w, r, fmt.Sprintf("/surveys/%d", f.ID), "Survey saved; it is sent at its next run.")
}

func (s *site) surveyResults(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, res, err := s.Support.SurveyFormResults(r.Context(), a, id)
	if err != nil {
		return err
	}
	p := SurveyResultsPage{Base: s.pageBase(w, r, a, f.Name, "service"), Form: f, Results: res,
		CanAdmin: a.Can(auth.ServiceAdmin)}
	p.Help = "surveys"
	return render(w, r, http.StatusOK, surveyResultsPage(p))
}

func (s *site) surveyRun(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	back := fmt.Sprintf("/surveys/%d", id)
	if err := s.Support.RunSurveyForm(r.Context(), a, id); err != nil {
		if _, msg := fieldErrors(err); msg != "" {
			return s.redirect(w, r, back, msg)
		}
		return err
	}
	return s.redirect(w, r, back, "The survey is being sent.")
}

func (s *site) surveyActive(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := s.Support.SurveyFormByID(r.Context(), a, id)
	if err != nil {
		return err
	}
	active := r.PostFormValue("active") == "true"
	in := support.SurveyFormInput{Name: f.Name, Kind: f.Kind, Intro: f.Intro, Questions: f.Questions, Audience: f.Audience,
		EveryDays: f.EveryDays, QuietDays: &f.QuietDays, Active: &active}
	if _, err := s.Support.UpdateSurveyForm(r.Context(), a, id, in); err != nil {
		return err
	}
	return s.redirect(w, r, fmt.Sprintf("/surveys/%d", id), map[bool]string{true: "Survey resumed.", false: "Survey paused."}[active])
}

func (s *site) surveyRoutes(mux *http.ServeMux) {
	mux.Handle("GET /surveys", s.user(s.surveysPage))
	mux.Handle("POST /surveys", s.user(s.surveyCreate))
	mux.Handle("GET /surveys/{id}", s.user(s.surveyResults))
	mux.Handle("POST /surveys/{id}/run", s.user(s.surveyRun))
	mux.Handle("POST /surveys/{id}/active", s.user(s.surveyActive))
}

func audienceText(a support.Audience) string {
	var parts []string
	if a.Tag != "" {
		parts = append(parts, "tag "+a.Tag)
	}
	if a.ListID != 0 {
		parts = append(parts, fmt.Sprintf("list %d", a.ListID))
	}
	if a.Stage != "" {
		parts = append(parts, "stage "+a.Stage)
	}
	if a.Status != "" {
		parts = append(parts, "status "+a.Status)
	}
	if len(parts) == 0 {
		return "all customers with an email address"
	}
	return strings.Join(parts, ", ")
}

func scheduleText(f support.SurveyForm) string {
	switch {
	case !f.Active:
		return "paused"
	case f.EveryDays > 0:
		return fmt.Sprintf("every %d days", f.EveryDays)
	}
	return "once"
}

// barWidth is a bar's length in a chart 300 units wide, for a count
// against the largest count.
func barWidth(n, max int) string {
	if max == 0 {
		return "0"
	}
	return strconv.Itoa(300 * n / max)
}

func maxInt(xs []int) int {
	m := 0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}
