package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/scrms/scrms/internal/mail"
	"github.com/scrms/scrms/internal/support"
)

// CaseJSON is a service case.
type CaseJSON struct {
	ID                int64        `json:"id"`
	Token             string       `json:"token" doc:"What SCRMS puts in email subjects; a reply carrying it threads onto the case."`
	Subject           string       `json:"subject"`
	Type              string       `json:"type"`
	Category          string       `json:"category,omitempty"`
	SuggestedCategory string       `json:"suggested_category,omitempty" doc:"The category model's guess from the case's text."`
	Priority          string       `json:"priority" enum:"low,normal,high,urgent"`
	Status            string       `json:"status" enum:"new,open,pending,resolved,closed"`
	Channel           string       `json:"channel"`
	CustomerID        int64        `json:"customer_id"`
	CustomerName      string       `json:"customer_name"`
	QueueID           *int64       `json:"queue_id,omitempty"`
	QueueName         string       `json:"queue_name,omitempty"`
	AssigneeID        *int64       `json:"assignee_id,omitempty"`
	AssigneeName      string       `json:"assignee_name,omitempty"`
	ProductSKU        string       `json:"product_sku,omitempty"`
	OrderID           *int64       `json:"order_id,omitempty"`
	PolicyID          *int64       `json:"sla_policy_id,omitempty"`
	FirstResponseDue  *time.Time   `json:"first_response_due,omitempty"`
	FirstRespondedAt  *time.Time   `json:"first_responded_at,omitempty"`
	NextResponseDue   *time.Time   `json:"next_response_due,omitempty"`
	ResolutionDue     *time.Time   `json:"resolution_due,omitempty"`
	PausedAt          *time.Time   `json:"paused_at,omitempty" doc:"Set while the case waits on the customer: the SLA clock is stopped."`
	ResolvedAt        *time.Time   `json:"resolved_at,omitempty"`
	ClosedAt          *time.Time   `json:"closed_at,omitempty"`
	ResolutionCode    string       `json:"resolution_code,omitempty"`
	RootCause         string       `json:"root_cause,omitempty"`
	MergedInto        *int64       `json:"merged_into,omitempty"`
	ParentID          *int64       `json:"parent_id,omitempty" doc:"The case this one was split from or follows up."`
	Reopened          int          `json:"reopened"`
	Timers            []TimerJSON  `json:"timers,omitempty"`
	CreatedAt         time.Time    `json:"created_at"`
	UpdatedAt         time.Time    `json:"updated_at"`
	Messages          []CaseMsgOut `json:"messages,omitempty"`
}

// TimerJSON is one SLA target of a case.
type TimerJSON struct {
	Metric      string     `json:"metric" enum:"first_response,next_response,resolution"`
	Due         time.Time  `json:"due"`
	Met         *time.Time `json:"met,omitempty"`
	Paused      bool       `json:"paused"`
	Breached    bool       `json:"breached"`
	SecondsLeft int64      `json:"seconds_left" doc:"Business seconds left; negative when overdue."`
}

// CaseMsgOut is one message of a case.
type CaseMsgOut struct {
	ID           int64        `json:"id"`
	Kind         string       `json:"kind"`
	Inbound      bool         `json:"inbound"`
	Internal     bool         `json:"internal"`
	Auto         bool         `json:"auto"`
	AuthorID     *int64       `json:"author_id,omitempty"`
	AuthorName   string       `json:"author_name,omitempty"`
	From         string       `json:"from,omitempty"`
	To           string       `json:"to,omitempty"`
	Subject      string       `json:"subject,omitempty"`
	Body         string       `json:"body"`
	MessageID    string       `json:"message_id,omitempty"`
	RecordingURL string       `json:"recording_url,omitempty"`
	SentAt       *time.Time   `json:"sent_at,omitempty"`
	CreatedAt    time.Time    `json:"created_at"`
	Attachments  []CaseFileJS `json:"attachments,omitempty"`
}

// CaseFileJS names a file of a message.
type CaseFileJS struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	URL         string `json:"url"`
}

func caseJSON(c support.Case, timers []support.Timer) CaseJSON {
	j := CaseJSON{ID: c.ID, Token: c.Token(), Subject: c.Subject, Type: c.Type, Category: c.Category,
		SuggestedCategory: c.SuggestedCategory, Priority: c.Priority, Status: c.Status, Channel: c.Channel,
		CustomerID: c.CustomerID, CustomerName: c.CustomerName, QueueID: optID(c.QueueID), QueueName: c.QueueName,
		AssigneeID: optID(c.AssigneeID), AssigneeName: c.AssigneeName, ProductSKU: c.ProductSKU, OrderID: optID(c.OrderID),
		PolicyID: optID(c.PolicyID), FirstResponseDue: optTime(c.FirstResponseDue), FirstRespondedAt: optTime(c.FirstRespondedAt),
		NextResponseDue: optTime(c.NextResponseDue), ResolutionDue: optTime(c.ResolutionDue), PausedAt: optTime(c.PausedAt),
		ResolvedAt: optTime(c.ResolvedAt), ClosedAt: optTime(c.ClosedAt), ResolutionCode: c.ResolutionCode,
		RootCause: c.RootCause, MergedInto: optID(c.MergedInto), ParentID: optID(c.ParentID), Reopened: c.Reopened,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	for _, t := range timers {
		j.Timers = append(j.Timers, TimerJSON{Metric: t.Metric, Due: t.Due, Met: optTime(t.Met), Paused: t.Paused,
			Breached: t.Breached, SecondsLeft: int64(t.Left / time.Second)})
	}
	return j
}

func caseMsgJSON(m support.Message) CaseMsgOut {
	out := CaseMsgOut{ID: m.ID, Kind: m.Kind, Inbound: m.Inbound, Internal: m.Internal, Auto: m.Auto,
		AuthorID: optID(m.AuthorID), AuthorName: m.AuthorName, From: m.From, To: m.To, Subject: m.Subject, Body: m.Body,
		MessageID: m.MessageID, RecordingURL: m.RecordingURL, SentAt: optTime(m.SentAt), CreatedAt: m.CreatedAt}
	for _, a := range m.Attachments {
		out.Attachments = append(out.Attachments, CaseFileJS{ID: a.ID, Name: a.Name, ContentType: a.ContentType,
			Size: a.Size, URL: fmt.Sprintf("%s/case-files/%d", Prefix, a.ID)})
	}
	return out
}

// CaseInputJSON is a new case or the changes to one.
type CaseInputJSON struct {
	Subject        *string `json:"subject,omitempty" maxLength:"300"`
	Description    string  `json:"description,omitempty" maxLength:"100000" doc:"A new case's first message, from the customer."`
	Type           *string `json:"type,omitempty" doc:"One of the configured case types (GET /case-types)."`
	Category       *string `json:"category,omitempty" maxLength:"100"`
	Priority       *string `json:"priority,omitempty" enum:"low,normal,high,urgent"`
	Status         *string `json:"status,omitempty" enum:"new,open,pending,resolved,closed"`
	Channel        string  `json:"channel,omitempty" enum:"email,web,chat,phone,social,portal,agent,api," doc:"Where a new case came from."`
	CustomerID     *int64  `json:"customer_id,omitempty"`
	QueueID        *int64  `json:"queue_id,omitempty" doc:"Moving a case to a queue assigns it by the queue's rule unless assignee_id is given."`
	AssigneeID     *int64  `json:"assignee_id,omitempty"`
	ProductSKU     *string `json:"product_sku,omitempty"`
	OrderID        *int64  `json:"order_id,omitempty"`
	ResolutionCode *string `json:"resolution_code,omitempty" maxLength:"100" doc:"Required to resolve a case."`
	RootCause      *string `json:"root_cause,omitempty" maxLength:"500"`
	RecordingURL   string  `json:"recording_url,omitempty" maxLength:"2000" doc:"A logged phone call's recording."`
}

func (in CaseInputJSON) input() support.CaseInput {
	return support.CaseInput{Subject: in.Subject, Description: in.Description, Type: in.Type, Category: in.Category,
		Priority: in.Priority, Status: in.Status, Channel: in.Channel, CustomerID: in.CustomerID, QueueID: in.QueueID,
		AssigneeID: in.AssigneeID, ProductSKU: in.ProductSKU, OrderID: in.OrderID, ResolutionCode: in.ResolutionCode,
		RootCause: in.RootCause, RecordingURL: in.RecordingURL}
}

// CaseMessageInJSON is a reply, a note, or a customer's message.
type CaseMessageInJSON struct {
	Body     string `json:"body" minLength:"1" maxLength:"100000"`
	Internal bool   `json:"internal,omitempty" doc:"An internal note: never sent to the customer; @mentions notify colleagues."`
	From     string `json:"from,omitempty" enum:"agent,customer," doc:"customer: a message from the customer (a social message, a portal reply) posted by a system."`
	Channel  string `json:"channel,omitempty" enum:"email,chat,phone,social,portal," doc:"Default: email for a reply."`
	Status   string `json:"status,omitempty" enum:"new,open,pending,resolved,closed," doc:"Leave the case in this status (pending: waiting on the customer)."`
}

// QueueJSON is a queue with its agents.
type QueueJSON struct {
	ID         int64        `json:"id"`
	Name       string       `json:"name"`
	Email      string       `json:"email,omitempty" doc:"Inbound address routed to this queue."`
	Strategy   string       `json:"strategy" enum:"round_robin,least_loaded,skill"`
	TeamID     *int64       `json:"team_id,omitempty"`
	ManagerID  *int64       `json:"manager_id,omitempty"`
	Categories []string     `json:"categories"`
	Members    []MemberJSON `json:"members"`
}

// MemberJSON is an agent of a queue.
type MemberJSON struct {
	UserID   int64    `json:"user_id"`
	Name     string   `json:"name,omitempty" readOnly:"true"`
	Skills   []string `json:"skills,omitempty"`
	Capacity int      `json:"capacity,omitempty" doc:"Open cases at most; 0: no limit."`
	Status   string   `json:"status,omitempty" readOnly:"true"`
	Open     int      `json:"open_cases" readOnly:"true"`
}

func queueJSON(q support.Queue) QueueJSON {
	j := QueueJSON{ID: q.ID, Name: q.Name, Email: q.Email, Strategy: q.Strategy, TeamID: optID(q.TeamID),
		ManagerID: optID(q.ManagerID), Categories: q.Categories, Members: []MemberJSON{}}
	if j.Categories == nil {
		j.Categories = []string{}
	}
	for _, m := range q.Members {
		j.Members = append(j.Members, MemberJSON{UserID: m.UserID, Name: m.Name, Skills: m.Skills, Capacity: m.Capacity,
			Status: m.Status, Open: m.Open})
	}
	return j
}

// QueueInJSON sets up a queue.
type QueueInJSON struct {
	Name       string       `json:"name" maxLength:"100"`
	Email      string       `json:"email,omitempty"`
	Strategy   string       `json:"strategy,omitempty" enum:"round_robin,least_loaded,skill,"`
	TeamID     int64        `json:"team_id,omitempty"`
	ManagerID  int64        `json:"manager_id,omitempty"`
	Categories []string     `json:"categories,omitempty" doc:"Suggested categories routed to this queue."`
	Members    []MemberJSON `json:"members,omitempty"`
}

func (in QueueInJSON) input() support.QueueInput {
	q := support.QueueInput{Name: in.Name, Email: in.Email, Strategy: in.Strategy, TeamID: in.TeamID,
		ManagerID: in.ManagerID, Categories: in.Categories}
	for _, m := range in.Members {
		q.Members = append(q.Members, support.Member{UserID: m.UserID, Skills: m.Skills, Capacity: m.Capacity})
	}
	return q
}

// PolicyJSON is an SLA policy.
type PolicyJSON struct {
	ID                   int64                `json:"id,omitempty" readOnly:"true"`
	Name                 string               `json:"name"`
	Type                 string               `json:"type,omitempty" doc:"Case type it applies to; empty: any."`
	Priority             string               `json:"priority,omitempty" enum:"low,normal,high,urgent," doc:"Empty: any."`
	Tier                 string               `json:"tier,omitempty" doc:"A customer tag (vip), a loyalty tier (gold) or tier benefit (priority_service); empty: any."`
	FirstResponseMinutes float64              `json:"first_response_minutes,omitempty" minimum:"0"`
	NextResponseMinutes  float64              `json:"next_response_minutes,omitempty" minimum:"0"`
	ResolutionMinutes    float64              `json:"resolution_minutes,omitempty" minimum:"0"`
	CalendarID           int64                `json:"calendar_id,omitempty" doc:"Business hours; 0: around the clock."`
	Escalations          []support.Escalation `json:"escalations,omitempty"`
}

func policyJSON(p support.Policy) PolicyJSON {
	return PolicyJSON{ID: p.ID, Name: p.Name, Type: p.Type, Priority: p.Priority, Tier: p.Tier,
		FirstResponseMinutes: p.FirstResponse.Minutes(), NextResponseMinutes: p.NextResponse.Minutes(),
		ResolutionMinutes: p.Resolution.Minutes(), CalendarID: p.CalendarID, Escalations: p.Escalations}
}

// CalendarJSON is a business-hours calendar.
type CalendarJSON struct {
	ID       int64               `json:"id,omitempty" readOnly:"true"`
	Name     string              `json:"name"`
	TimeZone string              `json:"time_zone,omitempty" doc:"IANA zone, e.g. Europe/Berlin. Default UTC."`
	Hours    map[string][]string `json:"hours" doc:"Working spans per weekday, e.g. {\"monday\": [\"09:00-17:00\"]}."`
	Holidays []string            `json:"holidays,omitempty" doc:"Dates (YYYY-MM-DD) without working time."`
}

func calendarJSON(c support.Calendar) CalendarJSON {
	j := CalendarJSON{ID: c.ID, Name: c.Name, TimeZone: c.TimeZone, Hours: map[string][]string{}, Holidays: c.Holidays}
	for d, spans := range c.Hours {
		for _, sp := range spans {
			day := strings.ToLower(time.Weekday(d).String())
			j.Hours[day] = append(j.Hours[day], sp.String())
		}
	}
	return j
}

// InboundJSON says what became of an inbound email.
type InboundJSON struct {
	Outcome   string `json:"outcome" enum:"created,threaded,reopened,duplicate,ignored"`
	Reason    string `json:"reason,omitempty"`
	CaseID    int64  `json:"case_id,omitempty"`
	MessageID int64  `json:"message_id,omitempty"`
}

func (s *server) registerCases(api huma.API) {
	tags := []string{"Service"}
	type caseOut struct{ Body CaseJSON }
	type casePath struct {
		ID int64 `path:"id" minimum:"1"`
	}
	huma.Register(api, huma.Operation{OperationID: "create-case", Method: http.MethodPost, Path: "/cases",
		Summary: "Open a case (by hand, a logged call, a social message, a system)", Tags: tags,
		DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct{ Body CaseInputJSON }) (*caseOut, error) {
			c, err := s.Support.CreateCase(ctx, actorFrom(ctx), in.Body.input())
			if err != nil {
				return nil, s.fail(ctx, "create case", err)
			}
			return &caseOut{Body: caseJSON(c, s.Support.Timers(ctx, c))}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "list-cases", Method: http.MethodGet, Path: "/cases",
		Summary: "Cases, newest first: a queue's, an agent's, a customer's", Tags: tags},
		func(ctx context.Context, in *struct {
			Status     string `query:"status" doc:"active (new, open, pending) or one status; default all"`
			QueueID    int64  `query:"queue_id"`
			AssigneeID int64  `query:"assignee_id"`
			Mine       bool   `query:"mine" doc:"Only the caller's cases."`
			Unassigned bool   `query:"unassigned"`
			CustomerID int64  `query:"customer_id"`
			Priority   string `query:"priority" enum:"low,normal,high,urgent,"`
			Breached   bool   `query:"breached" doc:"Only cases past an SLA target."`
			Q          string `query:"q" doc:"Words in the subject."`
			Before     int64  `query:"before" doc:"Paging: cases with a smaller id."`
			Limit      int    `query:"limit" minimum:"0" maximum:"500"`
		}) (*struct{ Body []CaseJSON }, error) {
			a := actorFrom(ctx)
			f := support.CaseFilter{Status: in.Status, QueueID: in.QueueID, AssigneeID: in.AssigneeID, Unassigned: in.Unassigned,
				CustomerID: in.CustomerID, Priority: in.Priority, Breached: in.Breached, Text: in.Q, AfterID: in.Before, Limit: in.Limit}
			if in.Mine {
				f.AssigneeID = a.UserID
			}
			cs, err := s.Support.ListCases(ctx, a, f)
			if err != nil {
				return nil, s.fail(ctx, "cases", err)
			}
			out := make([]CaseJSON, 0, len(cs))
			for _, c := range cs {
				out = append(out, caseJSON(c, nil))
			}
			return &struct{ Body []CaseJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-case", Method: http.MethodGet, Path: "/cases/{id}",
		Summary: "One case with its SLA timers and messages", Tags: tags},
		func(ctx context.Context, in *casePath) (*caseOut, error) {
			a := actorFrom(ctx)
			c, err := s.Support.FindCase(ctx, a, in.ID)
			if err != nil {
				return nil, s.fail(ctx, "case", err)
			}
			msgs, err := s.Support.Messages(ctx, a, in.ID)
			if err != nil {
				return nil, s.fail(ctx, "case", err)
			}
			j := caseJSON(c, s.Support.Timers(ctx, c))
			for _, m := range msgs {
				j.Messages = append(j.Messages, caseMsgJSON(m))
			}
			return &caseOut{Body: j}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "update-case", Method: http.MethodPatch, Path: "/cases/{id}",
		Summary: "Change a case: status, priority, queue, assignee, type, category, product, order, resolution", Tags: tags},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body CaseInputJSON
		}) (*caseOut, error) {
			c, err := s.Support.UpdateCase(ctx, actorFrom(ctx), in.ID, in.Body.input())
			if err != nil {
				return nil, s.fail(ctx, "update case", err)
			}
			return &caseOut{Body: caseJSON(c, s.Support.Timers(ctx, c))}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "case-message", Method: http.MethodPost, Path: "/cases/{id}/messages",
		Summary: "Reply to the customer, add an internal note, or post the customer's message", Tags: tags,
		DefaultStatus: http.StatusCreated,
		Description: "A reply by email goes out through the outbox (threaded with In-Reply-To and the case token) and " +
			"counts as the first or next response; a note stays internal."},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body CaseMessageInJSON
		}) (*struct{ Body CaseMsgOut }, error) {
			a := actorFrom(ctx)
			if in.Body.From == "customer" {
				kind := map[string]string{"chat": support.MsgChat, "social": support.MsgSocial, "phone": support.MsgPhone,
					"portal": support.MsgPortal, "email": support.MsgEmailIn, "": support.MsgSocial}[in.Body.Channel]
				res, err := s.Support.CustomerReply(ctx, a, in.ID, kind, in.Body.Body)
				if err != nil {
					return nil, s.fail(ctx, "case message", err)
				}
				return &struct{ Body CaseMsgOut }{CaseMsgOut{ID: res.MessageID, Kind: kind, Inbound: true, Body: in.Body.Body,
					CreatedAt: time.Now().UTC()}}, nil
			}
			m, err := s.Support.Reply(ctx, a, in.ID, support.ReplyInput{Body: in.Body.Body, Internal: in.Body.Internal,
				Status: in.Body.Status, Channel: in.Body.Channel})
			if err != nil {
				return nil, s.fail(ctx, "case message", err)
			}
			return &struct{ Body CaseMsgOut }{caseMsgJSON(m)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "merge-case", Method: http.MethodPost, Path: "/cases/{id}/merge",
		Summary: "Merge this case into another of the same customer", Tags: tags},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body struct {
				Into int64 `json:"into" minimum:"1"`
			}
		}) (*caseOut, error) {
			c, err := s.Support.MergeCases(ctx, actorFrom(ctx), in.ID, in.Body.Into)
			if err != nil {
				return nil, s.fail(ctx, "merge case", err)
			}
			return &caseOut{Body: caseJSON(c, nil)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "split-case", Method: http.MethodPost, Path: "/cases/{id}/split",
		Summary: "Move some messages of a case into a new case", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body struct {
				MessageIDs []int64 `json:"message_ids" minItems:"1"`
				Subject    string  `json:"subject,omitempty" maxLength:"300"`
			}
		}) (*caseOut, error) {
			c, err := s.Support.SplitCase(ctx, actorFrom(ctx), in.ID, in.Body.MessageIDs, in.Body.Subject)
			if err != nil {
				return nil, s.fail(ctx, "split case", err)
			}
			return &caseOut{Body: caseJSON(c, nil)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "case-breaches", Method: http.MethodGet, Path: "/cases/{id}/breaches",
		Summary: "The SLA targets a case missed", Tags: tags},
		func(ctx context.Context, in *casePath) (*struct {
			Body []BreachJSON
		}, error) {
			bs, err := s.Support.Breaches(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "breaches", err)
			}
			out := &struct {
				Body []BreachJSON
			}{}
			for _, b := range bs {
				out.Body = append(out.Body, BreachJSON{b.Metric, b.DueAt, b.BreachedAt})
			}
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "inbound-email", Method: http.MethodPost, Path: "/inbound/email",
		Summary: "Receive a support email (the raw message)", Tags: tags, MaxBodyBytes: mail.MaxEmailBytes,
		Description: "Post the message as a mail provider forwards it (Content-Type: message/rfc822), with the address it " +
			"was sent to in ?to= (it picks the queue). A reply threads onto its case; automatic replies and bounces are " +
			"ignored (200, outcome ignored); the same message twice is stored once (outcome duplicate)."},
		func(ctx context.Context, in *struct {
			To      string `query:"to" doc:"The recipient address; default the message's To."`
			RawBody []byte `contentType:"message/rfc822"`
		}) (*struct {
			Status int
			Body   InboundJSON
		}, error) {
			res, err := s.Support.InboundEmail(ctx, actorFrom(ctx), in.RawBody, in.To)
			if err != nil {
				return nil, s.fail(ctx, "inbound email", err)
			}
			status := http.StatusOK
			if res.Outcome == support.InboundCreated {
				status = http.StatusCreated
			}
			return &struct {
				Status int
				Body   InboundJSON
			}{status, InboundJSON{Outcome: res.Outcome, Reason: res.Reason, CaseID: res.CaseID, MessageID: res.MessageID}}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "list-queues", Method: http.MethodGet, Path: "/queues",
		Summary: "Queues with their agents and load", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body []QueueJSON }, error) {
			qs, err := s.Support.Queues(ctx, actorFrom(ctx))
			if err != nil {
				return nil, s.fail(ctx, "queues", err)
			}
			out := make([]QueueJSON, 0, len(qs))
			for _, q := range qs {
				out = append(out, queueJSON(q))
			}
			return &struct{ Body []QueueJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "create-queue", Method: http.MethodPost, Path: "/queues",
		Summary: "Set up a queue", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct{ Body QueueInJSON }) (*struct{ Body QueueJSON }, error) {
			q, err := s.Support.CreateQueue(ctx, actorFrom(ctx), in.Body.input())
			if err != nil {
				return nil, s.fail(ctx, "create queue", err)
			}
			return &struct{ Body QueueJSON }{queueJSON(q)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "update-queue", Method: http.MethodPut, Path: "/queues/{id}",
		Summary: "Change a queue's settings and agents", Tags: tags},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body QueueInJSON
		}) (*struct{ Body QueueJSON }, error) {
			q, err := s.Support.UpdateQueue(ctx, actorFrom(ctx), in.ID, in.Body.input())
			if err != nil {
				return nil, s.fail(ctx, "update queue", err)
			}
			return &struct{ Body QueueJSON }{queueJSON(q)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "agent-status", Method: http.MethodPut, Path: "/agent-status",
		Summary: "Set whether the caller takes new cases", Tags: tags, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *struct {
			Body struct {
				Status string `json:"status" enum:"available,away"`
			}
		}) (*struct{}, error) {
			if err := s.Support.SetAgentStatus(ctx, actorFrom(ctx), in.Body.Status); err != nil {
				return nil, s.fail(ctx, "agent status", err)
			}
			return &struct{}{}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "list-sla-policies", Method: http.MethodGet, Path: "/sla-policies",
		Summary: "SLA policies in the order they are tried", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body []PolicyJSON }, error) {
			ps, err := s.Support.Policies(ctx, actorFrom(ctx))
			if err != nil {
				return nil, s.fail(ctx, "policies", err)
			}
			out := make([]PolicyJSON, 0, len(ps))
			for _, p := range ps {
				out = append(out, policyJSON(p))
			}
			return &struct{ Body []PolicyJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "create-sla-policy", Method: http.MethodPost, Path: "/sla-policies",
		Summary: "Add an SLA policy (tried after the existing ones)", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct{ Body PolicyJSON }) (*struct{ Body PolicyJSON }, error) {
			b := in.Body
			min := func(m float64) time.Duration { return time.Duration(m * float64(time.Minute)) }
			p, err := s.Support.CreatePolicy(ctx, actorFrom(ctx), support.Policy{Name: b.Name, Type: b.Type,
				Priority: b.Priority, Tier: b.Tier, FirstResponse: min(b.FirstResponseMinutes),
				NextResponse: min(b.NextResponseMinutes), Resolution: min(b.ResolutionMinutes), CalendarID: b.CalendarID,
				Escalations: b.Escalations})
			if err != nil {
				return nil, s.fail(ctx, "create policy", err)
			}
			return &struct{ Body PolicyJSON }{policyJSON(p)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "list-calendars", Method: http.MethodGet, Path: "/business-calendars",
		Summary: "Business-hours calendars", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body []CalendarJSON }, error) {
			cs, err := s.Support.Calendars(ctx, actorFrom(ctx))
			if err != nil {
				return nil, s.fail(ctx, "calendars", err)
			}
			out := make([]CalendarJSON, 0, len(cs))
			for _, c := range cs {
				out = append(out, calendarJSON(c))
			}
			return &struct{ Body []CalendarJSON }{out}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "create-calendar", Method: http.MethodPost, Path: "/business-calendars",
		Summary: "Add a business-hours calendar with holidays", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct{ Body CalendarJSON }) (*struct{ Body CalendarJSON }, error) {
			c, err := s.Support.CreateCalendar(ctx, actorFrom(ctx), support.CalendarInput{Name: in.Body.Name,
				TimeZone: in.Body.TimeZone, Hours: in.Body.Hours, Holidays: in.Body.Holidays})
			if err != nil {
				return nil, s.fail(ctx, "create calendar", err)
			}
			return &struct{ Body CalendarJSON }{calendarJSON(c)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "case-file", Method: http.MethodGet, Path: "/case-files/{id}",
		Summary: "Download a file of a case message", Tags: tags},
		func(ctx context.Context, in *casePath) (*struct {
			ContentType        string `header:"Content-Type"`
			ContentDisposition string `header:"Content-Disposition"`
			Body               []byte
		}, error) {
			at, err := s.Support.Attachment(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "case file", err)
			}
			ct, disp := "application/octet-stream", "attachment"
			for _, t := range inlineTypes {
				if strings.HasPrefix(at.ContentType, t) {
					ct, disp = at.ContentType, "inline"
				}
			}
			name := strings.NewReplacer(`"`, "", "\r", "", "\n", "").Replace(at.Name)
			return &struct {
				ContentType        string `header:"Content-Type"`
				ContentDisposition string `header:"Content-Disposition"`
				Body               []byte
			}{ct, fmt.Sprintf(`%s; filename="%s"`, disp, name), at.Data}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "case-types", Method: http.MethodGet, Path: "/case-types",
		Summary: "The configured case types", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body []string }, error) {
			return &struct{ Body []string }{s.Support.CaseTypes(ctx)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "set-case-types", Method: http.MethodPut, Path: "/case-types",
		Summary: "Configure the case types", Tags: tags},
		func(ctx context.Context, in *struct{ Body []string }) (*struct{ Body []string }, error) {
			ts, err := s.Support.SetCaseTypes(ctx, actorFrom(ctx), in.Body)
			if err != nil {
				return nil, s.fail(ctx, "case types", err)
			}
			return &struct{ Body []string }{ts}, nil
		})
}

// BreachJSON is an SLA target a case missed.
type BreachJSON struct {
	Metric     string    `json:"metric"`
	DueAt      time.Time `json:"due_at"`
	BreachedAt time.Time `json:"breached_at"`
}
