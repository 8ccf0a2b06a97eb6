package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"suapcds/shared/domain"
)

// Rooms is the part of the port the regional service's functions use: the
// virtual rooms, their booked slots, and the answers that book or free them.
type Rooms interface {
	PutRoom(ctx context.Context, r domain.Room) error
	GetRoom(ctx context.Context, id string) (*domain.Room, error)
	// RequestAndRoom reads a request (domain.ErrNotFound when missing) and a
	// room (nil when missing) in one call.
	RequestAndRoom(ctx context.Context, requestID, roomID string) (*domain.Request, *domain.Room, error)
	// RequestAndRooms reads a request (domain.ErrNotFound when missing) and
	// every room, by id, in one call.
	RequestAndRooms(ctx context.Context, requestID string) (*domain.Request, []domain.Room, error)
	// ListRooms returns every room, by id.
	ListRooms(ctx context.Context) ([]domain.Room, error)
	// BookedSlots returns every room's slots booked within [from, to):
	// room id → slot → the request holding it. One Query per UTC day the
	// window touches, whatever the number of rooms.
	BookedSlots(ctx context.Context, from, to time.Time) (map[string]map[time.Time]string, error)
	// Answer commits the service's answer in one transaction: r (changed by
	// the domain, still carrying the version it was read at), an optional
	// thread message, the room slots it books (each only if free, else
	// domain.ErrRoomUnavailable) or releases, history and outbox events.
	Answer(ctx context.Context, a AnswerChange) error
}

// AnswerChange is what one answer writes.
type AnswerChange struct {
	Request *domain.Request
	// Message, when set, is appended to the thread (Seq = MessageCount+1).
	Message *domain.Message
	// Book holds these slots of Request.Meeting.RoomID; Release frees these
	// slots of ReleaseRoom (held by the request).
	Book        []time.Time
	Release     []time.Time
	ReleaseRoom string
	History     []domain.HistoryEntry
	Events      []domain.OutboxEvent
}

var _ Rooms = (*Repo)(nil)

const (
	roomsPK      = "ROOMS"
	skSlotPrefix = "SLOT#"
	// TypeRoomSlot is the item type of booked slots.
	TypeRoomSlot = "roomslot"
)

// A booked slot of every room lives in the partition of its UTC day, sorted
// by time then room: a meeting's window, for all rooms at once, is one
// Query. The key is a function of (room, slot) alone, so a slot can be held
// by one request only: booking puts it only if absent, in the answer's
// transaction.
func slotsPK(t time.Time) string { return "SLOTS#" + t.UTC().Format(time.DateOnly) }

func slotSK(t time.Time, roomID string) string { return skSlotPrefix + sortTime(t) + "#" + roomID }

func slotKey(t time.Time, roomID string) Key { return Key{slotsPK(t), slotSK(t, roomID)} }

// The rooms catalogue is one item holding every room (the region has a
// handful, ≈10), so a request and all the rooms are one BatchGetItem. PutRoom
// rewrites it at its next version: two changes at once cannot both pass.
const (
	skCatalogue = "CATALOGUE"
	// TypeRoomCatalogue is the item type of the rooms catalogue.
	TypeRoomCatalogue = "roomcatalogue"
)

var catalogueKey = Key{roomsPK, skCatalogue}

type roomEntry struct {
	ID          string `dynamodbav:"id"`
	Name        string `dynamodbav:"name"`
	DefaultLink string `dynamodbav:"defaultLink,omitempty"`
	Active      bool   `dynamodbav:"active"`
}

type catalogueRecord struct {
	PK      string      `dynamodbav:"pk"`
	SK      string      `dynamodbav:"sk"`
	Type    string      `dynamodbav:"type"`
	Version int64       `dynamodbav:"version"`
	Rooms   []roomEntry `dynamodbav:"rooms"`
}

type slotRecord struct {
	PK        string    `dynamodbav:"pk"`
	SK        string    `dynamodbav:"sk"`
	Type      string    `dynamodbav:"type"`
	RoomID    string    `dynamodbav:"roomId"`
	Slot      time.Time `dynamodbav:"slot"`
	RequestID string    `dynamodbav:"requestId"`
}

// catalogueFrom decodes the catalogue item (nil: no rooms yet, version 0):
// the rooms by id.
func catalogueFrom(it Item) ([]domain.Room, int64, error) {
	if it == nil {
		return nil, 0, nil
	}
	var c catalogueRecord
	if err := unmarshal(it, &c); err != nil {
		return nil, 0, err
	}
	out := make([]domain.Room, 0, len(c.Rooms))
	for _, r := range c.Rooms {
		out = append(out, domain.Room{ID: r.ID, Name: r.Name, DefaultLink: r.DefaultLink, Active: r.Active})
	}
	return out, c.Version, nil
}

func findRoom(rooms []domain.Room, id string) *domain.Room {
	for i := range rooms {
		if rooms[i].ID == id {
			return &rooms[i]
		}
	}
	return nil
}

// putRoomAttempts bounds PutRoom's retries when another change of the
// catalogue commits between its read and its write.
const putRoomAttempts = 5

// PutRoom stores a room's configuration: it reads the catalogue and writes
// it back with the room added or changed, conditioned on the version read
// (one GetItem, one TransactWriteItems), retrying when the catalogue moved.
func (s *Repo) PutRoom(ctx context.Context, r domain.Room) error {
	for attempt := 1; ; attempt++ {
		it, err := s.b.Get(ctx, catalogueKey)
		if err != nil {
			return err
		}
		rooms, v, err := catalogueFrom(it)
		if err != nil {
			return err
		}
		if old := findRoom(rooms, r.ID); old != nil {
			*old = r
		} else {
			rooms = append(rooms, r)
		}
		slices.SortFunc(rooms, func(a, b domain.Room) int { return strings.Compare(a.ID, b.ID) })
		c := catalogueRecord{PK: roomsPK, SK: skCatalogue, Type: TypeRoomCatalogue, Version: v + 1,
			Rooms: make([]roomEntry, 0, len(rooms))}
		for _, x := range rooms {
			c.Rooms = append(c.Rooms, roomEntry{ID: x.ID, Name: x.Name, DefaultLink: x.DefaultLink, Active: x.Active})
		}
		put, err := marshal(c)
		if err != nil {
			return err
		}
		err = s.b.Transact(ctx, []Write{{Put: put, Cond: versioned(v)}})
		if !errors.Is(err, domain.ErrConflict) || attempt == putRoomAttempts {
			return err
		}
	}
}

// GetRoom returns a room, or domain.ErrNotFound.
func (s *Repo) GetRoom(ctx context.Context, id string) (*domain.Room, error) {
	rooms, err := s.ListRooms(ctx)
	if err != nil {
		return nil, err
	}
	if r := findRoom(rooms, id); r != nil {
		return r, nil
	}
	return nil, domain.ErrNotFound
}

// RequestAndRoom reads the request and the rooms catalogue with one GetMany.
func (s *Repo) RequestAndRoom(ctx context.Context, requestID, roomID string) (*domain.Request, *domain.Room, error) {
	r, rooms, err := s.RequestAndRooms(ctx, requestID)
	if err != nil {
		return nil, nil, err
	}
	return r, findRoom(rooms, roomID), nil
}

// RequestAndRooms reads the request and the rooms catalogue with one
// GetMany (BatchGetItem).
func (s *Repo) RequestAndRooms(ctx context.Context, requestID string) (*domain.Request, []domain.Room, error) {
	its, err := s.b.GetMany(ctx, []Key{{requestPK(requestID), skMeta}, catalogueKey})
	if err != nil {
		return nil, nil, err
	}
	if its[0] == nil {
		return nil, nil, domain.ErrNotFound
	}
	r, err := requestFrom(its[0])
	if err != nil {
		return nil, nil, err
	}
	rooms, _, err := catalogueFrom(its[1])
	return r, rooms, err
}

// ListRooms returns every room, by id: one GetItem of the catalogue.
func (s *Repo) ListRooms(ctx context.Context) ([]domain.Room, error) {
	it, err := s.b.Get(ctx, catalogueKey)
	if err != nil {
		return nil, err
	}
	rooms, _, err := catalogueFrom(it)
	if rooms == nil && err == nil {
		rooms = []domain.Room{}
	}
	return rooms, err
}

// BookedSlots reads the slots booked within [from, to), all rooms at once:
// one Query per UTC day of the window (a meeting's is within one day but
// for one crossing midnight UTC).
func (s *Repo) BookedSlots(ctx context.Context, from, to time.Time) (map[string]map[time.Time]string, error) {
	out := map[string]map[time.Time]string{}
	for day := from.UTC().Truncate(24 * time.Hour); day.Before(to); day = day.Add(24 * time.Hour) {
		lo, hi := from, to
		if lo.Before(day) {
			lo = day
		}
		if end := day.Add(24 * time.Hour); hi.After(end) {
			hi = end
		}
		// Every room id sorts before "~" (domain.ValidID).
		q := Query{PK: slotsPK(day), SKFrom: skSlotPrefix + sortTime(lo), SKTo: skSlotPrefix + sortTime(hi.Add(-time.Nanosecond)) + "#~",
			Limit: MaxPageSize}
		err := s.queryAll(ctx, q, func(it Item) error {
			var r slotRecord
			if err := unmarshal(it, &r); err != nil {
				return err
			}
			if out[r.RoomID] == nil {
				out[r.RoomID] = map[time.Time]string{}
			}
			out[r.RoomID][r.Slot] = r.RequestID
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Answer commits an answer, see Rooms.
func (s *Repo) Answer(ctx context.Context, a AnswerChange) error {
	r := a.Request
	upd := *r
	if a.Message != nil {
		if a.Message.RequestID != r.ID || a.Message.Seq != r.MessageCount+1 {
			return fmt.Errorf("store: message %d does not follow request %s", a.Message.Seq, r.ID)
		}
		upd.MessageCount = a.Message.Seq
	}
	writes, next, err := requestWrites(&upd)
	if err != nil {
		return err
	}
	if a.Message != nil {
		mi, err := messageItem(a.Message, r)
		if err != nil {
			return err
		}
		writes = append(writes, Write{Put: mi, Cond: Condition{Kind: CondNotExists}})
	}
	if len(a.Book) > 0 {
		if r.Meeting == nil || r.Meeting.RoomID == "" {
			return fmt.Errorf("store: booking slots of request %s without a room", r.ID)
		}
		for _, t := range a.Book {
			k := slotKey(t, r.Meeting.RoomID)
			it, err := marshal(slotRecord{PK: k.PK, SK: k.SK, Type: TypeRoomSlot,
				RoomID: r.Meeting.RoomID, Slot: t.UTC(), RequestID: r.ID})
			if err != nil {
				return err
			}
			writes = append(writes, Write{Put: it, Cond: Condition{Kind: CondNotExists, Fail: domain.ErrRoomUnavailable}})
		}
	}
	for _, t := range a.Release {
		k := slotKey(t, a.ReleaseRoom)
		writes = append(writes, Write{Delete: &k,
			Cond: Condition{Kind: CondAttrEquals, Attr: "requestId", Value: r.ID}})
	}
	if writes, err = appendOutbox(writes, withRequest(a.Events, r)); err != nil {
		return err
	}
	head, err := s.transact(ctx, writes, withRequestHistory(a.History, r), requestExpect(r, writes))
	if err != nil {
		return err
	}
	r.MessageCount, r.Version, r.Chain = upd.MessageCount, next.Version, head
	return nil
}
