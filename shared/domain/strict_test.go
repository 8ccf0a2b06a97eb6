package domain_test

import (
	"strings"
	"testing"

	"suapcds/shared/domain"
)

// invisible are the formatting characters no text field may hold.
var invisible = map[string]string{
	"LRE U+202A": "\u202a", "RLE U+202B": "\u202b", "PDF U+202C": "\u202c", "LRO U+202D": "\u202d", "RLO U+202E": "\u202e",
	"LRI U+2066": "\u2066", "RLI U+2067": "\u2067", "FSI U+2068": "\u2068", "PDI U+2069": "\u2069",
	"ZWSP U+200B": "\u200b", "ZWNJ U+200C": "\u200c", "ZWJ U+200D": "\u200d", "WJ U+2060": "\u2060", "BOM U+FEFF": "\ufeff",
}

// controls are refused in every text field, one-line or not.
var controls = map[string]string{
	"NUL": "\x00", "BEL": "\a", "BS": "\b", "VT": "\v", "FF": "\f", "CR": "\r", "ESC": "\x1b", "DEL": "\x7f",
	"C1 NEL U+0085": "\u0085", "C1 CSI U+009B": "\u009b", "LS U+2028": "\u2028", "PS U+2029": "\u2029",
}

// TestOneLineFieldsRefuseInvisibleAndControlCharacters: a room's name (one
// line, as every name, subject, code and link) refuses line breaks,
// controls and invisible formatting characters, in the middle of the text.
func TestOneLineFieldsRefuseInvisibleAndControlCharacters(t *testing.T) {
	check := func(name, s, want string) {
		t.Helper()
		r := domain.Room{ID: "sala-1", Name: "Sala" + s + "virtuale"}
		if got := fieldCodes(t, r.Validate()); got["name"] != want || len(got) != 1 {
			t.Errorf("%s: fields %v, want name: %s", name, got, want)
		}
	}
	for name, s := range invisible {
		check(name, s, "invalid_characters")
	}
	for name, s := range controls {
		check(name, s, "control_characters")
	}
	check("LF", "\n", "control_characters")
	check("TAB", "\t", "control_characters")
	check("CRLF", "\r\n", "control_characters")
	r := domain.Room{ID: "sala-1", Name: "Sala «è» 1 — ok 😀"}
	if err := r.Validate(); err != nil {
		t.Errorf("a plain name: %v", err)
	}
}

// TestMultiLineFieldsKeepOnlyLineFeedAndTab: the reason for not convening
// a CDS (multi-line, as messages) keeps "\n" and "\t", reads "\r\n" as "\n",
// and refuses the other controls and the invisible characters.
func TestMultiLineFieldsKeepOnlyLineFeedAndTab(t *testing.T) {
	got, err := domain.NormalizeNoCDSReason("riga 1\r\nriga 2\n\tpunto")
	if err != nil || got != "riga 1\nriga 2\n\tpunto" {
		t.Fatalf("NormalizeNoCDSReason = %q, %v", got, err)
	}
	for name, s := range controls {
		if _, err := domain.NormalizeNoCDSReason("motivo" + s + "fine"); fieldCodes(t, err)["reason"] != "control_characters" {
			t.Errorf("%s: %v, want reason: control_characters", name, err)
		}
	}
	for name, s := range invisible {
		if _, err := domain.NormalizeNoCDSReason("motivo" + s + "fine"); fieldCodes(t, err)["reason"] != "invalid_characters" {
			t.Errorf("%s: %v, want reason: invalid_characters", name, err)
		}
	}
}

// TestLinksWithoutCredentials: a link with a user name or password is
// refused (a room's default link, the meeting's link).
func TestLinksWithoutCredentials(t *testing.T) {
	for _, link := range []string{
		"https://user:pass@meet.example.it/sala", "https://user@meet.example.it/", "http://:pw@meet.example.it/",
		"https://meet.regione.calabria.it@evil.example/",
	} {
		r := domain.Room{ID: "sala-1", Name: "Sala", DefaultLink: link}
		if got := fieldCodes(t, r.Validate()); got["defaultLink"] != "invalid_link" {
			t.Errorf("%s: fields %v, want defaultLink: invalid_link", link, got)
		}
	}
	r := domain.Room{ID: "sala-1", Name: "Sala", DefaultLink: "https://meet.regione.calabria.it/sala-1?pwd=x#y"}
	if err := r.Validate(); err != nil {
		t.Errorf("a plain link: %v", err)
	}
}

// TestRecordingTypeIsOneConcreteType: no wildcard, no parameter, nothing
// but the listed types.
func TestRecordingTypeIsOneConcreteType(t *testing.T) {
	for _, ct := range []string{"video/*", "audio/*", "*/*", "video/mp4; codecs=avc1", "video/mp4;", "video/*; x=video/mp4",
		"video/mp4 video/webm", "video/mp4,video/webm", "video/x-unknown", "text/html", "video/", "video", "video/mp4\u200b"} {
		if _, err := domain.CheckRecordingType(ct); fieldCodes(t, err)["contentType"] != "unsupported_type" {
			t.Errorf("%q: %v, want unsupported_type", ct, err)
		}
	}
	for _, ct := range domain.RecordingTypes {
		if got, err := domain.CheckRecordingType(" " + strings.ToUpper(ct) + " "); err != nil || got != ct {
			t.Errorf("%q: %q, %v", ct, got, err)
		}
	}
}

// TestFileSafe: a name from data (a pratica number) cannot bring path
// separators, quotes or controls into a download's file name.
func TestFileSafe(t *testing.T) {
	got := domain.FileSafe("SUAP/AFRICO\\2026/0002 \"x\";'y'\r\n\x00..è")
	if strings.ContainsAny(got, "/\\\"';\r\n\x00. è") || got != "SUAP_AFRICO_2026_0002__x___y_______" {
		t.Errorf("FileSafe = %q", got)
	}
}
