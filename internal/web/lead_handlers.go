package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/sales"
)

// LeadsPage lists leads by score.
type LeadsPage struct {
	Base
	Leads    []sales.Lead
	Status   string
	Now      time.Time
	CanWrite bool
}

// LeadPage shows one lead with its score and actions.
type LeadPage struct {
	Base
	Lead     sales.Lead
	Now      time.Time
	CanWrite bool
}

func (s *site) leadsPage(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	st := r.URL.Query().Get("status")
	ls, err := s.Leads.Leads(r.Context(), a, sales.LeadFilter{Status: st, Limit: 200})
	if err != nil {
		return err
	}
	p := LeadsPage{Base: s.pageBase(w, r, a, "Leads", "sales"), Leads: ls, Status: st, Now: time.Now(),
		CanWrite: a.Can(auth.SalesWrite)}
	p.Help = "leads"
	return render(w, r, http.StatusOK, leadsPage(p))
}

func (s *site) leadCreate(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	value := int64(0)
	if v := strings.TrimSpace(r.PostFormValue("estimated_value")); v != "" {
		f, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", ""), 64)
		if err != nil || f < 0 {
			return s.redirect(w, r, "/leads", "The lead was not added: the value is not a number.")
		}
		value = int64(f*100 + 0.5)
	}
	first, last := r.PostFormValue("first_name"), r.PostFormValue("last_name")
	l, err := s.Leads.CreateLead(r.Context(), a, sales.Lead{FirstName: first, LastName: last,
		Company: r.PostFormValue("company"), Email: r.PostFormValue("email"), Phone: r.PostFormValue("phone"),
		Country: r.PostFormValue("country"), EstimatedValue: value, Source: "manual", Message: r.PostFormValue("message")})
	if err != nil {
		if _, msg := fieldErrors(err); msg != "" {
			return s.redirect(w, r, "/leads", "The lead was not added: "+fieldText(err))
		}
		return err
	}
	return s.redirect(w, r, "/leads/"+itoa(l.ID), "Lead added.")
}

func (s *site) leadPage(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	l, err := s.Leads.Lead(r.Context(), a, id)
	if err != nil {
		return err
	}
	p := LeadPage{Base: s.pageBase(w, r, a, l.Name(), "sales"), Lead: l, Now: time.Now(), CanWrite: a.Can(auth.SalesWrite)}
	p.Help = "leads"
	return render(w, r, http.StatusOK, leadPage(p))
}

func (s *site) leadStatus(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	st, reason := r.PostFormValue("status"), r.PostFormValue("status_reason")
	_, err = s.Leads.UpdateLead(r.Context(), a, id, sales.LeadUpdate{Status: &st, StatusReason: &reason})
	if err != nil {
		if _, msg := fieldErrors(err); msg != "" {
			return s.redirect(w, r, "/leads/"+itoa(id), "The status was not changed: "+fieldText(err))
		}
		return err
	}
	return s.redirect(w, r, "/leads/"+itoa(id), "Status changed.")
}

func (s *site) leadConvert(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	in := sales.ConvertInput{Opportunity: r.PostFormValue("opportunity") == "1", CreateNew: r.PostFormValue("create_new") == "1",
		OpportunityName: r.PostFormValue("opportunity_name"), Currency: r.PostFormValue("currency")}
	c, err := s.Leads.ConvertLead(r.Context(), a, id, in)
	if err != nil {
		if _, msg := fieldErrors(err); msg != "" {
			return s.redirect(w, r, "/leads/"+itoa(id), "The lead was not converted: "+msg+" "+fieldText(err))
		}
		return err
	}
	target := c.PersonID
	if target == 0 {
		target = c.OrganizationID
	}
	msg := "Converted into a new customer."
	if c.Attached {
		msg = "Converted: the lead was an existing customer, who now has the lead's history."
	}
	if c.Opportunity != nil {
		msg += fmt.Sprintf(" Opportunity %q opened.", c.Opportunity.Name)
	}
	return s.redirect(w, r, "/customers/"+itoa(target), msg)
}
