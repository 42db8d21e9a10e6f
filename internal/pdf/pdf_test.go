package pdf

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"testing"
)

// The cross-reference table must point at each object exactly, or readers
// reject the file; long documents break into pages.
func TestWriteMakesAValidPDF(t *testing.T) {
	var lines []Line
	for i := range 150 {
		lines = append(lines, Line{Text: fmt.Sprintf("Line %d (with parentheses) – Müller €", i)})
	}
	b := Write("Quote Q-1", lines)
	if !bytes.HasPrefix(b, []byte("%PDF-1.4")) || !bytes.HasSuffix(b, []byte("%%EOF\n")) {
		t.Fatal("not framed as a PDF")
	}
	m := regexp.MustCompile(`startxref\n(\d+)\n`).FindSubmatch(b)
	xref, _ := strconv.Atoi(string(m[1]))
	if !bytes.HasPrefix(b[xref:], []byte("xref\n")) {
		t.Fatal("startxref does not point at the table")
	}
	entries := regexp.MustCompile(`(\d{10}) 00000 n `).FindAllSubmatch(b[xref:], -1)
	for i, e := range entries {
		off, _ := strconv.Atoi(string(e[1]))
		if want := fmt.Sprintf("%d 0 obj", i+1); !bytes.HasPrefix(b[off:], []byte(want)) {
			t.Fatalf("object %d is not at %d", i+1, off)
		}
	}
	if got := bytes.Count(b, []byte("/Type /Page ")); got < 3 {
		t.Fatalf("150 lines on %d pages", got)
	}
	if !bytes.Contains(b, []byte(`(Line 0 \(with parentheses\) - M\374ller \200) Tj`)) {
		t.Fatal("text not escaped to WinAnsi")
	}
}
