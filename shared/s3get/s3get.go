// Package s3get reads small objects of one S3 bucket with a plain signed
// HTTP GET (shared/s3http). It exists for the notify function, which only
// reads convocation files to attach them and so links nothing of S3 but
// this read.
package s3get

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"suapcds/shared/app"
	"suapcds/shared/domain"
	"suapcds/shared/s3http"
)

// ErrTooLarge is a Read of an object bigger than the caller's cap.
var ErrTooLarge = errors.New("s3get: object larger than the cap")

// StatusError is an answer of S3 other than 200 and 404: its status, Code
// and request id, nothing of the request.
type StatusError = s3http.StatusError

// readTimeout bounds a whole Read, retries included: enough for 10 MiB
// (the largest cap) on a slow link, and short of notify's invocation, so
// the record can still be failed and retried.
const readTimeout = 60 * time.Second

// Reader reads one bucket's objects. It is safe for concurrent use; build
// it once per process so its connections are reused across invocations.
type Reader struct {
	b *s3http.Bucket
}

// New returns the reader of bucket. endpoint is empty on AWS, where the
// bucket is addressed virtual-hosted style in cfg.Region; for MinIO or the
// local run's in-process S3 it is their URL (a path prefix is kept), and
// objects are addressed path style under it. Credentials and region come
// from cfg (shared/config.AWS on Lambda).
func New(cfg aws.Config, endpoint, bucket string) (*Reader, error) {
	b, err := s3http.New(cfg, endpoint, bucket, "s3get")
	if err != nil {
		return nil, err
	}
	return &Reader{b: b}, nil
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
	ctx, cancel := context.WithTimeout(ctx, readTimeout)
	defer cancel()
	resp, err := r.b.Do(ctx, http.MethodGet, key, nil)
	if err != nil {
		return nil, app.ObjectInfo{}, fmt.Errorf("s3get: %w", err)
	}
	// Closing an unread body drops its connection: right for an object over
	// the cap, which must not be downloaded to be refused.
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		err := s3http.ErrorOf(http.MethodGet, resp)
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
		return nil, info, fmt.Errorf("s3get: read %s: %w", key, err)
	}
	if int64(len(data)) > maxBytes {
		return nil, info, ErrTooLarge
	}
	if resp.ContentLength < 0 {
		info.Size = int64(len(data))
	}
	return data, info, nil
}
