package domain_test

import (
	"testing"

	"suapcds/shared/domain"
)

func TestConvocationFileName(t *testing.T) {
	for _, c := range []struct {
		number, ct, want string
		seq              int
	}{
		{"2026/001", "application/pdf", "convocazione-pratica-2026_001-seduta-1.pdf", 1},
		{"SUAP-12 bis", "application/vnd.oasis.opendocument.text", "convocazione-pratica-SUAP-12_bis-seduta-2.odt", 2},
		{"à/1", "application/vnd.openxmlformats-officedocument.wordprocessingml.document; charset=binary", "convocazione-pratica-__1-seduta-3.docx", 3},
		{"7", "application/pkcs7-mime", "convocazione-pratica-7-seduta-1.p7m", 1},
		{"7", "text/plain", "convocazione-pratica-7-seduta-1", 1},
		{"7", "", "convocazione-pratica-7-seduta-1", 1},
	} {
		if got := domain.ConvocationFileName(c.number, c.seq, c.ct); got != c.want {
			t.Errorf("ConvocationFileName(%q, %d, %q) = %q, want %q", c.number, c.seq, c.ct, got, c.want)
		}
	}
}

func TestClosingFileNames(t *testing.T) {
	if got := domain.SessionClosingFileName("2026/001", 2, "application/pdf"); got != "verbale-pratica-2026_001-seduta-2.pdf" {
		t.Errorf("SessionClosingFileName = %q", got)
	}
	if got := domain.ConferenceClosingFileName("2026/001", "application/pkcs7-mime"); got != "determinazione-conclusiva-pratica-2026_001.p7m" {
		t.Errorf("ConferenceClosingFileName = %q", got)
	}
}
