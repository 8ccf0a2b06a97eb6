package domain

import (
	"mime"
	"strconv"
	"strings"
)

// FileSafe maps a name (a pratica number such as "2026/001") to file-name
// characters: ASCII letters, digits and '-' stay, the rest becomes '_'.
func FileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '_'
	}, s)
}

// conferenceFileExt is the extension of each conference file type.
var conferenceFileExt = map[string]string{
	"application/pdf":                         ".pdf",
	"application/vnd.oasis.opendocument.text": ".odt",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
	"application/pkcs7-mime": ".p7m",
}

// fileExt is the extension of a conference file's content type ("" when
// unknown).
func fileExt(contentType string) string {
	if mt, _, err := mime.ParseMediaType(contentType); err == nil {
		return conferenceFileExt[mt]
	}
	return ""
}

// ConvocationFileName is the name a session's convocation file is sent and
// downloaded under: convocazione-pratica-<number>-seduta-<seq>.<ext>, the
// extension from its content type (none when unknown).
func ConvocationFileName(praticaNumber string, seq int, contentType string) string {
	return "convocazione-pratica-" + FileSafe(praticaNumber) + "-seduta-" + strconv.Itoa(seq) + fileExt(contentType)
}

// SessionClosingFileName is the name of a session's closing file (its
// minutes): verbale-pratica-<number>-seduta-<seq>.<ext>.
func SessionClosingFileName(praticaNumber string, seq int, contentType string) string {
	return "verbale-pratica-" + FileSafe(praticaNumber) + "-seduta-" + strconv.Itoa(seq) + fileExt(contentType)
}

// ConferenceClosingFileName is the name of a conference's closing act (the
// final determination): determinazione-conclusiva-pratica-<number>.<ext>.
func ConferenceClosingFileName(praticaNumber string, contentType string) string {
	return "determinazione-conclusiva-pratica-" + FileSafe(praticaNumber) + fileExt(contentType)
}
