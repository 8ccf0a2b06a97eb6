package domain

import (
	"fmt"
	"mime"
	"slices"
	"strings"
	"time"
)

// RecordingPrefix is the key prefix of every recording object; a request's
// recordings are under RecordingPrefix + requestID + "/".
const RecordingPrefix = "recordings/"

// RecordingKeyPrefix is where the recordings of request id are stored.
func RecordingKeyPrefix(id string) string { return RecordingPrefix + id + "/" }

// RecordingRequestID returns the request a recording key belongs to:
// "recordings/<requestId>/<name>" with a valid id and a plain name, else "".
func RecordingRequestID(key string) string {
	rest, ok := strings.CutPrefix(key, RecordingPrefix)
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

// ExpectsRecording reports whether r waits for its recording: it asked for
// one and is IN_ELABORAZIONE.
func (r *Request) ExpectsRecording() bool {
	return r.Recording && r.State == StateProcessing
}

// AcquireRecording closes r with its recording f (IN_ELABORAZIONE → EVASA).
func (r *Request) AcquireRecording(f RecordingFile, now time.Time) error {
	if !r.ExpectsRecording() {
		return ErrRecordingNotExpected
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
