package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/sales"
	"github.com/scrms/scrms/internal/support"
)

// mobileCard is a customer as the rep's phone shows it: how to reach
// them, recent history, open cases, loyalty tier and the next offer.
func (s *site) mobileCard(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.Customers.FindCustomer(ctx, a, id)
	if err != nil {
		return err
	}
	type event struct {
		At    string `json:"at"`
		Kind  string `json:"kind"`
		Title string `json:"title"`
		Body  string `json:"body,omitempty"`
	}
	out := struct {
		ID        int64    `json:"id"`
		Name      string   `json:"name"`
		Stage     string   `json:"stage"`
		Phones    []string `json:"phones"`
		Emails    []string `json:"emails"`
		Address   string   `json:"address,omitempty"`
		MapURL    string   `json:"map_url,omitempty"`
		Masked    bool     `json:"masked"`
		Timeline  []event  `json:"timeline"`
		Cases     []string `json:"open_cases"`
		Tier      string   `json:"loyalty_tier,omitempty"`
		Points    int64    `json:"loyalty_points,omitempty"`
		Offer     string   `json:"next_offer,omitempty"`
		OfferWhy  string   `json:"next_offer_reason,omitempty"`
		FetchedAt string   `json:"fetched_at"`
	}{ID: c.ID, Name: c.Name, Stage: c.LifecycleStage, Masked: c.Masked, Phones: []string{}, Emails: []string{},
		Timeline: []event{}, Cases: []string{}, FetchedAt: time.Now().UTC().Format(time.RFC3339)}
	for _, p := range c.Phones {
		out.Phones = append(out.Phones, p.Number)
	}
	for _, e := range c.Emails {
		out.Emails = append(out.Emails, e.Address)
	}
	if len(c.Addresses) > 0 && !c.Masked {
		ad := c.Addresses[0]
		parts := []string{}
		for _, p := range []string{ad.Line1, ad.Line2, ad.PostalCode + " " + ad.City, ad.Country} {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		out.Address = strings.Join(parts, ", ")
		out.MapURL = "https://www.openstreetmap.org/search?query=" + url.QueryEscape(out.Address)
	}
	tl, err := s.Customers.Timeline(ctx, a, id, nil, "", 10)
	if err != nil {
		return err
	}
	for _, e := range tl.Events {
		out.Timeline = append(out.Timeline, event{At: e.At.UTC().Format(time.RFC3339), Kind: e.Kind, Title: e.Title, Body: e.Body})
	}
	if a.Can(auth.CaseRead) {
		cases, err := s.Support.ListCases(ctx, a, support.CaseFilter{CustomerID: id, Status: "active", Limit: 5})
		if err != nil {
			return err
		}
		for _, k := range cases {
			out.Cases = append(out.Cases, k.Subject)
		}
	}
	if a.Can(auth.LoyaltyRead) {
		ms, err := s.Loyalty.CustomerMemberships(ctx, a, id)
		if err != nil {
			return err
		}
		if len(ms) > 0 {
			out.Points = ms[0].Balance
			if ms[0].Tier != nil {
				out.Tier = ms[0].Tier.Name
			}
		}
	}
	if s.Analytics != nil && a.Can(auth.SalesRead) {
		recs, err := s.Analytics.RecommendFor(ctx, id, 1)
		if err != nil {
			return err
		}
		if len(recs) > 0 {
			out.Offer, out.OfferWhy = recs[0].Product.Name, recs[0].Reason
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// mobileAction is something a rep did on the phone, perhaps offline,
// sent when the connection allows. ID is made by the phone, once per
// action: the same action sent again is recognised and not done twice.
type mobileAction struct {
	ID         string `json:"id"`
	Kind       string `json:"kind"` // log_call, log_visit, note, complete_task, move_stage, follow_up, new_lead
	CustomerID int64  `json:"customer_id,omitempty"`
	TaskID     int64  `json:"task_id,omitempty"`
	DealID     int64  `json:"deal_id,omitempty"`
	FromStage  int64  `json:"from_stage_id,omitempty"` // the stage the rep saw, to notice a move by someone else
	ToStage    int64  `json:"to_stage_id,omitempty"`
	Text       string `json:"text,omitempty"`
	Due        string `json:"due,omitempty"` // YYYY-MM-DD
	At         string `json:"at,omitempty"`  // when it happened on the phone (RFC 3339)
	Lead       *struct {
		FirstName string `json:"first_name"`
		LastName  string `json:"last_name"`
		Company   string `json:"company"`
		Email     string `json:"email"`
		Phone     string `json:"phone"`
	} `json:"lead,omitempty"`
}

type mobileResult struct {
	ID      string `json:"id"`
	Status  string `json:"status"` // done, already_done, conflict, failed
	Message string `json:"message,omitempty"`
}

// mobileSync applies queued actions in order and says what became of each.
func (s *site) mobileSync(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	var in struct {
		Actions []mobileAction `json:"actions"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
		return fault.New(fault.Invalid, "The actions could not be read: %v", err)
	}
	if len(in.Actions) > 200 {
		return fault.Field("actions", "at most 200 at a time")
	}
	out := []mobileResult{}
	for _, act := range in.Actions {
		out = append(out, s.applyMobile(r, a, act))
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": out})
	return nil
}

func (s *site) applyMobile(r *http.Request, a auth.Actor, act mobileAction) mobileResult {
	ctx := r.Context()
	res := mobileResult{ID: act.ID}
	if len(act.ID) < 8 || len(act.ID) > 64 {
		res.Status, res.Message = "failed", "The action has no usable id."
		return res
	}
	at := time.Now().UTC()
	if t, err := time.Parse(time.RFC3339, act.At); err == nil && t.Before(at) && at.Sub(t) < 30*24*time.Hour {
		at = t.UTC()
	}
	ref := "mobile:" + fmt.Sprint(a.UserID) + ":" + act.ID
	var err error
	switch act.Kind {
	case "log_call", "log_visit", "note":
		channel := map[string]string{"log_call": "phone", "log_visit": "in_person", "note": "other"}[act.Kind]
		subject := map[string]string{"log_call": "Call", "log_visit": "Visit", "note": "Note"}[act.Kind]
		_, err = s.Customers.LogInteraction(ctx, a, customer.InteractionInput{CustomerID: act.CustomerID, Channel: channel,
			Direction: "outbound", Subject: subject, Body: act.Text, OccurredAt: at, Source: "mobile", ExternalID: ref})
		if fault.Is(err, fault.Conflict) {
			res.Status, res.Message = "already_done", "Recorded before."
			return res
		}
	case "complete_task":
		var cur sales.Activity
		if cur, err = s.Activities.Activity(ctx, a, act.TaskID); err == nil {
			if !cur.DoneAt.IsZero() {
				res.Status, res.Message = "already_done", "The task was already done."
				return res
			}
			done := true
			_, err = s.Activities.UpdateActivity(ctx, a, act.TaskID, sales.ActivityInput{Done: &done})
		}
	case "move_stage":
		var d sales.Opportunity
		if d, err = s.Sales.Opportunity(ctx, a, act.DealID); err == nil {
			switch {
			case d.StageID == act.ToStage:
				res.Status, res.Message = "already_done", "The deal is already at that stage."
				return res
			case act.FromStage != 0 && d.StageID != act.FromStage:
				name := "another stage"
				if p, perr := s.Sales.Pipeline(ctx, a, d.PipelineID); perr == nil {
					for _, st := range p.Stages {
						if st.ID == d.StageID {
							name = st.Name
						}
					}
				}
				res.Status = "conflict"
				res.Message = fmt.Sprintf("Someone moved %q to %s meanwhile; your move was not applied.", d.Name, name)
				return res
			}
			stage := act.ToStage
			_, err = s.Sales.UpdateOpportunity(ctx, a, act.DealID, sales.Input{StageID: &stage})
		}
	case "follow_up", "new_lead":
		// Records without an external id: the phone's id is claimed first,
		// so an action sent twice is done once.
		var first bool
		first, err = s.Mobile.ClaimAction(ctx, a.UserID, act.ID, act.Kind, at)
		if err == nil && !first {
			res.Status, res.Message = "already_done", "Recorded before."
			return res
		}
		if err == nil && act.Kind == "follow_up" {
			kind, subject := "task", strings.TrimSpace(act.Text)
			if subject == "" {
				subject = "Follow up"
			}
			in := sales.ActivityInput{Kind: &kind, Subject: &subject}
			if act.CustomerID != 0 {
				in.CustomerID = &act.CustomerID
			}
			if d, perr := time.Parse("2006-01-02", act.Due); perr == nil {
				due := d.Add(9 * time.Hour)
				in.DueAt = &due
			}
			_, err = s.Activities.CreateActivity(ctx, a, in)
		}
		if err == nil && act.Kind == "new_lead" {
			if act.Lead == nil {
				err = fault.Field("lead", "is required")
				break
			}
			_, err = s.Leads.CreateLead(ctx, a, sales.Lead{FirstName: act.Lead.FirstName, LastName: act.Lead.LastName,
				Company: act.Lead.Company, Email: act.Lead.Email, Phone: act.Lead.Phone, Source: "mobile", OwnerID: a.UserID})
		}
	default:
		res.Status, res.Message = "failed", fmt.Sprintf("%q is not an action.", act.Kind)
		return res
	}
	if err != nil {
		res.Status, res.Message = "failed", describeErr(err)
		return res
	}
	res.Status = "done"
	return res
}
