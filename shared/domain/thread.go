package domain

import "time"

// Message is one entry of a request's thread.
type Message struct {
	RequestID string
	// Seq numbers the thread from 1; it orders the messages.
	Seq        int
	SenderID   string
	SenderName string
	SenderRole Role
	At         time.Time
	Subject    string
	Body       string
	// StateAtSend is the request's state when the message was written.
	StateAtSend State
}

// Limits on a message.
const (
	MaxMessageSubjectLen = 200
	MaxMessageBodyLen    = 4000
)

// CanPost decides whether who may add a message to r's thread now: never an
// admin (ErrForbidden, checked first: an admin sees no request, so a later
// check would have answered ErrNotFound), only someone who can see r
// (ErrNotFound, so outsiders learn nothing of its state), not in a final state
// (ErrThreadClosed), not a SUAP operator on a request a basin operator created
// (ErrReadOnly).
func CanPost(who Principal, r *Request) error {
	if who.Role == RoleAdmin {
		return ErrForbidden
	}
	if !who.CanSeeRequest(r) {
		return ErrNotFound
	}
	if r.State.Final() {
		return ErrThreadClosed
	}
	if who.Role == RoleSuapOperator && r.CreatedByRole == RoleBasinOperator {
		return ErrReadOnly
	}
	return nil
}

// NewMessage validates a message and builds it as the next of r's thread. The
// caller passes the request as read; the store commits the message only if
// the request is still at that version.
func NewMessage(who Principal, r *Request, subject, body string, now time.Time) (*Message, error) {
	if err := CanPost(who, r); err != nil {
		return nil, err
	}
	var fe fieldErrors
	s := checkLine(&fe, "subject", "oggetto", subject, MaxMessageSubjectLen, true)
	b := checkText(&fe, "body", "messaggio", body, MaxMessageBodyLen, false)
	if err := fe.err(); err != nil {
		return nil, err
	}
	return &Message{
		RequestID:   r.ID,
		Seq:         r.MessageCount + 1,
		SenderID:    who.UserID,
		SenderName:  who.Name,
		SenderRole:  who.Role,
		At:          now,
		Subject:     s,
		Body:        b,
		StateAtSend: r.State,
	}, nil
}
