package functions_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"suapcds/shared/api"
	"suapcds/shared/app"
	"suapcds/shared/domain"
)

// TestConferenceFileUpload: an operator gets a pre-signed POST under the
// conference's prefix, uploads through it to MinIO, and convenes with that
// key; a key outside the prefix, a missing object, another type or an
// oversize object are refused (422 invalid_file), writing nothing.
func TestConferenceFileUpload(t *testing.T) {
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
	if !strings.HasPrefix(form.Key, prefix) || form.MaxBytes != 1<<20 || form.Fields["Content-Type"] != "application/pkcs7-mime" {
		t.Fatalf("form %+v", form)
	}
	post := func(contentType string, content []byte) int {
		t.Helper()
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		for k, v := range form.Fields {
			if k == "Content-Type" {
				v = contentType
			}
			_ = w.WriteField(k, v)
		}
		fw, _ := w.CreateFormFile("file", "convocazione.pdf.p7m")
		_, _ = fw.Write(content)
		_ = w.Close()
		resp, err := http.Post(form.URL, w.FormDataContentType(), &body)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post("video/mp4", []byte("not a convocation")); got < 400 || got >= 500 {
		t.Errorf("upload of another type: %d, want a 4xx", got)
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
}

// TestConferenceFileDownload: the files a conference uses — a session's
// convocation and verbale, the conference's closing act — download through
// a pre-signed GET from MinIO, under their Italian names, for the pratica's
// operators and the service; an upload the conference never used, an
// unknown id or another office's pratica do not, and nothing is written.
func TestConferenceFileDownload(t *testing.T) {
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
