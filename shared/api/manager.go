package api

import "suapcds/shared/domain"

// AcceptBody is the service's "disponibile" answer.
type AcceptBody struct {
	RoomID   string `json:"roomId"`
	Code     string `json:"code"`
	Password string `json:"password"`
	Link     string `json:"link"`
}

// DeclineBody is a "non disponibile" answer or a cancellation.
type DeclineBody struct {
	Message string `json:"message"`
}

// RoomBody configures a room (admin). PUT replaces: every field is required
// ("" for no default link).
type RoomBody struct {
	Name        string `json:"name"`
	DefaultLink string `json:"defaultLink"`
	Active      bool   `json:"active"`
}

// RoomView is a virtual room.
type RoomView struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	DefaultLink string `json:"defaultLink,omitempty"`
	Active      bool   `json:"active"`
}

// NewRoomView renders r.
func NewRoomView(r domain.Room) RoomView {
	return RoomView{ID: r.ID, Name: r.Name, DefaultLink: r.DefaultLink, Active: r.Active}
}

// RoomList is every room.
type RoomList struct {
	Items []RoomView `json:"items"`
}

// RoomAvailabilityView is a room and whether it is free for a request.
type RoomAvailabilityView struct {
	Room RoomView `json:"room"`
	Free bool     `json:"free"`
	// HeldByThis: the room is already booked by this very request.
	HeldByThis bool `json:"heldByThis"`
}

// AvailabilityView lists the rooms for a request's slot.
type AvailabilityView struct {
	RequestID string                 `json:"requestId"`
	Start     Instant                `json:"start"`
	End       Instant                `json:"end"`
	Items     []RoomAvailabilityView `json:"items"`
}
