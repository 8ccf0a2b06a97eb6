package workdays

import (
	"fmt"
	"time"

	"suapcds/shared/clock"
)

// Date is a civil calendar date (year, month, day) with no time of day and no
// location. Working-day arithmetic is done on Dates, never by adding 24-hour
// durations, so daylight saving time changes cannot shift a result by a day.
//
// A Date is expected to hold a real date (see Valid). Methods that compute
// (AddDays, Weekday, In, Time, Compare) normalize an out-of-range Date the way
// time.Date does, e.g. 31 April becomes 1 May. The zero Date is not a valid
// date.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate returns the Date for year, month and day, normalized as time.Date
// does (so NewDate(2027, time.February, 29) is 1 March 2027).
func NewDate(year int, month time.Month, day int) Date {
	return dateOfTime(time.Date(year, month, day, 12, 0, 0, 0, time.UTC))
}

// DateOf returns the Europe/Rome calendar date of the instant t, whatever
// t's location: 23:30 UTC on 15 June is 16 June in Rome.
func DateOf(t time.Time) Date {
	return dateOfTime(t.In(clock.Rome))
}

// ParseDate parses a date in the "2006-01-02" form.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, &DateError{Value: s}
	}
	return dateOfTime(t), nil
}

// DateError is a string that is not a "2006-01-02" calendar date; the HTTP
// layer turns it into an Italian field error.
type DateError struct{ Value string }

func (e *DateError) Error() string {
	return fmt.Sprintf("data non valida %q: il formato atteso è aaaa-mm-gg", e.Value)
}

func dateOfTime(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// noonUTC is the Date as a time.Time at 12:00 UTC: a neutral value for
// calendar computations that no offset or DST change can move to another day.
func (d Date) noonUTC() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC)
}

// Valid reports whether d is a real calendar date (month 1–12, day existing in
// that month and year).
func (d Date) Valid() bool {
	return d.Month >= time.January && d.Month <= time.December &&
		d.Day >= 1 && NewDate(d.Year, d.Month, d.Day) == d
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// In returns the first instant (midnight) of d in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// Time returns midnight of d in Europe/Rome.
func (d Date) Time() time.Time { return d.In(clock.Rome) }

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.noonUTC().Weekday() }

// AddDays returns d moved by n calendar days (n may be negative).
func (d Date) AddDays(n int) Date { return dateOfTime(d.noonUTC().AddDate(0, 0, n)) }

// Compare returns -1 if d is before o, 0 if they are the same date, +1 if d
// is after o.
func (d Date) Compare(o Date) int { return d.noonUTC().Compare(o.noonUTC()) }

// Before reports whether d is before o.
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }

// After reports whether d is after o.
func (d Date) After(o Date) bool { return d.Compare(o) > 0 }

// String formats d as "2006-01-02" (ISO 8601), the form used in APIs and
// storage.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Italian formats d as "02-01-2006" (dd-mm-yyyy), the form shown to users.
func (d Date) Italian() string {
	return fmt.Sprintf("%02d-%02d-%04d", d.Day, int(d.Month), d.Year)
}

// MarshalText encodes d as "2006-01-02", so a Date is a JSON string; the
// zero Date (no date) as "".
func (d Date) MarshalText() ([]byte, error) {
	if d.IsZero() {
		return []byte{}, nil
	}
	return []byte(d.String()), nil
}

// UnmarshalText decodes a "2006-01-02" date; "" is the zero Date, as absent
// (the domain reports a required one).
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// The window of dates the system accepts from people and programs: every
// date of a request body or query lies from MinDate to MaxDate, both
// included, so every date it computes (a deadline, a last day) still has
// four digits.
var (
	MinDate = Date{Year: 2000, Month: time.January, Day: 1}
	MaxDate = Date{Year: 2100, Month: time.December, Day: 31}
)

// InWindow tells whether d lies from MinDate to MaxDate.
func (d Date) InWindow() bool { return !d.Before(MinDate) && !d.After(MaxDate) }
