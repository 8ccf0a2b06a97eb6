package mail

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"
)

// SESAPI is the part of the SES v2 client the sender uses; a fault-injecting
// wrapper can stand in for it in tests.
type SESAPI interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, opts ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// NewSESClient builds the SES v2 client from cfg, once per process. A
// non-empty endpoint points it elsewhere (the SES v2 emulator in tests).
func NewSESClient(cfg aws.Config, endpoint string) *sesv2.Client {
	return sesv2.NewFromConfig(cfg, func(o *sesv2.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
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
	out, err := s.api.SendEmail(ctx, &sesv2.SendEmailInput{
		// Also given outside the MIME, so IAM's ses:FromAddress condition
		// and SES's identity check see the verified sender.
		FromEmailAddress: aws.String(m.From.Email),
		Destination:      &types.Destination{ToAddresses: to},
		Content:          &types.EmailContent{Raw: &types.RawMessage{Data: raw}},
	})
	if err != nil {
		err = fmt.Errorf("ses: send: %w", err)
		if permanentSESError(err) {
			return "", &PermanentError{Err: err}
		}
		return "", err
	}
	return aws.ToString(out.MessageId), nil
}

// permanentSESError tells the errors no retry can fix: SES rejected this
// very message (e.g. a recipient the sandbox has not verified) or found the
// request malformed. Everything else — throttling (TooManyRequests), daily
// quota (LimitExceeded), sending paused, an identity not verified yet,
// network and 5xx errors — may pass later and is left to the stream's
// retries and its on-failure queue.
func permanentSESError(err error) bool {
	var rejected *types.MessageRejected
	var bad *types.BadRequestException
	if errors.As(err, &rejected) || errors.As(err, &bad) {
		return true
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "MessageRejected", "BadRequestException":
			return true
		}
	}
	return false
}
