package sales

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
)

// Lead statuses.
var LeadStatuses = []string{"new", "working", "nurturing", "qualified", "disqualified", "converted"}

// Lead is someone who showed interest and is not yet a customer.
type Lead struct {
	ID             int64
	Status         string
	StatusReason   string
	FirstName      string
	LastName       string
	Company        string
	JobTitle       string
	Email          string
	Phone          string
	Country        string
	Message        string
	EstimatedValue int64 // minor units (cents)
	Source         string
	FormKey        string
	Campaign       string
	UTM            UTM
	Score          int // fit and engagement points when scored
	Reasons        []ScoreReason
	OwnerID        int64
	OwnerName      string
	TeamID         int64
	CustomerID     int64
	OpportunityID  int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
	LastActivityAt time.Time
	ConvertedAt    time.Time
}

// UTM holds the campaign parameters a lead arrived with.
type UTM struct {
	Source, Medium, Campaign, Term, Content string
}

// Name is how a lead is called.
func (l Lead) Name() string {
	n := strings.TrimSpace(l.FirstName + " " + l.LastName)
	switch {
	case n != "":
		return n
	case l.Company != "":
		return l.Company
	}
	return l.Email
}

// ScoreReason is one rule that gave a lead points.
type ScoreReason struct {
	Kind   string `json:"kind"` // fit or engagement
	Label  string `json:"label"`
	Points int    `json:"points"`
}

// engagementHalfLife is how long engagement points take to halve: interest
// shown long ago counts less than interest shown today.
const engagementHalfLife = 30 * 24 * time.Hour

// CurrentScore is the lead's score today: fit points in full, engagement
// points halved for every 30 days since the lead last did something.
func (l Lead) CurrentScore(now time.Time) int {
	fit, eng := 0, 0
	for _, r := range l.Reasons {
		if r.Kind == "engagement" {
			eng += r.Points
		} else {
			fit += r.Points
		}
	}
	age := now.Sub(l.LastActivityAt)
	if age < 0 {
		age = 0
	}
	decay := math.Pow(0.5, age.Hours()/engagementHalfLife.Hours())
	return fit + int(math.Round(float64(eng)*decay))
}

// ScoreRule gives points to leads whose field matches.
type ScoreRule struct {
	ID     int64
	Kind   string
	Field  string
	Op     string // present, equals, contains, not_free_email
	Value  string
	Points int
	Label  string
}

// freeMail are address providers anyone can sign up to; an address there
// says less about a company than one at its own domain.
var freeMail = []string{"gmail.com", "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com", "live.com", "aol.com",
	"icloud.com", "gmx.de", "gmx.net", "web.de", "mail.ru", "yandex.ru", "proton.me", "protonmail.com", "hotmail.co.uk",
	"yahoo.co.uk", "orange.fr", "free.fr", "libero.it", "qq.com", "163.com"}

func (l Lead) field(name string) string {
	switch name {
	case "company":
		return l.Company
	case "email":
		return l.Email
	case "phone":
		return l.Phone
	case "job_title":
		return l.JobTitle
	case "country":
		return l.Country
	case "message":
		return l.Message
	case "source":
		return l.Source
	case "campaign":
		return l.Campaign
	case "utm_source":
		return l.UTM.Source
	case "utm_medium":
		return l.UTM.Medium
	case "utm_campaign":
		return l.UTM.Campaign
	}
	return ""
}

// Score applies the rules to a lead and keeps the reasons.
func Score(l *Lead, rules []ScoreRule) {
	l.Score, l.Reasons = 0, nil
	for _, r := range rules {
		v := strings.ToLower(strings.TrimSpace(l.field(r.Field)))
		want := strings.ToLower(r.Value)
		hit := false
		switch r.Op {
		case "present":
			hit = v != ""
		case "equals":
			hit = v == want
		case "contains":
			hit = want != "" && strings.Contains(v, want)
		case "not_free_email":
			at := strings.LastIndexByte(v, '@')
			hit = at > 0 && !slices.Contains(freeMail, v[at+1:])
		}
		if hit {
			l.Score += r.Points
			l.Reasons = append(l.Reasons, ScoreReason{Kind: r.Kind, Label: r.Label, Points: r.Points})
		}
	}
}

// LeadForm is an embeddable web form that captures leads.
type LeadForm struct {
	ID        int64
	Key       string
	Name      string
	TeamID    int64
	Campaign  string
	Active    bool
	CreatedAt time.Time
}

// Rep is a sales representative leads can be assigned to.
type Rep struct {
	ID        int64
	TeamID    int64
	OpenLeads int
	LastLead  int64 // the id of the newest lead they got; 0 for none
}

// LeadFilter selects leads.
type LeadFilter struct {
	Status  string
	OwnerID int64
	Limit   int
}

// LeadStore is what leads need from storage.
type LeadStore interface {
	CreateLead(ctx context.Context, l Lead, e audit.Entry) (int64, error)
	FindLead(ctx context.Context, id int64) (Lead, error)
	UpdateLead(ctx context.Context, id int64, change func(cur Lead) (Lead, audit.Entry, error)) (Lead, error)
	ListLeads(ctx context.Context, f LeadFilter, v Visibility) ([]Lead, error)
	ScoreRules(ctx context.Context) ([]ScoreRule, error)
	CreateLeadForm(ctx context.Context, f LeadForm, e audit.Entry) (int64, error)
	LeadFormByKey(ctx context.Context, key string) (LeadForm, error)
	LeadForms(ctx context.Context) ([]LeadForm, error)
	TerritoryTeam(ctx context.Context, country string) (int64, error)
	// AssignableReps returns the active sales representatives of a team
	// with their open leads and when they last got one.
	AssignableReps(ctx context.Context, teamID int64) ([]Rep, error)
}

// LeadCustomers is what conversion needs of the customer service.
type LeadCustomers interface {
	LikelyDuplicates(ctx context.Context, a auth.Actor, in customer.Input) ([]customer.Likely, error)
	CreateCustomer(ctx context.Context, a auth.Actor, in customer.Input) (customer.Customer, error)
	FindCustomer(ctx context.Context, a auth.Actor, id int64) (customer.Customer, error)
	AddRelationship(ctx context.Context, a auth.Actor, id int64, in customer.RelationshipInput) (customer.Relationship, error)
}

// LeadService captures, scores, assigns and converts leads.
type LeadService struct {
	store     LeadStore
	customers LeadCustomers
	deals     *Service
	now       func() time.Time
	// Capacity is the number of open leads a representative may hold
	// before assignment passes them over.
	Capacity int
}

// NewLeadService returns the lead service.
func NewLeadService(st LeadStore, customers LeadCustomers, deals *Service, now func() time.Time) *LeadService {
	if now == nil {
		now = time.Now
	}
	return &LeadService{store: st, customers: customers, deals: deals, now: now, Capacity: 50}
}

func (s *LeadService) at() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// normalizeLead cleans a lead and names every problem.
func normalizeLead(l *Lead) error {
	var f fault.Fields
	for _, p := range []*string{&l.FirstName, &l.LastName, &l.Company, &l.JobTitle, &l.Email, &l.Phone, &l.Country,
		&l.Campaign, &l.UTM.Source, &l.UTM.Medium, &l.UTM.Campaign, &l.UTM.Term, &l.UTM.Content, &l.StatusReason} {
		*p = strings.TrimSpace(*p)
		if len(*p) > 200 {
			*p = (*p)[:200]
		}
	}
	l.Message = strings.TrimSpace(l.Message)
	if len(l.Message) > 5000 {
		f.Add("message", "must be at most 5,000 characters")
	}
	l.Email = strings.ToLower(l.Email)
	if l.Email != "" {
		if a, err := mail.ParseAddress(l.Email); err != nil || a.Address != l.Email || !strings.Contains(l.Email[strings.LastIndexByte(l.Email, '@')+1:], ".") {
			f.Add("email", "is not a valid email address")
		}
	}
	if l.Country != "" {
		code, ok := customer.CountryCode(l.Country)
		if !ok {
			f.Add("country", "is not a country SCRMS knows")
		}
		l.Country = code
	}
	if l.FirstName == "" && l.LastName == "" && l.Company == "" && l.Email == "" && l.Phone == "" {
		f.Add("last_name", "a lead needs a name, a company, an email or a phone")
	}
	if l.EstimatedValue < 0 {
		f.Add("estimated_value", "must not be negative")
	}
	if l.Status == "" {
		l.Status = "new"
	}
	if !slices.Contains(LeadStatuses, l.Status) {
		f.Add("status", "must be one of %s", strings.Join(LeadStatuses, ", "))
	}
	return f.Err()
}

// assign picks the team and the representative of a new lead: the form's
// team, or the team of the lead's country; within it, round robin among
// representatives under capacity, the one who waited longest first.
func (s *LeadService) assign(ctx context.Context, l *Lead) error {
	if l.TeamID == 0 && l.Country != "" {
		team, err := s.store.TerritoryTeam(ctx, l.Country)
		if err != nil && !fault.Is(err, fault.NotFound) {
			return err
		}
		l.TeamID = team
	}
	if l.TeamID == 0 || l.OwnerID != 0 {
		return nil
	}
	reps, err := s.store.AssignableReps(ctx, l.TeamID)
	if err != nil {
		return err
	}
	var best *Rep
	for i := range reps {
		r := &reps[i]
		if r.OpenLeads >= s.Capacity {
			continue
		}
		if best == nil || r.LastLead < best.LastLead || (r.LastLead == best.LastLead && r.ID < best.ID) {
			best = r
		}
	}
	if best != nil {
		l.OwnerID = best.ID
	}
	return nil
}

// CaptureLead records a lead from a form, the API or an import: cleaned,
// scored and assigned on arrival.
func (s *LeadService) CaptureLead(ctx context.Context, a auth.Actor, l Lead) (Lead, error) {
	l.ID, l.CustomerID, l.OpportunityID, l.Status = 0, 0, 0, ""
	if err := normalizeLead(&l); err != nil {
		return Lead{}, err
	}
	if l.Source == "" {
		l.Source = "api"
	}
	if a.UserID != 0 && l.TeamID == 0 {
		l.TeamID = a.TeamID
	}
	if l.OwnerID != 0 && l.OwnerID != a.UserID && !a.Can(auth.CustomerAssign) {
		return Lead{}, &fault.Error{Code: fault.Forbidden, Message: "Your role may not assign leads to others.",
			Fields: []fault.FieldError{{Field: "owner_id", Message: "must be you"}}}
	}
	if err := s.assign(ctx, &l); err != nil {
		return Lead{}, err
	}
	rules, err := s.store.ScoreRules(ctx)
	if err != nil {
		return Lead{}, err
	}
	Score(&l, rules)
	now := s.at()
	l.CreatedAt, l.UpdatedAt, l.LastActivityAt = now, now, now
	e := a.Audit("create", "lead", 0, now)
	e.Changes = []audit.Change{{Field: "source", New: l.Source}, {Field: "score", New: fmt.Sprint(l.Score)},
		{Field: "owner_id", New: fmt.Sprint(l.OwnerID)}}
	id, err := s.store.CreateLead(ctx, l, e)
	if err != nil {
		return Lead{}, err
	}
	return s.store.FindLead(ctx, id)
}

// CreateLead adds a lead by hand or through the API.
func (s *LeadService) CreateLead(ctx context.Context, a auth.Actor, l Lead) (Lead, error) {
	if err := a.Require(auth.SalesWrite); err != nil {
		return Lead{}, err
	}
	if l.OwnerID == 0 {
		l.OwnerID = a.UserID
	}
	return s.CaptureLead(ctx, a, l)
}

// Lead returns a lead the actor may see.
func (s *LeadService) Lead(ctx context.Context, a auth.Actor, id int64) (Lead, error) {
	if err := a.Require(auth.SalesRead); err != nil {
		return Lead{}, err
	}
	l, err := s.store.FindLead(ctx, id)
	if err != nil || !a.Sees(l.OwnerID, l.TeamID) {
		return Lead{}, fault.New(fault.NotFound, "Lead %d was not found.", id)
	}
	return l, nil
}

// Leads lists the leads the actor may see, best score first.
func (s *LeadService) Leads(ctx context.Context, a auth.Actor, f LeadFilter) ([]Lead, error) {
	if err := a.Require(auth.SalesRead); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	ls, err := s.store.ListLeads(ctx, f, visibilityOf(a))
	if err != nil {
		return nil, err
	}
	now := s.at()
	slices.SortStableFunc(ls, func(x, y Lead) int {
		if d := y.CurrentScore(now) - x.CurrentScore(now); d != 0 {
			return d
		}
		switch {
		case x.EstimatedValue > y.EstimatedValue:
			return -1
		case x.EstimatedValue < y.EstimatedValue:
			return 1
		}
		return int(y.ID - x.ID)
	})
	return ls, nil
}

// LeadUpdate carries the changes to a lead; nil leaves a field.
type LeadUpdate struct {
	Status         *string
	StatusReason   *string
	OwnerID        *int64
	EstimatedValue *int64
	Message        *string
	Phone          *string
	JobTitle       *string
}

// UpdateLead changes a lead's status (with its reason), owner or details;
// a change is activity and refreshes the engagement score's age.
func (s *LeadService) UpdateLead(ctx context.Context, a auth.Actor, id int64, u LeadUpdate) (Lead, error) {
	if err := a.Require(auth.SalesWrite); err != nil {
		return Lead{}, err
	}
	if u.OwnerID != nil && !a.Can(auth.CustomerAssign) {
		return Lead{}, &fault.Error{Code: fault.Forbidden, Message: "Your role may not reassign leads.",
			Fields: []fault.FieldError{{Field: "owner_id", Message: "your role may not change it"}}}
	}
	rules, err := s.store.ScoreRules(ctx)
	if err != nil {
		return Lead{}, err
	}
	now := s.at()
	return s.store.UpdateLead(ctx, id, func(cur Lead) (Lead, audit.Entry, error) {
		if !a.Sees(cur.OwnerID, cur.TeamID) {
			return cur, audit.Entry{}, fault.New(fault.NotFound, "Lead %d was not found.", id)
		}
		if cur.Status == "converted" {
			return cur, audit.Entry{}, fault.New(fault.Conflict, "Lead %d was converted; change its customer instead.", id)
		}
		next := cur
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
			}
		}
		set(&next.Status, u.Status)
		set(&next.StatusReason, u.StatusReason)
		set(&next.Message, u.Message)
		set(&next.Phone, u.Phone)
		set(&next.JobTitle, u.JobTitle)
		if u.OwnerID != nil {
			next.OwnerID = *u.OwnerID
		}
		if u.EstimatedValue != nil {
			next.EstimatedValue = *u.EstimatedValue
		}
		if err := normalizeLead(&next); err != nil {
			return cur, audit.Entry{}, err
		}
		if next.Status == "converted" {
			return cur, audit.Entry{}, &fault.Error{Code: fault.Invalid, Message: "Convert a lead with its convert action.",
				Fields: []fault.FieldError{{Field: "status", Message: "use POST /leads/{id}/convert"}}}
		}
		if next.Status == "disqualified" && next.StatusReason == "" {
			return cur, audit.Entry{}, &fault.Error{Code: fault.Invalid, Message: "Say why the lead is disqualified.",
				Fields: []fault.FieldError{{Field: "status_reason", Message: "is required to disqualify a lead"}}}
		}
		Score(&next, rules)
		next.UpdatedAt, next.LastActivityAt = now, now
		e := a.Audit("update", "lead", id, now)
		ch := audit.Diff(nil, "status", cur.Status, next.Status)
		ch = audit.Diff(ch, "status_reason", cur.StatusReason, next.StatusReason)
		ch = audit.Diff(ch, "owner_id", fmt.Sprint(cur.OwnerID), fmt.Sprint(next.OwnerID))
		ch = audit.Diff(ch, "estimated_value", fmt.Sprint(cur.EstimatedValue), fmt.Sprint(next.EstimatedValue))
		ch = audit.Diff(ch, "score", fmt.Sprint(cur.Score), fmt.Sprint(next.Score))
		e.Changes = ch
		return next, e, nil
	})
}

// ConvertInput says how a lead becomes a customer.
type ConvertInput struct {
	CustomerID      int64 // attach to this customer; 0: find a likely duplicate or create one
	CreateNew       bool  // create a new customer even when a likely duplicate exists
	Opportunity     bool
	OpportunityName string
	Amount          *int64
	Currency        string
}

// Conversion is what converting a lead made.
type Conversion struct {
	Lead           Lead
	PersonID       int64
	OrganizationID int64
	Attached       bool // the person existed already (a likely duplicate or the given customer)
	Opportunity    *Opportunity
}

// ConvertLead turns a lead into a customer (a person, and an organisation
// when the lead names a company, linked as employee), attaching it to an
// existing customer the duplicate engine recognises, and optionally into
// an opportunity. The lead keeps links to what it became.
func (s *LeadService) ConvertLead(ctx context.Context, a auth.Actor, id int64, in ConvertInput) (Conversion, error) {
	if err := a.Require(auth.SalesWrite); err != nil {
		return Conversion{}, err
	}
	if err := a.Require(auth.CustomerCreate); err != nil {
		return Conversion{}, err
	}
	l, err := s.Lead(ctx, a, id)
	if err != nil {
		return Conversion{}, err
	}
	if l.Status == "converted" || l.Status == "disqualified" {
		return Conversion{}, fault.New(fault.Conflict, "Lead %d is %s.", id, l.Status)
	}
	var conv Conversion
	person := customer.Input{Kind: customer.Person, FirstName: l.FirstName, LastName: l.LastName,
		LifecycleStage: "lead", Profile: customer.Profile{ReferralSource: firstOf(l.UTM.Source, l.Source)}}
	if l.Email != "" {
		person.Emails = []customer.Email{{Address: l.Email, Primary: true}}
	}
	if l.Phone != "" {
		person.Phones = []customer.Phone{{Number: l.Phone, Primary: true}}
	}
	if l.Country != "" {
		person.Addresses = []customer.Address{{Country: l.Country, Primary: true}}
	}
	hasPerson := l.FirstName != "" || l.LastName != "" || l.Email != "" || l.Phone != ""
	switch {
	case in.CustomerID != 0:
		c, err := s.customers.FindCustomer(ctx, a, in.CustomerID)
		if err != nil {
			return Conversion{}, err
		}
		conv.Attached = true
		if c.Kind == customer.Organization {
			conv.OrganizationID = c.ID
		} else {
			conv.PersonID = c.ID
		}
	case hasPerson:
		if !in.CreateNew {
			likely, err := s.customers.LikelyDuplicates(ctx, a, person)
			if err != nil {
				return Conversion{}, err
			}
			if len(likely) > 0 && likely[0].Customer.Kind == customer.Person {
				conv.PersonID, conv.Attached = likely[0].Customer.ID, true
			}
		}
		if conv.PersonID == 0 {
			c, err := s.customers.CreateCustomer(ctx, a, person)
			if err != nil {
				return Conversion{}, err
			}
			conv.PersonID = c.ID
		}
	}
	if l.Company != "" && conv.OrganizationID == 0 {
		org := customer.Input{Kind: customer.Organization, Name: l.Company, LifecycleStage: "lead"}
		if l.Country != "" {
			org.Addresses = []customer.Address{{Country: l.Country, Primary: true}}
		}
		if likely, err := s.customers.LikelyDuplicates(ctx, a, org); err != nil {
			return Conversion{}, err
		} else if len(likely) > 0 && likely[0].Customer.Kind == customer.Organization && !in.CreateNew {
			conv.OrganizationID = likely[0].Customer.ID
		} else {
			c, err := s.customers.CreateCustomer(ctx, a, org)
			if err != nil {
				return Conversion{}, err
			}
			conv.OrganizationID = c.ID
		}
		if conv.PersonID != 0 {
			_, err := s.customers.AddRelationship(ctx, a, conv.PersonID, customer.RelationshipInput{Other: conv.OrganizationID,
				Kind: "employee", Role: l.JobTitle})
			if err != nil && !fault.Is(err, fault.Conflict) {
				return Conversion{}, err
			}
		}
	}
	if in.Opportunity {
		target := conv.OrganizationID
		if target == 0 {
			target = conv.PersonID
		}
		name := strings.TrimSpace(in.OpportunityName)
		if name == "" {
			name = l.Name()
		}
		amount := l.EstimatedValue
		if in.Amount != nil {
			amount = *in.Amount
		}
		cur := in.Currency
		if cur == "" {
			cur = "EUR"
		}
		o, err := s.deals.CreateOpportunity(ctx, a, Input{CustomerID: &target, Name: &name, Amount: &amount, Currency: &cur})
		if err != nil {
			return Conversion{}, err
		}
		conv.Opportunity = &o
	}
	now := s.at()
	conv.Lead, err = s.store.UpdateLead(ctx, id, func(cur Lead) (Lead, audit.Entry, error) {
		if cur.Status == "converted" {
			return cur, audit.Entry{}, fault.New(fault.Conflict, "Lead %d was converted meanwhile.", id)
		}
		cur.Status, cur.ConvertedAt, cur.UpdatedAt = "converted", now, now
		cur.CustomerID = conv.PersonID
		if cur.CustomerID == 0 {
			cur.CustomerID = conv.OrganizationID
		}
		if conv.Opportunity != nil {
			cur.OpportunityID = conv.Opportunity.ID
		}
		e := a.Audit("convert", "lead", id, now)
		e.CustomerID = cur.CustomerID
		e.Changes = []audit.Change{{Field: "customer_id", New: fmt.Sprint(cur.CustomerID)},
			{Field: "organization_id", New: fmt.Sprint(conv.OrganizationID)},
			{Field: "opportunity_id", New: fmt.Sprint(cur.OpportunityID)},
			{Field: "attached_to_existing", New: fmt.Sprint(conv.Attached)}}
		return cur, e, nil
	})
	return conv, err
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// CreateLeadForm makes a web form whose leads go to a team.
func (s *LeadService) CreateLeadForm(ctx context.Context, a auth.Actor, name string, teamID int64, campaign string) (LeadForm, error) {
	if err := a.Require(auth.SalesAdmin); err != nil {
		return LeadForm{}, err
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return LeadForm{}, &fault.Error{Code: fault.Invalid, Message: "Some fields are not valid.",
			Fields: []fault.FieldError{{Field: "name", Message: "must be 1 to 100 characters"}}}
	}
	var b [9]byte
	if _, err := rand.Read(b[:]); err != nil {
		return LeadForm{}, err
	}
	f := LeadForm{Key: hex.EncodeToString(b[:]), Name: name, TeamID: teamID, Campaign: strings.TrimSpace(campaign),
		Active: true, CreatedAt: s.at()}
	e := a.Audit("create", "lead_form", 0, f.CreatedAt)
	e.Changes = []audit.Change{{Field: "name", New: name}}
	id, err := s.store.CreateLeadForm(ctx, f, e)
	f.ID = id
	return f, err
}

// LeadForms lists the web forms.
func (s *LeadService) LeadForms(ctx context.Context, a auth.Actor) ([]LeadForm, error) {
	if err := a.Require(auth.SalesRead); err != nil {
		return nil, err
	}
	return s.store.LeadForms(ctx)
}

// FormLead captures a lead posted to a public web form.
func (s *LeadService) FormLead(ctx context.Context, key string, l Lead) (Lead, error) {
	f, err := s.store.LeadFormByKey(ctx, key)
	if err != nil || !f.Active {
		return Lead{}, fault.New(fault.NotFound, "This form does not exist.")
	}
	l.Source, l.FormKey, l.TeamID, l.OwnerID = "web_form", f.Key, f.TeamID, 0
	if l.Campaign == "" {
		l.Campaign = f.Campaign
	}
	return s.CaptureLead(ctx, auth.System("web-form"), l)
}

// RulesStore replaces the scoring rules and the territories.
type RulesStore interface {
	ReplaceScoreRules(ctx context.Context, rules []ScoreRule, e audit.Entry) error
	SetTerritory(ctx context.Context, country string, teamID int64, e audit.Entry) error
}

// ScoreRules returns the lead scoring rules.
func (s *LeadService) ScoreRules(ctx context.Context, a auth.Actor) ([]ScoreRule, error) {
	if err := a.Require(auth.SalesRead); err != nil {
		return nil, err
	}
	return s.store.ScoreRules(ctx)
}

// SetScoreRules replaces the lead scoring rules (managers and
// administrators); leads are scored anew as they change.
func (s *LeadService) SetScoreRules(ctx context.Context, a auth.Actor, rules []ScoreRule) ([]ScoreRule, error) {
	if err := a.Require(auth.SalesAdmin); err != nil {
		return nil, err
	}
	rs, ok := s.store.(RulesStore)
	if !ok {
		return nil, fmt.Errorf("sales: this store cannot change rules")
	}
	fields := []string{"company", "email", "phone", "job_title", "country", "message", "source", "campaign",
		"utm_source", "utm_medium", "utm_campaign"}
	var f fault.Fields
	for i, r := range rules {
		if r.Kind != "fit" && r.Kind != "engagement" {
			f.Add(fmt.Sprintf("rules[%d].kind", i), "must be fit or engagement")
		}
		if !slices.Contains(fields, r.Field) {
			f.Add(fmt.Sprintf("rules[%d].field", i), "must be one of %s", strings.Join(fields, ", "))
		}
		if !slices.Contains([]string{"present", "equals", "contains", "not_free_email"}, r.Op) {
			f.Add(fmt.Sprintf("rules[%d].op", i), "must be present, equals, contains or not_free_email")
		}
		if (r.Op == "equals" || r.Op == "contains") && strings.TrimSpace(r.Value) == "" {
			f.Add(fmt.Sprintf("rules[%d].value", i), "is needed for %s", r.Op)
		}
		if r.Points < -100 || r.Points > 100 {
			f.Add(fmt.Sprintf("rules[%d].points", i), "must be between -100 and 100")
		}
		if strings.TrimSpace(r.Label) == "" || len(r.Label) > 100 {
			f.Add(fmt.Sprintf("rules[%d].label", i), "must be 1 to 100 characters")
		}
	}
	if len(rules) > 100 {
		f.Add("rules", "at most 100 rules")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	e := a.Audit("configure", "lead_score_rules", 0, s.at())
	e.Changes = []audit.Change{{Field: "rules", New: fmt.Sprint(len(rules))}}
	if err := rs.ReplaceScoreRules(ctx, rules, e); err != nil {
		return nil, err
	}
	return s.store.ScoreRules(ctx)
}

// SetTerritory sends the leads of a country to a team (0 removes it).
func (s *LeadService) SetTerritory(ctx context.Context, a auth.Actor, country string, teamID int64) (string, error) {
	if err := a.Require(auth.SalesAdmin); err != nil {
		return "", err
	}
	code, ok := customer.CountryCode(country)
	if !ok {
		return "", &fault.Error{Code: fault.Invalid, Message: "Some fields are not valid.",
			Fields: []fault.FieldError{{Field: "country", Message: "is not a country SCRMS knows"}}}
	}
	rs, ok := s.store.(RulesStore)
	if !ok {
		return "", fmt.Errorf("sales: this store cannot change territories")
	}
	e := a.Audit("configure", "lead_territory", 0, s.at())
	e.Changes = []audit.Change{{Field: code, New: fmt.Sprint(teamID)}}
	return code, rs.SetTerritory(ctx, code, teamID, e)
}
