package domain

import (
	"net/url"
	"strings"
	"time"
)

// Room is one of the regional service's virtual meeting rooms.
type Room struct {
	ID   string
	Name string
	// DefaultLink is the room's usual meeting link, proposed when accepting.
	DefaultLink string
	// Active rooms can be booked; an inactive one keeps its bookings.
	Active bool
}

// Limits on rooms and meeting data.
const (
	MaxRoomNameLen      = 100
	MaxLinkLen          = 500
	MaxMeetingCodeLen   = 50
	MaxMeetingPassLen   = 50
	MaxDeclineReasonLen = 2000
	// SlotLength is the granularity of room bookings: a meeting holds every
	// slot its [start, end) touches, so two meetings can share a room only if
	// no slot is shared.
	SlotLength = 10 * time.Minute
)

// Validate checks a room as the admin configures it.
func (r *Room) Validate() error {
	var fe fieldErrors
	if !ValidID(r.ID) {
		fe.add("id", "invalid_id", "Identificativo della sala non valido.")
	}
	r.Name = checkLine(&fe, "name", "nome della sala", r.Name, MaxRoomNameLen, true)
	r.DefaultLink = checkLink(&fe, "defaultLink", "link predefinito", r.DefaultLink, false)
	return fe.err()
}

// checkLink accepts an absolute https (or http) URL.
func checkLink(fe *fieldErrors, field, label, value string, required bool) string {
	v := checkLine(fe, field, label, value, MaxLinkLen, required)
	if v == "" {
		return v
	}
	u, err := url.Parse(v)
	switch {
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		fe.add(field, "invalid_link", "Il campo «"+label+"» deve essere un indirizzo web completo (https://…).")
	case u.User != nil || strings.Contains(u.Host, "@"):
		// A user name or password in a link is a credential sent to everyone,
		// or a way to make a link read as another host's.
		fe.add(field, "invalid_link", "Il campo «"+label+"» non può contenere nome utente o password (https://utente:password@…).")
	}
	return v
}

// Slots returns the room slots a meeting [start, end) holds, as UTC slot
// starts: from start rounded down to end rounded up to SlotLength.
func Slots(start time.Time, minutes int) []time.Time {
	end := start.Add(time.Duration(minutes) * time.Minute)
	var out []time.Time
	for s := start.UTC().Truncate(SlotLength); s.Before(end); s = s.Add(SlotLength) {
		out = append(out, s)
	}
	return out
}

// AcceptInput is the service's "disponibile" answer.
type AcceptInput struct {
	RoomID   string
	Code     string
	Password string
	Link     string
}

// ErrRoomUnavailable: the room is booked at an overlapping time.
var ErrRoomUnavailable = &Error{Kind: KindConflict, Code: "room_unavailable",
	Detail: "La sala scelta è già prenotata in un orario che si sovrappone: sceglierne un'altra."}

// ErrManagerOnly refuses an answer by anyone but the regional service.
var ErrManagerOnly = &Error{Kind: KindForbidden, Code: "manager_only",
	Detail: "Solo il servizio regionale di videoconferenza può rispondere alle richieste."}

// Accept validates the answer and moves r to IN_ELABORAZIONE (recording
// asked) or EVASA, with who as the assignee. The room must be active.
func (r *Request) Accept(who Principal, in AcceptInput, room *Room, now time.Time) error {
	if who.Role != RoleManager {
		return ErrManagerOnly
	}
	var fe fieldErrors
	if !ValidID(in.RoomID) {
		fe.add("roomId", "required", "Scegliere la sala.")
	}
	code := checkLine(&fe, "code", "codice riunione", in.Code, MaxMeetingCodeLen, true)
	pass := checkLine(&fe, "password", "password", in.Password, MaxMeetingPassLen, true)
	link := checkLink(&fe, "link", "link della riunione", in.Link, true)
	if err := fe.err(); err != nil {
		return err
	}
	if room == nil || !room.Active || room.ID != in.RoomID {
		return &Error{Kind: KindInvalid, Code: "unknown_room", Detail: "La sala scelta non esiste o non è attiva.",
			Fields: []FieldError{{Field: "roomId", Code: "unknown_room", Detail: "Sala non disponibile."}}}
	}
	t := Accept
	if r.Recording {
		t = AcceptWithRecording
	}
	if err := r.Apply(t, now); err != nil {
		return err
	}
	r.Meeting = &Meeting{RoomID: room.ID, Code: code, Password: pass, Link: link}
	r.Assignee, r.AssigneeName = who.UserID, who.Name
	r.StateReason = ""
	return nil
}

// Decline answers "non disponibile" to an APERTA request: NON_DISPONIBILE
// with the service's message.
func (r *Request) Decline(who Principal, message string, now time.Time) error {
	return r.refuse(Decline, who, message, now)
}

// Cancel withdraws an accepted request waiting for its recording
// (IN_ELABORAZIONE → NON_DISPONIBILE); the caller frees its room.
func (r *Request) Cancel(who Principal, message string, now time.Time) error {
	return r.refuse(Cancel, who, message, now)
}

func (r *Request) refuse(t Transition, who Principal, message string, now time.Time) error {
	if who.Role != RoleManager {
		return ErrManagerOnly
	}
	if _, err := Next(r.State, t); err != nil {
		return err
	}
	var fe fieldErrors
	msg := checkText(&fe, "message", "messaggio", message, MaxDeclineReasonLen, true)
	if err := fe.err(); err != nil {
		return err
	}
	if err := r.Apply(t, now); err != nil {
		return err
	}
	r.StateReason = msg
	r.Assignee, r.AssigneeName = who.UserID, who.Name
	return nil
}

// Take makes who the assignee of a live request.
func (r *Request) Take(who Principal, now time.Time) error {
	if who.Role != RoleManager {
		return ErrManagerOnly
	}
	if r.State.Final() {
		return ErrThreadClosed
	}
	r.Assignee, r.AssigneeName, r.UpdatedAt = who.UserID, who.Name, now
	return nil
}

// HoldsRoom tells whether r's meeting occupies its room: accepted and not
// cancelled.
func (r *Request) HoldsRoom() bool {
	return r.Meeting != nil && r.Meeting.RoomID != "" && (r.State == StateProcessing || r.State == StateDone)
}
