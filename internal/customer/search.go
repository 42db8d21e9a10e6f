package customer

import (
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/unicode/norm"
)

// SearchText is what the search index holds for a customer: words of its
// names, and separately words of its contact points, so that a reader who may
// not see personal data searches names only.
type SearchText struct {
	Names    string
	Contacts string
}

// fold lower-cases s, strips diacritics and turns every run of characters
// that is not a letter or digit into one space. Both engines index folded
// text, so they split words the same way.
func fold(s string) string {
	var b strings.Builder
	space := true
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
			space = false
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
	}
	return strings.TrimSpace(b.String())
}

// BuildSearchText returns the index text of a normalised customer. Phones are
// indexed as their E.164 digits and as their national number, so that "+1 555"
// and "555 12" both find +15551234567.
func BuildSearchText(c Customer) SearchText {
	// The external id (a customer number) is found like a name, as one
	// word: "CN-2024-0042" as cn20240042, so that its parts, shared by
	// every customer of a system, do not each become a search term.
	names := fold(strings.Join([]string{c.FirstName, c.LastName, c.OrgName}, " "))
	if id := strings.ReplaceAll(fold(c.ExternalID), " ", ""); id != "" {
		names = strings.TrimSpace(names + " " + id)
	}
	var contacts []string
	for _, e := range c.Emails {
		contacts = append(contacts, fold(e.Address))
	}
	for _, p := range c.Phones {
		digits := strings.TrimPrefix(p.Number, "+")
		contacts = append(contacts, digits)
		if nat := nationalNumber(digits); nat != "" {
			contacts = append(contacts, nat)
			// Queries drop leading zeros, so index the number without them too
			// (Italian numbers keep their zero in the national number).
			if trimmed := strings.TrimLeft(nat, "0"); trimmed != nat && trimmed != "" {
				contacts = append(contacts, trimmed)
			}
		}
	}
	return SearchText{Names: names, Contacts: strings.Join(contacts, " ")}
}

// nationalNumber strips the country calling code from the digits of an E.164
// number. Calling codes are prefix-free, so the first 1-3 digit prefix that is
// a known code is the one.
func nationalNumber(digits string) string {
	for n := 1; n <= 3 && n < len(digits); n++ {
		code := 0
		for _, d := range digits[:n] {
			code = code*10 + int(d-'0')
		}
		if phonenumbers.GetRegionCodeForCountryCode(code) != phonenumbers.UNKNOWN_REGION {
			return digits[n:]
		}
	}
	return ""
}

// maxSearchTerms bounds the words of one query.
const maxSearchTerms = 8

// SearchTerms turns what a user typed into prefix terms. A query that looks
// like a phone number (digits with spaces, dashes, dots, brackets or a plus)
// becomes one term of its digits without leading zeros, so that the number
// matches however it was typed.
func SearchTerms(q string) []string {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil
	}
	if looksLikePhone(q) {
		digits := strings.TrimLeft(strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, q), "0")
		if digits != "" {
			return []string{digits}
		}
	}
	var terms []string
	for _, w := range strings.Fields(q) {
		if looksLikeID(w) {
			// A customer number such as CN-2024-0042 is indexed as one word.
			terms = append(terms, strings.ReplaceAll(fold(w), " ", ""))
			continue
		}
		terms = append(terms, strings.Fields(fold(w))...)
	}
	if len(terms) > maxSearchTerms {
		terms = terms[:maxSearchTerms]
	}
	return terms
}

// looksLikeID reports whether a word reads as an identifier: letters and
// digits joined by punctuation, and no email address.
func looksLikeID(w string) bool {
	if strings.Contains(w, "@") {
		return false
	}
	var letter, digit, punct bool
	for _, r := range w {
		switch {
		case unicode.IsLetter(r):
			letter = true
		case unicode.IsDigit(r):
			digit = true
		default:
			punct = true
		}
	}
	return digit && punct && (letter || strings.ContainsAny(w, "-_/.#"))
}

func looksLikePhone(q string) bool {
	digits := 0
	for _, r := range q {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune(" +-().", r):
		default:
			return false
		}
	}
	return digits >= 3
}
