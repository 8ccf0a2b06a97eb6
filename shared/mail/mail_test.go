package mail_test

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"encoding/base64"

	"suapcds/shared/mail"
)

// part is one leaf of a parsed MIME tree.
type part struct {
	contentType string
	params      map[string]string
	disposition string
	filename    string
	body        []byte
}

// parseMIME parses a raw message with the standard library only (a reader
// independent of go-mail): headers and every leaf part, decoded.
func parseMIME(t *testing.T, raw []byte) (*netmail.Message, []part) {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("not a mail message: %v\n%s", err, raw)
	}
	var parts []part
	var walk func(h map[string][]string, body io.Reader)
	walk = func(h map[string][]string, body io.Reader) {
		get := func(k string) string {
			if v := h[k]; len(v) > 0 {
				return v[0]
			}
			return ""
		}
		ct, params, err := mime.ParseMediaType(get("Content-Type"))
		if err != nil {
			t.Fatalf("Content-Type %q: %v", get("Content-Type"), err)
		}
		if strings.HasPrefix(ct, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				walk(p.Header, p)
			}
		}
		var r io.Reader = body
		switch strings.ToLower(get("Content-Transfer-Encoding")) {
		case "quoted-printable":
			r = quotedprintable.NewReader(body)
		case "base64":
			r = base64.NewDecoder(base64.StdEncoding, body)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		p := part{contentType: ct, params: params, body: b}
		if d := get("Content-Disposition"); d != "" {
			var dp map[string]string
			p.disposition, dp, _ = mime.ParseMediaType(d)
			p.filename = dp["filename"]
		}
		parts = append(parts, p)
	}
	walk(msg.Header, msg.Body)
	return msg, parts
}

func sample() *mail.Message {
	return &mail.Message{
		ID:      "req-1.request_created.1@suapcds.example.it",
		Date:    time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC),
		From:    mail.Address{Name: "Suap Comune d'Africo tramite Servizio", Email: "noreply@suapcds.example.it"},
		ReplyTo: []mail.Address{{Name: "Suap Comune Africo", Email: "suap.africo@pec.it"}},
		To:      []mail.Address{{Name: "Servizio", Email: "videoconferenze@regione.example.it"}},
		Subject: "Nuova richiesta di videoconferenza – Suap Comune Africo – pratica 2026/001",
		Text:    "Buongiorno,\nè arrivata una richiesta. Più righe, àèìòù.\n",
		HTML:    "<p>Buongiorno, è arrivata una richiesta.</p>",
		References: []string{
			"req-1@suapcds.example.it",
		},
	}
}

func TestMIMEHeadersAndAlternatives(t *testing.T) {
	m := sample()
	raw, err := m.MIME()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("go-mail")) {
		t.Error("the mail names the library (User-Agent/X-Mailer)")
	}
	msg, parts := parseMIME(t, raw)
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subject != m.Subject {
		t.Errorf("Subject = %q (%v), want %q", subject, err, m.Subject)
	}
	from, err := msg.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Address != m.From.Email || from[0].Name != m.From.Name {
		t.Errorf("From = %v (%v)", from, err)
	}
	rt, err := msg.Header.AddressList("Reply-To")
	if err != nil || len(rt) != 1 || rt[0].Address != "suap.africo@pec.it" {
		t.Errorf("Reply-To = %v (%v)", rt, err)
	}
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != "videoconferenze@regione.example.it" {
		t.Errorf("To = %v (%v)", to, err)
	}
	if got := msg.Header.Get("Message-Id"); got != "<"+m.ID+">" {
		t.Errorf("Message-ID = %q", got)
	}
	if got := msg.Header.Get("References"); got != "<req-1@suapcds.example.it>" {
		t.Errorf("References = %q", got)
	}
	if d, err := msg.Header.Date(); err != nil || !d.Equal(m.Date) {
		t.Errorf("Date = %v (%v)", d, err)
	}
	if got := msg.Header.Get("Auto-Submitted"); got != "auto-generated" {
		t.Errorf("Auto-Submitted = %q", got)
	}
	if ct := msg.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative") {
		t.Errorf("top Content-Type %q, want multipart/alternative (no invitation)", ct)
	}
	if len(parts) != 2 || parts[0].contentType != "text/plain" || parts[1].contentType != "text/html" {
		t.Fatalf("parts: %+v", parts)
	}
	if string(parts[0].body) != strings.ReplaceAll(m.Text, "\n", "\r\n") && string(parts[0].body) != m.Text {
		t.Errorf("text body = %q", parts[0].body)
	}
	if string(parts[1].body) != m.HTML {
		t.Errorf("html body = %q", parts[1].body)
	}
	for _, p := range parts {
		if !strings.EqualFold(p.params["charset"], "utf-8") {
			t.Errorf("%s charset %q", p.contentType, p.params["charset"])
		}
	}
}

func TestMIMEWithInvitation(t *testing.T) {
	m := sample()
	m.Invitation = invitation()
	raw, err := m.MIME()
	if err != nil {
		t.Fatal(err)
	}
	msg, parts := parseMIME(t, raw)
	if ct := msg.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/mixed") {
		t.Errorf("top Content-Type %q, want multipart/mixed", ct)
	}
	var types []string
	for _, p := range parts {
		types = append(types, p.contentType)
	}
	if strings.Join(types, ",") != "text/plain,text/html,text/calendar,application/ics" {
		t.Fatalf("parts %v, want text, html, calendar alternatives and the .ics attachment", types)
	}
	cal, att := parts[2], parts[3]
	if cal.params["method"] != "REQUEST" {
		t.Errorf("text/calendar method = %q", cal.params["method"])
	}
	if att.disposition != "attachment" || att.filename != mail.ICSFileName {
		t.Errorf("attachment: %s %q", att.disposition, att.filename)
	}
	want, _ := m.Invitation.ICS()
	// The stamp is fixed, so both renderings are the same bytes.
	if !bytes.Equal(att.body, want) || !bytes.Equal(cal.body, want) {
		t.Errorf("the calendar parts differ from the invitation:\n%s\n---\n%s", cal.body, want)
	}
	m.Invitation.Cancelled = true
	raw, err = m.MIME()
	if err != nil {
		t.Fatal(err)
	}
	if _, parts := parseMIME(t, raw); parts[2].params["method"] != "CANCEL" {
		t.Errorf("cancellation method = %q", parts[2].params["method"])
	}
}

// TestMIMEWithAttachment: a file goes as an attachment with its name and
// type, its bytes (binary ones included) intact, after the alternatives; an
// attachment without name, type or content is a permanent error.
func TestMIMEWithAttachment(t *testing.T) {
	m := sample()
	data := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte{0, 0xff, 0x80, '\n'}, 5000)...)
	m.Attachments = []mail.Attachment{{Name: "convocazione-pratica-2026_001-seduta-1.pdf", ContentType: "application/pdf", Data: data}}
	raw, err := m.MIME()
	if err != nil {
		t.Fatal(err)
	}
	msg, parts := parseMIME(t, raw)
	if ct := msg.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/mixed") {
		t.Errorf("top Content-Type %q, want multipart/mixed", ct)
	}
	if len(parts) != 3 {
		t.Fatalf("%d parts, want text, html and the file", len(parts))
	}
	f := parts[2]
	if f.contentType != "application/pdf" || f.disposition != "attachment" || f.filename != m.Attachments[0].Name {
		t.Errorf("attachment %s %s %q", f.contentType, f.disposition, f.filename)
	}
	if !bytes.Equal(f.body, data) {
		t.Errorf("attachment body differs: %d bytes, want %d", len(f.body), len(data))
	}
	for _, bad := range []mail.Attachment{{ContentType: "application/pdf", Data: data}, {Name: "x.pdf", Data: data}, {Name: "x.pdf", ContentType: "application/pdf"}} {
		m.Attachments = []mail.Attachment{bad}
		if _, err := m.MIME(); !mail.IsPermanent(err) {
			t.Errorf("attachment %q/%q/%d bytes: err %v, want permanent", bad.Name, bad.ContentType, len(bad.Data), err)
		}
	}
}

func TestMIMERejectsBadMessages(t *testing.T) {
	for name, mutate := range map[string]func(*mail.Message){
		"no recipient":   func(m *mail.Message) { m.To = nil },
		"bad recipient":  func(m *mail.Message) { m.To = []mail.Address{{Email: "not an address"}} },
		"bad from":       func(m *mail.Message) { m.From.Email = "@" },
		"no subject":     func(m *mail.Message) { m.Subject = "" },
		"no text":        func(m *mail.Message) { m.Text = "" },
		"bad invitation": func(m *mail.Message) { m.Invitation = &mail.Invitation{UID: "x"} },
	} {
		m := sample()
		mutate(m)
		_, err := m.MIME()
		if err == nil || !mail.IsPermanent(err) {
			t.Errorf("%s: err %v, want a permanent error", name, err)
		}
	}
}

func TestIsPermanent(t *testing.T) {
	base := errors.New("boom")
	if mail.IsPermanent(base) || mail.IsPermanent(nil) {
		t.Error("a plain error is permanent")
	}
	wrapped := errors.Join(errors.New("ctx"), &mail.PermanentError{Err: base})
	if !mail.IsPermanent(wrapped) || !errors.Is(wrapped, base) {
		t.Error("a wrapped PermanentError is not seen, or hides its cause")
	}
}
