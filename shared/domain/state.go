package domain

// State is where a booking request stands (docs/rules.md §2, the manual's figure 12).
type State string

// The four states of a booking request.
const (
	StateOpen        State = "APERTA"          // sent, waiting for the regional service
	StateUnavailable State = "NON_DISPONIBILE" // final, negative
	StateProcessing  State = "IN_ELABORAZIONE" // accepted, waiting for the recording
	StateDone        State = "EVASA"           // final, positive
)

// States lists every state, in the order the manual's table gives them.
var States = []State{StateOpen, StateUnavailable, StateProcessing, StateDone}

// Valid reports whether s is one of the four states.
func (s State) Valid() bool {
	switch s {
	case StateOpen, StateUnavailable, StateProcessing, StateDone:
		return true
	}
	return false
}

// Final reports whether no transition leaves s; its thread is closed.
func (s State) Final() bool { return s == StateUnavailable || s == StateDone }

// Live reports whether s blocks a new request for the same pratica.
func (s State) Live() bool { return s == StateOpen || s == StateProcessing }

// Label is the Italian name shown to people.
func (s State) Label() string {
	switch s {
	case StateOpen:
		return "Aperta"
	case StateUnavailable:
		return "Non disponibile"
	case StateProcessing:
		return "In elaborazione"
	case StateDone:
		return "Evasa"
	}
	return string(s)
}

// Transition is a named change of state.
type Transition string

// The transitions of docs/rules.md §2. Nothing else changes a request's state.
const (
	// Decline: the service has no room (APERTA → NON_DISPONIBILE).
	Decline Transition = "decline"
	// Accept: accepted without recording (APERTA → EVASA).
	Accept Transition = "accept"
	// AcceptWithRecording: accepted, recording asked (APERTA → IN_ELABORAZIONE).
	AcceptWithRecording Transition = "accept_with_recording"
	// RecordingAcquired: the file has landed (IN_ELABORAZIONE → EVASA).
	RecordingAcquired Transition = "recording_acquired"
	// Cancel: the service withdraws an acceptance (IN_ELABORAZIONE → NON_DISPONIBILE).
	Cancel Transition = "cancel"
)

// Transitions lists every transition.
var Transitions = []Transition{Decline, Accept, AcceptWithRecording, RecordingAcquired, Cancel}

type edge struct {
	from State
	t    Transition
}

var stateTable = map[edge]State{
	{StateOpen, Decline}:                 StateUnavailable,
	{StateOpen, Accept}:                  StateDone,
	{StateOpen, AcceptWithRecording}:     StateProcessing,
	{StateProcessing, RecordingAcquired}: StateDone,
	{StateProcessing, Cancel}:            StateUnavailable,
}

// Next returns the state t leads to from s, or a TransitionError when the
// state table has no such edge.
func Next(s State, t Transition) (State, error) {
	to, ok := stateTable[edge{s, t}]
	if !ok {
		return "", TransitionError(s, t)
	}
	return to, nil
}

// Label is the Italian name of the operation, for messages and history.
func (t Transition) Label() string {
	switch t {
	case Decline:
		return "risposta non disponibile"
	case Accept:
		return "conferma disponibilità"
	case AcceptWithRecording:
		return "conferma disponibilità con registrazione"
	case RecordingAcquired:
		return "acquisizione registrazione"
	case Cancel:
		return "annullamento"
	}
	return string(t)
}
