package config

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"suapcds/shared/domain"
	"suapcds/shared/store"
	"suapcds/shared/store/dynamo"
)

// Notify is what the notify function reads from the environment. It has no
// SES client builder here: that lives in shared/mail, so the API functions,
// which import this package, do not link the SES client.
type Notify struct {
	// Table is TABLE_NAME, the DynamoDB table.
	Table string
	// DynamoEndpoint is DYNAMODB_ENDPOINT, set only for DynamoDB Local.
	DynamoEndpoint string
	// ServiceMailbox is SERVICE_MAILBOX: the regional videoconference
	// service's mailbox, which gets new requests and requesters' messages.
	ServiceMailbox string
	// MailFrom is MAIL_FROM: the address every mail is sent from. It must
	// be an identity verified in SES (the address or its domain).
	MailFrom string
	// PublicBaseURL is PUBLIC_BASE_URL: where the manager's pages are
	// served, e.g. https://videoconferenze.example.it (no trailing slash).
	PublicBaseURL string
	// LinkKey is LINK_KEY: signs the manager's links (at least 32 bytes;
	// the same key the manager function verifies them with).
	LinkKey []byte
	// SESEndpoint is SES_ENDPOINT, set only for the SES v2 emulator.
	SESEndpoint string
	// Bucket is BUCKET: the bucket of the conferences' files, whose
	// convocations are attached to the bodies' mails.
	Bucket string
	// S3Endpoint is S3_ENDPOINT, set only for MinIO or the local run.
	S3Endpoint string
	// AttachMaxBytes is CONVOCATION_ATTACH_MAX_BYTES: the largest
	// convocation attached (optional, 1 KiB to 10 MiB; 0 means the
	// handler's default, 5 MiB). Larger ones are mailed as a link. The
	// bound keeps a batch within notify's memory: a mail takes about ten
	// times its attachment while it is built and sent.
	AttachMaxBytes int64
	// Concurrency is NOTIFY_CONCURRENCY: how many records of a batch are
	// mailed at once (optional, 1 to 32; 0 means the handler's default).
	// Keep it at or below the SES account's sending rate per second.
	Concurrency int
	// ClaimLease is NOTIFY_CLAIM_LEASE: how long a claim protects an item
	// being mailed (optional Go duration, 1m to 1h; 0 means the handler's
	// default, 5m). It must exceed the function's timeout: an item is taken
	// up again only once a claim that old can belong to no live invocation.
	ClaimLease time.Duration
}

// NotifyFromEnv reads the notify function's configuration, reporting every
// missing or bad variable at once.
func NotifyFromEnv() (Notify, error) {
	c := Notify{
		Table:          getenv("TABLE_NAME"),
		DynamoEndpoint: getenv("DYNAMODB_ENDPOINT"),
		ServiceMailbox: strings.TrimSpace(getenv("SERVICE_MAILBOX")),
		MailFrom:       strings.TrimSpace(getenv("MAIL_FROM")),
		PublicBaseURL:  strings.TrimRight(strings.TrimSpace(getenv("PUBLIC_BASE_URL")), "/"),
		LinkKey:        LinkKey(),
		SESEndpoint:    getenv("SES_ENDPOINT"),
		Bucket:         getenv("BUCKET"),
		S3Endpoint:     getenv("S3_ENDPOINT"),
	}
	var errs []error
	if c.Table == "" {
		errs = append(errs, errors.New("TABLE_NAME is not set"))
	}
	if !domain.ValidEmail(c.ServiceMailbox) {
		errs = append(errs, fmt.Errorf("SERVICE_MAILBOX=%q: want one e-mail address", c.ServiceMailbox))
	}
	if !domain.ValidEmail(c.MailFrom) {
		errs = append(errs, fmt.Errorf("MAIL_FROM=%q: want one e-mail address (an SES-verified identity)", c.MailFrom))
	}
	if err := checkBaseURL(c.PublicBaseURL); err != nil {
		errs = append(errs, fmt.Errorf("PUBLIC_BASE_URL=%q: %w", c.PublicBaseURL, err))
	}
	if len(c.LinkKey) < 32 {
		errs = append(errs, errors.New("LINK_KEY must be at least 32 bytes"))
	}
	if c.Bucket == "" {
		errs = append(errs, errors.New("BUCKET is not set"))
	}
	var err error
	if c.AttachMaxBytes, err = boundedInt("CONVOCATION_ATTACH_MAX_BYTES", 1<<10, 10<<20, "1024 to 10485760"); err != nil {
		errs = append(errs, err)
	}
	n, err := boundedInt("NOTIFY_CONCURRENCY", 1, 32, "1 to 32")
	if err != nil {
		errs = append(errs, err)
	}
	c.Concurrency = int(n)
	if v := getenv("NOTIFY_CLAIM_LEASE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute || d > time.Hour {
			errs = append(errs, fmt.Errorf("NOTIFY_CLAIM_LEASE=%q: want a duration from 1m to 1h", v))
		}
		c.ClaimLease = d
	}
	return c, errors.Join(errs...)
}

// checkBaseURL accepts an absolute http(s) URL without query or fragment;
// plain http only for the local run on this machine.
func checkBaseURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return errors.New("want an absolute URL such as https://videoconferenze.example.it")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && (u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1"):
	default:
		return errors.New("want https (http only for localhost)")
	}
	return nil
}

// Store builds the DynamoDB-backed store for notify. Notify lists nothing,
// so it hands out no cursors: a random per-process key satisfies store.New.
func (c Notify) Store(awsCfg aws.Config) (*store.Repo, error) {
	client := dynamo.NewClient(awsCfg, c.DynamoEndpoint)
	return store.New(dynamo.New(client, c.Table), store.Options{CursorKey: []byte(rand.Text())})
}
