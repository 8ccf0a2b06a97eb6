package api

import "suapcds/shared/app"

// ConferenceFileDownloadView is a pre-signed GET of a conference file: open
// URL before ExpiresAt; the browser saves it as FileName.
type ConferenceFileDownloadView struct {
	URL       string  `json:"url"`
	FileName  string  `json:"fileName"`
	ExpiresAt Instant `json:"expiresAt"`
}

// NewConferenceFileDownloadView renders d.
func NewConferenceFileDownloadView(d *app.FileDownload) ConferenceFileDownloadView {
	return ConferenceFileDownloadView{URL: d.URL, FileName: d.FileName, ExpiresAt: Instant{d.ExpiresAt}}
}
