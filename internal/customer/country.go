package customer

import (
	"strings"
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// countryNames maps folded English country names, and a few names people
// commonly use instead, to ISO 3166-1 alpha-2 codes. The names come from
// the Unicode CLDR data shipped with golang.org/x/text.
var countryNames = sync.OnceValue(func() map[string]string {
	names := map[string]string{}
	regions := display.English.Regions()
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			code := string([]rune{a, b})
			r, err := language.ParseRegion(code)
			if err != nil || !r.IsCountry() || r.String() != code || r.Canonicalize() != r {
				continue // not a country, or an old code (DD, the German Democratic Republic)
			}
			// Where two codes share a name (FR and the reserved FX are both
			// "France"), the first, the assigned one, keeps it.
			if n := fold(regions.Name(r)); n != "" && names[n] == "" {
				names[n] = code
			}
		}
	}
	for alias, code := range map[string]string{
		"uk": "GB", "great britain": "GB", "britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
		"northern ireland": "GB", "eire": "IE", "republic of ireland": "IE", "usa": "US", "united states of america": "US",
		"america": "US", "rsa": "ZA", "holland": "NL", "the netherlands": "NL", "czech republic": "CZ",
		"hong kong": "HK", "macau": "MO", "macao": "MO", "south korea": "KR", "korea": "KR", "north korea": "KP",
		"russian federation": "RU", "uae": "AE", "ivory coast": "CI", "vatican": "VA", "burma": "MM",
		"swaziland": "SZ", "macedonia": "MK", "turkey": "TR", "cape verde": "CV", "east timor": "TL",
	} {
		names[alias] = code
	}
	return names
})

// CountryCode reads a country given as an ISO code (two or three letters,
// any case) or by its English name, and returns its two-letter ISO code.
func CountryCode(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	if len(s) == 2 || len(s) == 3 {
		if r, err := language.ParseRegion(s); err == nil && r.IsCountry() && r.Canonicalize() == r {
			if len(s) == 2 && strings.ToUpper(s) == r.String() {
				return r.String(), true
			}
			if len(s) == 3 && isLetters(s) {
				return r.String(), true
			}
		}
	}
	code, ok := countryNames()[fold(s)]
	return code, ok
}

func isLetters(s string) bool {
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return false
		}
	}
	return true
}
