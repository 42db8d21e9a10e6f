package customer

import (
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/nyaruka/phonenumbers"

	"github.com/scrms/scrms/internal/fault"
)

// Limits on what one customer record may hold.
const (
	maxNameLen      = 200
	maxContacts     = 10
	maxTags         = 50
	maxTagLen       = 50
	maxLabelLen     = 50
	maxExternalID   = 200
	maxAddressField = 200
	maxNoteLen      = 20000
)

// normalize cleans c in place (trims, lower-cases emails, formats phones in
// E.164, picks one primary of each kind) and returns every problem found,
// each naming its field as the API spells it.
func normalize(c *Customer, defaultRegion string) error {
	var f fault.Fields
	c.FirstName = strings.TrimSpace(c.FirstName)
	c.LastName = strings.TrimSpace(c.LastName)
	c.OrgName = strings.TrimSpace(c.OrgName)
	c.ExternalID = strings.TrimSpace(c.ExternalID)
	switch c.Kind {
	case Person:
		c.OrgName = ""
		c.Name = strings.TrimSpace(c.FirstName + " " + c.LastName)
	case Organization:
		if c.OrgName == "" {
			// An organisation may be given by "name" alone; persons' names are ignored for it.
			c.OrgName = strings.TrimSpace(c.Name)
		}
		c.FirstName, c.LastName = "", ""
		if c.OrgName == "" {
			f.Add("name", "an organization needs a name")
		}
		c.Name = c.OrgName
	default:
		f.Add("kind", "must be person or organization")
	}
	for field, v := range map[string]string{"first_name": c.FirstName, "last_name": c.LastName, "name": c.OrgName} {
		if len(v) > maxNameLen {
			f.Add(field, "must be at most %d characters", maxNameLen)
		}
		if hasControl(v) {
			f.Add(field, "must not contain control characters")
		}
	}
	if len(c.ExternalID) > maxExternalID || hasControl(c.ExternalID) {
		f.Add("external_id", "must be at most %d printable characters", maxExternalID)
	}
	if c.LifecycleStage == "" {
		c.LifecycleStage = "lead"
	}
	if !slices.Contains(LifecycleStages(), c.LifecycleStage) {
		f.Add("lifecycle_stage", "must be one of %s", strings.Join(LifecycleStages(), ", "))
	}
	if c.Status == "" {
		c.Status = "active"
	}
	if !slices.Contains(Statuses, c.Status) {
		f.Add("status", "must be one of %s", strings.Join(Statuses, ", "))
	}
	normalizeProfile(c, &f)
	normalizeEmails(c, &f)
	normalizePhones(c, defaultRegion, &f)
	normalizeAddresses(c, &f)
	normalizeTags(c, &f)
	if c.Kind == Person && c.Name == "" {
		// A customer known only by a number, an email or a phone (a shop's
		// account, a newsletter subscriber) is called by it.
		switch {
		case c.ExternalID != "":
			c.Name = "Customer " + c.ExternalID
		case len(c.Emails) > 0:
			c.Name = c.Emails[0].Address
		case len(c.Phones) > 0:
			c.Name = c.Phones[0].Number
		default:
			f.Add("last_name", "a person needs a name, an email, a phone or an external id")
		}
	}
	return f.Err()
}

func hasControl(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) }) >= 0
}

func normalizeEmails(c *Customer, f *fault.Fields) {
	if len(c.Emails) > maxContacts {
		f.Add("emails", "at most %d email addresses", maxContacts)
		return
	}
	seen := map[string]bool{}
	out := c.Emails[:0:0]
	primaries := 0
	for i, e := range c.Emails {
		e.Address = strings.ToLower(strings.TrimSpace(e.Address))
		e.Label = strings.TrimSpace(e.Label)
		field := fmt.Sprintf("emails[%d].address", i)
		a, err := mail.ParseAddress(e.Address)
		switch {
		case e.Address == "":
			f.Add(field, "is required")
			continue
		case err != nil || a.Address != e.Address || !strings.Contains(e.Address, "@") || len(e.Address) > 254 ||
			!hasDottedDomain(e.Address):
			f.Add(field, "is not a valid email address")
			continue
		case seen[e.Address]:
			f.Add(field, "is listed twice")
			continue
		}
		if len(e.Label) > maxLabelLen || hasControl(e.Label) {
			f.Add(fmt.Sprintf("emails[%d].label", i), "must be at most %d printable characters", maxLabelLen)
		}
		seen[e.Address] = true
		if e.Primary {
			primaries++
		}
		out = append(out, e)
	}
	if primaries > 1 {
		f.Add("emails", "only one email address can be primary")
	}
	if primaries == 0 && len(out) > 0 {
		out[0].Primary = true
	}
	c.Emails = out
}

// hasDottedDomain reports whether an address's domain has at least two
// non-empty labels, as every address that can receive mail from outside does.
func hasDottedDomain(addr string) bool {
	domain := addr[strings.LastIndexByte(addr, '@')+1:]
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" {
			return false
		}
	}
	return true
}

func normalizePhones(c *Customer, region string, f *fault.Fields) {
	if len(c.Phones) > maxContacts {
		f.Add("phones", "at most %d phone numbers", maxContacts)
		return
	}
	seen := map[string]bool{}
	out := c.Phones[:0:0]
	primaries := 0
	for i, p := range c.Phones {
		field := fmt.Sprintf("phones[%d].number", i)
		raw := strings.TrimSpace(p.Number)
		if raw == "" {
			f.Add(field, "is required")
			continue
		}
		num, err := phonenumbers.Parse(raw, region)
		if err != nil || !phonenumbers.IsPossibleNumber(num) {
			f.Add(field, "is not a valid phone number (use international form, e.g. +44 20 7946 0958)")
			continue
		}
		p.Number = phonenumbers.Format(num, phonenumbers.E164)
		p.Label = strings.TrimSpace(p.Label)
		if seen[p.Number] {
			f.Add(field, "is listed twice")
			continue
		}
		if len(p.Label) > maxLabelLen || hasControl(p.Label) {
			f.Add(fmt.Sprintf("phones[%d].label", i), "must be at most %d printable characters", maxLabelLen)
		}
		seen[p.Number] = true
		if p.Primary {
			primaries++
		}
		out = append(out, p)
	}
	if primaries > 1 {
		f.Add("phones", "only one phone number can be primary")
	}
	if primaries == 0 && len(out) > 0 {
		out[0].Primary = true
	}
	c.Phones = out
}

func normalizeAddresses(c *Customer, f *fault.Fields) {
	if len(c.Addresses) > maxContacts {
		f.Add("addresses", "at most %d addresses", maxContacts)
		return
	}
	primaries := 0
	for i := range c.Addresses {
		a := &c.Addresses[i]
		for name, v := range map[string]*string{"label": &a.Label, "line1": &a.Line1, "line2": &a.Line2,
			"city": &a.City, "region": &a.Region, "postal_code": &a.PostalCode} {
			*v = strings.TrimSpace(*v)
			if len(*v) > maxAddressField || hasControl(*v) {
				f.Add(fmt.Sprintf("addresses[%d].%s", i, name), "must be at most %d printable characters", maxAddressField)
			}
		}
		if a.Country = strings.TrimSpace(a.Country); a.Country != "" {
			code, ok := CountryCode(a.Country)
			if !ok {
				f.Add(fmt.Sprintf("addresses[%d].country", i), "is not a country SCRMS knows: give its two-letter ISO code or English name")
			}
			a.Country = code
		}
		if pc, ok := normalizePostcode(a.Country, a.PostalCode); ok {
			a.PostalCode = pc
		} else {
			f.Add(fmt.Sprintf("addresses[%d].postal_code", i), "is not a postal code of %s", a.Country)
		}
		if a.Line1 == "" && a.City == "" && a.PostalCode == "" && a.Region == "" && a.Country == "" {
			f.Add(fmt.Sprintf("addresses[%d].line1", i), "an address needs at least a street, city, postal code, region or country")
		}
		if a.Primary {
			primaries++
		}
	}
	if primaries > 1 {
		f.Add("addresses", "only one address can be primary")
	}
	if primaries == 0 && len(c.Addresses) > 0 {
		c.Addresses[0].Primary = true
	}
}

// NormalizeTag returns the stored form of a tag: trimmed, lower case, inner
// spaces collapsed. It returns "" for a tag that cannot be stored.
func NormalizeTag(t string) string {
	t = strings.Join(strings.Fields(strings.ToLower(t)), " ")
	if t == "" || len(t) > maxTagLen || hasControl(t) {
		return ""
	}
	return t
}

func normalizeTags(c *Customer, f *fault.Fields) {
	if len(c.Tags) > maxTags {
		f.Add("tags", "at most %d tags", maxTags)
		return
	}
	var out []string
	for i, t := range c.Tags {
		n := NormalizeTag(t)
		if n == "" {
			f.Add(fmt.Sprintf("tags[%d]", i), "must be 1 to %d printable characters", maxTagLen)
			continue
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	c.Tags = out
}

// PreferredChannels are the channels a customer may prefer.
var PreferredChannels = []string{"email", "phone", "sms", "post"}

func normalizeProfile(c *Customer, f *fault.Fields) {
	p := &c.Profile
	for _, v := range []*string{&p.BirthDate, &p.Language, &p.TimeZone, &p.PreferredChannel, &p.QuietHours,
		&p.ReferralSource, &p.Website, &p.Industry} {
		*v = strings.TrimSpace(*v)
	}
	if p.BirthDate != "" {
		d, err := time.Parse("2006-01-02", p.BirthDate)
		switch {
		case c.Kind == Organization:
			f.Add("profile.birth_date", "only people have a birth date")
		case err != nil:
			f.Add("profile.birth_date", "must be a date as YYYY-MM-DD")
		case d.After(time.Now()) || d.Year() < 1900:
			f.Add("profile.birth_date", "must be between 1900 and today")
		}
	}
	p.Language = strings.ToLower(p.Language)
	if p.Language != "" && (len(p.Language) != 2 || !isLowerASCII(p.Language)) {
		f.Add("profile.language", "must be a two-letter ISO 639-1 code such as en or de")
	}
	if p.TimeZone != "" {
		if _, err := time.LoadLocation(p.TimeZone); err != nil || p.TimeZone == "Local" || len(p.TimeZone) > 64 {
			f.Add("profile.time_zone", "must be a time zone name such as Europe/London")
		}
	}
	if p.PreferredChannel != "" && !slices.Contains(PreferredChannels, p.PreferredChannel) {
		f.Add("profile.preferred_channel", "must be one of %s", strings.Join(PreferredChannels, ", "))
	}
	p.ContactTimes = strings.TrimSpace(p.ContactTimes)
	if len(p.ContactTimes) > 100 || hasControl(p.ContactTimes) {
		f.Add("profile.contact_times", "must be at most 100 printable characters")
	}
	p.Categories = normalizePrefs(p.Categories, "profile.categories", f)
	p.Brands = normalizePrefs(p.Brands, "profile.brands", f)
	if p.QuietHours != "" {
		from, to, ok := strings.Cut(p.QuietHours, "-")
		_, e1 := time.Parse("15:04", strings.TrimSpace(from))
		_, e2 := time.Parse("15:04", strings.TrimSpace(to))
		if !ok || e1 != nil || e2 != nil {
			f.Add("profile.quiet_hours", "must be HH:MM-HH:MM, e.g. 21:00-08:00")
		} else {
			p.QuietHours = strings.TrimSpace(from) + "-" + strings.TrimSpace(to)
		}
	}
	if len(p.ReferralSource) > 100 || hasControl(p.ReferralSource) {
		f.Add("profile.referral_source", "must be at most 100 printable characters")
	}
	if len(p.Industry) > 100 || hasControl(p.Industry) {
		f.Add("profile.industry", "must be at most 100 printable characters")
	}
	if p.Website != "" {
		if !strings.Contains(p.Website, "://") {
			p.Website = "https://" + p.Website
		}
		u, err := url.Parse(p.Website)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(p.Website) > 300 {
			f.Add("profile.website", "must be a web address such as https://example.com")
		}
	}
}

func isLowerASCII(s string) bool {
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

// normalizePrefs cleans a list of preferences like tags: trimmed, lower
// case, each once, sorted.
func normalizePrefs(vs []string, field string, f *fault.Fields) []string {
	if len(vs) > maxTags {
		f.Add(field, "at most %d entries", maxTags)
		return nil
	}
	var out []string
	for i, v := range vs {
		n := NormalizeTag(v)
		if n == "" {
			if strings.TrimSpace(v) != "" {
				f.Add(fmt.Sprintf("%s[%d]", field, i), "must be 1 to %d printable characters", maxTagLen)
			}
			continue
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}
