package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/customer"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/store/sqlcdb"
)

// CreateCustomer inserts a customer with its contact points, addresses and tags.
func (s *Store) CreateCustomer(ctx context.Context, c customer.Customer, st customer.SearchText, e audit.Entry) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		var err error
		id, err = t.insertCustomer(ctx, c, st)
		if err != nil {
			return err
		}
		if err := t.writeParts(ctx, id, c, false); err != nil {
			return err
		}
		e.EntityID, e.CustomerID = id, id
		return t.appendAudit(ctx, e)
	})
	return id, err
}

// insertCustomer inserts a customer's row (not its parts).
func (t *tx) insertCustomer(ctx context.Context, c customer.Customer, st customer.SearchText) (int64, error) {
	id, err := t.q.InsertCustomer(ctx, sqlcdb.InsertCustomerParams{Kind: string(c.Kind), FirstName: c.FirstName,
		LastName: c.LastName, OrgName: c.OrgName, DisplayName: c.Name, SortName: customer.SortName(c.Name),
		LifecycleStage: c.LifecycleStage, Status: c.Status, OwnerID: nullID(c.OwnerID), TeamID: nullID(c.TeamID),
		ExternalID: nullString(c.ExternalID), SearchNames: st.Names, SearchContacts: st.Contacts,
		CreatedBy: nullID(c.CreatedBy), CreatedAt: c.CreatedAt, BirthDate: c.Profile.BirthDate,
		Language: c.Profile.Language, TimeZone: c.Profile.TimeZone, PreferredChannel: c.Profile.PreferredChannel,
		QuietHours: c.Profile.QuietHours, ReferralSource: c.Profile.ReferralSource, Website: c.Profile.Website,
		Industry: c.Profile.Industry, PreferredCategories: joinList(c.Profile.Categories),
		PreferredBrands: joinList(c.Profile.Brands), ContactTimes: c.Profile.ContactTimes})
	return id, mapErr(err)
}

// writeParts stores the contact points, addresses and tags of customer id,
// replacing what was there when replace is set.
func (t *tx) writeParts(ctx context.Context, id int64, c customer.Customer, replace bool) error {
	if replace {
		if err := t.q.DeleteContactPoints(ctx, id); err != nil {
			return err
		}
		if err := t.q.DeleteAddresses(ctx, id); err != nil {
			return err
		}
		if err := t.q.DeleteCustomerTags(ctx, id); err != nil {
			return err
		}
	}
	for i, em := range c.Emails {
		if err := t.q.InsertContactPoint(ctx, sqlcdb.InsertContactPointParams{CustomerID: id, Kind: "email",
			Value: em.Address, Label: em.Label, IsPrimary: em.Primary, Position: int64(i)}); err != nil {
			return fmt.Errorf("store: insert email: %w", err)
		}
	}
	for i, p := range c.Phones {
		if err := t.q.InsertContactPoint(ctx, sqlcdb.InsertContactPointParams{CustomerID: id, Kind: "phone",
			Value: p.Number, Label: p.Label, IsPrimary: p.Primary, Position: int64(i)}); err != nil {
			return fmt.Errorf("store: insert phone: %w", err)
		}
	}
	for i, a := range c.Addresses {
		if err := t.q.InsertAddress(ctx, sqlcdb.InsertAddressParams{CustomerID: id, Label: a.Label, Line1: a.Line1,
			Line2: a.Line2, City: a.City, Region: a.Region, PostalCode: a.PostalCode, Country: a.Country,
			IsPrimary: a.Primary, Position: int64(i)}); err != nil {
			return fmt.Errorf("store: insert address: %w", err)
		}
	}
	for _, tag := range c.Tags {
		if err := t.q.InsertCustomerTag(ctx, sqlcdb.InsertCustomerTagParams{CustomerID: id, Tag: tag}); err != nil {
			return fmt.Errorf("store: insert tag: %w", err)
		}
	}
	return nil
}

// FindCustomer returns a whole customer, deleted or not.
func (s *Store) FindCustomer(ctx context.Context, id int64) (customer.Customer, error) {
	return findCustomer(ctx, s.reader(), id)
}

func findCustomer(ctx context.Context, q *sqlcdb.Queries, id int64) (customer.Customer, error) {
	r, err := q.FindCustomer(ctx, id)
	if err != nil {
		return customer.Customer{}, notFoundOr(err, "Customer not found.")
	}
	c := customer.Customer{ID: r.ID, Kind: customer.Kind(r.Kind), FirstName: r.FirstName, LastName: r.LastName,
		OrgName: r.OrgName, Name: r.DisplayName, LifecycleStage: r.LifecycleStage, Status: r.Status,
		OwnerID: r.OwnerID.Int64, TeamID: r.TeamID.Int64, ExternalID: r.ExternalID.String, CreatedBy: r.CreatedBy.Int64,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		Profile: customer.Profile{BirthDate: r.BirthDate, Language: r.Language, TimeZone: r.TimeZone,
			PreferredChannel: r.PreferredChannel, QuietHours: r.QuietHours, ReferralSource: r.ReferralSource,
			Website: r.Website, Industry: r.Industry, Categories: splitList(r.PreferredCategories),
			Brands: splitList(r.PreferredBrands), ContactTimes: r.ContactTimes}, MergedInto: r.MergedInto.Int64,
		ErasedAt: timeOf(r.ErasedAt)}
	if r.DeletedAt.Valid {
		c.DeletedAt = r.DeletedAt.Time.UTC()
	}
	points, err := q.ListContactPoints(ctx, id)
	if err != nil {
		return c, fmt.Errorf("store: contact points: %w", err)
	}
	for _, p := range points {
		switch p.Kind {
		case "email":
			c.Emails = append(c.Emails, customer.Email{Address: p.Value, Label: p.Label, Primary: p.IsPrimary})
		case "phone":
			c.Phones = append(c.Phones, customer.Phone{Number: p.Value, Label: p.Label, Primary: p.IsPrimary})
		}
	}
	addrs, err := q.ListAddresses(ctx, id)
	if err != nil {
		return c, fmt.Errorf("store: addresses: %w", err)
	}
	for _, a := range addrs {
		c.Addresses = append(c.Addresses, customer.Address{Label: a.Label, Line1: a.Line1, Line2: a.Line2, City: a.City,
			Region: a.Region, PostalCode: a.PostalCode, Country: a.Country, Primary: a.IsPrimary})
	}
	c.Tags, err = q.ListCustomerTags(ctx, id)
	if err != nil {
		return c, fmt.Errorf("store: tags: %w", err)
	}
	return c, nil
}

// UpdateCustomer runs a read-modify-write of one customer in a transaction.
func (s *Store) UpdateCustomer(ctx context.Context, id int64,
	change func(cur customer.Customer) (customer.Customer, customer.SearchText, audit.Entry, error)) (customer.Customer, error) {
	var out customer.Customer
	err := s.inTx(ctx, func(t *tx) error {
		if err := t.lockRow(ctx, "customers", id); err != nil {
			return notFoundOr(err, "Customer not found.")
		}
		cur, err := findCustomer(ctx, t.q, id)
		if err != nil {
			return err
		}
		c, st, e, err := change(cur)
		if err != nil {
			return err
		}
		if len(e.Changes) == 0 {
			out = cur
			return nil
		}
		if err := t.writeCustomer(ctx, id, c, st); err != nil {
			return err
		}
		out = c
		return t.appendAudit(ctx, e)
	})
	return out, err
}

// SetCustomerDeleted moves a customer into the bin (deletedAt set) or out of it (zero).
func (s *Store) SetCustomerDeleted(ctx context.Context, id int64, deletedAt, at time.Time, e audit.Entry) error {
	return s.inTx(ctx, func(t *tx) error {
		if err := t.q.SetCustomerDeleted(ctx, sqlcdb.SetCustomerDeletedParams{
			DeletedAt: sql.NullTime{Time: deletedAt, Valid: !deletedAt.IsZero()}, UpdatedAt: at, ID: id}); err != nil {
			return err
		}
		return t.appendAudit(ctx, e)
	})
}

func noteFrom(r sqlcdb.FindNoteRow) customer.Note {
	return customer.Note{ID: r.ID, CustomerID: r.CustomerID, AuthorID: r.AuthorID.Int64, AuthorName: r.AuthorName,
		Body: r.Body, Pinned: r.Pinned, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// CreateNote inserts a note.
func (s *Store) CreateNote(ctx context.Context, n customer.Note, e audit.Entry) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(t *tx) error {
		var err error
		id, err = t.q.InsertNote(ctx, sqlcdb.InsertNoteParams{CustomerID: n.CustomerID, AuthorID: nullID(n.AuthorID),
			Body: n.Body, Pinned: n.Pinned, CreatedAt: n.CreatedAt})
		if err != nil {
			return mapErr(err)
		}
		e.EntityID = id
		return t.appendAudit(ctx, e)
	})
	return id, err
}

// FindNote returns a note.
func (s *Store) FindNote(ctx context.Context, id int64) (customer.Note, error) {
	r, err := s.reader().FindNote(ctx, id)
	if err != nil {
		return customer.Note{}, notFoundOr(err, "Note not found.")
	}
	return noteFrom(r), nil
}

// UpdateNote stores a note's text and pin.
func (s *Store) UpdateNote(ctx context.Context, n customer.Note, e audit.Entry) error {
	return s.inTx(ctx, func(t *tx) error {
		if err := t.q.UpdateNote(ctx, sqlcdb.UpdateNoteParams{Body: n.Body, Pinned: n.Pinned, UpdatedAt: n.UpdatedAt, ID: n.ID}); err != nil {
			return err
		}
		return t.appendAudit(ctx, e)
	})
}

// DeleteNote removes a note.
func (s *Store) DeleteNote(ctx context.Context, id int64, e audit.Entry) error {
	return s.inTx(ctx, func(t *tx) error {
		if err := t.q.DeleteNote(ctx, id); err != nil {
			return err
		}
		return t.appendAudit(ctx, e)
	})
}

// ListNotes returns a customer's notes, pinned first, then newest first.
func (s *Store) ListNotes(ctx context.Context, customerID int64, limit int) ([]customer.Note, error) {
	rows, err := s.reader().ListNotes(ctx, sqlcdb.ListNotesParams{CustomerID: customerID, Lim: int64(limit)})
	if err != nil {
		return nil, err
	}
	out := make([]customer.Note, len(rows))
	for i, r := range rows {
		out[i] = noteFrom(sqlcdb.FindNoteRow(r))
	}
	return out, nil
}

var _ customer.Store = (*Store)(nil)

// FindCustomerIDByExternalID returns the id of the customer with this external id.
func (s *Store) FindCustomerIDByExternalID(ctx context.Context, externalID string) (int64, error) {
	id, err := s.reader().FindCustomerIDByExternalID(ctx, sql.NullString{String: externalID, Valid: true})
	if err != nil {
		return 0, notFoundOr(err, "Customer not found.")
	}
	return id, nil
}

// FindCustomerIDByContact returns the oldest live customer with this email or
// phone (in its stored form).
func (s *Store) FindCustomerIDByContact(ctx context.Context, kind, value string) (int64, error) {
	ids, err := s.ListCustomerIDsByContact(ctx, kind, value)
	if err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, fault.New(fault.NotFound, "Customer not found.")
	}
	return ids[0], nil
}

// ListCustomerIDsByContact returns up to 20 live customers with this email or phone.
func (s *Store) ListCustomerIDsByContact(ctx context.Context, kind, value string) ([]int64, error) {
	return s.reader().ListLiveCustomerIDsByContact(ctx, sqlcdb.ListLiveCustomerIDsByContactParams{Kind: kind, Value: value})
}

// joinList stores a list of preferences as one text; splitList reads it.
func joinList(vs []string) string { return strings.Join(vs, "\x1f") }

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\x1f")
}
