package mail

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// SESAPI is the SES v2 call the sender makes; a fault-injecting wrapper can
// stand in for it in tests.
type SESAPI interface {
	SendEmail(ctx context.Context, in *SendEmailInput) (*SendEmailOutput, error)
}

// SendEmailInput is the part of SES v2 SendEmail's request the sender uses,
// in the API's JSON names.
type SendEmailInput struct {
	FromEmailAddress string       `json:"FromEmailAddress"`
	Destination      Destination  `json:"Destination"`
	Content          EmailContent `json:"Content"`
}

// Destination lists the recipients.
type Destination struct {
	ToAddresses []string `json:"ToAddresses,omitempty"`
}

// EmailContent is a raw MIME message.
type EmailContent struct {
	Raw RawMessage `json:"Raw"`
}

// RawMessage is the MIME message; Data travels base64-encoded, as
// encoding/json writes a []byte.
type RawMessage struct {
	Data []byte `json:"Data"`
}

// SendEmailOutput is SES's answer: the message id it assigned.
type SendEmailOutput struct {
	MessageID string `json:"MessageId"`
}

// SESClient calls SES v2 SendEmail with a plain HTTPS POST signed by the
// SDK's SigV4 signer: the SES v2 service client made notify's zip 1.5 MiB
// larger for this one JSON call. It is safe for concurrent use; build it
// once per process.
type SESClient struct {
	client *http.Client
	signer *v4.Signer
	creds  aws.CredentialsProvider
	region string
	url    string
	now    func() time.Time
}

var _ SESAPI = (*SESClient)(nil)

// sendPath is SendEmail's route in the SES v2 API.
const sendPath = "/v2/email/outbound-emails"

// NewSESClient builds the SES v2 client from cfg, once per process. A
// non-empty endpoint points it elsewhere (the SES v2 emulator in tests).
// Missing credentials or region fail each send, as with the SDK's client.
func NewSESClient(cfg aws.Config, endpoint string) *SESClient {
	u := "https://email." + cfg.Region + ".amazonaws.com" + sendPath
	if endpoint != "" {
		u = strings.TrimRight(endpoint, "/") + sendPath
	}
	creds := cfg.Credentials
	if _, ok := creds.(*aws.CredentialsCache); creds != nil && !ok {
		// A role's credentials are fetched once per expiry, not per mail.
		creds = aws.NewCredentialsCache(creds)
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 5 * time.Second
	t.ResponseHeaderTimeout = 30 * time.Second
	// notify mails up to 32 records at once, all to this one host.
	t.MaxIdleConnsPerHost = 32
	return &SESClient{
		// A mail with its attachment is at most a few MiB; the caller's
		// context bounds the whole.
		client: &http.Client{Transport: t, Timeout: 60 * time.Second},
		signer: v4.NewSigner(),
		creds:  creds,
		region: cfg.Region,
		url:    u,
		now:    time.Now,
	}
}

// sesAttempts is how many times a mail is sent when SES answers throttling
// (429) or a server error (5xx): SES did not take the mail, so sending it
// again cannot duplicate it (the SDK's client retried these too). A
// transport error is not retried here, since the mail may have been taken:
// the outbox's claim retries it later, knowingly.
const sesAttempts = 3

// SendEmail posts in to SES v2 and returns its MessageId, or an *SESError
// for an error answer.
func (c *SESClient) SendEmail(ctx context.Context, in *SendEmailInput) (*SendEmailOutput, error) {
	if c.creds == nil || c.region == "" {
		return nil, errors.New("no credentials or no region")
	}
	body, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	for try := 1; ; try++ {
		out, err := c.send(ctx, body, hash)
		var se *SESError
		if err == nil || try == sesAttempts || !errors.As(err, &se) || se.Status != http.StatusTooManyRequests && se.Status < 500 {
			return out, err
		}
		// Full jitter under 200 ms, then 400 ms.
		t := time.NewTimer(rand.N(100 * time.Millisecond << try))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, errors.Join(err, ctx.Err())
		case <-t.C:
		}
	}
}

// send makes one signed POST.
func (c *SESClient) send(ctx context.Context, body []byte, hash string) (*SendEmailOutput, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	creds, err := c.creds.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	if err := c.signer.SignHTTP(ctx, creds, req, hash, "ses", c.region, c.now()); err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		// Without the URL: the endpoint is not the news, the cause is.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("POST: %w", err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("read the answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, sesError(resp, answer)
	}
	var out SendEmailOutput
	if err := json.Unmarshal(answer, &out); err != nil {
		return nil, fmt.Errorf("answer: %w", err)
	}
	return &out, nil
}

// SESError is an error answer of SES v2: its status, its code (the
// exception's name: MessageRejected, TooManyRequestsException...), its
// message and request id.
type SESError struct {
	Status    int
	Code      string
	Message   string
	RequestID string
}

func (e *SESError) Error() string {
	s := fmt.Sprintf("SES answered %d", e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.RequestID != "" {
		s += " (request id " + e.RequestID + ")"
	}
	return s
}

// sesError reads an error answer as the AWS REST-JSON protocol writes it:
// the code in the X-Amzn-ErrorType header, else in the body's "code" or
// "__type", either possibly qualified ("MessageRejected:http://...",
// "com.amazonaws...#MessageRejected"); the message in "message" or
// "Message".
func sesError(resp *http.Response, body []byte) *SESError {
	var doc struct {
		Code     string `json:"code"`
		Type     string `json:"__type"`
		Message  string `json:"message"`
		Message2 string `json:"Message"`
	}
	_ = json.Unmarshal(body, &doc)
	code, _, _ := strings.Cut(cmp.Or(resp.Header.Get("X-Amzn-ErrorType"), doc.Code, doc.Type), ":")
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	return &SESError{Status: resp.StatusCode, Code: code, Message: cmp.Or(doc.Message, doc.Message2), RequestID: resp.Header.Get("X-Amzn-Requestid")}
}

// SES sends raw MIME messages with SES v2 SendEmail (Content.Raw). The From
// address must be an identity verified in SES.
type SES struct {
	api SESAPI
}

var _ Sender = (*SES)(nil)

// NewSES returns a Sender on api.
func NewSES(api SESAPI) *SES { return &SES{api: api} }

// Send sends m and returns SES's MessageId. A message SES refuses for good
// (rejected, malformed) is a PermanentError; throttling, quota, network and
// service errors are not, so the caller retries them.
func (s *SES) Send(ctx context.Context, m *Message) (string, error) {
	raw, err := m.MIME()
	if err != nil {
		return "", err
	}
	to := make([]string, len(m.To))
	for i, a := range m.To {
		to[i] = a.Email
	}
	out, err := s.api.SendEmail(ctx, &SendEmailInput{
		// Also given outside the MIME, so IAM's ses:FromAddress condition
		// and SES's identity check see the verified sender.
		FromEmailAddress: m.From.Email,
		Destination:      Destination{ToAddresses: to},
		Content:          EmailContent{Raw: RawMessage{Data: raw}},
	})
	if err != nil {
		err = fmt.Errorf("ses: send: %w", err)
		if permanentSESError(err) {
			return "", &PermanentError{Err: err}
		}
		return "", err
	}
	return out.MessageID, nil
}

// permanentSESError tells the errors no retry can fix: SES rejected this
// very message (e.g. a recipient the sandbox has not verified) or found the
// request malformed. Everything else — throttling (TooManyRequests), daily
// quota (LimitExceeded), sending paused, an identity not verified yet,
// network and 5xx errors — may pass later and is left to the stream's
// retries and its on-failure queue.
func permanentSESError(err error) bool {
	var se *SESError
	if errors.As(err, &se) {
		switch se.Code {
		case "MessageRejected", "BadRequestException":
			return true
		}
	}
	return false
}
