package dedupe

import (
	"strings"
)

// Record is what the engine compares of a customer. Empty fields are
// unknown and count neither for nor against a match.
type Record struct {
	ID           int64
	FirstName    string
	LastName     string
	Email        string
	Phone        string // E.164
	StreetNumber string
	Street       string
	City         string
	Postcode     string
	Region       string
	BirthDate    string // YYYYMMDD
	Identifier   string // an id from another system that belongs to the person (customer number, tax id)
}

// Pair is two records that probably are one customer.
type Pair struct {
	A, B    int64 // A < B
	Score   float64
	Reasons []string
}

// DefaultThreshold is the score from which a pair is proposed as a duplicate.
// The weights below are log2 likelihood ratios (how much more often a field
// agrees this well between two records of one person than between two
// records of different people), set from general experience with customer
// data rather than fitted to any one data set.
const DefaultThreshold = 9.0

type normalized struct {
	Record
	first, last, street, city string
}

func normalize(r Record) normalized {
	n := normalized{Record: r, first: fold(r.FirstName), last: fold(r.LastName), street: fold(r.Street), city: fold(r.City)}
	n.Email = strings.ToLower(strings.TrimSpace(r.Email))
	n.Postcode = strings.ReplaceAll(fold(r.Postcode), " ", "")
	n.BirthDate = strings.TrimSpace(r.BirthDate)
	n.Identifier = strings.ReplaceAll(fold(r.Identifier), " ", "")
	n.StreetNumber = fold(r.StreetNumber)
	n.Region = fold(r.Region)
	return n
}

// nameScore compares one name field.
func nameScore(a, b string, exact, close, near, differ float64) (float64, string) {
	switch {
	case a == "" || b == "":
		return 0, ""
	case a == b:
		return exact, "same"
	}
	jw := JaroWinkler(a, b)
	switch {
	case jw >= 0.92:
		return close, "similar"
	case jw >= 0.85:
		return near, "alike"
	case len(a) == 1 || len(b) == 1:
		if a[0] == b[0] {
			return near, "initial"
		}
	}
	return differ, ""
}

// Score compares two records and returns the match score with the reasons
// that contributed most.
func Score(x, y Record) (float64, []string) {
	return score(normalize(x), normalize(y))
}

func score(a, b normalized) (float64, []string) {
	total := 0.0
	var reasons []string
	add := func(w float64, reason string) {
		total += w
		if w >= 2 && reason != "" {
			reasons = append(reasons, reason)
		}
	}
	// Names may be entered the wrong way round: compare them crossed when
	// that fits clearly better than straight.
	first, last := a.first, a.last
	if a.first != "" && a.last != "" && b.first != "" && b.last != "" {
		straight := JaroWinkler(a.first, b.first) + JaroWinkler(a.last, b.last)
		crossed := JaroWinkler(a.first, b.last) + JaroWinkler(a.last, b.first)
		if crossed > straight+0.3 {
			first, last = a.last, a.first
		}
	}
	w, how := nameScore(first, b.first, 5, 3.5, 1, -3)
	add(w, how+" first name")
	w, how = nameScore(last, b.last, 6, 4.5, 1.5, -4)
	add(w, how+" last name")

	if a.BirthDate != "" && b.BirthDate != "" {
		switch {
		case a.BirthDate == b.BirthDate:
			add(7, "same birth date")
		case Levenshtein(a.BirthDate, b.BirthDate) == 1 || transposed(a.BirthDate, b.BirthDate) ||
			(len(a.BirthDate) == 8 && len(b.BirthDate) == 8 && a.BirthDate[:4] == b.BirthDate[:4] &&
				a.BirthDate[4:6] == b.BirthDate[6:8] && a.BirthDate[6:8] == b.BirthDate[4:6]):
			add(3.5, "birth date one typo apart")
		default:
			add(-4, "")
		}
	}
	if a.Identifier != "" && b.Identifier != "" {
		switch {
		case a.Identifier == b.Identifier:
			add(10, "same identifier")
		case Levenshtein(a.Identifier, b.Identifier) == 1 || transposed(a.Identifier, b.Identifier):
			add(5, "identifier one typo apart")
		default:
			add(-5, "")
		}
	}
	if a.Email != "" && b.Email != "" {
		if a.Email == b.Email {
			add(10, "same email")
		} else {
			add(-1, "") // people keep several addresses
		}
	}
	if a.Phone != "" && b.Phone != "" {
		if a.Phone == b.Phone {
			add(8, "same phone")
		} else {
			add(-1, "")
		}
	}
	if a.StreetNumber != "" && b.StreetNumber != "" {
		if a.StreetNumber == b.StreetNumber {
			add(2, "")
		} else {
			add(-1, "")
		}
	}
	if a.street != "" && b.street != "" {
		jw := JaroWinkler(a.street, b.street)
		switch {
		case jw >= 0.9:
			add(3, "same street")
		case jw >= 0.8:
			add(1, "")
		default:
			add(-1.5, "")
		}
	}
	if a.city != "" && b.city != "" {
		if JaroWinkler(a.city, b.city) >= 0.9 {
			add(2, "")
		} else {
			add(-1, "")
		}
	}
	if a.Postcode != "" && b.Postcode != "" {
		switch {
		case a.Postcode == b.Postcode:
			add(3, "same postcode")
		case Levenshtein(a.Postcode, b.Postcode) == 1:
			add(1, "")
		default:
			add(-1.5, "")
		}
	}
	if a.Region != "" && b.Region != "" {
		if a.Region == b.Region {
			add(0.5, "")
		} else {
			add(-1, "")
		}
	}
	// Names are not identifying on their own: two people may share them, and
	// in a large base many do. Without a contact point, birth date, identifier
	// or address that agrees, a pair is not proposed however alike the names.
	if !corroborated(a, b) {
		total = min(total, DefaultThreshold-0.5)
	}
	return total, reasons
}

// corroborated reports whether something beyond the names agrees.
func corroborated(a, b normalized) bool {
	same := func(x, y string) bool { return x != "" && x == y }
	switch {
	case same(a.Email, b.Email), same(a.Phone, b.Phone), same(a.Identifier, b.Identifier), same(a.Postcode, b.Postcode):
		return true
	case a.BirthDate != "" && b.BirthDate != "" && Levenshtein(a.BirthDate, b.BirthDate) <= 1:
		return true
	case same(a.StreetNumber, b.StreetNumber) && a.street != "" && b.street != "" && JaroWinkler(a.street, b.street) >= 0.9:
		return true
	case a.Identifier != "" && b.Identifier != "" && Levenshtein(a.Identifier, b.Identifier) <= 1:
		return true
	}
	return false
}

// maxBlock bounds a block: a key shared by more records than this (a
// shared postcode, a very common name) says too little to compare on.
const maxBlock = 2000

// The blocking key groups. A pair of records is compared when they share a
// key in any group; each group catches a different kind of typo.
const (
	gEmail = iota
	gPhone
	gIdentifier
	gBirth
	gName // first and last, in either order
	gLastPostcode
	gFirstPostcode
	gFirstYear
	gLastYear
	gAddress
	numGroups
)

// groupKeys are the keys of one group under which a record meets others.
func groupKeys(n normalized, g int) []string {
	one := func(v string) []string {
		if v == "" {
			return nil
		}
		return []string{v}
	}
	both := func(a, b string) []string {
		if a == "" || b == "" {
			return nil
		}
		return []string{a + " " + b}
	}
	year := ""
	if len(n.BirthDate) >= 4 {
		year = n.BirthDate[:4]
	}
	switch g {
	case gEmail:
		return one(n.Email)
	case gPhone:
		return one(n.Phone)
	case gIdentifier:
		return one(n.Identifier)
	case gBirth:
		return one(n.BirthDate)
	case gName:
		if n.first == "" || n.last == "" {
			return nil
		}
		if n.first == n.last {
			return []string{n.first + " " + n.last}
		}
		return []string{n.first + " " + n.last, n.last + " " + n.first} // swapped names meet too
	case gLastPostcode:
		return both(n.last, n.Postcode)
	case gFirstPostcode:
		return both(n.first, n.Postcode)
	case gFirstYear:
		return both(n.first, year)
	case gLastYear:
		return both(n.last, year)
	case gAddress:
		return both(n.StreetNumber, n.street)
	}
	return nil
}

// Find returns the pairs of records scoring at least threshold, best first.
func Find(records []Record, threshold float64) []Pair {
	x := NewIndex()
	for _, r := range records {
		x.Add(r)
	}
	pairs, _ := x.Pairs(threshold)
	return pairs
}
