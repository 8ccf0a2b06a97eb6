package s3get_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"suapcds/shared/domain"
	"suapcds/shared/recording/s3test"
	"suapcds/shared/s3get"
)

// countingTransport counts the body bytes the reader takes from MinIO.
type countingTransport struct {
	next http.RoundTripper
	read atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	if err == nil {
		resp.Body = &countingBody{ReadCloser: resp.Body, n: &c.read}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// TestReadOnMinIO: objects put with the S3 client are read back by the
// signed GET, bytes and type, up to exactly the cap; one byte over is
// ErrTooLarge, told by Content-Length with the body unread; a missing key
// is domain.ErrNotFound; keys needing escapes (space, '+', 'à') round-trip.
func TestReadOnMinIO(t *testing.T) {
	ep := s3test.Strict(t) // what MinIO checks
	c, bucket := s3test.Bucket(t)
	ctx := context.Background()
	r, err := s3get.New(s3test.Config(), ep, bucket)
	if err != nil {
		t.Fatal(err)
	}
	count := &countingTransport{}
	s3get.WrapTransport(r, func(next http.RoundTripper) http.RoundTripper { count.next = next; return count })
	put := func(key, ct string, data []byte) {
		t.Helper()
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
			ContentType: aws.String(ct), Body: bytes.NewReader(data)}); err != nil {
			t.Fatalf("put %q: %v", key, err)
		}
	}
	pdf := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte{0xe2, 0x00, '\n'}, 20000)...)
	const key = "conferences/P-1/c_2.x/convocazione"
	put(key, "application/pdf", pdf)

	data, info, err := r.Read(ctx, key, int64(len(pdf)))
	if err != nil || !bytes.Equal(data, pdf) || info.ContentType != "application/pdf" || info.Size != int64(len(pdf)) {
		t.Fatalf("read at the cap: %d bytes (want %d), %+v, %v", len(data), len(pdf), info, err)
	}
	if n := count.read.Load(); n != int64(len(pdf)) {
		t.Fatalf("the counter saw %d body bytes of %d", n, len(pdf))
	}

	count.read.Store(0)
	data, info, err = r.Read(ctx, key, int64(len(pdf))-1)
	if !errors.Is(err, s3get.ErrTooLarge) || data != nil {
		t.Errorf("one byte over the cap: %d bytes, %v; want ErrTooLarge", len(data), err)
	}
	if info.Size != int64(len(pdf)) || info.ContentType != "application/pdf" {
		t.Errorf("one byte over the cap: info %+v", info)
	}
	if n := count.read.Load(); n != 0 {
		t.Errorf("%d body bytes read to refuse an object over the cap", n)
	}

	if _, _, err := r.Read(ctx, "conferences/P-1/c_2.x/altro", 1<<20); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("missing key: %v, want ErrNotFound", err)
	}

	for _, k := range []string{"conferences/P 1/c+2/convocazione à.pdf", "conferences/a=b&c/d%20e/~f(1)!"} {
		put(k, "text/plain; charset=utf-8", []byte(k))
		data, info, err := r.Read(ctx, k, 1<<10)
		if err != nil || string(data) != k || info.ContentType != "text/plain; charset=utf-8" {
			t.Errorf("key %q: %q %+v %v", k, data, info, err)
		}
	}
}

// TestWrongCredentialsOnMinIO: a wrong secret, or an unknown key id, is an
// error with MinIO's Code, not a missing file (which would send the link
// instead of retrying), and the error does not hold the secret.
func TestWrongCredentialsOnMinIO(t *testing.T) {
	ep := s3test.Strict(t) // what MinIO checks
	c, bucket := s3test.Bucket(t)
	ctx := context.Background()
	const key = "conferences/a/b/convocazione"
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
		ContentType: aws.String("application/pdf"), Body: strings.NewReader("%PDF")}); err != nil {
		t.Fatal(err)
	}
	const secret = "not-the-secret-0123456789abcdef"
	for name, cfg := range map[string]aws.Config{
		"wrong secret":   {Region: s3test.Region(), Credentials: credentials.NewStaticCredentialsProvider(os.Getenv("S3_ACCESS_KEY"), secret, "")},
		"unknown key id": {Region: s3test.Region(), Credentials: credentials.NewStaticCredentialsProvider("AKIDUNKNOWN", secret, "")},
	} {
		r, err := s3get.New(cfg, ep, bucket)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = r.Read(ctx, key, 1<<10)
		var se *s3get.StatusError
		if !errors.As(err, &se) || se.Status != http.StatusForbidden || se.Code == "" || errors.Is(err, domain.ErrNotFound) {
			t.Errorf("%s: %#v, want a 403 with its Code", name, err)
			continue
		}
		if real := os.Getenv("S3_SECRET_KEY"); strings.Contains(err.Error(), secret) || real != "" && strings.Contains(err.Error(), real) {
			t.Errorf("%s: error %q holds a secret", name, err)
		}
		t.Logf("%s: %v", name, err)
	}
}
