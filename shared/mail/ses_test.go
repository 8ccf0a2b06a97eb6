package mail_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"

	"suapcds/shared/mail"
	"suapcds/shared/mail/sestest"
)

// TestSESSendsRawMIME sends through the SES v2 emulator: the stored mail has
// our recipients, subject, bodies and the invitation.
func TestSESSendsRawMIME(t *testing.T) {
	s := mail.NewSES(sestest.Client(t))
	m := sample()
	rcpt := fmt.Sprintf("ses-%d@comune.example.it", time.Now().UnixNano())
	m.To = []mail.Address{{Name: "Suap Comune Africo", Email: rcpt}}
	m.Invitation = invitation()
	id, err := s.Send(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	if id == "" {
		t.Error("no MessageId")
	}
	got := sestest.Store(t).To(rcpt)
	if len(got) != 1 {
		t.Fatalf("%d mails to %s, want 1", len(got), rcpt)
	}
	e := got[0]
	if e.MessageID != id {
		t.Errorf("stored message id %q, SendEmail said %q", e.MessageID, id)
	}
	if e.Subject != m.Subject {
		t.Errorf("subject %q", e.Subject)
	}
	if !strings.Contains(e.From, "noreply@suapcds.example.it") || len(e.ReplyTo) != 1 || !strings.Contains(e.ReplyTo[0], "suap.africo@pec.it") {
		t.Errorf("from %q, reply-to %q", e.From, e.ReplyTo)
	}
	if !strings.Contains(e.Body.Text, "Più righe, àèìòù.") || !strings.Contains(e.Body.HTML, "è arrivata") {
		t.Errorf("bodies: %q / %q", e.Body.Text, e.Body.HTML)
	}
	var cal int
	for _, a := range e.Attachments {
		if strings.HasPrefix(a.ContentType, "text/calendar") || a.Filename == mail.ICSFileName {
			cal++
			if b := a.Bytes(t); !strings.Contains(string(b), "UID:req-1@suapcds") {
				t.Errorf("calendar part %q lacks the UID", a.Filename)
			}
		}
	}
	if cal == 0 {
		t.Errorf("no calendar part among %d attachments", len(e.Attachments))
	}
}

// fakeSES answers SendEmail with a fixed error.
type fakeSES struct{ err error }

func (f fakeSES) SendEmail(context.Context, *sesv2.SendEmailInput, ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	return nil, f.err
}

// TestSESErrorClasses: only a rejection of the message itself is permanent;
// throttling, quotas and everything unknown are retried.
func TestSESErrorClasses(t *testing.T) {
	for _, tc := range []struct {
		err       error
		permanent bool
	}{
		{&types.MessageRejected{Message: new("Email address is not verified.")}, true},
		{&types.BadRequestException{Message: new("bad")}, true},
		{&smithy.GenericAPIError{Code: "MessageRejected"}, true},
		{&types.TooManyRequestsException{Message: new("Maximum sending rate exceeded.")}, false},
		{&types.LimitExceededException{}, false},
		{&types.SendingPausedException{}, false},
		{&types.MailFromDomainNotVerifiedException{}, false},
		{&smithy.GenericAPIError{Code: "Throttling"}, false},
		{errors.New("connection reset by peer"), false},
	} {
		_, err := mail.NewSES(fakeSES{tc.err}).Send(context.Background(), sample())
		if err == nil || mail.IsPermanent(err) != tc.permanent || !errors.Is(err, tc.err) {
			t.Errorf("%T: err %v, permanent %v, want %v", tc.err, err, mail.IsPermanent(err), tc.permanent)
		}
	}
}
