package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"strings"
	"time"

	"github.com/google/uuid"

	"suapcds/shared/domain"
)

// Recording links' lifetimes (docs/rules.md §6: short-lived).
const (
	UploadTTL   = 15 * time.Minute
	DownloadTTL = 5 * time.Minute
	// DefaultRecordingMaxBytes is the upload cap when none is configured.
	DefaultRecordingMaxBytes int64 = 2 << 30
)

// UploadPolicy is what a pre-signed POST must enforce: the exact key, a
// size range and the Content-Type, until Expires.
type UploadPolicy struct {
	Key string
	// ContentType is the declared type, sent as the form's Content-Type
	// field; the policy requires exactly it, unless TypePrefix ("video/",
	// "audio/") is set: then any type starting with it (a form whose file
	// the person chooses after it is signed, as the manager's page).
	ContentType string
	TypePrefix  string
	MaxBytes    int64
	Expires     time.Duration
	// Redirect, when set, is where the storage sends the browser after a
	// successful upload (success_action_redirect); else it answers 201.
	Redirect string
}

// UploadForm is a pre-signed POST: the form's action URL and its fields
// (the file goes last, as field "file").
type UploadForm struct {
	URL       string
	Fields    map[string]string
	Key       string
	MaxBytes  int64
	ExpiresAt time.Time
}

// ObjectInfo is what a HEAD of a recording object tells.
type ObjectInfo struct {
	Size        int64
	ContentType string
	// ETag names this very content of the key: a later upload to the same
	// key has another.
	ETag string
}

// ErrObjectChanged: the object was replaced after it was checked (a copy
// conditioned on its ETag found another).
var ErrObjectChanged = errors.New("object replaced since it was checked")

// RecordingFiles is the object storage of the recordings (S3; MinIO in
// tests; an in-process fake in the local run).
type RecordingFiles interface {
	// PresignUpload signs a POST policy for p.
	PresignUpload(ctx context.Context, p UploadPolicy) (*UploadForm, error)
	// PresignDownload signs a GET of key valid for ttl; filename names the
	// download.
	PresignDownload(ctx context.Context, key, filename string, ttl time.Duration) (string, error)
	// Head describes key; domain.ErrNotFound when it does not exist.
	Head(ctx context.Context, key string) (ObjectInfo, error)
	// Copy copies src to dst server side, only while src's ETag is etag:
	// ErrObjectChanged otherwise, domain.ErrNotFound when src is gone.
	Copy(ctx context.Context, src, dst, etag string) error
	// Delete removes key (no error when it is already gone).
	Delete(ctx context.Context, key string) error
}

// Recordings runs the recording use cases (docs/rules.md §6) on top of a Service.
type Recordings struct {
	svc      *Service
	files    RecordingFiles
	maxBytes int64
	logger   *slog.Logger
}

// MaxBytes is the configured upload cap.
func (rc *Recordings) MaxBytes() int64 { return rc.maxBytes }

// Upload gives the service a pre-signed POST for the recording of request
// id: only a manager (or the signed link), only while the request waits for
// its recording and once its meeting has started, only a file of the
// declared video/* or audio/* type (exactly) of at most MaxBytes, under an
// upload key the server makes, for UploadTTL. redirect is optional (see
// UploadPolicy).
func (rc *Recordings) Upload(ctx context.Context, who domain.Principal, id, contentType, redirect string) (*UploadForm, error) {
	return rc.upload(ctx, who, id, contentType, false, redirect)
}

// UploadOfKind is Upload for a form whose file is chosen after it is
// signed (the manager's page, without script): the policy admits any type
// of contentType's kind (video/ or audio/), which the form's Content-Type
// field then names.
func (rc *Recordings) UploadOfKind(ctx context.Context, who domain.Principal, id, contentType, redirect string) (*UploadForm, error) {
	return rc.upload(ctx, who, id, contentType, true, redirect)
}

func (rc *Recordings) upload(ctx context.Context, who domain.Principal, id, contentType string, anyOfKind bool, redirect string) (*UploadForm, error) {
	r, err := rc.svc.managerRequest(ctx, who, id)
	if err != nil {
		return nil, err
	}
	if err := r.CheckRecordingUpload(rc.svc.clock.Now()); err != nil {
		return nil, err
	}
	ct, err := domain.CheckRecordingType(contentType)
	if err != nil {
		return nil, err
	}
	p := UploadPolicy{
		Key:         domain.RecordingUploadKeyPrefix(r.ID) + uuid.NewString(),
		ContentType: ct,
		MaxBytes:    rc.maxBytes, Expires: UploadTTL, Redirect: redirect,
	}
	if anyOfKind {
		p.TypePrefix = domain.RecordingKind(ct) + "/"
	}
	f, err := rc.files.PresignUpload(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("presign upload: %w", err)
	}
	return f, nil
}

// Download gives a pre-signed GET of request id's recording, valid for
// DownloadTTL, to the pratica's office, its basin and the service (others:
// not found), and writes the download to the history.
func (rc *Recordings) Download(ctx context.Context, who domain.Principal, id string) (string, time.Time, error) {
	r, err := rc.svc.visibleRequest(ctx, who, id)
	if err != nil {
		return "", time.Time{}, err
	}
	f := r.RecordingFile
	if f == nil {
		return "", time.Time{}, domain.ErrRecordingNotFound
	}
	now := rc.svc.clock.Now()
	url, err := rc.files.PresignDownload(ctx, f.Key, downloadName(r), DownloadTTL)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("presign download: %w", err)
	}
	h := domain.NewHistory(r.PraticaID, who, domain.OpRecordingDownloaded,
		"Videoconferenza del "+domain.FormatRome(r.Start)+" ("+f.ContentType+", "+domain.SizeLabel(f.Size)+")", now)
	h.RequestID = r.ID
	if err := rc.svc.store.AppendHistory(ctx, h); err != nil {
		return "", time.Time{}, err
	}
	return url, now.Add(DownloadTTL), nil
}

// downloadName is the file name a download is saved as: the pratica's
// number made file-safe (no slash, backslash, quote or control character).
func downloadName(r *domain.Request) string {
	ext := map[string]string{"video/mp4": ".mp4", "video/webm": ".webm", "video/quicktime": ".mov",
		"video/x-matroska": ".mkv", "audio/mpeg": ".mp3", "audio/mp4": ".m4a", "audio/ogg": ".ogg",
		"audio/wav": ".wav", "audio/x-wav": ".wav", "audio/webm": ".weba"}[r.RecordingFile.ContentType]
	return "registrazione-pratica-" + domain.FileSafe(r.PraticaNumber) + "-" + r.Start.Format("20060102") + ext
}

// Outcome is what became of an object that landed in the bucket.
type Outcome string

// Outcomes of Acquire.
const (
	// Acquired: the request is now EVASA with a kept copy of this upload.
	Acquired Outcome = "acquired"
	// AlreadyAcquired: a redelivery; the request holds a copy of this very
	// upload (same key, same ETag). The upload is removed.
	AlreadyAcquired Outcome = "already_acquired"
	// Removed: the object was refused (see the reason) and deleted.
	Removed Outcome = "removed"
	// Gone: the object no longer exists (removed by an earlier delivery),
	// or was replaced since (its own event judges the new one).
	Gone Outcome = "gone"
	// Ignored: a kept recording's key, not an upload (an event the
	// bucket's configuration should not send): left as it is, never
	// deleted.
	Ignored Outcome = "ignored"
)

// maxAcquireTries bounds the re-reads after a version conflict (the
// request changed between read and write, e.g. a message).
const maxAcquireTries = 3

// Acquire handles an object created at an upload key (the bucket's
// ObjectCreated event): a video/* or audio/* object of at most MaxBytes,
// under the upload prefix of a request that waits for its recording and
// whose meeting has started, is copied (server side, only as it was
// checked: its ETag) to a fresh kept key under recordings/<requestId>/,
// and that kept key closes the request (EVASA, history "Acquisizione
// registrazione", outbox state_changed which notify mails as "registrazione
// disponibile"); then the upload is deleted. The kept object is never
// written again, so posting the same form once more changes nothing that
// was acquired: that new upload is refused and deleted. Any other object
// never closes a request: it is deleted and the reason returned. A second
// delivery of the same event changes nothing.
func (rc *Recordings) Acquire(ctx context.Context, key string) (Outcome, string, error) {
	if strings.HasPrefix(key, domain.RecordingPrefix) {
		return Ignored, "kept_key", nil
	}
	id := domain.RecordingUploadRequestID(key)
	if id == "" {
		return rc.remove(ctx, key, "key_outside_uploads")
	}
	info, err := rc.files.Head(ctx, key)
	if errors.Is(err, domain.ErrNotFound) {
		return Gone, "", nil
	}
	if err != nil {
		return "", "", fmt.Errorf("head %s: %w", key, err)
	}
	kept := "" // the copy this delivery made, if any
	// dropKept removes that copy when it does not become the recording.
	dropKept := func(held *domain.RecordingFile) error {
		if kept == "" || (held != nil && held.Key == kept) {
			return nil
		}
		if err := rc.files.Delete(ctx, kept); err != nil {
			return fmt.Errorf("delete unused copy %s: %w", kept, err)
		}
		return nil
	}
	for try := 1; ; try++ {
		r, err := rc.svc.store.GetRequest(ctx, id)
		if errors.Is(err, domain.ErrNotFound) {
			if err := dropKept(nil); err != nil {
				return "", "", err
			}
			return rc.remove(ctx, key, "unknown_request")
		}
		if err != nil {
			return "", "", err
		}
		if f := r.RecordingFile; f != nil && f.UploadKey == key && f.ETag == info.ETag {
			if err := dropKept(f); err != nil {
				return "", "", err
			}
			if err := rc.files.Delete(ctx, key); err != nil {
				return "", "", fmt.Errorf("delete acquired upload %s: %w", key, err)
			}
			return AlreadyAcquired, "", nil
		}
		now := rc.svc.clock.Now()
		reason := ""
		switch {
		case !r.ExpectsRecording():
			reason = "request_not_waiting:" + string(r.State)
		case now.Before(r.Start):
			reason = "too_early:meeting_starts_" + r.Start.UTC().Format(time.RFC3339)
		case domain.RecordingKind(info.ContentType) == "":
			reason = "wrong_type:" + info.ContentType
		case info.Size < 1 || info.Size > rc.maxBytes:
			reason = fmt.Sprintf("wrong_size:%d", info.Size)
		}
		if reason != "" {
			if err := dropKept(r.RecordingFile); err != nil {
				return "", "", err
			}
			return rc.remove(ctx, key, reason)
		}
		if kept == "" {
			kept = domain.RecordingKeyPrefix(id) + uuid.NewString()
			switch err := rc.files.Copy(ctx, key, kept, info.ETag); {
			case errors.Is(err, ErrObjectChanged), errors.Is(err, domain.ErrNotFound):
				// Posted over or removed since the HEAD: the new object's own
				// event judges it.
				return Gone, "", nil
			case err != nil:
				return "", "", fmt.Errorf("copy %s to %s: %w", key, kept, err)
			}
		}
		from := r.State
		ct, _, _ := mime.ParseMediaType(info.ContentType) // RecordingKind parsed it
		f := domain.RecordingFile{Key: kept, UploadKey: key, ETag: info.ETag, Size: info.Size, ContentType: ct}
		if err := r.AcquireRecording(f, now); err != nil {
			return "", "", errors.Join(err, dropKept(nil))
		}
		h := domain.NewHistory(r.PraticaID, domain.System, domain.OpRecordingAcquired,
			"Registrazione della videoconferenza del "+domain.FormatRome(r.Start)+" ("+ct+", "+domain.SizeLabel(info.Size)+")", now)
		err = rc.svc.store.UpdateRequest(ctx, r, []domain.HistoryEntry{h}, changeEvent(r, from, now))
		if errors.Is(err, domain.ErrConflict) && try < maxAcquireTries {
			continue // changed meanwhile: judge it again as it now is
		}
		if err != nil {
			// The write may have happened (a timeout): the copy stays. A
			// redelivery then finds the request holding it, or makes and
			// keeps a copy of its own; this one is left to the recordings'
			// retention rule.
			return "", "", err
		}
		// The upload has served: its key stays postable until the form
		// expires, but nothing posted there changes the kept copy.
		if err := rc.files.Delete(ctx, key); err != nil {
			return "", "", fmt.Errorf("delete acquired upload %s: %w", key, err)
		}
		return Acquired, "", nil
	}
}

// remove deletes a refused object and logs why.
func (rc *Recordings) remove(ctx context.Context, key, reason string) (Outcome, string, error) {
	if err := rc.files.Delete(ctx, key); err != nil {
		return "", "", fmt.Errorf("delete refused recording %s (%s): %w", key, reason, err)
	}
	rc.logger.WarnContext(ctx, "recording refused and deleted", "key", key, "reason", reason)
	return Removed, reason, nil
}
