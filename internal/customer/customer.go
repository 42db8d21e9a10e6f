// Package customer is the customer core of SCRMS: people and organisations
// with their contact points, addresses, tags, notes and timeline, and the
// rules for who may see and change them.
package customer

import (
	"sync/atomic"
	"time"
)

// Kind tells a person from an organisation.
type Kind string

// The kinds of customer.
const (
	Person       Kind = "person"
	Organization Kind = "organization"
)

// DefaultLifecycleStages are the stages a customer moves through, in
// order, until an administrator configures others.
var DefaultLifecycleStages = []string{"subscriber", "prospect", "lead", "customer", "loyal", "at_risk", "churned"}

// stages holds the configured lifecycle stages; they change rarely and are
// read on every write, so they are swapped whole. They belong to the
// process, which runs one SCRMS.
var stages atomic.Pointer[[]string]

// LifecycleStages returns the configured lifecycle stages, in order.
func LifecycleStages() []string {
	if p := stages.Load(); p != nil {
		return *p
	}
	return DefaultLifecycleStages
}

// SetLifecycleStages makes a list the configured stages (loaded from the
// database at start and after a change).
func SetLifecycleStages(list []string) { stages.Store(&list) }

// Statuses are the states a customer record can be in.
var Statuses = []string{"active", "inactive", "blocked"}

// Customer is a person or an organisation SCRMS keeps a relationship with.
type Customer struct {
	ID             int64
	Kind           Kind
	FirstName      string
	LastName       string
	OrgName        string
	Name           string // the organisation name, or the person's full name
	Emails         []Email
	Phones         []Phone
	Addresses      []Address
	Tags           []string
	LifecycleStage string
	Status         string
	OwnerID        int64 // 0 when unowned
	TeamID         int64 // 0 when in no team
	ExternalID     string
	Profile        Profile
	CreatedBy      int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
	DeletedAt      time.Time // zero unless in the bin
	MergedInto     int64     // the survivor, when this record was merged into another
	ErasedAt       time.Time // set when the customer's personal data was erased on request
	// Masked is set when contact points and addresses were hidden because the
	// reader may not see personal data.
	Masked bool
}

// Profile is what SCRMS knows about a customer beyond names and contact
// points: demographics, language and time zone, how they like to be
// contacted, where they came from, and company details.
type Profile struct {
	BirthDate        string // YYYY-MM-DD, people only
	Language         string // ISO 639-1, e.g. "en"
	TimeZone         string // IANA name, e.g. "Europe/London"
	PreferredChannel string // email, phone, sms, post
	QuietHours       string // "HH:MM-HH:MM" in the customer's time zone: no calls or messages then
	ReferralSource   string // how they found the business: web search, event, partner, a customer…
	Website          string // organisations
	Industry         string // organisations
	// Preferences: product categories and brands the customer likes, and
	// when they like to be contacted ("weekday evenings").
	Categories   []string
	Brands       []string
	ContactTimes string
}

// Deleted reports whether the customer is in the bin (soft-deleted).
func (c Customer) Deleted() bool { return !c.DeletedAt.IsZero() }

// Email is a typed email contact point.
type Email struct {
	Address string
	Label   string
	Primary bool
}

// Phone is a typed phone contact point, stored in E.164 form.
type Phone struct {
	Number  string
	Label   string
	Primary bool
}

// Address is a postal address.
type Address struct {
	Label      string
	Line1      string
	Line2      string
	City       string
	Region     string
	PostalCode string
	Country    string // ISO 3166-1 alpha-2
	Primary    bool
}

// PrimaryEmail returns the primary email address, or "".
func (c Customer) PrimaryEmail() string {
	for _, e := range c.Emails {
		if e.Primary {
			return e.Address
		}
	}
	return ""
}

// PrimaryPhone returns the primary phone number, or "".
func (c Customer) PrimaryPhone() string {
	for _, p := range c.Phones {
		if p.Primary {
			return p.Number
		}
	}
	return ""
}

// Summary is a customer as a list shows it.
type Summary struct {
	ID             int64
	Kind           Kind
	Name           string
	Email          string
	Phone          string
	LifecycleStage string
	Status         string
	OwnerID        int64
	OwnerName      string
	TeamID         int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
	DeletedAt      time.Time
}

// Note is a free-text note on a customer.
type Note struct {
	ID         int64
	CustomerID int64
	AuthorID   int64
	AuthorName string
	Body       string
	Pinned     bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Event is one item of a customer's timeline: a note, a recorded change, and
// later interactions, orders, cases, campaign and loyalty events.
type Event struct {
	At      time.Time
	Kind    string // note, change, …
	Action  string
	Title   string
	Body    string
	Actor   string
	RefID   int64
	Changes []Change
}

// Change is a changed field as the timeline shows it.
type Change struct {
	Field string
	Old   string
	New   string
}
