package customer

import (
	"strings"
	"testing"
	"unicode"
)

func TestPostcodes(t *testing.T) {
	for _, tc := range []struct{ country, in, want string }{
		{"GB", "sw1a1aa", "SW1A 1AA"}, {"GB", " ec1a  1bb ", "EC1A 1BB"}, {"GB", "M1 1AE", "M1 1AE"},
		{"US", "94105", "94105"}, {"US", "94105-1804", "94105-1804"}, {"NL", "1012ab", "1012 AB"},
		{"CA", "k1a0b1", "K1A 0B1"}, {"DE", "10 115", "10115"}, {"SE", "11455", "114 55"},
		{"IE", "d02x285", "D02 X285"}, {"PL", "00-950", "00-950"}, {"XK", "any thing", "ANY THING"},
		{"", "ls1 4ab", "LS1 4AB"},
	} {
		got, ok := normalizePostcode(tc.country, tc.in)
		if !ok || got != tc.want {
			t.Errorf("normalizePostcode(%s, %q) = %q, %v; want %q", tc.country, tc.in, got, ok, tc.want)
		}
	}
	for _, tc := range []struct{ country, in string }{
		{"GB", "12345"}, {"US", "ABCDE"}, {"US", "9410"}, {"NL", "0123 AB"}, {"DE", "1011"}, {"FR", "7500A"},
		{"CA", "D1A 0B1"}, {"PL", "00950"},
	} {
		if got, ok := normalizePostcode(tc.country, tc.in); ok {
			t.Errorf("normalizePostcode(%s, %q) = %q accepted", tc.country, tc.in, got)
		}
	}
}

// FuzzNormalizeAddress feeds arbitrary addresses to validation: nothing
// panics, and an address that passes is in normal form.
func FuzzNormalizeAddress(f *testing.F) {
	f.Add("12 High St", "", "London", "", "sw1a1aa", "gb")
	f.Add("Hauptstraße 5", "Hinterhaus", "Berlin", "BE", "10115", "Germany")
	f.Add("", "", "", "Channel Islands", "", "")
	f.Add("1 Rue", "", "Paris", "", "75001", "FRA")
	f.Add("\x00", "\t", " ", "", "??", "zz")
	f.Fuzz(func(t *testing.T, line1, line2, city, region, postcode, country string) {
		c := Customer{Kind: Person, LastName: "Doe", Addresses: []Address{{Line1: line1, Line2: line2, City: city,
			Region: region, PostalCode: postcode, Country: country}}}
		if normalize(&c, "GB") != nil {
			return
		}
		a := c.Addresses[0]
		if a.Country != "" && (len(a.Country) != 2 || strings.ToUpper(a.Country) != a.Country) {
			t.Fatalf("country %q not an ISO code", a.Country)
		}
		for _, v := range []string{a.Line1, a.Line2, a.City, a.Region, a.PostalCode} {
			if v != strings.TrimSpace(v) || strings.IndexFunc(v, unicode.IsControl) >= 0 {
				t.Fatalf("field not clean: %q", v)
			}
		}
		if rule, ok := postcodeRules[a.Country]; ok && a.PostalCode != "" && !rule.MatchString(a.PostalCode) {
			t.Fatalf("postcode %q of %s passed", a.PostalCode, a.Country)
		}
		if again, ok := normalizePostcode(a.Country, a.PostalCode); !ok || again != a.PostalCode {
			t.Fatalf("postcode %q not stable: %q", a.PostalCode, again)
		}
		if !a.Primary {
			t.Fatal("the only address is not primary")
		}
	})
}
