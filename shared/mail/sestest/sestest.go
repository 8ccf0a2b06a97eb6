// Package sestest connects tests to the SES v2 emulator that `make test`
// starts (aws-ses-v2-local, found through SES_ENDPOINT) and reads back what
// it received from its GET /store.
//
// The emulator is shared by every test package of a run, and its store is
// never cleared (packages run in parallel): a test addresses its mails to
// recipients of its own and selects them with Emails.To.
package sestest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"suapcds/shared/mail"
	"suapcds/shared/testenv"
)

// Endpoint returns the emulator's URL; with CI set a missing one fails the
// test, elsewhere it skips.
func Endpoint(t testing.TB) string {
	t.Helper()
	return testenv.Endpoint(t, "SES_ENDPOINT")
}

// Client returns an SES v2 client on the emulator, built as production
// builds it (mail.NewSESClient), with test credentials.
func Client(t testing.TB) *mail.SESClient {
	t.Helper()
	cfg := aws.Config{
		Region:      "eu-south-1",
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	}
	return mail.NewSESClient(cfg, Endpoint(t))
}

// Email is one mail as the emulator stores it (parsed from the raw MIME by
// its mail parser, so it checks our MIME too).
type Email struct {
	MessageID   string   `json:"messageId"`
	From        string   `json:"from"`
	ReplyTo     []string `json:"replyTo"`
	Destination struct {
		To  []string `json:"to"`
		Cc  []string `json:"cc"`
		Bcc []string `json:"bcc"`
	} `json:"destination"`
	Subject string `json:"subject"`
	Body    struct {
		Text string `json:"text"`
		HTML string `json:"html"`
	} `json:"body"`
	Attachments []Attachment `json:"attachments"`
	// At is when the emulator received it (Unix seconds).
	At int64 `json:"at"`
}

// Attachment is a non-text part of a stored mail (the emulator counts the
// text/calendar alternative as one too).
type Attachment struct {
	ContentType string `json:"contentType"`
	Filename    string `json:"filename"`
	// Content is base64.
	Content string `json:"content"`
}

// Bytes decodes the attachment.
func (a Attachment) Bytes(t testing.TB) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(a.Content)
	if err != nil {
		t.Fatalf("attachment %q: %v", a.Filename, err)
	}
	return b
}

// Emails is a list of stored mails.
type Emails []Email

// Store reads every mail the emulator holds.
func Store(t testing.TB) Emails {
	t.Helper()
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(Endpoint(t) + "/store")
	if err != nil {
		t.Fatalf("SES emulator store: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("SES emulator store: %s", resp.Status)
	}
	var s struct {
		Emails Emails `json:"emails"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatalf("SES emulator store: %v", err)
	}
	return s.Emails
}

// To keeps the mails with addr (case-insensitive) among their To
// recipients, which the emulator stores as header text ("Name" <addr>).
func (es Emails) To(addr string) Emails {
	var out Emails
	for _, e := range es {
		if slices.ContainsFunc(e.Destination.To, func(to string) bool {
			return strings.Contains(strings.ToLower(to), strings.ToLower(addr))
		}) {
			out = append(out, e)
		}
	}
	return out
}

// Find returns the mails whose subject contains s.
func (es Emails) Find(s string) Emails {
	var out Emails
	for _, e := range es {
		if strings.Contains(e.Subject, s) {
			out = append(out, e)
		}
	}
	return out
}
