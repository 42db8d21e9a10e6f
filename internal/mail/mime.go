package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"mime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// richWriter writes campaign messages as MIME in one pass into a buffer it
// reuses: a message a connection sends thousands of times costs no more
// than its bytes.
type richWriter struct {
	from   string // the From header, encoded
	domain string // for Message-IDs
	prefix string // random, per connection: boundaries and Message-IDs
	n      uint64
	buf    bytes.Buffer
	dots   bytes.Buffer // the message with dots doubled, when it has any
	keys   []string
}

func newRichWriter(from, domain string) *richWriter {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return &richWriter{from: from, domain: domain, prefix: hex.EncodeToString(b)}
}

// write returns the message: headers, then a multipart/alternative body
// with the plain-text part and (when there is one) the HTML part, each
// sent as it is when it is ASCII in short lines and quoted-printable
// otherwise.
func (w *richWriter) write(m Rich, at time.Time) []byte {
	w.n++
	id := w.prefix + "." + strconv.FormatUint(w.n, 36)
	b := &w.buf
	b.Reset()
	header := func(k, v string) {
		b.WriteString(k)
		b.WriteString(": ")
		b.WriteString(v)
		b.WriteString("\r\n")
	}
	header("From", w.from)
	header("To", m.To)
	header("Subject", mime.QEncoding.Encode("UTF-8", m.Subject))
	header("Date", at.Format(time.RFC1123Z))
	header("Message-ID", "<"+id+"@"+w.domain+">")
	header("MIME-Version", "1.0")
	w.keys = w.keys[:0]
	for k := range m.Headers {
		w.keys = append(w.keys, k)
	}
	slices.Sort(w.keys)
	for _, k := range w.keys {
		header(k, m.Headers[k])
	}
	if m.HTML == "" {
		w.part(m.Text, "text/plain")
		return b.Bytes()
	}
	boundary := "=_" + id
	header("Content-Type", `multipart/alternative; boundary="`+boundary+`"`)
	b.WriteString("\r\n--" + boundary + "\r\n")
	w.part(m.Text, "text/plain")
	b.WriteString("\r\n--" + boundary + "\r\n")
	w.part(m.HTML, "text/html")
	b.WriteString("\r\n--" + boundary + "--\r\n")
	return b.Bytes()
}

// writeQP writes text as quoted-printable (RFC 2045 6.7): line breaks as
// CRLF, lines of at most 76 characters with soft breaks, "=", control
// and non-ASCII bytes and spaces at the end of a line encoded.
func writeQP(b *bytes.Buffer, s string) {
	const hexDigits = "0123456789ABCDEF"
	line := 0
	for i := 0; i < len(s); i++ {
		// A run of bytes that go as they are, up to the line's end.
		j := i
		for j < len(s) && j-i < 75-line && qpLiteral(s, j) {
			j++
		}
		if j > i {
			b.WriteString(s[i:j])
			line += j - i
			if i = j; i == len(s) {
				return
			}
		}
		c := s[i]
		if c == '\n' || (c == '\r' && i+1 < len(s) && s[i+1] == '\n') {
			if c == '\r' {
				i++
			}
			b.WriteString("\r\n")
			line = 0
			continue
		}
		encode := false
		switch {
		case c == ' ' || c == '\t':
			encode = i+1 == len(s) || s[i+1] == '\n' || s[i+1] == '\r'
		case c < 33 || c > 126 || c == '=':
			encode = true
		}
		n := 1
		if encode {
			n = 3
		}
		if line+n > 75 {
			b.WriteString("=\r\n")
			line = 0
		}
		if encode {
			b.WriteByte('=')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		} else {
			b.WriteByte(c)
		}
		line += n
	}
}

// qpLiteral reports whether s[i] goes into quoted-printable as it is:
// printable ASCII other than "=", and spaces and tabs not at a line's end.
func qpLiteral(s string, i int) bool {
	switch c := s[i]; {
	case c == ' ' || c == '\t':
		return i+1 < len(s) && s[i+1] != '\n' && s[i+1] != '\r'
	default:
		return c >= 33 && c <= 126 && c != '='
	}
}

// stuffed makes a written message ready for the DATA phase: every line
// that starts with a dot gets another (RFC 5321 4.5.2), and the message
// ends with CRLF. It uses a second buffer only when there is a dot to
// double.
func (w *richWriter) stuffed(msg []byte) []byte {
	if !bytes.HasSuffix(msg, []byte("\r\n")) {
		w.buf.WriteString("\r\n")
		msg = w.buf.Bytes()
	}
	if bytes.Index(msg, []byte("\r\n.")) < 0 {
		return msg
	}
	w.dots.Reset()
	for {
		i := bytes.Index(msg, []byte("\r\n."))
		if i < 0 {
			w.dots.Write(msg)
			return w.dots.Bytes()
		}
		w.dots.Write(msg[:i+3])
		w.dots.WriteByte('.')
		msg = msg[i+3:]
	}
}

// part writes a part's headers and body.
func (w *richWriter) part(body, kind string) {
	b := &w.buf
	b.WriteString("Content-Type: " + kind + "; charset=UTF-8\r\n")
	if plainLines(body) {
		b.WriteString("Content-Transfer-Encoding: 7bit\r\n\r\n")
		// Lines end in CRLF on the wire; the CRLF before the next boundary
		// belongs to the boundary.
		for {
			i := strings.IndexByte(body, '\n')
			if i < 0 {
				b.WriteString(body)
				return
			}
			b.WriteString(body[:i])
			b.WriteString("\r\n")
			body = body[i+1:]
		}
	}
	b.WriteString("Content-Transfer-Encoding: quoted-printable\r\n\r\n")
	writeQP(b, body)
}
