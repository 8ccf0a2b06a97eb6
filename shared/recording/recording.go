// Package recording is the recordings' object storage on S3 (docs/rules.md §6): it
// implements app.RecordingFiles with pre-signed POST uploads (policy: the
// exact key, content-length-range, the exact Content-Type or, for a form
// whose file is chosen after signing, its kind's prefix, an expiry),
// pre-signed GET downloads, HEAD, a conditional server-side copy (how an
// upload becomes a kept file no policy can target) and DELETE, each a plain
// HTTP request signed by shared/s3http (no S3 service client). The
// conferences' files live in the same bucket and go through it too.
package recording

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"suapcds/shared/app"
	"suapcds/shared/domain"
	"suapcds/shared/s3http"
)

// Files is the recordings bucket.
type Files struct {
	b   *s3http.Bucket
	now func() time.Time
}

var _ app.RecordingFiles = (*Files)(nil)

// New returns the adapter of bucket, with its HTTP client, once per
// process. endpoint is empty on AWS (virtual-hosted addressing in
// cfg.Region); for MinIO or the local run's in-process S3 it is their URL,
// reached path style. Credentials and region come from cfg.
func New(cfg aws.Config, endpoint, bucket string) (*Files, error) {
	b, err := s3http.New(cfg, endpoint, bucket, "recording")
	if err != nil {
		return nil, err
	}
	return &Files{b: b, now: time.Now}, nil
}

// Bucket is the bucket's name.
func (f *Files) Bucket() string { return f.b.Name() }

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
	post, err := f.b.PresignPost(ctx, p.Key, p.Expires, conds)
	if err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	fields := post.Fields
	fields["Content-Type"] = p.ContentType
	for k, v := range success {
		fields[k] = v
	}
	return &app.UploadForm{URL: post.URL, Fields: fields, Key: p.Key, MaxBytes: p.MaxBytes, ExpiresAt: start.Add(p.Expires)}, nil
}

// PresignDownload signs a GET of key for ttl, saved as filename.
func (f *Files) PresignDownload(ctx context.Context, key, filename string, ttl time.Duration) (string, error) {
	q := url.Values{}
	if filename != "" {
		q.Set("response-content-disposition", mime.FormatMediaType("attachment", map[string]string{"filename": filename}))
	}
	u, err := f.b.PresignGet(ctx, key, q, ttl)
	if err != nil {
		return "", fmt.Errorf("recording: %w", err)
	}
	return u, nil
}

// Head describes key, or domain.ErrNotFound.
func (f *Files) Head(ctx context.Context, key string) (app.ObjectInfo, error) {
	resp, err := f.b.Do(ctx, http.MethodHead, key, nil)
	if err != nil {
		return app.ObjectInfo{}, fmt.Errorf("recording: %w", err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return app.ObjectInfo{}, domain.ErrNotFound
	default:
		return app.ObjectInfo{}, s3http.ErrorOf(http.MethodHead, resp)
	}
	// net/http parsed the header (-1: absent; a malformed one failed Do).
	if resp.ContentLength < 0 {
		return app.ObjectInfo{}, fmt.Errorf("recording: HEAD %s: no Content-Length", key)
	}
	return app.ObjectInfo{Size: resp.ContentLength, ContentType: resp.Header.Get("Content-Type"), ETag: resp.Header.Get("ETag")}, nil
}

// copyAnswerMax bounds the read of a copy's answer: a CopyObjectResult or
// an Error of a few hundred bytes, after the spaces S3 may send to keep the
// connection open while a large object is copied.
const copyAnswerMax = 1 << 20

// Copy copies src to dst within the bucket, server side, only while src
// still has the ETag etag (x-amz-copy-source-if-match): what is copied is
// the object the caller checked, never one posted over it meanwhile
// (app.ErrObjectChanged). A missing src is domain.ErrNotFound. The copy
// keeps the type and the bucket's encryption. S3 may answer 200 and still
// fail (an <Error> document in the body, sent once a long copy ends): that
// is a *s3http.StatusError with status 200 and the Code.
func (f *Files) Copy(ctx context.Context, src, dst, etag string) error {
	if etag == "" {
		return errors.New("recording: copy without the source's ETag")
	}
	h := http.Header{}
	// bucket/key, the key URL-escaped as S3 expects it.
	h.Set("X-Amz-Copy-Source", f.b.Name()+"/"+s3http.EscapeKey(src))
	h.Set("X-Amz-Copy-Source-If-Match", etag)
	resp, err := f.b.Do(ctx, http.MethodPut, dst, h)
	if err != nil {
		return fmt.Errorf("recording: %w", err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return domain.ErrNotFound
	case http.StatusPreconditionFailed:
		return app.ErrObjectChanged
	default:
		return s3http.ErrorOf("copy", resp)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, copyAnswerMax))
	if err != nil {
		return fmt.Errorf("recording: copy to %s: %w", dst, err)
	}
	if strings.Contains(string(body), "<Error>") {
		return &s3http.StatusError{Method: "copy", Status: resp.StatusCode, Code: s3http.ErrorCode(body), RequestID: resp.Header.Get("X-Amz-Request-Id")}
	}
	return nil
}

// Delete removes key; deleting a missing key succeeds (S3 semantics).
func (f *Files) Delete(ctx context.Context, key string) error {
	resp, err := f.b.Do(ctx, http.MethodDelete, key, nil)
	if err != nil {
		return fmt.Errorf("recording: %w", err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNoContent, http.StatusOK, http.StatusNotFound:
		return nil
	}
	return s3http.ErrorOf(http.MethodDelete, resp)
}
