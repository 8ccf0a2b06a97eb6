package domain_test

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"suapcds/shared/domain"
)

// TestNewDetermination: the three determinations, what each requires and
// refuses, with their Italian details and stable codes.
func TestNewDetermination(t *testing.T) {
	now := rome(2026, time.November, 20, 10, 0)
	long := strings.Repeat("è", domain.MaxDeterminationTextLen)
	for _, c := range []struct {
		name   string
		in     domain.DeterminationInput
		fields string // "" when valid
		detail string // the error's detail, when checked
	}{
		{name: "favourable", in: domain.DeterminationInput{Kind: domain.DeterminationFavourable}},
		{name: "favourable with reasons and a PDF", in: domain.DeterminationInput{Kind: domain.DeterminationFavourable,
			Reasons: "Verificata la conformità.", FileKey: "uploads/conferences/p1/c1/f", FileType: "application/pdf"}},
		{name: "conditions at the limit, signed p7m", in: domain.DeterminationInput{Kind: domain.DeterminationConditions,
			Conditions: " " + long + "\r\n", FileKey: "k", FileType: "Application/PKCS7-MIME; smime-type=signed-data"}},
		{name: "contrary with the changes", in: domain.DeterminationInput{Kind: domain.DeterminationContrary,
			Reasons: "Distanze dai confini non rispettate.", Changes: "Arretrare il fabbricato di 3 m."}},
		{name: "no kind", in: domain.DeterminationInput{}, fields: "kind:required",
			detail: "Indicare la determinazione: favorevole, favorevole con condizioni o contrario."},
		{name: "unknown kind", in: domain.DeterminationInput{Kind: "favorevole con condizioni"}, fields: "kind:invalid_determination"},
		{name: "conditions missing", in: domain.DeterminationInput{Kind: domain.DeterminationConditions, Conditions: " \n\t "},
			fields: "conditions:required", detail: "Il campo «condizioni» è obbligatorio."},
		{name: "conditions too long", in: domain.DeterminationInput{Kind: domain.DeterminationConditions, Conditions: long + "x"},
			fields: "conditions:too_long", detail: "Il campo «condizioni» supera la lunghezza massima di 4000 caratteri."},
		{name: "reasons missing", in: domain.DeterminationInput{Kind: domain.DeterminationContrary, Changes: "Ridurre l'altezza."},
			fields: "reasons:required", detail: "Il campo «motivazione» è obbligatorio."},
		{name: "conditions on a plain favourable", in: domain.DeterminationInput{Kind: domain.DeterminationFavourable, Conditions: "Nessuna"},
			fields: "conditions:not_allowed", detail: "Le condizioni si indicano solo con una determinazione favorevole con condizioni."},
		{name: "conditions on a contrary", in: domain.DeterminationInput{Kind: domain.DeterminationContrary, Reasons: "No", Conditions: "x"},
			fields: "conditions:not_allowed"},
		{name: "changes on a favourable", in: domain.DeterminationInput{Kind: domain.DeterminationConditions, Conditions: "c", Changes: "m"},
			fields: "changes:not_allowed", detail: "Le modifiche necessarie per l'assenso si indicano solo con una determinazione contraria."},
		{name: "changes too long on a favourable: one error", in: domain.DeterminationInput{Kind: domain.DeterminationFavourable, Changes: long + "x"},
			fields: "changes:too_long"},
		{name: "control characters", in: domain.DeterminationInput{Kind: domain.DeterminationContrary, Reasons: "no\x00"},
			fields: "reasons:control_characters"},
		{name: "invisible characters", in: domain.DeterminationInput{Kind: domain.DeterminationConditions, Conditions: "c\u202e"},
			fields: "conditions:invalid_characters"},
		{name: "a Word file", in: domain.DeterminationInput{Kind: domain.DeterminationFavourable, FileKey: "k",
			FileType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
			fields: "fileType:unsupported_type", detail: "Il file della determinazione deve essere un PDF o un file firmato P7M."},
		{name: "a file without type", in: domain.DeterminationInput{Kind: domain.DeterminationFavourable, FileKey: "k"},
			fields: "fileType:required"},
		{name: "a type without file", in: domain.DeterminationInput{Kind: domain.DeterminationFavourable, FileType: "application/pdf"},
			fields: "fileKey:required"},
		{name: "a file key with a line break", in: domain.DeterminationInput{Kind: domain.DeterminationFavourable, FileKey: "a\nb", FileType: "application/pdf"},
			fields: "fileKey:control_characters"},
		{name: "everything wrong", in: domain.DeterminationInput{Kind: domain.DeterminationContrary, Conditions: "c", FileType: "text/html"},
			fields: "conditions:not_allowed,reasons:required,fileKey:required",
			detail: "Alcuni campi non sono validi (3): Le condizioni si indicano solo con una determinazione favorevole con condizioni."},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := domain.NewDetermination(c.in, now)
			if c.fields == "" {
				if err != nil {
					t.Fatal(err)
				}
				if d.Kind != c.in.Kind || d.At != now || d.Revision != 1 {
					t.Fatalf("determination %+v", d)
				}
				return
			}
			if d != nil || !errors.Is(err, &domain.Error{Code: "invalid_input"}) {
				t.Fatalf("got %+v, %v", d, err)
			}
			fieldCodes(t, err) // no field twice, every detail set
			if got := fieldPairs(err); got != c.fields {
				t.Errorf("fields %s, want %s", got, c.fields)
			}
			if de, _ := domain.AsError(err); c.detail != "" && de.Detail != c.detail {
				t.Errorf("detail %q, want %q", de.Detail, c.detail)
			}
		})
	}
}

// TestDeterminationNormalizes: texts trimmed, CRLF read as LF, the file's
// type reduced to its media type.
func TestDeterminationNormalizes(t *testing.T) {
	d, err := domain.NewDetermination(domain.DeterminationInput{Kind: domain.DeterminationConditions,
		Conditions: "  1. recinzione\r\n2. siepe  ", Reasons: "\tvisto il parere\n", FileKey: " k ", FileType: " application/pkcs7-mime; name=x.p7m "},
		rome(2026, time.November, 20, 10, 0))
	if err != nil {
		t.Fatal(err)
	}
	if d.Conditions != "1. recinzione\n2. siepe" || d.Reasons != "visto il parere" || d.FileKey != "k" || d.FileType != "application/pkcs7-mime" {
		t.Fatalf("determination %+v", d)
	}
}

func TestDeterminationKindLabels(t *testing.T) {
	for k, want := range map[domain.DeterminationKind]string{
		domain.DeterminationFavourable: "Favorevole", domain.DeterminationConditions: "Favorevole con condizioni",
		domain.DeterminationContrary: "Contrario",
	} {
		if got := k.Label(); got != want || !k.Valid() || k.Assent() == (k == domain.DeterminationContrary) {
			t.Errorf("%q: label %q, valid %v, assent %v", k, got, k.Valid(), k.Assent())
		}
	}
	if domain.DeterminationKind("").Valid() || domain.DeterminationKind("Favorevole").Valid() {
		t.Error("empty or capitalised kind valid")
	}
}

func TestDeterminationFileName(t *testing.T) {
	if got := domain.DeterminationFileName("2026/001", "vvf-rc", "application/pkcs7-mime"); got != "determinazione-vvf-rc-pratica-2026_001.p7m" {
		t.Errorf("name %q", got)
	}
	if got := domain.DeterminationFileName("7", "asp.rc", "application/pdf"); got != "determinazione-asp_rc-pratica-7.pdf" {
		t.Errorf("name %q", got)
	}
}

// FuzzNewDetermination: NewDetermination never panics, reports only its
// fields, and what it accepts is trimmed, within the limits and coherent
// with its kind.
func FuzzNewDetermination(f *testing.F) {
	f.Add("favorevole", "", "", "", "", "")
	f.Add("favorevole_con_condizioni", " condizione\r\n", "", "", "k", "application/pdf")
	f.Add("contrario", "", "motivi", "modifiche", "k", "application/pkcs7-mime; a=b")
	f.Add("contrario", "x", "\x00", strings.Repeat("é", 4001), "", "text/plain")
	f.Add("\xff", "\u202e", "", "", "a\nb", "application/pdf;")
	now := rome(2026, time.November, 20, 10, 0)
	f.Fuzz(func(t *testing.T, kind, conditions, reasons, changes, key, ct string) {
		in := domain.DeterminationInput{Kind: domain.DeterminationKind(kind), Conditions: conditions, Reasons: reasons,
			Changes: changes, FileKey: key, FileType: ct}
		d, err := domain.NewDetermination(in, now)
		if err != nil {
			de, ok := domain.AsError(err)
			if d != nil || !ok || de.Kind != domain.KindInvalid || len(de.Fields) == 0 {
				t.Fatalf("got %+v, %v", d, err)
			}
			seen := map[string]bool{}
			for _, fe := range de.Fields {
				switch fe.Field {
				case "kind", "conditions", "reasons", "changes", "fileKey", "fileType":
				default:
					t.Fatalf("unknown field %q", fe.Field)
				}
				if seen[fe.Field] || !utf8.ValidString(fe.Detail) || fe.Detail == "" {
					t.Fatalf("field %q twice or bad detail %q", fe.Field, fe.Detail)
				}
				seen[fe.Field] = true
			}
			return
		}
		if !d.Kind.Valid() {
			t.Fatalf("kind %q accepted", d.Kind)
		}
		for _, v := range []string{d.Conditions, d.Reasons, d.Changes} {
			if !utf8.ValidString(v) || strings.TrimSpace(v) != v || utf8.RuneCountInString(v) > domain.MaxDeterminationTextLen {
				t.Fatalf("text %q accepted", v)
			}
		}
		if (d.Conditions != "") != (d.Kind == domain.DeterminationConditions) || (d.Kind == domain.DeterminationContrary && d.Reasons == "") ||
			(d.Changes != "" && d.Kind != domain.DeterminationContrary) {
			t.Fatalf("incoherent determination %+v", d)
		}
		if (d.FileKey == "") != (d.FileType == "") || (d.FileType != "" && d.FileType != "application/pdf" && d.FileType != "application/pkcs7-mime") {
			t.Fatalf("file %q %q accepted", d.FileKey, d.FileType)
		}
	})
}
