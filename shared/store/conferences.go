package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"suapcds/shared/domain"
	"suapcds/shared/workdays"
)

// Conferences is the part of the port for the services conferences (docs/rules.md
// §4): the directory of bodies, a pratica's conferences and their sessions.
type Conferences interface {
	// PutBody creates (Version 0) or updates (Version as read) a body of the
	// directory; a stale version fails with domain.ErrConflict.
	PutBody(ctx context.Context, b *domain.Body) error
	// ListBodies returns the directory, by id.
	ListBodies(ctx context.Context) ([]domain.Body, error)
	// GetBodies reads up to domain.MaxSessionBodies bodies at once, in the
	// order of ids, nil where there is none.
	GetBodies(ctx context.Context, ids []string) ([]*domain.Body, error)

	// CreateConference stores a new conference of its pratica (assigning
	// its ID), with its history entry; the pratica must exist.
	CreateConference(ctx context.Context, c *domain.Conference, hist domain.HistoryEntry) error
	// GetConference returns a conference, or domain.ErrNotFound.
	GetConference(ctx context.Context, praticaID, id string) (*domain.Conference, error)
	// PraticaConferences returns a pratica's conferences (oldest first) and
	// all their sessions (by conference, then oldest first).
	PraticaConferences(ctx context.Context, praticaID string) ([]domain.Conference, []domain.Session, error)
	// ConveneSession commits a convocation in one transaction, see
	// ConveneChange.
	ConveneSession(ctx context.Context, c ConveneChange) error
	// UpdateConference stores c if it is still at c.Version, with history
	// (a convocation meanwhile moves the version: version_conflict).
	UpdateConference(ctx context.Context, c *domain.Conference, hist ...domain.HistoryEntry) error
	// GetSession returns a session, or domain.ErrNotFound.
	GetSession(ctx context.Context, praticaID, conferenceID, id string) (*domain.Session, error)
	// UpdateSession stores s if it is still at s.Version, with history.
	UpdateSession(ctx context.Context, s *domain.Session, hist ...domain.HistoryEntry) error
}

// ConveneChange is what convening a session writes: the new session (its ID
// assigned when empty), the conference at its next version (SessionCount and
// FirstMeeting updated by the caller; Version as read), the pratica when its
// CDSConvened has just been set (Version as read; nil otherwise), the history
// and one outbox event per convened body.
type ConveneChange struct {
	Session    *domain.Session
	Conference *domain.Conference
	Pratica    *domain.Pratica
	History    []domain.HistoryEntry
	Events     []domain.OutboxEvent
}

var _ Conferences = (*Repo)(nil)

// Item types and keys of the conferences.
const (
	TypeBody       = "body"
	TypeConference = "conference"
	TypeSession    = "session"

	bodiesPK      = "BODIES"
	skBodyPrefix  = "BODY#"
	skCDSPrefix   = "CDS#"
	skSessionPref = "SEDUTA#"
	// maxBodies bounds the directory read in one Query.
	maxBodies = 1000
	// maxConferences bounds a pratica's conferences and sessions read.
	maxConferences = 100
	maxSessions    = 1000
)

func sessionSK(conferenceID, id string) string { return skSessionPref + conferenceID + "#" + id }

type directoryRecord struct {
	PK      string `dynamodbav:"pk"`
	SK      string `dynamodbav:"sk"`
	Type    string `dynamodbav:"type"`
	ID      string `dynamodbav:"id"`
	Name    string `dynamodbav:"name"`
	PEC     string `dynamodbav:"pec,omitempty"`
	Email   string `dynamodbav:"email,omitempty"`
	Version int64  `dynamodbav:"version"`
}

type conferenceRecord struct {
	PK                 string    `dynamodbav:"pk"`
	SK                 string    `dynamodbav:"sk"`
	Type               string    `dynamodbav:"type"`
	ID                 string    `dynamodbav:"id"`
	PraticaID          string    `dynamodbav:"praticaId"`
	CDSType            string    `dynamodbav:"cdsType"`
	SensitiveInterests bool      `dynamodbav:"sensitiveInterests"`
	ApplicationDate    string    `dynamodbav:"applicationDate,omitempty"`
	StartDate          string    `dynamodbav:"startDate"`
	EndDate            string    `dynamodbav:"endDate,omitempty"`
	Outcome            string    `dynamodbav:"outcome,omitempty"`
	ClosingFileKey     string    `dynamodbav:"closingFileKey,omitempty"`
	SessionCount       int       `dynamodbav:"sessionCount"`
	FirstMeeting       string    `dynamodbav:"firstMeeting,omitempty"`
	CreatedAt          time.Time `dynamodbav:"createdAt"`
	CreatedBy          string    `dynamodbav:"createdBy"`
	Version            int64     `dynamodbav:"version"`
}

type convokedRecord struct {
	BodyID string `dynamodbav:"bodyId"`
	Name   string `dynamodbav:"name"`
	PEC    string `dynamodbav:"pec,omitempty"`
	Email  string `dynamodbav:"email,omitempty"`
}

type sessionRecord struct {
	PK                 string           `dynamodbav:"pk"`
	SK                 string           `dynamodbav:"sk"`
	Type               string           `dynamodbav:"type"`
	ID                 string           `dynamodbav:"id"`
	PraticaID          string           `dynamodbav:"praticaId"`
	ConferenceID       string           `dynamodbav:"conferenceId"`
	Seq                int              `dynamodbav:"seq"`
	Start              time.Time        `dynamodbav:"start"`
	Place              string           `dynamodbav:"place"`
	State              string           `dynamodbav:"state"`
	ConvocationFileKey string           `dynamodbav:"convocationFileKey,omitempty"`
	ClosingFileKey     string           `dynamodbav:"closingFileKey,omitempty"`
	Bodies             []convokedRecord `dynamodbav:"bodies"`
	BookingRequestID   string           `dynamodbav:"bookingRequestId,omitempty"`
	Meeting            *meetingRecord   `dynamodbav:"meeting,omitempty"`
	CreatedAt          time.Time        `dynamodbav:"createdAt"`
	CreatedBy          string           `dynamodbav:"createdBy"`
	UpdatedAt          time.Time        `dynamodbav:"updatedAt"`
	Version            int64            `dynamodbav:"version"`
}

func dateString(d workdays.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func parseDate(s string) (workdays.Date, error) {
	if s == "" {
		return workdays.Date{}, nil
	}
	return workdays.ParseDate(s)
}

func conferenceItem(c *domain.Conference) (Item, error) {
	return marshal(conferenceRecord{
		PK: praticaPK(c.PraticaID), SK: skCDSPrefix + c.ID, Type: TypeConference,
		ID: c.ID, PraticaID: c.PraticaID, CDSType: string(c.Type), SensitiveInterests: c.SensitiveInterests,
		ApplicationDate: dateString(c.ApplicationDate), StartDate: dateString(c.StartDate), EndDate: dateString(c.EndDate),
		Outcome: string(c.Outcome), ClosingFileKey: c.ClosingFileKey, SessionCount: c.SessionCount,
		FirstMeeting: dateString(c.FirstMeeting), CreatedAt: c.CreatedAt.UTC(), CreatedBy: c.CreatedBy, Version: c.Version,
	})
}

func conferenceFrom(it Item) (*domain.Conference, error) {
	var r conferenceRecord
	if err := unmarshal(it, &r); err != nil {
		return nil, err
	}
	c := &domain.Conference{ID: r.ID, PraticaID: r.PraticaID, Type: domain.ConferenceType(r.CDSType),
		SensitiveInterests: r.SensitiveInterests, Outcome: domain.ConferenceOutcome(r.Outcome), ClosingFileKey: r.ClosingFileKey,
		SessionCount: r.SessionCount, CreatedAt: r.CreatedAt, CreatedBy: r.CreatedBy, Version: r.Version}
	var err error
	for _, d := range []struct {
		s   string
		dst *workdays.Date
	}{{r.ApplicationDate, &c.ApplicationDate}, {r.StartDate, &c.StartDate}, {r.EndDate, &c.EndDate}, {r.FirstMeeting, &c.FirstMeeting}} {
		if *d.dst, err = parseDate(d.s); err != nil {
			return nil, fmt.Errorf("store: conference %s: %w", r.ID, err)
		}
	}
	return c, nil
}

func sessionItem(s *domain.Session) (Item, error) {
	r := sessionRecord{
		PK: praticaPK(s.PraticaID), SK: sessionSK(s.ConferenceID, s.ID), Type: TypeSession,
		ID: s.ID, PraticaID: s.PraticaID, ConferenceID: s.ConferenceID, Seq: s.Seq, Start: s.Start.UTC(),
		Place: s.Place, State: string(s.State), ConvocationFileKey: s.ConvocationFileKey, ClosingFileKey: s.ClosingFileKey,
		Bodies: make([]convokedRecord, len(s.Bodies)), BookingRequestID: s.BookingRequestID,
		CreatedAt: s.CreatedAt.UTC(), CreatedBy: s.CreatedBy, UpdatedAt: s.UpdatedAt.UTC(), Version: s.Version,
	}
	for i, b := range s.Bodies {
		r.Bodies[i] = convokedRecord{BodyID: b.BodyID, Name: b.Name, PEC: b.PEC, Email: b.Email}
	}
	if m := s.Meeting; m != nil {
		r.Meeting = &meetingRecord{RoomID: m.RoomID, Code: m.Code, Password: m.Password, Link: m.Link}
	}
	return marshal(r)
}

func sessionFrom(it Item) (*domain.Session, error) {
	var r sessionRecord
	if err := unmarshal(it, &r); err != nil {
		return nil, err
	}
	s := &domain.Session{ID: r.ID, PraticaID: r.PraticaID, ConferenceID: r.ConferenceID, Seq: r.Seq, Start: r.Start,
		Place: r.Place, State: domain.SessionState(r.State), ConvocationFileKey: r.ConvocationFileKey, ClosingFileKey: r.ClosingFileKey,
		BookingRequestID: r.BookingRequestID, CreatedAt: r.CreatedAt, CreatedBy: r.CreatedBy, UpdatedAt: r.UpdatedAt, Version: r.Version}
	for _, b := range r.Bodies {
		s.Bodies = append(s.Bodies, domain.ConvokedBody{BodyID: b.BodyID, Name: b.Name, PEC: b.PEC, Email: b.Email})
	}
	if m := r.Meeting; m != nil {
		s.Meeting = &domain.Meeting{RoomID: m.RoomID, Code: m.Code, Password: m.Password, Link: m.Link}
	}
	return s, nil
}

func bodyFrom(it Item) (domain.Body, error) {
	var r directoryRecord
	if err := unmarshal(it, &r); err != nil {
		return domain.Body{}, err
	}
	return domain.Body{ID: r.ID, Name: r.Name, PEC: r.PEC, Email: r.Email, Version: r.Version}, nil
}

// PutBody creates or updates a body, version-conditioned.
func (s *Repo) PutBody(ctx context.Context, b *domain.Body) error {
	it, err := marshal(directoryRecord{PK: bodiesPK, SK: skBodyPrefix + b.ID, Type: TypeBody,
		ID: b.ID, Name: b.Name, PEC: b.PEC, Email: b.Email, Version: b.Version + 1})
	if err != nil {
		return err
	}
	if err := s.b.Transact(ctx, []Write{{Put: it, Cond: versioned(b.Version)}}); err != nil {
		return err
	}
	b.Version++
	return nil
}

// ListBodies reads the directory: one Query on its partition.
func (s *Repo) ListBodies(ctx context.Context) ([]domain.Body, error) {
	res, err := s.query(ctx, Query{PK: bodiesPK, SKPrefix: skBodyPrefix, Limit: maxBodies})
	if err != nil {
		return nil, err
	}
	out := make([]domain.Body, 0, len(res.Items))
	for _, it := range res.Items {
		b, err := bodyFrom(it)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// GetBodies reads the bodies with one GetMany (duplicates read once).
func (s *Repo) GetBodies(ctx context.Context, ids []string) ([]*domain.Body, error) {
	if len(ids) > domain.MaxSessionBodies {
		return nil, fmt.Errorf("store: %d bodies asked, at most %d", len(ids), domain.MaxSessionBodies)
	}
	var keys []Key
	at := map[string]int{}
	for _, id := range ids {
		if _, ok := at[id]; !ok {
			at[id] = len(keys)
			keys = append(keys, Key{bodiesPK, skBodyPrefix + id})
		}
	}
	out := make([]*domain.Body, len(ids))
	if len(keys) == 0 {
		return out, nil
	}
	its, err := s.b.GetMany(ctx, keys)
	if err != nil {
		return nil, err
	}
	for i, id := range ids {
		if it := its[at[id]]; it != nil {
			b, err := bodyFrom(it)
			if err != nil {
				return nil, err
			}
			out[i] = &b
		}
	}
	return out, nil
}

// CreateConference stores a new conference under its pratica.
func (s *Repo) CreateConference(ctx context.Context, c *domain.Conference, hist domain.HistoryEntry) error {
	if c.ID == "" {
		c.ID = s.newID()
	}
	next := *c
	next.Version = 1
	it, err := conferenceItem(&next)
	if err != nil {
		return err
	}
	writes := []Write{
		{Check: &Key{praticaPK(c.PraticaID), skMeta}, Cond: Condition{Kind: CondExists, Fail: domain.ErrPraticaNotFound}},
		{Put: it, Cond: Condition{Kind: CondNotExists}},
	}
	if _, err := s.transact(ctx, writes, []domain.HistoryEntry{hist}, expect{}); err != nil {
		return err
	}
	c.Version = 1
	return nil
}

// GetConference returns a conference of a pratica.
func (s *Repo) GetConference(ctx context.Context, praticaID, id string) (*domain.Conference, error) {
	it, err := s.get(ctx, Key{praticaPK(praticaID), skCDSPrefix + id})
	if err != nil {
		return nil, err
	}
	return conferenceFrom(it)
}

// PraticaConferences reads a pratica's conferences and sessions: two
// Queries on the pratica's partition (CDS#, SEDUTA#).
func (s *Repo) PraticaConferences(ctx context.Context, praticaID string) ([]domain.Conference, []domain.Session, error) {
	res, err := s.query(ctx, Query{PK: praticaPK(praticaID), SKPrefix: skCDSPrefix, Limit: maxConferences})
	if err != nil {
		return nil, nil, err
	}
	confs := make([]domain.Conference, 0, len(res.Items))
	for _, it := range res.Items {
		c, err := conferenceFrom(it)
		if err != nil {
			return nil, nil, err
		}
		confs = append(confs, *c)
	}
	if len(confs) == 0 {
		return confs, nil, nil
	}
	res, err = s.query(ctx, Query{PK: praticaPK(praticaID), SKPrefix: skSessionPref, Limit: maxSessions})
	if err != nil {
		return nil, nil, err
	}
	sess := make([]domain.Session, 0, len(res.Items))
	for _, it := range res.Items {
		x, err := sessionFrom(it)
		if err != nil {
			return nil, nil, err
		}
		sess = append(sess, *x)
	}
	return confs, sess, nil
}

// ConveneSession commits a convocation, see Conferences.
func (s *Repo) ConveneSession(ctx context.Context, ch ConveneChange) error {
	x, c := ch.Session, ch.Conference
	if x.PraticaID != c.PraticaID || x.ConferenceID != c.ID {
		return errors.New("store: the session is not of the conference")
	}
	if x.ID == "" {
		x.ID = s.newID()
	}
	nextS := *x
	nextS.Version = 1
	si, err := sessionItem(&nextS)
	if err != nil {
		return err
	}
	nextC := *c
	nextC.Version++
	ci, err := conferenceItem(&nextC)
	if err != nil {
		return err
	}
	writes := []Write{{Put: ci, Cond: versioned(c.Version)}, {Put: si, Cond: Condition{Kind: CondNotExists}}}
	var nextP domain.Pratica
	if p := ch.Pratica; p != nil {
		nextP = *p
		nextP.Version++
		pi, err := praticaItem(&nextP)
		if err != nil {
			return err
		}
		writes = append(writes, Write{Put: pi, Cond: versioned(p.Version)})
	}
	events := make([]domain.OutboxEvent, len(ch.Events))
	for i, e := range ch.Events {
		e.SubjectID, e.PraticaID = x.ID, x.PraticaID
		events[i] = e
	}
	if writes, err = appendOutbox(writes, events); err != nil {
		return err
	}
	if _, err := s.transact(ctx, writes, ch.History, expect{}); err != nil {
		return err
	}
	x.Version, c.Version = 1, nextC.Version
	if ch.Pratica != nil {
		ch.Pratica.Version = nextP.Version
	}
	return nil
}

// UpdateConference stores c, version-conditioned, with its history.
func (s *Repo) UpdateConference(ctx context.Context, c *domain.Conference, hist ...domain.HistoryEntry) error {
	next := *c
	next.Version++
	it, err := conferenceItem(&next)
	if err != nil {
		return err
	}
	writes := []Write{{Put: it, Cond: versioned(c.Version)}}
	if _, err := s.transact(ctx, writes, hist, expect{}); err != nil {
		return err
	}
	c.Version = next.Version
	return nil
}

// GetSession returns a session of a conference.
func (s *Repo) GetSession(ctx context.Context, praticaID, conferenceID, id string) (*domain.Session, error) {
	it, err := s.get(ctx, Key{praticaPK(praticaID), sessionSK(conferenceID, id)})
	if err != nil {
		return nil, err
	}
	return sessionFrom(it)
}

// UpdateSession stores s, version-conditioned, with its history.
func (s *Repo) UpdateSession(ctx context.Context, x *domain.Session, hist ...domain.HistoryEntry) error {
	next := *x
	next.Version++
	it, err := sessionItem(&next)
	if err != nil {
		return err
	}
	writes := []Write{{Put: it, Cond: Condition{Kind: CondVersion, Version: x.Version}}}
	if _, err := s.transact(ctx, writes, hist, expect{}); err != nil {
		return err
	}
	x.Version = next.Version
	return nil
}
