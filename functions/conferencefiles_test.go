package functions_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	managerfn "suapcds/functions/manager"
	"suapcds/shared/api"
	"suapcds/shared/app"
	"suapcds/shared/domain"
	"suapcds/shared/recording/s3test"
	"suapcds/shared/s3get"
	"suapcds/shared/signedlink"
)

// TestConferenceFileUpload: an operator gets a pre-signed POST under the
// conference's upload prefix, for exactly the declared type (MinIO refuses
// application/pdf-evil on an application/pdf form), uploads through it to
// MinIO, and convenes with that key; a key outside the prefixes, a missing
// object, another type or an oversize object are refused (422
// invalid_file), writing nothing.
func TestConferenceFileUpload(t *testing.T) {
	t.Parallel()
	// S3 itself answers the form (its status, its POST policy).
	s3test.Strict(t)
	e := newEnv(t)
	e.bodies()
	id := e.pratica(suapAfrico, "suap-africo", domain.ProcSCIACondizionata)
	req := e.request(suapAfrico, id)
	e.finish(req, domain.Accept)
	c := e.conference(suapAfrico, id, map[string]any{"type": "simultanea_sincrona", "startDate": "2026-03-09"})
	files := "/pratiche/" + id + "/conferences/" + c.ID + "/files"
	prefix := app.ConferenceFilePrefix(id, c.ID)

	before := e.backend.commits.Load()
	e.refused(e.raw("POST", files, suapAfrico, map[string]any{"contentType": "video/mp4"}), before, 422, "invalid_input")
	e.refused(e.api.Do("POST", files, &manager, map[string]any{"contentType": "application/pdf"}), before, 403, "forbidden")
	e.refused(e.api.Do("POST", "/pratiche/"+id+"/conferences/nessuna/files", &suapAfrico, map[string]any{"contentType": "application/pdf"}), before, 404, "conference_not_found")

	res := e.api.Do("POST", files, &basinLocride, map[string]any{"contentType": "application/pkcs7-mime"})
	if res.Status != http.StatusOK {
		t.Fatalf("upload form: %d %s", res.Status, res.Body)
	}
	var form api.ConferenceFileUploadView
	res.JSON(t, &form)
	if !strings.HasPrefix(form.Key, app.ConferenceFileUploadPrefix(id, c.ID)) || form.MaxBytes != 1<<20 || form.Fields["Content-Type"] != "application/pkcs7-mime" {
		t.Fatalf("form %+v", form)
	}
	post := func(contentType string, content []byte) int { return postFile(t, form, contentType, content) }
	if got := post("video/mp4", []byte("not a convocation")); got < 400 || got >= 500 {
		t.Errorf("upload of another type: %d, want a 4xx", got)
	}
	if got := post("application/pkcs7-mime-evil", []byte("not a convocation")); got < 400 || got >= 500 {
		t.Errorf("upload of application/pkcs7-mime-evil: %d, want a 4xx", got)
	}
	pdf := e.fileForm(id, c.ID, "application/pdf")
	if got := postFile(t, pdf, "application/pdf-evil", []byte("%PDF-evil")); got < 400 || got >= 500 {
		t.Errorf("application/pdf-evil on an application/pdf form: MinIO answered %d, want a 4xx refusal", got)
	}
	if _, err := e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(e.bucket), Key: aws.String(pdf.Key)}); err == nil {
		t.Error("the application/pdf-evil upload was stored")
	}
	if got := post("application/pkcs7-mime", []byte("signed convocation")); got != http.StatusCreated {
		t.Fatalf("upload through the form: %d", got)
	}

	path := "/pratiche/" + id + "/conferences/" + c.ID + "/sessions"
	in := func(key string) map[string]any {
		return map[string]any{"start": wednesdayNoon.Format("2006-01-02T15:04:05Z07:00"), "convocationFileKey": key, "bodyIds": []string{"vvf-rc"}}
	}
	other := e.conference(suapAfrico, id, map[string]any{"type": "simultanea_sincrona", "startDate": "2026-03-09"})
	before = e.backend.commits.Load()
	for name, key := range map[string]string{
		"outside the prefix": "cds/convocazione.pdf",
		"another conference": e.putFile(app.ConferenceFilePrefix(id, other.ID)+"x", "application/pdf", []byte("%PDF")),
		"missing":            prefix + "nessuno",
		"missing upload":     app.ConferenceFileUploadPrefix(id, c.ID) + "nessuno",
		"upload of another":  e.putFile(app.ConferenceFileUploadPrefix(id, other.ID)+"x", "application/pdf", []byte("%PDF")),
		"another type":       e.putFile(prefix+"video", "video/mp4", []byte("video")),
		"over the cap":       e.putFile(prefix+"grande", "application/pdf", bytes.Repeat([]byte("x"), 1<<20+1)),
		"nested":             e.putFile(prefix+"a/b", "application/pdf", []byte("%PDF")),
	} {
		res := e.api.Do("POST", path, &suapAfrico, in(key))
		e.refused(res, before, 422, "invalid_file")
		if p := res.Problem(t); !strings.Contains(p.Detail, "file") {
			t.Errorf("%s: detail %q", name, p.Detail)
		}
	}
	res = e.api.Do("POST", path, &suapAfrico, in(form.Key))
	if res.Status != http.StatusCreated {
		t.Fatalf("convene with the uploaded file: %d %s", res.Status, res.Body)
	}
	var x api.SessionView
	res.JSON(t, &x)
	if rest, ok := strings.CutPrefix(x.ConvocationFileKey, prefix); !ok || !domain.ValidID(rest) {
		t.Errorf("the session's convocation %q is not a kept file of the conference", x.ConvocationFileKey)
	}
}

// fileForm asks the API for an upload form of a conference file.
func (e *env) fileForm(praticaID, conferenceID, contentType string) api.ConferenceFileUploadView {
	e.t.Helper()
	res := e.api.Do("POST", "/pratiche/"+praticaID+"/conferences/"+conferenceID+"/files", &suapAfrico, map[string]any{"contentType": contentType})
	if res.Status != http.StatusOK {
		e.t.Fatalf("upload form: %d %s", res.Status, res.Body)
	}
	var form api.ConferenceFileUploadView
	res.JSON(e.t, &form)
	return form
}

// postFile posts content through form as a browser does, with Content-Type
// contentType; it answers the storage's status.
func postFile(t *testing.T, form api.ConferenceFileUploadView, contentType string, content []byte) int {
	t.Helper()
	return s3test.PostForm(t, form.URL, form.Fields, map[string]string{"Content-Type": contentType}, "documento", content)
}

// TestConferenceFilesKeptAsUsed: once a convocation, a verbale or a closing
// act uses an upload, what is served is the bytes that were used, whoever
// posts the same form again with another file: the operators' download,
// the bodies' signed convocation link (the manager function) and what
// notify attaches (shared/s3get) all read the kept copy.
func TestConferenceFilesKeptAsUsed(t *testing.T) {
	t.Parallel()
	// S3 itself answers the form (its status, its POST policy).
	s3test.Strict(t)
	e := newEnv(t)
	e.bodies()
	id := e.pratica(suapAfrico, "suap-africo", domain.ProcSCIACondizionata)
	c := e.conference(suapAfrico, id, map[string]any{"type": "simultanea_sincrona", "startDate": "2026-03-09"})
	base := "/pratiche/" + id + "/conferences/" + c.ID
	upload := func(contentType, content string) api.ConferenceFileUploadView {
		t.Helper()
		form := e.fileForm(id, c.ID, contentType)
		if code := postFile(t, form, contentType, []byte(content)); code != http.StatusCreated {
			t.Fatalf("upload: %d", code)
		}
		return form
	}
	get := func(u string) string {
		t.Helper()
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s", resp.Request.URL.Path, resp.Status)
		}
		return string(b)
	}
	download := func(key string) string {
		t.Helper()
		fileID := key[strings.LastIndex(key, "/")+1:]
		res := e.api.Do("GET", base+"/files/"+fileID, &suapAfrico, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("download %s: %d %s", fileID, res.Status, res.Body)
		}
		var d api.ConferenceFileDownloadView
		res.JSON(t, &d)
		return get(d.URL)
	}
	forge := func(form api.ConferenceFileUploadView, contentType string) {
		t.Helper()
		if code := postFile(t, form, contentType, []byte("contenuto sostituito")); code != http.StatusCreated {
			t.Fatalf("second post of the form: %d", code)
		}
	}

	// The convocation.
	conv := upload("application/pdf", "%PDF-1.7 convocazione originale")
	in := map[string]any{"start": wednesday.Format(time.RFC3339), "convocationFileKey": conv.Key, "bodyIds": []string{"vvf-rc"}, "place": "Sala riunioni"}
	res := e.api.Do("POST", base+"/sessions", &suapAfrico, in)
	if res.Status != http.StatusCreated {
		t.Fatalf("convene: %d %s", res.Status, res.Body)
	}
	var x api.SessionView
	res.JSON(t, &x)
	if x.ConvocationFileKey == conv.Key || !strings.HasPrefix(x.ConvocationFileKey, app.ConferenceFilePrefix(id, c.ID)) {
		t.Fatalf("convocation key %q, want a kept copy of %q", x.ConvocationFileKey, conv.Key)
	}
	forge(conv, "application/pdf")
	if got := download(x.ConvocationFileKey); got != "%PDF-1.7 convocazione originale" {
		t.Errorf("the convocation served after a second post: %q", got)
	}
	// The bodies' signed link, as notify mails it, through the manager.
	tok := e.links.SignUntil(signedlink.Convocation, signedlink.ConvocationSubject(id, c.ID, x.ID), e.clock.Now().Add(time.Hour))
	resp := httptest.NewRecorder()
	e.handler.ServeHTTP(resp, httptest.NewRequest("GET", managerfn.ConvocationPath+id+"/"+c.ID+"/"+x.ID+"?t="+url.QueryEscape(tok), nil))
	if resp.Code != http.StatusSeeOther {
		t.Fatalf("convocation link: %d %s", resp.Code, resp.Body)
	}
	if got := get(resp.Header().Get("Location")); got != "%PDF-1.7 convocazione originale" {
		t.Errorf("the convocation link serves %q", got)
	}
	// What notify attaches: the session's key, read by s3get.
	_, ep := s3test.Client(t)
	reader, err := s3get.New(s3test.Config(), ep, e.bucket)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := e.store.GetSession(e.ctx, id, c.ID, x.ID)
	if err != nil {
		t.Fatal(err)
	}
	if b, _, err := reader.Read(e.ctx, stored.ConvocationFileKey, 1<<20); err != nil || string(b) != "%PDF-1.7 convocazione originale" {
		t.Errorf("notify would attach %q (%v)", b, err)
	}

	// The verbale.
	verbale := upload("application/vnd.oasis.opendocument.text", "verbale originale")
	e.clock.Set(wednesday.Add(2 * time.Hour))
	res = e.api.Do("POST", base+"/sessions/"+x.ID+"/state", &suapAfrico, map[string]any{"state": "SVOLTA", "closingFileKey": verbale.Key})
	if res.Status != http.StatusOK {
		t.Fatalf("held: %d %s", res.Status, res.Body)
	}
	var held api.SessionView
	res.JSON(t, &held)
	forge(verbale, "application/vnd.oasis.opendocument.text")
	if held.ClosingFileKey == verbale.Key {
		t.Fatalf("the verbale %q is the upload key", held.ClosingFileKey)
	}
	if got := download(held.ClosingFileKey); got != "verbale originale" {
		t.Errorf("the verbale served after a second post: %q", got)
	}

	// The closing act.
	atto := upload("application/pdf", "%PDF-1.7 determinazione originale")
	res = e.api.Do("POST", base+"/closure", &suapAfrico, map[string]any{"outcome": "positivo", "endDate": "2026-03-11", "closingFileKey": atto.Key})
	if res.Status != http.StatusOK {
		t.Fatalf("close: %d %s", res.Status, res.Body)
	}
	var closed api.ConferenceView
	res.JSON(t, &closed)
	forge(atto, "application/pdf")
	if closed.ClosingFileKey == atto.Key {
		t.Fatalf("the closing act %q is the upload key", closed.ClosingFileKey)
	}
	if got := download(closed.ClosingFileKey); got != "%PDF-1.7 determinazione originale" {
		t.Errorf("the closing act served after a second post: %q", got)
	}
}

// TestConferenceFileDownload: the files a conference uses — a session's
// convocation and verbale, the conference's closing act — download through
// a pre-signed GET from MinIO, under their Italian names, for the pratica's
// operators and the service; an upload the conference never used, an
// unknown id or another office's pratica do not, and nothing is written.
func TestConferenceFileDownload(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.bodies()
	id := e.pratica(suapAfrico, "suap-africo", domain.ProcSCIACondizionata)
	c := e.conference(suapAfrico, id, map[string]any{"type": "simultanea_sincrona", "startDate": "2026-03-09"})
	sessions := "/pratiche/" + id + "/conferences/" + c.ID + "/sessions"
	in := e.convene(sessions, wednesday, "vvf-rc")
	in["place"] = "Sala riunioni"
	res := e.api.Do("POST", sessions, &suapAfrico, in)
	if res.Status != http.StatusCreated {
		t.Fatalf("convene: %d %s", res.Status, res.Body)
	}
	var s struct{ ID string }
	res.JSON(t, &s)
	prefix := app.ConferenceFilePrefix(id, c.ID)
	verbale := e.putFile(prefix+"verbale-1", "application/vnd.oasis.opendocument.text", []byte("verbale della seduta"))
	atto := e.putFile(prefix+"atto", "application/pdf", []byte("%PDF-1.7 determinazione conclusiva"))
	e.putFile(prefix+"mai-usato", "application/pdf", []byte("%PDF-1.7 bozza"))
	e.clock.Set(wednesday.Add(2 * time.Hour))
	if r := e.api.Do("POST", sessions+"/"+s.ID+"/state", &suapAfrico, map[string]any{"state": "SVOLTA", "closingFileKey": verbale}); r.Status != http.StatusOK {
		t.Fatalf("held: %d %s", r.Status, r.Body)
	}
	if r := e.api.Do("POST", "/pratiche/"+id+"/conferences/"+c.ID+"/closure", &suapAfrico,
		map[string]any{"outcome": "positivo", "endDate": "2026-03-11", "closingFileKey": atto}); r.Status != http.StatusOK {
		t.Fatalf("close: %d %s", r.Status, r.Body)
	}

	files := "/pratiche/" + id + "/conferences/" + c.ID + "/files/"
	p, err := e.store.GetPratica(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	number := p.Number
	for _, f := range []struct {
		who        *domain.Principal
		id, name   string
		body       string
		contentTyp string
	}{
		{&suapAfrico, "convocazione", "convocazione-pratica-" + domain.FileSafe(number) + "-seduta-1.pdf", "%PDF-1.7 convocazione", "application/pdf"},
		{&basinLocride, "verbale-1", "verbale-pratica-" + domain.FileSafe(number) + "-seduta-1.odt", "verbale della seduta", "application/vnd.oasis.opendocument.text"},
		{&manager, "atto", "determinazione-conclusiva-pratica-" + domain.FileSafe(number) + ".pdf", "%PDF-1.7 determinazione conclusiva", "application/pdf"},
	} {
		before := e.backend.commits.Load()
		res := e.api.Do("GET", files+f.id, f.who, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", f.id, res.Status, res.Body)
		}
		var d api.ConferenceFileDownloadView
		res.JSON(t, &d)
		if d.FileName != f.name || !d.ExpiresAt.After(e.clock.Now()) {
			t.Errorf("%s: %+v, want %s", f.id, d, f.name)
		}
		resp, err := http.Get(d.URL)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(got) != f.body || resp.Header.Get("Content-Type") != f.contentTyp ||
			!strings.Contains(resp.Header.Get("Content-Disposition"), f.name) {
			t.Errorf("%s: %d %q %q %q", f.id, resp.StatusCode, got, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
		}
		if n := e.backend.commits.Load(); n != before {
			t.Errorf("%s: a download wrote %d transactions", f.id, n-before)
		}
	}
	before := e.backend.commits.Load()
	e.refused(e.api.Do("GET", files+"mai-usato", &suapAfrico, nil), before, 404, "file_not_found")
	e.refused(e.api.Do("GET", files+"nessuno", &suapAfrico, nil), before, 404, "file_not_found")
	e.refused(e.api.Do("GET", files+"convocazione", &admin, nil), before, 403, "forbidden")
	e.refused(e.api.Do("GET", "/pratiche/"+id+"/conferences/nessuna/files/convocazione", &suapAfrico, nil), before, 404, "conference_not_found")
	acquaro := domain.Principal{UserID: "u-gialli", Name: "Anna Gialli", Role: domain.RoleSuapOperator, OfficeID: "suap-acquaro"}
	e.refused(e.api.Do("GET", files+"convocazione", &acquaro, nil), before, 404, "not_found")
}
