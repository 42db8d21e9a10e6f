package api

import (
	"bytes"
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/scrms/scrms/internal/sales"
)

// LeadJSON is a lead.
type LeadJSON struct {
	ID             int64             `json:"id"`
	Status         string            `json:"status"`
	StatusReason   string            `json:"status_reason,omitempty"`
	FirstName      string            `json:"first_name,omitempty"`
	LastName       string            `json:"last_name,omitempty"`
	Company        string            `json:"company,omitempty"`
	JobTitle       string            `json:"job_title,omitempty"`
	Email          string            `json:"email,omitempty"`
	Phone          string            `json:"phone,omitempty"`
	Country        string            `json:"country,omitempty"`
	Message        string            `json:"message,omitempty"`
	EstimatedValue int64             `json:"estimated_value" doc:"Potential value in minor units (cents)."`
	Source         string            `json:"source"`
	Campaign       string            `json:"campaign,omitempty"`
	UTM            map[string]string `json:"utm,omitempty"`
	Score          int               `json:"score" doc:"Today's score: fit points, and engagement points halved every 30 days since the last activity."`
	ScoreReasons   []ScoreReasonJSON `json:"score_reasons"`
	OwnerID        *int64            `json:"owner_id,omitempty"`
	OwnerName      string            `json:"owner_name,omitempty"`
	TeamID         *int64            `json:"team_id,omitempty"`
	CustomerID     *int64            `json:"customer_id,omitempty"`
	OpportunityID  *int64            `json:"opportunity_id,omitempty"`
	CreatedAt      time.Time         `json:"created_at"`
	ConvertedAt    *time.Time        `json:"converted_at,omitempty"`
}

// ScoreReasonJSON is a rule that gave a lead points.
type ScoreReasonJSON struct {
	Kind   string `json:"kind" enum:"fit,engagement"`
	Label  string `json:"label"`
	Points int    `json:"points"`
}

func leadJSON(l sales.Lead) LeadJSON {
	j := LeadJSON{ID: l.ID, Status: l.Status, StatusReason: l.StatusReason, FirstName: l.FirstName, LastName: l.LastName,
		Company: l.Company, JobTitle: l.JobTitle, Email: l.Email, Phone: l.Phone, Country: l.Country, Message: l.Message,
		EstimatedValue: l.EstimatedValue, Source: l.Source, Campaign: l.Campaign, Score: l.CurrentScore(time.Now()),
		ScoreReasons: []ScoreReasonJSON{}, OwnerID: optID(l.OwnerID), OwnerName: l.OwnerName, TeamID: optID(l.TeamID),
		CustomerID: optID(l.CustomerID), OpportunityID: optID(l.OpportunityID), CreatedAt: l.CreatedAt,
		ConvertedAt: optTime(l.ConvertedAt)}
	utm := map[string]string{"source": l.UTM.Source, "medium": l.UTM.Medium, "campaign": l.UTM.Campaign,
		"term": l.UTM.Term, "content": l.UTM.Content}
	for k, v := range utm {
		if v == "" {
			delete(utm, k)
		}
	}
	if len(utm) > 0 {
		j.UTM = utm
	}
	for _, r := range l.Reasons {
		j.ScoreReasons = append(j.ScoreReasons, ScoreReasonJSON(r))
	}
	return j
}

// LeadInputJSON is a new lead.
type LeadInputJSON struct {
	FirstName      string            `json:"first_name,omitempty" maxLength:"200"`
	LastName       string            `json:"last_name,omitempty" maxLength:"200"`
	Company        string            `json:"company,omitempty" maxLength:"200"`
	JobTitle       string            `json:"job_title,omitempty" maxLength:"200"`
	Email          string            `json:"email,omitempty" maxLength:"254"`
	Phone          string            `json:"phone,omitempty" maxLength:"50"`
	Country        string            `json:"country,omitempty" maxLength:"100"`
	Message        string            `json:"message,omitempty" maxLength:"5000"`
	EstimatedValue int64             `json:"estimated_value,omitempty" minimum:"0"`
	Source         string            `json:"source,omitempty" maxLength:"50" doc:"Default: api."`
	Campaign       string            `json:"campaign,omitempty" maxLength:"200"`
	UTM            map[string]string `json:"utm,omitempty" doc:"source, medium, campaign, term, content."`
	OwnerID        int64             `json:"owner_id,omitempty"`
}

func (j LeadInputJSON) lead() sales.Lead {
	return sales.Lead{FirstName: j.FirstName, LastName: j.LastName, Company: j.Company, JobTitle: j.JobTitle, Email: j.Email,
		Phone: j.Phone, Country: j.Country, Message: j.Message, EstimatedValue: j.EstimatedValue, Source: j.Source,
		Campaign: j.Campaign, OwnerID: j.OwnerID, UTM: sales.UTM{Source: j.UTM["source"], Medium: j.UTM["medium"],
			Campaign: j.UTM["campaign"], Term: j.UTM["term"], Content: j.UTM["content"]}}
}

func (s *server) registerLeads(api huma.API) {
	tags := []string{"Leads"}
	type leadOut = struct{ Body LeadJSON }
	huma.Register(api, huma.Operation{OperationID: "create-lead", Method: http.MethodPost, Path: "/leads",
		Summary: "Capture a lead (scored and assigned on arrival)", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct{ Body LeadInputJSON }) (*leadOut, error) {
			l, err := s.Leads.CreateLead(ctx, actorFrom(ctx), in.Body.lead())
			if err != nil {
				return nil, s.fail(ctx, "create lead", err)
			}
			return &leadOut{Body: leadJSON(l)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "list-leads", Method: http.MethodGet, Path: "/leads",
		Summary: "Leads the caller may see, highest score (then potential value) first", Tags: tags},
		func(ctx context.Context, in *struct {
			Status  string `query:"status" enum:"new,working,nurturing,qualified,disqualified,converted," doc:"Default: all open leads."`
			OwnerID int64  `query:"owner_id"`
			Limit   int    `query:"limit" minimum:"1" maximum:"500" default:"100"`
		}) (*struct{ Body []LeadJSON }, error) {
			ls, err := s.Leads.Leads(ctx, actorFrom(ctx), sales.LeadFilter{Status: in.Status, OwnerID: in.OwnerID, Limit: in.Limit})
			if err != nil {
				return nil, s.fail(ctx, "leads", err)
			}
			out := []LeadJSON{}
			for _, l := range ls {
				out = append(out, leadJSON(l))
			}
			return &struct{ Body []LeadJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "email-lead", Method: http.MethodPost, Path: "/leads/inbound-email",
		Summary: "Capture a lead from an email (the raw message)", Tags: tags, MaxBodyBytes: 2 << 20,
		Description: "Post the message as a mail provider forwards it (Content-Type: message/rfc822). The sender becomes " +
			"the lead and the subject and text its message. Automatic replies, bounces and list mail are recognised " +
			"and answered with 202 and no lead."},
		func(ctx context.Context, in *struct {
			RawBody []byte `contentType:"message/rfc822"`
		}) (*struct {
			Status int
			Body   *LeadJSON
		}, error) {
			l, err := s.Leads.EmailLead(ctx, actorFrom(ctx), bytes.NewReader(in.RawBody))
			if err != nil {
				return nil, s.fail(ctx, "email lead", err)
			}
			if l == nil {
				return &struct {
					Status int
					Body   *LeadJSON
				}{Status: http.StatusAccepted}, nil
			}
			j := leadJSON(*l)
			return &struct {
				Status int
				Body   *LeadJSON
			}{Status: http.StatusCreated, Body: &j}, nil
		})
	type leadPath struct {
		ID int64 `path:"id" minimum:"1"`
	}
	huma.Register(api, huma.Operation{OperationID: "get-lead", Method: http.MethodGet, Path: "/leads/{id}",
		Summary: "One lead with its score's reasons", Tags: tags},
		func(ctx context.Context, in *leadPath) (*leadOut, error) {
			l, err := s.Leads.Lead(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "lead", err)
			}
			return &leadOut{Body: leadJSON(l)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "update-lead", Method: http.MethodPatch, Path: "/leads/{id}",
		Summary: "Change a lead's status (with a reason), owner or details", Tags: tags},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body struct {
				Status         *string `json:"status,omitempty" enum:"new,working,nurturing,qualified,disqualified"`
				StatusReason   *string `json:"status_reason,omitempty" maxLength:"200"`
				OwnerID        *int64  `json:"owner_id,omitempty"`
				EstimatedValue *int64  `json:"estimated_value,omitempty" minimum:"0"`
				Message        *string `json:"message,omitempty" maxLength:"5000"`
				Phone          *string `json:"phone,omitempty" maxLength:"50"`
				JobTitle       *string `json:"job_title,omitempty" maxLength:"200"`
			}
		}) (*leadOut, error) {
			b := in.Body
			l, err := s.Leads.UpdateLead(ctx, actorFrom(ctx), in.ID, sales.LeadUpdate{Status: b.Status,
				StatusReason: b.StatusReason, OwnerID: b.OwnerID, EstimatedValue: b.EstimatedValue, Message: b.Message,
				Phone: b.Phone, JobTitle: b.JobTitle})
			if err != nil {
				return nil, s.fail(ctx, "update lead", err)
			}
			return &leadOut{Body: leadJSON(l)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "convert-lead", Method: http.MethodPost, Path: "/leads/{id}/convert",
		Summary: "Convert a lead into a customer and, optionally, an opportunity", Tags: tags,
		Description: "The person is attached to an existing customer the duplicate engine recognises (or to " +
			"customer_id), unless create_new is set; a company becomes an organisation the person works for."},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body *struct {
				CustomerID        int64  `json:"customer_id,omitempty"`
				CreateNew         bool   `json:"create_new,omitempty"`
				CreateOpportunity bool   `json:"create_opportunity,omitempty"`
				OpportunityName   string `json:"opportunity_name,omitempty" maxLength:"200"`
				Amount            *int64 `json:"amount,omitempty" minimum:"0" doc:"Default: the lead's estimated value."`
				Currency          string `json:"currency,omitempty" maxLength:"3"`
			}
		}) (*struct {
			Body struct {
				Lead           LeadJSON         `json:"lead"`
				PersonID       *int64           `json:"person_id,omitempty"`
				OrganizationID *int64           `json:"organization_id,omitempty"`
				Attached       bool             `json:"attached_to_existing"`
				Opportunity    *OpportunityJSON `json:"opportunity,omitempty"`
			}
		}, error) {
			ci := sales.ConvertInput{}
			if b := in.Body; b != nil {
				ci = sales.ConvertInput{CustomerID: b.CustomerID, CreateNew: b.CreateNew, Opportunity: b.CreateOpportunity,
					OpportunityName: b.OpportunityName, Amount: b.Amount, Currency: b.Currency}
			}
			c, err := s.Leads.ConvertLead(ctx, actorFrom(ctx), in.ID, ci)
			if err != nil {
				return nil, s.fail(ctx, "convert lead", err)
			}
			out := &struct {
				Body struct {
					Lead           LeadJSON         `json:"lead"`
					PersonID       *int64           `json:"person_id,omitempty"`
					OrganizationID *int64           `json:"organization_id,omitempty"`
					Attached       bool             `json:"attached_to_existing"`
					Opportunity    *OpportunityJSON `json:"opportunity,omitempty"`
				}
			}{}
			out.Body.Lead, out.Body.PersonID, out.Body.OrganizationID = leadJSON(c.Lead), optID(c.PersonID), optID(c.OrganizationID)
			out.Body.Attached = c.Attached
			if c.Opportunity != nil {
				o := opportunityJSON(*c.Opportunity)
				out.Body.Opportunity = &o
			}
			return out, nil
		})
	type formJSON struct {
		Key      string `json:"key"`
		Name     string `json:"name"`
		TeamID   *int64 `json:"team_id,omitempty"`
		Campaign string `json:"campaign,omitempty"`
		PostURL  string `json:"post_url" doc:"Where the web form posts (HTML form or JSON)."`
	}
	toForm := func(f sales.LeadForm) formJSON {
		return formJSON{Key: f.Key, Name: f.Name, TeamID: optID(f.TeamID), Campaign: f.Campaign,
			PostURL: s.BaseURL + "/forms/" + f.Key}
	}
	huma.Register(api, huma.Operation{OperationID: "create-lead-form", Method: http.MethodPost, Path: "/lead-forms",
		Summary: "Create an embeddable web form that captures leads", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct {
			Body struct {
				Name     string `json:"name" maxLength:"100"`
				TeamID   int64  `json:"team_id,omitempty" doc:"The team whose representatives get its leads, in turn."`
				Campaign string `json:"campaign,omitempty" maxLength:"200"`
			}
		}) (*struct{ Body formJSON }, error) {
			f, err := s.Leads.CreateLeadForm(ctx, actorFrom(ctx), in.Body.Name, in.Body.TeamID, in.Body.Campaign)
			if err != nil {
				return nil, s.fail(ctx, "create lead form", err)
			}
			return &struct{ Body formJSON }{toForm(f)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "list-lead-forms", Method: http.MethodGet, Path: "/lead-forms",
		Summary: "The web forms", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body []formJSON }, error) {
			fs, err := s.Leads.LeadForms(ctx, actorFrom(ctx))
			if err != nil {
				return nil, s.fail(ctx, "lead forms", err)
			}
			out := []formJSON{}
			for _, f := range fs {
				out = append(out, toForm(f))
			}
			return &struct{ Body []formJSON }{out}, nil
		})
}

// ScoreRuleJSON is a lead scoring rule.
type ScoreRuleJSON struct {
	Kind   string `json:"kind" enum:"fit,engagement"`
	Field  string `json:"field" doc:"company, email, phone, job_title, country, message, source, campaign, utm_source, utm_medium, utm_campaign"`
	Op     string `json:"op" enum:"present,equals,contains,not_free_email"`
	Value  string `json:"value,omitempty" maxLength:"200"`
	Points int    `json:"points" minimum:"-100" maximum:"100"`
	Label  string `json:"label" maxLength:"100" doc:"The reason shown on a lead the rule scores."`
}

func (s *server) registerLeadRules(api huma.API) {
	tags := []string{"Leads"}
	toJSON := func(rs []sales.ScoreRule) []ScoreRuleJSON {
		out := []ScoreRuleJSON{}
		for _, r := range rs {
			out = append(out, ScoreRuleJSON{Kind: r.Kind, Field: r.Field, Op: r.Op, Value: r.Value, Points: r.Points, Label: r.Label})
		}
		return out
	}
	huma.Register(api, huma.Operation{OperationID: "get-lead-scoring", Method: http.MethodGet, Path: "/lead-scoring",
		Summary: "The lead scoring rules", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body []ScoreRuleJSON }, error) {
			rs, err := s.Leads.ScoreRules(ctx, actorFrom(ctx))
			if err != nil {
				return nil, s.fail(ctx, "scoring rules", err)
			}
			return &struct{ Body []ScoreRuleJSON }{toJSON(rs)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "set-lead-scoring", Method: http.MethodPut, Path: "/lead-scoring",
		Summary: "Replace the lead scoring rules (managers and administrators)", Tags: tags},
		func(ctx context.Context, in *struct {
			Body []ScoreRuleJSON `maxItems:"100"`
		}) (*struct{ Body []ScoreRuleJSON }, error) {
			var rs []sales.ScoreRule
			for _, r := range in.Body {
				rs = append(rs, sales.ScoreRule{Kind: r.Kind, Field: r.Field, Op: r.Op, Value: r.Value, Points: r.Points, Label: r.Label})
			}
			got, err := s.Leads.SetScoreRules(ctx, actorFrom(ctx), rs)
			if err != nil {
				return nil, s.fail(ctx, "scoring rules", err)
			}
			return &struct{ Body []ScoreRuleJSON }{toJSON(got)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "set-lead-territory", Method: http.MethodPut,
		Path: "/lead-territories/{country}", Summary: "Send a country's new leads to a team (team_id 0 removes)", Tags: tags},
		func(ctx context.Context, in *struct {
			Country string `path:"country" maxLength:"100"`
			Body    struct {
				TeamID int64 `json:"team_id" minimum:"0"`
			}
		}) (*struct {
			Body struct {
				Country string `json:"country"`
				TeamID  int64  `json:"team_id"`
			}
		}, error) {
			code, err := s.Leads.SetTerritory(ctx, actorFrom(ctx), in.Country, in.Body.TeamID)
			if err != nil {
				return nil, s.fail(ctx, "territory", err)
			}
			out := &struct {
				Body struct {
					Country string `json:"country"`
					TeamID  int64  `json:"team_id"`
				}
			}{}
			out.Body.Country, out.Body.TeamID = code, in.Body.TeamID
			return out, nil
		})
}
