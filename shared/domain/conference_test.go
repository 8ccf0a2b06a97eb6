package domain_test

import (
	"errors"
	"testing"
	"time"

	"suapcds/shared/domain"
	"suapcds/shared/workdays"
)

func date(y int, m time.Month, d int) workdays.Date { return workdays.NewDate(y, m, d) }

func deadline(t *testing.T, ds []domain.Deadline, k domain.DeadlineKind) domain.Deadline {
	t.Helper()
	for _, d := range ds {
		if d.Kind == k {
			return d
		}
	}
	t.Fatalf("no %s deadline in %+v", k, ds)
	return domain.Deadline{}
}

// TestDeadlinesAsynchronous checks the art. 14-bis terms on real dates.
func TestDeadlinesAsynchronous(t *testing.T) {
	for _, tc := range []struct {
		name      string
		start     workdays.Date
		sensitive bool
		want      workdays.Date
		rolled    bool
	}{
		// 10 Nov 2026 + 45 = Friday 25 Dec 2026 (Natale); 26 Santo Stefano is
		// a Saturday, 27 a Sunday: Monday 28 December.
		{"45 days on Christmas", date(2026, 11, 10), false, date(2026, 12, 28), true},
		// 12 Feb 2027 + 45 = Easter Monday 29 March 2027: Tuesday 30 March.
		{"45 days on Easter Monday", date(2027, 2, 12), false, date(2027, 3, 30), true},
		// 29 Dec 2026 + 90 = Easter Monday 29 March 2027: Tuesday 30 March.
		{"90 days on Easter Monday", date(2026, 12, 29), true, date(2027, 3, 30), true},
		// 9 Sep 2026 + 90 = Tuesday 8 Dec 2026 (Immacolata): 9 December.
		{"90 days on the Immacolata", date(2026, 9, 9), true, date(2026, 12, 9), true},
		// 3 Oct 2026 + 90 = Friday 1 Jan 2027: Monday 4 January.
		{"90 days on New Year's Day", date(2026, 10, 3), true, date(2027, 1, 4), true},
		// 2 Nov 2026 + 45 = Thursday 17 Dec 2026, a working day.
		{"45 days on a working day", date(2026, 11, 2), false, date(2026, 12, 17), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &domain.Conference{Type: domain.CDSDecisoriaSemplificata, StartDate: tc.start, SensitiveInterests: tc.sensitive}
			got := deadline(t, domain.Deadlines(nil, c, workdays.Date{}), domain.DeadlineDeterminations)
			if got.Due != tc.want || got.Rolled != tc.rolled || got.From != tc.start {
				t.Fatalf("determinations = %+v, want due %s rolled %v", got, tc.want, tc.rolled)
			}
			if got.Label == "" {
				t.Fatal("no Italian label")
			}
		})
	}
}

// TestDeadlineDocuments: 15 days from Thursday 10 Dec 2026 is Friday 25
// December: Monday 28; from 2 Nov 2026, Tuesday 17 November as is.
func TestDeadlineDocuments(t *testing.T) {
	c := &domain.Conference{Type: domain.CDSIstruttoria, StartDate: date(2026, 12, 10)}
	if got := deadline(t, domain.Deadlines(nil, c, workdays.Date{}), domain.DeadlineDocuments); got.Due != date(2026, 12, 28) || !got.Rolled {
		t.Fatalf("documents = %+v", got)
	}
	c.StartDate = date(2026, 11, 2)
	if got := deadline(t, domain.Deadlines(nil, c, workdays.Date{}), domain.DeadlineDocuments); got.Due != date(2026, 11, 17) || got.Rolled {
		t.Fatalf("documents = %+v", got)
	}
}

// TestDeadlineConvocation: 5 working days from the application.
func TestDeadlineConvocation(t *testing.T) {
	for _, tc := range []struct {
		name       string
		app, want  workdays.Date
		localSaint bool
	}{
		// Thursday 12 Nov 2026: Fri 13, Mon 16, Tue 17, Wed 18, Thu 19.
		{"across a weekend", date(2026, 11, 12), date(2026, 11, 19), false},
		// Wednesday 30 Dec 2026: Thu 31, (Fri 1 Jan), Mon 4, Tue 5, (Wed 6
		// Epifania), Thu 7, Fri 8.
		{"across New Year and Epiphany", date(2026, 12, 30), date(2027, 1, 8), false},
		// Friday 25 Sep 2026 with the patron saint on Tuesday 29: Mon 28,
		// Wed 30, Thu 1 Oct, Fri 2, Mon 5 (Sunday 4 October aside).
		{"across the patron saint", date(2026, 9, 25), date(2026, 10, 5), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cal := workdays.National()
			if tc.localSaint {
				var err error
				if cal, err = workdays.New(workdays.LocalHoliday{Month: time.September, Day: 29, Name: "San Michele Arcangelo"}); err != nil {
					t.Fatal(err)
				}
			}
			c := &domain.Conference{Type: domain.CDSDecisoriaSemplificata, ApplicationDate: tc.app, StartDate: tc.app}
			if got := deadline(t, domain.Deadlines(cal, c, workdays.Date{}), domain.DeadlineConvocation); got.Due != tc.want {
				t.Fatalf("convocation = %+v, want %s", got, tc.want)
			}
		})
	}
}

// TestDeadlinesSimultaneous: 45 (90) days from the first meeting; none
// before a meeting is convened; no asynchronous terms.
func TestDeadlinesSimultaneous(t *testing.T) {
	c := &domain.Conference{Type: domain.CDSSimultaneaSincrona, StartDate: date(2026, 11, 2), ApplicationDate: date(2026, 10, 28)}
	if ds := domain.Deadlines(nil, c, workdays.Date{}); len(ds) != 0 {
		t.Fatalf("deadlines before any meeting: %+v", ds)
	}
	ds := domain.Deadlines(nil, c, date(2026, 11, 10))
	if len(ds) != 1 || ds[0].Kind != domain.DeadlineWorksEnd || ds[0].Due != date(2026, 12, 28) || !ds[0].Rolled {
		t.Fatalf("deadlines = %+v", ds)
	}
	c.SensitiveInterests = true
	if got := deadline(t, domain.Deadlines(nil, c, date(2026, 12, 29)), domain.DeadlineWorksEnd); got.Due != date(2027, 3, 30) {
		t.Fatalf("works end = %+v", got)
	}
}

func TestBodyValidate(t *testing.T) {
	b := domain.Body{ID: "vvf-rc", Name: " Vigili del Fuoco Reggio Calabria ", PEC: "com.rc@cert.vigilfuoco.it"}
	if err := b.Validate(); err != nil || b.Name != "Vigili del Fuoco Reggio Calabria" || b.Address() != b.PEC {
		t.Fatalf("valid body: %v %+v", err, b)
	}
	for _, bad := range []domain.Body{
		{ID: "x", Name: "Ente"},
		{ID: "x", Name: "Ente", Email: "Nome <a@b.it>"},
		{ID: "x y", Name: "Ente", Email: "a@b.it"},
		{ID: "x", Name: "", Email: "a@b.it"},
		{ID: "x", Name: "En\nte", PEC: "a@b.it"},
	} {
		if err := bad.Validate(); !errors.Is(err, &domain.Error{Code: "invalid_input"}) {
			t.Errorf("%+v: err = %v", bad, err)
		}
	}
}

func TestNewSession(t *testing.T) {
	now := rome(2026, 11, 2, 9, 0)
	c := &domain.Conference{ID: "c1", PraticaID: "p1", Type: domain.CDSSimultaneaSincrona, SessionCount: 1}
	vvf := &domain.Body{ID: "vvf", Name: "Vigili del Fuoco", PEC: "vvf@pec.it"}
	asp := &domain.Body{ID: "asp", Name: "ASP Reggio Calabria", Email: "asp@asp.it"}
	booking := domain.Request{ID: "r1", State: domain.StateDone, Start: rome(2026, 11, 10, 10, 0), DurationMinutes: 120,
		Meeting: &domain.Meeting{Code: "123", Password: "pw", Link: "https://meet.example/abc"}}
	if got := domain.CoveringBooking([]domain.Request{booking}, rome(2026, 11, 10, 11, 59)); got == nil {
		t.Fatal("booking not found inside its slot")
	}
	if got := domain.CoveringBooking([]domain.Request{booking}, rome(2026, 11, 10, 12, 0)); got != nil {
		t.Fatal("booking found at its end")
	}
	in := domain.ConveneInput{Start: rome(2026, 11, 10, 10, 0), ConvocationFileKey: "k", BodyIDs: []string{"vvf", "asp"}}
	s, err := domain.NewSession(c, in, []*domain.Body{vvf, asp}, &booking, suapAfrico, now)
	if err != nil {
		t.Fatal(err)
	}
	if s.Place != domain.PlaceVideoconference || s.Seq != 2 || s.State != domain.SessionConvened || len(s.Bodies) != 2 ||
		s.Meeting.Link != "https://meet.example/abc" || s.BookingRequestID != "r1" {
		t.Fatalf("session = %+v", s)
	}
	in.Place = "Sala consiliare"
	if s, _ := domain.NewSession(c, in, []*domain.Body{vvf, asp}, nil, suapAfrico, now); s.Place != "Sala consiliare" || s.Meeting != nil {
		t.Fatalf("session = %+v", s)
	}
	in.Place = ""
	_, err = domain.NewSession(c, in, []*domain.Body{vvf, nil}, nil, suapAfrico, now)
	de, _ := domain.AsError(err)
	if de == nil || len(de.Fields) != 2 { // place missing, unknown body
		t.Fatalf("err = %v", err)
	}
	in.BodyIDs = []string{"vvf", "vvf"}
	in.Start = now
	_, err = domain.NewSession(c, in, []*domain.Body{vvf, vvf}, &booking, suapAfrico, now)
	if de, _ := domain.AsError(err); de == nil || len(de.Fields) != 2 { // past, duplicate
		t.Fatalf("err = %v", err)
	}
}

func TestSessionSetState(t *testing.T) {
	s := &domain.Session{State: domain.SessionConvened, Start: rome(2026, 11, 10, 10, 0)}
	if err := s.SetState(domain.SessionHeld, "", rome(2026, 11, 10, 9, 0)); err == nil {
		t.Fatal("held before its start")
	}
	if err := s.SetState(domain.SessionConvened, "", rome(2026, 11, 10, 11, 0)); err == nil {
		t.Fatal("back to CONVOCATA")
	}
	if err := s.SetState(domain.SessionHeld, "", rome(2026, 11, 10, 11, 0)); err != nil || s.State != domain.SessionHeld {
		t.Fatal(err)
	}
	if err := s.SetState(domain.SessionCancelled, "", rome(2026, 11, 10, 11, 0)); !errors.Is(err, domain.ErrSessionClosed) {
		t.Fatalf("err = %v", err)
	}
}
