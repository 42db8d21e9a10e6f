package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/scrms/scrms/internal/customer"
)

// EmailJSON is an email contact point.
type EmailJSON struct {
	Address string `json:"address" maxLength:"254" doc:"The email address."`
	Label   string `json:"label,omitempty" maxLength:"50" doc:"work, home, billing…"`
	Primary bool   `json:"primary,omitempty" doc:"The address to use first; one per customer."`
}

// PhoneJSON is a phone contact point.
type PhoneJSON struct {
	Number  string `json:"number" maxLength:"40" doc:"Any common format; stored and returned in E.164."`
	Label   string `json:"label,omitempty" maxLength:"50"`
	Primary bool   `json:"primary,omitempty"`
}

// AddressJSON is a postal address.
type AddressJSON struct {
	Label      string `json:"label,omitempty" maxLength:"50"`
	Line1      string `json:"line1,omitempty" maxLength:"200"`
	Line2      string `json:"line2,omitempty" maxLength:"200"`
	City       string `json:"city,omitempty" maxLength:"200"`
	Region     string `json:"region,omitempty" maxLength:"200"`
	PostalCode string `json:"postal_code,omitempty" maxLength:"200"`
	Country    string `json:"country,omitempty" maxLength:"2" doc:"ISO 3166-1 alpha-2 code."`
	Primary    bool   `json:"primary,omitempty"`
}

// CustomerJSON is a customer as the API returns it.
type CustomerJSON struct {
	ID             int64         `json:"id"`
	Kind           string        `json:"kind" enum:"person,organization"`
	FirstName      string        `json:"first_name"`
	LastName       string        `json:"last_name"`
	Name           string        `json:"name" doc:"The organisation's name, or the person's full name."`
	Emails         []EmailJSON   `json:"emails"`
	Phones         []PhoneJSON   `json:"phones"`
	Addresses      []AddressJSON `json:"addresses"`
	Tags           []string      `json:"tags"`
	LifecycleStage string        `json:"lifecycle_stage"`
	Status         string        `json:"status"`
	OwnerID        *int64        `json:"owner_id"`
	TeamID         *int64        `json:"team_id"`
	ExternalID     *string       `json:"external_id"`
	Profile        ProfileJSON   `json:"profile"`
	PIIMasked      bool          `json:"pii_masked,omitempty" doc:"Contact details are masked: the caller's role may not read them."`
	CreatedAt      time.Time     `json:"created_at"`
	UpdatedAt      time.Time     `json:"updated_at"`
	DeletedAt      *time.Time    `json:"deleted_at,omitempty" doc:"Set while the customer is in the bin."`
	MergedInto     *int64        `json:"merged_into,omitempty" doc:"The surviving customer, when this record was merged into another."`
	ErasedAt       *time.Time    `json:"erased_at,omitempty" doc:"Set when the customer's personal data was erased on request."`
}

func optID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func customerJSON(c customer.Customer) CustomerJSON {
	j := CustomerJSON{ID: c.ID, Kind: string(c.Kind), FirstName: c.FirstName, LastName: c.LastName, Name: c.Name,
		Emails: []EmailJSON{}, Phones: []PhoneJSON{}, Addresses: []AddressJSON{}, Tags: c.Tags,
		LifecycleStage: c.LifecycleStage, Status: c.Status, OwnerID: optID(c.OwnerID), TeamID: optID(c.TeamID),
		PIIMasked: c.Masked, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, Profile: ProfileJSON(c.Profile)}
	if j.Tags == nil {
		j.Tags = []string{}
	}
	if c.ExternalID != "" {
		j.ExternalID = &c.ExternalID
	}
	if c.Deleted() {
		j.DeletedAt = &c.DeletedAt
	}
	j.MergedInto, j.ErasedAt = optID(c.MergedInto), optTime(c.ErasedAt)
	for _, e := range c.Emails {
		j.Emails = append(j.Emails, EmailJSON(e))
	}
	for _, p := range c.Phones {
		j.Phones = append(j.Phones, PhoneJSON(p))
	}
	for _, a := range c.Addresses {
		j.Addresses = append(j.Addresses, AddressJSON(a))
	}
	return j
}

// ProfileJSON is the customer's profile: demographics, language and time
// zone, contact preferences, where they came from, company details.
type ProfileJSON struct {
	BirthDate        string   `json:"birth_date,omitempty" doc:"YYYY-MM-DD; people only."`
	Language         string   `json:"language,omitempty" maxLength:"35" doc:"ISO 639-1 code, e.g. en."`
	TimeZone         string   `json:"time_zone,omitempty" maxLength:"64" doc:"IANA time zone, e.g. Europe/London."`
	PreferredChannel string   `json:"preferred_channel,omitempty" enum:"email,phone,sms,post,"`
	QuietHours       string   `json:"quiet_hours,omitempty" maxLength:"20" doc:"HH:MM-HH:MM in the customer's time zone."`
	ReferralSource   string   `json:"referral_source,omitempty" maxLength:"100" doc:"How the customer found the business."`
	Website          string   `json:"website,omitempty" maxLength:"300"`
	Industry         string   `json:"industry,omitempty" maxLength:"100"`
	Categories       []string `json:"categories,omitempty" maxItems:"50" doc:"Product categories the customer likes."`
	Brands           []string `json:"brands,omitempty" maxItems:"50" doc:"Brands the customer likes."`
	ContactTimes     string   `json:"contact_times,omitempty" maxLength:"100" doc:"When the customer likes to be contacted, e.g. weekday evenings."`
}

// CustomerCreateJSON is the body of POST /customers.
type CustomerCreateJSON struct {
	Kind           string        `json:"kind" enum:"person,organization"`
	FirstName      string        `json:"first_name,omitempty" maxLength:"200"`
	LastName       string        `json:"last_name,omitempty" maxLength:"200"`
	Name           string        `json:"name,omitempty" maxLength:"200" doc:"Required for an organization."`
	Emails         []EmailJSON   `json:"emails,omitempty" maxItems:"10"`
	Phones         []PhoneJSON   `json:"phones,omitempty" maxItems:"10"`
	Addresses      []AddressJSON `json:"addresses,omitempty" maxItems:"10"`
	Tags           []string      `json:"tags,omitempty" maxItems:"50"`
	LifecycleStage string        `json:"lifecycle_stage,omitempty" doc:"Default lead."`
	Status         string        `json:"status,omitempty" doc:"Default active."`
	OwnerID        int64         `json:"owner_id,omitempty" doc:"Default: the caller. Another user needs the assign permission."`
	ExternalID     string        `json:"external_id,omitempty" maxLength:"200" doc:"Your system's id; unique."`
	Profile        *ProfileJSON  `json:"profile,omitempty"`
}

// CustomerPatchJSON is the body of PATCH /customers/{id}; absent fields stay.
type CustomerPatchJSON struct {
	Kind           *string        `json:"kind,omitempty" enum:"person,organization"`
	FirstName      *string        `json:"first_name,omitempty" maxLength:"200"`
	LastName       *string        `json:"last_name,omitempty" maxLength:"200"`
	Name           *string        `json:"name,omitempty" maxLength:"200"`
	Emails         *[]EmailJSON   `json:"emails,omitempty" maxItems:"10" doc:"Replaces all emails."`
	Phones         *[]PhoneJSON   `json:"phones,omitempty" maxItems:"10" doc:"Replaces all phones."`
	Addresses      *[]AddressJSON `json:"addresses,omitempty" maxItems:"10" doc:"Replaces all addresses."`
	Tags           *[]string      `json:"tags,omitempty" maxItems:"50" doc:"Replaces all tags."`
	LifecycleStage *string        `json:"lifecycle_stage,omitempty"`
	Status         *string        `json:"status,omitempty"`
	OwnerID        *int64         `json:"owner_id,omitempty" doc:"Needs the assign permission."`
	TeamID         *int64         `json:"team_id,omitempty" doc:"Needs the assign permission."`
	ExternalID     *string        `json:"external_id,omitempty" maxLength:"200" doc:"Empty string clears it."`
	Profile        *ProfileJSON   `json:"profile,omitempty" doc:"Replaces the whole profile."`
}

func emails(in []EmailJSON) []customer.Email {
	out := make([]customer.Email, len(in))
	for i, e := range in {
		out[i] = customer.Email(e)
	}
	return out
}

func phones(in []PhoneJSON) []customer.Phone {
	out := make([]customer.Phone, len(in))
	for i, p := range in {
		out[i] = customer.Phone(p)
	}
	return out
}

func addresses(in []AddressJSON) []customer.Address {
	out := make([]customer.Address, len(in))
	for i, a := range in {
		out[i] = customer.Address(a)
	}
	return out
}

type customerOutput struct {
	Body CustomerJSON
}

// CustomerPath is the {id} of a customer route.
type CustomerPath struct {
	ID int64 `path:"id" minimum:"1" doc:"The customer's id."`
}

type createCustomerInput struct {
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"255" doc:"Repeat a create safely: the same key returns the first result."`
	Body           CustomerCreateJSON
}

type patchCustomerInput struct {
	CustomerPath
	Body CustomerPatchJSON
}

// CustomerListJSON is a page of customers.
type CustomerListJSON struct {
	Items      []CustomerJSON `json:"items"`
	NextCursor string         `json:"next_cursor" doc:"Pass as cursor for the next page; empty on the last page."`
}

type listCustomersInput struct {
	Q           string    `query:"q" maxLength:"200" doc:"Prefix search on names, emails and phone numbers."`
	Tag         string    `query:"tag" maxLength:"50"`
	ListID      int64     `query:"list_id" doc:"Only customers on this static list."`
	SegmentID   int64     `query:"segment_id" doc:"Only customers in this marketing segment."`
	OwnerID     int64     `query:"owner_id"`
	Stage       string    `query:"stage" doc:"Lifecycle stage."`
	Status      string    `query:"status"`
	Kind        string    `query:"kind" enum:"person,organization,"`
	CreatedFrom time.Time `query:"created_from" doc:"RFC 3339 time, inclusive."`
	CreatedTo   time.Time `query:"created_to" doc:"RFC 3339 time, exclusive."`
	Deleted     bool      `query:"deleted" doc:"List the bin instead (needs the delete permission)."`
	Sort        string    `query:"sort" enum:"-created,created,name,-name,-updated,updated," doc:"Default -created (newest first)."`
	Cursor      string    `query:"cursor" maxLength:"500"`
	Limit       int       `query:"limit" minimum:"0" maximum:"200" doc:"Page size, default 50."`
}

type listCustomersOutput struct {
	Body CustomerListJSON
}

// NoteJSON is a note on a customer.
type NoteJSON struct {
	ID         int64     `json:"id"`
	CustomerID int64     `json:"customer_id"`
	AuthorID   *int64    `json:"author_id"`
	AuthorName string    `json:"author_name"`
	Body       string    `json:"body"`
	Pinned     bool      `json:"pinned"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// NoteInputJSON is a note as a client writes it.
type NoteInputJSON struct {
	Body   string `json:"body" minLength:"1" maxLength:"20000"`
	Pinned bool   `json:"pinned,omitempty"`
}

func noteJSON(n customer.Note) NoteJSON {
	return NoteJSON{ID: n.ID, CustomerID: n.CustomerID, AuthorID: optID(n.AuthorID), AuthorName: n.AuthorName,
		Body: n.Body, Pinned: n.Pinned, CreatedAt: n.CreatedAt, UpdatedAt: n.UpdatedAt}
}

type noteOutput struct{ Body NoteJSON }

// NotePath is the {id} and {note_id} of a note route.
type NotePath struct {
	CustomerPath
	NoteID int64 `path:"note_id" minimum:"1"`
}

// EventJSON is one timeline event.
type EventJSON struct {
	At      time.Time    `json:"at"`
	Kind    string       `json:"kind" doc:"note or change today; later also interaction, order, case, campaign, loyalty."`
	Action  string       `json:"action"`
	Title   string       `json:"title"`
	Body    string       `json:"body,omitempty"`
	Actor   string       `json:"actor"`
	RefID   int64        `json:"ref_id"`
	Changes []ChangeJSON `json:"changes,omitempty"`
}

// ChangeJSON is a changed field in a timeline event.
type ChangeJSON struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

func eventJSON(ev customer.Event) EventJSON {
	ej := EventJSON{At: ev.At, Kind: ev.Kind, Action: ev.Action, Title: ev.Title, Body: ev.Body,
		Actor: ev.Actor, RefID: ev.RefID}
	for _, c := range ev.Changes {
		ej.Changes = append(ej.Changes, ChangeJSON(c))
	}
	return ej
}

type timelineInput struct {
	CustomerPath
	Kind   []string `query:"kind,explode" doc:"Only these kinds (repeatable)."`
	Cursor string   `query:"cursor" maxLength:"500"`
	Limit  int      `query:"limit" minimum:"0" maximum:"100"`
}

type timelineOutput struct {
	Body struct {
		Items      []EventJSON `json:"items"`
		NextCursor string      `json:"next_cursor"`
	}
}

// TagJSON is a tag with its use count.
type TagJSON struct {
	Tag       string `json:"tag"`
	Customers int    `json:"customers"`
}

func (s *server) registerCustomers(api huma.API) {
	tags := []string{"Customers"}
	huma.Register(api, huma.Operation{OperationID: "create-customer", Method: http.MethodPost, Path: "/customers",
		Summary: "Create a customer", Tags: tags, DefaultStatus: http.StatusCreated, MaxBodyBytes: s.MaxBodyBytes},
		func(ctx context.Context, in *createCustomerInput) (*customerOutput, error) {
			b := in.Body
			c, err := s.Customers.CreateCustomer(ctx, actorFrom(ctx), customer.Input{Kind: customer.Kind(b.Kind),
				FirstName: b.FirstName, LastName: b.LastName, Name: b.Name, Emails: emails(b.Emails),
				Phones: phones(b.Phones), Addresses: addresses(b.Addresses), Tags: b.Tags,
				LifecycleStage: b.LifecycleStage, Status: b.Status, OwnerID: b.OwnerID, ExternalID: b.ExternalID,
				Profile: profileOf(b.Profile)})
			if err != nil {
				return nil, s.fail(ctx, "create customer", err)
			}
			return &customerOutput{Body: customerJSON(c)}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "get-customer", Method: http.MethodGet, Path: "/customers/{id}",
		Summary: "Get a customer", Tags: tags},
		func(ctx context.Context, in *CustomerPath) (*customerOutput, error) {
			c, err := s.Customers.FindCustomer(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "get customer", err)
			}
			return &customerOutput{Body: customerJSON(c)}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "update-customer", Method: http.MethodPatch, Path: "/customers/{id}",
		Summary: "Change some fields of a customer", Tags: tags, MaxBodyBytes: s.MaxBodyBytes},
		func(ctx context.Context, in *patchCustomerInput) (*customerOutput, error) {
			b := in.Body
			u := customer.Update{FirstName: b.FirstName, LastName: b.LastName, Name: b.Name, Tags: b.Tags,
				LifecycleStage: b.LifecycleStage, Status: b.Status, OwnerID: b.OwnerID, TeamID: b.TeamID,
				ExternalID: b.ExternalID}
			if b.Kind != nil {
				k := customer.Kind(*b.Kind)
				u.Kind = &k
			}
			if b.Profile != nil {
				p := profileOf(b.Profile)
				u.Profile = &p
			}
			if b.Emails != nil {
				e := emails(*b.Emails)
				u.Emails = &e
			}
			if b.Phones != nil {
				p := phones(*b.Phones)
				u.Phones = &p
			}
			if b.Addresses != nil {
				a := addresses(*b.Addresses)
				u.Addresses = &a
			}
			c, err := s.Customers.UpdateCustomer(ctx, actorFrom(ctx), in.ID, u)
			if err != nil {
				return nil, s.fail(ctx, "update customer", err)
			}
			return &customerOutput{Body: customerJSON(c)}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "delete-customer", Method: http.MethodDelete, Path: "/customers/{id}",
		Summary: "Move a customer to the bin", Tags: tags, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *CustomerPath) (*struct{}, error) {
			if err := s.Customers.DeleteCustomer(ctx, actorFrom(ctx), in.ID); err != nil {
				return nil, s.fail(ctx, "delete customer", err)
			}
			return nil, nil
		})

	huma.Register(api, huma.Operation{OperationID: "restore-customer", Method: http.MethodPost,
		Path: "/customers/{id}/restore", Summary: "Take a customer out of the bin", Tags: tags},
		func(ctx context.Context, in *CustomerPath) (*customerOutput, error) {
			a := actorFrom(ctx)
			if err := s.Customers.RestoreCustomer(ctx, a, in.ID); err != nil {
				return nil, s.fail(ctx, "restore customer", err)
			}
			c, err := s.Customers.FindCustomer(ctx, a, in.ID)
			if err != nil {
				return nil, s.fail(ctx, "restore customer", err)
			}
			return &customerOutput{Body: customerJSON(c)}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "list-customers", Method: http.MethodGet, Path: "/customers",
		Summary: "List and search customers", Tags: tags},
		func(ctx context.Context, in *listCustomersInput) (*listCustomersOutput, error) {
			a := actorFrom(ctx)
			p, err := s.Customers.FindCustomers(ctx, a, customer.Filter{Query: in.Q, Tag: in.Tag, ListID: in.ListID, SegmentID: in.SegmentID, OwnerID: in.OwnerID,
				Stage: in.Stage, Status: in.Status, Kind: customer.Kind(in.Kind), CreatedFrom: in.CreatedFrom,
				CreatedTo: in.CreatedTo, Deleted: in.Deleted, Sort: in.Sort, Cursor: in.Cursor, Limit: in.Limit})
			if err != nil {
				return nil, s.fail(ctx, "list customers", err)
			}
			out := &listCustomersOutput{Body: CustomerListJSON{Items: []CustomerJSON{}, NextCursor: p.NextCursor}}
			for _, it := range p.Items {
				c, err := s.Customers.FindCustomer(ctx, a, it.ID)
				if err != nil {
					return nil, s.fail(ctx, "list customers", err)
				}
				out.Body.Items = append(out.Body.Items, customerJSON(c))
			}
			return out, nil
		})

	huma.Register(api, huma.Operation{OperationID: "create-note", Method: http.MethodPost, Path: "/customers/{id}/notes",
		Summary: "Add a note to a customer", Tags: tags, DefaultStatus: http.StatusCreated, MaxBodyBytes: s.MaxBodyBytes},
		func(ctx context.Context, in *struct {
			CustomerPath
			Body NoteInputJSON
		}) (*noteOutput, error) {
			n, err := s.Customers.AddNote(ctx, actorFrom(ctx), in.ID, customer.NoteInput(in.Body))
			if err != nil {
				return nil, s.fail(ctx, "create note", err)
			}
			return &noteOutput{Body: noteJSON(n)}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "update-note", Method: http.MethodPut,
		Path: "/customers/{id}/notes/{note_id}", Summary: "Replace a note's text and pin", Tags: tags,
		MaxBodyBytes: s.MaxBodyBytes},
		func(ctx context.Context, in *struct {
			NotePath
			Body NoteInputJSON
		}) (*noteOutput, error) {
			n, err := s.Customers.UpdateNote(ctx, actorFrom(ctx), in.ID, in.NoteID, customer.NoteInput(in.Body))
			if err != nil {
				return nil, s.fail(ctx, "update note", err)
			}
			return &noteOutput{Body: noteJSON(n)}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "delete-note", Method: http.MethodDelete,
		Path: "/customers/{id}/notes/{note_id}", Summary: "Delete a note", Tags: tags, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *NotePath) (*struct{}, error) {
			if err := s.Customers.DeleteNote(ctx, actorFrom(ctx), in.ID, in.NoteID); err != nil {
				return nil, s.fail(ctx, "delete note", err)
			}
			return nil, nil
		})

	huma.Register(api, huma.Operation{OperationID: "customer-timeline", Method: http.MethodGet,
		Path: "/customers/{id}/timeline", Summary: "A customer's timeline, newest first", Tags: tags},
		func(ctx context.Context, in *timelineInput) (*timelineOutput, error) {
			p, err := s.Customers.Timeline(ctx, actorFrom(ctx), in.ID, in.Kind, in.Cursor, in.Limit)
			if err != nil {
				return nil, s.fail(ctx, "timeline", err)
			}
			out := &timelineOutput{}
			out.Body.Items = []EventJSON{}
			out.Body.NextCursor = p.NextCursor
			for _, ev := range p.Events {
				out.Body.Items = append(out.Body.Items, eventJSON(ev))
			}
			return out, nil
		})

	huma.Register(api, huma.Operation{OperationID: "list-tags", Method: http.MethodGet, Path: "/tags",
		Summary: "Tags in use, with counts over the customers you may see", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body []TagJSON }, error) {
			tc, err := s.Customers.Tags(ctx, actorFrom(ctx))
			if err != nil {
				return nil, s.fail(ctx, "list tags", err)
			}
			out := &struct{ Body []TagJSON }{Body: []TagJSON{}}
			for _, t := range tc {
				out.Body = append(out.Body, TagJSON(t))
			}
			return out, nil
		})
}

// CustomerExportJSON is everything about one customer.
type CustomerExportJSON struct {
	ExportedAt time.Time     `json:"exported_at"`
	Customer   CustomerJSON  `json:"customer"`
	Notes      []NoteJSON    `json:"notes"`
	Consents   []ConsentJSON `json:"consents"`
	Timeline   []EventJSON   `json:"timeline"`
	Truncated  bool          `json:"truncated,omitempty" doc:"Set when the timeline held more events than one export carries."`
}

func (s *server) registerCustomerExport(api huma.API) {
	huma.Register(api, huma.Operation{OperationID: "export-customer", Method: http.MethodGet,
		Path: "/customers/{id}/export", Tags: []string{"Customers"},
		Summary: "Everything about one customer, for a data subject's access request (audited)"},
		func(ctx context.Context, in *CustomerPath) (*struct{ Body CustomerExportJSON }, error) {
			x, cut, err := s.Customers.ExportCustomerData(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "export customer", err)
			}
			out := &struct{ Body CustomerExportJSON }{Body: CustomerExportJSON{ExportedAt: time.Now().UTC(),
				Customer: customerJSON(x.Customer), Notes: []NoteJSON{}, Consents: []ConsentJSON{}, Timeline: []EventJSON{},
				Truncated: cut}}
			for _, c := range x.Consents {
				out.Body.Consents = append(out.Body.Consents, consentJSON(c))
			}
			for _, n := range x.Notes {
				out.Body.Notes = append(out.Body.Notes, noteJSON(n))
			}
			for _, ev := range x.Events {
				out.Body.Timeline = append(out.Body.Timeline, eventJSON(ev))
			}
			return out, nil
		})
}

// ErasureJSON is the record of an erasure.
type ErasureJSON struct {
	CustomerID int64     `json:"customer_id"`
	Reason     string    `json:"reason"`
	Records    int       `json:"records_erased" doc:"The customer and the records merged into it."`
	ErasedAt   time.Time `json:"erased_at"`
}

func (s *server) registerCustomerErase(api huma.API) {
	huma.Register(api, huma.Operation{OperationID: "erase-customer", Method: http.MethodPost,
		Path: "/customers/{id}/erase", Tags: []string{"Customers"},
		Summary: "Erase a customer's personal data on their request (cannot be undone)",
		Description: "Names, contact points, addresses, profile and external id are removed; note and interaction " +
			"texts, consent proofs and addresses are blanked; relationships and household membership end. The record " +
			"keeps its id, kind, stage, owner, tags and dates so that reports still add up. Records merged into it " +
			"are erased too. The reason (a reference to the request) is recorded; it must not hold personal data."},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body struct {
				Reason string `json:"reason" maxLength:"500" doc:"A reference to the data subject's request."`
			}
		}) (*struct{ Body ErasureJSON }, error) {
			er, err := s.Customers.EraseCustomer(ctx, actorFrom(ctx), in.ID, in.Body.Reason)
			if err != nil {
				return nil, s.fail(ctx, "erase customer", err)
			}
			return &struct{ Body ErasureJSON }{ErasureJSON{CustomerID: er.CustomerID, Reason: er.Reason,
				Records: er.Records, ErasedAt: er.ErasedAt}}, nil
		})
}

func profileOf(p *ProfileJSON) customer.Profile {
	if p == nil {
		return customer.Profile{}
	}
	return customer.Profile(*p)
}

func (s *server) registerStages(api huma.API) {
	type stagesBody struct {
		Stages []string `json:"stages" minItems:"2" maxItems:"20" doc:"In order, e.g. prospect, lead, customer, loyal, at_risk, churned."`
	}
	huma.Register(api, huma.Operation{OperationID: "get-lifecycle-stages", Method: http.MethodGet,
		Path: "/settings/lifecycle-stages", Summary: "The lifecycle stages customers move through", Tags: []string{"Settings"}},
		func(ctx context.Context, _ *struct{}) (*struct{ Body stagesBody }, error) {
			return &struct{ Body stagesBody }{stagesBody{Stages: customer.LifecycleStages()}}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "set-lifecycle-stages", Method: http.MethodPut,
		Path: "/settings/lifecycle-stages", Summary: "Configure the lifecycle stages (administrators)", Tags: []string{"Settings"},
		Description: "A stage customers are in cannot be dropped (409 names them); move them first."},
		func(ctx context.Context, in *struct{ Body stagesBody }) (*struct{ Body stagesBody }, error) {
			list, err := s.Customers.ConfigureStages(ctx, actorFrom(ctx), in.Body.Stages)
			if err != nil {
				return nil, s.fail(ctx, "configure stages", err)
			}
			return &struct{ Body stagesBody }{stagesBody{Stages: list}}, nil
		})
}

func (s *server) registerDuplicateSettings(api huma.API) {
	type body struct {
		Threshold float64 `json:"threshold" minimum:"5" maximum:"30" doc:"Score from which two customers are proposed as duplicates."`
	}
	huma.Register(api, huma.Operation{OperationID: "get-duplicate-settings", Method: http.MethodGet,
		Path: "/settings/duplicates", Summary: "The duplicate engine's threshold", Tags: []string{"Settings"}},
		func(ctx context.Context, _ *struct{}) (*struct{ Body body }, error) {
			return &struct{ Body body }{body{Threshold: s.Customers.DuplicateThreshold(ctx)}}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "set-duplicate-settings", Method: http.MethodPut,
		Path: "/settings/duplicates", Summary: "Tune the duplicate engine (administrators)", Tags: []string{"Settings"},
		Description: "A lower threshold proposes more pairs, and more that are not duplicates; a higher one fewer of both."},
		func(ctx context.Context, in *struct{ Body body }) (*struct{ Body body }, error) {
			t, err := s.Customers.SetDuplicateThreshold(ctx, actorFrom(ctx), in.Body.Threshold)
			if err != nil {
				return nil, s.fail(ctx, "duplicate settings", err)
			}
			return &struct{ Body body }{body{Threshold: t}}, nil
		})
}
