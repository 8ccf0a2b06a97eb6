package domain

import (
	"fmt"
	"net/mail"
	"strings"
	"time"

	"suapcds/shared/clock"
	"suapcds/shared/workdays"
)

// Meeting is what the service gives when it accepts a request.
type Meeting struct {
	RoomID   string
	Code     string
	Password string
	Link     string
}

// Request is a videoconference booking request (docs/rules.md §2).
type Request struct {
	ID            string
	PraticaID     string
	PraticaNumber string
	OfficeID      string
	// OfficeName is the sending office's name (STRUTTURA MITTENTE).
	OfficeName string
	BasinID    string
	// CreatedBy is the requester; CreatedByRole decides the basin read-only rule.
	CreatedBy     string
	CreatedByName string
	CreatedByRole Role
	CreatedAt     time.Time

	Start           time.Time
	DurationMinutes int
	Email           string
	Subject         string
	Recording       bool
	// RecordingConsent states that the participants' consent to recording
	// will be collected (GDPR); required when Recording is set.
	RecordingConsent bool

	State    State
	Assignee string
	// AssigneeName is the manager's display name (ASSEGNATARIO).
	AssigneeName string
	Meeting      *Meeting
	// StateReason is the service's message when declining or cancelling.
	StateReason string
	// MessageCount numbers the thread; the next message gets MessageCount+1.
	MessageCount int
	// RecordingFile is the acquired recording (docs/rules.md §6), set with EVASA.
	RecordingFile *RecordingFile
	UpdatedAt     time.Time
	Version       int64
	// Chain is the pratica's history chain as of this request's last
	// change (the store's, see ChainHead).
	Chain ChainHead
}

// RecordingFile is a meeting's recording as it landed in object storage.
type RecordingFile struct {
	// Key is the kept object's key, recordings/<requestId>/<id>: a copy
	// no upload can overwrite.
	Key string
	// UploadKey and ETag name the upload it was copied from
	// (uploads/recordings/<requestId>/<id>) and that upload's ETag, so a
	// second delivery of its event is told from a later post to the same
	// key. Empty on recordings acquired before copies were made.
	UploadKey string
	ETag      string
	// Size is its length in bytes; ContentType its video/* or audio/* type.
	Size        int64
	ContentType string
	AcquiredAt  time.Time
}

// End is when the meeting is expected to end.
func (r *Request) End() time.Time {
	return r.Start.Add(time.Duration(r.DurationMinutes) * time.Minute)
}

// Limits on a booking request.
const (
	MinDurationMinutes = 15
	MaxDurationMinutes = 8 * 60
	MaxSubjectLen      = 200
	MaxEmailLen        = 254
	// MaxAdvance is how far ahead a meeting may be booked.
	MaxAdvance = 366 * 24 * time.Hour
)

// NewRequestInput is what the requester fills in.
type NewRequestInput struct {
	Start            time.Time
	DurationMinutes  int
	Email            string
	Subject          string
	Recording        bool
	RecordingConsent bool
}

// LeadTimeCalendar is the requesting office's working-day calendar.
type LeadTimeCalendar interface {
	// CanRequest tells whether a request made at requestedAt for a meeting at
	// meetingStart respects the lead time of n working days, and the last
	// Europe/Rome day on which it could be made.
	CanRequest(requestedAt, meetingStart time.Time, n int) (bool, workdays.Date)
}

// NewRequest validates in and builds an APERTA request for pratica p made by
// who at now. leadDays is the lead time in working days (docs/rules.md: 2). The
// returned request has no ID yet. Every invalid field is reported at once; the
// lead-time rule is checked only on otherwise valid input and fails with a
// KindInvalid *Error of code "lead_time" naming the last day it could be sent.
func NewRequest(p *Pratica, who Principal, in NewRequestInput, now time.Time, cal LeadTimeCalendar, leadDays int) (*Request, error) {
	if who.Role != RoleSuapOperator && who.Role != RoleBasinOperator {
		return nil, ErrForbidden
	}
	if !who.CanActOn(p.OfficeID, p.BasinID) {
		return nil, ErrNotFound
	}
	var fe fieldErrors
	subject := checkLine(&fe, "subject", "oggetto comunicazione", in.Subject, MaxSubjectLen, true)
	email := checkEmail(&fe, "email", in.Email)
	switch {
	case in.DurationMinutes == 0:
		fe.add("durationMinutes", "required", "Il campo «durata» è obbligatorio.")
	case in.DurationMinutes < MinDurationMinutes || in.DurationMinutes > MaxDurationMinutes:
		fe.add("durationMinutes", "out_of_range", fmt.Sprintf("La durata deve essere compresa tra %d minuti e %d ore.", MinDurationMinutes, MaxDurationMinutes/60))
	}
	switch {
	case in.Start.IsZero():
		fe.add("start", "required", "Il campo «data e ora» è obbligatorio.")
	case !in.Start.After(now):
		fe.add("start", "in_past", "La data e ora della videoconferenza deve essere futura.")
	case in.Start.Sub(now) > MaxAdvance:
		fe.add("start", "too_far", "La videoconferenza può essere prenotata al massimo con un anno di anticipo.")
	}
	if in.Recording && !in.RecordingConsent {
		fe.add("recordingConsent", "consent_required", "Per la registrazione occorre dichiarare che sarà raccolto il consenso dei partecipanti.")
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	if ok, last := cal.CanRequest(now, in.Start, leadDays); !ok {
		return nil, LeadTimeError(last, leadDays)
	}
	return &Request{
		PraticaID:        p.ID,
		PraticaNumber:    p.Number,
		OfficeID:         p.OfficeID,
		BasinID:          p.BasinID,
		CreatedBy:        who.UserID,
		CreatedByName:    who.Name,
		CreatedByRole:    who.Role,
		CreatedAt:        now,
		Start:            in.Start,
		DurationMinutes:  in.DurationMinutes,
		Email:            email,
		Subject:          subject,
		Recording:        in.Recording,
		RecordingConsent: in.Recording && in.RecordingConsent,
		State:            StateOpen,
		UpdatedAt:        now,
	}, nil
}

var italianWeekdays = [...]string{"domenica", "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato"}

// LeadTimeError is the "lead_time" error naming the last day the request could
// have been sent, e.g. "… l'ultimo giorno utile era lunedì 12-01-2027."
func LeadTimeError(last workdays.Date, leadDays int) *Error {
	return &Error{
		Kind: KindInvalid,
		Code: ErrLeadTime.Code,
		Detail: fmt.Sprintf("La richiesta deve essere inviata almeno %d giorni lavorativi prima della videoconferenza: l'ultimo giorno utile era %s.",
			leadDays, ItalianDay(last)),
		Fields: []FieldError{{Field: "start", Code: ErrLeadTime.Code, Detail: "Ultimo giorno utile per la richiesta: " + last.Italian() + "."}},
	}
}

// ItalianDay names a day as people say it: "lunedì 09-03-2026".
func ItalianDay(d workdays.Date) string {
	return italianWeekdays[d.Weekday()] + " " + d.Italian()
}

// checkEmail accepts one plain address (no display name, no comments).
func checkEmail(fe *fieldErrors, field, value string) string {
	v := strings.TrimSpace(value)
	if v == "" {
		fe.add(field, "required", "Il campo «indirizzo email» è obbligatorio.")
		return v
	}
	if len(v) > MaxEmailLen {
		fe.add(field, "too_long", fmt.Sprintf("L'indirizzo email supera la lunghezza massima di %d caratteri.", MaxEmailLen))
		return v
	}
	if !ValidEmail(v) {
		fe.add(field, "invalid_email", fmt.Sprintf("L'indirizzo email %q non è valido.", v))
	}
	return v
}

// ValidEmail reports whether s is a single bare address such as
// "suap@comune.africo.rc.it" whose domain has a dot.
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	return at > 0 && strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// Apply moves r along transition t at time now. It checks only the state
// table; who may do it is decided by the caller (the manager's functions).
func (r *Request) Apply(t Transition, now time.Time) error {
	to, err := Next(r.State, t)
	if err != nil {
		return err
	}
	r.State = to
	r.UpdatedAt = now
	return nil
}

// FormatRome formats t as people read it: "dd-mm-yyyy hh:mm" in Europe/Rome.
func FormatRome(t time.Time) string { return t.In(clock.Rome).Format("02-01-2006 15:04") }

// FormatRomeSeconds is FormatRome with seconds, as the history shows it.
func FormatRomeSeconds(t time.Time) string { return t.In(clock.Rome).Format("02-01-2006 15:04:05") }

// DurationLabel shows minutes as people say it: "2 ore", "1 ora e 30 minuti".
func DurationLabel(minutes int) string {
	h, m := minutes/60, minutes%60
	var parts []string
	switch h {
	case 0:
	case 1:
		parts = append(parts, "1 ora")
	default:
		parts = append(parts, fmt.Sprintf("%d ore", h))
	}
	switch {
	case m == 1:
		parts = append(parts, "1 minuto")
	case m > 0:
		parts = append(parts, fmt.Sprintf("%d minuti", m))
	}
	if len(parts) == 0 {
		return "0 minuti"
	}
	return strings.Join(parts, " e ")
}
