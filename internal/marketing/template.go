package marketing

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/mail"
)

// Template is a designed email: a subject, blocks laid out one under the
// other, and a plain-text part written or generated from the blocks.
// Texts may use the recipient's fields ({{first_name}}) and conditionals
// ({{#if city}}…{{else}}…{{/if}}); values are escaped in the HTML part.
type Template struct {
	ID        int64
	Name      string
	Channel   string // email, or sms (the text is TextBody)
	Purpose   string // marketing or transactional (ignores marketing opt-outs)
	Subject   string
	Preheader string
	Blocks    []Block
	TextBody  string // "" generates the plain text from the blocks
	CreatedBy int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Block is one part of an email's layout.
type Block struct {
	Type string `json:"type"` // heading, text, image, button, offer, products, divider
	Text string `json:"text,omitempty"`
	URL  string `json:"url,omitempty"` // image source, button or offer link; for products, the product page with {sku}
	Alt  string `json:"alt,omitempty"` // image description
	// Count is how many recommended products a products block shows.
	Count int `json:"count,omitempty"`
}

// BlockTypes are the blocks the designer offers.
var BlockTypes = []string{"heading", "text", "image", "button", "offer", "products", "divider"}

// MaxProducts is the most products a products block shows.
const MaxProducts = 6

// ProductCard is a product recommended to a recipient, for a products
// block: its name, price as text, reason and SKU.
type ProductCard struct {
	SKU    string
	Name   string
	Price  string
	Reason string
}

// TemplateFields are the recipient's fields a template may use.
var TemplateFields = []string{"first_name", "last_name", "name", "email", "city", "country", "customer_id"}

// TemplateStore keeps templates.
type TemplateStore interface {
	CreateTemplate(ctx context.Context, t Template, e audit.Entry) (int64, error)
	UpdateTemplate(ctx context.Context, t Template, e audit.Entry) error
	Templates(ctx context.Context) ([]Template, error)
	FindTemplate(ctx context.Context, id int64) (Template, error)
}

// piece is a compiled part of a text: literal text, a field, or an
// if/else on a field.
type piece struct {
	lit       string
	field     string
	cond      string
	then, els []piece
}

// compileText reads a text with {{field}} and {{#if field}}…{{else}}…{{/if}}.
func compileText(s string) ([]piece, error) {
	out, rest, end, err := compileUntil(s, 0)
	if err != nil {
		return nil, err
	}
	if end != "" || rest != "" {
		return nil, fmt.Errorf("{{%s}} has no {{#if}} before it", end)
	}
	return out, nil
}

// compileUntil reads pieces until {{else}} or {{/if}} (returned as end)
// or the end of the text.
func compileUntil(s string, depth int) ([]piece, string, string, error) {
	var out []piece
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			if s != "" {
				out = append(out, piece{lit: s})
			}
			return out, "", "", nil
		}
		if i > 0 {
			out = append(out, piece{lit: s[:i]})
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			return nil, "", "", fmt.Errorf("a {{ is not closed with }}")
		}
		tag := strings.TrimSpace(s[i+2 : i+j])
		s = s[i+j+2:]
		switch {
		case tag == "else" || tag == "/if":
			if depth == 0 {
				return nil, "", "", fmt.Errorf("{{%s}} has no {{#if}} before it", tag)
			}
			return out, s, tag, nil
		case strings.HasPrefix(tag, "#if "):
			if depth >= 3 {
				return nil, "", "", fmt.Errorf("conditionals nest at most three deep")
			}
			field := strings.TrimSpace(strings.TrimPrefix(tag, "#if "))
			if !slices.Contains(TemplateFields, field) {
				return nil, "", "", fmt.Errorf("{{#if %s}}: %q is not a field; use one of %s", field, field, strings.Join(TemplateFields, ", "))
			}
			p := piece{cond: field}
			var end string
			var err error
			p.then, s, end, err = compileUntil(s, depth+1)
			if err != nil {
				return nil, "", "", err
			}
			if end == "else" {
				p.els, s, end, err = compileUntil(s, depth+1)
				if err != nil {
					return nil, "", "", err
				}
			}
			if end != "/if" {
				return nil, "", "", fmt.Errorf("{{#if %s}} is not closed with {{/if}}", field)
			}
			out = append(out, p)
		default:
			if !slices.Contains(TemplateFields, tag) {
				return nil, "", "", fmt.Errorf("{{%s}} is not a field; use one of %s", tag, strings.Join(TemplateFields, ", "))
			}
			out = append(out, piece{field: tag})
		}
	}
}

// render writes pieces with the fields; escape, when set, escapes values.
func render(b *strings.Builder, ps []piece, fields map[string]string, escape func(string) string) {
	for _, p := range ps {
		switch {
		case p.cond != "":
			if fields[p.cond] != "" {
				render(b, p.then, fields, escape)
			} else {
				render(b, p.els, fields, escape)
			}
		case p.field != "":
			b.WriteString(escape(fields[p.field]))
		default:
			b.WriteString(p.lit)
		}
	}
}

func plain(s string) string { return s }

// Compiled is a template ready to render many times.
type Compiled struct {
	subject, preheader, text []piece
	blocks                   []compiledBlock
	// htmlSize and textSize are the sizes of the last rendering, to size
	// the next one's buffers.
	htmlSize, textSize atomic.Int64
}

type compiledBlock struct {
	Block
	text []piece
}

// withSubject is the template with another subject (an A/B variant).
func (c *Compiled) withSubject(subject []piece) *Compiled {
	return &Compiled{subject: subject, preheader: c.preheader, text: c.text, blocks: c.blocks}
}

// Compile checks a template's texts and prepares it for rendering.
func (t Template) Compile() (*Compiled, error) {
	c := &Compiled{}
	var err error
	if c.subject, err = compileText(t.Subject); err != nil {
		return nil, fault.Field("subject", "%s", err.Error())
	}
	if c.preheader, err = compileText(t.Preheader); err != nil {
		return nil, fault.Field("preheader", "%s", err.Error())
	}
	if c.text, err = compileText(t.TextBody); err != nil {
		return nil, fault.Field("text_body", "%s", err.Error())
	}
	for i, b := range t.Blocks {
		if !slices.Contains(BlockTypes, b.Type) {
			return nil, fault.Field("blocks", "block %d: the type must be one of %s", i+1, strings.Join(BlockTypes, ", "))
		}
		if b.Type == "products" && (b.Count < 0 || b.Count > MaxProducts) {
			return nil, fault.Field("blocks", "block %d: a products block shows 1 to %d products", i+1, MaxProducts)
		}
		if b.URL != "" {
			if u, err := url.Parse(strings.ReplaceAll(b.URL, "{sku}", "sku")); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return nil, fault.Field("blocks", "block %d: the link must be an http(s) address", i+1)
			}
		}
		if (b.Type == "image" || b.Type == "button") && b.URL == "" {
			return nil, fault.Field("blocks", "block %d: a %s needs a url", i+1, b.Type)
		}
		cb := compiledBlock{Block: b}
		if cb.text, err = compileText(b.Text); err != nil {
			return nil, fault.Field("blocks", "block %d: %s", i+1, err.Error())
		}
		c.blocks = append(c.blocks, cb)
	}
	return c, nil
}

// Products is how many recommended products the template shows (the
// largest products block; 0 for none).
func (c *Compiled) Products() int {
	n := 0
	for _, b := range c.blocks {
		if b.Type == "products" {
			n = max(n, productCount(b.Block))
		}
	}
	return n
}

func productCount(b Block) int {
	if b.Count <= 0 {
		return 3
	}
	return b.Count
}

// Rendered is an email written for one recipient.
type Rendered struct {
	Subject string
	HTML    string
	Text    string
}

// Links rewrites a link in the HTML part (click tracking); nil keeps them.
// Buttons and offers are numbered from 1; a product link of a products
// block (whose target depends on the recipient) comes with ProductLink.
type Links func(index int, target string) string

// ProductLink is the index Links gets for a products block's link.
const ProductLink = -1

// Render writes the email for a recipient. link rewrites each link;
// footer is the unsubscribe address shown at the end ("" for none).
func (c *Compiled) Render(fields map[string]string, link Links, footer string) Rendered {
	return c.RenderWith(fields, link, footer, "")
}

// RenderWith is Render with a link to the customer's preferences in the
// footer as well ("" for none).
func (c *Compiled) RenderWith(fields map[string]string, link Links, footer, prefs string) Rendered {
	return c.RenderFor(fields, nil, link, footer, prefs)
}

// RenderFor is RenderWith with the products recommended to the recipient
// for products blocks (a block with none is left out).
func (c *Compiled) RenderFor(fields map[string]string, products []ProductCard, link Links, footer, prefs string) Rendered {
	return c.RenderTracked(fields, products, link, footer, prefs, "")
}

// RenderTracked is RenderFor with an open pixel (its address; "" for
// none) at the end of the HTML body. The builders start at the size of the
// template's last rendering, so that a campaign's messages are written
// without growing them again and again.
func (c *Compiled) RenderTracked(fields map[string]string, products []ProductCard, link Links, footer, prefs, pixel string) Rendered {
	var b strings.Builder
	render(&b, c.subject, fields, plain)
	r := Rendered{Subject: strings.Join(strings.Fields(b.String()), " ")}
	if link == nil {
		link = func(_ int, target string) string { return target }
	}
	esc := html.EscapeString
	var h, t strings.Builder
	h.Grow(max(4096, int(c.htmlSize.Load())+len(pixel)+256))
	t.Grow(max(1024, int(c.textSize.Load())+256))
	var text strings.Builder
	h.WriteString(`<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
		`<title>`)
	h.WriteString(esc(r.Subject))
	h.WriteString(`</title></head><body style="margin:0;padding:0;background:#f4f5f7">`)
	if len(c.preheader) > 0 {
		h.WriteString(`<div style="display:none;max-height:0;overflow:hidden">`)
		render(&h, c.preheader, fields, esc)
		h.WriteString(`</div>`)
	}
	h.WriteString(`<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center">` +
		`<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="max-width:600px;width:100%;` +
		`background:#ffffff;font-family:Arial,Helvetica,sans-serif;color:#1f2933">`)
	links := 0
	for _, blk := range c.blocks {
		text.Reset()
		render(&text, blk.text, fields, plain)
		body := text.String()
		if blk.Type == "products" && len(products) == 0 {
			continue
		}
		h.WriteString(`<tr><td style="padding:12px 24px">`)
		switch blk.Type {
		case "products":
			title := body
			if title == "" {
				title = "Picked for you"
			}
			h.WriteString(`<h2 style="font-size:18px;margin:0 0 8px">` + esc(title) + `</h2>`)
			t.WriteString(title + "\n")
			for i, p := range products {
				if i == productCount(blk.Block) {
					break
				}
				h.WriteString(`<p style="font-size:15px;line-height:1.4;margin:0 0 10px">`)
				name := esc(p.Name)
				if blk.URL != "" {
					target := link(ProductLink, strings.ReplaceAll(blk.URL, "{sku}", url.PathEscape(p.SKU)))
					name = `<a href="` + esc(target) + `" style="color:#1d4ed8">` + name + `</a>`
					t.WriteString("- " + p.Name + " " + p.Price + ": " + target + "\n")
				} else {
					t.WriteString("- " + p.Name + " " + p.Price + "\n")
				}
				h.WriteString(`<strong>` + name + `</strong> ` + esc(p.Price))
				if p.Reason != "" {
					h.WriteString(`<br><span style="color:#61707d;font-size:13px">` + esc(p.Reason) + `</span>`)
					t.WriteString("  " + p.Reason + "\n")
				}
				h.WriteString(`</p>`)
			}
			t.WriteString("\n")
		case "heading":
			h.WriteString(`<h1 style="font-size:24px;margin:0">` + esc(body) + `</h1>`)
			t.WriteString(strings.ToUpper(body) + "\n\n")
		case "text":
			for rest := body; ; {
				para, more, found := strings.Cut(rest, "\n\n")
				h.WriteString(`<p style="font-size:16px;line-height:1.5;margin:0 0 12px">`)
				for {
					line, after, br := strings.Cut(para, "\n")
					h.WriteString(esc(line))
					if !br {
						break
					}
					h.WriteString("<br>")
					para = after
				}
				h.WriteString(`</p>`)
				if !found {
					break
				}
				rest = more
			}
			t.WriteString(body)
			t.WriteString("\n\n")
		case "image":
			h.WriteString(`<img src="` + esc(blk.URL) + `" alt="` + esc(blk.Alt) + `" width="552" style="max-width:100%;height:auto;display:block">`)
			if blk.Alt != "" {
				t.WriteString("[" + blk.Alt + "]\n\n")
			}
		case "button", "offer":
			links++
			target := link(links, blk.URL)
			style := `background:#1d4ed8;color:#ffffff;padding:12px 20px;border-radius:6px;text-decoration:none;display:inline-block`
			if blk.Type == "offer" {
				h.WriteString(`<div style="border:2px dashed #1d4ed8;padding:16px;text-align:center">`)
			}
			if blk.URL != "" {
				h.WriteString(`<a href="` + esc(target) + `" style="` + style + `">` + esc(body) + `</a>`)
				t.WriteString(body + ": " + target + "\n\n")
			} else {
				h.WriteString(`<strong>` + esc(body) + `</strong>`)
				t.WriteString(body + "\n\n")
			}
			if blk.Type == "offer" {
				h.WriteString(`</div>`)
			}
		case "divider":
			h.WriteString(`<hr style="border:0;border-top:1px solid #d9dee3">`)
			t.WriteString("----\n\n")
		}
		h.WriteString("</td></tr>\n") // short lines travel unencoded
	}
	if footer != "" {
		h.WriteString(`<tr><td style="padding:12px 24px;font-size:12px;color:#61707d">You receive this because you agreed to hear from us. ` +
			`<a href="` + esc(footer) + `" style="color:#61707d">Unsubscribe</a>`)
		t.WriteString("You receive this because you agreed to hear from us. Unsubscribe: " + footer + "\n")
		if prefs != "" {
			h.WriteString(` · <a href="` + esc(prefs) + `" style="color:#61707d">Choose what you hear about</a>`)
			t.WriteString("Choose what you hear about: " + prefs + "\n")
		}
		h.WriteString(`</td></tr>`)
	}
	h.WriteString(`</table></td></tr></table>`)
	if pixel != "" {
		h.WriteString(`<img src="`)
		h.WriteString(esc(pixel))
		h.WriteString(`" width="1" height="1" alt="">`)
	}
	h.WriteString(`</body></html>`)
	r.HTML = h.String()
	c.htmlSize.Store(int64(len(r.HTML)))
	c.textSize.Store(int64(t.Len()))
	if len(c.text) > 0 {
		var w strings.Builder
		render(&w, c.text, fields, plain)
		if footer != "" {
			w.WriteString("\n\nUnsubscribe: " + footer + "\n")
		}
		r.Text = w.String()
	} else {
		r.Text = strings.TrimRight(t.String(), "\n") + "\n"
	}
	return r
}

// TemplateInput is a new template or its new content.
type TemplateInput struct {
	Name      string
	Channel   string
	Purpose   string
	Subject   string
	Preheader string
	Blocks    []Block
	TextBody  string
}

func (in TemplateInput) template() (Template, error) {
	t := Template{Name: strings.TrimSpace(in.Name), Channel: in.Channel, Purpose: in.Purpose, Subject: strings.TrimSpace(in.Subject),
		Preheader: strings.TrimSpace(in.Preheader), Blocks: in.Blocks, TextBody: strings.TrimSpace(in.TextBody)}
	var f fault.Fields
	if t.Purpose == "" {
		t.Purpose = "marketing"
	}
	if t.Name == "" || len(t.Name) > 100 {
		f.Add("name", "must be 1 to 100 characters")
	}
	if t.Purpose != "marketing" && t.Purpose != "transactional" {
		f.Add("purpose", "must be marketing or transactional")
	}
	if t.Channel == "" {
		t.Channel = "email"
	}
	switch t.Channel {
	case "email":
		if t.Subject == "" || len(t.Subject) > 250 {
			f.Add("subject", "must be 1 to 250 characters")
		}
		if len(t.Blocks) == 0 || len(t.Blocks) > 50 {
			f.Add("blocks", "must be 1 to 50 blocks")
		}
	case "sms":
		if len(t.Blocks) > 0 {
			f.Add("blocks", "an SMS has no blocks; write its text in text_body")
		}
		if t.TextBody == "" || MeasureSMS(t.TextBody).Parts > 10 {
			f.Add("text_body", "an SMS needs a text of at most 10 parts")
		}
	default:
		f.Add("channel", "must be email or sms")
	}
	if err := f.Err(); err != nil {
		return t, err
	}
	_, err := t.Compile()
	return t, err
}

// CreateTemplate stores a template.
func (s *Service) CreateTemplate(ctx context.Context, a auth.Actor, in TemplateInput) (Template, error) {
	if err := a.Require(auth.MarketingWrite); err != nil {
		return Template{}, err
	}
	t, err := in.template()
	if err != nil {
		return Template{}, err
	}
	now := s.at()
	t.CreatedBy, t.CreatedAt, t.UpdatedAt = a.UserID, now, now
	e := a.Audit("create", "email_template", 0, now)
	e.Changes = []audit.Change{{Field: "name", New: t.Name}}
	t.ID, err = s.store.CreateTemplate(ctx, t, e)
	return t, err
}

// UpdateTemplate changes a template.
func (s *Service) UpdateTemplate(ctx context.Context, a auth.Actor, id int64, in TemplateInput) (Template, error) {
	if err := a.Require(auth.MarketingWrite); err != nil {
		return Template{}, err
	}
	cur, err := s.store.FindTemplate(ctx, id)
	if err != nil {
		return Template{}, err
	}
	t, err := in.template()
	if err != nil {
		return Template{}, err
	}
	t.ID, t.CreatedBy, t.CreatedAt, t.UpdatedAt = id, cur.CreatedBy, cur.CreatedAt, s.at()
	e := a.Audit("update", "email_template", id, t.UpdatedAt)
	e.Changes = []audit.Change{{Field: "subject", Old: cur.Subject, New: t.Subject}}
	return t, s.store.UpdateTemplate(ctx, t, e)
}

// Templates lists the templates.
func (s *Service) Templates(ctx context.Context, a auth.Actor) ([]Template, error) {
	if err := a.Require(auth.MarketingRead); err != nil {
		return nil, err
	}
	return s.store.Templates(ctx)
}

// FindTemplate returns a template.
func (s *Service) FindTemplate(ctx context.Context, a auth.Actor, id int64) (Template, error) {
	if err := a.Require(auth.MarketingRead); err != nil {
		return Template{}, err
	}
	return s.store.FindTemplate(ctx, id)
}

// PreviewTemplate writes a template for one customer (0: with the fields empty),
// with links as they are and no unsubscribe footer.
func (s *Service) PreviewTemplate(ctx context.Context, a auth.Actor, id, customerID int64) (Rendered, error) {
	t, err := s.FindTemplate(ctx, a, id)
	if err != nil {
		return Rendered{}, err
	}
	c, err := t.Compile()
	if err != nil {
		return Rendered{}, err
	}
	fields := map[string]string{}
	if customerID != 0 {
		if s.Fields == nil {
			return Rendered{}, fault.New(fault.Invalid, "Previews as a customer are not available.")
		}
		if fields, err = s.Fields(ctx, a, customerID); err != nil {
			return Rendered{}, err
		}
	}
	products, err := s.productsFor(ctx, c, customerID)
	if err != nil {
		return Rendered{}, err
	}
	return c.RenderFor(fields, products, nil, "", ""), nil
}

// SendTest sends a template to one address, written for a customer (0:
// with the fields empty), with "[Test]" before its subject.
func (s *Service) SendTest(ctx context.Context, a auth.Actor, id, customerID int64, to string) error {
	if err := a.Require(auth.MarketingWrite); err != nil {
		return err
	}
	if s.Sender == nil {
		return fault.New(fault.Conflict, "No mail server is set up (SCRMS_SMTP_URL), so test emails cannot be sent.")
	}
	if to = strings.TrimSpace(to); !strings.Contains(to, "@") || len(to) > 254 {
		return fault.Field("to", "must be an email address")
	}
	r, err := s.PreviewTemplate(ctx, a, id, customerID)
	if err != nil {
		return err
	}
	conn, err := s.Sender.Open(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Send(ctx, mail.Rich{To: to, Subject: "[Test] " + r.Subject, Text: r.Text, HTML: r.HTML})
}
