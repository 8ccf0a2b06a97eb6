package s3http

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

const (
	testKeyID  = "AKIDEXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	testToken  = "session-token-of-the-role"
	testRegion = "eu-south-1"
)

var signedAt = time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC)

func testConfig(token string) aws.Config {
	return aws.Config{Region: testRegion, Credentials: credentials.NewStaticCredentialsProvider(testKeyID, testSecret, token)}
}

// seen is what a test server got.
type seen struct {
	host, uri string
	header    http.Header
}

// serve starts a TLS server answering with answer and recording each
// request into got.
func serve(t *testing.T, got chan<- seen, answer http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case got <- seen{host: r.Host, uri: r.RequestURI, header: r.Header.Clone()}:
		default:
		}
		answer(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// onAWS is a reader of bucket with no endpoint override (AWS's addressing)
// whose connections all go to srv, trusting its certificate.
func onAWS(t *testing.T, srv *httptest.Server, bucket, token string) *Bucket {
	t.Helper()
	r, err := New(testConfig(token), "", bucket, "test")
	if err != nil {
		t.Fatal(err)
	}
	r.now = func() time.Time { return signedAt }
	tr := r.client.Transport.(*http.Transport)
	tr.TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	tr.TLSClientConfig.ServerName = "example.com" // in httptest's certificate
	addr := srv.Listener.Addr().String()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	return r
}

// expectSignature recomputes the SigV4 signature of a received GET by the
// specification (not with the SDK): it proves the path signed is the path
// sent, escaped once.
func expectSignature(t *testing.T, s seen) {
	t.Helper()
	auth := s.header.Get("Authorization")
	amzDate := s.header.Get("X-Amz-Date")
	date := amzDate[:8]
	signed := strings.Split(between(auth, "SignedHeaders=", ","), ";")
	var canon strings.Builder
	for _, h := range signed {
		v := s.header.Get(h)
		if h == "host" {
			v = s.host
		}
		canon.WriteString(h + ":" + v + "\n")
	}
	path, _, _ := strings.Cut(s.uri, "?")
	request := strings.Join([]string{"GET", path, "", canon.String(), strings.Join(signed, ";"), s.header.Get("X-Amz-Content-Sha256")}, "\n")
	scope := date + "/" + testRegion + "/s3/aws4_request"
	sum := sha256.Sum256([]byte(request))
	toSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	key := []byte("AWS4" + testSecret)
	for _, part := range []string{date, testRegion, "s3", "aws4_request"} {
		key = mac(key, part)
	}
	want := "AWS4-HMAC-SHA256 Credential=" + testKeyID + "/" + scope + ", SignedHeaders=" + strings.Join(signed, ";") +
		", Signature=" + hex.EncodeToString(mac(key, toSign))
	if auth != want {
		t.Errorf("Authorization\n %s\nwant\n %s\n(canonical request:\n%s)", auth, want, request)
	}
}

func mac(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

func between(s, from, to string) string {
	_, s, _ = strings.Cut(s, from)
	s, _, _ = strings.Cut(s, to)
	return s
}

// TestVirtualHostedSignedGet: on AWS a key is read from the bucket's
// virtual host, its segments escaped as S3 expects, with a SigV4
// Authorization header over host, x-amz-content-sha256 (the empty body's
// hash), x-amz-date and the session token Lambda's role has.
func TestVirtualHostedSignedGet(t *testing.T) {
	got := make(chan seen, 1)
	srv := serve(t, got, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		_, _ = io.WriteString(w, "%PDF-1.7")
	})
	r := onAWS(t, srv, "suapcds-prod-recordings-123456789012", testToken)
	resp, err := r.Do(context.Background(), http.MethodGet, "conferences/P 1/c+2/convocazione-à~.pdf", nil)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(data) != "%PDF-1.7" || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("read %q %v", data, resp.Header)
	}
	s := <-got
	if want := "suapcds-prod-recordings-123456789012.s3.eu-south-1.amazonaws.com"; s.host != want {
		t.Errorf("host %q, want %q", s.host, want)
	}
	if want := "/conferences/P%201/c%2B2/convocazione-%C3%A0~.pdf"; s.uri != want {
		t.Errorf("path %q, want %q", s.uri, want)
	}
	auth := s.header.Get("Authorization")
	if want := "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261128/eu-south-1/s3/aws4_request, " +
		"SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature="; !strings.HasPrefix(auth, want) {
		t.Errorf("Authorization %q, want it to start with %q", auth, want)
	}
	if s.header.Get("X-Amz-Content-Sha256") != EmptySHA256 || s.header.Get("X-Amz-Date") != "20261128T093000Z" ||
		s.header.Get("X-Amz-Security-Token") != testToken {
		t.Errorf("signing headers %v", s.header)
	}
	if ae := s.header.Get("Accept-Encoding"); ae != "" {
		t.Errorf("Accept-Encoding %q: the bytes must come as stored", ae)
	}
	expectSignature(t, s)
}

// TestPathStyleWithEndpoint: with an endpoint (MinIO, the local run's S3
// under /_s3) the bucket is the path's first segment, after the endpoint's
// own path; without a session token none is sent.
func TestPathStyleWithEndpoint(t *testing.T) {
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- seen{host: r.Host, uri: r.RequestURI, header: r.Header.Clone()}
		_, _ = io.WriteString(w, "x")
	}))
	defer srv.Close()
	r, err := New(testConfig(""), srv.URL+"/_s3/", "local-bucket", "test")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := r.Do(context.Background(), http.MethodGet, "conferences/a/b/c", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	s := <-got
	if s.uri != "/_s3/local-bucket/conferences/a/b/c" || s.host != strings.TrimPrefix(srv.URL, "http://") {
		t.Errorf("GET %s%s", s.host, s.uri)
	}
	if !strings.Contains(s.header.Get("Authorization"), "SignedHeaders=host;x-amz-content-sha256;x-amz-date, ") ||
		s.header.Get("X-Amz-Security-Token") != "" {
		t.Errorf("headers %v", s.header)
	}
	expectSignature(t, s)
}

// TestDottedBucketIsPathStyle: a bucket with dots cannot be a virtual host
// under S3's wildcard certificate; it is addressed path style.
func TestDottedBucketIsPathStyle(t *testing.T) {
	got, err := baseURL("", testRegion, "files.example.it")
	if want := "https://s3.eu-south-1.amazonaws.com/files.example.it/"; err != nil || got != want {
		t.Errorf("base %q %v, want %q", got, err, want)
	}
}

// TestNewRefuses: no bucket, region, credentials, or a malformed endpoint
// fail at init, not at the first mail.
func TestNewRefuses(t *testing.T) {
	for name, c := range map[string]struct {
		cfg              aws.Config
		endpoint, bucket string
	}{
		"bucket":      {testConfig(""), "", ""},
		"region":      {aws.Config{Credentials: testConfig("").Credentials}, "", "b"},
		"credentials": {aws.Config{Region: testRegion}, "", "b"},
		"endpoint":    {testConfig(""), "minio:9000", "b"},
		"query":       {testConfig(""), "http://minio:9000/?x=1", "b"},
	} {
		if _, err := New(c.cfg, c.endpoint, c.bucket, "test"); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestEscapeKey: S3's escaping, every byte not unreserved, '/' kept.
func TestEscapeKey(t *testing.T) {
	for in, want := range map[string]string{
		"conferences/P-1/c_2/x.y": "conferences/P-1/c_2/x.y",
		"a b+c&d=e?f#g%h":         "a%20b%2Bc%26d%3De%3Ff%23g%25h",
		"à/€":                     "%C3%A0/%E2%82%AC",
		"~$@:,;*'()!":             "~%24%40%3A%2C%3B%2A%27%28%29%21",
	} {
		if got := EscapeKey(in); got != want {
			t.Errorf("EscapeKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestErrorCode: the Code of S3's error documents; nothing from a body
// that is not one.
func TestErrorCode(t *testing.T) {
	for body, want := range map[string]string{
		`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`: "NoSuchKey",
		`<Error><Code> AccessDenied </Code></Error>`: "AccessDenied",
		`<html>502 Bad Gateway</html>`:               "",
		`<Error><Code>a b<script></Code></Error>`:    "",
		`<Error><Code>NoEnd`:                         "",
		``:                                           "",
	} {
		if got := ErrorCode([]byte(body)); got != want {
			t.Errorf("ErrorCode(%q) = %q, want %q", body, got, want)
		}
	}
}

// TestPresignPostBySpec: the POST policy's signature is recomputed here by
// the specification (the hex HMAC-SHA256 of the base64 policy under the
// key derived from the secret, the day, the region and "s3"), and the
// policy holds the fields S3 checks, the session token among them.
func TestPresignPostBySpec(t *testing.T) {
	b, err := New(testConfig(testToken), "", "suapcds-prod-recordings-1", "test")
	if err != nil {
		t.Fatal(err)
	}
	b.now = func() time.Time { return signedAt }
	p, err := b.PresignPost(context.Background(), "recordings/r/k", 15*time.Minute,
		[]any{[]any{"content-length-range", 1, 1024}, []any{"eq", "$Content-Type", "video/mp4"}})
	if err != nil {
		t.Fatal(err)
	}
	if p.URL != "https://suapcds-prod-recordings-1.s3.eu-south-1.amazonaws.com" {
		t.Errorf("URL %s", p.URL)
	}
	key := []byte("AWS4" + testSecret)
	for _, part := range []string{"20261128", testRegion, "s3", "aws4_request"} {
		key = mac(key, part)
	}
	if want := hex.EncodeToString(mac(key, p.Fields["policy"])); p.Fields["X-Amz-Signature"] != want {
		t.Errorf("signature %s, want %s", p.Fields["X-Amz-Signature"], want)
	}
	doc, err := base64.StdEncoding.DecodeString(p.Fields["policy"])
	if err != nil {
		t.Fatal(err)
	}
	want := `{"expiration":"2026-11-28T09:45:00Z","conditions":[["content-length-range",1,1024],["eq","$Content-Type","video/mp4"],` +
		`{"key":"recordings/r/k"},{"bucket":"suapcds-prod-recordings-1"},{"X-Amz-Algorithm":"AWS4-HMAC-SHA256"},` +
		`{"X-Amz-Credential":"AKIDEXAMPLE/20261128/eu-south-1/s3/aws4_request"},{"X-Amz-Date":"20261128T093000Z"},` +
		`{"X-Amz-Security-Token":"session-token-of-the-role"}]}`
	if string(doc) != want {
		t.Errorf("policy\n %s\nwant\n %s", doc, want)
	}
	for k, v := range map[string]string{"key": "recordings/r/k", "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
		"X-Amz-Credential": "AKIDEXAMPLE/20261128/eu-south-1/s3/aws4_request", "X-Amz-Date": "20261128T093000Z",
		"X-Amz-Security-Token": testToken} {
		if p.Fields[k] != v {
			t.Errorf("field %s = %q, want %q", k, p.Fields[k], v)
		}
	}
	// A condition on $key replaces the exact key.
	p, err = b.PresignPost(context.Background(), "recordings/r/k", time.Minute, []any{[]any{"starts-with", "$key", "recordings/r/"}})
	if err != nil {
		t.Fatal(err)
	}
	if doc, _ := base64.StdEncoding.DecodeString(p.Fields["policy"]); strings.Contains(string(doc), `{"key":`) {
		t.Errorf("policy %s pins the key besides its starts-with", doc)
	}
}

// TestPresignGet: a pre-signed GET carries its parameters, the expiry and
// the session token in the query, signed over UNSIGNED-PAYLOAD; its
// signature is recomputed here by the specification.
func TestPresignGet(t *testing.T) {
	b, err := New(testConfig(testToken), "http://127.0.0.1:9000/", "bkt", "test")
	if err != nil {
		t.Fatal(err)
	}
	b.now = func() time.Time { return signedAt }
	raw, err := b.PresignGet(context.Background(), "recordings/r/a b+c", url.Values{"response-content-disposition": {`attachment; filename="a b.mp4"`}}, 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.EscapedPath() != "/bkt/recordings/r/a%20b%2Bc" || q.Get("X-Amz-Expires") != "300" || q.Get("X-Amz-Security-Token") != testToken ||
		q.Get("response-content-disposition") != `attachment; filename="a b.mp4"` || q.Get("X-Amz-SignedHeaders") != "host" {
		t.Fatalf("URL %s", raw)
	}
	// The canonical query: every parameter but the signature, names and
	// values escaped as SigV4 says ('%20' for a space), sorted.
	var params []string
	for k, vs := range q {
		if k != "X-Amz-Signature" {
			params = append(params, sigEscape(k)+"="+sigEscape(vs[0]))
		}
	}
	slices.Sort(params)
	request := strings.Join([]string{"GET", u.EscapedPath(), strings.Join(params, "&"), "host:" + u.Host + "\n", "host", "UNSIGNED-PAYLOAD"}, "\n")
	sum := sha256.Sum256([]byte(request))
	toSign := "AWS4-HMAC-SHA256\n20261128T093000Z\n20261128/" + testRegion + "/s3/aws4_request\n" + hex.EncodeToString(sum[:])
	key := []byte("AWS4" + testSecret)
	for _, part := range []string{"20261128", testRegion, "s3", "aws4_request"} {
		key = mac(key, part)
	}
	if want := hex.EncodeToString(mac(key, toSign)); q.Get("X-Amz-Signature") != want {
		t.Errorf("signature %s, want %s (canonical request:\n%s)", q.Get("X-Amz-Signature"), want, request)
	}
	if _, err := b.PresignGet(context.Background(), "k", nil, 8*24*time.Hour); err == nil {
		t.Error("an 8-day link was signed")
	}
}

// sigEscape is SigV4's URI encoding: every byte but the unreserved ones.
func sigEscape(s string) string { return strings.ReplaceAll(EscapeKey(s), "/", "%2F") }

// TestRetries: a 503 (SlowDown) or 500 is sent again, up to three times in
// all; a 403 is not; a refused connection is tried three times.
func TestRetries(t *testing.T) {
	var calls atomic.Int32
	var fail atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if fail.Add(-1) >= 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `<Error><Code>SlowDown</Code></Error>`)
			return
		}
		if strings.HasSuffix(r.URL.Path, "/denied") {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	b, err := New(testConfig(""), srv.URL, "bkt", "test")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range []struct {
		key        string
		fail       int32
		calls      int32
		wantStatus int
	}{
		{"k", 2, 3, http.StatusNoContent},
		{"k", 3, 3, http.StatusServiceUnavailable},
		{"denied", 0, 1, http.StatusForbidden},
	} {
		calls.Store(0)
		fail.Store(c.fail)
		resp, err := b.Do(ctx, http.MethodDelete, c.key, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.wantStatus || calls.Load() != c.calls {
			t.Errorf("%s failing %d times: %d after %d calls, want %d after %d", c.key, c.fail, resp.StatusCode, calls.Load(), c.wantStatus, c.calls)
		}
	}
	srv.Close()
	var tries atomic.Int32
	b.WrapTransport(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			tries.Add(1)
			return rt.RoundTrip(r)
		})
	})
	if _, err := b.Do(ctx, http.MethodHead, "k", nil); err == nil || strings.Contains(err.Error(), "http://") {
		t.Errorf("closed server: %v", err)
	}
	if n := tries.Load(); n != 3 {
		t.Errorf("a refused connection was tried %d times, want 3", n)
	}
}

// roundTripFunc is a RoundTripper from a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
