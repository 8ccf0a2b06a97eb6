package functions_test

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"suapcds/shared/documents"
	"suapcds/shared/domain"
)

// odtText opens an .odt as a word processor would start to: a zip whose
// first entry is the stored mimetype, with well-formed XML parts; it returns
// the text of content.xml's paragraphs.
func odtText(t *testing.T, odt []byte) string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(odt), int64(len(odt)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	if z.File[0].Name != "mimetype" || z.File[0].Method != zip.Store {
		t.Fatalf("first entry %q (method %d), want the stored mimetype", z.File[0].Name, z.File[0].Method)
	}
	var text strings.Builder
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case f.Name == "mimetype":
			if string(b) != documents.MimeType {
				t.Errorf("mimetype %q", b)
			}
		case strings.HasSuffix(f.Name, ".xml"):
			d := xml.NewDecoder(bytes.NewReader(b))
			for {
				tok, err := d.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("%s: not well-formed XML: %v", f.Name, err)
				}
				switch x := tok.(type) {
				case xml.CharData:
					if f.Name == "content.xml" {
						text.Write(x)
					}
				case xml.EndElement:
					if f.Name == "content.xml" && x.Name.Local == "p" {
						text.WriteString("\n")
					}
				}
			}
		}
	}
	return text.String()
}

// TestPrefilledDocuments: each model downloads as an .odt holding the
// pratica number, the meeting's link and its Italian date — from the
// accepted booking before any session, then from the session convened.
func TestPrefilledDocuments(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.bodies()
	id := e.pratica(suapAfrico, "suap-africo", domain.ProcOrdinario)
	req := e.request(suapAfrico, id)
	e.finish(req, domain.Accept)
	c := e.conference(suapAfrico, id, map[string]any{"type": "simultanea_sincrona", "startDate": "2026-03-09"})
	base := "/pratiche/" + id + "/conferences/" + c.ID + "/documents/"
	var p struct{ Number string }
	e.api.Do("GET", "/pratiche/"+id, &suapAfrico, nil).JSON(t, &p)

	check := func(model string, wants ...string) {
		t.Helper()
		res := e.api.Do("GET", base+model, &basinLocride, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", model, res.Status, res.Body)
		}
		if ct := res.Header.Get("Content-Type"); ct != documents.MimeType {
			t.Errorf("%s: Content-Type %q", model, ct)
		}
		if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") || !strings.Contains(cd, model+"-pratica-"+p.Number+".odt") {
			t.Errorf("%s: Content-Disposition %q", model, cd)
		}
		text := odtText(t, res.Body)
		for _, w := range append([]string{"Pratica n. " + p.Number, "https://meet.regione.calabria.it/abc", "Suap Comune Africo"}, wants...) {
			if !strings.Contains(text, w) {
				t.Errorf("%s lacks %q:\n%s", model, w, text)
			}
		}
	}
	// Before any session: the booking's meeting, Wednesday 11 March 2026 at 12:00.
	for _, m := range documents.Models {
		check(string(m), "mercoledì 11 marzo 2026", "ore 12:00", "Data: lunedì 9 marzo 2026", "Vigili del Fuoco - Comando di Reggio Calabria")
	}
	// After convening: the session's time and bodies.
	path := "/pratiche/" + id + "/conferences/" + c.ID + "/sessions"
	if res := e.api.Do("POST", path, &suapAfrico, e.convene(path, wednesdayNoon.Add(time.Hour), "asp-rc")); res.Status != http.StatusCreated {
		t.Fatalf("convene: %d %s", res.Status, res.Body)
	}
	check("riunione-dopo-asincrona", "mercoledì 11 marzo 2026", "ore 13:00", "– ASP Reggio Calabria")

	before := e.backend.commits.Load()
	e.refused(e.api.Do("GET", base+"altro", &suapAfrico, nil), before, 404, "model_not_found")
	e.refused(e.api.Do("GET", "/pratiche/"+id+"/conferences/nessuna/documents/indizione-sincrona", &suapAfrico, nil), before, 404, "conference_not_found")
	e.refused(e.api.Do("GET", base+"indizione-sincrona", &manager, nil), before, 403, "forbidden")
}
