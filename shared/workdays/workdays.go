// Package workdays implements Italian working days and the videoconference
// booking lead-time rule.
//
// A working day is a Monday–Friday that is neither an Italian national holiday
// (1 Jan, 6 Jan, Easter Monday, 25 Apr, 1 May, 2 Jun, 15 Aug, 4 Oct from 2026,
// 1 Nov, 8 Dec, 25 Dec, 26 Dec) nor one of the local holidays configured for
// the office (its comune's patron saint).
//
// Lead time (docs/rules.md §2): a videoconference must be requested at least n working
// days (DefaultLeadDays = 2) before the meeting. Let
//
//	lastDay = the meeting's date minus n working days
//
// counting backwards only working days (the meeting day itself need not be a
// working day). The request is accepted iff the request's date is on or before
// lastDay. Both dates are Europe/Rome calendar dates (clock.Rome), whatever the
// location of the instants given: 00:01 in Rome is already the next day even
// though it is still the previous day in UTC. Examples: meeting on Wednesday →
// last day Monday; meeting on Tuesday → last day the previous Friday; asked on
// Saturday for Tuesday → refused.
//
// All arithmetic is done on civil dates (Date), never by adding 24-hour
// durations, so daylight saving time changes have no effect.
package workdays

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/it"
)

// DefaultLeadDays is the default number of working days by which a
// videoconference must be requested before the meeting.
const DefaultLeadDays = 2

// MaxLocalHolidays is the largest number of local holidays an office may
// configure.
const MaxLocalHolidays = 20

// MaxLocalHolidayNameLen is the longest name of a local holiday, in
// characters (runes).
const MaxLocalHolidayNameLen = 100

// sanFrancesco is 4 October, feast of Saint Francis of Assisi, patron saint of
// Italy: a national holiday again from 2026. It is missing from
// github.com/rickar/cal/v2/it v2.1.13, which has all the other ones.
var sanFrancesco = &cal.Holiday{
	Name:      "San Francesco d'Assisi",
	Type:      cal.ObservancePublic,
	StartYear: 2026,
	Month:     time.October,
	Day:       4,
	Func:      cal.CalcDayOfMonth,
}

// nationalHolidays returns fresh copies of the national holidays: those of
// package it (which already has all but 4 October) plus sanFrancesco.
// Copies keep this package immune to changes of the shared definitions.
func nationalHolidays() []*cal.Holiday {
	hs := make([]*cal.Holiday, 0, len(it.Holidays)+1)
	for _, h := range it.Holidays {
		hs = append(hs, h.Clone(nil))
	}
	return append(hs, sanFrancesco.Clone(nil))
}

// national is the shared calendar of offices without local holidays.
var national = &Calendar{holidays: nationalHolidays()}

// ErrInvalidLocalHoliday is wrapped by every local-holiday validation error.
var ErrInvalidLocalHoliday = errors.New("festività locale non valida")

// LocalHoliday is an office's local holiday (its comune's patron saint) that
// falls on the same day every year. A holiday on 29 February applies only in
// leap years.
type LocalHoliday struct {
	Month time.Month `json:"month"`
	Day   int        `json:"day"`
	Name  string     `json:"name"`
}

// daysIn is the longest length of each month (February counts 29 days).
var daysIn = [...]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

var monthNames = [...]string{"", "gennaio", "febbraio", "marzo", "aprile",
	"maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre",
	"dicembre"}

// Validate checks that h's month is 1–12, that its day exists in that month
// (29 February allowed) and that its name, without surrounding spaces, is
// non-empty, at most MaxLocalHolidayNameLen characters, valid UTF-8 and free
// of control characters. Errors wrap ErrInvalidLocalHoliday and read in
// Italian.
func (h LocalHoliday) Validate() error {
	if h.Month < time.January || h.Month > time.December {
		return fmt.Errorf("%w: il mese %d non esiste (ammessi da 1 a 12)", ErrInvalidLocalHoliday, int(h.Month))
	}
	if h.Day < 1 || h.Day > daysIn[h.Month] {
		return fmt.Errorf("%w: il giorno %d non esiste in %s (ammessi da 1 a %d)",
			ErrInvalidLocalHoliday, h.Day, monthNames[h.Month], daysIn[h.Month])
	}
	name := strings.TrimSpace(h.Name)
	switch {
	case name == "":
		return fmt.Errorf("%w: il nome è obbligatorio", ErrInvalidLocalHoliday)
	case !utf8.ValidString(name):
		return fmt.Errorf("%w: il nome non è un testo UTF-8 valido", ErrInvalidLocalHoliday)
	case utf8.RuneCountInString(name) > MaxLocalHolidayNameLen:
		return fmt.Errorf("%w: il nome supera i %d caratteri", ErrInvalidLocalHoliday, MaxLocalHolidayNameLen)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return fmt.Errorf("%w: il nome contiene caratteri di controllo", ErrInvalidLocalHoliday)
	}
	return nil
}

// String describes h in Italian, e.g. "29 settembre (San Michele Arcangelo)".
func (h LocalHoliday) String() string {
	m := "mese " + fmt.Sprint(int(h.Month))
	if h.Month >= time.January && h.Month <= time.December {
		m = monthNames[h.Month]
	}
	return fmt.Sprintf("%d %s (%s)", h.Day, m, h.Name)
}

// calcLocal is the cal.HolidayFn of a local holiday: the fixed day, or no
// occurrence in years where it does not exist (29 February of common years),
// where cal.CalcDayOfMonth would wrongly answer 1 March.
func calcLocal(h *cal.Holiday, year int) time.Time {
	t := time.Date(year, h.Month, h.Day, 0, 0, 0, 0, time.UTC)
	if t.Day() != h.Day {
		return time.Time{}
	}
	return t
}

// Calendar tells working days apart for one office: Monday–Friday minus the
// national holidays and the office's local holidays. A Calendar is immutable
// and safe for concurrent use; build it once per office configuration.
type Calendar struct {
	// holidays is read-only after construction. It is checked directly
	// with cal.Holiday.Calc (no cal.Calendar, whose optional cache is not
	// safe for concurrent use).
	holidays []*cal.Holiday
	local    []LocalHoliday
}

// National returns the shared calendar of the national holidays only.
func National() *Calendar { return national }

// New returns the calendar of an office with the given local holidays. With
// none it returns the shared National calendar. Each local holiday must pass
// Validate; at most MaxLocalHolidays may be given and no two on the same day.
// A local holiday on a national holiday's date is accepted (the day is a
// holiday either way; HolidayName reports the national name). Names are
// stored without surrounding spaces.
func New(local ...LocalHoliday) (*Calendar, error) {
	if len(local) == 0 {
		return national, nil
	}
	if len(local) > MaxLocalHolidays {
		return nil, fmt.Errorf("%w: al massimo %d festività locali, ricevute %d",
			ErrInvalidLocalHoliday, MaxLocalHolidays, len(local))
	}
	c := &Calendar{
		holidays: nationalHolidays(),
		local:    make([]LocalHoliday, 0, len(local)),
	}
	seen := make(map[[2]int]string, len(local))
	for _, h := range local {
		if err := h.Validate(); err != nil {
			return nil, err
		}
		h.Name = strings.TrimSpace(h.Name)
		key := [2]int{int(h.Month), h.Day}
		if other, dup := seen[key]; dup {
			return nil, fmt.Errorf("%w: %d %s indicato due volte (%s, %s)",
				ErrInvalidLocalHoliday, h.Day, monthNames[h.Month], other, h.Name)
		}
		seen[key] = h.Name
		c.local = append(c.local, h)
		c.holidays = append(c.holidays, &cal.Holiday{
			Name:  h.Name,
			Type:  cal.ObservanceOther,
			Month: h.Month,
			Day:   h.Day,
			Func:  calcLocal,
		})
	}
	return c, nil
}

// LocalHolidays returns a copy of the office's local holidays (nil for the
// national calendar).
func (c *Calendar) LocalHolidays() []LocalHoliday {
	if len(c.local) == 0 {
		return nil
	}
	return append([]LocalHoliday(nil), c.local...)
}

// HolidayName returns the Italian name of the national or local holiday
// falling on day, and whether there is one. Saturdays and Sundays that are not
// holidays report ("", false).
func (c *Calendar) HolidayName(day Date) (string, bool) {
	d := NewDate(day.Year, day.Month, day.Day)
	for _, h := range c.holidays {
		act, _ := h.Calc(d.Year) // no Observed rules: observed == actual
		if act.IsZero() {
			continue
		}
		if _, m, dd := act.Date(); m == d.Month && dd == d.Day {
			return h.Name, true
		}
	}
	return "", false
}

// IsWorkday reports whether day is a working day: Monday–Friday and not a
// holiday.
func (c *Calendar) IsWorkday(day Date) bool {
	switch day.Weekday() {
	case time.Saturday, time.Sunday:
		return false
	}
	_, hol := c.HolidayName(day)
	return !hol
}

// AddWorkdays returns the n-th working day after day (n > 0) or before day
// (n < 0); day itself is never counted, nor need it be a working day. With
// n == 0 it returns day unchanged.
func (c *Calendar) AddWorkdays(day Date, n int) Date {
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	d := NewDate(day.Year, day.Month, day.Day)
	for n > 0 {
		d = d.AddDays(step)
		if c.IsWorkday(d) {
			n--
		}
	}
	return d
}

// LastRequestDay returns the last day on which a meeting on meetingDay may be
// requested with a lead time of n working days: meetingDay minus n working
// days. n <= 0 means no lead time: the meeting day itself.
func (c *Calendar) LastRequestDay(meetingDay Date, n int) Date {
	return c.AddWorkdays(meetingDay, -max(n, 0))
}

// CanRequest applies the lead-time rule to a request made at requestedAt for
// a meeting starting at meetingStart with a lead time of n working days (use
// DefaultLeadDays unless configured otherwise). Both instants are converted to
// Europe/Rome and only their dates count: ok is true iff the request's date is
// on or before lastDay = LastRequestDay(meeting date, n). lastDay is returned
// either way, for the error message.
func (c *Calendar) CanRequest(requestedAt, meetingStart time.Time, n int) (ok bool, lastDay Date) {
	lastDay = c.LastRequestDay(DateOf(meetingStart), n)
	return !DateOf(requestedAt).After(lastDay), lastDay
}
