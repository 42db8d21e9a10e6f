package dedupe

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// febrlDir is the shared folder of real test data, beside the project.
func febrlDir(t *testing.T) string {
	for _, d := range []string{"../../../shared/data/febrl", "../../../../shared/data/febrl"} {
		if _, err := os.Stat(filepath.Join(d, "dataset3.csv")); err == nil {
			return d
		}
	}
	t.Skip("Febrl data not found (expected ../shared/data/febrl beside the project)")
	return ""
}

// loadFebrl reads a Febrl file; entity says which person each record is.
func loadFebrl(t *testing.T, path string, firstID int64) ([]Record, []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.TrimLeadingSpace = true
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var recs []Record
	var entity []string
	for i, row := range rows[1:] {
		// rec_id, given_name, surname, street_number, address_1, address_2, suburb, postcode, state, date_of_birth, soc_sec_id
		parts := strings.Split(row[0], "-")
		entity = append(entity, parts[1])
		recs = append(recs, Record{ID: firstID + int64(i), FirstName: row[1], LastName: row[2], StreetNumber: row[3],
			Street: row[4], City: row[6], Postcode: row[7], Region: row[8], BirthDate: row[9], Identifier: row[10]})
	}
	return recs, entity
}

type quality struct{ tp, fp, fn int }

func (q quality) precision() float64 { return float64(q.tp) / float64(max(1, q.tp+q.fp)) }
func (q quality) recall() float64    { return float64(q.tp) / float64(max(1, q.tp+q.fn)) }
func (q quality) f1() float64 {
	p, r := q.precision(), q.recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// truePairs counts the pairs of records that share an entity.
func truePairs(entity []string) int {
	n := map[string]int{}
	for _, e := range entity {
		n[e]++
	}
	total := 0
	for _, c := range n {
		total += c * (c - 1) / 2
	}
	return total
}

// TestFebrlDuplicateDetection measures the default rules on the Febrl data
// sets against their ground truth, with the same threshold for all.
func TestFebrlDuplicateDetection(t *testing.T) {
	dir := febrlDir(t)
	for _, tc := range []struct {
		file  string
		minF1 float64
	}{
		{"dataset1.csv", 0.97},
		{"dataset2.csv", 0.97},
		{"dataset3.csv", 0.97},
	} {
		t.Run(tc.file, func(t *testing.T) {
			recs, entity := loadFebrl(t, filepath.Join(dir, tc.file), 0)
			pairs := Find(recs, DefaultThreshold)
			q := quality{}
			for _, p := range pairs {
				if entity[p.A] == entity[p.B] {
					q.tp++
				} else {
					q.fp++
				}
			}
			q.fn = truePairs(entity) - q.tp
			t.Logf("Febrl %s: %d true pairs, found %d: precision %.4f recall %.4f F1 %.4f", tc.file,
				q.tp+q.fn, len(pairs), q.precision(), q.recall(), q.f1())
			if q.f1() < tc.minF1 {
				t.Errorf("F1 %.4f below %.2f", q.f1(), tc.minF1)
			}
		})
	}
	t.Run("dataset4 link", func(t *testing.T) {
		a, ea := loadFebrl(t, filepath.Join(dir, "dataset4a.csv"), 0)
		b, eb := loadFebrl(t, filepath.Join(dir, "dataset4b.csv"), int64(len(a)))
		all := append(append([]Record{}, a...), b...)
		entity := append(append([]string{}, ea...), eb...)
		q := quality{}
		for _, p := range Find(all, DefaultThreshold) {
			if (p.A < int64(len(a))) == (p.B < int64(len(a))) {
				continue // a link joins the two files
			}
			if entity[p.A] == entity[p.B] {
				q.tp++
			} else {
				q.fp++
			}
		}
		q.fn = 5000 - q.tp
		t.Logf("Febrl dataset4 link: 5000 true links: precision %.4f recall %.4f F1 %.4f", q.precision(), q.recall(), q.f1())
		if q.f1() < 0.97 {
			t.Errorf("F1 %.4f below 0.97", q.f1())
		}
	})
}
