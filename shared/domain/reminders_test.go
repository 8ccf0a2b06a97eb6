package domain_test

import (
	"testing"
	"time"

	"suapcds/shared/domain"
	"suapcds/shared/workdays"
)

// TestReminders: 5 working days before the determinations deadline,
// Thursday 17 December 2026, is Thursday 10 December; with the patron
// saint on Monday 14 December, Wednesday 9.
func TestReminders(t *testing.T) {
	saint, err := workdays.New(workdays.LocalHoliday{Month: time.December, Day: 14, Name: "Santo patrono"})
	if err != nil {
		t.Fatal(err)
	}
	awaiting := []domain.Participation{record(enteComune, "")}
	for _, c := range []struct {
		name  string
		cal   *workdays.Calendar
		parts []domain.Participation
		day   workdays.Date
		want  []domain.Reminder
	}{
		{"the day before", nil, awaiting, date(2026, 12, 9), nil},
		{"the day", nil, awaiting, date(2026, 12, 10), []domain.Reminder{{Kind: domain.ReminderDetermination, BodyID: "comune",
			Due: date(2026, 12, 17), On: date(2026, 12, 10)}}},
		{"on the deadline", nil, awaiting, date(2026, 12, 17), []domain.Reminder{{Kind: domain.ReminderDetermination, BodyID: "comune",
			Due: date(2026, 12, 17), On: date(2026, 12, 10)}}},
		{"after the deadline: silent", nil, awaiting, date(2026, 12, 18), nil},
		{"the patron saint", saint, awaiting, date(2026, 12, 9), []domain.Reminder{{Kind: domain.ReminderDetermination, BodyID: "comune",
			Due: date(2026, 12, 17), On: date(2026, 12, 9)}}},
		{"a determination given", nil, []domain.Participation{record(enteComune, domain.DeterminationFavourable)}, date(2026, 12, 14), nil},
		{"terms suspended", nil, []domain.Participation{record(enteComune, ""), withIntegrations(record(enteVVF, ""), date(2026, 11, 10), workdays.Date{})},
			date(2026, 12, 14), nil},
		// Answered on 18 November: the deadline is Monday 28 December;
		// five working days before it, over Christmas, Friday 18.
		{"a moved deadline", nil, []domain.Participation{record(enteComune, ""), withIntegrations(record(enteVVF, ""), date(2026, 11, 10), date(2026, 11, 18))},
			date(2026, 12, 18), []domain.Reminder{
				{Kind: domain.ReminderDetermination, BodyID: "comune", Due: date(2026, 12, 28), On: date(2026, 12, 18)},
				{Kind: domain.ReminderDetermination, BodyID: "vvf", Due: date(2026, 12, 28), On: date(2026, 12, 18)}}},
		{"not yet on the moved deadline", nil, []domain.Participation{record(enteComune, ""), withIntegrations(record(enteVVF, ""), date(2026, 11, 10), date(2026, 11, 18))},
			date(2026, 12, 17), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := &domain.Panel{Calendar: c.cal, Conference: asyncConference(), Bodies: c.parts}
			got := p.Reminders(rome(c.day.Year, c.day.Month, c.day.Day, 8, 0))
			if len(got) != len(c.want) {
				t.Fatalf("reminders %+v, want %+v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("reminder %+v, want %+v", got[i], c.want[i])
				}
			}
		})
	}
	if r := (domain.Reminder{Due: date(2026, 12, 28)}); r.Seq() != 20261228 {
		t.Errorf("seq %d", r.Seq())
	}
	// A simultaneous conference's bodies are not reminded.
	p := syncPanel()
	if got := p.Reminders(rome(2026, time.December, 21, 8, 0)); len(got) != 0 {
		t.Errorf("simultaneous: %+v", got)
	}
}
