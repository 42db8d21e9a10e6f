package web

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/marketing"
)

// JourneysPage lists the journeys and starts new ones.
type JourneysPage struct {
	Base
	Journeys []marketing.Journey
	Presets  []string
	CanWrite bool
}

// JourneyPage is one journey as a flow, with its editor.
type JourneyPage struct {
	Base
	Journey   marketing.Journey
	StepsJSON string
	Templates []marketing.Template
	Segments  []marketing.Segment
	Runs      []marketing.Run
	// WaitingJSON counts the customers on their way, by the step (from 0)
	// they wait to take, for the canvas.
	WaitingJSON string
	// Splits compare the paths of the journey's split steps.
	Splits   []marketing.SplitReport
	CanWrite bool
	Error    string
}

func (s *site) journeysPage(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	js, err := s.Marketing.Journeys(r.Context(), a)
	if err != nil {
		return err
	}
	return render(w, r, http.StatusOK, journeysPage(JourneysPage{Base: s.pageBase(w, r, a, "Journeys", "marketing"), Journeys: js,
		Presets: marketing.Presets, CanWrite: a.Can(auth.MarketingWrite)}))
}

// journeyCreate starts a journey from a ready-made one or blank.
func (s *site) journeyCreate(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	var j marketing.Journey
	var err error
	if preset := r.PostFormValue("preset"); preset != "" {
		j, err = s.Marketing.CreatePreset(r.Context(), a, preset)
	} else {
		j, err = s.Marketing.CreateJourney(r.Context(), a, marketing.Journey{Name: r.PostFormValue("name"),
			Trigger: marketing.Trigger{Event: "customer.created"}, Steps: []marketing.Step{{Type: "wait", Minutes: 60}}, Status: "draft"})
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/marketing/journeys/"+itoa(j.ID), "Journey saved as a draft.")
}

func (s *site) journeyData(r *http.Request, a auth.Actor, id int64, p *JourneyPage) error {
	ctx := r.Context()
	j, runs, err := s.Marketing.JourneyRuns(ctx, a, id)
	if err != nil {
		return err
	}
	if p.Journey.ID == 0 {
		p.Journey = j
	}
	p.Runs = runs
	b, _ := json.Marshal(p.Journey.Steps)
	p.StepsJSON = string(b)
	waiting := map[int]int{}
	for _, r := range runs {
		if r.Status == "active" {
			waiting[r.Step]++
		}
	}
	b, _ = json.Marshal(waiting)
	p.WaitingJSON = string(b)
	if p.Splits, err = s.Marketing.SplitResults(ctx, a, id); err != nil {
		return err
	}
	if p.Templates, err = s.Marketing.Templates(ctx, a); err != nil {
		return err
	}
	p.Segments, err = s.Marketing.Segments(ctx, a)
	return err
}

func (s *site) journeyPage(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p := JourneyPage{CanWrite: a.Can(auth.MarketingWrite)}
	if err := s.journeyData(r, a, id, &p); err != nil {
		return err
	}
	p.Base = s.pageBase(w, r, a, p.Journey.Name, "marketing")
	return render(w, r, http.StatusOK, journeyPage(p))
}

// journeySave stores a journey as the editor sends it: name, trigger,
// goal, re-entry, status and the steps as JSON.
func (s *site) journeySave(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	j := marketing.Journey{Name: r.PostFormValue("name"), Goal: strings.TrimSpace(r.PostFormValue("goal")),
		Reentry: r.PostFormValue("reentry") == "1", Status: r.PostFormValue("status")}
	if t := r.PostFormValue("trigger"); strings.HasPrefix(t, "segment:") {
		j.Trigger.SegmentID = formID(strings.TrimPrefix(t, "segment:"))
	} else {
		j.Trigger.Event = t
	}
	if err := json.Unmarshal([]byte(r.PostFormValue("steps")), &j.Steps); err != nil {
		return fault.Field("steps", "could not be read: %v", err)
	}
	if _, err := s.Marketing.UpdateJourney(r.Context(), a, id, j); err != nil {
		e, ok := fault.As(err)
		if !ok || (e.Code != fault.Invalid && e.Code != fault.Conflict) {
			return err
		}
		p := JourneyPage{CanWrite: true, Journey: j, Error: describeErr(err)}
		p.Journey.ID = id
		if derr := s.journeyData(r, a, id, &p); derr != nil {
			return derr
		}
		p.Base = s.pageBase(w, r, a, j.Name, "marketing")
		return render(w, r, http.StatusUnprocessableEntity, journeyPage(p))
	}
	return s.redirect(w, r, "/marketing/journeys/"+itoa(id), "Journey saved.")
}

// templatesJSON lists the email templates for the step editor.
func templatesJSON(ts []marketing.Template) string {
	type t struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}
	out := []t{}
	for _, x := range ts {
		if x.Channel == "" || x.Channel == "email" {
			out = append(out, t{x.ID, x.Name})
		}
	}
	b, _ := json.Marshal(out)
	return string(b)
}
