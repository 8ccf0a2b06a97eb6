package domain

import (
	"fmt"
	"net/mail"
	"strings"
	"time"

	"suapcds/shared/clock"
	"suapcds/shared/workdays"
)

// ConferenceType is the kind of a services conference (docs/rules.md §4).
type ConferenceType string

// Conference types. Only decisoria_semplificata is held asynchronously by
// nature; preliminare and istruttoria follow the simplified (asynchronous)
// timetable of art. 14-bis L. 241/1990 too, which is what their deadlines
// use; simultanea_sincrona meets (here by videoconference).
const (
	CDSPreliminare           ConferenceType = "preliminare"
	CDSIstruttoria           ConferenceType = "istruttoria"
	CDSDecisoriaSemplificata ConferenceType = "decisoria_semplificata"
	CDSSimultaneaSincrona    ConferenceType = "simultanea_sincrona"
)

// ConferenceTypes lists every conference type.
var ConferenceTypes = []ConferenceType{CDSPreliminare, CDSIstruttoria, CDSDecisoriaSemplificata, CDSSimultaneaSincrona}

// Valid reports whether t is a known conference type.
func (t ConferenceType) Valid() bool {
	for _, k := range ConferenceTypes {
		if k == t {
			return true
		}
	}
	return false
}

// Simultaneous reports whether the conference is held in meetings (art.
// 14-ter); otherwise it follows the asynchronous timetable (art. 14-bis).
func (t ConferenceType) Simultaneous() bool { return t == CDSSimultaneaSincrona }

// Label is the Italian name of the type, as people read it.
func (t ConferenceType) Label() string {
	switch t {
	case CDSPreliminare:
		return "Preliminare"
	case CDSIstruttoria:
		return "Istruttoria"
	case CDSDecisoriaSemplificata:
		return "Decisoria semplificata (asincrona)"
	case CDSSimultaneaSincrona:
		return "Simultanea sincrona"
	}
	return string(t)
}

// DeadlineKind names one legal deadline of a conference (docs/rules.md §7).
type DeadlineKind string

// The deadlines of a conference.
const (
	// DeadlineConvocation: an asynchronous CDS is convened (indetta) within
	// 5 working days of the application.
	DeadlineConvocation DeadlineKind = "convocation"
	// DeadlineDocuments: the bodies may ask for documents within 15 days of
	// the convocation.
	DeadlineDocuments DeadlineKind = "documents_request"
	// DeadlineDeterminations: the bodies send their determinations within 45
	// days (90 for sensitive interests); silence is assent (art. 14-bis c.4).
	DeadlineDeterminations DeadlineKind = "determinations"
	// DeadlineWorksEnd: a simultaneous CDS ends its work within 45 days (90)
	// of its first meeting.
	DeadlineWorksEnd DeadlineKind = "works_end"
)

// Legal terms, in calendar days unless said otherwise.
const (
	ConvocationWorkdays    = 5
	DocumentsRequestDays   = 15
	DeterminationDays      = 45
	SensitiveDetermination = 90
)

// Deadline is one computed legal deadline.
type Deadline struct {
	Kind DeadlineKind
	// Label is the Italian description shown to people.
	Label string
	// From is the date the term runs from; Due the last day to act.
	From workdays.Date
	Due  workdays.Date
	// Rolled is set when the term's natural end fell on a holiday or a
	// weekend and Due was moved to the next working day.
	Rolled bool
	// SuspendedDays is how many calendar days the term stood still for the
	// bodies' requests for integrations (art. 2 c.7, art. 14-bis c.2 b):
	// its natural end is moved by as many days before rolling. Suspended
	// says the terms are still suspended: Due assumes the integrations
	// arrive today and moves on by a day each day they do not.
	SuspendedDays int
	Suspended     bool
}

// rollForward returns day, or the first working day after it.
func rollForward(cal *workdays.Calendar, day workdays.Date) (workdays.Date, bool) {
	rolled := false
	for !cal.IsWorkday(day) {
		day, rolled = day.AddDays(1), true
	}
	return day, rolled
}

// calendarTerm is a term of n calendar days from from, lengthened by the
// days of s, moved to the next working day when it ends on a non-working
// one.
func calendarTerm(cal *workdays.Calendar, kind DeadlineKind, label string, from workdays.Date, n int, s Suspension) Deadline {
	due, rolled := rollForward(cal, from.AddDays(n+s.Days))
	return Deadline{Kind: kind, Label: label, From: from, Due: due, Rolled: rolled, SuspendedDays: s.Days, Suspended: s.Pending}
}

// Deadlines computes the legal deadlines of c on the office's calendar
// (national holidays plus its local ones). Asynchronous types: the
// convocation within 5 working days of c.ApplicationDate (when known), the
// documents request within 15 days and the determinations within 45 days
// (90 with SensitiveInterests) of c.StartDate. Simultaneous: the end of the
// work within 45 days (90) of firstMeeting, when a meeting is convened (zero
// firstMeeting: not yet). A term ending on a non-working day moves to the
// next working day.
func Deadlines(cal *workdays.Calendar, c *Conference, firstMeeting workdays.Date) []Deadline {
	return deadlines(cal, c, firstMeeting, Suspension{})
}

// deadlines is Deadlines with the asynchronous terms (documents,
// determinations) lengthened by the suspension s; the convocation term,
// which ends before the conference starts, and the simultaneous one, which
// integrations never suspend, are as Deadlines has them.
func deadlines(cal *workdays.Calendar, c *Conference, firstMeeting workdays.Date, s Suspension) []Deadline {
	if cal == nil {
		cal = workdays.National()
	}
	days := DeterminationDays
	if c.SensitiveInterests {
		days = SensitiveDetermination
	}
	var out []Deadline
	if c.Type.Simultaneous() {
		if !firstMeeting.IsZero() {
			out = append(out, calendarTerm(cal, DeadlineWorksEnd,
				fmt.Sprintf("Conclusione dei lavori della conferenza (%d giorni dalla prima riunione)", days), firstMeeting, days, Suspension{}))
		}
		return out
	}
	if !c.ApplicationDate.IsZero() {
		out = append(out, Deadline{Kind: DeadlineConvocation,
			Label: fmt.Sprintf("Indizione della conferenza (%d giorni lavorativi dalla domanda)", ConvocationWorkdays),
			From:  c.ApplicationDate, Due: cal.AddWorkdays(c.ApplicationDate, ConvocationWorkdays)})
	}
	out = append(out,
		calendarTerm(cal, DeadlineDocuments,
			fmt.Sprintf("Richiesta di integrazioni documentali (%d giorni dall'indizione)", DocumentsRequestDays), c.StartDate, DocumentsRequestDays, s),
		calendarTerm(cal, DeadlineDeterminations,
			fmt.Sprintf("Determinazioni delle amministrazioni coinvolte (%d giorni dall'indizione)", days), c.StartDate, days, s))
	return out
}

// ConferenceOutcome is a conference's outcome (esito); empty while open.
type ConferenceOutcome string

// Outcomes of a conference.
const (
	OutcomeOpen          ConferenceOutcome = ""
	OutcomePositive      ConferenceOutcome = "positivo"
	OutcomeWithCondition ConferenceOutcome = "positivo_con_prescrizioni"
	OutcomeNegative      ConferenceOutcome = "negativo"
)

// ConferenceOutcomes lists the outcomes of a concluded conference.
var ConferenceOutcomes = []ConferenceOutcome{OutcomePositive, OutcomeWithCondition, OutcomeNegative}

// Valid reports whether o is a known outcome (the empty one included).
func (o ConferenceOutcome) Valid() bool {
	switch o {
	case OutcomeOpen, OutcomePositive, OutcomeWithCondition, OutcomeNegative:
		return true
	}
	return false
}

// Label is the outcome as people read it ("" while open).
func (o ConferenceOutcome) Label() string {
	switch o {
	case OutcomePositive:
		return "Positivo"
	case OutcomeWithCondition:
		return "Positivo con prescrizioni"
	case OutcomeNegative:
		return "Negativo"
	}
	return string(o)
}

// Conference is one services conference of a pratica (Lista delle
// Conferenze dei Servizi).
type Conference struct {
	ID        string
	PraticaID string
	Type      ConferenceType
	// SensitiveInterests: environment, landscape, cultural heritage or
	// health are involved (90-day terms).
	SensitiveInterests bool
	// ApplicationDate is the date of the application (istanza), when known:
	// the convocation term runs from it.
	ApplicationDate workdays.Date
	// StartDate is the date of the convocation (indizione); EndDate the
	// conclusion, empty while open.
	StartDate workdays.Date
	EndDate   workdays.Date
	Outcome   ConferenceOutcome
	// ClosingFileKey is the object key of the closing act, when uploaded.
	ClosingFileKey string
	// SessionCount numbers the sessions; FirstMeeting is the earliest
	// convened session's date (the simultaneous term runs from it).
	SessionCount int
	FirstMeeting workdays.Date
	CreatedAt    time.Time
	CreatedBy    string
	Version      int64
}

// NewConferenceInput is what an operator gives to create a conference.
type NewConferenceInput struct {
	Type               ConferenceType
	SensitiveInterests bool
	ApplicationDate    workdays.Date
	StartDate          workdays.Date
}

// NewConference validates in and builds a conference of pratica p.
func NewConference(p *Pratica, in NewConferenceInput, who Principal, now time.Time) (*Conference, error) {
	var fe fieldErrors
	if !in.Type.Valid() {
		fe.add("type", "invalid_cds_type", fmt.Sprintf("Tipo di conferenza %q non riconosciuto.", in.Type))
	}
	if in.StartDate.IsZero() || !in.StartDate.Valid() {
		fe.add("startDate", "required", "La data di indizione della conferenza è obbligatoria.")
	}
	if !in.ApplicationDate.IsZero() && !in.StartDate.IsZero() && in.ApplicationDate.After(in.StartDate) {
		fe.add("applicationDate", "after_start", "La data della domanda non può essere successiva alla data di indizione.")
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	return &Conference{
		PraticaID: p.ID, Type: in.Type, SensitiveInterests: in.SensitiveInterests,
		ApplicationDate: in.ApplicationDate, StartDate: in.StartDate,
		CreatedAt: now, CreatedBy: who.UserID,
	}, nil
}

// Body is an entry of the directory of third-party bodies (enti terzi) kept
// by the admin; offices pick the bodies to convene from it.
type Body struct {
	ID    string
	Name  string
	PEC   string
	Email string
	// Version counts committed changes; 0 means new.
	Version int64
}

// Limits on a body of the directory.
const MaxBodyEmailLen = 254

// Validate checks a body: an id, a name, and at least one of PEC and e-mail,
// each a plain address. It trims text in place.
func (b *Body) Validate() error {
	var fe fieldErrors
	if !ValidID(b.ID) {
		fe.add("id", "invalid_id", "Identificativo dell'ente non valido (da 1 a 64 caratteri tra lettere, cifre, '.', '_' e '-').")
	}
	b.Name = checkLine(&fe, "name", "denominazione", b.Name, MaxBodyNameLen, true)
	b.PEC = checkAddress(&fe, "pec", "PEC", b.PEC)
	b.Email = checkAddress(&fe, "email", "e-mail", b.Email)
	if b.PEC == "" && b.Email == "" {
		fe.add("pec", "required", "Indicare almeno un indirizzo PEC o e-mail dell'ente.")
	}
	return fe.err()
}

// Address is where the body's mail goes: its PEC, else its e-mail.
func (b *Body) Address() string {
	if b.PEC != "" {
		return b.PEC
	}
	return b.Email
}

func checkAddress(fe *fieldErrors, field, label, v string) string {
	v = checkLine(fe, field, label, v, MaxBodyEmailLen, false)
	if v == "" {
		return v
	}
	if a, err := mail.ParseAddress(v); err != nil || a.Address != v || a.Name != "" {
		fe.add(field, "invalid_email", "L'indirizzo «"+label+"» non è valido.")
	}
	return v
}

// SessionState is the state of a conference's session (seduta).
type SessionState string

// Session states (docs/rules.md §4).
const (
	SessionConvened  SessionState = "CONVOCATA"
	SessionHeld      SessionState = "SVOLTA"
	SessionCancelled SessionState = "ANNULLATA"
)

// Label is the state as people read it.
func (s SessionState) Label() string {
	switch s {
	case SessionConvened:
		return "Convocata"
	case SessionHeld:
		return "Svolta"
	case SessionCancelled:
		return "Annullata"
	}
	return string(s)
}

// ConvokedBody is a body as convened: a copy of its directory entry at the
// time of the convocation.
type ConvokedBody struct {
	BodyID string
	Name   string
	PEC    string
	Email  string
}

// Session is one meeting (seduta) of a conference.
type Session struct {
	ID           string
	PraticaID    string
	ConferenceID string
	// Seq numbers the conference's sessions from 1.
	Seq   int
	Start time.Time
	Place string
	State SessionState
	// ConvocationFileKey and ClosingFileKey are object keys, when uploaded.
	ConvocationFileKey string
	ClosingFileKey     string
	Bodies             []ConvokedBody
	// BookingRequestID and Meeting are the accepted videoconference booking
	// of the pratica covering Start, if any.
	BookingRequestID string
	Meeting          *Meeting
	CreatedAt        time.Time
	CreatedBy        string
	UpdatedAt        time.Time
	Version          int64
}

// Limits on a session.
const (
	MaxPlaceLen = 200
	// MaxFileKeyLen bounds an object key (S3 allows 1024 bytes).
	MaxFileKeyLen = 1024
	// MaxSessionBodies bounds the bodies convened at once: the convocation
	// is one transaction with an outbox item per body.
	MaxSessionBodies = 50
)

// PlaceVideoconference is the place pre-filled when an accepted booking of
// the pratica covers the session's time.
const PlaceVideoconference = "Videoconferenza"

// ConveneInput is what an operator gives to convene a session.
type ConveneInput struct {
	Start              time.Time
	Place              string
	ConvocationFileKey string
	BodyIDs            []string
}

// CoveringBooking returns the accepted booking among reqs whose meeting
// covers start, if any.
func CoveringBooking(reqs []Request, start time.Time) *Request {
	for i := range reqs {
		r := &reqs[i]
		if r.Meeting == nil || (r.State != StateProcessing && r.State != StateDone) {
			continue
		}
		if !start.Before(r.Start) && start.Before(r.End()) {
			return r
		}
	}
	return nil
}

// NewSession validates a convocation of conference c at now. bodies are the
// directory entries of in.BodyIDs (in that order, nil where unknown);
// booking is the accepted booking covering in.Start, if any: it pre-fills the
// place and gives the meeting's data.
func NewSession(c *Conference, in ConveneInput, bodies []*Body, booking *Request, who Principal, now time.Time) (*Session, error) {
	if c.Closed() {
		return nil, ErrConferenceClosed
	}
	var fe fieldErrors
	if in.Start.IsZero() {
		fe.add("start", "required", "La data e l'ora della seduta sono obbligatorie.")
	} else if !in.Start.After(now) {
		fe.add("start", "in_the_past", "La seduta deve essere convocata per una data e ora future.")
	}
	place := strings.TrimSpace(in.Place)
	if place == "" && booking != nil {
		place = PlaceVideoconference
	}
	place = checkLine(&fe, "place", "luogo", place, MaxPlaceLen, true)
	key := checkLine(&fe, "convocationFileKey", "file di convocazione", in.ConvocationFileKey, MaxFileKeyLen, true)
	switch {
	case len(in.BodyIDs) == 0:
		fe.add("bodyIds", "required", "Selezionare almeno un ente da convocare.")
	case len(in.BodyIDs) > MaxSessionBodies:
		fe.add("bodyIds", "too_many", fmt.Sprintf("Si possono convocare al massimo %d enti per seduta.", MaxSessionBodies))
	}
	seen := map[string]bool{}
	var convoked []ConvokedBody
	for i, id := range in.BodyIDs {
		f := fmt.Sprintf("bodyIds[%d]", i)
		switch {
		case i >= len(bodies) || bodies[i] == nil:
			fe.add(f, "unknown_body", fmt.Sprintf("L'ente %q non è presente nell'elenco degli enti.", id))
		case seen[id]:
			fe.add(f, "duplicate", fmt.Sprintf("L'ente %q è selezionato più volte.", bodies[i].Name))
		default:
			b := bodies[i]
			convoked = append(convoked, ConvokedBody{BodyID: b.ID, Name: b.Name, PEC: b.PEC, Email: b.Email})
		}
		seen[id] = true
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	s := &Session{
		PraticaID: c.PraticaID, ConferenceID: c.ID, Seq: c.SessionCount + 1,
		Start: in.Start.In(clock.Rome), Place: place, State: SessionConvened,
		ConvocationFileKey: key, Bodies: convoked,
		CreatedAt: now, CreatedBy: who.UserID, UpdatedAt: now,
	}
	if booking != nil {
		m := *booking.Meeting
		s.BookingRequestID, s.Meeting = booking.ID, &m
	}
	return s, nil
}

// ErrSessionClosed: only a CONVOCATA session can become SVOLTA or ANNULLATA.
var ErrSessionClosed = &Error{Kind: KindConflict, Code: "session_closed",
	Detail: "La seduta non è più convocata: il suo stato non può essere cambiato."}

// SetState moves a CONVOCATA session to SVOLTA or ANNULLATA. closingFileKey,
// when given, is the session's closing file (verbale): only with SVOLTA, and
// it may come later too — SVOLTA → SVOLTA records it on a held session that
// has none yet. Checking that the file was uploaded is the caller's.
func (s *Session) SetState(to SessionState, closingFileKey string, now time.Time) error {
	if to != SessionHeld && to != SessionCancelled {
		return &Error{Kind: KindInvalid, Code: "invalid_input", Detail: fmt.Sprintf("Stato della seduta %q non valido: ammessi SVOLTA e ANNULLATA.", to),
			Fields: []FieldError{{Field: "state", Code: "invalid_state", Detail: "Stato ammesso: SVOLTA o ANNULLATA."}}}
	}
	var fe fieldErrors
	key := checkLine(&fe, "closingFileKey", "verbale della seduta", closingFileKey, MaxFileKeyLen, false)
	if key != "" && to == SessionCancelled {
		fe.add("closingFileKey", "not_allowed", "Il verbale si allega solo a una seduta svolta, non a una seduta annullata.")
	}
	if err := fe.err(); err != nil {
		return err
	}
	if s.State == SessionHeld && to == SessionHeld && key != "" && s.ClosingFileKey == "" {
		s.ClosingFileKey, s.UpdatedAt = key, now
		return nil
	}
	if s.State != SessionConvened {
		return ErrSessionClosed
	}
	if to == SessionHeld && now.Before(s.Start) {
		return &Error{Kind: KindConflict, Code: "session_not_started",
			Detail: "La seduta non può essere segnata come svolta prima della data e ora di convocazione."}
	}
	s.State, s.ClosingFileKey, s.UpdatedAt = to, key, now
	return nil
}

// Errors of a conference's closure.
var (
	// ErrConferenceClosed: a concluded conference (its outcome recorded)
	// takes no new session and cannot be concluded again.
	ErrConferenceClosed = &Error{Kind: KindConflict, Code: "conference_closed",
		Detail: "La conferenza dei servizi è già conclusa: non è possibile modificarla né convocare nuove sedute."}
	// ErrSessionsOpen: a conference concludes only when none of its sessions
	// is still CONVOCATA.
	ErrSessionsOpen = &Error{Kind: KindConflict, Code: "sessions_open",
		Detail: "La conferenza ha sedute ancora convocate: segnarle come svolte o annullate prima di concluderla."}
)

// Closed reports whether the conference is concluded (its outcome recorded).
func (c *Conference) Closed() bool { return c.Outcome != OutcomeOpen }

// CloseConferenceInput is what an operator gives to conclude a conference.
type CloseConferenceInput struct {
	Outcome ConferenceOutcome
	EndDate workdays.Date
	// ClosingFileKey is the closing act, when uploaded; optional.
	ClosingFileKey string
}

// Close concludes c with in's outcome, end date and closing file. sessions
// are c's sessions (others are ignored); today is the current date in
// Europe/Rome. The end date runs from the conference's start, and its last
// session held, to today.
// Checking that the closing file was uploaded is the caller's.
func (c *Conference) Close(in CloseConferenceInput, sessions []Session, today workdays.Date) error {
	if c.Closed() {
		return ErrConferenceClosed
	}
	var fe fieldErrors
	switch {
	case in.Outcome == OutcomeOpen:
		fe.add("outcome", "required", "L'esito della conferenza è obbligatorio.")
	case !in.Outcome.Valid():
		fe.add("outcome", "invalid_outcome", fmt.Sprintf("Esito %q non valido: ammessi positivo, positivo_con_prescrizioni e negativo.", in.Outcome))
	}
	switch {
	case in.EndDate.IsZero() || !in.EndDate.Valid():
		fe.add("endDate", "required", "La data di conclusione della conferenza è obbligatoria.")
	case in.EndDate.Before(c.StartDate):
		fe.add("endDate", "before_start", "La data di conclusione non può precedere la data di indizione ("+c.StartDate.Italian()+").")
	case in.EndDate.After(today):
		fe.add("endDate", "in_the_future", "La data di conclusione non può essere successiva alla data odierna.")
	default:
		// Not before the last meeting held: the conference ends with it.
		for i := range sessions {
			x := &sessions[i]
			if day := workdays.DateOf(x.Start); x.ConferenceID == c.ID && x.State == SessionHeld && in.EndDate.Before(day) {
				fe.add("endDate", "before_last_session", fmt.Sprintf("La data di conclusione non può precedere la seduta n. %d, svolta il %s.", x.Seq, day.Italian()))
				break
			}
		}
	}
	key := checkLine(&fe, "closingFileKey", "determinazione conclusiva", in.ClosingFileKey, MaxFileKeyLen, false)
	if err := fe.err(); err != nil {
		return err
	}
	for i := range sessions {
		if x := &sessions[i]; x.ConferenceID == c.ID && x.State == SessionConvened {
			return &Error{Kind: KindConflict, Code: ErrSessionsOpen.Code,
				Detail: fmt.Sprintf("La seduta n. %d del %s è ancora convocata: segnarla come svolta o annullata prima di concludere la conferenza.", x.Seq, FormatRome(x.Start))}
		}
	}
	c.Outcome, c.EndDate, c.ClosingFileKey = in.Outcome, in.EndDate, key
	return nil
}
