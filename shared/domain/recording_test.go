package domain_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"suapcds/shared/domain"
)

// TestRecordingKeys: uploads and kept recordings have prefixes of their
// own, and each parser knows only its own.
func TestRecordingKeys(t *testing.T) {
	id := "01a207bd-a9c0-7881-8632-e0ebd4abffb7"
	up, kept := domain.RecordingUploadKeyPrefix(id)+"u1", domain.RecordingKeyPrefix(id)+"k1"
	if !strings.HasPrefix(up, "uploads/") || strings.HasPrefix(kept, "uploads/") {
		t.Fatalf("upload %q, kept %q", up, kept)
	}
	for _, c := range []struct {
		key            string
		upload, keptID string
	}{
		{up, id, ""},
		{kept, "", id},
		{domain.RecordingUploadKeyPrefix(id) + "a/b", "", ""},
		{domain.RecordingUploadKeyPrefix(id), "", ""},
		{"uploads/recordings/../x", "", ""},
		{"recordings/stray.mp4", "", ""},
	} {
		if got := domain.RecordingUploadRequestID(c.key); got != c.upload {
			t.Errorf("RecordingUploadRequestID(%q) = %q, want %q", c.key, got, c.upload)
		}
		if got := domain.RecordingRequestID(c.key); got != c.keptID {
			t.Errorf("RecordingRequestID(%q) = %q, want %q", c.key, got, c.keptID)
		}
	}
}

// TestRecordingTooEarly: a recording is neither offered nor acquired
// before the meeting's start (409 recording_too_early, in Italian, with the
// start); from the start it is.
func TestRecordingTooEarly(t *testing.T) {
	start := time.Date(2026, time.March, 11, 11, 0, 0, 0, time.UTC)
	r := &domain.Request{ID: "r1", Recording: true, State: domain.StateProcessing, Start: start}
	err := r.CheckRecordingUpload(start.Add(-time.Second))
	var de *domain.Error
	if !errors.As(err, &de) || de.Kind != domain.KindConflict || de.Code != "recording_too_early" ||
		!strings.Contains(de.Detail, "11-03-2026 12:00") || !strings.Contains(de.Detail, "registrazione") {
		t.Fatalf("before the start: %v", err)
	}
	f := domain.RecordingFile{Key: domain.RecordingKeyPrefix("r1") + "k", Size: 1, ContentType: "video/mp4"}
	if err := r.AcquireRecording(f, start.Add(-time.Second)); !errors.As(err, &de) || de.Code != "recording_too_early" {
		t.Fatalf("acquired before the start: %v", err)
	}
	if r.State != domain.StateProcessing || r.RecordingFile != nil {
		t.Fatalf("a refused acquisition changed the request: %s %+v", r.State, r.RecordingFile)
	}
	if err := r.CheckRecordingUpload(start); err != nil {
		t.Fatalf("at the start: %v", err)
	}
	if err := r.AcquireRecording(domain.RecordingFile{Key: domain.RecordingUploadKeyPrefix("r1") + "u", Size: 1, ContentType: "video/mp4"}, start); err == nil {
		t.Fatal("an upload key was acquired as the recording")
	}
	if err := r.AcquireRecording(f, start); err != nil || r.State != domain.StateDone {
		t.Fatalf("at the start: %v %s", err, r.State)
	}
	if err := r.CheckRecordingUpload(start); !errors.Is(err, domain.ErrRecordingNotExpected) {
		t.Fatalf("after the acquisition: %v", err)
	}
}
