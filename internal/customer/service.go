package customer

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/dedupe"
	"github.com/scrms/scrms/internal/fault"
)

// Store is what the customer service needs from storage. Methods that take an
// audit entry write it in the same transaction as the change.
type Store interface {
	CreateCustomer(ctx context.Context, c Customer, st SearchText, e audit.Entry) (int64, error)
	FindCustomer(ctx context.Context, id int64) (Customer, error)
	// UpdateCustomer loads the customer inside a transaction and hands it to
	// change, which returns the new state, its search text and the audit
	// entry; the store writes all three or nothing.
	UpdateCustomer(ctx context.Context, id int64, change func(cur Customer) (Customer, SearchText, audit.Entry, error)) (Customer, error)
	SetCustomerDeleted(ctx context.Context, id int64, deletedAt, at time.Time, e audit.Entry) error
	ListCustomers(ctx context.Context, q ListQuery) ([]Summary, error)
	CountCustomers(ctx context.Context, q ListQuery, upTo int) (int, error)
	// ListCustomerIDsByContact returns up to 20 live customers with this email or phone.
	ListCustomerIDsByContact(ctx context.Context, kind, value string) ([]int64, error)
	ListTags(ctx context.Context, v Visibility) ([]TagCount, error)

	CreateNote(ctx context.Context, n Note, e audit.Entry) (int64, error)
	FindNote(ctx context.Context, id int64) (Note, error)
	ListNotes(ctx context.Context, customerID int64, limit int) ([]Note, error)
	UpdateNote(ctx context.Context, n Note, e audit.Entry) error
	DeleteNote(ctx context.Context, id int64, e audit.Entry) error
	Timeline(ctx context.Context, q TimelineQuery) ([]Event, error)
	// CreateInteraction stores an interaction; Conflict when its external id
	// was used before by the same source, NotFound when handled_by is no user.
	CreateInteraction(ctx context.Context, it Interaction, e audit.Entry) (int64, error)
	FindInteraction(ctx context.Context, id int64) (Interaction, error)
	CreateConsentEvent(ctx context.Context, ev ConsentEvent, e audit.Entry) (int64, error)
	// CreateRelationship stores a relationship; Conflict when it exists.
	CreateRelationship(ctx context.Context, r Relationship, e audit.Entry) (int64, error)
	ListRelationships(ctx context.Context, customerID int64) ([]RelatedRow, error)
	FindRelationship(ctx context.Context, id int64) (Relationship, error)
	DeleteRelationship(ctx context.Context, id int64, e audit.Entry) error
	// ChangeHousehold creates a household or adds, removes or promotes a
	// member, in one transaction; Conflict when a customer is in another.
	ChangeHousehold(ctx context.Context, ch HouseholdChange, e audit.Entry) (int64, error)
	FindHousehold(ctx context.Context, id int64) (Household, error)
	HouseholdOf(ctx context.Context, customerID int64) (int64, error)
	ListHouseholdMembers(ctx context.Context, householdID int64) ([]HouseholdMember, error)
	// ListConsentEvents returns a customer's consent history, newest first.
	ListConsentEvents(ctx context.Context, customerID int64) ([]ConsentEvent, error)
	AppendAudit(ctx context.Context, e audit.Entry) error

	// MatchRows returns up to limit live customers with ids above afterID, in id order.
	MatchRows(ctx context.Context, afterID int64, limit int) ([]MatchRow, error)
	// RequestDuplicateScan queues a scan unless one requested after
	// staleBefore is still queued or running; that one is returned instead.
	RequestDuplicateScan(ctx context.Context, by int64, at, staleBefore time.Time) (DuplicateScan, bool, error)
	FindDuplicateScan(ctx context.Context, id int64) (DuplicateScan, error)
	LatestDuplicateScan(ctx context.Context) (DuplicateScan, error)
	UpdateDuplicateScan(ctx context.Context, sc DuplicateScan) error
	// SaveDuplicatePairs adds the pairs not yet known and refreshes the open
	// ones; it returns how many were new.
	SaveDuplicatePairs(ctx context.Context, scanID int64, pairs []dedupe.Pair, at time.Time) (int, error)
	// SupersedeStalePairs retires the open pairs a scan did not find again.
	SupersedeStalePairs(ctx context.Context, scanID int64, at time.Time) (int, error)
	ListDuplicatePairs(ctx context.Context, f PairFilter) ([]DuplicatePair, error)
	CountDuplicatePairs(ctx context.Context, status string) (int, error)
	FindDuplicatePair(ctx context.Context, id int64) (DuplicatePair, error)
	ResolveDuplicatePair(ctx context.Context, id int64, status string, by int64, at time.Time, e audit.Entry) error
	// MergeCustomers locks both records, asks plan for the survivor's new
	// state and moves everything of the merged record to it, in one transaction.
	MergeCustomers(ctx context.Context, r MergeRequest, plan func(survivor, merged Customer) (Customer, SearchText, audit.Entry, error)) (Merge, error)
	// UndoMerge reverses a merge in one transaction; plan checks it may and
	// returns the survivor's restored state.
	UndoMerge(ctx context.Context, id, by int64, at time.Time, plan func(m Merge, survivor Customer) (Customer, SearchText, audit.Entry, error)) (Merge, error)
	FindMerge(ctx context.Context, id int64) (Merge, error)
	ListMerges(ctx context.Context, survivorID int64) ([]Merge, error)
	// CheckDataQuality runs the inconsistency checks, opening new issues and
	// resolving those gone; it returns how many issues are new.
	CheckDataQuality(ctx context.Context, at time.Time) (int, error)
	ListQualityIssues(ctx context.Context, status string, limit int) ([]QualityIssue, error)
	// EraseCustomer erases a customer and the records merged into it in one
	// transaction, records the request, and returns how many records it erased.
	EraseCustomer(ctx context.Context, er Erasure, e audit.Entry) (int, error)

	FindCustomerIDByExternalID(ctx context.Context, externalID string) (int64, error)
	FindCustomerIDByContact(ctx context.Context, kind, value string) (int64, error)
	CreateImport(ctx context.Context, j ImportJob) (int64, error)
	FindImport(ctx context.Context, id int64) (ImportJob, error)
	FindResumableImport(ctx context.Context, kind, sha, match, onMatch string, staleBefore time.Time) (ImportJob, error)
	UpdateImport(ctx context.Context, j ImportJob) error
	// CommitImportBatch writes a batch's new customers with their audit
	// entries and its rejected rows, and saves the import's counts and
	// checkpoint, in one transaction; it returns the new customers' ids.
	CommitImportBatch(ctx context.Context, j ImportJob, creates []ImportCreate, rejects []Rejection) ([]int64, error)
	ListImportRejects(ctx context.Context, importID int64, afterLine, limit int) ([]Rejection, error)
	// SaveImportFile keeps an uploaded file; it returns its size and SHA-256.
	SaveImportFile(ctx context.Context, importID int64, r io.Reader) (int64, string, error)
	ImportFile(ctx context.Context, importID int64) io.Reader
	DeleteImportFile(ctx context.Context, importID int64) error
}

// TagCount is a tag and how many customers carry it.
type TagCount struct {
	Tag       string
	Customers int
}

// Options tune the customer service.
type Options struct {
	// DefaultRegion is the ISO country used to read phone numbers typed
	// without a country code.
	DefaultRegion string
	Now           func() time.Time
	// Notify tells every user whose role grants the permission about
	// something that needs them (the in-app notification centre).
	Notify func(ctx context.Context, p auth.Permission, kind, title, body, link string) error
	// Mention tells the users a note mentions (@name or @email) who may
	// see the customer (canSee) that they were mentioned.
	Mention func(ctx context.Context, from auth.Actor, text string, canSee func(auth.User) bool, title, link string) error
}

// Service applies the business rules and access rules for customers.
type Service struct {
	store Store
	lists ListStore
	opt   Options
	// Publish, when set, tells other systems of changes (webhooks).
	Publish func(ctx context.Context, event string, data any)
}

// eventData is what a customer event tells: no contact details beyond the
// primary email.
func eventData(c Customer) map[string]any {
	return map[string]any{"id": c.ID, "kind": c.Kind, "name": c.Name, "email": c.PrimaryEmail(),
		"lifecycle_stage": c.LifecycleStage, "status": c.Status, "owner_id": c.OwnerID, "tags": c.Tags}
}

func (s *Service) publish(ctx context.Context, event string, c Customer) {
	if s.Publish != nil {
		s.Publish(ctx, event, eventData(c))
	}
}

// NewService returns the customer service.
func NewService(store Store, opt Options) *Service {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.DefaultRegion == "" {
		opt.DefaultRegion = "US"
	}
	lists, _ := store.(ListStore)
	return &Service{store: store, lists: lists, opt: opt}
}

// now is truncated to microseconds, the precision both engines store.
func (s *Service) now() time.Time { return s.opt.Now().UTC().Truncate(time.Microsecond) }

// Input is a new customer as a user or a system submits it.
type Input struct {
	Kind           Kind
	FirstName      string
	LastName       string
	Name           string // organisation name
	Emails         []Email
	Phones         []Phone
	Addresses      []Address
	Tags           []string
	LifecycleStage string
	Status         string
	OwnerID        int64 // 0: the creator owns it
	ExternalID     string
	Profile        Profile
}

// CreateCustomer adds a customer. The creator owns it and its team is the
// creator's team unless the actor may assign customers and says otherwise.
func (s *Service) CreateCustomer(ctx context.Context, a auth.Actor, in Input) (Customer, error) {
	if err := a.Require(auth.CustomerCreate); err != nil {
		return Customer{}, err
	}
	c := Customer{Kind: in.Kind, FirstName: in.FirstName, LastName: in.LastName, OrgName: in.Name, Name: in.Name,
		Emails: in.Emails, Phones: in.Phones, Addresses: in.Addresses, Tags: in.Tags,
		LifecycleStage: in.LifecycleStage, Status: in.Status, ExternalID: in.ExternalID, Profile: in.Profile,
		OwnerID: a.UserID, TeamID: a.TeamID, CreatedBy: a.UserID}
	if in.OwnerID != 0 && in.OwnerID != a.UserID {
		if err := a.Require(auth.CustomerAssign); err != nil {
			return Customer{}, fieldForbidden("owner_id", "your role may not assign customers to others")
		}
		c.OwnerID = in.OwnerID
	}
	if err := normalize(&c, s.opt.DefaultRegion); err != nil {
		return Customer{}, err
	}
	now := s.now()
	c.CreatedAt, c.UpdatedAt = now, now
	e := a.Audit("create", "customer", 0, now)
	e.Changes = changes(Customer{}, c)
	id, err := s.store.CreateCustomer(ctx, c, BuildSearchText(c), e)
	if err != nil {
		return Customer{}, explainConflict(err)
	}
	c.ID = id
	s.publish(ctx, "customer.created", c)
	return c, nil
}

func fieldForbidden(field, msg string) error {
	return &fault.Error{Code: fault.Forbidden, Message: "Your role does not allow this change.",
		Fields: []fault.FieldError{{Field: field, Message: msg}}}
}

func explainConflict(err error) error {
	if fault.Is(err, fault.Conflict) {
		return &fault.Error{Code: fault.Conflict, Message: "Another customer already has this external id.",
			Fields: []fault.FieldError{{Field: "external_id", Message: "is already used by another customer"}}}
	}
	return err
}

// FindCustomer returns a customer the actor may see. A customer outside the
// actor's scope is reported as not found, so its existence is not revealed;
// a deleted one is visible only to those who may restore it.
func (s *Service) FindCustomer(ctx context.Context, a auth.Actor, id int64) (Customer, error) {
	c, err := s.findVisible(ctx, a, id)
	if err != nil {
		return Customer{}, err
	}
	return mask(a, c), nil
}

func (s *Service) findVisible(ctx context.Context, a auth.Actor, id int64) (Customer, error) {
	if err := a.Require(auth.CustomerRead); err != nil {
		return Customer{}, err
	}
	c, err := s.store.FindCustomer(ctx, id)
	if err != nil {
		return Customer{}, notFound(err, id)
	}
	if !a.Sees(c.OwnerID, c.TeamID) || (c.Deleted() && !a.Can(auth.CustomerDelete)) {
		return Customer{}, fault.New(fault.NotFound, "Customer %d was not found.", id)
	}
	return c, nil
}

func notFound(err error, id int64) error {
	if fault.Is(err, fault.NotFound) {
		return fault.New(fault.NotFound, "Customer %d was not found.", id)
	}
	return err
}

// Update carries the fields to change; nil leaves a field as it is.
type Update struct {
	Kind           *Kind
	FirstName      *string
	LastName       *string
	Name           *string
	Emails         *[]Email
	Phones         *[]Phone
	Addresses      *[]Address
	Tags           *[]string
	LifecycleStage *string
	Status         *string
	OwnerID        *int64
	TeamID         *int64
	ExternalID     *string
	Profile        *Profile // replaces the whole profile
}

// UpdateCustomer applies u to a customer the actor may see and change. Owner
// and team change only with the assign permission; contact points only for
// those who may see personal data (otherwise they would overwrite masked values).
func (s *Service) UpdateCustomer(ctx context.Context, a auth.Actor, id int64, u Update) (Customer, error) {
	if err := a.Require(auth.CustomerUpdate); err != nil {
		return Customer{}, err
	}
	if (u.OwnerID != nil || u.TeamID != nil) && !a.Can(auth.CustomerAssign) {
		return Customer{}, fieldForbidden("owner_id", "your role may not reassign customers")
	}
	if (u.Emails != nil || u.Phones != nil || u.Addresses != nil || u.Profile != nil) && !a.Can(auth.CustomerPII) {
		return Customer{}, fieldForbidden("emails", "your role may not change contact details")
	}
	now := s.now()
	c, err := s.store.UpdateCustomer(ctx, id, func(old Customer) (Customer, SearchText, audit.Entry, error) {
		if !a.Sees(old.OwnerID, old.TeamID) || old.Deleted() {
			return Customer{}, SearchText{}, audit.Entry{}, fault.New(fault.NotFound, "Customer %d was not found.", id)
		}
		c := apply(old, u)
		if err := normalize(&c, s.opt.DefaultRegion); err != nil {
			return Customer{}, SearchText{}, audit.Entry{}, err
		}
		c.UpdatedAt = now
		e := a.Audit("update", "customer", id, now)
		e.CustomerID = id
		e.Changes = changes(old, c)
		return c, BuildSearchText(c), e, nil
	})
	if err != nil {
		return Customer{}, explainConflict(notFound(err, id))
	}
	s.publish(ctx, "customer.updated", c)
	return mask(a, c), nil
}

func apply(c Customer, u Update) Customer {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	if u.Kind != nil {
		c.Kind = *u.Kind
	}
	set(&c.FirstName, u.FirstName)
	set(&c.LastName, u.LastName)
	if u.Name != nil {
		c.OrgName, c.Name = *u.Name, *u.Name
	}
	if u.Emails != nil {
		c.Emails = *u.Emails
	}
	if u.Phones != nil {
		c.Phones = *u.Phones
	}
	if u.Addresses != nil {
		c.Addresses = *u.Addresses
	}
	if u.Tags != nil {
		c.Tags = *u.Tags
	}
	set(&c.LifecycleStage, u.LifecycleStage)
	set(&c.Status, u.Status)
	set(&c.ExternalID, u.ExternalID)
	if u.OwnerID != nil {
		c.OwnerID = *u.OwnerID
	}
	if u.TeamID != nil {
		c.TeamID = *u.TeamID
	}
	if u.Profile != nil {
		c.Profile = *u.Profile
	}
	return c
}

// DeleteCustomer moves a customer to the bin; it can be restored.
func (s *Service) DeleteCustomer(ctx context.Context, a auth.Actor, id int64) error {
	return s.setDeleted(ctx, a, id, true)
}

// RestoreCustomer takes a customer out of the bin.
func (s *Service) RestoreCustomer(ctx context.Context, a auth.Actor, id int64) error {
	return s.setDeleted(ctx, a, id, false)
}

func (s *Service) setDeleted(ctx context.Context, a auth.Actor, id int64, del bool) error {
	if err := a.Require(auth.CustomerDelete); err != nil {
		// Say not found rather than forbidden when the customer is not even visible.
		if _, ferr := s.findVisible(ctx, a, id); ferr != nil {
			return ferr
		}
		return err
	}
	c, err := s.findVisible(ctx, a, id)
	if err != nil {
		return err
	}
	if c.Deleted() == del {
		if del {
			return fault.New(fault.Conflict, "Customer %d is already deleted.", id)
		}
		return fault.New(fault.Conflict, "Customer %d is not deleted.", id)
	}
	now := s.now()
	action, at := "restore", time.Time{}
	if del {
		action, at = "delete", now
	}
	e := a.Audit(action, "customer", id, now)
	e.CustomerID = id
	return s.store.SetCustomerDeleted(ctx, id, at, now, e)
}

// changes lists the fields that differ between two states of a customer.
func changes(old, c Customer) []audit.Change {
	var ch []audit.Change
	ch = audit.Diff(ch, "kind", string(old.Kind), string(c.Kind))
	ch = audit.Diff(ch, "first_name", old.FirstName, c.FirstName)
	ch = audit.Diff(ch, "last_name", old.LastName, c.LastName)
	ch = audit.Diff(ch, "name", old.OrgName, c.OrgName)
	ch = audit.Diff(ch, "emails", emailsText(old.Emails), emailsText(c.Emails))
	ch = audit.Diff(ch, "phones", phonesText(old.Phones), phonesText(c.Phones))
	ch = audit.Diff(ch, "addresses", addressesText(old.Addresses), addressesText(c.Addresses))
	ch = audit.Diff(ch, "tags", strings.Join(old.Tags, ", "), strings.Join(c.Tags, ", "))
	ch = audit.Diff(ch, "lifecycle_stage", old.LifecycleStage, c.LifecycleStage)
	ch = audit.Diff(ch, "status", old.Status, c.Status)
	ch = audit.Diff(ch, "owner_id", idText(old.OwnerID), idText(c.OwnerID))
	ch = audit.Diff(ch, "team_id", idText(old.TeamID), idText(c.TeamID))
	ch = audit.Diff(ch, "external_id", old.ExternalID, c.ExternalID)
	o, n := old.Profile, c.Profile
	ch = audit.Diff(ch, "birth_date", o.BirthDate, n.BirthDate)
	ch = audit.Diff(ch, "language", o.Language, n.Language)
	ch = audit.Diff(ch, "time_zone", o.TimeZone, n.TimeZone)
	ch = audit.Diff(ch, "preferred_channel", o.PreferredChannel, n.PreferredChannel)
	ch = audit.Diff(ch, "quiet_hours", o.QuietHours, n.QuietHours)
	ch = audit.Diff(ch, "referral_source", o.ReferralSource, n.ReferralSource)
	ch = audit.Diff(ch, "website", o.Website, n.Website)
	ch = audit.Diff(ch, "industry", o.Industry, n.Industry)
	ch = audit.Diff(ch, "categories", strings.Join(o.Categories, ", "), strings.Join(n.Categories, ", "))
	ch = audit.Diff(ch, "brands", strings.Join(o.Brands, ", "), strings.Join(n.Brands, ", "))
	ch = audit.Diff(ch, "contact_times", o.ContactTimes, n.ContactTimes)
	return ch
}

func idText(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

func emailsText(es []Email) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = labelled(e.Address, e.Label, e.Primary)
	}
	return strings.Join(parts, ", ")
}

func phonesText(ps []Phone) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = labelled(p.Number, p.Label, p.Primary)
	}
	return strings.Join(parts, ", ")
}

func addressesText(as []Address) string {
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = labelled(a.OneLine(), a.Label, a.Primary)
	}
	return strings.Join(parts, "; ")
}

func labelled(v, label string, primary bool) string {
	if label != "" {
		v += " (" + label + ")"
	}
	if primary {
		v += " *"
	}
	return v
}

// OneLine formats the address on one line.
func (a Address) OneLine() string {
	var parts []string
	for _, p := range []string{a.Line1, a.Line2, strings.TrimSpace(a.PostalCode + " " + a.City), a.Region, a.Country} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// piiFields are the audited fields masked for readers without customer.pii.
var piiFields = map[string]bool{"emails": true, "phones": true, "addresses": true, "birth_date": true}

// mask hides personal data from an actor whose role may not see it.
func mask(a auth.Actor, c Customer) Customer {
	if a.Can(auth.CustomerPII) {
		return c
	}
	c.Masked = true
	emails := make([]Email, len(c.Emails))
	for i, e := range c.Emails {
		emails[i] = Email{Address: MaskEmail(e.Address), Label: e.Label, Primary: e.Primary}
	}
	phones := make([]Phone, len(c.Phones))
	for i, p := range c.Phones {
		phones[i] = Phone{Number: MaskPhone(p.Number), Label: p.Label, Primary: p.Primary}
	}
	addrs := make([]Address, len(c.Addresses))
	for i, ad := range c.Addresses {
		addrs[i] = Address{Label: ad.Label, Country: ad.Country, Primary: ad.Primary}
	}
	c.Emails, c.Phones, c.Addresses = emails, phones, addrs
	if c.Profile.BirthDate != "" {
		c.Profile.BirthDate = "(hidden)"
	}
	return c
}

// MaskEmail keeps the first letter of the address and its top-level domain.
func MaskEmail(s string) string {
	if s == "" {
		return ""
	}
	at := strings.LastIndexByte(s, '@')
	dot := strings.LastIndexByte(s, '.')
	if at < 1 || dot < at {
		return "•••"
	}
	return s[:1] + "•••@•••" + s[dot:]
}

// MaskPhone keeps the last two digits.
func MaskPhone(s string) string {
	if len(s) < 4 {
		return "•••"
	}
	return "•••" + s[len(s)-2:]
}

// Tags lists the tags in use on the customers the actor may see, with their counts.
func (s *Service) Tags(ctx context.Context, a auth.Actor) ([]TagCount, error) {
	if err := a.Require(auth.CustomerRead); err != nil {
		return nil, err
	}
	tags, err := s.store.ListTags(ctx, visibilityOf(a))
	if err != nil {
		return nil, fmt.Errorf("customer: list tags: %w", err)
	}
	return tags, nil
}

// EnsureCustomerByExternalID returns the customer with an external id (a
// shop's customer number), creating a minimal one known by that number
// when there is none. A customer outside the actor's scope is not found.
func (s *Service) EnsureCustomerByExternalID(ctx context.Context, a auth.Actor, externalID string) (int64, error) {
	externalID = cleanID(strings.TrimSpace(externalID))
	if externalID == "" {
		return 0, &fault.Error{Code: fault.Invalid, Message: "The customer is not named.",
			Fields: []fault.FieldError{{Field: "customer_external_id", Message: "is required"}}}
	}
	for range 2 {
		id, err := s.store.FindCustomerIDByExternalID(ctx, externalID)
		if err == nil {
			if _, err := s.liveVisible(ctx, a, id); err != nil {
				return 0, err
			}
			return id, nil
		}
		if !fault.Is(err, fault.NotFound) {
			return 0, err
		}
		c, err := s.CreateCustomer(ctx, a, Input{Kind: Person, ExternalID: externalID})
		if err == nil {
			return c.ID, nil
		}
		if !fault.Is(err, fault.Conflict) {
			return 0, err
		}
		// Created meanwhile by another writer: find it.
	}
	return 0, fault.New(fault.Conflict, "Customer %q could not be created.", externalID)
}
