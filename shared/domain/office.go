package domain

import (
	"regexp"
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

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ValidID reports whether s can be an identifier: 1–64 characters, letters,
// digits, '.', '_' and '-', not starting with punctuation. Identifiers end up
// inside store keys, so this set is kept small on purpose.
func ValidID(s string) bool { return idPattern.MatchString(s) }

// checkText validates a trimmed required text of at most max characters
// (runes, not bytes: "è" counts once).
func checkText(fe *fieldErrors, field, label, value string, max int, required bool) string {
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
	}
	return v
}

// checkLine is checkText for a one-line field (a subject, a name): control
// characters, line breaks included, are refused, since such values end up in
// mail headers and table cells.
func checkLine(fe *fieldErrors, field, label, value string, max int, required bool) string {
	v := checkText(fe, field, label, value, max, required)
	if strings.IndexFunc(v, unicode.IsControl) >= 0 {
		fe.add(field, "control_characters", "Il campo «"+label+"» non può contenere a capo o caratteri di controllo.")
	}
	return v
}
