package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"suapcds/shared/domain"
	"suapcds/shared/store"
	"suapcds/shared/workdays"
)

// testConferences: the bodies directory, a pratica's conferences and the
// convocation of a session, each change one transaction with its history and
// outbox, stale versions writing nothing.
func testConferences(t *testing.T, e *env) {
	t.Run("Bodies", func(t *testing.T) { testBodies(t, e) })
	t.Run("ConveneAndUpdate", func(t *testing.T) { testConvene(t, e) })
	t.Run("Close", func(t *testing.T) { testCloseConference(t, e) })
}

// testCloseConference: a conference's conclusion is stored on the version
// read, with its history; a convocation in between makes it stale.
func testCloseConference(t *testing.T, e *env) {
	p := e.pratica("P-CDS-CLOSE", "suap-africo", "bacino-locride")
	c := &domain.Conference{PraticaID: p.ID, Type: domain.CDSDecisoriaSemplificata, StartDate: workdays.NewDate(2026, 11, 2),
		CreatedAt: e.base, CreatedBy: operator.UserID}
	if err := e.repo.CreateConference(e.ctx, c, domain.NewHistory(p.ID, operator, domain.OpConferenceCreated, "", e.base)); err != nil {
		t.Fatal(err)
	}
	read := *c
	// Meanwhile a session is convened: the conference moves to version 2.
	next := *c
	next.SessionCount = 1
	x := &domain.Session{PraticaID: p.ID, ConferenceID: c.ID, Seq: 1, Start: e.base.Add(24 * time.Hour), Place: "Sala",
		State: domain.SessionConvened, CreatedAt: e.base, UpdatedAt: e.base}
	if err := e.repo.ConveneSession(e.ctx, store.ConveneChange{Session: x, Conference: &next}); err != nil {
		t.Fatal(err)
	}
	read.Outcome, read.EndDate = domain.OutcomePositive, workdays.NewDate(2026, 11, 20)
	n := e.historyLen(p.ID)
	if err := e.repo.UpdateConference(e.ctx, &read, domain.NewHistory(p.ID, operator, domain.OpConferenceClosed, "", e.base)); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("stale conclusion: %v", err)
	}
	if e.historyLen(p.ID) != n {
		t.Fatal("a refused conclusion wrote history")
	}
	got, err := e.repo.GetConference(e.ctx, p.ID, c.ID)
	if err != nil || got.Closed() || got.Version != 2 {
		t.Fatalf("after the stale conclusion: %+v %v", got, err)
	}
	got.Outcome, got.EndDate, got.ClosingFileKey = domain.OutcomeWithCondition, workdays.NewDate(2026, 11, 20), "conferences/x/y/z"
	if err := e.repo.UpdateConference(e.ctx, got, domain.NewHistory(p.ID, operator, domain.OpConferenceClosed, "Esito", e.base)); err != nil || got.Version != 3 {
		t.Fatalf("conclusion: %v (version %d)", err, got.Version)
	}
	if e.historyLen(p.ID) != n+1 {
		t.Error("no history entry for the conclusion")
	}
	back, err := e.repo.GetConference(e.ctx, p.ID, c.ID)
	if err != nil || back.Outcome != domain.OutcomeWithCondition || back.EndDate != workdays.NewDate(2026, 11, 20) ||
		back.ClosingFileKey != "conferences/x/y/z" || back.SessionCount != 1 || back.Version != 3 {
		t.Fatalf("stored: %+v %v", back, err)
	}
}

func testBodies(t *testing.T, e *env) {
	vvf := &domain.Body{ID: "vvf-rc", Name: "Vigili del Fuoco", PEC: "com.rc@cert.vigilfuoco.it"}
	asp := &domain.Body{ID: "asp-rc", Name: "ASP Reggio Calabria", Email: "protocollo@asp.rc.it"}
	for _, b := range []*domain.Body{vvf, asp} {
		if err := e.repo.PutBody(e.ctx, b); err != nil || b.Version != 1 {
			t.Fatalf("put body %s: %v (version %d)", b.ID, err, b.Version)
		}
	}
	// A second create of the same id, or a stale update, is refused.
	if err := e.repo.PutBody(e.ctx, &domain.Body{ID: "vvf-rc", Name: "Altro", Email: "x@y.it"}); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("create over an existing body: %v", err)
	}
	vvf.Name = "Vigili del Fuoco - Comando di Reggio Calabria"
	if err := e.repo.PutBody(e.ctx, vvf); err != nil || vvf.Version != 2 {
		t.Fatalf("update: %v %d", err, vvf.Version)
	}
	stale := *vvf
	stale.Version = 1
	if err := e.repo.PutBody(e.ctx, &stale); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("stale update: %v", err)
	}
	list, err := e.repo.ListBodies(e.ctx)
	if err != nil || len(list) != 2 || list[0].ID != "asp-rc" || list[1].Name != vvf.Name || list[1].Version != 2 {
		t.Fatalf("list = %+v, %v", list, err)
	}
	got, err := e.repo.GetBodies(e.ctx, []string{"vvf-rc", "nessuno", "asp-rc", "vvf-rc"})
	if err != nil || got[0] == nil || got[0].PEC != vvf.PEC || got[1] != nil || got[2].Email != asp.Email || got[3] == nil {
		t.Fatalf("get bodies = %+v, %v", got, err)
	}
}

func testConvene(t *testing.T, e *env) {
	p := e.pratica("P-CDS", "suap-africo", "bacino-locride")
	c := &domain.Conference{PraticaID: p.ID, Type: domain.CDSSimultaneaSincrona, SensitiveInterests: true,
		ApplicationDate: workdays.NewDate(2026, 10, 28), StartDate: workdays.NewDate(2026, 11, 2), CreatedAt: e.base, CreatedBy: operator.UserID}
	hist := domain.NewHistory(p.ID, operator, domain.OpConferenceCreated, "", e.base)
	if err := e.repo.CreateConference(e.ctx, c, hist); err != nil || c.ID == "" || c.Version != 1 {
		t.Fatalf("create conference: %v %+v", err, c)
	}
	orphan := &domain.Conference{PraticaID: "nessuna", Type: domain.CDSIstruttoria, StartDate: c.StartDate}
	if err := e.repo.CreateConference(e.ctx, orphan, domain.NewHistory("nessuna", operator, domain.OpConferenceCreated, "", e.base)); err == nil || func() bool { de, ok := domain.AsError(err); return !ok || de.Kind != domain.KindNotFound }() {
		t.Fatalf("conference of a missing pratica: %v", err)
	}
	got, err := e.repo.GetConference(e.ctx, p.ID, c.ID)
	if err != nil || got.StartDate != c.StartDate || got.ApplicationDate != c.ApplicationDate || !got.SensitiveInterests || got.Type != c.Type {
		t.Fatalf("get conference = %+v, %v", got, err)
	}
	before := e.historyLen(p.ID)

	start := time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)
	convene := func(c *domain.Conference, p *domain.Pratica, bodies int) (*domain.Session, error) {
		s := &domain.Session{PraticaID: p.ID, ConferenceID: c.ID, Seq: c.SessionCount + 1, Start: start, Place: "Videoconferenza",
			State: domain.SessionConvened, ConvocationFileKey: "convocazioni/k", BookingRequestID: "r1",
			Meeting: &domain.Meeting{Code: "123", Password: "pw", Link: "https://meet.example/x"}, CreatedAt: e.base, UpdatedAt: e.base}
		var evs []domain.OutboxEvent
		for i := range bodies {
			s.Bodies = append(s.Bodies, domain.ConvokedBody{BodyID: string(rune('a' + i)), Name: "Ente", PEC: "ente@pec.it"})
			evs = append(evs, domain.OutboxEvent{Kind: domain.EventSessionConvened, Seq: int64(i + 1), At: e.base})
		}
		nc := *c
		nc.SessionCount++
		nc.FirstMeeting = workdays.DateOf(start)
		var np *domain.Pratica
		if !p.CDSConvened {
			cp := *p
			cp.CDSConvened = true
			np = &cp
		}
		ch := store.ConveneChange{Session: s, Conference: &nc, Pratica: np, Events: evs,
			History: []domain.HistoryEntry{domain.NewHistory(p.ID, operator, domain.OpSessionConvened, "", e.base)}}
		err := e.repo.ConveneSession(e.ctx, ch)
		if err == nil {
			*c = nc
			if np != nil {
				*p = *np
			}
		}
		return s, err
	}
	// Two operators convene at once on the conference as read: one wins.
	c1, c2 := *c, *c
	p1, p2 := *p, *p
	var wg sync.WaitGroup
	var s1, s2 *domain.Session
	var err1, err2 error
	wg.Add(2)
	go func() { defer wg.Done(); s1, err1 = convene(&c1, &p1, 3) }()
	go func() { defer wg.Done(); s2, err2 = convene(&c2, &p2, 3) }()
	wg.Wait()
	if (err1 == nil) == (err2 == nil) {
		t.Fatalf("concurrent convocations: %v / %v, want exactly one to succeed", err1, err2)
	}
	s, cw, pw, lost := s1, c1, p1, err2
	if err1 != nil {
		s, cw, pw, lost = s2, c2, p2, err1
	}
	if !errors.Is(lost, domain.ErrConflict) {
		t.Fatalf("loser: %v, want version_conflict", lost)
	}
	if got := e.historyLen(p.ID); got != before+1 {
		t.Fatalf("history grew by %d, want 1", got-before)
	}
	for i := 1; i <= 3; i++ {
		ob, err := e.repo.GetOutbox(e.ctx, store.OutboxID(domain.OutboxEvent{Kind: domain.EventSessionConvened, SubjectID: s.ID, Seq: int64(i)}))
		if err != nil || ob.PraticaID != p.ID {
			t.Fatalf("outbox %d: %+v %v", i, ob, err)
		}
	}
	stored, err := e.repo.GetPratica(e.ctx, p.ID)
	if err != nil || !stored.CDSConvened || stored.Version != pw.Version {
		t.Fatalf("pratica after convening: %+v %v", stored, err)
	}
	// The loser's session is not there; the winner's is, with its data.
	confs, sessions, err := e.repo.PraticaConferences(e.ctx, p.ID)
	if err != nil || len(confs) != 1 || len(sessions) != 1 || confs[0].SessionCount != 1 || confs[0].FirstMeeting != workdays.DateOf(start) {
		t.Fatalf("conferences %+v sessions %+v: %v", confs, sessions, err)
	}
	if x := sessions[0]; x.ID != s.ID || !x.Start.Equal(start) || len(x.Bodies) != 3 || x.Meeting == nil || x.Meeting.Link != "https://meet.example/x" || x.Version != 1 {
		t.Fatalf("session = %+v", x)
	}
	// A second session leaves the pratica alone (already convened).
	s3, err := convene(&cw, &pw, 1)
	if err != nil || s3.Seq != 2 {
		t.Fatalf("second session: %v", err)
	}
	// State change: version-conditioned, with history.
	x, err := e.repo.GetSession(e.ctx, p.ID, c.ID, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	staleS := *x
	x.State = domain.SessionCancelled
	if err := e.repo.UpdateSession(e.ctx, x, domain.NewHistory(p.ID, operator, domain.OpSessionCancelled, "", e.base)); err != nil || x.Version != 2 {
		t.Fatalf("update session: %v", err)
	}
	staleS.State = domain.SessionHeld
	n := e.historyLen(p.ID)
	if err := e.repo.UpdateSession(e.ctx, &staleS, domain.NewHistory(p.ID, operator, domain.OpSessionHeld, "", e.base)); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("stale session update: %v", err)
	}
	if e.historyLen(p.ID) != n {
		t.Fatal("a refused update wrote history")
	}
	if x, _ := e.repo.GetSession(e.ctx, p.ID, c.ID, s.ID); x.State != domain.SessionCancelled {
		t.Fatalf("state = %s", x.State)
	}
	if _, err := e.repo.GetSession(e.ctx, p.ID, c.ID, "nessuna"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("missing session: %v", err)
	}
}
