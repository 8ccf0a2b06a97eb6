package app

import (
	"strings"
	"testing"
	"time"

	"suapcds/shared/documents"
	"suapcds/shared/domain"
)

// TestDownloadNamesAreFileSafe: the names the system gives downloads (the
// recording, the conference files, the documents) carry a pratica number
// made file-safe: no slash, backslash, quote, semicolon or control
// character reaches a Content-Disposition.
func TestDownloadNamesAreFileSafe(t *testing.T) {
	number := "SUAP/AFRICO\\2026/0002 \"x\";\r\n\x00"
	r := &domain.Request{PraticaNumber: number, Start: time.Date(2026, 3, 11, 10, 0, 0, 0, time.UTC),
		RecordingFile: &domain.RecordingFile{ContentType: "video/mp4"}}
	names := []string{
		downloadName(r),
		domain.ConvocationFileName(number, 1, "application/pdf"),
		domain.SessionClosingFileName(number, 1, "application/pdf"),
		domain.ConferenceClosingFileName(number, "application/pdf"),
		documents.ModelIndizioneSincrona.FileName(number),
	}
	if names[0] != "registrazione-pratica-SUAP_AFRICO_2026_0002__x_____-20260311.mp4" {
		t.Errorf("recording: %q", names[0])
	}
	for _, n := range names {
		if strings.ContainsAny(n, "/\\\"';\r\n\x00 ") {
			t.Errorf("file name %q carries an unsafe character", n)
		}
	}
}
