// Package recording is the recordings' object storage on S3 (docs/rules.md §6): it
// implements app.RecordingFiles with pre-signed POST uploads (policy: the
// exact key, content-length-range, the exact Content-Type or, for a form
// whose file is chosen after signing, its kind's prefix, an expiry),
// pre-signed GET downloads, HEAD, a conditional server-side copy (how an
// upload becomes a kept file no policy can target) and DELETE. It is the only package that
// imports the S3 client, so only the functions that handle recordings
// (recordings, manager) carry it.
package recording

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"suapcds/shared/app"
	"suapcds/shared/domain"
	"suapcds/shared/s3get"
)

// NewClient builds the S3 client once per process. endpoint is empty on
// AWS; for MinIO or the local run's in-process S3 it is their URL, reached
// with path-style addressing.
func NewClient(cfg aws.Config, endpoint string) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			o.UsePathStyle = true
		}
		// Checksums only where S3 requires them: the functions send no
		// bodies, and emulators differ in what they accept.
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
}

// Files is the recordings bucket.
type Files struct {
	client  *s3.Client
	presign *s3.PresignClient
	bucket  string
	now     func() time.Time
}

var _ app.RecordingFiles = (*Files)(nil)

// New returns the bucket's adapter on client.
func New(client *s3.Client, bucket string) *Files {
	return &Files{client: client, presign: s3.NewPresignClient(client), bucket: bucket, now: time.Now}
}

// Bucket is the bucket's name.
func (f *Files) Bucket() string { return f.bucket }

// PresignUpload signs a POST policy: exactly p.Key (the SDK adds the key
// condition), 1 to p.MaxBytes bytes, a Content-Type equal to p.ContentType
// (or, when p.TypePrefix is set, starting with it), and either the redirect
// or a 201 answer, until p.Expires.
// The returned fields include Content-Type (the declared type) and the
// success field; the file must be the form's last part.
func (f *Files) PresignUpload(ctx context.Context, p app.UploadPolicy) (*app.UploadForm, error) {
	success := map[string]string{"success_action_status": "201"}
	if p.Redirect != "" {
		success = map[string]string{"success_action_redirect": p.Redirect}
	}
	typeCond := []any{"eq", "$Content-Type", p.ContentType}
	if p.TypePrefix != "" {
		typeCond = []any{"starts-with", "$Content-Type", p.TypePrefix}
	} else if p.ContentType == "" {
		return nil, errors.New("recording: an upload policy needs a content type or a type prefix")
	}
	conds := []any{
		[]any{"content-length-range", 1, p.MaxBytes},
		typeCond,
		success,
	}
	start := f.now()
	req, err := f.presign.PresignPostObject(ctx, &s3.PutObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(p.Key)},
		func(o *s3.PresignPostOptions) {
			o.Expires = p.Expires
			o.Conditions = conds
		})
	if err != nil {
		return nil, err
	}
	fields := make(map[string]string, len(req.Values)+2)
	for k, v := range req.Values {
		fields[k] = v
	}
	fields["Content-Type"] = p.ContentType
	for k, v := range success {
		fields[k] = v
	}
	return &app.UploadForm{URL: req.URL, Fields: fields, Key: p.Key, MaxBytes: p.MaxBytes, ExpiresAt: start.Add(p.Expires)}, nil
}

// PresignDownload signs a GET of key for ttl, saved as filename.
func (f *Files) PresignDownload(ctx context.Context, key, filename string, ttl time.Duration) (string, error) {
	in := &s3.GetObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(key)}
	if filename != "" {
		in.ResponseContentDisposition = aws.String(mime.FormatMediaType("attachment", map[string]string{"filename": filename}))
	}
	req, err := f.presign.PresignGetObject(ctx, in, s3.WithPresignExpires(ttl))
	if err != nil {
		return "", err
	}
	return req.URL, nil
}

// Head describes key, or domain.ErrNotFound.
func (f *Files) Head(ctx context.Context, key string) (app.ObjectInfo, error) {
	out, err := f.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(key)})
	if err != nil {
		if notFound(err) {
			return app.ObjectInfo{}, domain.ErrNotFound
		}
		return app.ObjectInfo{}, err
	}
	return app.ObjectInfo{Size: aws.ToInt64(out.ContentLength), ContentType: aws.ToString(out.ContentType), ETag: aws.ToString(out.ETag)}, nil
}

// Copy copies src to dst within the bucket, server side, only while src
// still has the ETag etag (x-amz-copy-source-if-match): what is copied is
// the object the caller checked, never one posted over it meanwhile
// (app.ErrObjectChanged). A missing src is domain.ErrNotFound. The copy
// keeps the type and the bucket's encryption.
func (f *Files) Copy(ctx context.Context, src, dst, etag string) error {
	if etag == "" {
		return errors.New("recording: copy without the source's ETag")
	}
	_, err := f.client.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket: aws.String(f.bucket), Key: aws.String(dst),
		// bucket/key, the key URL-escaped as S3 expects it.
		CopySource:        aws.String(f.bucket + "/" + s3get.EscapeKey(src)),
		CopySourceIfMatch: aws.String(etag),
	})
	switch {
	case err == nil:
		return nil
	case notFound(err):
		return domain.ErrNotFound
	case status(err) == http.StatusPreconditionFailed:
		return app.ErrObjectChanged
	}
	return err
}

// Delete removes key; deleting a missing key succeeds (S3 semantics).
func (f *Files) Delete(ctx context.Context, key string) error {
	_, err := f.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(key)})
	if err != nil && !notFound(err) {
		return err
	}
	return nil
}

func notFound(err error) bool { return status(err) == http.StatusNotFound }

// status is the HTTP status S3 answered with, or 0.
func status(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}
