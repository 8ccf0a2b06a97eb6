package domain

import (
	"fmt"
	"time"

	"suapcds/shared/workdays"
)

// PositionKind is where a body stands in a conference, as the office's
// table of the bodies shows it (docs/rules.md §8 rule 6).
type PositionKind string

// The positions of a body. The three determinations keep their own values.
const (
	// PositionAwaiting: no determination yet, the term still running (or,
	// in a simultaneous conference, no session held yet).
	PositionAwaiting PositionKind = "in_attesa"
	// PositionIntegrations: no determination yet, and the body's own
	// request for integrations awaits the office's answer.
	PositionIntegrations PositionKind = "integrazioni_richieste"
	PositionFavourable   PositionKind = PositionKind(DeterminationFavourable)
	PositionConditions   PositionKind = PositionKind(DeterminationConditions)
	PositionContrary     PositionKind = PositionKind(DeterminationContrary)
	// PositionSilentAssent: no determination by the deadline (art. 14-bis
	// c.4), or none stated at the held session (art. 14-ter c.7): assent
	// without conditions, told apart from an explicit favourable one.
	PositionSilentAssent PositionKind = "assenso_silenzio"
)

// Assent reports whether the position assents: explicitly, with
// conditions, or by silence.
func (k PositionKind) Assent() bool {
	return k == PositionFavourable || k == PositionConditions || k == PositionSilentAssent
}

// Settled reports whether the body has a position the outcome can count
// (a determination or a silent assent).
func (k PositionKind) Settled() bool { return k != PositionAwaiting && k != PositionIntegrations }

// Label is the position as people read it; BodyPosition.Label is more
// precise for a silent assent (it names its article).
func (k PositionKind) Label() string {
	switch k {
	case PositionAwaiting:
		return "In attesa di determinazione"
	case PositionIntegrations:
		return "Integrazioni documentali richieste"
	case PositionSilentAssent:
		return "Assenso senza condizioni (silenzio assenso)"
	}
	return DeterminationKind(k).Label()
}

// The labels of a silent assent, by its legal basis.
const (
	SilentAssentAsyncLabel   = "Assenso senza condizioni — silenzio assenso, art. 14-bis c.4"
	SilentAssentSessionLabel = "Assenso senza condizioni — mancata partecipazione o espressione in seduta, art. 14-ter c.7"
)

// BodyPosition is one row of a conference's table of bodies at a given
// time: where the body stands, the deadline it runs against and what it
// may still do.
type BodyPosition struct {
	BodyID string
	Name   string
	Kind   PositionKind
	// Label is Kind as people read it, naming the article of a silent
	// assent.
	Label string
	// Determination is the body's current determination (a copy), nil
	// while none; its conditions, reasons, changes and file are there.
	Determination *Determination
	// Integrations is the body's request for integrations (a copy), nil
	// while none: when it was made and, once sent, answered.
	Integrations *IntegrationsRequest
	// SilentSince is the day a silent assent was acquired: the day after
	// the determinations deadline, or the day of the held session; in the
	// latter case SilentSession is that session's number.
	SilentSince   workdays.Date
	SilentSession int
	// Deadline is the term the body's position runs against: the
	// determinations one (asynchronous timetable, moved by suspensions)
	// or the end of the work (simultaneous; zero Due before a meeting is
	// convened). DaysLeft counts calendar days from the day asked about to
	// Deadline.Due: 0 on the day itself, negative once past.
	Deadline Deadline
	DaysLeft int
	// CanDetermine: the body may give or change its determination now;
	// otherwise its position is read-only. CanRequestIntegrations: it may
	// ask for integrations now.
	CanDetermine           bool
	CanRequestIntegrations bool
	// MayOppose flags a dissent in a conference with sensitive interests:
	// the body may oppose a conclusion that overcomes it within
	// OppositionDays of its communication (art. 14-quinquies).
	MayOppose bool
}

// Panel is a conference with its sessions and its bodies' records: what
// the table of bodies, the deadlines with their suspensions and the
// proposed outcome are computed from, and what the bodies' actions change.
type Panel struct {
	// Calendar is the office's (national and local holidays); nil means
	// the national holidays only.
	Calendar   *workdays.Calendar
	Conference *Conference
	// Sessions are the conference's sessions (others are ignored).
	Sessions []Session
	// Bodies are the records of the bodies that took part; a body convened
	// to a session that is not cancelled counts even without one.
	Bodies []Participation
}

func (p *Panel) calendar() *workdays.Calendar {
	if p.Calendar == nil {
		return workdays.National()
	}
	return p.Calendar
}

// Suspension is the suspension of the conference's terms on day today
// (none for a simultaneous conference, which takes no requests for
// integrations).
func (p *Panel) Suspension(today workdays.Date) Suspension {
	if p.Conference.Type.Simultaneous() {
		return Suspension{}
	}
	return SuspensionOf(p.Bodies, today)
}

// Deadlines are the conference's legal deadlines as of day today, the
// asynchronous ones moved by the suspensions up to that day.
func (p *Panel) Deadlines(today workdays.Date) []Deadline {
	c := p.Conference
	return deadlines(p.calendar(), c, c.FirstMeeting, p.Suspension(today))
}

func findDeadline(ds []Deadline, k DeadlineKind) Deadline {
	for _, d := range ds {
		if d.Kind == k {
			return d
		}
	}
	return Deadline{}
}

// convenes reports whether s is a session of conference id, not
// cancelled, to which body was convened.
func (s *Session) convenes(conferenceID, body string) bool {
	if s.ConferenceID != conferenceID || s.State == SessionCancelled {
		return false
	}
	for _, b := range s.Bodies {
		if b.BodyID == body {
			return true
		}
	}
	return false
}

// members are the bodies of the table: the records of p.Bodies in their
// order, then the bodies convened to the sessions without a record, in the
// order of their first convocation.
func (p *Panel) members() []Participation {
	out := append([]Participation(nil), p.Bodies...)
	seen := make(map[string]bool, len(out))
	for _, m := range out {
		seen[m.BodyID] = true
	}
	for i := range p.Sessions {
		s := &p.Sessions[i]
		if s.ConferenceID != p.Conference.ID || s.State == SessionCancelled {
			continue
		}
		for _, b := range s.Bodies {
			if !seen[b.BodyID] {
				seen[b.BodyID] = true
				out = append(out, Participation{ConferenceID: p.Conference.ID, BodyID: b.BodyID, Name: b.Name})
			}
		}
	}
	return out
}

// heldSilence returns the session at which body, convened and without a
// determination, is deemed to assent (art. 14-ter c.7): its latest held
// session, unless a session convened after it is still to be held.
func (p *Panel) heldSilence(body string) *Session {
	var held *Session
	for i := range p.Sessions {
		s := &p.Sessions[i]
		if s.State == SessionHeld && s.convenes(p.Conference.ID, body) && (held == nil || s.Start.After(held.Start)) {
			held = s
		}
	}
	if held == nil {
		return nil
	}
	for i := range p.Sessions {
		s := &p.Sessions[i]
		if s.State == SessionConvened && s.convenes(p.Conference.ID, body) && s.Start.After(held.Start) {
			return nil
		}
	}
	return held
}

// Positions computes the table of the conference's bodies at now: for each
// body its position, the deadline it runs against and what it may do.
//
// Asynchronous timetable (every type but simultanea_sincrona): a body runs
// against the determinations deadline, moved by the suspensions; once that
// day has passed without a determination it assents by silence from the
// next day (art. 14-bis c.4), and its position is read-only. Simultaneous:
// a body runs against the end of the work; convened to a held session and
// without a determination, it assents by silence (art. 14-ter c.7) unless
// a later session it is convened to is still to be held. A concluded
// conference is read-only for every body.
func (p *Panel) Positions(now time.Time) []BodyPosition {
	today := workdays.DateOf(now)
	ds := p.Deadlines(today)
	ms := p.members()
	out := make([]BodyPosition, len(ms))
	for i := range ms {
		out[i] = p.position(&ms[i], ds, today)
	}
	return out
}

// Position is the row of body in the table at now; false when the body is
// not part of the conference.
func (p *Panel) Position(body string, now time.Time) (BodyPosition, bool) {
	m, _, err := p.lookup(body)
	if err != nil {
		return BodyPosition{}, false
	}
	today := workdays.DateOf(now)
	return p.position(&m, p.Deadlines(today), today), true
}

func (p *Panel) position(m *Participation, ds []Deadline, today workdays.Date) BodyPosition {
	c := p.Conference
	sync := c.Type.Simultaneous()
	pos := BodyPosition{BodyID: m.BodyID, Name: m.Name}
	if m.Determination != nil {
		d := *m.Determination
		pos.Determination = &d
	}
	if m.Integrations != nil {
		r := *m.Integrations
		pos.Integrations = &r
	}
	if sync {
		pos.Deadline = findDeadline(ds, DeadlineWorksEnd)
	} else {
		pos.Deadline = findDeadline(ds, DeadlineDeterminations)
	}
	due := pos.Deadline.Due
	past := !due.IsZero() && today.After(due)
	if !due.IsZero() {
		pos.DaysLeft = daysBetween(today, due)
	}
	var held *Session
	if sync && m.Determination == nil {
		held = p.heldSilence(m.BodyID)
	}
	switch {
	case m.Determination != nil:
		pos.Kind = PositionKind(m.Determination.Kind)
	case held != nil:
		pos.Kind, pos.SilentSince, pos.SilentSession = PositionSilentAssent, workdays.DateOf(held.Start), held.Seq
	case !sync && past:
		pos.Kind, pos.SilentSince = PositionSilentAssent, due.AddDays(1)
	case m.Integrations != nil && m.Integrations.Pending():
		pos.Kind = PositionIntegrations
	default:
		pos.Kind = PositionAwaiting
	}
	pos.Label = pos.Kind.Label()
	switch {
	case pos.Kind != PositionSilentAssent:
	case held != nil:
		pos.Label = SilentAssentSessionLabel
	default:
		pos.Label = SilentAssentAsyncLabel
	}
	pos.CanDetermine = !c.Closed() && !past && pos.Kind != PositionSilentAssent
	if !sync && !c.Closed() && m.Integrations == nil {
		pos.CanRequestIntegrations, _ = p.integrationsOpen(ds, today)
	}
	pos.MayOppose = pos.Kind == PositionContrary && c.SensitiveInterests
	return pos
}

// Errors of the bodies' actions.
var (
	// ErrBodyNotInConference: the body is not part of the conference.
	ErrBodyNotInConference = &Error{Kind: KindNotFound, Code: "body_not_in_conference",
		Detail: "L'ente non risulta tra le amministrazioni coinvolte nella conferenza."}
	// ErrDeterminationClosed matches every DeterminationClosedError.
	ErrDeterminationClosed = &Error{Kind: KindConflict, Code: "determination_closed",
		Detail: "Il termine per le determinazioni è scaduto: la posizione dell'ente è consultabile in sola lettura."}
	// ErrIntegrationsNotAllowed: a simultaneous conference takes no
	// written requests for integrations.
	ErrIntegrationsNotAllowed = &Error{Kind: KindConflict, Code: "integrations_not_allowed",
		Detail: "Le integrazioni documentali si richiedono solo nella conferenza semplificata (asincrona, art. 14-bis); nella conferenza simultanea si chiedono in seduta."}
	// ErrIntegrationsAlreadyRequested matches every
	// IntegrationsAlreadyRequestedError.
	ErrIntegrationsAlreadyRequested = &Error{Kind: KindConflict, Code: "integrations_already_requested",
		Detail: "L'ente ha già chiesto integrazioni documentali: la richiesta è ammessa una sola volta."}
	// ErrIntegrationsClosed matches every IntegrationsClosedError.
	ErrIntegrationsClosed = &Error{Kind: KindConflict, Code: "integrations_closed",
		Detail: "Il termine per chiedere integrazioni documentali è scaduto."}
	// ErrIntegrationsNotPending: no integrations await the office's answer.
	ErrIntegrationsNotPending = &Error{Kind: KindConflict, Code: "integrations_not_pending",
		Detail: "L'ente non ha richieste di integrazioni documentali in attesa di risposta."}
)

// DeterminationClosedError is a determination given when the body's
// position is read-only: its deadline has passed, or its assent was
// acquired at a held session.
func DeterminationClosedError(pos BodyPosition) *Error {
	detail := ErrDeterminationClosed.Detail
	switch {
	case pos.SilentSession > 0:
		detail = fmt.Sprintf("L'assenso senza condizioni dell'ente è stato acquisito nella seduta n. %d del %s (art. 14-ter c.7): la sua posizione è consultabile in sola lettura.",
			pos.SilentSession, pos.SilentSince.Italian())
	case !pos.Deadline.Due.IsZero():
		detail = "Il termine per le determinazioni è scaduto il " + pos.Deadline.Due.Italian() + ": la posizione dell'ente è consultabile in sola lettura."
	}
	return &Error{Kind: KindConflict, Code: ErrDeterminationClosed.Code, Detail: detail}
}

// IntegrationsAlreadyRequestedError is a second request of one body, the
// first made on day.
func IntegrationsAlreadyRequestedError(day workdays.Date) *Error {
	return &Error{Kind: KindConflict, Code: ErrIntegrationsAlreadyRequested.Code,
		Detail: "L'ente ha già chiesto integrazioni documentali il " + day.Italian() + ": la richiesta è ammessa una sola volta."}
}

// IntegrationsClosedError is a request for integrations outside its window:
// before the conference's start, or after the documents deadline due.
func IntegrationsClosedError(start, due, today workdays.Date) *Error {
	detail := "Il termine per chiedere integrazioni documentali è scaduto il " + due.Italian() + "."
	if today.Before(start) {
		detail = "La conferenza è indetta il " + start.Italian() + ": le integrazioni documentali si possono chiedere da quel giorno."
	}
	return &Error{Kind: KindConflict, Code: ErrIntegrationsClosed.Code, Detail: detail}
}

// integrationsOpen tells whether a body may ask for integrations on day
// today, ds being the deadlines as of today, and the documents deadline it
// runs against: from the conference's start to that deadline, both
// included. While the terms are suspended, the window stays open if it was
// open on the day the suspension began: its last day may have been a
// working day after a holiday (a rolled term), which the suspended days,
// added to the term's natural end, do not move past.
func (p *Panel) integrationsOpen(ds []Deadline, today workdays.Date) (bool, workdays.Date) {
	due := findDeadline(ds, DeadlineDocuments).Due
	switch {
	case due.IsZero() || today.Before(p.Conference.StartDate):
		return false, due
	case !today.After(due):
		return true, due
	}
	if s := p.Suspension(today); s.Pending {
		if then := findDeadline(p.Deadlines(s.Since), DeadlineDocuments).Due; !s.Since.After(then) {
			return true, then
		}
	}
	return false, due
}

// lookup finds body's record: its index in p.Bodies, or -1 with an empty
// record when the body is convened to a session but has none yet.
func (p *Panel) lookup(body string) (Participation, int, error) {
	for i := range p.Bodies {
		if p.Bodies[i].BodyID == body {
			return p.Bodies[i], i, nil
		}
	}
	for _, m := range p.members() {
		if m.BodyID == body {
			return m, -1, nil
		}
	}
	return Participation{}, -1, ErrBodyNotInConference
}

// save writes m back to p.Bodies (appending a new record) and returns it.
func (p *Panel) save(m Participation, i int) *Participation {
	if i < 0 {
		p.Bodies = append(p.Bodies, m)
		i = len(p.Bodies) - 1
	}
	p.Bodies[i] = m
	return &p.Bodies[i]
}

// Determine records the determination in of body at now, or changes the
// one it gave: only while the conference is open and the body's position
// is not read-only (ErrConferenceClosed, DeterminationClosedError), with
// the input checked by NewDetermination. It returns the body's record as
// changed in p.Bodies (appended when the body had none); writing it and
// its history entry (OpDeterminationGiven, OpDeterminationChanged) is the
// caller's.
func (p *Panel) Determine(body string, in DeterminationInput, now time.Time) (*Participation, error) {
	if p.Conference.Closed() {
		return nil, ErrConferenceClosed
	}
	m, i, err := p.lookup(body)
	if err != nil {
		return nil, err
	}
	today := workdays.DateOf(now)
	if pos := p.position(&m, p.Deadlines(today), today); !pos.CanDetermine {
		return nil, DeterminationClosedError(pos)
	}
	d, err := NewDetermination(in, now)
	if err != nil {
		return nil, err
	}
	if m.Determination != nil {
		d.Revision = m.Determination.Revision + 1
	}
	m.Determination = d
	return p.save(m, i), nil
}

// RequestIntegrations records body's request for integrations at now,
// documents saying what it asks for: only in an asynchronous conference
// still open (ErrIntegrationsNotAllowed, ErrConferenceClosed), once per
// body (IntegrationsAlreadyRequestedError), from the conference's start to
// the documents deadline as moved by earlier suspensions, both included
// (IntegrationsClosedError). From now on the conference's terms are
// suspended until SupplyIntegrations. It returns the changed record as
// Determine does.
func (p *Panel) RequestIntegrations(body, documents string, now time.Time) (*Participation, error) {
	c := p.Conference
	if c.Closed() {
		return nil, ErrConferenceClosed
	}
	if c.Type.Simultaneous() {
		return nil, ErrIntegrationsNotAllowed
	}
	m, i, err := p.lookup(body)
	if err != nil {
		return nil, err
	}
	if m.Integrations != nil {
		return nil, IntegrationsAlreadyRequestedError(m.Integrations.RequestedOn())
	}
	today := workdays.DateOf(now)
	if open, due := p.integrationsOpen(p.Deadlines(today), today); !open {
		return nil, IntegrationsClosedError(c.StartDate, due, today)
	}
	var fe fieldErrors
	v := checkText(&fe, "documents", "documentazione richiesta", documents, MaxDeterminationTextLen, true)
	if err := fe.err(); err != nil {
		return nil, err
	}
	m.Integrations = &IntegrationsRequest{RequestedAt: now, Documents: v}
	return p.save(m, i), nil
}

// SupplyIntegrations records that the office sent body the integrations it
// asked for, at now, with their file when uploaded (fileKey, optional):
// the suspension its request started ends today. Only while the
// conference is open (ErrConferenceClosed) and the request awaits
// (ErrIntegrationsNotPending). It returns the changed record as Determine
// does.
func (p *Panel) SupplyIntegrations(body, fileKey string, now time.Time) (*Participation, error) {
	if p.Conference.Closed() {
		return nil, ErrConferenceClosed
	}
	m, i, err := p.lookup(body)
	if err != nil {
		return nil, err
	}
	if m.Integrations == nil || !m.Integrations.Pending() {
		return nil, ErrIntegrationsNotPending
	}
	var fe fieldErrors
	key := checkLine(&fe, "fileKey", "file delle integrazioni", fileKey, MaxFileKeyLen, false)
	if err := fe.err(); err != nil {
		return nil, err
	}
	r := *m.Integrations
	r.SuppliedAt, r.SuppliedFileKey = now, key
	if now.Before(r.RequestedAt) {
		r.SuppliedAt = r.RequestedAt
	}
	m.Integrations = &r
	return p.save(m, i), nil
}
