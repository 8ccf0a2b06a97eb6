package mail

import (
	"errors"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"suapcds/shared/clock"
)

// TZID is the time zone the invitations are written in.
const TZID = "Europe/Rome"

// Invitation is an iCalendar (RFC 5545) invitation to one meeting, sent
// with METHOD:REQUEST, or METHOD:CANCEL when Cancelled. Calendars match an
// update to the event they hold by UID and apply it when its Sequence is
// higher, so UID stays the same for a request and Sequence grows with each
// change.
type Invitation struct {
	// UID identifies the meeting for good, e.g. "<requestId>@suapcds".
	UID      string
	Sequence int
	// Stamp is when this version of the invitation was made (DTSTAMP).
	Stamp    time.Time
	Start    time.Time
	Duration time.Duration
	Summary  string
	// Description is plain text; it may span lines.
	Description string
	// Location and URL are the meeting link.
	Location  string
	URL       string
	Organizer Address
	Attendees []Address
	// Cancelled turns the invitation into a cancellation of the meeting.
	Cancelled bool
}

func (inv *Invitation) method() ics.Method {
	if inv.Cancelled {
		return ics.MethodCancel
	}
	return ics.MethodRequest
}

// icsLocal is the "floating" form of a DATE-TIME, qualified by TZID.
const icsLocal = "20060102T150405"

// ICS renders the invitation: a VCALENDAR with the Europe/Rome VTIMEZONE and
// one VEVENT whose DTSTART and DTEND carry TZID=Europe/Rome.
func (inv *Invitation) ICS() ([]byte, error) {
	if inv.UID == "" || inv.Start.IsZero() || inv.Duration <= 0 || inv.Organizer.Email == "" {
		return nil, errors.New("mail: an invitation needs a UID, a start, a duration and an organizer")
	}
	cal := ics.NewCalendar()
	cal.SetProductId("-//suapcds//Videoconferenze SUAP//IT")
	cal.SetMethod(inv.method())
	cal.AddVTimezone(romeTimezone())

	ev := cal.AddEvent(inv.UID)
	ev.SetDtStampTime(inv.Stamp)
	ev.SetSequence(inv.Sequence)
	tz := ics.WithTZID(TZID)
	ev.SetProperty(ics.ComponentPropertyDtStart, inv.Start.In(clock.Rome).Format(icsLocal), tz)
	ev.SetProperty(ics.ComponentPropertyDtEnd, inv.Start.Add(inv.Duration).In(clock.Rome).Format(icsLocal), tz)
	ev.SetSummary(inv.Summary)
	if inv.Description != "" {
		ev.SetDescription(inv.Description)
	}
	if inv.Location != "" {
		ev.SetLocation(inv.Location)
	}
	if inv.URL != "" {
		ev.SetURL(inv.URL)
	}
	org := []ics.PropertyParameter{}
	if inv.Organizer.Name != "" {
		org = append(org, ics.WithCN(paramText(inv.Organizer.Name)))
	}
	ev.SetOrganizer("mailto:"+inv.Organizer.Email, org...)
	for _, a := range inv.Attendees {
		params := []ics.PropertyParameter{
			ics.ParticipationRoleReqParticipant, ics.ParticipationStatusNeedsAction, ics.WithRSVP(false),
		}
		if a.Name != "" {
			params = append(params, ics.WithCN(paramText(a.Name)))
		}
		ev.AddAttendee("mailto:"+a.Email, params...)
	}
	if inv.Cancelled {
		ev.SetStatus(ics.ObjectStatusCancelled)
	} else {
		ev.SetStatus(ics.ObjectStatusConfirmed)
	}
	var b strings.Builder
	if err := cal.SerializeTo(&b, ics.WithNewLineWindows); err != nil { // RFC 5545: CRLF
		return nil, err
	}
	return []byte(b.String()), nil
}

// paramText makes a name safe as an unquoted parameter value (CN=…):
// RFC 5545 allows no '"', ';', ':' or ',' there, and golang-ical would
// backslash-escape them (and the apostrophe), which calendars show as is.
// The apostrophe becomes the typographic one, the others a space.
var paramText = strings.NewReplacer("'", "’", `"`, " ", ";", " ", ":", " ", ",", " ", `\`, " ", "\r", " ", "\n", " ").Replace

// romeTimezone is Europe/Rome as a VTIMEZONE: CET/CEST with the EU rule
// (summer time from the last Sunday of March, 02:00, to the last Sunday of
// October, 03:00), in force since 1996. ics_test.go checks it against the
// embedded tz database.
func romeTimezone() *ics.VTimezone {
	tz := ics.NewTimezone(TZID)
	rule := func(c *ics.ComponentBase, from, to, name, start, rrule string) {
		c.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetfrom), from)
		c.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetto), to)
		c.SetProperty(ics.ComponentProperty(ics.PropertyTzname), name)
		c.SetProperty(ics.ComponentPropertyDtStart, start)
		c.SetProperty(ics.ComponentPropertyRrule, rrule)
	}
	daylight := &ics.Daylight{}
	rule(&daylight.ComponentBase, "+0100", "+0200", "CEST", "19960331T020000", "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU")
	standard := &ics.Standard{}
	rule(&standard.ComponentBase, "+0200", "+0100", "CET", "19961027T030000", "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU")
	tz.Components = append(tz.Components, daylight, standard)
	return tz
}
