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

// A products block shows the products recommended to the recipient, as
// many as it asks for, linked to their pages, with the reasons; with none
// to show, the block is left out; the text form reads and writes it.
func TestProductsBlock(t *testing.T) {
	blocks, err := ParseDesign("# Hello\n[products 2 You may also like | https://shop.example/p/{sku}]\n")
	if err != nil {
		t.Fatal(err)
	}
	want := Block{Type: "products", Count: 2, Text: "You may also like", URL: "https://shop.example/p/{sku}"}
	if len(blocks) != 2 || blocks[1] != want {
		t.Fatalf("blocks %+v", blocks)
	}
	if again, err := ParseDesign(FormatDesign(blocks)); err != nil || again[1] != want {
		t.Fatalf("round trip %+v %v", again, err)
	}
	for _, bad := range []string{"[products 0 | https://x.example]", "[products 7 | https://x.example]", "[products many]"} {
		if _, err := ParseDesign(bad); err == nil || !strings.Contains(err.Error(), "1 to 6") {
			t.Errorf("%s: %v", bad, err)
		}
	}
	c, err := Template{Subject: "Hi", Blocks: blocks}.Compile()
	if err != nil {
		t.Fatal(err)
	}
	if c.Products() != 2 {
		t.Fatalf("the template asks for %d products", c.Products())
	}
	cards := []ProductCard{{SKU: "A 1", Name: "Mug <blue>", Price: "8.00 EUR", Reason: "Often bought with Teapot"},
		{SKU: "B", Name: "Coasters", Reason: "Popular with customers"}, {SKU: "C", Name: "Third"}}
	r := c.RenderFor(nil, cards, nil, "", "")
	if !strings.Contains(r.HTML, `<a href="https://shop.example/p/A%201"`) || !strings.Contains(r.HTML, "Mug &lt;blue&gt;") ||
		!strings.Contains(r.HTML, "Often bought with Teapot") || !strings.Contains(r.HTML, "Coasters") || strings.Contains(r.HTML, "Third") {
		t.Fatalf("html:\n%s", r.HTML)
	}
	if !strings.Contains(r.Text, "You may also like\n- Mug <blue> 8.00 EUR: https://shop.example/p/A%201\n  Often bought with Teapot\n") {
		t.Fatalf("text:\n%s", r.Text)
	}
	if empty := c.RenderFor(nil, nil, nil, "", ""); strings.Contains(empty.HTML, "You may also like") {
		t.Fatal("a products block with no products was written")
	}
}
