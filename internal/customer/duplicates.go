package customer

import (
	"context"
	"sort"
	"strings"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/dedupe"
)

// Likely is an existing customer that a new one probably duplicates.
type Likely struct {
	Customer Customer
	Score    float64
	Reasons  []string
}

// matchRecord is what the duplicate engine compares of a customer.
func matchRecord(c Customer) dedupe.Record {
	r := dedupe.Record{ID: c.ID, FirstName: c.FirstName, LastName: c.LastName, Email: c.PrimaryEmail(),
		Phone: c.PrimaryPhone(), BirthDate: strings.ReplaceAll(c.Profile.BirthDate, "-", "")}
	if c.Kind == Organization {
		r.FirstName, r.LastName = "", c.OrgName
	}
	if len(c.Addresses) > 0 {
		a := c.Addresses[0]
		r.Street, r.City, r.Postcode, r.Region = a.Line1, a.City, a.PostalCode, a.Region
	}
	return r
}

// maxLikely bounds how many existing customers a new one is compared with.
const maxLikely = 60

// LikelyDuplicates returns the existing customers, among those the actor may
// see, that a new customer described by in probably is already, best first.
// Candidates are those sharing an email or phone and those whose names match
// a search for the new one's names; each is scored by the duplicate engine.
func (s *Service) LikelyDuplicates(ctx context.Context, a auth.Actor, in Input) ([]Likely, error) {
	if err := a.Require(auth.CustomerRead); err != nil {
		return nil, err
	}
	c := Customer{Kind: in.Kind, FirstName: in.FirstName, LastName: in.LastName, OrgName: in.Name, Name: in.Name,
		Emails: in.Emails, Phones: in.Phones, Addresses: in.Addresses, Profile: in.Profile}
	if normalize(&c, s.opt.DefaultRegion) != nil {
		return nil, nil // invalid input gets its own errors first
	}
	ids := map[int64]bool{}
	for _, e := range c.Emails {
		found, err := s.store.ListCustomerIDsByContact(ctx, "email", e.Address)
		if err != nil {
			return nil, err
		}
		for _, id := range found {
			ids[id] = true
		}
	}
	for _, p := range c.Phones {
		found, err := s.store.ListCustomerIDsByContact(ctx, "phone", p.Number)
		if err != nil {
			return nil, err
		}
		for _, id := range found {
			ids[id] = true
		}
	}
	if terms := SearchTerms(c.Name); len(terms) > 0 {
		// Prefixes of the names catch respellings at the end of a word.
		for i, t := range terms {
			if len(t) > 4 {
				terms[i] = t[:4]
			}
		}
		page, err := s.store.ListCustomers(ctx, ListQuery{Terms: terms, NamesOnly: true, Sort: "-created",
			Limit: maxLikely, Visibility: visibilityOf(a)})
		if err != nil {
			return nil, err
		}
		for _, sm := range page {
			ids[sm.ID] = true
		}
	}
	mine := matchRecord(c)
	threshold := s.DuplicateThreshold(ctx)
	var out []Likely
	for id := range ids {
		if len(out) >= maxLikely {
			break
		}
		other, err := s.findVisible(ctx, a, id)
		if err != nil || other.Deleted() {
			continue // not visible to this actor: not a warning they can act on
		}
		score, reasons := dedupe.Score(mine, matchRecord(other))
		if score >= threshold {
			out = append(out, Likely{Customer: mask(a, other), Score: score, Reasons: reasons})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].Customer.ID < out[j].Customer.ID
	})
	return out, nil
}
