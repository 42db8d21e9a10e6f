package marketing

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/marketing -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file:\n%s", name, got)
	}
}

func TestRenderMatchesGoldenFiles(t *testing.T) {
	tpl := Template{Subject: "{{first_name}}, your spring offer", Preheader: "20% off kettles",
		Blocks: []Block{
			{Type: "heading", Text: "Spring sale"},
			{Type: "text", Text: "Hello {{#if first_name}}{{first_name}}{{else}}there{{/if}},\n\nall kettles are 20% off{{#if city}} in our {{city}} shop{{/if}}."},
			{Type: "image", URL: "https://shop.example/kettle.jpg", Alt: "A blue kettle"},
			{Type: "button", Text: "Shop now", URL: "https://shop.example/sale"},
			{Type: "divider"},
			{Type: "offer", Text: "Code SPRING20", URL: "https://shop.example/offer"},
		}}
	c, err := tpl.Compile()
	if err != nil {
		t.Fatal(err)
	}
	links := func(i int, target string) string { return "https://crm.example/t/c/LINK" + string(rune('0'+i)) }
	r := c.Render(map[string]string{"first_name": "Zoë <Ann> & Co", "city": "Porto"}, links, "https://crm.example/u/TOKEN")
	if r.Subject != "Zoë <Ann> & Co, your spring offer" {
		t.Errorf("subject %q", r.Subject)
	}
	golden(t, "spring.html", r.HTML)
	golden(t, "spring.txt", r.Text)
	if strings.Contains(r.HTML, "<Ann>") {
		t.Error("a field value was not escaped in the HTML part")
	}
	// Without a first name the conditional takes its else branch.
	if r2 := c.Render(map[string]string{}, nil, ""); !strings.Contains(r2.Text, "Hello there,") || strings.Contains(r2.Text, "in our") {
		t.Errorf("empty fields: %q", r2.Text)
	}
}

func TestCompileRefusesBadTemplates(t *testing.T) {
	for text, want := range map[string]string{
		"Hi {{nickname}}":                     "not a field",
		"Hi {{first_name}":                    "not closed",
		"{{#if city}}x":                       "not closed with {{/if}}",
		"x{{/if}}":                            "no {{#if}}",
		"{{#if shoe}}x{{/if}}":                "not a field",
		"{{#if city}}{{else}}{{else}}{{/if}}": "not closed with {{/if}}",
	} {
		_, err := compileText(text)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", text, err, want)
		}
	}
	if _, err := (Template{Subject: "x", Blocks: []Block{{Type: "button", Text: "Go", URL: "javascript:alert(1)"}}}).Compile(); err == nil {
		t.Error("a javascript: link was accepted")
	}
}

func TestDesignTextRoundTrip(t *testing.T) {
	text := "# Spring sale\nHello {{first_name}},\n\nall kettles are 20% off.\n[image https://shop.example/k.jpg | A kettle]\n" +
		"[button Shop now | https://shop.example/sale]\n---\n[offer Code SPRING15 | https://shop.example/o]\nSee you soon.\n"
	blocks, err := ParseDesign(text)
	if err != nil {
		t.Fatal(err)
	}
	kinds := []string{}
	for _, b := range blocks {
		kinds = append(kinds, b.Type)
	}
	if strings.Join(kinds, ",") != "heading,text,image,button,divider,offer,text" || blocks[1].Text != "Hello {{first_name}},\n\nall kettles are 20% off." {
		t.Fatalf("blocks %+v", blocks)
	}
	again, err := ParseDesign(FormatDesign(blocks))
	if err != nil || len(again) != len(blocks) {
		t.Fatalf("round trip: %+v %v", again, err)
	}
	for i := range blocks {
		if again[i] != blocks[i] {
			t.Errorf("block %d: %+v, want %+v", i, again[i], blocks[i])
		}
	}
	if _, err := ParseDesign("[video x | y]"); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("an unknown block: %v", err)
	}
}
