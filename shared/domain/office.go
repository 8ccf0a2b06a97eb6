package domain

import (
	"strconv"
	"strings"
	"suapcds/shared/workdays"
	"unicode"
	"unicode/utf8"
)

// Office is a SUAP office (a struttura), possibly part of a basin.
type Office struct {
	ID      string
	Name    string
	BasinID string
	// Email pre-fills the booking form and is the fallback sender.
	Email string
	// PEC is the certified mailbox used as sender when set.
	PEC string
	// LocalHolidays are the comune's own non-working days (the patron saint).
	LocalHolidays []workdays.LocalHoliday
}

// Basin is a group of associated SUAP offices.
type Basin struct {
	ID   string
	Name string
}

// maxIDLen is the longest identifier ValidID accepts.
const maxIDLen = 64

// ValidID reports whether s can be an identifier: 1–64 characters, letters,
// digits, '.', '_' and '-', not starting with punctuation. Identifiers end up
// inside store keys, so this set is kept small on purpose.
//
// It is the regular expression ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ written
// out: compiled at init, that expression cost every function's cold start
// ≈1 ms and 861 allocations (the {0,63} unrolls into 63 optional copies).
func ValidID(s string) bool {
	if len(s) == 0 || len(s) > maxIDLen || !isAlnum(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && c != '.' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// isAlnum reports whether c is an ASCII letter or digit. A byte of a
// multi-byte UTF-8 sequence is never one, so ValidID refuses any non-ASCII
// character, as the expression did.
func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// checkText validates a trimmed multi-line text of at most max characters
// (runes, not bytes: "è" counts once): a message, a reason. "\r\n" is read
// as "\n"; see checkChars for the characters refused.
func checkText(fe *fieldErrors, field, label, value string, max int, required bool) string {
	return checkString(fe, field, label, strings.ReplaceAll(value, "\r\n", "\n"), max, required, true)
}

// checkLine is checkText for a one-line field (a subject, a name, a code, a
// link): line breaks are refused too, since such values end up in mail
// headers and table cells.
func checkLine(fe *fieldErrors, field, label, value string, max int, required bool) string {
	return checkString(fe, field, label, value, max, required, false)
}

func checkString(fe *fieldErrors, field, label, value string, max int, required, multiLine bool) string {
	v := strings.TrimSpace(value)
	if v == "" {
		if required {
			fe.add(field, "required", "Il campo «"+label+"» è obbligatorio.")
		}
		return v
	}
	if !utf8.ValidString(v) {
		fe.add(field, "invalid_encoding", "Il campo «"+label+"» contiene caratteri non validi.")
		return v
	}
	if n := utf8.RuneCountInString(v); n > max {
		fe.add(field, "too_long", "Il campo «"+label+"» supera la lunghezza massima di "+strconv.Itoa(max)+" caratteri.")
		return v
	}
	checkChars(fe, field, label, v, multiLine)
	return v
}

// checkChars is the one place that decides which characters a text field
// may hold (every text field goes through checkLine or checkText):
//   - control characters (C0, DEL, C1) and the line and paragraph
//     separators U+2028, U+2029 are refused ("control_characters"), but in
//     a multi-line field line feed and tab;
//   - invisible formatting characters are refused everywhere
//     ("invalid_characters"): the bidirectional embeddings, overrides and
//     isolates (U+202A–U+202E, U+2066–U+2069), which can make a text read
//     otherwise than it is, the zero-width characters (U+200B–U+200D,
//     U+2060) and the byte order mark U+FEFF.
func checkChars(fe *fieldErrors, field, label, v string, multiLine bool) {
	var control, invisible bool
	for _, r := range v {
		switch {
		case multiLine && (r == '\n' || r == '\t'):
		case unicode.IsControl(r), r == '\u2028', r == '\u2029':
			control = true
		case InvisibleChar(r):
			invisible = true
		}
	}
	switch {
	case control && multiLine:
		fe.add(field, "control_characters", "Il campo «"+label+"» non può contenere caratteri di controllo (sono ammessi a capo e tabulazione).")
	case control:
		fe.add(field, "control_characters", "Il campo «"+label+"» non può contenere a capo o caratteri di controllo.")
	case invisible:
		fe.add(field, "invalid_characters", "Il campo «"+label+"» non può contenere caratteri invisibili o di controllo della direzione del testo.")
	}
}

// InvisibleChar tells the invisible formatting characters no text field
// may hold: bidirectional controls, zero-width characters, the BOM.
func InvisibleChar(r rune) bool {
	switch {
	case r >= '\u202A' && r <= '\u202E', r >= '\u2066' && r <= '\u2069':
		return true
	case r >= '\u200B' && r <= '\u200D', r == '\u2060', r == '\uFEFF':
		return true
	}
	return false
}
