package analytics

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func groceries(t *testing.T) ([][]int, []string) {
	t.Helper()
	var f *os.File
	for _, d := range []string{"../../../shared/data/groceries", "../../../../shared/data/groceries"} {
		if h, err := os.Open(filepath.Join(d, "groceries.csv")); err == nil {
			f = h
			break
		}
	}
	if f == nil {
		t.Skip("Groceries data not found (expected ../shared/data/groceries beside the project)")
	}
	defer f.Close()
	ids := map[string]int{}
	var names []string
	var baskets [][]int
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var b []int
		seen := map[int]bool{}
		for _, name := range strings.Split(sc.Text(), ",") {
			name = strings.TrimSpace(name)
			id, ok := ids[name]
			if !ok {
				id = len(names)
				ids[name] = id
				names = append(names, name)
			}
			if !seen[id] {
				seen[id] = true
				b = append(b, id)
			}
		}
		baskets = append(baskets, b)
	}
	if len(baskets) != 9835 || len(names) != 169 {
		t.Fatalf("%d baskets of %d items, want 9,835 and 169", len(baskets), len(names))
	}
	return baskets, names
}

// The "bought together" rules reproduce arules' published rule counts on
// the Groceries baskets.
func TestAssociationRulesOnGroceries(t *testing.T) {
	baskets, names := groceries(t)
	for _, c := range []struct {
		support, confidence float64
		rules               int
		byLen               map[int]int
		maxLift             float64
	}{
		{0.006, 0.25, 463, map[int]int{2: 150, 3: 297, 4: 16}, 3.9565},
		{0.001, 0.5, 5668, map[int]int{2: 11, 3: 1461, 4: 3211, 5: 939, 6: 46}, 18.9957},
		{0.001, 0.8, 410, map[int]int{3: 29, 4: 229, 5: 140, 6: 12}, 11.2353},
	} {
		rules := AssociationRules(baskets, len(names), c.support, c.confidence, 10)
		byLen := map[int]int{}
		maxLift := 0.0
		for _, r := range rules {
			byLen[len(r.If)+1]++
			maxLift = max(maxLift, r.Lift)
		}
		t.Logf("support %.3f confidence %.2f: %d rules %v, max lift %.4f", c.support, c.confidence, len(rules), byLen, maxLift)
		if len(rules) != c.rules {
			t.Errorf("support %.3f confidence %.2f: %d rules, want %d", c.support, c.confidence, len(rules), c.rules)
		}
		for l, n := range c.byLen {
			if byLen[l] != n {
				t.Errorf("support %.3f confidence %.2f: %d rules of length %d, want %d", c.support, c.confidence, byLen[l], l, n)
			}
		}
		if maxLift < c.maxLift-0.0001 || maxLift > c.maxLift+0.0001 {
			t.Errorf("max lift %.4f, want %.4f", maxLift, c.maxLift)
		}
	}
}
