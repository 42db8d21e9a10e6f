// Package help holds SCRMS's user guide for staff, written in Markdown in the
// repository, rendered to safe HTML by a small renderer of our own and
// searchable. Each screen links to its own section by id.
package help

import (
	_ "embed"
	"html"
	"regexp"
	"strings"
)

//go:embed guide.md
var guideText string

// Section is one "## " section of the guide.
type Section struct {
	ID    string
	Title string
	HTML  string // rendered, every text escaped
	Text  string // plain text, for search
}

// Guide is the parsed guide.
type Guide struct {
	Title    string
	Sections []Section
}

// Load parses the embedded guide.
func Load() *Guide { return Parse(guideText) }

var explicitID = regexp.MustCompile(`\s*\{#([a-z0-9-]+)\}\s*$`)

// Parse splits Markdown into sections at "## " headings. A heading may name
// its id as "## Title {#id}"; otherwise the id is made from the title.
func Parse(md string) *Guide {
	g := &Guide{}
	var cur *Section
	var body []string
	flush := func() {
		if cur != nil {
			cur.HTML = Render(strings.Join(body, "\n"))
			cur.Text = plain(strings.Join(body, "\n"))
			g.Sections = append(g.Sections, *cur)
		}
		body = nil
	}
	for _, line := range strings.Split(md, "\n") {
		switch {
		case strings.HasPrefix(line, "# ") && g.Title == "":
			g.Title = strings.TrimSpace(line[2:])
		case strings.HasPrefix(line, "## "):
			flush()
			title := strings.TrimSpace(line[3:])
			id := ""
			if m := explicitID.FindStringSubmatch(title); m != nil {
				id = m[1]
				title = explicitID.ReplaceAllString(title, "")
			} else {
				id = slug(title)
			}
			cur = &Section{ID: id, Title: title}
		default:
			body = append(body, line)
		}
	}
	flush()
	return g
}

func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-")
}

var inlineToken = regexp.MustCompile("`[^`]+`|\\*\\*[^*]+\\*\\*|\\[[^\\]]+\\]\\([^)\\s]+\\)")

// inline renders code spans, bold and links; everything else is escaped.
// Links go only to local paths, anchors or http(s) addresses.
func inline(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range inlineToken.FindAllStringIndex(s, -1) {
		b.WriteString(html.EscapeString(s[last:m[0]]))
		tok := s[m[0]:m[1]]
		switch {
		case strings.HasPrefix(tok, "`"):
			b.WriteString("<code>" + html.EscapeString(tok[1:len(tok)-1]) + "</code>")
		case strings.HasPrefix(tok, "**"):
			b.WriteString("<strong>" + html.EscapeString(tok[2:len(tok)-2]) + "</strong>")
		default:
			close := strings.Index(tok, "](")
			text, href := tok[1:close], tok[close+2:len(tok)-1]
			if strings.HasPrefix(href, "/") || strings.HasPrefix(href, "#") || strings.HasPrefix(href, "https://") ||
				strings.HasPrefix(href, "http://") {
				b.WriteString(`<a href="` + html.EscapeString(href) + `">` + html.EscapeString(text) + "</a>")
			} else {
				b.WriteString(html.EscapeString(text))
			}
		}
		last = m[1]
	}
	b.WriteString(html.EscapeString(s[last:]))
	return b.String()
}

// Render turns the block Markdown SCRMS uses (paragraphs, "### " headings,
// "- " and "1. " lists, fenced code) into HTML.
func Render(md string) string {
	var b strings.Builder
	var para []string
	list := ""
	code := false
	endPara := func() {
		if len(para) > 0 {
			b.WriteString("<p>" + inline(strings.Join(para, " ")) + "</p>\n")
			para = nil
		}
	}
	endList := func() {
		if list != "" {
			b.WriteString("</" + list + ">\n")
			list = ""
		}
	}
	for _, line := range strings.Split(md, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "```") {
			endPara()
			endList()
			if code {
				b.WriteString("</code></pre>\n")
			} else {
				b.WriteString("<pre><code>")
			}
			code = !code
			continue
		}
		if code {
			b.WriteString(html.EscapeString(line) + "\n")
			continue
		}
		switch {
		case t == "":
			endPara()
			endList()
		case strings.HasPrefix(t, "### "):
			endPara()
			endList()
			b.WriteString("<h3>" + inline(t[4:]) + "</h3>\n")
		case strings.HasPrefix(t, "- "):
			endPara()
			if list != "ul" {
				endList()
				b.WriteString("<ul>\n")
				list = "ul"
			}
			b.WriteString("<li>" + inline(t[2:]) + "</li>\n")
		case len(t) > 2 && t[0] >= '0' && t[0] <= '9' && strings.Contains(t[:min(4, len(t))], ". "):
			endPara()
			if list != "ol" {
				endList()
				b.WriteString("<ol>\n")
				list = "ol"
			}
			b.WriteString("<li>" + inline(t[strings.Index(t, ". ")+2:]) + "</li>\n")
		default:
			if list != "" {
				endList()
			}
			para = append(para, t)
		}
	}
	endPara()
	endList()
	if code {
		b.WriteString("</code></pre>\n")
	}
	return b.String()
}

func plain(md string) string {
	r := strings.NewReplacer("`", "", "**", "", "#", "", "[", "", "]", " ")
	return strings.Join(strings.Fields(r.Replace(md)), " ")
}

// Hit is a section that matches a search, with a snippet around the match.
type Hit struct {
	Section Section
	Snippet string
}

// Search returns the sections containing every word of q, titles first.
func (g *Guide) Search(q string) []Hit {
	words := strings.Fields(strings.ToLower(q))
	if len(words) == 0 {
		return nil
	}
	var titled, bodied []Hit
	for _, s := range g.Sections {
		hay := strings.ToLower(s.Title + " " + s.Text)
		all := true
		for _, w := range words {
			if !strings.Contains(hay, w) {
				all = false
				break
			}
		}
		if !all {
			continue
		}
		h := Hit{Section: s, Snippet: snippet(s.Text, words[0])}
		if strings.Contains(strings.ToLower(s.Title), words[0]) {
			titled = append(titled, h)
		} else {
			bodied = append(bodied, h)
		}
	}
	return append(titled, bodied...)
}

func snippet(text, word string) string {
	i := strings.Index(strings.ToLower(text), word)
	if i < 0 {
		i = 0
	}
	start := max(0, i-60)
	end := min(len(text), i+120)
	for start > 0 && start < len(text) && text[start]&0xC0 == 0x80 {
		start--
	}
	for end < len(text) && text[end]&0xC0 == 0x80 {
		end++
	}
	s := text[start:end]
	if start > 0 {
		s = "…" + s
	}
	if end < len(text) {
		s += "…"
	}
	return s
}
