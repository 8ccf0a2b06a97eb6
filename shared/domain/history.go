package domain

import "time"

// Operation is the "OPERAZIONE SVOLTA" column of a pratica's history. The
// values are the Italian texts people read, as the manual shows them.
type Operation string

// Operations written to the history.
const (
	OpVerificationsSent   Operation = "Richiesta parere pratica"
	OpNoCDSReason         Operation = "Inserimento motivo mancata convocazione CDS"
	OpPraticaRegistered   Operation = "Registrazione dati pratica"
	OpPraticaUpdated      Operation = "Aggiornamento dati pratica"
	OpRequestCreated      Operation = "Richiesta prenotazione videoconferenza"
	OpMessageSent         Operation = "Invio comunicazione videoconferenza"
	OpRequestStateChanged Operation = "Cambio stato richiesta videoconferenza"
	OpRequestTaken        Operation = "Presa in carico richiesta videoconferenza"
	OpRequestAccepted     Operation = "Conferma disponibilità videoconferenza"
	OpRequestDeclined     Operation = "Videoconferenza non disponibile"
	OpRequestCancelled    Operation = "Annullamento videoconferenza"
)

// HistoryEntry is one line of a pratica's Storico.
type HistoryEntry struct {
	PraticaID string
	At        time.Time
	ActorID   string
	// ActorName is NOMINATIVO; RoleUnit is RUOLO / STRUTTURA.
	ActorName string
	RoleUnit  string
	Operation Operation
	// Detail adds context (a request's id, a new state); may be empty.
	Detail string
	// RequestID links the entry to a booking request, when there is one.
	RequestID string
}

// NewHistory builds the history entry for an operation by who at now.
func NewHistory(praticaID string, who Principal, op Operation, detail string, now time.Time) HistoryEntry {
	return HistoryEntry{
		PraticaID: praticaID,
		At:        now,
		ActorID:   who.UserID,
		ActorName: who.Name,
		RoleUnit:  who.RoleUnit(),
		Operation: op,
		Detail:    detail,
	}
}

// EventKind names an outbox event: something to be mailed (docs/rules.md §3).
type EventKind string

// Outbox events.
const (
	EventRequestCreated EventKind = "request_created"
	EventMessagePosted  EventKind = "message_posted"
	EventStateChanged   EventKind = "state_changed"
)

// OutboxEvent is a notification that the change commits together with the
// data; the notify function mails it exactly once.
type OutboxEvent struct {
	Kind      EventKind
	PraticaID string
	// SubjectID is what the event is about: a booking request's id, or a
	// convened session's (EventSessionConvened). It is stored under the
	// attribute requestId, its name before sessions had events, so stored
	// items and OutboxID stay as they were.
	SubjectID string
	// Seq distinguishes several events of one kind on one request (the
	// message number, the request version); with the kind it makes the
	// event's id, so a retried change cannot enqueue a second copy.
	Seq int64
	At  time.Time
	// Data carries what the mail needs beyond the request itself.
	Data map[string]string
}

// Operations of the recording (docs/rules.md §6).
const (
	OpRecordingAcquired   Operation = "Acquisizione registrazione"
	OpRecordingDownloaded Operation = "Download registrazione"
)

// Operations of the services conferences (docs/rules.md §4).
const (
	OpConferenceCreated Operation = "Inserimento conferenza dei servizi"
	OpSessionConvened   Operation = "Convocazione seduta conferenza dei servizi"
	OpSessionHeld       Operation = "Seduta conferenza dei servizi svolta"
	OpSessionCancelled  Operation = "Annullamento seduta conferenza dei servizi"
	OpSessionMinutes    Operation = "Inserimento verbale seduta conferenza dei servizi"
	OpConferenceClosed  Operation = "Conferenza dei servizi conclusa"
)

// EventSessionConvened mails one convened body the convocation of a session:
// SubjectID carries the session's id, Seq the body's position in it, and Data
// the conference's id ("conferenceId") and the body's ("bodyId").
const EventSessionConvened EventKind = "session_convened"

// ChainHead is where a pratica's history chain stood when the store read an
// item about to change: the seq and hash of its newest entry (Seq 0: no
// chain yet). It is the store's business, carried with the item like
// Version: the change's transaction expects this head, so the store need
// not read it again, and reads it only when another change moved it since.
// The zero value (Known false) means nothing was read: the store reads it.
type ChainHead struct {
	Known bool
	Seq   int64
	Hash  string
}
