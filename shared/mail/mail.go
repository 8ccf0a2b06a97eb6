// Package mail builds the notification e-mails (MIME, with an optional
// iCalendar invitation) and sends them through a Sender: SES v2 in
// production, a folder of .eml files in the local run.
//
// The MIME is built by github.com/wneessen/go-mail and the invitation by
// github.com/arran4/golang-ical; nothing here hand-writes either format.
// Bodies, links and meeting passwords are never logged.
package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Address is a mailbox with an optional display name.
type Address struct {
	Name  string
	Email string
}

// Message is one notification e-mail.
type Message struct {
	// ID is the Message-ID without angle brackets ("x@suapcds"). Derived
	// from the outbox event, so a resent mail keeps it and clients can
	// drop the copy.
	ID   string
	Date time.Time
	From Address
	// ReplyTo is where answers go when it is not From.
	ReplyTo []Address
	To      []Address
	Subject string
	// Text and HTML are the two alternative bodies; Text is required.
	Text string
	HTML string
	// References are Message-IDs (without brackets) the mail belongs with:
	// every mail about one request names the same one, so mail clients
	// thread them.
	References []string
	// Invitation, when set, is attached as an iCalendar invitation: as an
	// alternative part "text/calendar; method=…" (what calendar-aware
	// clients act on) and as an "invito.ics" attachment.
	Invitation *Invitation
	// Attachments are files sent with the mail (a convocation), after the
	// invitation.
	Attachments []Attachment
}

// Attachment is a file attached to a message.
type Attachment struct {
	// Name is the file name the recipient sees.
	Name string
	// ContentType is its MIME type, e.g. application/pdf.
	ContentType string
	Data        []byte
}

// Sender sends messages. It returns the id the mail service gave the
// message (SES's MessageId, the .eml file's name).
type Sender interface {
	Send(ctx context.Context, m *Message) (id string, err error)
}

// PermanentError marks a failure that retrying cannot fix: the mail service
// rejected this message, or the message itself is malformed.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return "permanent mail failure: " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *PermanentError) Unwrap() error { return e.Err }

// IsPermanent reports whether err is a PermanentError: the message should
// not be tried again. Every other error is taken to be transient.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// ICSFileName is the name of the attached invitation.
const ICSFileName = "invito.ics"

// MIME renders m as an RFC 5322 message: multipart/alternative (text,
// HTML, calendar) inside multipart/mixed when there is an invitation or a
// file to attach. An invalid message is a PermanentError.
func (m *Message) MIME() ([]byte, error) {
	raw, err := m.build()
	if err != nil {
		return nil, &PermanentError{Err: err}
	}
	return raw, nil
}

func (m *Message) build() ([]byte, error) {
	if len(m.To) == 0 {
		return nil, errors.New("mail: no recipient")
	}
	if m.Subject == "" || m.Text == "" {
		return nil, errors.New("mail: subject and text body are required")
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.FromFormat(m.From.Name, m.From.Email); err != nil {
		return nil, fmt.Errorf("mail: from: %w", err)
	}
	for _, a := range m.To {
		if err := msg.AddToFormat(a.Name, a.Email); err != nil {
			return nil, fmt.Errorf("mail: to: %w", err)
		}
	}
	for _, a := range m.ReplyTo {
		// go-mail keeps one Reply-To; one is all this system sets.
		if err := msg.ReplyToFormat(a.Name, a.Email); err != nil {
			return nil, fmt.Errorf("mail: reply-to: %w", err)
		}
	}
	msg.Subject(m.Subject)
	if m.ID != "" {
		msg.SetMessageIDWithValue(m.ID)
	}
	if !m.Date.IsZero() {
		msg.SetDateWithValue(m.Date)
	}
	if len(m.References) > 0 {
		refs := make([]string, len(m.References))
		for i, r := range m.References {
			refs[i] = "<" + r + ">"
		}
		msg.SetGenHeaderPreformatted(gomail.HeaderReferences, strings.Join(refs, " "))
	}
	// RFC 3834: an automatic message; out-of-office replies stay away.
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")

	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	if inv := m.Invitation; inv != nil {
		ics, err := inv.ICS()
		if err != nil {
			return nil, err
		}
		method := string(inv.method())
		msg.AddAlternativeString(gomail.ContentType("text/calendar; method="+method), string(ics))
		if err := msg.AttachReader(ICSFileName, bytes.NewReader(ics),
			gomail.WithFileContentType(gomail.ContentType("application/ics"))); err != nil {
			return nil, fmt.Errorf("mail: attach invitation: %w", err)
		}
	}
	for _, a := range m.Attachments {
		if a.Name == "" || a.ContentType == "" || len(a.Data) == 0 {
			return nil, errors.New("mail: an attachment needs a name, a type and content")
		}
		if err := msg.AttachReader(a.Name, bytes.NewReader(a.Data),
			gomail.WithFileContentType(gomail.ContentType(a.ContentType))); err != nil {
			return nil, fmt.Errorf("mail: attach %s: %w", a.Name, err)
		}
	}
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("mail: render: %w", err)
	}
	return buf.Bytes(), nil
}
