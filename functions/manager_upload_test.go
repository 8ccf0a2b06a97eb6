package functions_test

import (
	"bytes"
	"html"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	managerfn "suapcds/functions/manager"
	"suapcds/shared/app"
	"suapcds/shared/domain"
	"suapcds/shared/recording/s3test"
	"suapcds/shared/signedlink"
)

var (
	uploadVideoForm = regexp.MustCompile(`(?s)<form method="post" action="([^"]+)" enctype="multipart/form-data" id="upload-video">(.*?)</form>`)
	hiddenField     = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

// TestSignedLinkPageRecordingUpload: the manager's signed-link page offers
// no recording upload before the meeting's start (it says when it opens);
// from the start it does, and its no-script form — whose type the person
// picks after it is signed — takes any video type on MinIO.
func TestSignedLinkPageRecordingUpload(t *testing.T) {
	t.Parallel()
	// S3 itself answers the form (its status, its POST policy).
	s3test.Strict(t)
	e := newEnv(t)
	id := e.request(suapAfrico, e.pratica(suapAfrico, "suap-africo", domain.ProcOrdinario))
	r, err := e.store.GetRequest(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	r.Recording, r.RecordingConsent = true, true
	if err := e.store.UpdateRequest(e.ctx, r, nil); err != nil {
		t.Fatal(err)
	}
	e.finish(id, domain.AcceptWithRecording)

	mg, err := managerfn.New(managerfn.Deps{Links: e.links, App: app.Deps{Store: e.store, Clock: e.clock, Logger: slog.New(slog.DiscardHandler),
		Files: s3test.Files(t, e.bucket), RecordingMaxBytes: 1 << 20}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mg)
	t.Cleanup(srv.Close)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	page := func() string {
		t.Helper()
		tok := e.links.Sign(signedlink.Answer, id, e.clock.Now())
		res, err := noRedirect.Get(srv.URL + "/gestore/richieste/" + id + "?t=" + tok)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("page: %s", res.Status)
		}
		return b.String()
	}

	if body := page(); strings.Contains(body, `id="upload-video"`) || !strings.Contains(body, `id="upload-later"`) ||
		!strings.Contains(body, domain.FormatRome(r.Start)) {
		t.Errorf("before the meeting the page offers the upload, or does not say when it opens")
	}
	e.clock.Set(r.Start)
	body := page()
	m := uploadVideoForm.FindStringSubmatch(body)
	if m == nil || strings.Contains(body, `id="upload-later"`) {
		t.Fatal("no video upload form once the meeting started")
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	key := ""
	for _, f := range hiddenField.FindAllStringSubmatch(m[2], -1) {
		name, value := html.UnescapeString(f[1]), html.UnescapeString(f[2])
		if name == "key" {
			key = value
		}
		_ = w.WriteField(name, value)
	}
	_ = w.WriteField("Content-Type", "video/webm") // chosen on the page
	fw, _ := w.CreateFormFile("file", "seduta.webm")
	_, _ = fw.Write([]byte("webm"))
	_ = w.Close()
	res, err := noRedirect.Post(html.UnescapeString(m[1]), w.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(key, domain.RecordingUploadKeyPrefix(id)) {
		t.Errorf("upload through the page's form: %s (key %q)", res.Status, key)
	}
}
