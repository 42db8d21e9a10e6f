package analytics

import (
	"os"
	"strings"
	"testing"
)

// Every key figure has a written definition, and docs/kpis.md lists each
// with the same words the app shows.
func TestKPIDefinitionsAreDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/kpis.md")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, k := range KPIDefinitions {
		if seen[k.Key] || k.Name == "" || k.Definition == "" || k.Unit == "" {
			t.Errorf("KPI %q: duplicate or incomplete", k.Key)
		}
		seen[k.Key] = true
		if !strings.Contains(string(doc), "| `"+k.Key+"` | "+k.Name+" | "+k.Unit+" | "+k.Definition+" |") {
			t.Errorf("docs/kpis.md does not define %q as the app does", k.Key)
		}
	}
}

// Week-over-week counts are compared as Poisson rates: 30 against 10 is a
// real rise (z = 20/√40 ≈ 3.16), 12 against 10 is not (z ≈ 0.43), nor is
// 5 against 0 (exact two-sided p = 2/32 = 0.0625), while 6 against 0 is
// (p = 2/64 ≈ 0.031); large counts use the normal test.
func TestWeekTrend(t *testing.T) {
	change, z, sig := WeekTrend(30, 10)
	if change != 2 || z < 3.16 || z > 3.17 || !sig {
		t.Errorf("30 vs 10: %v %v %v", change, z, sig)
	}
	if change, z, sig = WeekTrend(12, 10); change != 0.2 || z < 0.42 || z > 0.43 || sig {
		t.Errorf("12 vs 10: %v %v %v", change, z, sig)
	}
	if change, z, sig = WeekTrend(5, 0); change != 0 || sig {
		t.Errorf("5 vs 0 (z %.2f): %v %v", z, change, sig)
	}
	if _, _, sig = WeekTrend(0, 6); !sig {
		t.Error("0 vs 6 is a significant fall")
	}
	if _, _, sig = WeekTrend(1050, 950); !sig { // z = 100/√2000 ≈ 2.24
		t.Error("1,050 vs 950 is significant")
	}
	if _, _, sig = WeekTrend(1030, 970); sig { // z ≈ 1.34
		t.Error("1,030 vs 970 is not")
	}
}
