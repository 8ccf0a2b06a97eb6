package domain

// RoleSystem is the role of the system acting on its own, on a schedule (the
// lead-time validator). No token can carry it: Role.Valid refuses it, so a
// claim cannot impersonate the system, and it can act on no office's data
// through the API.
const RoleSystem Role = "system"

// System is the principal of the system's scheduled actions. The history
// shows it as NOMINATIVO "Sistema", RUOLO / STRUTTURA "Procedura automatica".
var System = Principal{UserID: "system", Name: "Sistema", Role: RoleSystem}

// Outbox events of the scheduled validator (functions/leadtime). Each is
// enqueued once per request (sequence 1), so an hourly run that finds the
// same request again enqueues nothing.
const (
	// EventReminderUnanswered reminds the regional service that an APERTA
	// request is now inside the lead time without an answer.
	EventReminderUnanswered EventKind = "reminder_unanswered"
	// EventReminderRecording reminds the service that the recording of a
	// meeting that ended RecordingGraceDays working days ago has not been
	// acquired.
	EventReminderRecording EventKind = "reminder_recording"
)

// History operations of the scheduled validator.
const (
	OpReminderUnanswered Operation = "Sollecito richiesta videoconferenza senza riscontro"
	OpRequestExpired     Operation = "Richiesta videoconferenza scaduta senza riscontro"
	OpReminderRecording  Operation = "Sollecito acquisizione registrazione videoconferenza"
)

// ReasonExpired is the StateReason of an APERTA request whose meeting started
// without an answer from the service (it becomes NON_DISPONIBILE).
const ReasonExpired = "scaduta senza riscontro"

// RecordingGraceDays is how many working days after the meeting's end the
// service has to acquire a recording before it is reminded.
const RecordingGraceDays = 5
