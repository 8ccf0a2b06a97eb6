// Package s3test gives tests a fresh bucket on MinIO (started by `make
// test`, found through S3_ENDPOINT, S3_ACCESS_KEY and S3_SECRET_KEY),
// emptied and deleted when the test ends. Without S3_ENDPOINT and without
// CI (a plain `go test ./...`), the bucket is on an in-process S3 instead
// (gofakes3 in memory, as the local run's): it checks no signature and no
// POST policy, so a test of what S3 refuses calls Strict first.
package s3test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"suapcds/shared/recording"
	"suapcds/shared/testenv"
)

// Region is the region tests sign for: S3_REGION (the test stack starts
// MinIO in it), else eu-south-1.
func Region() string {
	if r := os.Getenv("S3_REGION"); r != "" {
		return r
	}
	return "eu-south-1"
}

var bucketSeq atomic.Int64

// Config is the aws.Config of MinIO's root user (any key on the in-process
// S3).
func Config() aws.Config {
	id, secret := os.Getenv("S3_ACCESS_KEY"), os.Getenv("S3_SECRET_KEY")
	if id == "" {
		id, secret = "local", "local"
	}
	return aws.Config{Region: Region(), Credentials: credentials.NewStaticCredentialsProvider(id, secret, "")}
}

// Endpoint is MinIO's URL, S3_ENDPOINT. Without it, under CI the test
// fails; elsewhere it is the in-process S3, started once per test binary.
func Endpoint(t testing.TB) string {
	t.Helper()
	if os.Getenv("S3_ENDPOINT") != "" || os.Getenv("CI") != "" {
		return testenv.Endpoint(t, "S3_ENDPOINT")
	}
	return memS3()
}

// Strict skips t unless it runs on MinIO (or fails it under CI without
// one), and returns MinIO's URL: for tests of what a real S3 refuses (a
// signature, a POST policy).
func Strict(t testing.TB) string {
	t.Helper()
	return testenv.Endpoint(t, "S3_ENDPOINT")
}

// memS3 is the in-process S3's URL.
var memS3 = sync.OnceValue(func() string {
	// Never closed: it lives as long as the test binary.
	return httptest.NewServer(gofakes3.New(s3mem.New()).Server()).URL
})

// Client connects the S3 service client to MinIO (tests check what the
// functions' lean requests did with it); with CI set a missing endpoint
// fails the test, elsewhere it is the in-process S3 (Endpoint).
func Client(t testing.TB) (*s3.Client, string) {
	t.Helper()
	ep := Endpoint(t)
	return NewClient(Config(), ep), ep
}

// NewClient is the S3 service client at endpoint, path style (MinIO, the
// local run's S3).
func NewClient(cfg aws.Config, endpoint string) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.UsePathStyle = true
		// Checksums only where S3 requires them: emulators differ in what
		// they accept.
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
}

// Files is the functions' adapter (recording.New) on bucket in MinIO.
func Files(t testing.TB, bucket string) *recording.Files {
	t.Helper()
	f, err := recording.New(Config(), Endpoint(t), bucket)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// Bucket creates a fresh bucket and returns its client and name.
func Bucket(t testing.TB) (*s3.Client, string) {
	t.Helper()
	c, _ := Client(t)
	name := fmt.Sprintf("suapcds-test-%d-%d", time.Now().UnixNano(), bucketSeq.Add(1))
	Create(t, c, name)
	return c, name
}

// Ensure makes bucket name unless it exists, and leaves it there (MinIO's
// data goes when the test stack stops): for a fixed name that outlives one
// subtest, such as the events/ sample's bucket.
func Ensure(ctx context.Context, c *s3.Client, name string) error {
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(name)}); err == nil {
		return nil
	}
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
	return err
}

// Create makes bucket name and removes it, with its objects, when the test
// ends.
func Create(t testing.TB, c *s3.Client, name string) {
	t.Helper()
	ctx := context.Background()
	if err := Ensure(ctx, c, name); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	t.Cleanup(func() {
		p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(name)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				break
			}
			for _, o := range page.Contents {
				_, _ = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(name), Key: o.Key})
			}
		}
		_, _ = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(name)})
	})
}

// postClient keeps no connections, so a server under test shuts down with
// nothing idle.
var postClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

// PostForm posts a pre-signed POST form as a browser does, the file last
// (named name), with fields but for the values in set; it answers the
// storage's status.
func PostForm(t testing.TB, url string, fields, set map[string]string, name string, content []byte) int {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		if nv, ok := set[k]; ok {
			v = nv
		}
		_ = w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("file", name)
	_, _ = fw.Write(content)
	_ = w.Close()
	resp, err := postClient.Post(url, w.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
