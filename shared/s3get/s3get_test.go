package s3get_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"suapcds/shared/domain"
	"suapcds/shared/s3get"
)

const (
	testKeyID  = "AKIDEXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	testToken  = "session-token-of-the-role"
)

func testConfig(token string) aws.Config {
	return aws.Config{Region: "eu-south-1", Credentials: credentials.NewStaticCredentialsProvider(testKeyID, testSecret, token)}
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
	r, err := s3get.New(testConfig(""), srv.URL, "b")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	data, info, err := r.Read(ctx, "k", 10<<20)
	if !errors.Is(err, s3get.ErrTooLarge) || data != nil {
		t.Fatalf("read: %d bytes, %v; want s3get.ErrTooLarge", len(data), err)
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
	r, err := s3get.New(testConfig(""), srv.URL, "b")
	if err != nil {
		t.Fatal(err)
	}
	if _, info, err := r.Read(context.Background(), "k", 29); !errors.Is(err, s3get.ErrTooLarge) || info.ContentType != "text/plain" {
		t.Errorf("29-byte cap: %+v %v, want s3get.ErrTooLarge", info, err)
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
	r, err := s3get.New(testConfig(testToken), srv.URL, "bkt")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, _, err := r.Read(ctx, "conferences/missing", 10); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("missing: %v, want ErrNotFound", err)
	}
	_, _, err = r.Read(ctx, "conferences/denied", 10)
	var se *s3get.StatusError
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
	r, err = s3get.New(testConfig(""), url, "bkt")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = r.Read(ctx, "conferences/k", 10)
	if err == nil || strings.Contains(err.Error(), "http") || !strings.Contains(err.Error(), "conferences/k") {
		t.Errorf("transport error %q", err)
	}
}
