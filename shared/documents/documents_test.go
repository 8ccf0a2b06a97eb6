package documents_test

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"suapcds/shared/clock"
	"suapcds/shared/documents"
)

// Text is every paragraph's text of an .odt's content.xml, line breaks as
// "\n", after checking the file is an OpenDocument text: the stored
// mimetype first, and every XML part well-formed.
func Text(t *testing.T, odt []byte) []string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(odt), int64(len(odt)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	if len(z.File) == 0 || z.File[0].Name != "mimetype" || z.File[0].Method != zip.Store {
		t.Fatalf("the first entry must be the stored mimetype: %+v", z.File[0].FileHeader)
	}
	parts := map[string][]byte{}
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		parts[f.Name] = b
	}
	if string(parts["mimetype"]) != documents.MimeType {
		t.Errorf("mimetype %q", parts["mimetype"])
	}
	for _, name := range []string{"META-INF/manifest.xml", "styles.xml", "meta.xml", "content.xml"} {
		b, ok := parts[name]
		if !ok {
			t.Fatalf("no %s", name)
		}
		d := xml.NewDecoder(bytes.NewReader(b))
		for {
			if _, err := d.Token(); err != nil {
				if !errors.Is(err, io.EOF) {
					t.Fatalf("%s is not well-formed XML: %v", name, err)
				}
				break
			}
		}
	}
	var paras []string
	var cur *strings.Builder
	d := xml.NewDecoder(bytes.NewReader(parts["content.xml"]))
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch x := tok.(type) {
		case xml.StartElement:
			switch {
			case x.Name.Space == "urn:oasis:names:tc:opendocument:xmlns:text:1.0" && x.Name.Local == "p":
				cur = &strings.Builder{}
			case x.Name.Local == "line-break" && cur != nil:
				cur.WriteString("\n")
			}
		case xml.CharData:
			if cur != nil {
				cur.Write(x)
			}
		case xml.EndElement:
			if x.Name.Local == "p" && cur != nil {
				paras = append(paras, cur.String())
				cur = nil
			}
		}
	}
	return paras
}

func TestEveryModel(t *testing.T) {
	data := documents.Data{
		Office: "Suap Comune Africo <Bacino Locride> & C.", PraticaNumber: "2026/0456", ConferenceType: "Simultanea sincrona",
		Start: time.Date(2026, time.March, 11, 12, 0, 0, 0, clock.Rome), Place: "Videoconferenza",
		Meeting: &documents.Meeting{Link: "https://meet.regione.calabria.it/abc?x=1&y=2", Code: "123-456", Password: "segreta"},
		Bodies:  []string{"Vigili del Fuoco - Comando di Reggio Calabria", "ASP Reggio Calabria"},
		Date:    time.Date(2026, time.March, 9, 10, 0, 0, 0, clock.Rome),
	}
	for _, m := range documents.Models {
		t.Run(string(m), func(t *testing.T) {
			odt, err := documents.Build(m, data)
			if err != nil {
				t.Fatal(err)
			}
			all := strings.Join(Text(t, odt), "\n")
			for _, want := range []string{"Pratica n. 2026/0456", "mercoledì 11 marzo 2026", "alle ore 12:00",
				"Link della riunione: https://meet.regione.calabria.it/abc?x=1&y=2", "Codice riunione: 123-456",
				"Data: lunedì 9 marzo 2026", "Suap Comune Africo <Bacino Locride> & C.", "– ASP Reggio Calabria", "entro 45 giorni"} {
				if !strings.Contains(all, want) {
					t.Errorf("the document lacks %q:\n%s", want, all)
				}
			}
		})
	}
	if m := documents.Model("altro"); m.Valid() {
		t.Error("an unknown model is valid")
	}
	if _, err := documents.Build("altro", data); err == nil {
		t.Error("built an unknown model")
	}
}

// TestBlanks: without a meeting the date and the link are left to fill in;
// 90 days with sensitive interests.
func TestBlanks(t *testing.T) {
	odt, err := documents.Build(documents.ModelIndizioneVideoconferenza, documents.Data{Office: "Suap Comune Bianco",
		PraticaNumber: "7", SensitiveInterests: true, Date: time.Date(2026, time.December, 24, 9, 0, 0, 0, clock.Rome)})
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(Text(t, odt), "\n")
	for _, want := range []string{"il giorno ____________ alle ore ____________", "Link della riunione: ____________",
		"entro 90 giorni", "Data: giovedì 24 dicembre 2026"} {
		if !strings.Contains(all, want) {
			t.Errorf("lacks %q:\n%s", want, all)
		}
	}
	if got := documents.ModelIndizioneSincrona.FileName("2026/04 56"); got != "indizione-sincrona-pratica-2026_04_56.odt" {
		t.Errorf("file name %q", got)
	}
}

func TestItalianDate(t *testing.T) {
	// 23:30 UTC on 31 December 2026 is already 1 January 2027 in Rome.
	if got := documents.ItalianDate(time.Date(2026, time.December, 31, 23, 30, 0, 0, time.UTC)); got != "venerdì 1 gennaio 2027" {
		t.Errorf("got %q", got)
	}
}
