package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3bolt"
	bolt "go.etcd.io/bbolt"
)

// The local run's object storage: an in-process S3 (gofakes3, its bolt
// backend in <data>/recordings.db) served by the gateway under s3Path,
// path-style. Every object it stores raises the ObjectCreated event the
// template routes to a function (its S3 events, by key prefix), as S3 does:
// asynchronously, retried twice on error; a server-side copy (to a kept
// key, outside the events' prefixes) raises none. Unlike S3 (and MinIO,
// which the tests use), it checks no signature and no POST policy.
const (
	s3Path      = "/_s3"
	s3File      = "recordings.db"
	localBucket = "suapcds-local-recordings"
	// s3Retries is how often a failed event is delivered again (Lambda's
	// asynchronous invocation: two retries).
	s3Retries = 2
)

// s3Handler is an S3-event function's Lambda entry point.
type s3Handler func(context.Context, events.S3Event) error

// s3Sub is a function subscribed to the objects created under Prefix.
type s3Sub struct {
	ev      s3Event
	handle  s3Handler
	timeout time.Duration
}

// s3Created is an object the in-process S3 stored.
type s3Created struct {
	bucket, key string
	size        int64
	at          time.Time
}

// localS3 is the in-process S3 and its event dispatch.
type localS3 struct {
	db      *bolt.DB
	handler http.Handler
	created chan s3Created
	logger  *slog.Logger

	mu   sync.Mutex
	subs []s3Sub
}

// openS3 opens (or creates) the store and the local bucket.
func openS3(dataDir string, logger *slog.Logger) (*localS3, error) {
	db, err := bolt.Open(filepath.Join(dataDir, s3File), 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("local S3 %s: %w (another local run?)", filepath.Join(dataDir, s3File), err)
	}
	b := &boltSafe{Backend: s3bolt.New(db)}
	if ok, err := b.BucketExists(localBucket); err != nil {
		db.Close()
		return nil, err
	} else if !ok {
		if err := b.CreateBucket(localBucket); err != nil {
			db.Close()
			return nil, err
		}
	}
	s := &localS3{db: db, created: make(chan s3Created, 64), logger: logger}
	fake := gofakes3.New(&notifyingBackend{Backend: b, created: s.created}, gofakes3.WithLogger(gofakes3.DiscardLog()))
	s.handler = http.StripPrefix(s3Path, copyConditions(b, browserUploads(fake.Server())))
	return s, nil
}

func (s *localS3) close() error { return s.db.Close() }

// subscribe routes created objects matching ev to h.
func (s *localS3) subscribe(ev s3Event, h s3Handler, timeout time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subs = append(s.subs, s3Sub{ev: ev, handle: h, timeout: timeout})
}

// run delivers the created objects' events until ctx ends.
func (s *localS3) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case c := <-s.created:
			s.mu.Lock()
			subs := append([]s3Sub(nil), s.subs...)
			s.mu.Unlock()
			for _, sub := range subs {
				if strings.HasPrefix(c.key, sub.ev.Prefix) {
					s.deliver(ctx, sub, c)
				}
			}
		}
	}
}

func (s *localS3) deliver(ctx context.Context, sub s3Sub, c s3Created) {
	ev := events.S3Event{Records: []events.S3EventRecord{{
		EventVersion: "2.1", EventSource: "aws:s3", AWSRegion: "eu-south-1", EventTime: c.at, EventName: "ObjectCreated:Post",
		S3: events.S3Entity{SchemaVersion: "1.0", ConfigurationID: sub.ev.Function + sub.ev.Event,
			Bucket: events.S3Bucket{Name: c.bucket, Arn: "arn:aws:s3:::" + c.bucket},
			// S3 URL-encodes the key, '+' for a space.
			Object: events.S3Object{Key: url.QueryEscape(c.key), Size: c.size}},
	}}}
	log := s.logger.With("function", sub.ev.Function, "key", c.key)
	for try := 0; try <= s3Retries; try++ {
		if try > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Duration(try) * time.Second):
			}
		}
		callCtx, cancel := context.WithTimeout(ctx, sub.timeout)
		err := sub.handle(callCtx, ev)
		cancel()
		if err == nil {
			log.Info("s3 event delivered")
			return
		}
		log.Warn("s3 event failed", "try", try+1, "error", err.Error())
	}
}

// notifyingBackend reports every object stored.
type notifyingBackend struct {
	gofakes3.Backend
	created chan<- s3Created
}

func (n *notifyingBackend) PutObject(bucket, key string, meta map[string]string, in io.Reader, size int64,
	cond *gofakes3.PutConditions) (gofakes3.PutObjectResult, error) {
	res, err := n.Backend.PutObject(bucket, key, meta, in, size, cond)
	if err == nil {
		n.created <- s3Created{bucket: bucket, key: key, size: size, at: time.Now().UTC()}
	}
	return res, err
}

// copyConditions adds what gofakes3 lacks for a conditional copy: a PUT
// with x-amz-copy-source-if-match copies only while the source's ETag is
// that one, else 412 PreconditionFailed, as S3 answers. The acquisition of
// a recording and the keeping of a conference file rely on it: what is
// copied to the kept key is the object that was checked.
func copyConditions(b gofakes3.Backend, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		want := r.Header.Get("X-Amz-Copy-Source-If-Match")
		if r.Method != http.MethodPut || want == "" {
			next.ServeHTTP(w, r)
			return
		}
		bucket, key, ok := strings.Cut(strings.TrimPrefix(r.Header.Get("X-Amz-Copy-Source"), "/"), "/")
		key, err := url.PathUnescape(key)
		if !ok || err != nil {
			next.ServeHTTP(w, r) // gofakes3 answers the malformed source
			return
		}
		obj, err := b.HeadObject(bucket, key)
		if err != nil {
			next.ServeHTTP(w, r) // gofakes3 answers the missing source
			return
		}
		if strings.Trim(want, `"`) != hex.EncodeToString(obj.Hash) {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusPreconditionFailed)
			_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+
				`<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>`)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// browserUploads adds what gofakes3 lacks for the page's no-script form: a
// successful POST upload answers as its success_action_redirect (303 to
// it, as S3 does) or success_action_status field says.
func browserUploads(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			next.ServeHTTP(w, r)
			return
		}
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			http.Error(w, "malformed POST upload", http.StatusBadRequest)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		ok := rec.Code >= 200 && rec.Code < 300
		if redirect := r.MultipartForm.Value["success_action_redirect"]; ok && len(redirect) == 1 {
			u, err := url.Parse(redirect[0])
			if err == nil {
				q := u.Query()
				q.Set("bucket", strings.Trim(r.URL.Path, "/"))
				q.Set("key", r.MultipartForm.Value["key"][0])
				q.Set("etag", rec.Header().Get("ETag"))
				u.RawQuery = q.Encode()
				http.Redirect(w, r, u.String(), http.StatusSeeOther)
				return
			}
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		status := rec.Code
		if st := r.MultipartForm.Value["success_action_status"]; ok && len(st) == 1 {
			if n, err := strconv.Atoi(st[0]); err == nil && (n == 200 || n == 201 || n == 204) {
				status = n
			}
		}
		w.WriteHeader(status)
		_, _ = io.Copy(w, bytes.NewReader(rec.Body.Bytes()))
	})
}

// boltSafe keeps gofakes3's bolt backend from reading freed memory: its
// GetObject hands back a reader over bytes that may alias the bolt file's
// memory map, which a concurrent write can remap (a SIGSEGV seen in the
// tests when a copy and a download ran together). Reads copy the object's
// bytes under a read lock; every write of the backend takes the write lock.
type boltSafe struct {
	gofakes3.Backend
	mu sync.RWMutex
}

func (b *boltSafe) GetObject(bucket, key string, rng *gofakes3.ObjectRangeRequest) (*gofakes3.Object, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	obj, err := b.Backend.GetObject(bucket, key, rng)
	if err != nil || obj.Contents == nil {
		return obj, err
	}
	raw, err := io.ReadAll(obj.Contents)
	obj.Contents.Close()
	if err != nil {
		return nil, err
	}
	obj.Contents = io.NopCloser(bytes.NewReader(raw))
	return obj, nil
}

func (b *boltSafe) PutObject(bucket, key string, meta map[string]string, in io.Reader, size int64,
	cond *gofakes3.PutConditions) (gofakes3.PutObjectResult, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Backend.PutObject(bucket, key, meta, in, size, cond)
}

func (b *boltSafe) CopyObject(srcBucket, srcKey, dstBucket, dstKey string, meta map[string]string) (gofakes3.CopyObjectResult, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Backend.CopyObject(srcBucket, srcKey, dstBucket, dstKey, meta)
}

func (b *boltSafe) DeleteObject(bucket, key string) (gofakes3.ObjectDeleteResult, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Backend.DeleteObject(bucket, key)
}

func (b *boltSafe) DeleteMulti(bucket string, keys ...string) (gofakes3.MultiDeleteResult, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Backend.DeleteMulti(bucket, keys...)
}

func (b *boltSafe) CreateBucket(name string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Backend.CreateBucket(name)
}
