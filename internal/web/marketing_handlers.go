package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/marketing"
)

// MarketingPage is the marketing overview: segments, templates, campaigns.
type MarketingPage struct {
	Base
	Segments  []marketing.Segment
	Templates []marketing.Template
	Campaigns []CampaignRow
	CanWrite  bool
	Fields    []marketing.FieldInfo
	Error     string
}

// CampaignRow is a campaign with its ledger counts.
type CampaignRow struct {
	marketing.Campaign
	Stats marketing.Stats
}

func (s *site) marketingPage(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	return s.renderMarketing(w, r, a, http.StatusOK, "")
}

func (s *site) renderMarketing(w http.ResponseWriter, r *http.Request, a auth.Actor, status int, msg string) error {
	ctx := r.Context()
	p := MarketingPage{Base: s.pageBase(w, r, a, "Marketing", "marketing"), CanWrite: a.Can(auth.MarketingWrite),
		Fields: marketing.Fields, Error: msg}
	p.Help = "marketing"
	var err error
	if p.Segments, err = s.Marketing.Segments(ctx, a); err != nil {
		return err
	}
	if p.Templates, err = s.Marketing.Templates(ctx, a); err != nil {
		return err
	}
	cs, err := s.Marketing.Campaigns(ctx, a)
	if err != nil {
		return err
	}
	for i, c := range cs {
		row := CampaignRow{Campaign: c}
		if i < 30 {
			if row.Stats, err = s.Marketing.CampaignStats(ctx, a, c.ID); err != nil {
				return err
			}
		}
		p.Campaigns = append(p.Campaigns, row)
	}
	return render(w, r, status, marketingPage(p))
}

func (s *site) marketingDone(w http.ResponseWriter, r *http.Request, a auth.Actor, err error, ok string) error {
	if err != nil {
		if _, msg := fieldErrors(err); msg != "" && !fault.Is(err, fault.Forbidden) {
			return s.renderMarketing(w, r, a, http.StatusUnprocessableEntity, "Not saved: "+fieldText(err))
		}
		return err
	}
	return s.redirect(w, r, "/marketing", ok)
}

// segmentPreview answers the segment form's live count as JSON.
func (s *site) segmentPreview(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	n, sample, err := s.Marketing.Preview(r.Context(), a, marketing.SegmentInput{Text: r.PostFormValue("text")}, 5)
	out := map[string]any{}
	if err != nil {
		if _, msg := fieldErrors(err); msg == "" {
			return err
		}
		out["error"] = fieldText(err)
	} else {
		names := make([]string, len(sample))
		for i, sm := range sample {
			names[i] = sm.Name
		}
		out["count"], out["sample"] = n, names
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	return json.NewEncoder(w).Encode(out)
}

func (s *site) segmentCreate(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	sg, err := s.Marketing.CreateSegment(r.Context(), a, marketing.SegmentInput{Name: r.PostFormValue("name"),
		Description: r.PostFormValue("description"), Text: r.PostFormValue("text")})
	return s.marketingDone(w, r, a, err, fmt.Sprintf("Segment “%s” saved: %d customers.", sg.Name, sg.MemberCount))
}

func (s *site) templateCreate(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	blocks, err := marketing.ParseDesign(r.PostFormValue("design"))
	if err != nil {
		return s.marketingDone(w, r, a, err, "")
	}
	_, err = s.Marketing.CreateTemplate(r.Context(), a, marketing.TemplateInput{Name: r.PostFormValue("name"),
		Purpose: r.PostFormValue("purpose"), Subject: r.PostFormValue("subject"), Preheader: r.PostFormValue("preheader"),
		Blocks: blocks, TextBody: strings.TrimSpace(r.PostFormValue("plain"))})
	return s.marketingDone(w, r, a, err, "Template saved.")
}

// templatePreview shows a template as its email, in a page of its own with
// a policy that allows the email's inline styles and nothing else.
func (s *site) templatePreview(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	customerID, _ := strconv.ParseInt(r.URL.Query().Get("customer"), 10, 64)
	out, err := s.Marketing.PreviewTemplate(r.Context(), a, id, customerID)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; sandbox")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write([]byte(out.HTML))
	return err
}

// templateTest sends a test of a template to the signed-in user.
func (s *site) templateTest(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	to := strings.TrimSpace(r.PostFormValue("to"))
	if to == "" {
		to = a.Email
	}
	err = s.Marketing.SendTest(r.Context(), a, id, 0, to)
	return s.marketingDone(w, r, a, err, "Test email sent to "+to+".")
}

func (s *site) campaignCreate(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	tpl, _ := strconv.ParseInt(r.PostFormValue("template_id"), 10, 64)
	seg, _ := strconv.ParseInt(r.PostFormValue("segment_id"), 10, 64)
	in := marketing.CampaignInput{Name: r.PostFormValue("name"), TemplateID: tpl, SegmentID: seg}
	if alt := strings.TrimSpace(r.PostFormValue("ab_subject")); alt != "" {
		t, err := s.Marketing.FindTemplate(r.Context(), a, tpl)
		if err != nil {
			return s.marketingDone(w, r, a, err, "")
		}
		share, _ := strconv.Atoi(r.PostFormValue("ab_share"))
		wait, _ := strconv.Atoi(r.PostFormValue("ab_wait"))
		in.AB = marketing.ABTest{Subjects: []string{t.Subject, alt}, Share: share, Metric: r.PostFormValue("ab_metric"),
			Wait: time.Duration(wait) * time.Minute}
	}
	_, err := s.Marketing.CreateCampaign(r.Context(), a, in)
	return s.marketingDone(w, r, a, err, "Campaign saved as a draft.")
}

func (s *site) campaignAction(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	switch r.PathValue("action") {
	case "send":
		_, err = s.Marketing.Launch(ctx, a, id)
	case "pause":
		err = s.Marketing.Pause(ctx, a, id)
	case "resume":
		err = s.Marketing.Resume(ctx, a, id)
	case "cancel":
		err = s.Marketing.Cancel(ctx, a, id)
	default:
		http.NotFound(w, r)
		return nil
	}
	return s.marketingDone(w, r, a, err, "Campaign "+r.PathValue("action")+": done.")
}

// CampaignReportPage shows a campaign's results.
type CampaignReportPage struct {
	Base
	Report marketing.Report
}

func (s *site) campaignReport(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rep, err := s.Marketing.CampaignReport(r.Context(), a, id)
	if err != nil {
		return err
	}
	p := CampaignReportPage{Base: s.pageBase(w, r, a, rep.Campaign.Name, "marketing"), Report: rep}
	p.Help = "marketing"
	return render(w, r, http.StatusOK, campaignReportPage(p))
}

// funnel is the campaign's steps with their counts, for the chart.
func funnel(rep marketing.Report) []struct {
	Label string
	N     int
} {
	return []struct {
		Label string
		N     int
	}{{"Sent", rep.Stats.Sent}, {"Opened", rep.Stats.Opened}, {"Clicked", rep.Stats.Clicked}, {"Ordered", rep.Converted}}
}

func revenueText(a marketing.Attributed) string {
	if len(a.Revenue) == 0 {
		return "—"
	}
	var parts []string
	for cur, v := range a.Revenue {
		parts = append(parts, fmt.Sprintf("%.2f %s", float64(v)/10000, cur))
	}
	return strings.Join(parts, ", ")
}

func roiText(rep marketing.Report, a marketing.Attributed) string {
	if roi, ok := rep.ROI(a); ok {
		return fmt.Sprintf("%+.0f%%", roi*100)
	}
	return "—"
}

func (s *site) marketingRoutes(mux *http.ServeMux) {
	mux.Handle("GET /marketing/campaigns/{id}", s.user(s.campaignReport))
	mux.Handle("GET /marketing", s.user(s.marketingPage))
	mux.Handle("GET /marketing/offers", s.user(s.offersPage))
	mux.Handle("POST /marketing/offers", s.user(s.offerCreate))
	mux.Handle("POST /marketing/offers/{id}/codes", s.user(s.offerCodes))
	mux.Handle("GET /marketing/journeys", s.user(s.journeysPage))
	mux.Handle("POST /marketing/journeys", s.user(s.journeyCreate))
	mux.Handle("GET /marketing/journeys/{id}", s.user(s.journeyPage))
	mux.Handle("POST /marketing/journeys/{id}", s.user(s.journeySave))
	mux.Handle("POST /marketing/segments", s.user(s.segmentCreate))
	mux.Handle("POST /marketing/segments/preview", s.user(s.segmentPreview))
	mux.Handle("POST /marketing/templates", s.user(s.templateCreate))
	mux.Handle("GET /marketing/templates/{id}/preview", s.user(s.templatePreview))
	mux.Handle("POST /marketing/templates/{id}/test", s.user(s.templateTest))
	mux.Handle("POST /marketing/campaigns", s.user(s.campaignCreate))
	mux.Handle("POST /marketing/campaigns/{id}/{action}", s.user(s.campaignAction))
}

func rate(n, of int) string {
	if of == 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(n)/float64(of))
}
