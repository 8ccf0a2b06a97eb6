package mail_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

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

// sesServer is a stand-in for SES v2 that records each request and
// answers with answer.
func sesServer(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, body []byte)) (*httptest.Server, chan *http.Request) {
	t.Helper()
	got := make(chan *http.Request, 8)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		c := r.Clone(context.Background())
		c.Body = io.NopCloser(bytes.NewReader(body))
		select {
		case got <- c:
		default:
		}
		answer(w, r, body)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

func sesConfig(token string) aws.Config {
	return aws.Config{Region: "eu-south-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token)}
}

// TestSESRequest: the POST SES v2 gets — its route, the JSON of
// SendEmail with the raw MIME in base64, the session token — and its
// SigV4 signature recomputed here by the specification (the emulator
// checks none).
func TestSESRequest(t *testing.T) {
	srv, got := sesServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		_, _ = io.WriteString(w, `{"MessageId":"0102-abc"}`)
	})
	m := sample()
	id, err := mail.NewSES(mail.NewSESClient(sesConfig("tok"), srv.URL+"/")).Send(context.Background(), m)
	if err != nil || id != "0102-abc" {
		t.Fatalf("send: %q %v", id, err)
	}
	r := <-got
	body, _ := io.ReadAll(r.Body)
	if r.Method != http.MethodPost || r.URL.Path != "/v2/email/outbound-emails" || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("%s %s %s", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
	}
	var in struct {
		FromEmailAddress string
		Destination      struct{ ToAddresses []string }
		Content          struct{ Raw struct{ Data []byte } }
	}
	if err := json.Unmarshal(body, &in); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	// The MIME itself (its boundaries are random) is the emulator test's.
	if in.FromEmailAddress != m.From.Email || len(in.Destination.ToAddresses) != len(m.To) || in.Destination.ToAddresses[0] != m.To[0].Email ||
		!bytes.Contains(in.Content.Raw.Data, []byte("MIME-Version: 1.0")) {
		t.Errorf("request %s", body)
	}
	if r.Header.Get("X-Amz-Security-Token") != "tok" {
		t.Errorf("no session token: %v", r.Header)
	}
	// SigV4 by the specification.
	auth := r.Header.Get("Authorization")
	amzDate := r.Header.Get("X-Amz-Date")
	_, rest, _ := strings.Cut(auth, "SignedHeaders=")
	signedList, _, _ := strings.Cut(rest, ",")
	var canon strings.Builder
	for _, h := range strings.Split(signedList, ";") {
		v := r.Header.Get(h)
		switch h {
		case "host":
			v = r.Host
		case "content-length":
			v = fmt.Sprint(len(body))
		}
		canon.WriteString(h + ":" + strings.TrimSpace(v) + "\n")
	}
	sum := sha256.Sum256(body)
	request := strings.Join([]string{"POST", "/v2/email/outbound-emails", "", canon.String(), signedList, hex.EncodeToString(sum[:])}, "\n")
	scope := amzDate[:8] + "/eu-south-1/ses/aws4_request"
	rsum := sha256.Sum256([]byte(request))
	key := []byte("AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
	for _, part := range []string{amzDate[:8], "eu-south-1", "ses", "aws4_request"} {
		key = hmacSHA256(key, part)
	}
	sig := hex.EncodeToString(hmacSHA256(key, "AWS4-HMAC-SHA256\n"+amzDate+"\n"+scope+"\n"+hex.EncodeToString(rsum[:])))
	if wantAuth := "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" + scope + ", SignedHeaders=" + signedList + ", Signature=" + sig; auth != wantAuth {
		t.Errorf("Authorization\n %s\nwant\n %s\n(canonical request:\n%s)", auth, wantAuth, request)
	}
	if !strings.Contains(signedList, "host") || !strings.Contains(signedList, "x-amz-date") || !strings.Contains(signedList, "x-amz-security-token") {
		t.Errorf("signed headers %s", signedList)
	}
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// TestSESErrorClasses: SES's error answers, as the REST-JSON protocol
// writes them (code in X-Amzn-ErrorType or the body, qualified or not):
// only a rejection of the message itself is permanent; throttling, quotas,
// server errors and everything unknown are retried — throttling and
// server errors first here, three sends in all.
func TestSESErrorClasses(t *testing.T) {
	for _, tc := range []struct {
		status    int
		header    string
		body      string
		code      string
		permanent bool
		sends     int
	}{
		{400, "MessageRejected:http://internal.amazon.com/coral/com.amazonaws.sesv2/", `{"message":"Email address is not verified."}`, "MessageRejected", true, 1},
		{400, "", `{"__type":"com.amazonaws.sesv2#BadRequestException","message":"bad"}`, "BadRequestException", true, 1},
		{400, "", `{"code":"MessageRejected","Message":"no"}`, "MessageRejected", true, 1},
		{429, "TooManyRequestsException", `{"message":"Maximum sending rate exceeded."}`, "TooManyRequestsException", false, 3},
		{400, "LimitExceededException", `{}`, "LimitExceededException", false, 1},
		{400, "SendingPausedException", `{}`, "SendingPausedException", false, 1},
		{400, "MailFromDomainNotVerifiedException", `{}`, "MailFromDomainNotVerifiedException", false, 1},
		{400, "Throttling", `{}`, "Throttling", false, 1},
		{503, "", `<html>Service Unavailable</html>`, "", false, 3},
	} {
		var sends atomic.Int32
		srv, _ := sesServer(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
			sends.Add(1)
			if tc.header != "" {
				w.Header().Set("X-Amzn-ErrorType", tc.header)
			}
			w.Header().Set("X-Amzn-RequestId", "req-1")
			w.WriteHeader(tc.status)
			_, _ = io.WriteString(w, tc.body)
		})
		_, err := mail.NewSES(mail.NewSESClient(sesConfig(""), srv.URL)).Send(context.Background(), sample())
		var se *mail.SESError
		if !errors.As(err, &se) || se.Code != tc.code || se.Status != tc.status || se.RequestID != "req-1" || mail.IsPermanent(err) != tc.permanent {
			t.Errorf("%d %s %s: err %v, permanent %v, want %s permanent %v", tc.status, tc.header, tc.body, err, mail.IsPermanent(err), tc.code, tc.permanent)
		}
		if int(sends.Load()) != tc.sends {
			t.Errorf("%d %s: %d sends, want %d", tc.status, tc.code, sends.Load(), tc.sends)
		}
	}
	// A refused connection: retried later by the outbox, not here; its
	// error says no URL.
	srv, _ := sesServer(t, nil)
	srv.Close()
	_, err := mail.NewSES(mail.NewSESClient(sesConfig(""), srv.URL)).Send(context.Background(), sample())
	if err == nil || mail.IsPermanent(err) || strings.Contains(err.Error(), "http://") {
		t.Errorf("closed server: %v", err)
	}
	if _, err := mail.NewSES(mail.NewSESClient(aws.Config{}, srv.URL)).Send(context.Background(), sample()); err == nil || mail.IsPermanent(err) {
		t.Errorf("no credentials: %v", err)
	}
}
