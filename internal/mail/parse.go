package mail

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"regexp"
	"strings"
	"time"

	"golang.org/x/text/encoding/htmlindex"
)

// Limits on received email.
const (
	MaxEmailBytes      = 25 << 20
	maxAttachmentBytes = 10 << 20
	maxAttachments     = 20
	maxMIMEDepth       = 8
)

// Received is a message sent to SCRMS, as it reads it.
type Received struct {
	From        *netmail.Address
	To          []string
	Subject     string
	Text        string
	MessageID   string
	InReplyTo   string
	References  []string
	Date        time.Time
	Auto        bool   // an automatic reply, a bounce or list mail: never answered
	AutoReason  string // why it counts as automatic
	Attachments []Attachment
}

// ErrNotEmail is returned for a body that is not an RFC 5322 message.
var ErrNotEmail = errors.New("not an email message")

var dec = &mime.WordDecoder{CharsetReader: charsetReader}

func charsetReader(charset string, r io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(charset)
	if err != nil {
		return nil, fmt.Errorf("unknown charset %q", charset)
	}
	return enc.NewDecoder().Reader(r), nil
}

func decodeHeader(v string) string {
	out, err := dec.DecodeHeader(v)
	if err != nil {
		return v
	}
	return out
}

// Parse reads a raw message: its sender, subject, threading headers,
// text (the plain part, or the HTML part as text), attachments, and
// whether a machine sent it.
func Parse(raw []byte) (Received, error) {
	if len(raw) > MaxEmailBytes {
		return Received{}, fmt.Errorf("%w: larger than %d MB", ErrNotEmail, MaxEmailBytes>>20)
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Received{}, fmt.Errorf("%w: %v", ErrNotEmail, err)
	}
	h := msg.Header
	var e Received
	from, err := (&netmail.AddressParser{WordDecoder: dec}).Parse(h.Get("From"))
	if err != nil {
		return Received{}, fmt.Errorf("%w: the From header is missing or not an address", ErrNotEmail)
	}
	from.Address = strings.ToLower(from.Address)
	e.From = from
	if tos, err := (&netmail.AddressParser{WordDecoder: dec}).ParseList(h.Get("To")); err == nil {
		for _, t := range tos {
			e.To = append(e.To, strings.ToLower(t.Address))
		}
	}
	e.Subject = strings.TrimSpace(decodeHeader(h.Get("Subject")))
	e.MessageID = messageIDs(h.Get("Message-Id")).first()
	e.InReplyTo = messageIDs(h.Get("In-Reply-To")).first()
	e.References = messageIDs(h.Get("References"))
	if d, err := h.Date(); err == nil {
		e.Date = d.UTC()
	}
	e.Auto, e.AutoReason = automatic(h)
	var text, htmlText string
	if err := walk(h, msg.Body, 0, &e, &text, &htmlText); err != nil {
		return Received{}, fmt.Errorf("%w: %v", ErrNotEmail, err)
	}
	if text == "" && htmlText != "" {
		text = htmlToText(htmlText)
	}
	e.Text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	return e, nil
}

type ids []string

func (x ids) first() string {
	if len(x) == 0 {
		return ""
	}
	return x[0]
}

var idPattern = regexp.MustCompile(`<([^<>\s]+)>`)

// messageIDs reads the Message-IDs of a header, without their brackets.
func messageIDs(v string) ids {
	var out ids
	for _, m := range idPattern.FindAllStringSubmatch(v, 50) {
		out = append(out, m[1])
	}
	if len(out) == 0 && strings.TrimSpace(v) != "" && !strings.ContainsAny(strings.TrimSpace(v), " <>") {
		out = append(out, strings.TrimSpace(v))
	}
	return out
}

// automatic recognises mail no person wrote: auto-replies (RFC 3834),
// out-of-office messages, delivery failures and list mail.
func automatic(h netmail.Header) (bool, string) {
	if v := strings.ToLower(h.Get("Auto-Submitted")); v != "" && v != "no" {
		return true, "Auto-Submitted: " + v
	}
	for _, k := range []string{"X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"} {
		if h.Get(k) != "" && (k != "X-Auto-Response-Suppress" || strings.Contains(strings.ToLower(h.Get(k)), "all")) {
			return true, k
		}
	}
	if h.Get("List-Id") != "" || h.Get("List-Unsubscribe") != "" {
		return true, "list mail"
	}
	switch strings.ToLower(h.Get("Precedence")) {
	case "bulk", "junk", "list", "auto_reply":
		return true, "Precedence: " + h.Get("Precedence")
	}
	from := strings.ToLower(h.Get("From"))
	if strings.Contains(from, "mailer-daemon@") || strings.Contains(from, "postmaster@") {
		return true, "delivery report"
	}
	if ct := strings.ToLower(h.Get("Content-Type")); strings.Contains(ct, "multipart/report") {
		return true, "delivery report"
	}
	if subj := strings.ToLower(decodeHeader(h.Get("Subject"))); strings.HasPrefix(subj, "out of office") ||
		strings.HasPrefix(subj, "automatic reply") || strings.HasPrefix(subj, "auto:") ||
		strings.HasPrefix(subj, "undeliverable:") || strings.HasPrefix(subj, "delivery status notification") {
		return true, "automatic subject"
	}
	return false, ""
}

// partHeader is the part of a header a MIME walk needs.
type partHeader interface {
	Get(key string) string
}

// walk reads one MIME entity: a multipart is walked into, a text part kept
// as the message text, anything else (or anything with a file name) kept
// as an attachment.
func walk(h partHeader, body io.Reader, depth int, e *Received, text, htmlText *string) error {
	if depth > maxMIMEDepth {
		return fmt.Errorf("MIME parts nested more than %d deep", maxMIMEDepth)
	}
	ctype := h.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		if ctype != "" {
			return fmt.Errorf("Content-Type %q cannot be read", ctype)
		}
		mt, params = "text/plain", map[string]string{}
	}
	if strings.HasPrefix(mt, "multipart/") {
		if params["boundary"] == "" {
			return fmt.Errorf("%s without a boundary", mt)
		}
		mr := multipart.NewReader(body, params["boundary"])
		for n := 0; ; n++ {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				if n == 0 {
					return fmt.Errorf("%s has no parts", mt)
				}
				return nil
			}
			if err != nil {
				return fmt.Errorf("multipart: %v", err)
			}
			if err := walk(p.Header, p, depth+1, e, text, htmlText); err != nil {
				return err
			}
		}
	}
	data, err := decodeBody(h.Get("Content-Transfer-Encoding"), body)
	if err != nil {
		return err
	}
	disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	name := decodeHeader(dparams["filename"])
	if name == "" {
		name = decodeHeader(params["name"])
	}
	isText := mt == "text/plain" || mt == "text/html"
	if isText && disp != "attachment" && name == "" {
		s, err := decodeCharset(params["charset"], data)
		if err != nil {
			return err
		}
		if mt == "text/plain" && *text == "" {
			*text = s
		} else if mt == "text/html" && *htmlText == "" {
			*htmlText = s
		}
		return nil
	}
	if mt == "message/delivery-status" {
		return nil
	}
	if len(e.Attachments) >= maxAttachments {
		return fmt.Errorf("more than %d attachments", maxAttachments)
	}
	if len(data) > maxAttachmentBytes {
		return fmt.Errorf("attachment %q is larger than %d MB", name, maxAttachmentBytes>>20)
	}
	if name == "" {
		name = fmt.Sprintf("part-%d", len(e.Attachments)+1)
	}
	name = strings.Map(func(r rune) rune {
		if r < 32 || r == '/' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	e.Attachments = append(e.Attachments, Attachment{Name: name, Type: mt, Data: data})
	return nil
}

func decodeBody(cte string, body io.Reader) ([]byte, error) {
	limited := io.LimitReader(body, MaxEmailBytes)
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		raw, err := io.ReadAll(limited)
		if err != nil {
			return nil, err
		}
		clean := strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, string(raw))
		out, err := base64.StdEncoding.DecodeString(clean)
		if err != nil {
			if out, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(clean, "=")); err != nil {
				return nil, fmt.Errorf("a base64 part is damaged")
			}
		}
		return out, nil
	case "quoted-printable":
		out, err := io.ReadAll(quotedprintable.NewReader(limited))
		if err != nil {
			return nil, fmt.Errorf("a quoted-printable part is damaged")
		}
		return out, nil
	default:
		return io.ReadAll(limited)
	}
}

func decodeCharset(charset string, data []byte) (string, error) {
	cs := strings.ToLower(strings.TrimSpace(charset))
	if cs == "" || cs == "utf-8" || cs == "us-ascii" || cs == "utf8" {
		return strings.ToValidUTF8(string(data), "\uFFFD"), nil
	}
	enc, err := htmlindex.Get(cs)
	if err != nil {
		return strings.ToValidUTF8(string(data), "\uFFFD"), nil
	}
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		return strings.ToValidUTF8(string(data), "\uFFFD"), nil
	}
	return string(out), nil
}

var (
	tagPattern   = regexp.MustCompile(`(?s)<[^>]*>`)
	blockPattern = regexp.MustCompile(`(?i)<(br|/p|/div|/li|/tr|/h[1-6])[^>]*>`)
	dropPattern  = regexp.MustCompile(`(?is)<(script|style|head)[^>]*>.*?</(script|style|head)>`)
	blankLines   = regexp.MustCompile(`\n{3,}`)
)

// htmlToText turns an HTML body into readable text.
func htmlToText(s string) string {
	s = dropPattern.ReplaceAllString(s, "")
	s = blockPattern.ReplaceAllString(s, "\n")
	s = tagPattern.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return blankLines.ReplaceAllString(strings.Join(lines, "\n"), "\n\n")
}
