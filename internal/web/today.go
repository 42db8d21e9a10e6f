package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/sales"
)

// TodayPage is a representative's day.
type TodayPage struct {
	Base
	Day      sales.MyDay
	Targets  []sales.Target
	Now      time.Time
	CanWrite bool
}

func (s *site) todayPage(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	d, err := s.Activities.Day(r.Context(), a, time.UTC)
	if err != nil {
		return err
	}
	p := TodayPage{Base: s.pageBase(w, r, a, "My day", "sales"), Day: d, Now: time.Now(), CanWrite: a.Can(auth.SalesWrite)}
	ts, err := s.Targets.Current(r.Context(), a)
	if err != nil {
		return err
	}
	for _, t := range ts {
		if t.UserID == a.UserID {
			p.Targets = append(p.Targets, t)
		}
	}
	p.Help = "today"
	return render(w, r, http.StatusOK, todayPage(p))
}

func (s *site) activityCreate(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	kind, subject := r.PostFormValue("kind"), r.PostFormValue("subject")
	in := sales.ActivityInput{Kind: &kind, Subject: &subject}
	if v := strings.TrimSpace(r.PostFormValue("due")); v != "" {
		due, err := time.Parse("2006-01-02T15:04", v)
		if err != nil {
			return s.redirect(w, r, "/today", "The activity was not added: the due time is not a date and time.")
		}
		in.DueAt = &due
		if r.PostFormValue("remind") == "1" {
			remind := due.Add(-15 * time.Minute)
			in.RemindAt = &remind
		}
	}
	if c := formID(strings.TrimPrefix(strings.TrimSpace(r.PostFormValue("customer")), "#")); c != 0 {
		in.CustomerID = &c
	}
	if _, err := s.Activities.CreateActivity(r.Context(), a, in); err != nil {
		if _, msg := fieldErrors(err); msg != "" {
			return s.redirect(w, r, "/today", "The activity was not added: "+fieldText(err))
		}
		return err
	}
	return s.redirect(w, r, "/today", "Added.")
}

func (s *site) activityDone(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	done := true
	if _, err := s.Activities.UpdateActivity(r.Context(), a, id, sales.ActivityInput{Done: &done}); err != nil {
		return err
	}
	return s.redirect(w, r, "/today", "Done.")
}
