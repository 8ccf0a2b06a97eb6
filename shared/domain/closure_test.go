package domain_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"suapcds/shared/domain"
	"suapcds/shared/workdays"
)

func TestConferenceOutcomeLabel(t *testing.T) {
	for o, want := range map[domain.ConferenceOutcome]string{
		domain.OutcomePositive: "Positivo", domain.OutcomeWithCondition: "Positivo con prescrizioni",
		domain.OutcomeNegative: "Negativo", domain.OutcomeOpen: "",
	} {
		if got := o.Label(); got != want {
			t.Errorf("%q: %q, want %q", o, got, want)
		}
	}
	if len(domain.ConferenceOutcomes) != 3 || slicesContain(domain.ConferenceOutcomes, domain.OutcomeOpen) {
		t.Errorf("outcomes %v", domain.ConferenceOutcomes)
	}
}

func slicesContain(s []domain.ConferenceOutcome, o domain.ConferenceOutcome) bool {
	for _, x := range s {
		if x == o {
			return true
		}
	}
	return false
}

// fieldPairs lists an error's "field:code" pairs.
func fieldPairs(err error) string {
	de, ok := domain.AsError(err)
	if !ok {
		return ""
	}
	var out []string
	for _, f := range de.Fields {
		out = append(out, f.Field+":"+f.Code)
	}
	return strings.Join(out, ",")
}

func TestConferenceClose(t *testing.T) {
	today := date(2026, time.March, 20)
	open := func() *domain.Conference {
		return &domain.Conference{ID: "c1", PraticaID: "p1", Type: domain.CDSSimultaneaSincrona, StartDate: date(2026, time.March, 9), Version: 3}
	}
	held := domain.Session{ConferenceID: "c1", Seq: 1, State: domain.SessionHeld}
	convened := domain.Session{ConferenceID: "c1", Seq: 2, State: domain.SessionConvened, Start: rome(2026, time.March, 25, 10, 0)}
	ofOther := domain.Session{ConferenceID: "c2", Seq: 1, State: domain.SessionConvened}
	// Held late on 12 March in Rome (already 13 March nowhere, 12 in UTC too).
	heldLate := domain.Session{ConferenceID: "c1", Seq: 3, State: domain.SessionHeld, Start: rome(2026, time.March, 12, 23, 30)}
	cancelledLater := domain.Session{ConferenceID: "c1", Seq: 4, State: domain.SessionCancelled, Start: rome(2026, time.March, 19, 10, 0)}
	ok := domain.CloseConferenceInput{Outcome: domain.OutcomePositive, EndDate: date(2026, time.March, 20)}
	with := func(f func(*domain.CloseConferenceInput)) domain.CloseConferenceInput { in := ok; f(&in); return in }
	for _, c := range []struct {
		name     string
		closed   bool
		in       domain.CloseConferenceInput
		sessions []domain.Session
		err      error  // a sentinel matched with errors.Is
		fields   string // or the field errors of an invalid_input
	}{
		{name: "today", in: ok, sessions: []domain.Session{held, ofOther}},
		{name: "on the start day, with a file", in: with(func(in *domain.CloseConferenceInput) {
			in.EndDate, in.Outcome, in.ClosingFileKey = date(2026, time.March, 9), domain.OutcomeNegative, "conferences/p1/c1/x"
		})},
		{name: "no outcome", in: with(func(in *domain.CloseConferenceInput) { in.Outcome = "" }), fields: "outcome:required"},
		{name: "unknown outcome", in: with(func(in *domain.CloseConferenceInput) { in.Outcome = "ottimo" }), fields: "outcome:invalid_outcome"},
		{name: "no end date", in: with(func(in *domain.CloseConferenceInput) { in.EndDate = workdays.Date{} }), fields: "endDate:required"},
		{name: "31 February", in: with(func(in *domain.CloseConferenceInput) { in.EndDate.Month, in.EndDate.Day = time.February, 31 }), fields: "endDate:required"},
		{name: "before the start", in: with(func(in *domain.CloseConferenceInput) { in.EndDate = date(2026, time.March, 8) }), fields: "endDate:before_start"},
		{name: "the day of the last session held", in: with(func(in *domain.CloseConferenceInput) { in.EndDate = date(2026, time.March, 12) }),
			sessions: []domain.Session{held, heldLate, cancelledLater}},
		{name: "before the last session held", in: with(func(in *domain.CloseConferenceInput) { in.EndDate = date(2026, time.March, 11) }),
			sessions: []domain.Session{held, heldLate, cancelledLater}, fields: "endDate:before_last_session"},
		{name: "tomorrow", in: with(func(in *domain.CloseConferenceInput) { in.EndDate = date(2026, time.March, 21) }), fields: "endDate:in_the_future"},
		{name: "both wrong", in: domain.CloseConferenceInput{Outcome: "x", EndDate: date(2027, time.January, 1)}, fields: "outcome:invalid_outcome,endDate:in_the_future"},
		{name: "key with a newline", in: with(func(in *domain.CloseConferenceInput) { in.ClosingFileKey = "a\nb" }), fields: "closingFileKey:control_characters"},
		{name: "a session still convened", in: ok, sessions: []domain.Session{held, convened}, err: domain.ErrSessionsOpen},
		{name: "already closed", closed: true, in: ok, err: domain.ErrConferenceClosed},
		{name: "already closed, bad input", closed: true, in: domain.CloseConferenceInput{}, err: domain.ErrConferenceClosed},
	} {
		t.Run(c.name, func(t *testing.T) {
			conf := open()
			if c.closed {
				conf.Outcome, conf.EndDate = domain.OutcomeNegative, date(2026, time.March, 10)
			}
			was := *conf
			err := conf.Close(c.in, c.sessions, today)
			switch {
			case c.err != nil:
				if !errors.Is(err, c.err) {
					t.Fatalf("err = %v, want %v", err, c.err)
				}
			case c.fields != "":
				if got := fieldPairs(err); got != c.fields {
					t.Fatalf("fields %q (%v), want %q", got, err, c.fields)
				}
			case err != nil:
				t.Fatal(err)
			}
			if err != nil {
				if *conf != was {
					t.Errorf("a refused closure changed the conference: %+v", conf)
				}
				return
			}
			if !conf.Closed() || conf.Outcome != c.in.Outcome || conf.EndDate != c.in.EndDate || conf.ClosingFileKey != c.in.ClosingFileKey || conf.Version != 3 {
				t.Errorf("closed: %+v", conf)
			}
		})
	}
	err := open().Close(ok, []domain.Session{convened}, today)
	if de, _ := domain.AsError(err); de == nil || de.Kind != domain.KindConflict || !strings.Contains(de.Detail, "n. 2 del 25-03-2026 10:00") {
		t.Errorf("sessions_open: %v", err)
	}
}

func TestNewSessionOnClosedConference(t *testing.T) {
	c := &domain.Conference{ID: "c1", PraticaID: "p1", Type: domain.CDSSimultaneaSincrona, Outcome: domain.OutcomePositive}
	vvf := &domain.Body{ID: "vvf", Name: "Vigili del Fuoco", PEC: "vvf@pec.it"}
	now := rome(2026, time.November, 2, 9, 0)
	in := domain.ConveneInput{Start: rome(2026, time.November, 10, 10, 0), Place: "Sala", ConvocationFileKey: "k", BodyIDs: []string{"vvf"}}
	if _, err := domain.NewSession(c, in, []*domain.Body{vvf}, nil, domain.Principal{UserID: "u"}, now); !errors.Is(err, domain.ErrConferenceClosed) {
		t.Fatalf("err = %v", err)
	}
	c.Outcome = domain.OutcomeOpen
	if _, err := domain.NewSession(c, in, []*domain.Body{vvf}, nil, domain.Principal{UserID: "u"}, now); err != nil {
		t.Fatal(err)
	}
}

func TestSessionClosingFile(t *testing.T) {
	start := rome(2026, time.November, 10, 10, 0)
	after := start.Add(3 * time.Hour)
	for _, c := range []struct {
		name       string
		from       domain.SessionState
		fromKey    string
		to         domain.SessionState
		key        string
		at         time.Time
		err        error
		fields     string
		state, got string // the state and key after
	}{
		{name: "held", from: domain.SessionConvened, to: domain.SessionHeld, at: after, state: "SVOLTA"},
		{name: "held with its verbale", from: domain.SessionConvened, to: domain.SessionHeld, key: " k1 ", at: after, state: "SVOLTA", got: "k1"},
		{name: "cancelled", from: domain.SessionConvened, to: domain.SessionCancelled, at: start.Add(-time.Hour), state: "ANNULLATA"},
		{name: "cancelled with a verbale", from: domain.SessionConvened, to: domain.SessionCancelled, key: "k1", at: after, fields: "closingFileKey:not_allowed"},
		{name: "key too long", from: domain.SessionConvened, to: domain.SessionHeld, key: strings.Repeat("k", domain.MaxFileKeyLen+1), at: after, fields: "closingFileKey:too_long"},
		{name: "verbale before the start", from: domain.SessionConvened, to: domain.SessionHeld, key: "k1", at: start.Add(-time.Minute), err: &domain.Error{Code: "session_not_started"}},
		{name: "verbale later", from: domain.SessionHeld, to: domain.SessionHeld, key: "k2", at: after, state: "SVOLTA", got: "k2"},
		{name: "held again without a verbale", from: domain.SessionHeld, to: domain.SessionHeld, at: after, err: domain.ErrSessionClosed},
		{name: "a second verbale", from: domain.SessionHeld, fromKey: "k1", to: domain.SessionHeld, key: "k2", at: after, err: domain.ErrSessionClosed},
		{name: "verbale on a cancelled session", from: domain.SessionCancelled, to: domain.SessionHeld, key: "k2", at: after, err: domain.ErrSessionClosed},
		{name: "back to convened", from: domain.SessionHeld, to: domain.SessionConvened, key: "k2", at: after, fields: "state:invalid_state"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := &domain.Session{State: c.from, ClosingFileKey: c.fromKey, Start: start, UpdatedAt: start.Add(-time.Hour)}
			was := *s
			err := s.SetState(c.to, c.key, c.at)
			switch {
			case c.err != nil:
				if !errors.Is(err, c.err) {
					t.Fatalf("err = %v, want %v", err, c.err)
				}
			case c.fields != "":
				if got := fieldPairs(err); got != c.fields {
					t.Fatalf("fields %q (%v), want %q", got, err, c.fields)
				}
			case err != nil:
				t.Fatal(err)
			}
			if err != nil {
				if s.State != was.State || s.ClosingFileKey != was.ClosingFileKey || !s.UpdatedAt.Equal(was.UpdatedAt) {
					t.Errorf("a refused change changed the session: %+v", s)
				}
				return
			}
			if string(s.State) != c.state || s.ClosingFileKey != c.got || !s.UpdatedAt.Equal(c.at) {
				t.Errorf("after: %+v", s)
			}
		})
	}
}
