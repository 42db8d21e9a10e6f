package mail

import (
	"errors"
	"strings"
	"testing"
)

const multipartMail = "From: =?UTF-8?Q?Zo=C3=AB_Dupr=C3=A9?= <Zoe@Example.org>\r\n" +
	"To: Support <support@shop.example>\r\n" +
	"Subject: =?UTF-8?B?Q2FydGUgYmxvcXXDqWU=?=\r\n" +
	"Message-ID: <abc123@mail.example.org>\r\n" +
	"References: <first@mail.example.org> <second@mail.example.org>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n" +
	"--outer\r\n" +
	"Content-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n" +
	"--inner\r\n" +
	"Content-Type: text/plain; charset=iso-8859-1\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
	"Ma carte est bloqu=E9e depuis hier.\r\n" +
	"--inner\r\n" +
	"Content-Type: text/html; charset=utf-8\r\n\r\n" +
	"<p>Ma carte est <b>bloquée</b></p>\r\n" +
	"--inner--\r\n" +
	"--outer\r\n" +
	"Content-Type: image/png; name=\"screen.png\"\r\n" +
	"Content-Disposition: attachment; filename=\"screen.png\"\r\n" +
	"Content-Transfer-Encoding: base64\r\n\r\n" +
	"iVBORw0KGgo=\r\n" +
	"--outer--\r\n"

func TestParse(t *testing.T) {
	e, err := Parse([]byte(multipartMail))
	if err != nil {
		t.Fatal(err)
	}
	if e.From.Address != "zoe@example.org" || e.From.Name != "Zoë Dupré" {
		t.Errorf("from: %+v", e.From)
	}
	if e.Subject != "Carte bloquée" || e.Text != "Ma carte est bloquée depuis hier." {
		t.Errorf("subject %q, text %q", e.Subject, e.Text)
	}
	if e.MessageID != "abc123@mail.example.org" || len(e.References) != 2 || e.References[1] != "second@mail.example.org" {
		t.Errorf("ids: %q %q", e.MessageID, e.References)
	}
	if len(e.Attachments) != 1 || e.Attachments[0].Name != "screen.png" || string(e.Attachments[0].Data) != "\x89PNG\r\n\x1a\n" {
		t.Errorf("attachments: %+v", e.Attachments)
	}
	if e.Auto {
		t.Error("a person's message was taken for an automatic one")
	}
}

func TestParseHTMLOnlyAndAutomatic(t *testing.T) {
	e, err := Parse([]byte("From: a@b.example\r\nSubject: Hi\r\nContent-Type: text/html\r\n\r\n<style>p{}</style><p>Line one<br>Line &amp; two</p>"))
	if err != nil {
		t.Fatal(err)
	}
	if e.Text != "Line one\nLine & two" {
		t.Errorf("html text: %q", e.Text)
	}
	for _, h := range []string{"Auto-Submitted: auto-replied", "X-Autoreply: yes", "Precedence: bulk",
		"List-Id: <news.example>", "Subject: Out of Office: back Monday"} {
		raw := "From: a@b.example\r\n" + h + "\r\n"
		if !strings.HasPrefix(h, "Subject") {
			raw += "Subject: Re: your case\r\n"
		}
		e, err := Parse([]byte(raw + "\r\nI am away."))
		if err != nil {
			t.Fatal(err)
		}
		if !e.Auto {
			t.Errorf("%q was not recognised as automatic", h)
		}
	}
	e, _ = Parse([]byte("From: MAILER-DAEMON@mx.example\r\nSubject: Undelivered Mail\r\n\r\nfailed"))
	if !e.Auto {
		t.Error("a bounce was not recognised")
	}
}

func TestParseRejects(t *testing.T) {
	for name, raw := range map[string]string{
		"no headers":        "just some text",
		"no sender":         "Subject: hi\r\n\r\nbody",
		"no boundary":       "From: a@b.example\r\nContent-Type: multipart/mixed\r\n\r\nbody",
		"broken base64":     "From: a@b.example\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!",
		"bad content type":  "From: a@b.example\r\nContent-Type: text/plain; charset\r\n\r\nbody",
		"multipart no part": "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\nnothing here",
	} {
		if _, err := Parse([]byte(raw)); !errors.Is(err, ErrNotEmail) {
			t.Errorf("%s: got %v, want ErrNotEmail", name, err)
		}
	}
}

// FuzzParse feeds the parser arbitrary bytes: it must never panic, and
// whatever it accepts has a sender.
func FuzzParse(f *testing.F) {
	f.Add([]byte(multipartMail))
	f.Add([]byte("From: a@b.example\r\nSubject: x\r\n\r\nbody"))
	f.Add([]byte("From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n--c\r\n\r\nx\r\n--c--\r\n--b--\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		e, err := Parse(raw)
		if err != nil {
			if !errors.Is(err, ErrNotEmail) {
				t.Fatalf("error not marked ErrNotEmail: %v", err)
			}
			return
		}
		if e.From == nil || e.From.Address == "" {
			t.Fatal("accepted a message without a sender")
		}
	})
}
