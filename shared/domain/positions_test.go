package domain_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"suapcds/shared/domain"
	"suapcds/shared/workdays"
)

// The bodies of the tests' conference "c1".
var (
	enteComune = domain.ConvokedBody{BodyID: "comune", Name: "Comune di Africo"}
	enteVVF    = domain.ConvokedBody{BodyID: "vvf", Name: "Vigili del Fuoco"}
	enteASP    = domain.ConvokedBody{BodyID: "asp", Name: "ASP Reggio Calabria"}
)

// asyncConference is indetta on Monday 2 November 2026: integrations until
// Tuesday 17 November, determinations until Thursday 17 December.
func asyncConference() *domain.Conference {
	return &domain.Conference{ID: "c1", PraticaID: "p1", Type: domain.CDSDecisoriaSemplificata, StartDate: date(2026, 11, 2)}
}

// record is body's record in c1 with a determination of kind given on
// 20 November (none when kind is empty).
func record(b domain.ConvokedBody, kind domain.DeterminationKind) domain.Participation {
	m := domain.Participation{ConferenceID: "c1", BodyID: b.BodyID, Name: b.Name}
	if kind != "" {
		in := domain.DeterminationInput{Kind: kind}
		switch kind {
		case domain.DeterminationConditions:
			in.Conditions = "Prescrizioni antincendio di " + b.Name
		case domain.DeterminationContrary:
			in.Reasons, in.Changes = "Parere contrario di "+b.Name, "Ridurre la volumetria"
		}
		d, err := domain.NewDetermination(in, rome(2026, time.November, 20, 10, 0))
		if err != nil {
			panic(err)
		}
		m.Determination = d
	}
	return m
}

// withIntegrations is m with a request for integrations from day from to
// day to (zero: awaited).
func withIntegrations(m domain.Participation, from, to workdays.Date) domain.Participation {
	m.Integrations = asked(m.BodyID, from, to).Integrations
	return m
}

// row sums up a position: kind, days left, may determine, may ask for
// integrations.
func row(p domain.BodyPosition) string {
	return fmt.Sprintf("%s %d %v %v", p.Kind, p.DaysLeft, p.CanDetermine, p.CanRequestIntegrations)
}

func TestPositionsAsynchronous(t *testing.T) {
	for _, c := range []struct {
		name  string
		parts []domain.Participation
		now   time.Time
		want  []string // rows, in the table's order
		due   workdays.Date
	}{
		{"all favourable",
			[]domain.Participation{record(enteComune, domain.DeterminationFavourable), record(enteVVF, domain.DeterminationFavourable)},
			rome(2026, time.November, 25, 9, 0), []string{"favorevole 22 true false", "favorevole 22 true false"}, date(2026, 12, 17)},
		{"awaiting, integrations still open",
			[]domain.Participation{record(enteComune, ""), record(enteVVF, domain.DeterminationConditions)},
			rome(2026, time.November, 17, 23, 59), []string{"in_attesa 30 true true", "favorevole_con_condizioni 30 true true"}, date(2026, 12, 17)},
		{"on the deadline",
			[]domain.Participation{record(enteComune, ""), record(enteVVF, domain.DeterminationContrary)},
			rome(2026, time.December, 17, 23, 59), []string{"in_attesa 0 true false", "contrario 0 true false"}, date(2026, 12, 17)},
		{"one silent the day after",
			[]domain.Participation{record(enteComune, ""), record(enteVVF, domain.DeterminationFavourable)},
			rome(2026, time.December, 18, 0, 0), []string{"assenso_silenzio -1 false false", "favorevole -1 false false"}, date(2026, 12, 17)},
		// The comune asked on 10 November; the terms stand still from then:
		// on 20 November, 17 December + 10 = Sunday 27: Monday 28.
		{"integrations awaited",
			[]domain.Participation{withIntegrations(record(enteComune, ""), date(2026, 11, 10), workdays.Date{}), record(enteVVF, "")},
			rome(2026, time.November, 20, 9, 0), []string{"integrazioni_richieste 38 true false", "in_attesa 38 true true"}, date(2026, 12, 28)},
		// Answered on 18 November: 8 days, from 17 to 25 December (Natale),
		// rolled to Monday 28.
		{"integrations supplied",
			[]domain.Participation{withIntegrations(record(enteComune, ""), date(2026, 11, 10), date(2026, 11, 18)), record(enteVVF, "")},
			rome(2026, time.December, 18, 9, 0), []string{"in_attesa 10 true false", "in_attesa 10 true false"}, date(2026, 12, 28)},
		{"silent after the moved deadline",
			[]domain.Participation{withIntegrations(record(enteComune, ""), date(2026, 11, 10), date(2026, 11, 18)), record(enteVVF, domain.DeterminationContrary)},
			rome(2026, time.December, 29, 9, 0), []string{"assenso_silenzio -1 false false", "contrario -1 false false"}, date(2026, 12, 28)},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := &domain.Panel{Conference: asyncConference(), Bodies: c.parts}
			got := p.Positions(c.now)
			if len(got) != len(c.want) {
				t.Fatalf("%d rows, want %d", len(got), len(c.want))
			}
			for i, pos := range got {
				if row(pos) != c.want[i] || pos.Deadline.Kind != domain.DeadlineDeterminations || pos.Deadline.Due != c.due {
					t.Errorf("%s: %q due %s, want %q due %s", pos.BodyID, row(pos), pos.Deadline.Due, c.want[i], c.due)
				}
				if pos.BodyID != c.parts[i].BodyID || pos.Name != c.parts[i].Name || pos.Label == "" {
					t.Errorf("row %d: %+v", i, pos)
				}
				if one, ok := p.Position(pos.BodyID, c.now); !ok || row(one) != row(pos) {
					t.Errorf("Position(%s) = %+v", pos.BodyID, one)
				}
			}
		})
	}
}

// TestSilentAssentAsynchronous: the label, the day and the article.
func TestSilentAssentAsynchronous(t *testing.T) {
	p := &domain.Panel{Conference: asyncConference(), Bodies: []domain.Participation{record(enteASP, "")}}
	pos := p.Positions(rome(2027, time.January, 4, 9, 0))[0]
	if pos.Kind != domain.PositionSilentAssent || pos.Label != "Assenso senza condizioni — silenzio assenso, art. 14-bis c.4" ||
		pos.SilentSince != date(2026, 12, 18) || pos.SilentSession != 0 || pos.Determination != nil || !pos.Kind.Assent() {
		t.Fatalf("position %+v", pos)
	}
	if domain.PositionSilentAssent == domain.PositionFavourable || pos.Kind.Label() == domain.PositionFavourable.Label() {
		t.Fatal("a silent assent reads as an explicit one")
	}
}

// TestPositionsCopy: the table does not alias the records.
func TestPositionsCopy(t *testing.T) {
	p := &domain.Panel{Conference: asyncConference(), Bodies: []domain.Participation{
		withIntegrations(record(enteVVF, domain.DeterminationConditions), date(2026, 11, 3), date(2026, 11, 4))}}
	pos := p.Positions(rome(2026, time.November, 25, 9, 0))[0]
	pos.Determination.Conditions, pos.Integrations.Documents = "x", "y"
	if b := p.Bodies[0]; b.Determination.Conditions == "x" || b.Integrations.Documents == "y" {
		t.Fatal("the table aliases the records")
	}
}

// syncPanel: a simultaneous conference whose first meeting, session 1 on
// 10 November 2026 with the comune and the VVF, was held; session 2 on 20
// November convenes the ASP and is still CONVOCATA; session 3, cancelled,
// convened the Procura. The work ends on 28 December (25 + Natale).
func syncPanel(parts ...domain.Participation) *domain.Panel {
	c := &domain.Conference{ID: "c1", PraticaID: "p1", Type: domain.CDSSimultaneaSincrona, StartDate: date(2026, 11, 2),
		FirstMeeting: date(2026, 11, 10), SessionCount: 3}
	procura := domain.ConvokedBody{BodyID: "procura", Name: "Procura"}
	return &domain.Panel{Conference: c, Bodies: parts, Sessions: []domain.Session{
		{ConferenceID: "c1", Seq: 1, State: domain.SessionHeld, Start: rome(2026, time.November, 10, 10, 0), Bodies: []domain.ConvokedBody{enteComune, enteVVF}},
		{ConferenceID: "c1", Seq: 2, State: domain.SessionConvened, Start: rome(2026, time.November, 20, 10, 0), Bodies: []domain.ConvokedBody{enteASP}},
		{ConferenceID: "c1", Seq: 3, State: domain.SessionCancelled, Start: rome(2026, time.November, 21, 10, 0), Bodies: []domain.ConvokedBody{procura}},
		{ConferenceID: "c2", Seq: 1, State: domain.SessionHeld, Start: rome(2026, time.November, 10, 10, 0), Bodies: []domain.ConvokedBody{procura}},
	}}
}

// TestPositionsSimultaneous: art. 14-ter c.7 — a body convened to a held
// session and silent there assents; one convened to a session still to be
// held waits; a cancelled session convenes nobody.
func TestPositionsSimultaneous(t *testing.T) {
	p := syncPanel(record(enteVVF, domain.DeterminationContrary))
	now := rome(2026, time.November, 12, 9, 0)
	got := p.Positions(now)
	want := []string{"contrario 46 true false", "assenso_silenzio 46 false false", "in_attesa 46 true false"}
	if len(got) != 3 {
		t.Fatalf("rows %+v", got)
	}
	for i, pos := range got {
		if row(pos) != want[i] || pos.Deadline.Kind != domain.DeadlineWorksEnd || pos.Deadline.Due != date(2026, 12, 28) {
			t.Errorf("%s: %q %+v, want %q", pos.BodyID, row(pos), pos.Deadline, want[i])
		}
	}
	if s := got[1]; s.BodyID != "comune" || s.Label != domain.SilentAssentSessionLabel || s.SilentSession != 1 || s.SilentSince != date(2026, 11, 10) {
		t.Errorf("silent at the session: %+v", s)
	}
	if _, ok := p.Position("procura", now); ok {
		t.Error("a body of a cancelled session is in the table")
	}
	// A later session convening the comune again: it waits again.
	p.Sessions = append(p.Sessions, domain.Session{ConferenceID: "c1", Seq: 4, State: domain.SessionConvened,
		Start: rome(2026, time.November, 24, 10, 0), Bodies: []domain.ConvokedBody{enteComune}})
	if pos, _ := p.Position("comune", now); pos.Kind != domain.PositionAwaiting || !pos.CanDetermine {
		t.Errorf("comune convened again: %+v", pos)
	}
	// Before any meeting: no deadline yet.
	p.Conference.FirstMeeting = workdays.Date{}
	if pos, _ := p.Position("asp", now); pos.Deadline.Kind != "" || pos.DaysLeft != 0 || !pos.CanDetermine {
		t.Errorf("no meeting yet: %+v", pos)
	}
}

// TestDetermine: giving and changing a determination before the deadline,
// refused after it, and the other refusals.
func TestDetermine(t *testing.T) {
	fav := domain.DeterminationInput{Kind: domain.DeterminationFavourable}
	cond := domain.DeterminationInput{Kind: domain.DeterminationConditions, Conditions: "Recinzione del cantiere"}
	closed := func(due string) error {
		return &domain.Error{Code: "determination_closed",
			Detail: "Il termine per le determinazioni è scaduto il " + due + ": la posizione dell'ente è consultabile in sola lettura."}
	}
	type step struct {
		body string
		in   domain.DeterminationInput
		now  time.Time
		err  error // nil: accepted; compared by code and, when set, detail
		rev  int   // the revision recorded
	}
	for _, c := range []struct {
		name  string
		panel func() *domain.Panel
		steps []step
	}{
		{"change before the deadline, refused after", func() *domain.Panel {
			return &domain.Panel{Conference: asyncConference(), Bodies: []domain.Participation{record(enteComune, "")}}
		}, []step{
			{body: "comune", in: fav, now: rome(2026, time.November, 20, 9, 0), rev: 1},
			{body: "comune", in: cond, now: rome(2026, time.December, 17, 23, 59), rev: 2},
			{body: "comune", in: fav, now: rome(2026, time.December, 18, 0, 0), err: closed("17-12-2026")},
		}},
		{"silent bodies cannot speak late", func() *domain.Panel {
			return &domain.Panel{Conference: asyncConference(), Bodies: []domain.Participation{record(enteComune, "")}}
		}, []step{
			{body: "comune", in: fav, now: rome(2027, time.January, 10, 9, 0), err: closed("17-12-2026")},
		}},
		{"a suspension lengthens the time to decide", func() *domain.Panel {
			return &domain.Panel{Conference: asyncConference(), Bodies: []domain.Participation{
				withIntegrations(record(enteComune, ""), date(2026, 11, 10), date(2026, 11, 18)), record(enteVVF, "")}}
		}, []step{
			{body: "vvf", in: cond, now: rome(2026, time.December, 28, 18, 0), rev: 1},
			{body: "vvf", in: fav, now: rome(2026, time.December, 29, 8, 0), err: closed("28-12-2026")},
		}},
		{"invalid input while open", func() *domain.Panel {
			return &domain.Panel{Conference: asyncConference(), Bodies: []domain.Participation{record(enteComune, "")}}
		}, []step{
			{body: "comune", in: domain.DeterminationInput{Kind: domain.DeterminationContrary}, now: rome(2026, time.November, 20, 9, 0),
				err: &domain.Error{Code: "invalid_input", Detail: "Il campo «motivazione» è obbligatorio."}},
		}},
		{"state before input", func() *domain.Panel {
			return &domain.Panel{Conference: asyncConference(), Bodies: []domain.Participation{record(enteComune, "")}}
		}, []step{
			{body: "comune", in: domain.DeterminationInput{}, now: rome(2026, time.December, 20, 9, 0), err: closed("17-12-2026")},
		}},
		{"not part of the conference", func() *domain.Panel {
			return &domain.Panel{Conference: asyncConference(), Bodies: []domain.Participation{record(enteComune, "")}}
		}, []step{
			{body: "asp", in: fav, now: rome(2026, time.November, 20, 9, 0), err: domain.ErrBodyNotInConference},
		}},
		{"concluded conference", func() *domain.Panel {
			c := asyncConference()
			c.Outcome = domain.OutcomePositive
			return &domain.Panel{Conference: c, Bodies: []domain.Participation{record(enteComune, "")}}
		}, []step{
			{body: "comune", in: fav, now: rome(2026, time.November, 20, 9, 0), err: domain.ErrConferenceClosed},
		}},
		{"simultaneous: convened, silent at the held session", func() *domain.Panel { return syncPanel() }, []step{
			{body: "asp", in: fav, now: rome(2026, time.November, 19, 9, 0), rev: 1},
			{body: "comune", in: fav, now: rome(2026, time.November, 19, 9, 0), err: &domain.Error{Code: "determination_closed",
				Detail: "L'assenso senza condizioni dell'ente è stato acquisito nella seduta n. 1 del 10-11-2026 (art. 14-ter c.7): la sua posizione è consultabile in sola lettura."}},
			{body: "procura", in: fav, now: rome(2026, time.November, 19, 9, 0), err: domain.ErrBodyNotInConference},
			{body: "asp", in: cond, now: rome(2026, time.December, 29, 9, 0), err: closed("28-12-2026")},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := c.panel()
			for i, s := range c.steps {
				before := len(p.Bodies)
				m, err := p.Determine(s.body, s.in, s.now)
				if s.err != nil {
					want, _ := domain.AsError(s.err)
					de, ok := domain.AsError(err)
					if !ok || !errors.Is(err, s.err) || (want.Detail != "" && de.Detail != want.Detail) || m != nil {
						t.Fatalf("step %d: %v, want %v", i, err, s.err)
					}
					if de.Kind == 0 || len(p.Bodies) != before {
						t.Fatalf("step %d: kind %d, records %d → %d", i, de.Kind, before, len(p.Bodies))
					}
					continue
				}
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if m.BodyID != s.body || m.Determination.Kind != s.in.Kind || m.Determination.Revision != s.rev || !m.Determination.At.Equal(s.now) {
					t.Fatalf("step %d: record %+v, determination %+v", i, m, m.Determination)
				}
				if pos, _ := p.Position(s.body, s.now); pos.Kind != domain.PositionKind(s.in.Kind) {
					t.Fatalf("step %d: position %+v", i, pos)
				}
			}
		})
	}
}

// TestRequestIntegrations: once per body, asynchronous only, up to the
// last allowed day (a rolled one included), and the terms suspended until
// the office answers.
func TestRequestIntegrations(t *testing.T) {
	// Indetta on Thursday 10 December 2026: 15 days end on Christmas, so
	// integrations until Monday 28 December; 45 days end on Sunday 24
	// January 2027, so determinations until Monday 25.
	conf := func() *domain.Conference {
		return &domain.Conference{ID: "c1", Type: domain.CDSDecisoriaSemplificata, StartDate: date(2026, 12, 10)}
	}
	p := &domain.Panel{Conference: conf(), Bodies: []domain.Participation{record(enteComune, ""), record(enteVVF, ""), record(enteASP, "")}}
	if pos, _ := p.Position("vvf", rome(2026, time.December, 28, 9, 0)); !pos.CanRequestIntegrations || pos.Deadline.Due != date(2027, 1, 25) {
		t.Fatalf("before: %+v", pos)
	}
	// The VVF asks on the last allowed day.
	m, err := p.RequestIntegrations("vvf", " Relazione tecnica antincendio\r\n", rome(2026, time.December, 28, 17, 0))
	if err != nil || m.Integrations.Documents != "Relazione tecnica antincendio" || !m.Integrations.Pending() {
		t.Fatalf("request: %+v, %v", m, err)
	}
	// Suspended: on 4 January the deadline reads 7 days later (31 January,
	// a Sunday: 1 February) and moves on while the terms stay suspended.
	pos, _ := p.Position("comune", rome(2027, time.January, 4, 9, 0))
	if pos.Deadline.Due != date(2027, 2, 1) || !pos.Deadline.Suspended || pos.Deadline.SuspendedDays != 7 || pos.Kind != domain.PositionAwaiting {
		t.Fatalf("suspended: %+v", pos)
	}
	if v, _ := p.Position("vvf", rome(2027, time.January, 4, 9, 0)); v.Kind != domain.PositionIntegrations || v.CanRequestIntegrations {
		t.Fatalf("vvf: %+v", v)
	}
	// While suspended from the last allowed day, the others may still ask:
	// on 5 January the documents term reads 25 December + 8 = Saturday 2
	// January, Monday 4, but it was open when the suspension began.
	if pos, _ := p.Position("comune", rome(2027, time.January, 5, 9, 0)); !pos.CanRequestIntegrations {
		t.Fatalf("comune cannot ask during the suspension: %+v", pos)
	}
	if _, err := p.RequestIntegrations("asp", "Piano HACCP", rome(2027, time.January, 5, 10, 0)); err != nil {
		t.Fatal(err)
	}
	// A second request of the VVF.
	_, err = p.RequestIntegrations("vvf", "Altro", rome(2027, time.January, 4, 10, 0))
	if de := wantDomainErr(t, err, domain.ErrIntegrationsAlreadyRequested, domain.KindConflict); !strings.Contains(de.Detail, "il 28-12-2026") {
		t.Fatalf("detail %q", de.Detail)
	}
	// The office answers both on Monday 11 January: 14 days suspended, from
	// 24 January to Sunday 7 February: Monday 8 February.
	for _, b := range []string{"vvf", "asp"} {
		if m, err := p.SupplyIntegrations(b, "conferences/p1/c1/integrazioni.pdf", rome(2027, time.January, 11, 12, 0)); err != nil ||
			m.Integrations.Pending() || m.Integrations.SuppliedOn() != date(2027, 1, 11) {
			t.Fatalf("supply %s: %+v, %v", b, m, err)
		}
	}
	_, err = p.SupplyIntegrations("vvf", "", rome(2027, time.January, 12, 12, 0))
	wantDomainErr(t, err, domain.ErrIntegrationsNotPending, domain.KindConflict)
	_, err = p.SupplyIntegrations("comune", "", rome(2027, time.January, 12, 12, 0))
	wantDomainErr(t, err, domain.ErrIntegrationsNotPending, domain.KindConflict)
	pos, _ = p.Position("comune", rome(2027, time.January, 12, 9, 0))
	if pos.Deadline.Due != date(2027, 2, 8) || !pos.Deadline.Rolled || pos.Deadline.Suspended || pos.Deadline.SuspendedDays != 14 {
		t.Fatalf("after: %+v", pos.Deadline)
	}
	// The documents window ended on 25 December + 14 days = 8 January:
	// closed again.
	_, err = p.RequestIntegrations("comune", "Planimetria", rome(2027, time.January, 12, 9, 0))
	if de := wantDomainErr(t, err, domain.ErrIntegrationsClosed, domain.KindConflict); de.Detail != "Il termine per chiedere integrazioni documentali è scaduto il 08-01-2027." {
		t.Fatalf("detail %q", de.Detail)
	}

	for _, c := range []struct {
		name string
		conf func(*domain.Conference)
		body string
		docs string
		now  time.Time
		err  *domain.Error
		msg  string
	}{
		{"the day after the last", nil, "comune", "Planimetria", rome(2026, time.December, 29, 0, 0), domain.ErrIntegrationsClosed,
			"Il termine per chiedere integrazioni documentali è scaduto il 28-12-2026."},
		{"before the start", nil, "comune", "Planimetria", rome(2026, time.December, 9, 12, 0), domain.ErrIntegrationsClosed,
			"La conferenza è indetta il 10-12-2026: le integrazioni documentali si possono chiedere da quel giorno."},
		{"simultaneous", func(c *domain.Conference) { c.Type = domain.CDSSimultaneaSincrona }, "comune", "Planimetria",
			rome(2026, time.December, 11, 12, 0), domain.ErrIntegrationsNotAllowed, ""},
		{"concluded", func(c *domain.Conference) { c.Outcome = domain.OutcomeNegative }, "comune", "Planimetria",
			rome(2026, time.December, 11, 12, 0), domain.ErrConferenceClosed, ""},
		{"unknown body", nil, "procura", "Planimetria", rome(2026, time.December, 11, 12, 0), domain.ErrBodyNotInConference, ""},
		{"nothing asked", nil, "comune", " ", rome(2026, time.December, 11, 12, 0), &domain.Error{Kind: domain.KindInvalid, Code: "invalid_input"},
			"Il campo «documentazione richiesta» è obbligatorio."},
	} {
		t.Run(c.name, func(t *testing.T) {
			cf := conf()
			if c.conf != nil {
				c.conf(cf)
			}
			p := &domain.Panel{Conference: cf, Bodies: []domain.Participation{record(enteComune, "")}}
			m, err := p.RequestIntegrations(c.body, c.docs, c.now)
			de := wantDomainErr(t, err, c.err, c.err.Kind)
			if m != nil || (c.msg != "" && de.Detail != c.msg) || p.Bodies[0].Integrations != nil {
				t.Fatalf("%+v, detail %q", m, de.Detail)
			}
		})
	}
}

// TestSupplyIntegrationsConcluded: a concluded conference takes no answer.
func TestSupplyIntegrationsConcluded(t *testing.T) {
	c := asyncConference()
	c.Outcome = domain.OutcomePositive
	p := &domain.Panel{Conference: c, Bodies: []domain.Participation{withIntegrations(record(enteComune, ""), date(2026, 11, 10), workdays.Date{})}}
	_, err := p.SupplyIntegrations("comune", "", rome(2026, time.November, 20, 9, 0))
	wantDomainErr(t, err, domain.ErrConferenceClosed, domain.KindConflict)
	c.Outcome = ""
	_, err = p.SupplyIntegrations("comune", "a\nb", rome(2026, time.November, 20, 9, 0))
	if fieldCodes(t, err)["fileKey"] != "control_characters" {
		t.Fatalf("err %v", err)
	}
}
