package mail

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/mail/mailtest"
)

// A campaign message written by SCRMS reads back as what went in: the
// headers (the subject encoded where it must be, never split into new
// headers), and both parts, plain ASCII as it is and the rest
// quoted-printable.
func TestRichWriterRoundTrip(t *testing.T) {
	w := newRichWriter(`"Shop" <news@shop.example>`, "shop.example")
	text := "Hello Zoë,\n\n" + strings.Repeat("long line ", 120) + "\n.dot at the start\n"
	html := "<p>Hello</p>\n<p>.also a dot</p>"
	in := Rich{To: "zoe@example.com", Subject: "Für dich\r\nBcc: evil@example.com", Text: text, HTML: html,
		Headers: map[string]string{"List-Unsubscribe": "<https://x.example/u/t>", "X-SCRMS-Campaign": "7"}}
	raw := w.write(in, time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	for _, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 998 || strings.Contains(line, "\n") {
			t.Fatalf("a line SMTP would refuse: %q", line)
		}
	}
	m, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil || subject != in.Subject || m.Header.Get("Bcc") != "" {
		t.Fatalf("subject %q (%v), Bcc %q", subject, err, m.Header.Get("Bcc"))
	}
	if m.Header.Get("To") != "zoe@example.com" || m.Header.Get("X-Scrms-Campaign") != "7" ||
		!strings.HasSuffix(m.Header.Get("Message-Id"), "@shop.example>") || m.Header.Get("Date") == "" {
		t.Fatalf("headers %v", m.Header)
	}
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	r := multipart.NewReader(m.Body, params["boundary"])
	want := []struct{ kind, cte, body string }{{"text/plain", "quoted-printable", text}, {"text/html", "7bit", html}}
	for _, wp := range want {
		p, err := r.NextRawPart()
		if err != nil {
			t.Fatalf("%s part: %v", wp.kind, err)
		}
		if !strings.HasPrefix(p.Header.Get("Content-Type"), wp.kind+"; charset=UTF-8") || p.Header.Get("Content-Transfer-Encoding") != wp.cte {
			t.Fatalf("part headers %v", p.Header)
		}
		var body io.Reader = p
		if wp.cte == "quoted-printable" {
			body = quotedprintable.NewReader(p)
		}
		got, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		if g := strings.ReplaceAll(string(got), "\r\n", "\n"); g != wp.body {
			t.Fatalf("%s part reads back as %q", wp.kind, g)
		}
	}
	if _, err := r.NextRawPart(); err != io.EOF {
		t.Fatalf("a third part: %v", err)
	}
	first := m.Header.Get("Message-Id")
	m2, err := netmail.ReadMessage(bytes.NewReader(w.write(in, time.Now())))
	if err != nil || m2.Header.Get("Message-Id") == first {
		t.Fatalf("two messages share a Message-ID (%v)", err)
	}
}

// Lines that start with a dot get a second one for the DATA phase, and the
// message ends with CRLF.
func TestStuffedDoublesLeadingDots(t *testing.T) {
	w := newRichWriter("a@b.example", "b.example")
	w.buf.WriteString("From: a\r\n\r\n.one\r\ntwo.\r\n..three")
	got := string(w.stuffed(w.buf.Bytes()))
	if want := "From: a\r\n\r\n..one\r\ntwo.\r\n...three\r\n"; got != want {
		t.Fatalf("stuffed %q, want %q", got, want)
	}
	w.buf.Reset()
	w.buf.WriteString("From: a\r\n\r\nno dots\r\n")
	if got := string(w.stuffed(w.buf.Bytes())); got != "From: a\r\n\r\nno dots\r\n" {
		t.Fatalf("a message without dots changed: %q", got)
	}
}

// A connection sends for longer than its timeout: each message gets the
// whole timeout, not what is left of the one set when it connected.
func TestConnOutlivesItsTimeout(t *testing.T) {
	sink := mailtest.Start(t)
	s, err := New(sink.URL(), "Shop <news@shop.example>")
	if err != nil {
		t.Fatal(err)
	}
	s.timeout = 300 * time.Millisecond
	c, err := s.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range 3 {
		if i > 0 {
			time.Sleep(200 * time.Millisecond)
		}
		if err := c.Send(context.Background(), Rich{To: fmt.Sprintf("r%d@example.com", i), Subject: "Hi", Text: "Hello",
			HTML: "<p>Hello</p>"}); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if n := len(sink.Messages()); n != 3 {
		t.Fatalf("the sink got %d messages", n)
	}
}

// The quoted-printable writer's output decodes to the input (line breaks
// as CRLF), with no line over 76 characters.
func TestWriteQPRoundTrip(t *testing.T) {
	inputs := []string{"", "plain", "a = b\tc \nend with space \nZoë ☕ " + strings.Repeat("x", 200),
		strings.Repeat("é", 100) + "\r\nCRLF kept\rlone CR", strings.Repeat("=", 80) + " \t"}
	for _, in := range inputs {
		var b bytes.Buffer
		writeQP(&b, in)
		for _, line := range strings.Split(b.String(), "\r\n") {
			if len(line) > 76 {
				t.Fatalf("line of %d characters: %q", len(line), line)
			}
		}
		got, err := io.ReadAll(quotedprintable.NewReader(&b))
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		want := strings.ReplaceAll(strings.ReplaceAll(in, "\r\n", "\n"), "\n", "\r\n")
		if string(got) != want {
			t.Fatalf("%q reads back as %q", want, got)
		}
	}
}
