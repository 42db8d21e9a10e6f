package marketing

import (
	"strings"
	"testing"
)

func TestMeasureSMS(t *testing.T) {
	for _, c := range []struct {
		text     string
		encoding string
		length   int
		parts    int
	}{
		{"Hello Ana, 20% off today!", "GSM-7", 25, 1},
		{strings.Repeat("a", 160), "GSM-7", 160, 1},
		{strings.Repeat("a", 161), "GSM-7", 161, 2},
		{strings.Repeat("a", 306), "GSM-7", 306, 2},
		{strings.Repeat("a", 307), "GSM-7", 307, 3},
		{"Price: 5€ {today}", "GSM-7", 20, 1}, // € { } take two places each
		{"Olá João, até já", "UCS-2", 16, 1},  // ã is not in the GSM alphabet
		{strings.Repeat("ж", 71), "UCS-2", 71, 2},
		{"Party 🎉", "UCS-2", 8, 1}, // an emoji is a surrogate pair
	} {
		got := MeasureSMS(c.text)
		if got.Encoding != c.encoding || got.Length != c.length || got.Parts != c.parts {
			t.Errorf("%q: %+v, want %s %d %d", c.text, got, c.encoding, c.length, c.parts)
		}
	}
}
