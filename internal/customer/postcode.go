package customer

import (
	"regexp"
	"strings"
)

// postcodeRules are the shapes of postal codes in the countries SCRMS
// checks, after upper-casing and collapsing spaces. Countries not listed
// are not checked.
var postcodeRules = map[string]*regexp.Regexp{
	"GB": regexp.MustCompile(`^(GIR 0AA|[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][A-Z]{2})$`),
	"US": regexp.MustCompile(`^[0-9]{5}(-[0-9]{4})?$`),
	"CA": regexp.MustCompile(`^[ABCEGHJ-NPRSTVXY][0-9][A-Z] [0-9][A-Z][0-9]$`),
	"DE": regexp.MustCompile(`^[0-9]{5}$`),
	"FR": regexp.MustCompile(`^[0-9]{5}$`),
	"ES": regexp.MustCompile(`^[0-9]{5}$`),
	"IT": regexp.MustCompile(`^[0-9]{5}$`),
	"FI": regexp.MustCompile(`^[0-9]{5}$`),
	"NL": regexp.MustCompile(`^[1-9][0-9]{3} [A-Z]{2}$`),
	"BE": regexp.MustCompile(`^[1-9][0-9]{3}$`),
	"AT": regexp.MustCompile(`^[1-9][0-9]{3}$`),
	"CH": regexp.MustCompile(`^[1-9][0-9]{3}$`),
	"DK": regexp.MustCompile(`^[0-9]{4}$`),
	"NO": regexp.MustCompile(`^[0-9]{4}$`),
	"AU": regexp.MustCompile(`^[0-9]{4}$`),
	"SE": regexp.MustCompile(`^[1-9][0-9]{2} [0-9]{2}$`),
	"PL": regexp.MustCompile(`^[0-9]{2}-[0-9]{3}$`),
	"PT": regexp.MustCompile(`^[0-9]{4}-[0-9]{3}$`),
	"IE": regexp.MustCompile(`^([AC-FHKNPRTV-Y][0-9]{2}|D6W) [0-9AC-FHKNPRTV-Y]{4}$`),
	"JP": regexp.MustCompile(`^[0-9]{3}-[0-9]{4}$`),
	"BR": regexp.MustCompile(`^[0-9]{5}-[0-9]{3}$`),
	"IN": regexp.MustCompile(`^[1-9][0-9]{5}$`),
}

// normalizePostcode puts a postal code in its country's usual form (upper
// case; the space of British, Canadian, Dutch and Swedish codes in its
// place) and reports whether it has that country's shape.
func normalizePostcode(country, code string) (string, bool) {
	code = strings.ToUpper(strings.Join(strings.Fields(code), " "))
	rule, ok := postcodeRules[country]
	if !ok || code == "" {
		return code, true
	}
	compact := strings.ReplaceAll(code, " ", "")
	switch country {
	case "IE":
		if len(compact) == 7 {
			code = compact[:3] + " " + compact[3:]
		}
	case "GB", "CA":
		if len(compact) > 3 {
			code = compact[:len(compact)-3] + " " + compact[len(compact)-3:]
		}
	case "NL":
		if len(compact) == 6 {
			code = compact[:4] + " " + compact[4:]
		}
	case "SE":
		if len(compact) == 5 {
			code = compact[:3] + " " + compact[3:]
		}
	case "US", "DE", "FR", "ES", "IT", "FI", "BE", "AT", "CH", "DK", "NO", "AU", "IN":
		code = compact
	}
	return code, rule.MatchString(code)
}
