package web

import (
	"net/http"
	"strings"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
)

// The small forms on the customer profile: logging an interaction,
// recording consent, relating customers and households. Each answers with a
// redirect back to the profile (afterProfileForm).

// quickChannel is one of the channels offered on the profile's log form.
type quickChannel struct{ Value, Label string }

var quickChannels = []quickChannel{{"phone", "Call"}, {"email", "Email"}, {"meeting", "Meeting"}, {"chat", "Chat"},
	{"sms", "SMS"}, {"in_store", "Visit"}, {"social", "Social"}}

func (s *site) interactionCreate(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_, err = s.Customers.LogInteraction(r.Context(), a, customer.InteractionInput{CustomerID: id,
		Channel: r.PostFormValue("channel"), Direction: r.PostFormValue("direction"),
		Subject: r.PostFormValue("subject"), Body: r.PostFormValue("body"), Source: "web"})
	return s.afterProfileForm(w, r, id, err, "The interaction was not logged", "Interaction logged.")
}

func (s *site) consentCreate(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_, err = s.Customers.RecordConsent(r.Context(), a, id, customer.ConsentInput{Purpose: r.PostFormValue("purpose"),
		Channel: r.PostFormValue("channel"), Status: r.PostFormValue("status"), Source: r.PostFormValue("source"),
		Proof: r.PostFormValue("proof")})
	return s.afterProfileForm(w, r, id, err, "The consent was not recorded", "Consent recorded.")
}

func (s *site) relationshipCreate(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	other := formID(strings.TrimPrefix(strings.TrimSpace(r.PostFormValue("other")), "#"))
	_, err = s.Customers.AddRelationship(r.Context(), a, id, customer.RelationshipInput{Other: other,
		Kind: r.PostFormValue("kind"), Role: r.PostFormValue("role")})
	return s.afterProfileForm(w, r, id, err, "The relationship was not added", "Relationship added.")
}

func (s *site) relationshipDelete(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	relID, err := pathID(r, "rel")
	if err != nil {
		return err
	}
	if err := s.Customers.RemoveRelationship(r.Context(), a, id, relID); err != nil {
		return err
	}
	return s.redirect(w, r, "/customers/"+itoa(id), "Relationship removed.")
}

func (s *site) householdJoin(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if hh := strings.TrimSpace(r.PostFormValue("household")); hh != "" {
		_, err = s.Customers.JoinHousehold(r.Context(), a, formID(hh), id, false)
	} else {
		_, err = s.Customers.CreateHousehold(r.Context(), a, id, "")
	}
	if err != nil {
		if e, ok := fault.As(err); ok && e.Code != fault.Internal && e.Code != fault.Forbidden {
			return s.redirect(w, r, "/customers/"+itoa(id), "The household was not changed: "+e.Message)
		}
		return err
	}
	return s.redirect(w, r, "/customers/"+itoa(id), "Household saved.")
}

func (s *site) householdLeave(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Customers.LeaveHousehold(r.Context(), a, id); err != nil {
		return err
	}
	return s.redirect(w, r, "/customers/"+itoa(id), "Left the household.")
}

// afterProfileForm answers a small form on the customer profile: back to the
// profile with done, or with what was wrong when the input was refused.
// Other errors go to the error page.
func (s *site) afterProfileForm(w http.ResponseWriter, r *http.Request, id int64, err error, failed, done string) error {
	back := "/customers/" + itoa(id)
	if err == nil {
		return s.redirect(w, r, back, done)
	}
	e, ok := fault.As(err)
	if !ok || (e.Code != fault.Invalid && e.Code != fault.Conflict) {
		return err
	}
	msg := failed + ": " + e.Message
	for _, f := range e.Fields {
		msg += " " + f.Field + " " + f.Message + "."
	}
	return s.redirect(w, r, back, msg)
}

func (s *site) listAdd(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	listID := formID(r.PostFormValue("list_id"))
	if listID == 0 {
		l, err := s.Customers.CreateStaticList(r.Context(), a, r.PostFormValue("new_list"), "")
		if err != nil {
			return s.afterProfileForm(w, r, id, err, "The list was not created.", "")
		}
		listID = l.ID
	}
	_, err = s.Customers.AddToStaticList(r.Context(), a, listID, []int64{id})
	return s.afterProfileForm(w, r, id, err, "The customer was not added to the list.", "Added to the list.")
}

func (s *site) listRemove(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	listID, err := pathID(r, "list")
	if err != nil {
		return err
	}
	err = s.Customers.RemoveFromStaticList(r.Context(), a, listID, id)
	return s.afterProfileForm(w, r, id, err, "The customer was not taken off the list.", "Taken off the list.")
}
