package domain

import (
	"time"

	"suapcds/shared/workdays"
)

// ReminderWorkdays is how many working days before its deadline a body
// without a determination is reminded (sollecito).
const ReminderWorkdays = 5

// ReminderKind names a reminder to a body.
type ReminderKind string

// ReminderDetermination reminds a body that it has given no determination
// and that its deadline is near: past it, its silence is assent.
const ReminderDetermination ReminderKind = "determination"

// Reminder is a reminder due to a body.
type Reminder struct {
	Kind   ReminderKind
	BodyID string
	// Due is the deadline reminded of; On is the day the reminder is due
	// from, ReminderWorkdays working days before Due on the office's
	// calendar. It stays due until Due, so a run that missed On still
	// sends it.
	Due workdays.Date
	On  workdays.Date
}

// Seq tells the reminders of one body and kind apart: Due as yyyymmdd. A
// sender that enqueues each (body, kind, Seq) once reminds once per
// deadline, and again when a suspension moves the deadline.
func (r Reminder) Seq() int64 {
	return int64(r.Due.Year)*10000 + int64(r.Due.Month)*100 + int64(r.Due.Day)
}

// BodyReminder tells which reminder is due on day today to the body whose
// row of the table is pos, on the office's calendar (nil: national
// holidays): the determination reminder from ReminderWorkdays working days
// before its determinations deadline to the deadline itself, both
// included, while the body has no determination and no pending request of
// its own, and the terms are not suspended (the deadline would still
// move). A simultaneous conference's bodies state their positions in
// session and are not reminded.
func BodyReminder(cal *workdays.Calendar, pos BodyPosition, today workdays.Date) (Reminder, bool) {
	d := pos.Deadline
	if pos.Kind != PositionAwaiting || !pos.CanDetermine || d.Kind != DeadlineDeterminations || d.Suspended || d.Due.IsZero() {
		return Reminder{}, false
	}
	if cal == nil {
		cal = workdays.National()
	}
	r := Reminder{Kind: ReminderDetermination, BodyID: pos.BodyID, Due: d.Due, On: cal.AddWorkdays(d.Due, -ReminderWorkdays)}
	if today.Before(r.On) || today.After(r.Due) {
		return Reminder{}, false
	}
	return r, true
}

// Reminders are the reminders due at now to the conference's bodies, in
// the table's order.
func (p *Panel) Reminders(now time.Time) []Reminder {
	today := workdays.DateOf(now)
	var out []Reminder
	for _, pos := range p.Positions(now) {
		if r, ok := BodyReminder(p.calendar(), pos, today); ok {
			out = append(out, r)
		}
	}
	return out
}
