// Package s3get reads small objects of one S3 bucket with a plain HTTP GET
// signed by the SDK's SigV4 signer. It exists for the notify function,
// which only reads convocation files to attach them: the S3 service client
// (shared/recording) made its binary, which every cold start loads, 30%
// larger (20.3 MB against 15.6 MB) for that one call.
package s3get

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"suapcds/shared/app"
	"suapcds/shared/domain"
)

// ErrTooLarge is a Read of an object bigger than the caller's cap. The
// recording package answers the same error, so a caller may check it
// whichever reader it holds.
var ErrTooLarge = errors.New("s3get: object larger than the cap")

// emptySHA256 is the hex SHA-256 of an empty body: a GET sends none, and
// signing its hash (rather than UNSIGNED-PAYLOAD) is accepted everywhere.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// errorBodyMax bounds how much of an error answer is read for its Code:
// S3's error documents are a few hundred bytes.
const errorBodyMax = 4 << 10

// Reader reads one bucket's objects. It is safe for concurrent use; build
// it once per process so its connections are reused across invocations.
type Reader struct {
	client *http.Client
	signer *v4.Signer
	creds  aws.CredentialsProvider
	region string
	// base is the URL an object's escaped key is appended to, ending in
	// "/": the bucket's virtual host on AWS, <endpoint>/<bucket>/ with an
	// endpoint override.
	base string
	now  func() time.Time
}

// New returns the reader of bucket. endpoint is empty on AWS, where the
// bucket is addressed virtual-hosted style in cfg.Region; for MinIO or the
// local run's in-process S3 it is their URL (a path prefix is kept), and
// objects are addressed path style under it. Credentials and region come
// from cfg (shared/config.AWS on Lambda).
func New(cfg aws.Config, endpoint, bucket string) (*Reader, error) {
	if bucket == "" {
		return nil, errors.New("s3get: no bucket")
	}
	if cfg.Region == "" {
		return nil, errors.New("s3get: no region")
	}
	if cfg.Credentials == nil {
		return nil, errors.New("s3get: no credentials")
	}
	base, err := baseURL(endpoint, cfg.Region, bucket)
	if err != nil {
		return nil, err
	}
	creds := cfg.Credentials
	if _, ok := creds.(*aws.CredentialsCache); !ok {
		// As the SDK's clients do: a provider that fetches (a role's) is
		// asked once per expiry, not once per object; a static one costs
		// nothing more.
		creds = aws.NewCredentialsCache(creds)
	}
	return &Reader{
		client: newHTTPClient(),
		// S3 signs the path as sent, not escaped a second time.
		signer: v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }),
		creds:  creds,
		region: cfg.Region,
		base:   base,
		now:    time.Now,
	}, nil
}

// baseURL is where the bucket's keys are appended.
func baseURL(endpoint, region, bucket string) (string, error) {
	if endpoint == "" {
		if strings.Contains(bucket, ".") {
			// A dotted name breaks the wildcard certificate of the
			// virtual host: S3 serves such buckets path style.
			return "https://s3." + region + ".amazonaws.com/" + EscapeKey(bucket) + "/", nil
		}
		return "https://" + bucket + ".s3." + region + ".amazonaws.com/", nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		// The endpoint is configuration, not a secret: say which.
		return "", fmt.Errorf("s3get: endpoint %q: want http(s)://host[:port][/path]", endpoint)
	}
	return strings.TrimRight(endpoint, "/") + "/" + EscapeKey(bucket) + "/", nil
}

// newHTTPClient is the one client of the process. Its timeouts bound each
// phase so a stuck connection fails within a Lambda invocation, leaving
// time to fail the record and retry it; the caller's context bounds the
// whole. Compression is off: the bytes, their Content-Length and the cap
// must be the object's as stored (Go would otherwise ask for gzip and
// inflate it, hiding the length).
func newHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 5 * time.Second
	t.ResponseHeaderTimeout = 15 * time.Second
	t.IdleConnTimeout = 90 * time.Second
	// notify mails up to 32 records at once, all from this one host.
	t.MaxIdleConnsPerHost = 32
	t.DisableCompression = true
	return &http.Client{
		Transport: t,
		// Enough for 10 MiB (the largest cap) on a slow link; no
		// redirects: S3 answers a wrong region with 301 and its Code.
		Timeout:       60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Read returns the content and description of key, at most maxBytes bytes:
// ErrTooLarge beyond (with info filled, and the body left unread when its
// Content-Length tells), domain.ErrNotFound when it does not exist, a
// *StatusError for any other answer of S3. It is for small files only,
// such as a convocation to attach to a mail.
func (r *Reader) Read(ctx context.Context, key string, maxBytes int64) ([]byte, app.ObjectInfo, error) {
	if key == "" {
		return nil, app.ObjectInfo{}, errors.New("s3get: empty key")
	}
	resp, err := r.get(ctx, key)
	if err != nil {
		return nil, app.ObjectInfo{}, err
	}
	// Closing an unread body drops its connection: right for an object over
	// the cap, which must not be downloaded to be refused.
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		err := statusError(resp)
		if resp.StatusCode == http.StatusNotFound {
			return nil, app.ObjectInfo{}, domain.ErrNotFound
		}
		return nil, app.ObjectInfo{}, err
	}
	info := app.ObjectInfo{ContentType: resp.Header.Get("Content-Type")}
	if resp.ContentLength >= 0 {
		info.Size = resp.ContentLength
	}
	if info.Size > maxBytes {
		return nil, info, ErrTooLarge
	}
	// The length is checked while reading too: it may be absent, or not
	// the truth.
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return nil, info, fmt.Errorf("s3get: read %s: %w", key, plain(err))
	}
	if int64(len(data)) > maxBytes {
		return nil, info, ErrTooLarge
	}
	if resp.ContentLength < 0 {
		info.Size = int64(len(data))
	}
	return data, info, nil
}

// get sends the signed GET of key.
func (r *Reader) get(ctx context.Context, key string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.base+EscapeKey(key), nil)
	if err != nil {
		return nil, fmt.Errorf("s3get: key %q: %w", key, err)
	}
	creds, err := r.creds.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("s3get: credentials: %w", err)
	}
	req.Header.Set("X-Amz-Content-Sha256", emptySHA256)
	if err := r.signer.SignHTTP(ctx, creds, req, emptySHA256, "s3", r.region, r.now()); err != nil {
		return nil, fmt.Errorf("s3get: sign: %w", err)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("s3get: GET %s: %w", key, plain(err))
	}
	return resp, nil
}

// plain drops the URL a transport error carries: only the key (not a
// secret, and what a log wants) is said by the caller. The cause stays
// wrapped, so a timeout is still a timeout to errors.Is and net.Error.
func plain(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// StatusError is an answer of S3 other than 200 and 404: its status, the
// Code of its error document (AccessDenied, SignatureDoesNotMatch,
// PermanentRedirect...) and its request id, for AWS support. It holds
// nothing of the request: no URL, no header.
type StatusError struct {
	Status    int
	Code      string
	RequestID string
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("s3get: GET answered %d", e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.RequestID != "" {
		s += " (request id " + e.RequestID + ")"
	}
	return s
}

// statusError describes a failed answer, reading at most errorBodyMax of
// its body, which also lets a short one's connection be reused.
func statusError(resp *http.Response) *StatusError {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, errorBodyMax))
	return &StatusError{Status: resp.StatusCode, Code: errorCode(body), RequestID: resp.Header.Get("X-Amz-Request-Id")}
}

// errorCode is the <Code> of an S3 error document (<Error><Code>...), or
// "" when the body is not one (a proxy's page). A scan rather than
// encoding/xml's decoder, which would add ~130 KB to notify for one token:
// S3 writes the document, and a Code is a short token of letters, so
// anything else is dropped rather than repeated into logs.
func errorCode(body []byte) string {
	_, rest, ok := strings.Cut(string(body), "<Code>")
	if !ok {
		return ""
	}
	code, _, ok := strings.Cut(rest, "</Code>")
	code = strings.TrimSpace(code)
	if !ok || code == "" || len(code) > 64 {
		return ""
	}
	for _, c := range code {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return ""
		}
	}
	return code
}

// escapeKey escapes key as S3 signs and expects it: every byte but the
// unreserved ones (RFC 3986: letters, digits, '-', '.', '_', '~') as %XX in
// upper case, and '/' kept as the segments' separator. url.PathEscape
// would leave '+', '$', '@'... as they are, which S3 decodes otherwise
// ('+' is a space to it) or signs differently.
func EscapeKey(key string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(key) + 8)
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~', c == '/':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}
