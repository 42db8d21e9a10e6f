package customer

import (
	"slices"
	"strings"
	"testing"
)

func TestSearchTerms(t *testing.T) {
	cases := map[string][]string{
		"":                    nil,
		"  Ann   Smi ":        {"ann", "smi"},
		"Zoë O'Brien":         {"zoe", "o", "brien"},
		"ann.smith@acme.ex":   {"ann", "smith", "acme", "ex"},
		"+44 (20) 7946-0958":  {"442079460958"},
		"020 7946":            {"207946"},
		"12":                  {"12"},
		`"quoted" OR x* NEAR`: {"quoted", "or", "x", "near"},
	}
	for q, want := range cases {
		if got := SearchTerms(q); !slices.Equal(got, want) {
			t.Errorf("SearchTerms(%q) = %q, want %q", q, got, want)
		}
	}
	if n := len(SearchTerms(strings.Repeat("word ", 50))); n != maxSearchTerms {
		t.Errorf("%d terms kept, want %d", n, maxSearchTerms)
	}
}

func TestSearchTextIndexesPhonesEveryWayTheyAreTyped(t *testing.T) {
	c := Customer{FirstName: "Zoë", LastName: "Quinn", Emails: []Email{{Address: "zq@home.example"}},
		Phones: []Phone{{Number: "+442079460958"}, {Number: "+390212345678"}, {Number: "+14155550134"}}}
	st := BuildSearchText(c)
	if st.Names != "zoe quinn" {
		t.Errorf("names %q", st.Names)
	}
	for _, want := range []string{"442079460958", "2079460958", "390212345678", "0212345678", "212345678",
		"14155550134", "4155550134", "zq", "home", "example"} {
		if !slices.Contains(strings.Fields(st.Contacts), want) {
			t.Errorf("contacts %q lack %q", st.Contacts, want)
		}
	}
	for _, q := range []string{"020 7946 0958", "+39 02 1234", "02 1234 5678", "(415) 555-01"} {
		term := SearchTerms(q)[0]
		found := false
		for _, tok := range strings.Fields(st.Contacts) {
			found = found || strings.HasPrefix(tok, term)
		}
		if !found {
			t.Errorf("query %q (term %q) matches no indexed phone in %q", q, term, st.Contacts)
		}
	}
}
