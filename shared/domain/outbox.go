package domain

import (
	"strconv"
	"time"

	"suapcds/shared/workdays"
)

// The outbox contract: one constructor per event kind, used by whoever
// commits the event (shared/app, functions/leadtime), and one reader per
// kind's payload, used by notify. The payload travels as OutboxEvent.Data
// (strings, as stored); only this file knows its keys.
const (
	dataSeq            = "seq"
	dataSenderRole     = "senderRole"
	dataFrom           = "from"
	dataTo             = "to"
	dataReason         = "reason"
	dataLastRequestDay = "lastRequestDay"
	dataEndedOn        = "endedOn"
	dataDue            = "due"
	dataConferenceID   = "conferenceId"
	dataBodyID         = "bodyId"
)

// RequestCreatedEvent is the mail to the service about a new request (the
// store fills in the request and pratica ids).
func RequestCreatedEvent(at time.Time) OutboxEvent {
	return OutboxEvent{Kind: EventRequestCreated, Seq: 1, At: at}
}

// MessagePostedEvent is the mail about message m of a thread, posted by a
// sender in role.
func MessagePostedEvent(m *Message, role Role, at time.Time) OutboxEvent {
	return OutboxEvent{Kind: EventMessagePosted, Seq: int64(m.Seq), At: at,
		Data: map[string]string{dataSeq: strconv.Itoa(m.Seq), dataSenderRole: string(role)}}
}

// StateChangedEvent is the mail about r's change from from to r.State (r as
// it will be written), numbered by the version the update writes so each
// change mails once. reason is set by an expiry (ReasonExpired).
func StateChangedEvent(r *Request, from State, reason string, at time.Time) OutboxEvent {
	d := map[string]string{dataFrom: string(from), dataTo: string(r.State)}
	if reason != "" {
		d[dataReason] = reason
	}
	return OutboxEvent{Kind: EventStateChanged, Seq: r.Version + 1, At: at, Data: d}
}

// ReminderUnansweredEvent reminds the service of r, still APERTA after its
// last day to be asked (lastDay).
func ReminderUnansweredEvent(r *Request, lastDay workdays.Date, at time.Time) OutboxEvent {
	return OutboxEvent{Kind: EventReminderUnanswered, PraticaID: r.PraticaID, SubjectID: r.ID, Seq: 1, At: at,
		Data: map[string]string{dataLastRequestDay: lastDay.String()}}
}

// ReminderRecordingEvent reminds the service of r's recording, not
// acquired although the meeting ended on endedOn and was due by due.
func ReminderRecordingEvent(r *Request, endedOn, due workdays.Date, at time.Time) OutboxEvent {
	return OutboxEvent{Kind: EventReminderRecording, PraticaID: r.PraticaID, SubjectID: r.ID, Seq: 1, At: at,
		Data: map[string]string{dataEndedOn: endedOn.String(), dataDue: due.String()}}
}

// SessionConvenedEvent mails body n (from 1) of a session its convocation.
// The event's subject (SubjectID) is the session's id, which the store
// sets; the conference and the body travel in the payload.
func SessionConvenedEvent(conferenceID, bodyID string, n int, at time.Time) OutboxEvent {
	return OutboxEvent{Kind: EventSessionConvened, Seq: int64(n), At: at,
		Data: map[string]string{dataConferenceID: conferenceID, dataBodyID: bodyID}}
}

// MessagePosted is a message_posted event's payload.
type MessagePosted struct {
	// Seq is the message's number in its thread (the event's Seq when the
	// payload lacks it).
	Seq int
	// SenderRole is "" for events written before it was carried.
	SenderRole Role
}

// ReadMessagePosted reads a message_posted payload; seq is the event's.
func ReadMessagePosted(data map[string]string, seq int64) MessagePosted {
	n, _ := strconv.Atoi(data[dataSeq])
	if n == 0 {
		n = int(seq)
	}
	return MessagePosted{Seq: n, SenderRole: Role(data[dataSenderRole])}
}

// StateChanged is a state_changed event's payload.
type StateChanged struct {
	From, To State
	Reason   string
}

// ReadStateChanged reads a state_changed payload.
func ReadStateChanged(data map[string]string) StateChanged {
	return StateChanged{From: State(data[dataFrom]), To: State(data[dataTo]), Reason: data[dataReason]}
}

// ReadReminderUnanswered reads the last day to be asked of a
// reminder_unanswered payload (the zero Date when absent or bad).
func ReadReminderUnanswered(data map[string]string) workdays.Date {
	d, _ := workdays.ParseDate(data[dataLastRequestDay])
	return d
}

// ReadReminderRecording reads the due day of a reminder_recording payload.
func ReadReminderRecording(data map[string]string) workdays.Date {
	d, _ := workdays.ParseDate(data[dataDue])
	return d
}

// Convocation is a session_convened event's payload.
type Convocation struct{ ConferenceID, BodyID string }

// ReadSessionConvened reads a session_convened payload.
func ReadSessionConvened(data map[string]string) Convocation {
	return Convocation{ConferenceID: data[dataConferenceID], BodyID: data[dataBodyID]}
}
