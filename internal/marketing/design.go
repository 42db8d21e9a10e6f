package marketing

import (
	"strconv"
	"strings"

	"github.com/scrms/scrms/internal/fault"
)

// ParseDesign reads an email's blocks written as text, one block after the
// other:
//
//	# A heading
//	Paragraphs of text, with {{first_name}} and the other fields.
//	[image https://example.com/kettle.jpg | A blue kettle]
//	[button Shop now | https://example.com/sale]
//	[offer Code SPRING15 | https://example.com/offer]
//	[products 3 Picked for you | https://example.com/p/{sku}]
//	---
//
// "---" is a divider; text lines between the others make one text block.
func ParseDesign(text string) ([]Block, error) {
	var blocks []Block
	var para []string
	flush := func() {
		body := strings.Trim(strings.Join(para, "\n"), "\n")
		if strings.TrimSpace(body) != "" {
			blocks = append(blocks, Block{Type: "text", Text: body})
		}
		para = nil
	}
	for n, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "# "):
			flush()
			blocks = append(blocks, Block{Type: "heading", Text: strings.TrimSpace(trimmed[2:])})
		case trimmed == "---":
			flush()
			blocks = append(blocks, Block{Type: "divider"})
		case strings.HasPrefix(trimmed, "[") && strings.HasSuffix(trimmed, "]"):
			flush()
			kind, rest, _ := strings.Cut(trimmed[1:len(trimmed)-1], " ")
			a, b, _ := strings.Cut(rest, "|")
			a, b = strings.TrimSpace(a), strings.TrimSpace(b)
			switch kind {
			case "image":
				blocks = append(blocks, Block{Type: "image", URL: a, Alt: b})
			case "button", "offer":
				blocks = append(blocks, Block{Type: kind, Text: a, URL: b})
			case "products":
				count, title, _ := strings.Cut(a, " ")
				c, err := strconv.Atoi(count)
				if err != nil || c < 1 || c > MaxProducts {
					return nil, fault.Field("design", "line %d: [products N title | product page URL with {sku}] needs N from 1 to %d", n+1, MaxProducts)
				}
				blocks = append(blocks, Block{Type: kind, Count: c, Text: strings.TrimSpace(title), URL: b})
			default:
				return nil, fault.Field("design", "line %d: [%s …] is not a block; use [image URL | text], [button text | URL], [offer text | URL] or [products N title | URL]", n+1, kind)
			}
		default:
			para = append(para, line)
		}
	}
	flush()
	return blocks, nil
}

// FormatDesign writes blocks in the text form ParseDesign reads.
func FormatDesign(blocks []Block) string {
	var b strings.Builder
	for i, blk := range blocks {
		if i > 0 {
			b.WriteString("\n")
		}
		switch blk.Type {
		case "heading":
			b.WriteString("# " + blk.Text + "\n")
		case "divider":
			b.WriteString("---\n")
		case "image":
			b.WriteString("[image " + blk.URL + " | " + blk.Alt + "]\n")
		case "button", "offer":
			b.WriteString("[" + blk.Type + " " + blk.Text + " | " + blk.URL + "]\n")
		case "products":
			b.WriteString(strings.TrimRight("[products "+strconv.Itoa(productCount(blk))+" "+blk.Text, " ") + " | " + blk.URL + "]\n")
		default:
			b.WriteString(blk.Text + "\n")
		}
	}
	return b.String()
}
