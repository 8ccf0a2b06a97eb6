package api

import (
	"time"

	"suapcds/shared/app"
)

// RecordingUploadBody declares the type of the file to upload.
type RecordingUploadBody struct {
	ContentType string `json:"contentType"`
}

// RecordingUploadView is a pre-signed POST: post a multipart/form-data
// form to URL with every field of Fields, then the file as field "file"
// (last).
type RecordingUploadView struct {
	URL       string            `json:"url"`
	Fields    map[string]string `json:"fields"`
	Key       string            `json:"key"`
	MaxBytes  int64             `json:"maxBytes"`
	ExpiresAt Instant           `json:"expiresAt"`
}

// NewRecordingUploadView renders f.
func NewRecordingUploadView(f *app.UploadForm) RecordingUploadView {
	return RecordingUploadView{URL: f.URL, Fields: f.Fields, Key: f.Key, MaxBytes: f.MaxBytes, ExpiresAt: Instant{f.ExpiresAt}}
}

// RecordingDownloadView is a pre-signed GET of the recording.
type RecordingDownloadView struct {
	URL       string  `json:"url"`
	ExpiresAt Instant `json:"expiresAt"`
}

// NewRecordingDownloadView renders a download link.
func NewRecordingDownloadView(url string, expires time.Time) RecordingDownloadView {
	return RecordingDownloadView{URL: url, ExpiresAt: Instant{expires}}
}
