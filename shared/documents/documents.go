// Package documents builds the pre-filled documents (prestampati) of a
// services conference (docs/rules.md §4) as editable OpenDocument text files (.odt).
//
// The files are written with the format's own zip and XML (archive/zip,
// encoding/xml): no maintained, freely licensed Go library for .odt or .docx
// is available to this project (the known .docx ones are unmaintained,
// unserved or need a paid licence), and an .odt that a word processor opens
// needs only four small parts: the uncompressed "mimetype" first, the
// manifest, the styles and the content. OpenDocument (ISO/IEC 26300) is also
// the open format Italian administrations are asked to prefer.
package documents

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"hash/crc32"
	"strings"
	"time"

	"suapcds/shared/clock"
	"suapcds/shared/domain"
)

// MimeType is the media type of the documents built here.
const MimeType = "application/vnd.oasis.opendocument.text"

// Model is one of the pre-filled documents.
type Model string

// The models of docs/rules.md §4 (the manual's names in Title).
const (
	ModelIndizioneVideoconferenza Model = "indizione-sincrona-videoconferenza"
	ModelRiunioneDopoAsincrona    Model = "riunione-dopo-asincrona"
	ModelIndizioneSincrona        Model = "indizione-sincrona"
)

// Models lists every model.
var Models = []Model{ModelIndizioneVideoconferenza, ModelRiunioneDopoAsincrona, ModelIndizioneSincrona}

// Valid reports whether m is a known model.
func (m Model) Valid() bool {
	for _, k := range Models {
		if k == m {
			return true
		}
	}
	return false
}

// Title is the model's name as the manual gives it.
func (m Model) Title() string {
	switch m {
	case ModelIndizioneVideoconferenza:
		return "Modello Indizione cds sincrona con videoconferenza"
	case ModelRiunioneDopoAsincrona:
		return "Modello comunicazione necessità riunione cds sincrona con videoconferenza a seguito di fallimento della seduta asincrona"
	case ModelIndizioneSincrona:
		return "Modello Indizione cds sincrona"
	}
	return string(m)
}

// FileName is the name the document is downloaded as.
func (m Model) FileName(praticaNumber string) string {
	return string(m) + "-pratica-" + domain.FileSafe(praticaNumber) + ".odt"
}

// Meeting is the videoconference's data, when there is one.
type Meeting struct {
	Link, Code, Password string
}

// Data is what fills a document.
type Data struct {
	Office        string
	PraticaNumber string
	// ConferenceType is the Italian label of the conference's type.
	ConferenceType     string
	SensitiveInterests bool
	// Start is the meeting's date and time (zero: left blank to fill in).
	Start   time.Time
	Place   string
	Meeting *Meeting
	// Bodies are the bodies convened (or involved).
	Bodies []string
	// Date is the document's date.
	Date time.Time
}

var (
	monthNames = [...]string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio",
		"agosto", "settembre", "ottobre", "novembre", "dicembre"}
	dayNames = [...]string{"domenica", "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato"}
)

// ItalianDate writes t's Europe/Rome date as "mercoledì 11 marzo 2026".
func ItalianDate(t time.Time) string {
	t = t.In(clock.Rome)
	return fmt.Sprintf("%s %d %s %d", dayNames[t.Weekday()], t.Day(), monthNames[t.Month()-1], t.Year())
}

const blank = "____________"

// para is one paragraph: its style and text (text:line-break for "\n").
type para struct{ style, text string }

// paragraphs is the body of model m filled with d.
func paragraphs(m Model, d Data) []para {
	when, hour := blank, blank
	if !d.Start.IsZero() {
		when, hour = ItalianDate(d.Start), d.Start.In(clock.Rome).Format("15:04")
	}
	place := d.Place
	if place == "" {
		place = blank
	}
	days := 45
	if d.SensitiveInterests {
		days = 90
	}
	ps := []para{
		{"Intestazione", d.Office + "\nSportello Unico per le Attività Produttive"},
		{"Destra", "Data: " + ItalianDate(d.Date)},
		{"Normale", "Pratica n. " + d.PraticaNumber},
	}
	to := "Alle amministrazioni e agli enti in indirizzo:"
	for _, b := range d.Bodies {
		to += "\n– " + b
	}
	if len(d.Bodies) == 0 {
		to += "\n– " + blank
	}
	ps = append(ps, para{"Normale", to})
	link := []para{}
	if mt := d.Meeting; mt != nil {
		link = append(link,
			para{"Normale", "Dati di collegamento alla videoconferenza:\nLink della riunione: " + mt.Link +
				"\nCodice riunione: " + mt.Code + "\nPassword: " + mt.Password})
	} else if m != ModelIndizioneSincrona {
		link = append(link, para{"Normale", "Dati di collegamento alla videoconferenza:\nLink della riunione: " + blank +
			"\nCodice riunione: " + blank + "\nPassword: " + blank})
	}
	rep := para{"Normale", "Ciascuna amministrazione partecipa con un unico rappresentante, legittimato a esprimerne " +
		"in modo univoco e vincolante la posizione su tutte le decisioni di competenza della conferenza (art. 14-ter, " +
		"comma 3, L. 241/1990)."}
	end := para{"Normale", fmt.Sprintf("I lavori della conferenza si concludono entro %d giorni dalla data della prima "+
		"riunione (art. 14-ter, comma 2, L. 241/1990).", days)}
	switch m {
	case ModelIndizioneVideoconferenza:
		ps = append(ps,
			para{"Titolo", "Oggetto: indizione della conferenza di servizi decisoria in forma simultanea e in modalità " +
				"sincrona, con svolgimento in videoconferenza (art. 14-ter L. 241/1990) – pratica n. " + d.PraticaNumber},
			para{"Normale", "Il Responsabile dello Sportello Unico per le Attività Produttive, vista la pratica n. " +
				d.PraticaNumber + " (conferenza: " + d.ConferenceType + "), ritenuto necessario acquisire le " +
				"determinazioni delle amministrazioni in indirizzo,"},
			para{"Centro", "INDICE"},
			para{"Normale", "la conferenza di servizi decisoria in forma simultanea e in modalità sincrona e"},
			para{"Centro", "CONVOCA"},
			para{"Normale", "le amministrazioni in indirizzo alla riunione che si terrà in videoconferenza il giorno " +
				when + " alle ore " + hour + "."})
		ps = append(ps, link...)
		ps = append(ps, rep, end)
	case ModelRiunioneDopoAsincrona:
		ps = append(ps,
			para{"Titolo", "Oggetto: comunicazione della necessità di svolgere la riunione della conferenza di servizi " +
				"in modalità sincrona, in videoconferenza, a seguito dell'esito della conferenza in forma semplificata " +
				"e modalità asincrona (art. 14-bis, comma 6, L. 241/1990) – pratica n. " + d.PraticaNumber},
			para{"Normale", "Il Responsabile dello Sportello Unico per le Attività Produttive, con riferimento alla " +
				"conferenza di servizi indetta per la pratica n. " + d.PraticaNumber + " in forma semplificata e in " +
				"modalità asincrona, preso atto che le determinazioni pervenute non consentono di concludere " +
				"positivamente il procedimento senza un esame contestuale degli interessi coinvolti,"},
			para{"Centro", "COMUNICA"},
			para{"Normale", "che la conferenza prosegue in modalità sincrona e convoca le amministrazioni in indirizzo " +
				"alla riunione che si terrà in videoconferenza il giorno " + when + " alle ore " + hour + "."})
		ps = append(ps, link...)
		ps = append(ps, rep, end)
	case ModelIndizioneSincrona:
		ps = append(ps,
			para{"Titolo", "Oggetto: indizione della conferenza di servizi decisoria in forma simultanea e in modalità " +
				"sincrona (art. 14-ter L. 241/1990) – pratica n. " + d.PraticaNumber},
			para{"Normale", "Il Responsabile dello Sportello Unico per le Attività Produttive, vista la pratica n. " +
				d.PraticaNumber + " (conferenza: " + d.ConferenceType + "),"},
			para{"Centro", "INDICE"},
			para{"Normale", "la conferenza di servizi decisoria in forma simultanea e in modalità sincrona e"},
			para{"Centro", "CONVOCA"},
			para{"Normale", "le amministrazioni in indirizzo alla riunione che si terrà il giorno " + when +
				" alle ore " + hour + " presso: " + place + "."})
		ps = append(ps, link...)
		ps = append(ps, rep, end)
	}
	return append(ps, para{"Destra", "Il Responsabile del SUAP\n" + blank})
}

const (
	nsOffice = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
	nsText   = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
	nsStyle  = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
	nsFO     = "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
	nsMeta   = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
	nsDC     = "http://purl.org/dc/elements/1.1/"
	nsMani   = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
)

// Build returns model m filled with d as an .odt file.
func Build(m Model, d Data) ([]byte, error) {
	if !m.Valid() {
		return nil, fmt.Errorf("documents: unknown model %q", m)
	}
	content, err := contentXML(paragraphs(m, d))
	if err != nil {
		return nil, err
	}
	meta, err := metaXML(m.Title()+" – pratica n. "+d.PraticaNumber, d.Date)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	// The mimetype comes first, stored, without extra field or data
	// descriptor, so that the type can be read at a fixed offset
	// (OpenDocument 1.3 part 2, 3.3): a raw entry with its sizes and CRC.
	mt := []byte(MimeType)
	w, err := z.CreateRaw(&zip.FileHeader{Name: "mimetype", Method: zip.Store, Modified: d.Date,
		CRC32: crc32.ChecksumIEEE(mt), CompressedSize64: uint64(len(mt)), UncompressedSize64: uint64(len(mt))})
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(mt); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		data []byte
	}{
		{"META-INF/manifest.xml", []byte(manifestXML)},
		{"styles.xml", []byte(stylesXML)},
		{"meta.xml", meta},
		{"content.xml", content},
	} {
		w, err := z.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: d.Date})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := z.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// contentXML writes the document's body; the encoder escapes every text.
func contentXML(ps []para) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	e := xml.NewEncoder(&buf)
	root := xml.StartElement{Name: xml.Name{Local: "office:document-content"}, Attr: []xml.Attr{
		{Name: xml.Name{Local: "xmlns:office"}, Value: nsOffice},
		{Name: xml.Name{Local: "xmlns:text"}, Value: nsText},
		{Name: xml.Name{Local: "xmlns:style"}, Value: nsStyle},
		{Name: xml.Name{Local: "xmlns:fo"}, Value: nsFO},
		{Name: xml.Name{Local: "office:version"}, Value: "1.3"},
	}}
	body := xml.StartElement{Name: xml.Name{Local: "office:body"}}
	text := xml.StartElement{Name: xml.Name{Local: "office:text"}}
	toks := []xml.Token{root, body, text}
	for _, p := range ps {
		start := xml.StartElement{Name: xml.Name{Local: "text:p"}, Attr: []xml.Attr{{Name: xml.Name{Local: "text:style-name"}, Value: p.style}}}
		toks = append(toks, start)
		for i, line := range strings.Split(p.text, "\n") {
			if i > 0 {
				br := xml.StartElement{Name: xml.Name{Local: "text:line-break"}}
				toks = append(toks, br, br.End())
			}
			toks = append(toks, xml.CharData(line))
		}
		toks = append(toks, start.End())
	}
	toks = append(toks, text.End(), body.End(), root.End())
	for _, t := range toks {
		if err := e.EncodeToken(t); err != nil {
			return nil, err
		}
	}
	if err := e.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func metaXML(title string, date time.Time) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	e := xml.NewEncoder(&buf)
	root := xml.StartElement{Name: xml.Name{Local: "office:document-meta"}, Attr: []xml.Attr{
		{Name: xml.Name{Local: "xmlns:office"}, Value: nsOffice},
		{Name: xml.Name{Local: "xmlns:meta"}, Value: nsMeta},
		{Name: xml.Name{Local: "xmlns:dc"}, Value: nsDC},
		{Name: xml.Name{Local: "office:version"}, Value: "1.3"},
	}}
	meta := xml.StartElement{Name: xml.Name{Local: "office:meta"}}
	toks := []xml.Token{root, meta}
	for _, f := range []struct{ name, value string }{
		{"dc:title", title},
		{"dc:language", "it-IT"},
		{"meta:generator", "suapcds"},
		{"meta:creation-date", date.UTC().Format("2006-01-02T15:04:05")},
	} {
		s := xml.StartElement{Name: xml.Name{Local: f.name}}
		toks = append(toks, s, xml.CharData(f.value), s.End())
	}
	toks = append(toks, meta.End(), root.End())
	for _, t := range toks {
		if err := e.EncodeToken(t); err != nil {
			return nil, err
		}
	}
	if err := e.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

const manifestXML = xml.Header + `<manifest:manifest xmlns:manifest="` + nsMani + `" manifest:version="1.3">
 <manifest:file-entry manifest:full-path="/" manifest:version="1.3" manifest:media-type="` + MimeType + `"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
 <manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>
 <manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
`

const stylesXML = xml.Header + `<office:document-styles xmlns:office="` + nsOffice + `" xmlns:style="` + nsStyle + `" xmlns:text="` + nsText + `" xmlns:fo="` + nsFO + `" office:version="1.3">
 <office:styles>
  <style:default-style style:family="paragraph">
   <style:paragraph-properties fo:margin-bottom="0.25cm" fo:line-height="130%"/>
   <style:text-properties style:font-name="Liberation Serif" fo:font-family="'Liberation Serif', 'Times New Roman', serif" fo:font-size="12pt" fo:language="it" fo:country="IT"/>
  </style:default-style>
  <style:style style:name="Normale" style:family="paragraph">
   <style:paragraph-properties fo:text-align="justify"/>
  </style:style>
  <style:style style:name="Intestazione" style:family="paragraph">
   <style:paragraph-properties fo:text-align="center" fo:margin-bottom="0.6cm"/>
   <style:text-properties fo:font-size="14pt" fo:font-weight="bold"/>
  </style:style>
  <style:style style:name="Titolo" style:family="paragraph">
   <style:paragraph-properties fo:text-align="justify" fo:margin-top="0.4cm" fo:margin-bottom="0.4cm"/>
   <style:text-properties fo:font-weight="bold"/>
  </style:style>
  <style:style style:name="Centro" style:family="paragraph">
   <style:paragraph-properties fo:text-align="center"/>
   <style:text-properties fo:font-weight="bold"/>
  </style:style>
  <style:style style:name="Destra" style:family="paragraph">
   <style:paragraph-properties fo:text-align="end"/>
  </style:style>
 </office:styles>
 <office:automatic-styles>
  <style:page-layout style:name="A4">
   <style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" fo:margin-top="2cm" fo:margin-bottom="2cm" fo:margin-left="2.5cm" fo:margin-right="2.5cm"/>
  </style:page-layout>
 </office:automatic-styles>
 <office:master-styles>
  <style:master-page style:name="Standard" style:page-layout-name="A4"/>
 </office:master-styles>
</office:document-styles>
`
