package s3get

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"suapcds/shared/domain"
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
func onAWS(t *testing.T, srv *httptest.Server, bucket, token string) *Reader {
	t.Helper()
	r, err := New(testConfig(token), "", bucket)
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
	data, info, err := r.Read(context.Background(), "conferences/P 1/c+2/convocazione-à~.pdf", 1<<10)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != "%PDF-1.7" || info.ContentType != "application/pdf" || info.Size != 8 {
		t.Errorf("read %q %+v", data, info)
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
	if s.header.Get("X-Amz-Content-Sha256") != emptySHA256 || s.header.Get("X-Amz-Date") != "20261128T093000Z" ||
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
	r, err := New(testConfig(""), srv.URL+"/_s3/", "local-bucket")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Read(context.Background(), "conferences/a/b/c", 10); err != nil {
		t.Fatal(err)
	}
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

// TestOversizedContentLength: an answer whose Content-Length is over the
// cap is refused from its header, with its type and size, without waiting
// for a body the server never finishes.
func TestOversizedContentLength(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Length", "1073741824")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "%PDF")
		w.(http.Flusher).Flush()
		select { // the client hangs up, or the test ends
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	r, err := New(testConfig(""), srv.URL, "b")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	data, info, err := r.Read(ctx, "k", 10<<20)
	if !errors.Is(err, ErrTooLarge) || data != nil {
		t.Fatalf("read: %d bytes, %v; want ErrTooLarge", len(data), err)
	}
	if info.Size != 1<<30 || info.ContentType != "application/pdf" {
		t.Errorf("info %+v", info)
	}
}

// TestCapWithoutContentLength: a chunked answer (no length) is held to the
// cap while it is read.
func TestCapWithoutContentLength(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		for range 3 {
			_, _ = io.WriteString(w, "0123456789")
			w.(http.Flusher).Flush()
		}
	}))
	defer srv.Close()
	r, err := New(testConfig(""), srv.URL, "b")
	if err != nil {
		t.Fatal(err)
	}
	if _, info, err := r.Read(context.Background(), "k", 29); !errors.Is(err, ErrTooLarge) || info.ContentType != "text/plain" {
		t.Errorf("29-byte cap: %+v %v, want ErrTooLarge", info, err)
	}
	data, info, err := r.Read(context.Background(), "k", 30)
	if err != nil || len(data) != 30 || info.Size != 30 {
		t.Errorf("30-byte cap: %d bytes %+v %v", len(data), info, err)
	}
}

// TestErrorAnswers: 404 is domain.ErrNotFound; another status is a
// *StatusError with S3's Code and request id, and says nothing of the
// request (URL, host, signature); a transport error says no URL either.
func TestErrorAnswers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.Header().Set("X-Amz-Request-Id", "REQ123")
		if strings.HasSuffix(r.URL.Path, "/missing") {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code></Error>`)
			return
		}
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
			`<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message>`+
			`<StringToSign>AWS4-HMAC-SHA256...</StringToSign></Error>`)
	}))
	defer srv.Close()
	r, err := New(testConfig(testToken), srv.URL, "bkt")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, _, err := r.Read(ctx, "conferences/missing", 10); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("missing: %v, want ErrNotFound", err)
	}
	_, _, err = r.Read(ctx, "conferences/denied", 10)
	var se *StatusError
	if !errors.As(err, &se) || se.Status != http.StatusForbidden || se.Code != "SignatureDoesNotMatch" || se.RequestID != "REQ123" {
		t.Fatalf("denied: %#v", err)
	}
	if errors.Is(err, domain.ErrNotFound) {
		t.Error("403 is not a missing file")
	}
	for _, leak := range []string{"http", "127.0.0.1", "bkt", testSecret, testToken, testKeyID, "Signature="} {
		if strings.Contains(err.Error(), leak) {
			t.Errorf("error %q says %q", err, leak)
		}
	}

	// A closed port: the error has the key, not the URL.
	closed := httptest.NewServer(http.NotFoundHandler())
	url := closed.URL
	closed.Close()
	r, err = New(testConfig(""), url, "bkt")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = r.Read(ctx, "conferences/k", 10)
	if err == nil || strings.Contains(err.Error(), "http") || !strings.Contains(err.Error(), "conferences/k") {
		t.Errorf("transport error %q", err)
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
		if _, err := New(c.cfg, c.endpoint, c.bucket); err == nil {
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
		if got := errorCode([]byte(body)); got != want {
			t.Errorf("errorCode(%q) = %q, want %q", body, got, want)
		}
	}
}
