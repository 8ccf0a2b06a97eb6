package domain

import (
	"fmt"
	"mime"
	"slices"
	"strings"
	"time"
)

// Recording objects live under two prefixes. An upload lands under
// RecordingUploadPrefix + requestID + "/" (the only keys a pre-signed POST
// ever names); on acquisition it is copied to a fresh key under
// RecordingPrefix + requestID + "/", the kept recording, which no policy
// names (the bucket policy refuses any write there but a copy), so a second
// post of the same form can never change what was acquired.
const (
	RecordingPrefix       = "recordings/"
	RecordingUploadPrefix = "uploads/recordings/"
)

// RecordingKeyPrefix is where the kept recordings of request id are.
func RecordingKeyPrefix(id string) string { return RecordingPrefix + id + "/" }

// RecordingUploadKeyPrefix is where the uploads for request id land.
func RecordingUploadKeyPrefix(id string) string { return RecordingUploadPrefix + id + "/" }

// RecordingRequestID returns the request a kept recording key belongs to:
// "recordings/<requestId>/<name>" with a valid id and a plain name, else "".
func RecordingRequestID(key string) string { return keyRequestID(key, RecordingPrefix) }

// RecordingUploadRequestID returns the request an upload key belongs to:
// "uploads/recordings/<requestId>/<name>", else "".
func RecordingUploadRequestID(key string) string { return keyRequestID(key, RecordingUploadPrefix) }

func keyRequestID(key, prefix string) string {
	rest, ok := strings.CutPrefix(key, prefix)
	if !ok {
		return ""
	}
	id, name, ok := strings.Cut(rest, "/")
	if !ok || !ValidID(id) || name == "" || strings.Contains(name, "/") {
		return ""
	}
	return id
}

// RecordingKind is the top-level media type of a recording content type:
// "video" or "audio", or "" for any other type (or a malformed one).
func RecordingKind(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	kind, sub, _ := strings.Cut(mt, "/")
	if sub == "" || (kind != "video" && kind != "audio") {
		return ""
	}
	return kind
}

// ErrRecordingNotExpected: the request does not wait for a recording (it
// did not ask for one, or it is not IN_ELABORAZIONE).
var ErrRecordingNotExpected = &Error{Kind: KindConflict, Code: "recording_not_expected",
	Detail: "La richiesta non è in attesa di una registrazione: si può caricare solo per una videoconferenza con registrazione in elaborazione."}

// ErrRecordingNotFound: the request has no acquired recording.
var ErrRecordingNotFound = &Error{Kind: KindNotFound, Code: "recording_not_found",
	Detail: "Per questa richiesta non è disponibile alcuna registrazione."}

// ErrRecordingTooEarly is a recording offered before the meeting started
// (docs/rules.md §6: the upload is offered only once the meeting has started).
func ErrRecordingTooEarly(start time.Time) *Error {
	return &Error{Kind: KindConflict, Code: "recording_too_early",
		Detail: "La videoconferenza inizia il " + FormatRome(start) + ": la registrazione si può caricare solo dopo l'inizio della riunione."}
}

// CheckRecordingUpload tells whether r's recording may be uploaded at now:
// ErrRecordingNotExpected unless r waits for one, ErrRecordingTooEarly
// before its meeting's start.
func (r *Request) CheckRecordingUpload(now time.Time) error {
	if !r.ExpectsRecording() {
		return ErrRecordingNotExpected
	}
	if now.Before(r.Start) {
		return ErrRecordingTooEarly(r.Start)
	}
	return nil
}

// ExpectsRecording reports whether r waits for its recording: it asked for
// one and is IN_ELABORAZIONE.
func (r *Request) ExpectsRecording() bool {
	return r.Recording && r.State == StateProcessing
}

// AcquireRecording closes r with its recording f (IN_ELABORAZIONE → EVASA):
// a kept key of r, only once the meeting has started.
func (r *Request) AcquireRecording(f RecordingFile, now time.Time) error {
	if err := r.CheckRecordingUpload(now); err != nil {
		return err
	}
	if RecordingRequestID(f.Key) != r.ID {
		return fmt.Errorf("domain: recording %q is not under request %s", f.Key, r.ID)
	}
	if err := r.Apply(RecordingAcquired, now); err != nil {
		return err
	}
	f.AcquiredAt = now
	r.RecordingFile = &f
	return nil
}

// SizeLabel shows a byte count as people read it: "12,3 MB".
func SizeLabel(n int64) string {
	switch {
	case n >= 1<<30:
		return strings.Replace(fmt.Sprintf("%.1f GB", float64(n)/(1<<30)), ".", ",", 1)
	case n >= 1<<20:
		return strings.Replace(fmt.Sprintf("%.1f MB", float64(n)/(1<<20)), ".", ",", 1)
	case n >= 1<<10:
		return strings.Replace(fmt.Sprintf("%.1f KB", float64(n)/(1<<10)), ".", ",", 1)
	}
	return fmt.Sprintf("%d byte", n)
}

// MaxContentTypeLen bounds a declared recording content type.
const MaxContentTypeLen = 100

// RecordingTypes are the content types a recording may be declared with:
// concrete audio and video types, no wildcard, no parameter.
var RecordingTypes = []string{
	"video/mp4", "video/webm", "video/quicktime", "video/x-matroska",
	"audio/mpeg", "audio/mp4", "audio/ogg", "audio/wav", "audio/x-wav", "audio/webm",
}

// CheckRecordingType validates the content type declared for an upload:
// exactly one of RecordingTypes (letter case aside), without parameters.
func CheckRecordingType(contentType string) (string, error) {
	var fe fieldErrors
	ct := strings.ToLower(strings.TrimSpace(contentType))
	switch {
	case ct == "":
		fe.add("contentType", "required", "Il campo «tipo di file» è obbligatorio.")
	case !slices.Contains(RecordingTypes, ct):
		fe.add("contentType", "unsupported_type", "La registrazione deve essere un file audio o video di uno dei tipi ammessi ("+
			strings.Join(RecordingTypes, ", ")+"), senza caratteri jolly né parametri.")
	}
	return ct, fe.err()
}
