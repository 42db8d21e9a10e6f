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
