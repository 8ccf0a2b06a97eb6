package mail_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"suapcds/shared/clock"
	"suapcds/shared/mail"
)

func invitation() *mail.Invitation {
	return &mail.Invitation{
		UID:      "req-1@suapcds",
		Sequence: 3,
		Stamp:    time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC),
		// 10:00 in Rome in winter (+01:00) …
		Start:       time.Date(2027, 3, 11, 9, 0, 0, 0, time.UTC),
		Duration:    90 * time.Minute,
		Summary:     "Conferenza di servizi – pratica 2026/001 – Ampliamento, capannone; lotto 3",
		Description: "Link della riunione: https://meet.example.it/r/42?x=1\nCodice riunione: 42\nPassword: s3gr,eta;",
		Location:    "https://meet.example.it/r/42?x=1",
		URL:         "https://meet.example.it/r/42?x=1",
		Organizer:   mail.Address{Name: "Servizio regionale videoconferenze SUAP", Email: "noreply@suapcds.example.it"},
		Attendees:   []mail.Address{{Name: "Suap Comune d'Africo, Locride", Email: "suap@comune.africo.rc.it"}},
	}
}

func parseICS(t *testing.T, b []byte) (*ics.Calendar, *ics.VEvent) {
	t.Helper()
	cal, err := ics.ParseCalendar(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, b)
	}
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events, want 1", len(evs))
	}
	return cal, evs[0]
}

func prop(c *ics.ComponentBase, p ics.ComponentProperty) string {
	if v := c.GetProperty(p); v != nil {
		return v.Value
	}
	return ""
}

func TestInvitationParses(t *testing.T) {
	for _, tc := range []struct {
		name      string
		start     time.Time
		wantLocal string
	}{
		{"winter", time.Date(2027, 3, 11, 9, 0, 0, 0, time.UTC), "20270311T100000"},
		{"summer", time.Date(2027, 6, 15, 7, 30, 0, 0, time.UTC), "20270615T093000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv := invitation()
			inv.Start = tc.start
			b, err := inv.ICS()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(b, []byte("\r\n")) || bytes.Contains(bytes.ReplaceAll(b, []byte("\r\n"), nil), []byte("\n")) {
				t.Error("lines must end in CRLF (RFC 5545)")
			}
			cal, ev := parseICS(t, b)
			if m := cal.CalendarProperties; !strings.Contains(string(b), "METHOD:REQUEST") || len(m) == 0 {
				t.Error("no METHOD:REQUEST")
			}
			if ev.Id() != inv.UID {
				t.Errorf("UID %q", ev.Id())
			}
			if got := prop(&ev.ComponentBase, ics.ComponentPropertySequence); got != "3" {
				t.Errorf("SEQUENCE %q", got)
			}
			dt := ev.GetProperty(ics.ComponentPropertyDtStart)
			if dt.Value != tc.wantLocal || fmt.Sprint(dt.ICalParameters["TZID"]) != "[Europe/Rome]" {
				t.Errorf("DTSTART %v %q, want TZID=Europe/Rome:%s", dt.ICalParameters, dt.Value, tc.wantLocal)
			}
			start, err := ev.GetStartAt()
			if err != nil || !start.Equal(tc.start) || start.Location().String() != "Europe/Rome" {
				t.Errorf("start %v (%v), want %v in Europe/Rome", start, err, tc.start.In(clock.Rome))
			}
			end, err := ev.GetEndAt()
			if err != nil || !end.Equal(tc.start.Add(90*time.Minute)) {
				t.Errorf("end %v (%v)", end, err)
			}
			if got := prop(&ev.ComponentBase, ics.ComponentPropertyLocation); got != inv.Location {
				t.Errorf("LOCATION %q", got)
			}
			if got := prop(&ev.ComponentBase, ics.ComponentPropertyUrl); got != inv.URL {
				t.Errorf("URL %q", got)
			}
			desc := prop(&ev.ComponentBase, ics.ComponentPropertyDescription)
			if desc != inv.Description {
				t.Errorf("DESCRIPTION round trip:\n got %q\nwant %q", desc, inv.Description)
			}
			if got := prop(&ev.ComponentBase, ics.ComponentPropertySummary); got != inv.Summary {
				t.Errorf("SUMMARY %q", got)
			}
			if got := prop(&ev.ComponentBase, ics.ComponentPropertyStatus); got != "CONFIRMED" {
				t.Errorf("STATUS %q", got)
			}
			org := ev.GetProperty(ics.ComponentPropertyOrganizer)
			if org == nil || org.Value != "mailto:noreply@suapcds.example.it" {
				t.Errorf("ORGANIZER %v", org)
			}
			att := ev.Attendees()
			if len(att) != 1 || att[0].Email() != "suap@comune.africo.rc.it" {
				t.Fatalf("ATTENDEE %v", att)
			}
			// A CN is plain text: no backslash escapes, no separators.
			if cn := att[0].ICalParameters["CN"]; len(cn) != 1 || strings.ContainsAny(cn[0], `\,;:"`) || !strings.Contains(cn[0], "Africo") {
				t.Errorf("attendee CN %q", cn)
			}
			if tzs := cal.Timezones(); len(tzs) != 1 || prop(&tzs[0].ComponentBase, ics.ComponentPropertyTzid) != "Europe/Rome" {
				t.Errorf("no Europe/Rome VTIMEZONE")
			}
		})
	}
}

func TestCancellation(t *testing.T) {
	inv := invitation()
	inv.Cancelled, inv.Sequence = true, 4
	b, err := inv.ICS()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("METHOD:CANCEL\r\n")) {
		t.Error("no METHOD:CANCEL")
	}
	_, ev := parseICS(t, b)
	if prop(&ev.ComponentBase, ics.ComponentPropertyStatus) != "CANCELLED" || ev.Id() != inv.UID ||
		prop(&ev.ComponentBase, ics.ComponentPropertySequence) != "4" {
		t.Errorf("cancellation: %s", b)
	}
}

// TestRomeTimezoneMatchesTZDatabase: the VTIMEZONE's rule (last Sunday of
// March 02:00 → +02:00, last Sunday of October 03:00 → +01:00) gives the
// offset the embedded tz database gives, every hour around each change from
// 2026 to 2035, so a calendar that trusts the VTIMEZONE shows the right hour.
func TestRomeTimezoneMatchesTZDatabase(t *testing.T) {
	lastSunday := func(y int, m time.Month) int {
		d := time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC) // last day of m
		return d.Day() - int(d.Weekday())
	}
	ruleOffset := func(utc time.Time) int {
		y := utc.Year()
		// Changes happen at 01:00 UTC on both days.
		summer := time.Date(y, time.March, lastSunday(y, time.March), 1, 0, 0, 0, time.UTC)
		winter := time.Date(y, time.October, lastSunday(y, time.October), 1, 0, 0, 0, time.UTC)
		if !utc.Before(summer) && utc.Before(winter) {
			return 2 * 3600
		}
		return 3600
	}
	for y := 2026; y <= 2035; y++ {
		for _, m := range []time.Month{time.March, time.October} {
			day := time.Date(y, m, lastSunday(y, m), 0, 0, 0, 0, time.UTC)
			for h := -48; h <= 48; h++ {
				u := day.Add(time.Duration(h) * time.Hour)
				_, tzdb := u.In(clock.Rome).Zone()
				if got := ruleOffset(u); got != tzdb {
					t.Fatalf("%s: rule offset %d, tz database %d", u, got, tzdb)
				}
			}
		}
	}
	b, _ := invitation().ICS()
	for _, want := range []string{"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
		"TZOFFSETTO:+0200", "TZOFFSETTO:+0100", "DTSTART:19960331T020000", "DTSTART:19961027T030000"} {
		if !bytes.Contains(b, []byte(want+"\r\n")) {
			t.Errorf("VTIMEZONE lacks %s", want)
		}
	}
}
