package workdays

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"suapcds/shared/clock"
)

func d(y int, m time.Month, day int) Date { return Date{Year: y, Month: m, Day: day} }

func rome(y int, m time.Month, day, h, min int) time.Time {
	return time.Date(y, m, day, h, min, 0, 0, clock.Rome)
}

func utc(y int, m time.Month, day, h, min int) time.Time {
	return time.Date(y, m, day, h, min, 0, 0, time.UTC)
}

// patron is the calendar of an office whose patron saint is on 29 September.
func patron(t *testing.T) *Calendar {
	t.Helper()
	c, err := New(LocalHoliday{Month: time.September, Day: 29, Name: "San Michele Arcangelo"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestWeekdays guards the weekdays the other tables are built on.
func TestWeekdays(t *testing.T) {
	for _, tc := range []struct {
		day  Date
		want time.Weekday
	}{
		{d(2026, 3, 11), time.Wednesday},
		{d(2026, 3, 17), time.Tuesday},
		{d(2026, 3, 14), time.Saturday},
		{d(2024, 10, 4), time.Friday},
		{d(2027, 10, 4), time.Monday},
		{d(2026, 10, 4), time.Sunday},
		{d(2027, 3, 29), time.Monday},
		{d(2025, 4, 25), time.Friday},
		{d(2025, 5, 1), time.Thursday},
		{d(2028, 4, 25), time.Tuesday},
		{d(2028, 5, 1), time.Monday},
		{d(2027, 1, 1), time.Friday},
		{d(2027, 1, 2), time.Saturday},
		{d(2026, 12, 25), time.Friday},
		{d(2026, 9, 29), time.Tuesday},
		{d(2026, 3, 29), time.Sunday},
		{d(2026, 10, 25), time.Sunday},
		{d(2027, 3, 28), time.Sunday},
		{d(2027, 10, 31), time.Sunday},
		{d(2028, 2, 29), time.Tuesday},
	} {
		if got := tc.day.Weekday(); got != tc.want {
			t.Errorf("%s: weekday %s, want %s", tc.day, got, tc.want)
		}
	}
}

func TestLastRequestDay(t *testing.T) {
	nat := National()
	loc := patron(t)
	for _, tc := range []struct {
		name    string
		cal     *Calendar
		meeting Date
		n       int
		want    Date
	}{
		{"rules: Wednesday → Monday", nat, d(2026, 3, 11), 2, d(2026, 3, 9)},
		{"rules: Tuesday → previous Friday", nat, d(2026, 3, 17), 2, d(2026, 3, 13)},
		{"meeting on Saturday", nat, d(2026, 3, 14), 2, d(2026, 3, 12)},
		{"meeting on Sunday", nat, d(2026, 3, 15), 2, d(2026, 3, 12)},
		{"n = 1", nat, d(2026, 3, 17), 1, d(2026, 3, 16)},
		{"n = 3 over weekend", nat, d(2026, 3, 17), 3, d(2026, 3, 12)},
		{"n = 0: meeting day", nat, d(2026, 3, 14), 0, d(2026, 3, 14)},
		{"n < 0 treated as 0", nat, d(2026, 3, 14), -3, d(2026, 3, 14)},

		// Easter Monday 29 March 2027 (also the DST weekend, 28 March).
		{"Easter Monday 2027 skipped", nat, d(2027, 3, 31), 2, d(2027, 3, 26)},
		{"meeting on Easter Monday 2027", nat, d(2027, 3, 29), 2, d(2027, 3, 25)},
		{"Easter Monday 2026 skipped", nat, d(2026, 4, 7), 2, d(2026, 4, 2)},

		// 4 October: holiday from 2026 only.
		{"4 Oct 2027 (Monday) skipped", nat, d(2027, 10, 6), 2, d(2027, 10, 1)},
		{"4 Oct 2024 (Friday) still a working day", nat, d(2024, 10, 8), 2, d(2024, 10, 4)},

		// 25 April and 1 May on weekdays.
		{"25 Apr 2025 (Friday) skipped", nat, d(2025, 4, 28), 2, d(2025, 4, 23)},
		{"1 May 2025 (Thursday) skipped", nat, d(2025, 5, 2), 2, d(2025, 4, 29)},
		{"25 Apr 2028 (Tuesday) skipped", nat, d(2028, 4, 26), 2, d(2028, 4, 21)},
		{"1 May 2028 (Monday) skipped", nat, d(2028, 5, 3), 2, d(2028, 4, 28)},
		{"2 Jun 2026 (Tuesday) skipped", nat, d(2026, 6, 3), 2, d(2026, 5, 29)},

		// Year boundary: 1 Jan 2027 Friday, 2 Jan Saturday, 6 Jan Wednesday.
		{"meeting Sat 2 Jan 2027", nat, d(2027, 1, 2), 2, d(2026, 12, 30)},
		{"meeting Mon 4 Jan 2027", nat, d(2027, 1, 4), 2, d(2026, 12, 30)},
		{"meeting Fri 1 Jan 2027", nat, d(2027, 1, 1), 2, d(2026, 12, 30)},
		{"Epiphany 2027 (Wednesday) skipped", nat, d(2027, 1, 7), 2, d(2027, 1, 4)},
		{"Christmas 2026 (Fri) + 26 Dec (Sat)", nat, d(2026, 12, 29), 2, d(2026, 12, 24)},

		// Local patron saint 29 September (Tuesday in 2026).
		{"29 Sep 2026 national calendar", nat, d(2026, 10, 1), 2, d(2026, 9, 29)},
		{"29 Sep 2026 patron saint", loc, d(2026, 10, 1), 2, d(2026, 9, 28)},
		{"patron office still has national holidays", loc, d(2027, 10, 6), 2, d(2027, 10, 1)},

		// DST weekends: 29 Mar 2026, 25 Oct 2026, 28 Mar 2027, 31 Oct 2027.
		{"DST spring 2026: Tuesday", nat, d(2026, 3, 31), 2, d(2026, 3, 27)},
		{"DST spring 2026: Monday", nat, d(2026, 3, 30), 2, d(2026, 3, 26)},
		{"DST autumn 2026: Tuesday", nat, d(2026, 10, 27), 2, d(2026, 10, 23)},
		{"DST autumn 2026: Monday", nat, d(2026, 10, 26), 2, d(2026, 10, 22)},
		{"DST spring 2027: Tuesday (Easter Monday)", nat, d(2027, 3, 30), 2, d(2027, 3, 25)},
		{"DST autumn 2027 + 1 Nov (Monday)", nat, d(2027, 11, 2), 2, d(2027, 10, 28)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.cal.LastRequestDay(tc.meeting, tc.n); got != tc.want {
				t.Errorf("LastRequestDay(%s, %d) = %s (%s), want %s (%s)",
					tc.meeting, tc.n, got, got.Weekday(), tc.want, tc.want.Weekday())
			}
		})
	}
}

func TestCanRequest(t *testing.T) {
	nat := National()
	for _, tc := range []struct {
		name      string
		cal       *Calendar
		requested time.Time
		meeting   time.Time
		n         int
		wantOK    bool
		wantLast  Date
	}{
		// docs/rules.md examples.
		{"rules: Monday for Wednesday", nat, rome(2026, 3, 9, 17, 0), rome(2026, 3, 11, 10, 0), 2, true, d(2026, 3, 9)},
		{"rules: Tuesday for Wednesday", nat, rome(2026, 3, 10, 8, 0), rome(2026, 3, 11, 10, 0), 2, false, d(2026, 3, 9)},
		{"rules: Friday for Tuesday", nat, rome(2026, 3, 13, 12, 0), rome(2026, 3, 17, 10, 0), 2, true, d(2026, 3, 13)},
		{"rules: Saturday for Tuesday refused", nat, rome(2026, 3, 14, 9, 0), rome(2026, 3, 17, 10, 0), 2, false, d(2026, 3, 13)},
		{"well in advance", nat, rome(2026, 1, 2, 9, 0), rome(2026, 3, 17, 10, 0), 2, true, d(2026, 3, 13)},
		{"after the meeting", nat, rome(2026, 3, 18, 9, 0), rome(2026, 3, 17, 10, 0), 2, false, d(2026, 3, 13)},

		// Boundary minutes, summer (UTC+2).
		{"23:59 Rome on last day (summer)", nat, rome(2026, 6, 15, 23, 59), rome(2026, 6, 17, 10, 0), 2, true, d(2026, 6, 15)},
		{"00:01 Rome next day (summer)", nat, rome(2026, 6, 16, 0, 1), rome(2026, 6, 17, 10, 0), 2, false, d(2026, 6, 15)},
		{"21:59 UTC = 23:59 Rome accepted", nat, utc(2026, 6, 15, 21, 59), rome(2026, 6, 17, 10, 0), 2, true, d(2026, 6, 15)},
		{"22:01 UTC = 00:01 Rome next day refused", nat, utc(2026, 6, 15, 22, 1), rome(2026, 6, 17, 10, 0), 2, false, d(2026, 6, 15)},
		// Boundary minutes, winter (UTC+1).
		{"22:59 UTC = 23:59 Rome accepted (winter)", nat, utc(2027, 2, 15, 22, 59), rome(2027, 2, 17, 10, 0), 2, true, d(2027, 2, 15)},
		{"23:01 UTC = 00:01 Rome next day refused (winter)", nat, utc(2027, 2, 15, 23, 1), rome(2027, 2, 17, 10, 0), 2, false, d(2027, 2, 15)},
		// Meeting date is Rome's too: 23:30 UTC Wed 17 June = 01:30 Thu 18 June.
		{"meeting date taken in Rome", nat, rome(2026, 6, 16, 18, 0), utc(2026, 6, 17, 23, 30), 2, true, d(2026, 6, 16)},

		// Across DST changes.
		{"23:59 Fri before spring DST", nat, rome(2026, 3, 27, 23, 59), rome(2026, 3, 31, 9, 0), 2, true, d(2026, 3, 27)},
		{"00:01 Sat before spring DST", nat, rome(2026, 3, 28, 0, 1), rome(2026, 3, 31, 9, 0), 2, false, d(2026, 3, 27)},
		{"23:59 Fri before autumn DST", nat, rome(2026, 10, 23, 23, 59), rome(2026, 10, 27, 9, 0), 2, true, d(2026, 10, 23)},
		{"00:01 Sat before autumn DST", nat, rome(2026, 10, 24, 0, 1), rome(2026, 10, 27, 9, 0), 2, false, d(2026, 10, 23)},

		// Holidays.
		{"Easter Monday 2027: Friday ok", nat, rome(2027, 3, 26, 16, 0), rome(2027, 3, 31, 10, 0), 2, true, d(2027, 3, 26)},
		{"Easter Monday 2027: Monday refused", nat, rome(2027, 3, 29, 9, 0), rome(2027, 3, 31, 10, 0), 2, false, d(2027, 3, 26)},
		{"patron saint: Tuesday 29 Sep refused", patron(t), rome(2026, 9, 29, 9, 0), rome(2026, 10, 1, 10, 0), 2, false, d(2026, 9, 28)},
		{"national: Tuesday 29 Sep ok", nat, rome(2026, 9, 29, 9, 0), rome(2026, 10, 1, 10, 0), 2, true, d(2026, 9, 29)},
		{"DefaultLeadDays", nat, rome(2026, 3, 13, 12, 0), rome(2026, 3, 17, 10, 0), DefaultLeadDays, true, d(2026, 3, 13)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, last := tc.cal.CanRequest(tc.requested, tc.meeting, tc.n)
			if ok != tc.wantOK || last != tc.wantLast {
				t.Errorf("CanRequest(%s, %s, %d) = %v, %s; want %v, %s",
					tc.requested, tc.meeting, tc.n, ok, last, tc.wantOK, tc.wantLast)
			}
		})
	}
}

func TestIsWorkdayAndHolidayName(t *testing.T) {
	nat := National()
	loc := patron(t)
	for _, tc := range []struct {
		name    string
		cal     *Calendar
		day     Date
		workday bool
		holiday string // "" = not a holiday
	}{
		{"ordinary Wednesday", nat, d(2026, 3, 11), true, ""},
		{"Saturday", nat, d(2026, 3, 14), false, ""},
		{"Sunday", nat, d(2026, 3, 15), false, ""},
		{"Capodanno 2027", nat, d(2027, 1, 1), false, "Capodanno"},
		{"Epifania 2026", nat, d(2026, 1, 6), false, "Epifania"},
		{"Pasquetta 2027", nat, d(2027, 3, 29), false, "Pasquetta"},
		{"Easter Monday 2026 is 6 April", nat, d(2026, 4, 6), false, "Pasquetta"},
		{"29 March 2026 Sunday, not Pasquetta", nat, d(2026, 3, 30), true, ""},
		{"25 Apr 2025", nat, d(2025, 4, 25), false, "Festa della Liberazione"},
		{"1 May 2025", nat, d(2025, 5, 1), false, "Festa del Lavoro"},
		{"2 Jun 2026", nat, d(2026, 6, 2), false, "Festa della Repubblica"},
		{"15 Aug 2025 (Friday)", nat, d(2025, 8, 15), false, "Assunzione"},
		{"4 Oct 2027 (Monday)", nat, d(2027, 10, 4), false, "San Francesco d'Assisi"},
		{"4 Oct 2026 (Sunday) named", nat, d(2026, 10, 4), false, "San Francesco d'Assisi"},
		{"4 Oct 2024 (Friday) before StartYear", nat, d(2024, 10, 4), true, ""},
		{"4 Oct 2025 (Saturday) before StartYear", nat, d(2025, 10, 4), false, ""},
		{"1 Nov 2027", nat, d(2027, 11, 1), false, "Tutti i santi"},
		{"8 Dec 2027", nat, d(2027, 12, 8), false, "Immacolata Concezione"},
		{"25 Dec 2026", nat, d(2026, 12, 25), false, "Natale"},
		{"26 Dec 2025 (Friday)", nat, d(2025, 12, 26), false, "Santo Stefano"},
		{"31 Dec 2026", nat, d(2026, 12, 31), true, ""},
		{"29 Sep 2026 national", nat, d(2026, 9, 29), true, ""},
		{"29 Sep 2026 patron", loc, d(2026, 9, 29), false, "San Michele Arcangelo"},
		{"29 Sep 2027 patron (Wednesday)", loc, d(2027, 9, 29), false, "San Michele Arcangelo"},
		{"patron calendar keeps national", loc, d(2027, 3, 29), false, "Pasquetta"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.cal.IsWorkday(tc.day); got != tc.workday {
				t.Errorf("IsWorkday(%s) = %v, want %v", tc.day, got, tc.workday)
			}
			name, ok := tc.cal.HolidayName(tc.day)
			if ok != (tc.holiday != "") || name != tc.holiday {
				t.Errorf("HolidayName(%s) = %q, %v; want %q", tc.day, name, ok, tc.holiday)
			}
		})
	}
}

// TestNationalHolidaysOnce checks that each national holiday is defined
// exactly once (package it plus 4 October, nothing added twice) and that a
// year has exactly the expected holiday dates.
func TestNationalHolidaysOnce(t *testing.T) {
	for year := 2020; year <= 2035; year++ {
		want := 11
		if year >= 2026 {
			want = 12
		}
		seen := map[Date]string{}
		for _, h := range National().holidays {
			act, _ := h.Calc(year)
			if act.IsZero() {
				continue
			}
			day := d(act.Date())
			if prev, dup := seen[day]; dup {
				t.Errorf("%d: %s defined twice (%s, %s)", year, day, prev, h.Name)
			}
			seen[day] = h.Name
		}
		if len(seen) != want {
			t.Errorf("%d: %d national holidays, want %d: %v", year, len(seen), want, seen)
		}
		for _, md := range [][2]int{{1, 1}, {1, 6}, {4, 25}, {5, 1}, {6, 2}, {8, 15}, {11, 1}, {12, 8}, {12, 25}, {12, 26}} {
			if _, ok := seen[d(year, time.Month(md[0]), md[1])]; !ok {
				t.Errorf("%d: %02d-%02d missing", year, md[0], md[1])
			}
		}
		_, oct4 := seen[d(year, time.October, 4)]
		if oct4 != (year >= 2026) {
			t.Errorf("%d: 4 October holiday = %v", year, oct4)
		}
	}
}

// TestLocalLeapDay checks that 29 February is a holiday only in leap years
// and does not spill onto 1 March.
func TestLocalLeapDay(t *testing.T) {
	c, err := New(LocalHoliday{Month: time.February, Day: 29, Name: "Patrono bisestile"})
	if err != nil {
		t.Fatal(err)
	}
	if c.IsWorkday(d(2028, 2, 29)) {
		t.Error("29 Feb 2028 (Tuesday) should be a holiday")
	}
	if !c.IsWorkday(d(2027, 3, 1)) {
		t.Error("1 Mar 2027 (Monday) should be a working day")
	}
	if !c.IsWorkday(d(2028, 3, 1)) {
		t.Error("1 Mar 2028 (Wednesday) should be a working day")
	}
}

func TestAddWorkdays(t *testing.T) {
	nat := National()
	for _, tc := range []struct {
		from Date
		n    int
		want Date
	}{
		{d(2026, 3, 11), 0, d(2026, 3, 11)},
		{d(2026, 3, 14), 0, d(2026, 3, 14)}, // non-working day unchanged with n = 0
		{d(2026, 3, 11), 1, d(2026, 3, 12)},
		{d(2026, 3, 13), 1, d(2026, 3, 16)},
		{d(2026, 3, 14), 1, d(2026, 3, 16)},
		{d(2026, 3, 16), -1, d(2026, 3, 13)},
		{d(2026, 3, 27), 1, d(2026, 3, 30)},   // over spring DST
		{d(2026, 10, 23), 1, d(2026, 10, 26)}, // over autumn DST
		{d(2027, 3, 26), 1, d(2027, 3, 30)},   // DST + Easter Monday
		{d(2027, 10, 29), 1, d(2027, 11, 2)},  // DST + 1 November
		{d(2026, 12, 24), 1, d(2026, 12, 28)},
		{d(2026, 12, 31), 1, d(2027, 1, 4)},
		{d(2027, 1, 4), -2, d(2026, 12, 30)},
		{d(2026, 1, 1), 20, d(2026, 1, 30)}, // 6 Jan skipped
		{d(2026, 1, 30), -19, d(2026, 1, 2)},
		{d(2026, 1, 30), -20, d(2025, 12, 31)}, // 1 Jan skipped
	} {
		if got := nat.AddWorkdays(tc.from, tc.n); got != tc.want {
			t.Errorf("AddWorkdays(%s, %d) = %s, want %s", tc.from, tc.n, got, tc.want)
		}
	}
}

// TestDateDST checks that day arithmetic is exact over the DST changes and
// that Date ↔ Rome midnight round-trips on every day of 2025–2028.
func TestDateDST(t *testing.T) {
	for _, tc := range []struct {
		day   Date
		hours float64
	}{
		{d(2026, 3, 29), 23},
		{d(2026, 10, 25), 25},
		{d(2027, 3, 28), 23},
		{d(2027, 10, 31), 25},
		{d(2026, 6, 15), 24},
	} {
		got := tc.day.AddDays(1).Time().Sub(tc.day.Time()).Hours()
		if got != tc.hours {
			t.Errorf("%s lasts %vh in Rome, want %v", tc.day, got, tc.hours)
		}
	}
	for day := d(2025, 1, 1); day.Before(d(2029, 1, 1)); day = day.AddDays(1) {
		if !day.Valid() {
			t.Fatalf("%s not valid", day)
		}
		if got := DateOf(day.Time()); got != day {
			t.Fatalf("DateOf(%s.Time()) = %s", day, got)
		}
		if got := DateOf(day.Time().Add(-time.Minute)); got != day.AddDays(-1) {
			t.Fatalf("minute before %s midnight is %s", day, got)
		}
	}
}

func TestDate(t *testing.T) {
	day := d(2027, 1, 4)
	if s := day.String(); s != "2027-01-04" {
		t.Errorf("String = %q", s)
	}
	if s := day.Italian(); s != "04-01-2027" {
		t.Errorf("Italian = %q", s)
	}
	if got := day.In(time.UTC); !got.Equal(utc(2027, 1, 4, 0, 0)) {
		t.Errorf("In(UTC) = %s", got)
	}
	if got := day.Time(); !got.Equal(utc(2027, 1, 3, 23, 0)) {
		t.Errorf("Time = %s", got)
	}
	if got := DateOf(utc(2026, 6, 15, 22, 1)); got != d(2026, 6, 16) {
		t.Errorf("DateOf 22:01 UTC in June = %s", got)
	}
	if got := NewDate(2027, time.February, 29); got != d(2027, 3, 1) {
		t.Errorf("NewDate normalizes to %s", got)
	}
	if d(2027, 2, 29).Valid() || d(2026, 13, 1).Valid() || (Date{}).Valid() || !d(2028, 2, 29).Valid() {
		t.Error("Valid is wrong")
	}
	if !(Date{}).IsZero() || day.IsZero() {
		t.Error("IsZero is wrong")
	}
	if !d(2026, 12, 31).Before(day) || !day.After(d(2026, 12, 31)) || day.Compare(day) != 0 {
		t.Error("comparisons are wrong")
	}
	if p, err := ParseDate("2027-01-04"); err != nil || p != day {
		t.Errorf("ParseDate = %s, %v", p, err)
	}
	if _, err := ParseDate("04-01-2027"); err == nil {
		t.Error("ParseDate accepted dd-mm-yyyy")
	}
	b, err := json.Marshal(struct{ D Date }{day})
	if err != nil || string(b) != `{"D":"2027-01-04"}` {
		t.Errorf("json = %s, %v", b, err)
	}
	var back struct{ D Date }
	if err := json.Unmarshal(b, &back); err != nil || back.D != day {
		t.Errorf("json back = %s, %v", back.D, err)
	}
}

func TestLocalHolidayValidate(t *testing.T) {
	long := strings.Repeat("à", MaxLocalHolidayNameLen) // 100 runes, 200 bytes
	for _, tc := range []struct {
		name    string
		h       LocalHoliday
		wantErr string // substring; "" = valid
	}{
		{"ok", LocalHoliday{time.September, 29, "San Michele Arcangelo"}, ""},
		{"29 February allowed", LocalHoliday{time.February, 29, "San Romano"}, ""},
		{"31 December", LocalHoliday{time.December, 31, "San Silvestro"}, ""},
		{"100 runes of 2 bytes", LocalHoliday{time.June, 24, long}, ""},
		{"surrounding spaces not counted", LocalHoliday{time.June, 24, "  " + long + "  "}, ""},
		{"month 0", LocalHoliday{0, 1, "X"}, "il mese 0 non esiste"},
		{"month 13", LocalHoliday{13, 1, "X"}, "il mese 13 non esiste"},
		{"day 0", LocalHoliday{time.March, 0, "X"}, "il giorno 0 non esiste in marzo"},
		{"30 February", LocalHoliday{time.February, 30, "X"}, "il giorno 30 non esiste in febbraio"},
		{"31 April", LocalHoliday{time.April, 31, "X"}, "il giorno 31 non esiste in aprile"},
		{"32 January", LocalHoliday{time.January, 32, "X"}, "il giorno 32 non esiste in gennaio"},
		{"empty name", LocalHoliday{time.June, 24, ""}, "il nome è obbligatorio"},
		{"blank name", LocalHoliday{time.June, 24, " \t "}, "il nome è obbligatorio"},
		{"101 runes", LocalHoliday{time.June, 24, long + "a"}, "supera i 100 caratteri"},
		{"invalid UTF-8", LocalHoliday{time.June, 24, "San \xff"}, "UTF-8"},
		{"control character", LocalHoliday{time.June, 24, "San\nGiovanni"}, "caratteri di controllo"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.h.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.wantErr)
			}
			if !errors.Is(err, ErrInvalidLocalHoliday) {
				t.Errorf("error %v does not wrap ErrInvalidLocalHoliday", err)
			}
		})
	}
}

func TestNew(t *testing.T) {
	if c, err := New(); err != nil || c != National() {
		t.Errorf("New() = %p, %v; want the shared national calendar", c, err)
	}
	if l := National().LocalHolidays(); l != nil {
		t.Errorf("national LocalHolidays = %v", l)
	}

	c, err := New(LocalHoliday{time.September, 29, "  San Michele  "})
	if err != nil {
		t.Fatal(err)
	}
	if c == National() {
		t.Error("calendar with local holidays is the shared one")
	}
	l := c.LocalHolidays()
	if len(l) != 1 || l[0].Name != "San Michele" {
		t.Errorf("LocalHolidays = %v", l)
	}
	l[0].Day = 1 // the copy must not leak
	if c.IsWorkday(d(2026, 9, 29)) || !c.IsWorkday(d(2026, 9, 1)) {
		t.Error("LocalHolidays returned the internal slice")
	}
	if got := c.LocalHolidays()[0].String(); got != "29 settembre (San Michele)" {
		t.Errorf("String = %q", got)
	}

	// A local holiday on a national one is accepted; the national name wins.
	c, err = New(LocalHoliday{time.December, 8, "Patrono"})
	if err != nil {
		t.Fatal(err)
	}
	if name, _ := c.HolidayName(d(2027, 12, 8)); name != "Immacolata Concezione" {
		t.Errorf("HolidayName = %q", name)
	}

	for _, tc := range []struct {
		name    string
		local   []LocalHoliday
		wantErr string
	}{
		{"invalid", []LocalHoliday{{time.April, 31, "X"}}, "il giorno 31 non esiste in aprile"},
		{"duplicate", []LocalHoliday{{time.June, 24, "A"}, {time.June, 24, "B"}}, "24 giugno indicato due volte"},
		{"too many", make([]LocalHoliday, MaxLocalHolidays+1), "al massimo 20"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.local...)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, ErrInvalidLocalHoliday) {
				t.Errorf("New error = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// TestConcurrent exercises a Calendar from many goroutines (meaningful under
// -race).
func TestConcurrent(t *testing.T) {
	c := patron(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for day := d(2026, 1, 1+i); day.Before(d(2027, 1, 1)); day = day.AddDays(7) {
				c.CanRequest(day.Time(), day.AddDays(5).Time(), DefaultLeadDays)
				National().HolidayName(day)
			}
		}()
	}
	wg.Wait()
}
