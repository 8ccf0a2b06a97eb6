package domain_test

import (
	"testing"
	"time"

	"suapcds/shared/domain"
	"suapcds/shared/workdays"
)

// asked is a body's record with a request for integrations made at 10:00
// on day from and answered at 16:00 on day to (zero: still awaited).
func asked(body string, from, to workdays.Date) domain.Participation {
	r := &domain.IntegrationsRequest{RequestedAt: rome(from.Year, from.Month, from.Day, 10, 0), Documents: "Planimetria"}
	if !to.IsZero() {
		r.SuppliedAt = rome(to.Year, to.Month, to.Day, 16, 0)
	}
	return domain.Participation{ConferenceID: "c1", BodyID: body, Name: body, Integrations: r}
}

func TestSuspensionOf(t *testing.T) {
	nov := func(d int) workdays.Date { return date(2026, time.November, d) }
	for _, c := range []struct {
		name  string
		parts []domain.Participation
		today workdays.Date
		want  domain.Suspension
	}{
		{"none", []domain.Participation{{BodyID: "a"}}, nov(20), domain.Suspension{}},
		{"answered", []domain.Participation{asked("a", nov(10), nov(18))}, nov(20), domain.Suspension{Days: 8}},
		{"answered on its own day", []domain.Participation{asked("a", nov(10), nov(10))}, nov(20), domain.Suspension{}},
		{"awaited", []domain.Participation{asked("a", nov(10), workdays.Date{})}, nov(15),
			domain.Suspension{Days: 5, Pending: true, Since: nov(10)}},
		{"awaited, asked today", []domain.Participation{asked("a", nov(10), workdays.Date{})}, nov(10),
			domain.Suspension{Pending: true, Since: nov(10)}},
		{"answered later than the day asked about", []domain.Participation{asked("a", nov(10), nov(18))}, nov(12),
			domain.Suspension{Days: 2, Pending: true, Since: nov(10)}},
		{"asked after the day asked about", []domain.Participation{asked("a", nov(10), nov(18))}, nov(9), domain.Suspension{}},
		{"overlapping periods count once", []domain.Participation{asked("b", nov(15), nov(20)), asked("a", nov(10), nov(18))}, nov(25),
			domain.Suspension{Days: 10}},
		{"adjacent periods", []domain.Participation{asked("a", nov(3), nov(6)), asked("b", nov(6), nov(9))}, nov(25),
			domain.Suspension{Days: 6}},
		{"disjoint periods add up", []domain.Participation{asked("a", nov(3), nov(6)), asked("b", nov(10), nov(12))}, nov(25),
			domain.Suspension{Days: 5}},
		{"one answered, one awaited since inside it", []domain.Participation{asked("a", nov(3), nov(8)), asked("b", nov(5), workdays.Date{})}, nov(12),
			domain.Suspension{Days: 9, Pending: true, Since: nov(3)}},
		{"one answered, one awaited after it", []domain.Participation{asked("a", nov(3), nov(5)), asked("b", nov(9), workdays.Date{})}, nov(12),
			domain.Suspension{Days: 5, Pending: true, Since: nov(9)}},
		// Calendar days, holidays included: 16 December to 7 January.
		{"across Christmas and the Epiphany", []domain.Participation{asked("a", date(2026, 12, 16), date(2027, 1, 7))}, date(2027, 1, 8),
			domain.Suspension{Days: 22}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := domain.SuspensionOf(c.parts, c.today); got != c.want {
				t.Fatalf("suspension %+v, want %+v", got, c.want)
			}
		})
	}
}

// TestSuspendedDeadlines: the suspended days move the natural end of the
// asynchronous terms, and the moved end is rolled past holidays; the
// convocation term and the simultaneous one never move.
func TestSuspendedDeadlines(t *testing.T) {
	for _, c := range []struct {
		name           string
		start          workdays.Date
		s              domain.Suspension
		docs, det      workdays.Date
		docsRo, detRol bool
	}{
		// 2 Nov 2026 + 45 = Thursday 17 Dec; 8 days later, Friday 25
		// December (Natale), 26 a Saturday: Monday 28 December.
		{"onto Christmas", date(2026, 11, 2), domain.Suspension{Days: 8}, date(2026, 11, 25), date(2026, 12, 28), false, true},
		// 1 Dec 2026 + 15 = Wednesday 16 Dec, + 45 = Friday 15 Jan 2027;
		// 22 days suspended over Christmas: Thursday 7 January and
		// Saturday 6 February, so Monday 8 February.
		{"across Christmas", date(2026, 12, 1), domain.Suspension{Days: 22}, date(2027, 1, 7), date(2027, 2, 8), false, true},
		// A natural end on a holiday no longer rolls when the suspension
		// moves it: 10 Nov 2026 + 45 = Christmas; + 3 = Monday 28. The
		// documents term: 25 November + 3 = Saturday 28, so Monday 30.
		{"off Christmas", date(2026, 11, 10), domain.Suspension{Days: 3}, date(2026, 11, 30), date(2026, 12, 28), true, false},
		{"pending", date(2026, 11, 2), domain.Suspension{Days: 1, Pending: true, Since: date(2026, 11, 16)}, date(2026, 11, 18), date(2026, 12, 18), false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			conf := &domain.Conference{Type: domain.CDSDecisoriaSemplificata, StartDate: c.start, ApplicationDate: c.start.AddDays(-1)}
			ds := domain.SuspendedDeadlines(nil, conf, workdays.Date{}, c.s)
			docs, det := deadline(t, ds, domain.DeadlineDocuments), deadline(t, ds, domain.DeadlineDeterminations)
			if docs.Due != c.docs || docs.Rolled != c.docsRo || det.Due != c.det || det.Rolled != c.detRol {
				t.Fatalf("documents %+v, determinations %+v", docs, det)
			}
			for _, d := range []domain.Deadline{docs, det} {
				if d.SuspendedDays != c.s.Days || d.Suspended != c.s.Pending || d.From != c.start {
					t.Fatalf("deadline %+v for suspension %+v", d, c.s)
				}
			}
			plain := domain.Deadlines(nil, conf, workdays.Date{})
			if conv := deadline(t, ds, domain.DeadlineConvocation); conv != deadline(t, plain, domain.DeadlineConvocation) {
				t.Fatalf("convocation moved: %+v", conv)
			}
		})
	}
	sync := &domain.Conference{Type: domain.CDSSimultaneaSincrona, StartDate: date(2026, 11, 2)}
	got := deadline(t, domain.SuspendedDeadlines(nil, sync, date(2026, 11, 10), domain.Suspension{Days: 5}), domain.DeadlineWorksEnd)
	if got.Due != date(2026, 12, 28) || got.SuspendedDays != 0 {
		t.Fatalf("works end %+v", got)
	}
}
