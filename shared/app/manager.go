package app

import (
	"context"
	"time"

	"suapcds/shared/domain"
	"suapcds/shared/store"
)

// changeEvent is the outbox event of a state change, numbered by the
// request's next version so every change mails once.
func changeEvent(r *domain.Request, from domain.State, now time.Time) domain.OutboxEvent {
	return domain.StateChangedEvent(r, from, "", now)
}

// managerRequest loads a request for the regional service.
func (s *Service) managerRequest(ctx context.Context, who domain.Principal, id string) (*domain.Request, error) {
	if who.Role != domain.RoleManager {
		return nil, domain.ErrManagerOnly
	}
	return s.visibleRequest(ctx, who, id)
}

// Take makes the caller the request's assignee.
func (s *Service) Take(ctx context.Context, who domain.Principal, id string) (*domain.Request, error) {
	r, err := s.managerRequest(ctx, who, id)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	if err := r.Take(who, now); err != nil {
		return nil, err
	}
	h := domain.NewHistory(r.PraticaID, who, domain.OpRequestTaken, "", now)
	if err := s.store.UpdateRequest(ctx, r, []domain.HistoryEntry{h}); err != nil {
		return nil, err
	}
	return r, nil
}

// Accept answers "disponibile": it books the room for the meeting's slots in
// the same transaction as the state change, so two accepted requests can
// never hold one room at overlapping times.
func (s *Service) Accept(ctx context.Context, who domain.Principal, id string, in domain.AcceptInput) (*domain.Request, error) {
	if who.Role != domain.RoleManager {
		return nil, domain.ErrManagerOnly
	}
	if !domain.ValidID(id) {
		return nil, domain.ErrNotFound
	}
	roomID := in.RoomID
	if !domain.ValidID(roomID) {
		roomID = "-" // no such room; the domain reports the field
	}
	// The request and the room in one read.
	r, room, err := s.store.RequestAndRoom(ctx, id, roomID)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	from := r.State
	seq := r.MessageCount + 1
	if err := r.Accept(who, in, room, now); err != nil {
		return nil, err
	}
	msg := &domain.Message{RequestID: r.ID, Seq: seq, SenderID: who.UserID, SenderName: who.Name, SenderRole: who.Role,
		At: now, Subject: "Videoconferenza disponibile", StateAtSend: from,
		Body: "La videoconferenza è confermata per il " + domain.FormatRome(r.Start) + " nella sala «" + room.Name +
			"». Codice, password e link della riunione sono riportati nella richiesta."}
	h := domain.NewHistory(r.PraticaID, who, domain.OpRequestAccepted,
		"Sala «"+room.Name+"», "+domain.FormatRome(r.Start)+" ("+domain.DurationLabel(r.DurationMinutes)+")", now)
	err = s.store.Answer(ctx, store.AnswerChange{
		Request: r, Message: msg, Book: domain.Slots(r.Start, r.DurationMinutes),
		History: []domain.HistoryEntry{h}, Events: []domain.OutboxEvent{changeEvent(r, from, now)},
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Decline answers "non disponibile" to an APERTA request; message says why.
func (s *Service) Decline(ctx context.Context, who domain.Principal, id, message string) (*domain.Request, error) {
	return s.refuse(ctx, who, id, message, false)
}

// Cancel withdraws an accepted request (IN_ELABORAZIONE → NON_DISPONIBILE)
// and frees its room, in the same transaction.
func (s *Service) Cancel(ctx context.Context, who domain.Principal, id, message string) (*domain.Request, error) {
	return s.refuse(ctx, who, id, message, true)
}

func (s *Service) refuse(ctx context.Context, who domain.Principal, id, message string, cancel bool) (*domain.Request, error) {
	r, err := s.managerRequest(ctx, who, id)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	from := r.State
	held := r.HoldsRoom()
	var room string
	if r.Meeting != nil {
		room = r.Meeting.RoomID
	}
	op, subject := domain.OpRequestDeclined, "Videoconferenza non disponibile"
	if cancel {
		op, subject = domain.OpRequestCancelled, "Videoconferenza annullata"
		err = r.Cancel(who, message, now)
	} else {
		err = r.Decline(who, message, now)
	}
	if err != nil {
		return nil, err
	}
	msg := &domain.Message{RequestID: r.ID, Seq: r.MessageCount + 1, SenderID: who.UserID, SenderName: who.Name,
		SenderRole: who.Role, At: now, Subject: subject, Body: r.StateReason, StateAtSend: from}
	a := store.AnswerChange{Request: r, Message: msg,
		History: []domain.HistoryEntry{domain.NewHistory(r.PraticaID, who, op, "", now)},
		Events:  []domain.OutboxEvent{changeEvent(r, from, now)}}
	if held {
		a.Release, a.ReleaseRoom = domain.Slots(r.Start, r.DurationMinutes), room
	}
	if err := s.store.Answer(ctx, a); err != nil {
		return nil, err
	}
	return r, nil
}

// RoomAvailability is one room and whether it is free for a request's slot.
type RoomAvailability struct {
	Room domain.Room
	Free bool
	// HeldBy is the request holding it, when it is this very request.
	HeldByThis bool
}

// Availability lists the active rooms and which are free for the request's
// [start, start+duration): the request and the rooms catalogue in one read,
// then every room's slots booked in the meeting's window with one Query.
func (s *Service) Availability(ctx context.Context, who domain.Principal, id string) (*domain.Request, []RoomAvailability, error) {
	if who.Role != domain.RoleManager {
		return nil, nil, domain.ErrManagerOnly
	}
	r, rooms, err := s.requestAndRooms(ctx, who, id)
	if err != nil {
		return nil, nil, err
	}
	avail, err := s.RoomsFor(ctx, r, rooms)
	return r, avail, err
}

// requestAndRooms reads request id with the rooms catalogue (one call), as
// visibleRequest reads a request alone: not found when who may not see it.
func (s *Service) requestAndRooms(ctx context.Context, who domain.Principal, id string) (*domain.Request, []domain.Room, error) {
	if !domain.ValidID(id) {
		return nil, nil, domain.ErrNotFound
	}
	r, rooms, err := s.store.RequestAndRooms(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if !who.CanSeeRequest(r) {
		return nil, nil, domain.ErrNotFound
	}
	return r, rooms, nil
}

// RequestPage is the manager page's read: the request and the rooms
// catalogue in one call, then its thread and the pratica's earlier requests
// in one Query on the thread index. RoomsFor(detail.Request, rooms) adds
// the slots' Query: 3 calls in all.
func (s *Service) RequestPage(ctx context.Context, who domain.Principal, id string) (*RequestDetail, []domain.Room, error) {
	if who.Role == domain.RoleAdmin {
		return nil, nil, domain.ErrForbidden
	}
	r, rooms, err := s.requestAndRooms(ctx, who, id)
	if err != nil {
		return nil, nil, err
	}
	msgs, prev, err := s.store.ThreadAndEarlier(ctx, r, maxPrevious)
	if err != nil {
		return nil, nil, err
	}
	d := &RequestDetail{Request: r, Messages: msgs, Previous: prev}
	d.allowPost(who)
	return d, rooms, nil
}

// RoomsFor is Availability for a request already read and authorised, with
// the rooms read along with it (the manager's page has both): every room's
// slots booked in the meeting's window with one Query.
func (s *Service) RoomsFor(ctx context.Context, r *domain.Request, rooms []domain.Room) ([]RoomAvailability, error) {
	slots := domain.Slots(r.Start, r.DurationMinutes)
	from, to := slots[0], slots[len(slots)-1].Add(domain.SlotLength)
	booked, err := s.store.BookedSlots(ctx, from, to)
	if err != nil {
		return nil, err
	}
	var out []RoomAvailability
	for _, room := range rooms {
		if !room.Active {
			continue
		}
		a := RoomAvailability{Room: room, Free: true}
		for _, by := range booked[room.ID] {
			if by == r.ID {
				a.HeldByThis = true
				continue
			}
			a.Free = false
		}
		out = append(out, a)
	}
	return out, nil
}

// errAdminOnly refuses room configuration to everyone but the admin.
var errAdminOnly = &domain.Error{Kind: domain.KindForbidden, Code: "admin_only",
	Detail: "Solo l'amministratore regionale può configurare le sale."}

// PutRoom creates or changes a room (admin).
func (s *Service) PutRoom(ctx context.Context, who domain.Principal, room domain.Room) (*domain.Room, error) {
	if who.Role != domain.RoleAdmin {
		return nil, errAdminOnly
	}
	if err := room.Validate(); err != nil {
		return nil, err
	}
	if err := s.store.PutRoom(ctx, room); err != nil {
		return nil, err
	}
	return &room, nil
}

// Rooms lists the rooms (admin and the service).
func (s *Service) Rooms(ctx context.Context, who domain.Principal) ([]domain.Room, error) {
	if who.Role != domain.RoleAdmin && who.Role != domain.RoleManager {
		return nil, domain.ErrForbidden
	}
	return s.store.ListRooms(ctx)
}

// LinkPrincipal is who acts through a signed link: the regional service,
// without an account.
func LinkPrincipal(requestID string) domain.Principal {
	return domain.Principal{UserID: "link-" + requestID, Name: "Servizio regionale videoconferenze (link e-mail)",
		Role: domain.RoleManager, Unit: "Servizio regionale"}
}
