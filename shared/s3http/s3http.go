// Package s3http is the functions' S3: one bucket reached with plain HTTP
// requests signed by the SDK's SigV4 signer, instead of the S3 service
// client, which made each function that linked it 1.5–2 MiB larger (zipped)
// for six calls. It holds what every S3 call shares — the bucket's
// addressing, the credentials cache, signing (headers, query, POST policy),
// one HTTP client, S3's error answers — and no operation of its own:
// shared/s3get reads a small object (notify, which calls nothing else) and
// shared/recording uploads, downloads, describes, copies and deletes (the
// functions handling recordings and conference files). Two thin packages on
// this one rather than one package, so that notify links only the read: its
// Files interface converts the reader to an interface, and the linker then
// keeps every exported method of it.
package s3http

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// EmptySHA256 is the hex SHA-256 of an empty body: the requests here send
// none, and signing its hash (rather than UNSIGNED-PAYLOAD) is accepted
// everywhere.
const EmptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// errorBodyMax bounds how much of an error answer is read for its Code:
// S3's error documents are a few hundred bytes.
const errorBodyMax = 4 << 10

// Bucket is one bucket's addressing and signing. It is safe for concurrent
// use; build it once per process so its connections are reused across
// invocations.
type Bucket struct {
	client *http.Client
	signer *v4.Signer
	creds  aws.CredentialsProvider
	region string
	name   string
	// base is the URL an object's escaped key is appended to, ending in
	// "/": the bucket's virtual host on AWS, <endpoint>/<bucket>/ with an
	// endpoint override.
	base string
	now  func() time.Time
}

// New returns bucket's access. endpoint is empty on AWS, where the bucket
// is addressed virtual-hosted style in cfg.Region; for MinIO or the local
// run's in-process S3 it is their URL (a path prefix is kept), and objects
// are addressed path style under it. Credentials and region come from cfg
// (shared/config.AWS on Lambda). Errors say prefix, the caller's package.
func New(cfg aws.Config, endpoint, bucket, prefix string) (*Bucket, error) {
	if bucket == "" {
		return nil, errors.New(prefix + ": no bucket")
	}
	if cfg.Region == "" {
		return nil, errors.New(prefix + ": no region")
	}
	if cfg.Credentials == nil {
		return nil, errors.New(prefix + ": no credentials")
	}
	base, err := baseURL(endpoint, cfg.Region, bucket)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", prefix, err)
	}
	creds := cfg.Credentials
	if _, ok := creds.(*aws.CredentialsCache); !ok {
		// As the SDK's clients do: a provider that fetches (a role's) is
		// asked once per expiry, not once per call; a static one costs
		// nothing more.
		creds = aws.NewCredentialsCache(creds)
	}
	return &Bucket{
		client: newHTTPClient(),
		// S3 signs the path as sent, not escaped a second time.
		signer: v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }),
		creds:  creds,
		region: cfg.Region,
		name:   bucket,
		base:   base,
		now:    time.Now,
	}, nil
}

// Name is the bucket's name.
func (b *Bucket) Name() string { return b.name }

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
		return "", fmt.Errorf("endpoint %q: want http(s)://host[:port][/path]", endpoint)
	}
	return strings.TrimRight(endpoint, "/") + "/" + EscapeKey(bucket) + "/", nil
}

// newHTTPClient is the one client of the process. Its dial and TLS
// timeouts bound a stuck connection; the answer's wait is the caller's
// context's (s3get bounds a read; a server-side copy of a large recording
// may take long before S3 answers). Compression is off: the bytes, their
// Content-Length and a cap must be the object's as stored (Go would
// otherwise ask for gzip and inflate it, hiding the length). No redirects:
// S3 answers a wrong region with 301 and its Code.
func newHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 5 * time.Second
	t.IdleConnTimeout = 90 * time.Second
	// notify mails up to 32 records at once, all from this one host.
	t.MaxIdleConnsPerHost = 32
	t.DisableCompression = true
	return &http.Client{
		Transport:     t,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// WrapTransport wraps the client's transport: for tests that watch the
// traffic on a real server. Call it before any request.
func (b *Bucket) WrapTransport(wrap func(http.RoundTripper) http.RoundTripper) {
	b.client.Transport = wrap(b.client.Transport)
}

// attempts is how many times Do sends a request that failed in transport
// or that S3 answered 500 or 503 (InternalError, SlowDown), as the SDK's
// standard retryer did for the S3 client. Every request here may be
// repeated: GET, HEAD, DELETE and a copy onto a key of its own.
const attempts = 3

// Do sends method on key with header h (its x-amz-* headers are signed
// too) and no body, retrying as attempts says. A transport error is
// answered without the URL (the caller names the key); any status is the
// caller's to read.
func (b *Bucket) Do(ctx context.Context, method, key string, h http.Header) (*http.Response, error) {
	for try := 1; ; try++ {
		resp, sent, err := b.send(ctx, method, key, h)
		again := sent && err != nil || resp != nil && (resp.StatusCode == http.StatusInternalServerError || resp.StatusCode == http.StatusServiceUnavailable)
		if !again || try == attempts || ctx.Err() != nil {
			return resp, err
		}
		if resp != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, errorBodyMax))
			resp.Body.Close()
		}
		// Full jitter under 100 ms, then 200 ms.
		t := time.NewTimer(rand.N(50 * time.Millisecond << try))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%s %s: %w", method, key, ctx.Err())
		case <-t.C:
		}
	}
}

// send signs and sends one request; sent tells an error of the transport.
func (b *Bucket) send(ctx context.Context, method, key string, h http.Header) (resp *http.Response, sent bool, err error) {
	req, err := http.NewRequestWithContext(ctx, method, b.base+EscapeKey(key), nil)
	if err != nil {
		return nil, false, fmt.Errorf("key %q: %w", key, err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	creds, err := b.creds.Retrieve(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("credentials: %w", err)
	}
	req.Header.Set("X-Amz-Content-Sha256", EmptySHA256)
	if err := b.signer.SignHTTP(ctx, creds, req, EmptySHA256, "s3", b.region, b.now()); err != nil {
		return nil, false, fmt.Errorf("sign: %w", err)
	}
	resp, err = b.client.Do(req)
	if err != nil {
		return nil, true, fmt.Errorf("%s %s: %w", method, key, plain(err))
	}
	return resp, false, nil
}

// PresignGet is a URL that GETs key until ttl from now, with query's
// parameters (response-content-disposition...) signed in: SigV4 in the
// query string (X-Amz-Expires, UNSIGNED-PAYLOAD), as S3's pre-signed URLs.
func (b *Bucket) PresignGet(ctx context.Context, key string, query url.Values, ttl time.Duration) (string, error) {
	if ttl < time.Second || ttl > 7*24*time.Hour {
		return "", fmt.Errorf("presign: ttl %s out of S3's 1 s–7 days", ttl)
	}
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	q.Set("X-Amz-Expires", strconv.Itoa(int(ttl/time.Second)))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.base+EscapeKey(key)+"?"+q.Encode(), nil)
	if err != nil {
		return "", fmt.Errorf("key %q: %w", key, err)
	}
	creds, err := b.creds.Retrieve(ctx)
	if err != nil {
		return "", fmt.Errorf("credentials: %w", err)
	}
	u, _, err := b.signer.PresignHTTP(ctx, creds, req, "UNSIGNED-PAYLOAD", "s3", b.region, b.now())
	if err != nil {
		return "", fmt.Errorf("presign: %w", err)
	}
	return u, nil
}

// Post is a signed POST policy: the form's URL and the fields that carry
// the policy and its signature.
type Post struct {
	URL    string
	Fields map[string]string
}

// PresignPost signs a POST policy (browser-based upload, S3's "POST
// Object" with SigV4) valid for ttl from now: the policy is the JSON
// document {"expiration", "conditions"}, base64-encoded, and its signature
// the hex HMAC-SHA256 of that base64 text under the SigV4 signing key of
// the day, region and "s3" — no canonical request. The conditions are
// conds, then the bucket, the algorithm, the credential, the date and the
// session token (when the credentials have one), each an exact match of
// the field the form sends; key is pinned exactly unless conds already
// constrain $key. The fields are key, policy, the x-amz-* ones and the
// signature; the caller adds the form's other fields (its conds').
func (b *Bucket) PresignPost(ctx context.Context, key string, ttl time.Duration, conds []any) (*Post, error) {
	creds, err := b.creds.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	now := b.now().UTC()
	day := now.Format("20060102")
	credential := creds.AccessKeyID + "/" + day + "/" + b.region + "/s3/aws4_request"
	// The SDK's spelling of the fields (S3 takes them in any case).
	fields := map[string]string{
		"key":              key,
		"X-Amz-Algorithm":  "AWS4-HMAC-SHA256",
		"X-Amz-Credential": credential,
		"X-Amz-Date":       now.Format("20060102T150405Z"),
	}
	all := append([]any{}, conds...)
	if !constrainsKey(conds) {
		all = append(all, map[string]string{"key": key})
	}
	all = append(all, map[string]string{"bucket": b.name})
	if creds.SessionToken != "" {
		fields["X-Amz-Security-Token"] = creds.SessionToken
	}
	for _, f := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Security-Token"} {
		if v, ok := fields[f]; ok {
			all = append(all, map[string]string{f: v})
		}
	}
	doc, err := json.Marshal(struct {
		Expiration string `json:"expiration"`
		Conditions []any  `json:"conditions"`
	}{now.Add(ttl).Format(time.RFC3339), all})
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	policy := base64.StdEncoding.EncodeToString(doc)
	fields["policy"] = policy
	fields["X-Amz-Signature"] = hex.EncodeToString(hmacSHA256(SigningKey(creds.SecretAccessKey, day, b.region, "s3"), policy))
	return &Post{URL: strings.TrimSuffix(b.base, "/"), Fields: fields}, nil
}

// constrainsKey tells whether conds hold a condition on the key.
func constrainsKey(conds []any) bool {
	for _, c := range conds {
		switch c := c.(type) {
		case []any:
			if len(c) == 3 && c[1] == "$key" {
				return true
			}
		case map[string]string:
			if _, ok := c["key"]; ok {
				return true
			}
		}
	}
	return false
}

// SigningKey is SigV4's derived key: HMAC-SHA256 chained from
// "AWS4"+secret over the day (yyyymmdd), the region, the service and
// "aws4_request".
func SigningKey(secret, day, region, service string) []byte {
	k := []byte("AWS4" + secret)
	for _, part := range []string{day, region, service, "aws4_request"} {
		k = hmacSHA256(k, part)
	}
	return k
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
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

// StatusError is an answer of S3 that the operation did not expect: its
// method, status, the Code of its error document (AccessDenied,
// SignatureDoesNotMatch, PermanentRedirect...) and its request id, for AWS
// support. It holds nothing of the request: no URL, no header.
type StatusError struct {
	Method    string
	Status    int
	Code      string
	RequestID string
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("s3: %s answered %d", e.Method, e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.RequestID != "" {
		s += " (request id " + e.RequestID + ")"
	}
	return s
}

// ErrorOf describes a failed answer to method, reading at most
// errorBodyMax of its body, which also lets a short one's connection be
// reused. The caller closes the body.
func ErrorOf(method string, resp *http.Response) *StatusError {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, errorBodyMax))
	return &StatusError{Method: method, Status: resp.StatusCode, Code: ErrorCode(body), RequestID: resp.Header.Get("X-Amz-Request-Id")}
}

// ErrorCode is the <Code> of an S3 error document (<Error><Code>...), or
// "" when the body is not one (a proxy's page). A scan rather than
// encoding/xml's decoder, which would add ~130 KB to a function for one
// token: S3 writes the document, and a Code is a short token of letters,
// so anything else is dropped rather than repeated into logs.
func ErrorCode(body []byte) string {
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

// EscapeKey escapes key as S3 signs and expects it: every byte but the
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
