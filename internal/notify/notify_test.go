package notify

import (
	"testing"

	"github.com/scrms/scrms/internal/auth"
)

func TestMentioned(t *testing.T) {
	users := []auth.User{{ID: 1, Email: "ada.lovelace@example.com"}, {ID: 2, Email: "sam@example.com"},
		{ID: 3, Email: "sam@other.example"}}
	for text, want := range map[string][]int64{
		"@ada.lovelace please call back":           {1},
		"cc @sam@other.example and @ada.lovelace.": {3, 1},
		"@sam":                              {2, 3}, // both users called sam are meant; each is told
		"write to info@ada.lovelace or a@b": nil,
		"@nobody here":                      nil,
		"@ADA.LOVELACE@EXAMPLE.COM, @ada.lovelace": {1},
	} {
		var got []int64
		for _, u := range Mentioned(text, users) {
			got = append(got, u.ID)
		}
		if len(got) != len(want) {
			t.Errorf("%q mentions %v, want %v", text, got, want)
			continue
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%q mentions %v, want %v", text, got, want)
			}
		}
	}
}
