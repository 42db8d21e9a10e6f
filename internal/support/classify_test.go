package support

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func readBanking(t *testing.T, name string) []Example {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "..", "shared", "data", "banking77", name))
	if err != nil {
		t.Skipf("BANKING77 data not present: %v", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []Example
	for _, r := range rows[1:] {
		out = append(out, Example{Text: r[0], Label: r[1]})
	}
	return out
}

// TestBanking77 trains on the BANKING77 training split and measures
// accuracy on its test split (3,080 queries, 77 intents).
func TestBanking77(t *testing.T) {
	train, test := readBanking(t, "train.csv"), readBanking(t, "test.csv")
	if len(train) != 10003 || len(test) != 3080 {
		t.Fatalf("read %d training and %d test rows, want 10003 and 3080", len(train), len(test))
	}
	start := time.Now()
	c, err := Train(train, TrainOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	acc := c.Accuracy(test)
	t.Logf("BANKING77: %d features, trained in %s, test accuracy %.2f%%", len(c.Vocab), took.Round(time.Millisecond), acc*100)
	if acc < 0.89 {
		t.Errorf("test accuracy %.2f%%, want at least 89%%", acc*100)
	}
}
