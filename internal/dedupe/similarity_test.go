package dedupe

import (
	"math"
	"testing"
)

func TestJaroWinklerTextbookValues(t *testing.T) {
	cases := []struct {
		a, b string
		want float64
	}{
		{"martha", "marhta", 0.9611},
		{"dwayne", "duane", 0.84},
		{"dixon", "dicksonx", 0.8133},
		{"same", "same", 1},
		{"", "x", 0},
		{"abc", "xyz", 0},
	}
	for _, c := range cases {
		if got := JaroWinkler(c.a, c.b); math.Abs(got-c.want) > 0.0005 {
			t.Errorf("JaroWinkler(%q, %q) = %.4f, want %.4f", c.a, c.b, got, c.want)
		}
	}
}

func TestLevenshteinAndTransposition(t *testing.T) {
	if d := Levenshtein("kitten", "sitting"); d != 3 {
		t.Errorf("kitten/sitting = %d, want 3", d)
	}
	if d := Levenshtein("", "abc"); d != 3 {
		t.Errorf("empty/abc = %d", d)
	}
	if !transposed("19560409", "19564009") || transposed("19560409", "19560409") || transposed("abcd", "badc") {
		t.Error("transposition detection is wrong")
	}
}

func TestScoreExplainsAndHandlesSwappedNames(t *testing.T) {
	a := Record{FirstName: "Müller", LastName: "Anna", BirthDate: "19800102", Postcode: "10115"}
	b := Record{FirstName: "Anna", LastName: "Mueller", BirthDate: "19800102", Postcode: "10115"}
	s, reasons := Score(a, b)
	if s < DefaultThreshold {
		t.Fatalf("swapped and respelt names scored %.1f (%v)", s, reasons)
	}
	other := Record{FirstName: "Anna", LastName: "Schmidt", BirthDate: "19910711", Postcode: "80331"}
	if s, _ := Score(b, other); s >= DefaultThreshold {
		t.Fatalf("different people scored %.1f", s)
	}
}

// A record whose first and last names are the same word meets itself under
// both name orders; it must never be reported as its own duplicate.
func TestIndexNeverPairsARecordWithItself(t *testing.T) {
	recs := []Record{
		{ID: 1, FirstName: "George", LastName: "George", BirthDate: "19350611", Postcode: "4152"},
		{ID: 2, FirstName: "George", LastName: "Georgе", BirthDate: "19350611", Postcode: "4152"},
		{ID: 3, FirstName: "Anna", LastName: "Smith", Email: "anna@example.com"},
	}
	pairs := Find(recs, DefaultThreshold)
	if len(pairs) != 1 || pairs[0].A != 1 || pairs[0].B != 2 {
		t.Fatalf("pairs = %+v, want only 1–2", pairs)
	}
}
