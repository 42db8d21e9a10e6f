package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/marketing"
)

// TemplateJSON is a designed email.
type TemplateJSON struct {
	ID        int64             `json:"id" readOnly:"true"`
	Name      string            `json:"name" minLength:"1" maxLength:"100"`
	Channel   string            `json:"channel,omitempty" enum:"email,sms," doc:"Default email. An SMS has no subject or blocks: its text is text_body."`
	Purpose   string            `json:"purpose,omitempty" enum:"marketing,transactional," doc:"Transactional emails ignore marketing opt-outs. Default marketing."`
	Subject   string            `json:"subject,omitempty" maxLength:"250" doc:"May use {{first_name}} and the other fields (email)."`
	Preheader string            `json:"preheader,omitempty" maxLength:"250"`
	Blocks    []marketing.Block `json:"blocks,omitempty" maxItems:"50" doc:"heading, text, image, button, offer, products (count: 1-6 recommended products, url: product page with {sku}), divider; texts may use {{field}} and {{#if field}}…{{else}}…{{/if}} (email)."`
	SMS       *SMSInfoJSON      `json:"sms,omitempty" readOnly:"true" doc:"How the text travels as an SMS."`
	TextBody  string            `json:"text_body,omitempty" maxLength:"100000" doc:"The plain-text part; empty generates it from the blocks."`
}

// SMSInfoJSON is how a text travels as an SMS.
type SMSInfoJSON struct {
	Encoding string `json:"encoding" doc:"GSM-7 or UCS-2."`
	Length   int    `json:"length"`
	Parts    int    `json:"parts" doc:"160 GSM-7 (70 UCS-2) characters in one part; 153 (67) per part when longer."`
}

func (in TemplateJSON) input() marketing.TemplateInput {
	return marketing.TemplateInput{Name: in.Name, Channel: in.Channel, Purpose: in.Purpose, Subject: in.Subject, Preheader: in.Preheader,
		Blocks: in.Blocks, TextBody: in.TextBody}
}

func templateJSON(t marketing.Template) TemplateJSON {
	out := TemplateJSON{ID: t.ID, Name: t.Name, Channel: t.Channel, Purpose: t.Purpose, Subject: t.Subject,
		Preheader: t.Preheader, Blocks: t.Blocks, TextBody: t.TextBody}
	if t.Channel == "sms" {
		m := marketing.MeasureSMS(t.TextBody)
		out.SMS = &SMSInfoJSON{Encoding: m.Encoding, Length: m.Length, Parts: m.Parts}
	}
	return out
}

// TemplateOutput is one template.
type TemplateOutput struct{ Body TemplateJSON }

// RenderedJSON is a template written for one customer.
type RenderedJSON struct {
	Subject string `json:"subject"`
	HTML    string `json:"html"`
	Text    string `json:"text"`
}

// ABTestJSON tries subject lines on a share of the recipients first.
type ABTestJSON struct {
	Subjects    []string `json:"subjects" minItems:"2" maxItems:"5" doc:"Each may use the template's fields."`
	SharePct    int      `json:"share_percent" minimum:"2" maximum:"50" doc:"Percent of the recipients in the test, split between the subjects."`
	Metric      string   `json:"metric" enum:"open,click"`
	WaitMinutes int      `json:"wait_minutes" minimum:"1" maximum:"10080" doc:"How long after the test went out the winner is chosen."`
	Winner      int      `json:"winner,omitempty" readOnly:"true" doc:"The subject chosen (from 1)."`
	Note        string   `json:"note,omitempty" readOnly:"true" doc:"The rates compared and whether the difference is significant."`
}

// CampaignJSON is a campaign.
type CampaignJSON struct {
	ID          int64       `json:"id" readOnly:"true"`
	Name        string      `json:"name" minLength:"1" maxLength:"200"`
	TemplateID  int64       `json:"template_id" minimum:"1"`
	SegmentID   int64       `json:"segment_id" minimum:"1"`
	ScheduledAt time.Time   `json:"scheduled_at,omitzero" doc:"Send at this time; empty sends when launched."`
	Cost        float64     `json:"cost,omitempty" minimum:"0" doc:"What the campaign cost, in currency units (for ROI)."`
	ABTest      *ABTestJSON `json:"ab_test,omitempty" doc:"Test subject lines on a share first; the best goes to the rest."`
	Topic       string      `json:"topic,omitempty" maxLength:"40" doc:"One of the marketing topics: customers who opted out of it are left out."`
	Status      string      `json:"status" readOnly:"true"`
	Recipients  int         `json:"recipients" readOnly:"true"`
	StartedAt   time.Time   `json:"started_at,omitzero" readOnly:"true"`
	FinishedAt  time.Time   `json:"finished_at,omitzero" readOnly:"true"`
}

func campaignJSON(c marketing.Campaign) CampaignJSON {
	out := CampaignJSON{ID: c.ID, Name: c.Name, Topic: c.Topic, TemplateID: c.TemplateID, SegmentID: c.SegmentID, ScheduledAt: c.ScheduledAt,
		Cost: float64(c.Cost) / 10000, Status: c.Status, Recipients: c.Recipients, StartedAt: c.StartedAt, FinishedAt: c.FinishedAt}
	if c.AB.Active() {
		out.ABTest = &ABTestJSON{Subjects: c.AB.Subjects, SharePct: c.AB.Share, Metric: c.AB.Metric,
			WaitMinutes: int(c.AB.Wait / time.Minute), Winner: c.AB.Winner, Note: c.AB.Note}
	}
	return out
}

// PacingJSON is how campaigns spare customers.
type PacingJSON struct {
	FrequencyCap string `json:"frequency_cap" maxLength:"20" doc:"MESSAGES/DAYS, e.g. 3/7: at most three marketing emails a week per customer; empty for none."`
	QuietHours   string `json:"quiet_hours" maxLength:"20" doc:"HH:MM-HH:MM in each customer's time zone, for customers who set none; empty for none."`
}

func pacingJSON(p marketing.Pacing) PacingJSON {
	out := PacingJSON{QuietHours: p.QuietHours}
	if p.Cap.Messages > 0 {
		out.FrequencyCap = fmt.Sprintf("%d/%d", p.Cap.Messages, p.Cap.Days)
	}
	return out
}

// AttributedJSON is what one attribution model credits a campaign with.
type AttributedJSON struct {
	Conversions float64            `json:"conversions" doc:"Orders credited (shares of orders under linear)."`
	Revenue     map[string]float64 `json:"revenue" doc:"Revenue credited, per currency."`
	ROI         *float64           `json:"roi,omitempty" doc:"(revenue − cost) ÷ cost, when the campaign has a cost and the revenue one currency."`
}

// CampaignReportJSON is a campaign's results and the orders that followed it.
type CampaignReportJSON struct {
	Campaign       CampaignJSON   `json:"campaign"`
	Stats          StatsJSON      `json:"stats"`
	Converted      int            `json:"converted" doc:"Recipients who ordered within 30 days of opening or clicking the campaign."`
	ConversionRate float64        `json:"conversion_rate" doc:"Converted ÷ sent."`
	FirstTouch     AttributedJSON `json:"first_touch"`
	LastTouch      AttributedJSON `json:"last_touch"`
	Linear         AttributedJSON `json:"linear"`
}

func attributedJSON(r marketing.Report, a marketing.Attributed) AttributedJSON {
	out := AttributedJSON{Conversions: a.Conversions, Revenue: map[string]float64{}}
	for cur, v := range a.Revenue {
		out.Revenue[cur] = float64(v) / 10000
	}
	if roi, ok := r.ROI(a); ok {
		out.ROI = &roi
	}
	return out
}

// CampaignOutput is one campaign.
type CampaignOutput struct{ Body CampaignJSON }

// StatsJSON counts a campaign's send ledger.
type StatsJSON struct {
	Recipients   int           `json:"recipients"`
	Queued       int           `json:"queued"`
	Sending      int           `json:"sending"`
	Sent         int           `json:"sent"`
	Failed       int           `json:"failed"`
	Skipped      int           `json:"skipped" doc:"Consent withdrawn or address suppressed by the time of sending."`
	Opened       int           `json:"opened"`
	Clicked      int           `json:"clicked"`
	Unsubscribed int           `json:"unsubscribed"`
	Bounced      int           `json:"bounced"`
	MaybeDoubles int           `json:"maybe_doubles" doc:"Messages in flight when a sender stopped, sent again: the recipient may have two."`
	OpenRate     float64       `json:"open_rate"`
	ClickRate    float64       `json:"click_rate"`
	Variants     []VariantJSON `json:"variants,omitempty" doc:"An A/B test's subjects and how each did."`
}

// VariantJSON is how one tested subject did.
type VariantJSON struct {
	Variant int `json:"variant"`
	Sent    int `json:"sent"`
	Opened  int `json:"opened"`
	Clicked int `json:"clicked"`
}

type campaignPath struct {
	ID int64 `path:"id" minimum:"1"`
}

func (s *server) registerCampaigns(api huma.API) {
	tags := []string{"Marketing"}
	huma.Register(api, huma.Operation{OperationID: "list-templates", Method: http.MethodGet, Path: "/templates",
		Summary: "Email templates", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body []TemplateJSON }, error) {
			ts, err := s.Marketing.Templates(ctx, actorFrom(ctx))
			if err != nil {
				return nil, s.fail(ctx, "templates", err)
			}
			out := make([]TemplateJSON, 0, len(ts))
			for _, t := range ts {
				out = append(out, templateJSON(t))
			}
			return &struct{ Body []TemplateJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "create-template", Method: http.MethodPost, Path: "/templates",
		Summary: "Add an email template", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct{ Body TemplateJSON }) (*TemplateOutput, error) {
			t, err := s.Marketing.CreateTemplate(ctx, actorFrom(ctx), in.Body.input())
			if err != nil {
				return nil, s.fail(ctx, "create template", err)
			}
			return &TemplateOutput{templateJSON(t)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "update-template", Method: http.MethodPut, Path: "/templates/{id}",
		Summary: "Change an email template", Tags: tags},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body TemplateJSON
		}) (*TemplateOutput, error) {
			t, err := s.Marketing.UpdateTemplate(ctx, actorFrom(ctx), in.ID, in.Body.input())
			if err != nil {
				return nil, s.fail(ctx, "update template", err)
			}
			return &TemplateOutput{templateJSON(t)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "preview-template", Method: http.MethodGet, Path: "/templates/{id}/preview",
		Summary: "The template written for one customer", Tags: tags},
		func(ctx context.Context, in *struct {
			ID         int64 `path:"id" minimum:"1"`
			CustomerID int64 `query:"customer_id" doc:"Whose fields to use; none shows the fields empty."`
		}) (*struct{ Body RenderedJSON }, error) {
			r, err := s.Marketing.PreviewTemplate(ctx, actorFrom(ctx), in.ID, in.CustomerID)
			if err != nil {
				return nil, s.fail(ctx, "preview template", err)
			}
			return &struct{ Body RenderedJSON }{RenderedJSON{Subject: r.Subject, HTML: r.HTML, Text: r.Text}}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "test-template", Method: http.MethodPost, Path: "/templates/{id}/test",
		Summary: "Send a test of a template to one address", Tags: tags, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body struct {
				To         string `json:"to" maxLength:"254"`
				CustomerID int64  `json:"customer_id,omitempty" doc:"Write it for this customer."`
			}
		}) (*struct{}, error) {
			if err := s.Marketing.SendTest(ctx, actorFrom(ctx), in.ID, in.Body.CustomerID, in.Body.To); err != nil {
				return nil, s.fail(ctx, "test template", err)
			}
			return &struct{}{}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "marketing-settings", Method: http.MethodGet, Path: "/marketing/settings",
		Summary: "How campaigns spare customers: frequency cap and default quiet hours", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body PacingJSON }, error) {
			if err := actorFrom(ctx).Require(auth.MarketingRead); err != nil {
				return nil, s.fail(ctx, "marketing settings", err)
			}
			p, err := s.Marketing.Pacing(ctx)
			if err != nil {
				return nil, s.fail(ctx, "marketing settings", err)
			}
			return &struct{ Body PacingJSON }{pacingJSON(p)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "set-marketing-settings", Method: http.MethodPut, Path: "/marketing/settings",
		Summary: "Change the frequency cap and default quiet hours", Tags: tags},
		func(ctx context.Context, in *struct{ Body PacingJSON }) (*struct{ Body PacingJSON }, error) {
			p, err := s.Marketing.SetPacing(ctx, actorFrom(ctx), in.Body.FrequencyCap, in.Body.QuietHours)
			if err != nil {
				return nil, s.fail(ctx, "marketing settings", err)
			}
			return &struct{ Body PacingJSON }{pacingJSON(p)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "marketing-topics", Method: http.MethodPut, Path: "/marketing/topics",
		Summary: "Set the marketing topics customers may opt out of one by one (newsletter, offers, events…)", Tags: tags},
		func(ctx context.Context, in *struct {
			Body struct {
				Topics []string `json:"topics" maxItems:"30"`
			}
		}) (*struct {
			Body struct {
				Topics []string `json:"topics"`
			}
		}, error) {
			ts, err := s.Marketing.SetTopics(ctx, actorFrom(ctx), in.Body.Topics)
			if err != nil {
				return nil, s.fail(ctx, "marketing topics", err)
			}
			out := &struct {
				Body struct {
					Topics []string `json:"topics"`
				}
			}{}
			out.Body.Topics = ts
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "set-sms-provider", Method: http.MethodPut, Path: "/marketing/sms",
		Summary: "Set the SMS provider (administrators): messages are POSTed as JSON {from, to, text, reference} with the key as a bearer token",
		Tags:    tags, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *struct {
			Body struct {
				URL    string `json:"url" maxLength:"2000"`
				APIKey string `json:"api_key" maxLength:"500" writeOnly:"true"`
				From   string `json:"from" maxLength:"15" doc:"The sender name or number shown."`
			}
		}) (*struct{}, error) {
			b := in.Body
			if err := s.Marketing.SetSMS(ctx, actorFrom(ctx), marketing.SMSSettings{URL: b.URL, APIKey: b.APIKey, From: b.From}); err != nil {
				return nil, s.fail(ctx, "sms provider", err)
			}
			return &struct{}{}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "list-campaigns", Method: http.MethodGet, Path: "/campaigns",
		Summary: "Campaigns, newest first", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body []CampaignJSON }, error) {
			cs, err := s.Marketing.Campaigns(ctx, actorFrom(ctx))
			if err != nil {
				return nil, s.fail(ctx, "campaigns", err)
			}
			out := make([]CampaignJSON, 0, len(cs))
			for _, c := range cs {
				out = append(out, campaignJSON(c))
			}
			return &struct{ Body []CampaignJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "create-campaign", Method: http.MethodPost, Path: "/campaigns",
		Summary: "Add a draft campaign: a template to a segment", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct{ Body CampaignJSON }) (*CampaignOutput, error) {
			ci := marketing.CampaignInput{Name: in.Body.Name, Topic: in.Body.Topic, TemplateID: in.Body.TemplateID, SegmentID: in.Body.SegmentID,
				ScheduledAt: in.Body.ScheduledAt, Cost: in.Body.Cost}
			if t := in.Body.ABTest; t != nil {
				ci.AB = marketing.ABTest{Subjects: t.Subjects, Share: t.SharePct, Metric: t.Metric,
					Wait: time.Duration(t.WaitMinutes) * time.Minute}
			}
			c, err := s.Marketing.CreateCampaign(ctx, actorFrom(ctx), ci)
			if err != nil {
				return nil, s.fail(ctx, "create campaign", err)
			}
			return &CampaignOutput{campaignJSON(c)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-campaign", Method: http.MethodGet, Path: "/campaigns/{id}",
		Summary: "A campaign", Tags: tags},
		func(ctx context.Context, in *campaignPath) (*CampaignOutput, error) {
			c, err := s.Marketing.FindCampaign(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "campaign", err)
			}
			return &CampaignOutput{campaignJSON(c)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "send-campaign", Method: http.MethodPost, Path: "/campaigns/{id}/send",
		Summary: "Send a draft campaign (now, or at its scheduled time)", Tags: tags, DefaultStatus: http.StatusAccepted},
		func(ctx context.Context, in *campaignPath) (*CampaignOutput, error) {
			c, err := s.Marketing.Launch(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "send campaign", err)
			}
			return &CampaignOutput{campaignJSON(c)}, nil
		})
	for _, op := range []struct {
		name string
		do   func(ctx context.Context, id int64) error
	}{
		{"pause", func(ctx context.Context, id int64) error { return s.Marketing.Pause(ctx, actorFrom(ctx), id) }},
		{"resume", func(ctx context.Context, id int64) error { return s.Marketing.Resume(ctx, actorFrom(ctx), id) }},
		{"cancel", func(ctx context.Context, id int64) error { return s.Marketing.Cancel(ctx, actorFrom(ctx), id) }},
	} {
		huma.Register(api, huma.Operation{OperationID: op.name + "-campaign", Method: http.MethodPost,
			Path: "/campaigns/{id}/" + op.name, Summary: "Campaign: " + op.name, Tags: tags, DefaultStatus: http.StatusNoContent},
			func(ctx context.Context, in *campaignPath) (*struct{}, error) {
				if err := op.do(ctx, in.ID); err != nil {
					return nil, s.fail(ctx, op.name+" campaign", err)
				}
				return &struct{}{}, nil
			})
	}
	huma.Register(api, huma.Operation{OperationID: "campaign-stats", Method: http.MethodGet, Path: "/campaigns/{id}/stats",
		Summary: "What the campaign's messages did", Tags: tags},
		func(ctx context.Context, in *campaignPath) (*struct{ Body StatsJSON }, error) {
			st, err := s.Marketing.CampaignStats(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "campaign stats", err)
			}
			return &struct{ Body StatsJSON }{statsJSON(st)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "campaign-report", Method: http.MethodGet, Path: "/campaigns/{id}/report",
		Summary: "A campaign's results with the orders that followed it (first touch, last touch, linear) and its ROI", Tags: tags},
		func(ctx context.Context, in *campaignPath) (*struct{ Body CampaignReportJSON }, error) {
			r, err := s.Marketing.CampaignReport(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "campaign report", err)
			}
			out := CampaignReportJSON{Campaign: campaignJSON(r.Campaign), Stats: statsJSON(r.Stats), Converted: r.Converted,
				FirstTouch: attributedJSON(r, r.FirstTouch), LastTouch: attributedJSON(r, r.LastTouch), Linear: attributedJSON(r, r.Linear)}
			if r.Stats.Sent > 0 {
				out.ConversionRate = float64(r.Converted) / float64(r.Stats.Sent)
			}
			return &struct{ Body CampaignReportJSON }{out}, nil
		})
}

func statsJSON(st marketing.Stats) StatsJSON {
	out := StatsJSON{Recipients: st.Queued + st.Sending + st.Sent + st.Failed + st.Skipped, Queued: st.Queued,
		Sending: st.Sending, Sent: st.Sent, Failed: st.Failed, Skipped: st.Skipped, Opened: st.Opened,
		Clicked: st.Clicked, Unsubscribed: st.Unsubscribed, Bounced: st.Bounced, MaybeDoubles: st.MaybeDoubles}
	if st.Sent > 0 {
		out.OpenRate = float64(st.Opened) / float64(st.Sent)
		out.ClickRate = float64(st.Clicked) / float64(st.Sent)
	}
	for _, v := range st.Variants {
		out.Variants = append(out.Variants, VariantJSON{Variant: v.Variant, Sent: v.Sent, Opened: v.Opened, Clicked: v.Clicked})
	}
	return out
}
