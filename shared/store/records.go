package store

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"

	"suapcds/shared/domain"
	"suapcds/shared/histchain"
	"suapcds/shared/workdays"
)

// Item types (the "type" attribute), also what the stream filter matches.
const (
	TypeOffice  = "office"
	TypePratica = "pratica"
	TypeLive    = "live"
	TypeRequest = "request"
	TypeMessage = "message"
	TypeHistory = "history"
	TypeOutbox  = "outbox"
	// TypeHistoryHead is a pratica's history chain head.
	TypeHistoryHead = "histhead"
)

// Key builders. Every key is "<KIND>#<id>" so that kinds never collide.
func officePK(id string) string  { return "OFFICE#" + id }
func praticaPK(id string) string { return "PRATICA#" + id }
func requestPK(id string) string { return "REQ#" + id }
func outboxPK(id string) string  { return "OUTBOX#" + id }

const (
	skMeta        = "META"
	skLive        = "LIVE"
	skOutbox      = "OUTBOX"
	skHistoryPref = "HIST#"
	skHistoryHead = "HISTHEAD"
	skMessagePref = "MSG#"
	allRequests   = "REQ"
)

// sortTime formats t in fixed width UTC so byte order is time order.
func sortTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

func listKey(t time.Time, id string) string { return sortTime(t) + "#" + id }

func messageSK(seq int) string { return fmt.Sprintf("%s%09d", skMessagePref, seq) }

type officeRecord struct {
	PK            string          `dynamodbav:"pk"`
	SK            string          `dynamodbav:"sk"`
	Type          string          `dynamodbav:"type"`
	ID            string          `dynamodbav:"id"`
	Name          string          `dynamodbav:"name"`
	BasinID       string          `dynamodbav:"basinId,omitempty"`
	Email         string          `dynamodbav:"email,omitempty"`
	PEC           string          `dynamodbav:"pec,omitempty"`
	LocalHolidays []holidayRecord `dynamodbav:"localHolidays,omitempty"`
}

type holidayRecord struct {
	Month int    `dynamodbav:"month"`
	Day   int    `dynamodbav:"day"`
	Name  string `dynamodbav:"name"`
}

type bodyRecord struct {
	BodyID   string `dynamodbav:"bodyId"`
	OfficeID string `dynamodbav:"officeId"`
	Name     string `dynamodbav:"name"`
}

type praticaRecord struct {
	PK                string       `dynamodbav:"pk"`
	SK                string       `dynamodbav:"sk"`
	Type              string       `dynamodbav:"type"`
	ID                string       `dynamodbav:"id"`
	Number            string       `dynamodbav:"number"`
	OfficeID          string       `dynamodbav:"officeId"`
	BasinID           string       `dynamodbav:"basinId,omitempty"`
	ProcedureType     string       `dynamodbav:"procedureType"`
	Bodies            []bodyRecord `dynamodbav:"bodies"`
	CDSConvened       bool         `dynamodbav:"cdsConvened"`
	NoCDSReason       string       `dynamodbav:"noCdsReason,omitempty"`
	VerificationsSent bool         `dynamodbav:"verificationsSent"`
	Version           int64        `dynamodbav:"version"`
}

// liveRecord is the one-live-request lock of a pratica: it exists while a
// request is APERTA or IN_ELABORAZIONE, and a create puts it only if absent.
type liveRecord struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Type      string `dynamodbav:"type"`
	RequestID string `dynamodbav:"requestId"`
}

type meetingRecord struct {
	RoomID   string `dynamodbav:"roomId,omitempty"`
	Code     string `dynamodbav:"code"`
	Password string `dynamodbav:"password"`
	Link     string `dynamodbav:"link"`
}

// recordingRecord is a request's acquired recording.
type recordingRecord struct {
	Key         string    `dynamodbav:"key"`
	UploadKey   string    `dynamodbav:"uploadKey,omitempty"`
	ETag        string    `dynamodbav:"etag,omitempty"`
	Size        int64     `dynamodbav:"size"`
	ContentType string    `dynamodbav:"contentType"`
	AcquiredAt  time.Time `dynamodbav:"acquiredAt"`
}

type requestRecord struct {
	PK   string `dynamodbav:"pk"`
	SK   string `dynamodbav:"sk"`
	Type string `dynamodbav:"type"`
	// Index keys.
	OfficeKey  string `dynamodbav:"officeKey"`
	BasinKey   string `dynamodbav:"basinKey,omitempty"`
	StateKey   string `dynamodbav:"stateKey"`
	AllKey     string `dynamodbav:"allKey"`
	PraticaKey string `dynamodbav:"praticaKey"`
	ListKey    string `dynamodbav:"listKey"`
	ThreadSort string `dynamodbav:"threadSort"`

	ID               string           `dynamodbav:"id"`
	PraticaID        string           `dynamodbav:"praticaId"`
	PraticaNumber    string           `dynamodbav:"praticaNumber"`
	OfficeID         string           `dynamodbav:"officeId"`
	OfficeName       string           `dynamodbav:"officeName,omitempty"`
	BasinID          string           `dynamodbav:"basinId,omitempty"`
	CreatedBy        string           `dynamodbav:"createdBy"`
	CreatedByName    string           `dynamodbav:"createdByName"`
	CreatedByRole    string           `dynamodbav:"createdByRole"`
	CreatedAt        time.Time        `dynamodbav:"createdAt"`
	Start            time.Time        `dynamodbav:"start"`
	DurationMinutes  int              `dynamodbav:"durationMinutes"`
	Email            string           `dynamodbav:"email"`
	Subject          string           `dynamodbav:"subject"`
	Recording        bool             `dynamodbav:"recording"`
	RecordingConsent bool             `dynamodbav:"recordingConsent"`
	State            string           `dynamodbav:"state"`
	Assignee         string           `dynamodbav:"assignee,omitempty"`
	AssigneeName     string           `dynamodbav:"assigneeName,omitempty"`
	Meeting          *meetingRecord   `dynamodbav:"meeting,omitempty"`
	StateReason      string           `dynamodbav:"stateReason,omitempty"`
	MessageCount     int              `dynamodbav:"messageCount"`
	RecordingFile    *recordingRecord `dynamodbav:"recordingFile,omitempty"`
	UpdatedAt        time.Time        `dynamodbav:"updatedAt"`
	Version          int64            `dynamodbav:"version"`
	// ChainSeq and ChainHash are the pratica's history head as the
	// request's last change with history committed it: what its next change
	// expects (domain.ChainHead).
	ChainSeq  int64  `dynamodbav:"chainSeq,omitempty"`
	ChainHash string `dynamodbav:"chainHash,omitempty"`
}

type messageRecord struct {
	PK          string    `dynamodbav:"pk"`
	SK          string    `dynamodbav:"sk"`
	Type        string    `dynamodbav:"type"`
	PraticaKey  string    `dynamodbav:"praticaKey"` // byThread's partition, not byPratica's: no listKey
	ThreadSort  string    `dynamodbav:"threadSort"`
	RequestID   string    `dynamodbav:"requestId"`
	Seq         int       `dynamodbav:"seq"`
	SenderID    string    `dynamodbav:"senderId"`
	SenderName  string    `dynamodbav:"senderName"`
	SenderRole  string    `dynamodbav:"senderRole"`
	At          time.Time `dynamodbav:"at"`
	Subject     string    `dynamodbav:"subject"`
	Body        string    `dynamodbav:"body,omitempty"`
	StateAtSend string    `dynamodbav:"stateAtSend"`
}

type historyRecord struct {
	PK        string    `dynamodbav:"pk"`
	SK        string    `dynamodbav:"sk"`
	Type      string    `dynamodbav:"type"`
	PraticaID string    `dynamodbav:"praticaId"`
	At        time.Time `dynamodbav:"at"`
	ActorID   string    `dynamodbav:"actorId"`
	ActorName string    `dynamodbav:"actorName"`
	RoleUnit  string    `dynamodbav:"roleUnit"`
	Operation string    `dynamodbav:"operation"`
	Detail    string    `dynamodbav:"detail,omitempty"`
	RequestID string    `dynamodbav:"requestId,omitempty"`
	// The chain (see histchain): absent on entries written before it.
	Seq      int64  `dynamodbav:"seq,omitempty"`
	PrevHash string `dynamodbav:"prevHash,omitempty"`
	Hash     string `dynamodbav:"hash,omitempty"`
}

// historyHeadRecord is the head of a pratica's history chain: the newest
// entry's seq and hash. Version is the seq, so a change conditions on the
// head as it read it.
type historyHeadRecord struct {
	PK      string `dynamodbav:"pk"`
	SK      string `dynamodbav:"sk"`
	Type    string `dynamodbav:"type"`
	Seq     int64  `dynamodbav:"seq"`
	Hash    string `dynamodbav:"hash"`
	Version int64  `dynamodbav:"version"`
}

// OutboxItem is a stored outbox event and its delivery status.
type OutboxItem struct {
	PK        string            `dynamodbav:"pk"`
	SK        string            `dynamodbav:"sk"`
	Type      string            `dynamodbav:"type"`
	ID        string            `dynamodbav:"id"`
	Kind      string            `dynamodbav:"kind"`
	PraticaID string            `dynamodbav:"praticaId,omitempty"`
	SubjectID string            `dynamodbav:"requestId,omitempty"` // domain.OutboxEvent.SubjectID
	Seq       int64             `dynamodbav:"seq"`
	At        time.Time         `dynamodbav:"at"`
	Data      map[string]string `dynamodbav:"data,omitempty"`
	// Status is PENDING until notify claims and sends it.
	Status string `dynamodbav:"status"`
	// ExpiresAt (epoch seconds) lets DynamoDB's TTL drop delivered items.
	ExpiresAt int64 `dynamodbav:"expiresAt"`
	// UnsentKey and DueAt put an undelivered item in IndexUnsent: DueAt is
	// when the sweep may take it up (its creation, the end of a claim's
	// lease, a release). Both go when the item is SENT or SKIPPED.
	UnsentKey string `dynamodbav:"unsentKey,omitempty"`
	DueAt     string `dynamodbav:"dueAt,omitempty"`
}

// OutboxStatusPending is the status of an outbox item not yet delivered.
const OutboxStatusPending = "PENDING"

// OutboxRetention is how long an outbox item is kept: far beyond a stream's
// 24-hour retention, so a late redelivery still finds its "sent" marker.
const OutboxRetention = 30 * 24 * time.Hour

// OutboxID is the deterministic id of an event: the same change can never
// enqueue two copies of it.
func OutboxID(e domain.OutboxEvent) string {
	subject := e.SubjectID
	if subject == "" {
		subject = e.PraticaID
	}
	return fmt.Sprintf("%s.%s.%d", subject, e.Kind, e.Seq)
}

func marshal(v any) (Item, error) {
	m, err := attributevalue.MarshalMap(v)
	if err != nil {
		return nil, fmt.Errorf("store: marshal %T: %w", v, err)
	}
	return m, nil
}

func unmarshal(it Item, v any) error {
	if err := attributevalue.UnmarshalMap(it, v); err != nil {
		return fmt.Errorf("store: unmarshal %T: %w", v, err)
	}
	return nil
}

func officeItem(o domain.Office) (Item, error) {
	r := officeRecord{
		PK: officePK(o.ID), SK: skMeta, Type: TypeOffice,
		ID: o.ID, Name: o.Name, BasinID: o.BasinID, Email: o.Email, PEC: o.PEC,
	}
	for _, h := range o.LocalHolidays {
		r.LocalHolidays = append(r.LocalHolidays, holidayRecord{Month: int(h.Month), Day: h.Day, Name: h.Name})
	}
	return marshal(r)
}

func officeFrom(it Item) (*domain.Office, error) {
	var r officeRecord
	if err := unmarshal(it, &r); err != nil {
		return nil, err
	}
	o := &domain.Office{ID: r.ID, Name: r.Name, BasinID: r.BasinID, Email: r.Email, PEC: r.PEC}
	for _, h := range r.LocalHolidays {
		o.LocalHolidays = append(o.LocalHolidays, workdays.LocalHoliday{Month: time.Month(h.Month), Day: h.Day, Name: h.Name})
	}
	return o, nil
}

func praticaItem(p *domain.Pratica) (Item, error) {
	bodies := make([]bodyRecord, len(p.Bodies))
	for i, b := range p.Bodies {
		bodies[i] = bodyRecord{BodyID: b.BodyID, OfficeID: b.OfficeID, Name: b.Name}
	}
	return marshal(praticaRecord{
		PK: praticaPK(p.ID), SK: skMeta, Type: TypePratica,
		ID: p.ID, Number: p.Number, OfficeID: p.OfficeID, BasinID: p.BasinID,
		ProcedureType: string(p.ProcedureType), Bodies: bodies,
		CDSConvened: p.CDSConvened, NoCDSReason: p.NoCDSReason, VerificationsSent: p.VerificationsSent,
		Version: p.Version,
	})
}

func praticaFrom(it Item) (*domain.Pratica, error) {
	var r praticaRecord
	if err := unmarshal(it, &r); err != nil {
		return nil, err
	}
	p := &domain.Pratica{
		ID: r.ID, Number: r.Number, OfficeID: r.OfficeID, BasinID: r.BasinID,
		ProcedureType: domain.ProcedureType(r.ProcedureType),
		CDSConvened:   r.CDSConvened, NoCDSReason: r.NoCDSReason, VerificationsSent: r.VerificationsSent,
		Version: r.Version,
	}
	for _, b := range r.Bodies {
		p.Bodies = append(p.Bodies, domain.BodyOffice{BodyID: b.BodyID, OfficeID: b.OfficeID, Name: b.Name})
	}
	return p, nil
}

func requestItem(q *domain.Request) (Item, error) {
	r := requestRecord{
		PK: requestPK(q.ID), SK: skMeta, Type: TypeRequest,
		OfficeKey: officePK(q.OfficeID), StateKey: "STATE#" + string(q.State), AllKey: allRequests,
		PraticaKey: praticaPK(q.PraticaID), ListKey: listKey(q.CreatedAt, q.ID),
		ThreadSort: listKey(q.CreatedAt, q.ID),
		ID:         q.ID, PraticaID: q.PraticaID, PraticaNumber: q.PraticaNumber, OfficeID: q.OfficeID, OfficeName: q.OfficeName, BasinID: q.BasinID,
		CreatedBy: q.CreatedBy, CreatedByName: q.CreatedByName, CreatedByRole: string(q.CreatedByRole),
		CreatedAt: q.CreatedAt.UTC(), Start: q.Start.UTC(), DurationMinutes: q.DurationMinutes,
		Email: q.Email, Subject: q.Subject, Recording: q.Recording, RecordingConsent: q.RecordingConsent,
		State: string(q.State), Assignee: q.Assignee, AssigneeName: q.AssigneeName, StateReason: q.StateReason,
		MessageCount: q.MessageCount, UpdatedAt: q.UpdatedAt.UTC(), Version: q.Version,
	}
	if q.BasinID != "" {
		r.BasinKey = "BASIN#" + q.BasinID
	}
	if q.Chain.Known && q.Chain.Seq > 0 {
		r.ChainSeq, r.ChainHash = q.Chain.Seq, q.Chain.Hash
	}
	if m := q.Meeting; m != nil {
		r.Meeting = &meetingRecord{RoomID: m.RoomID, Code: m.Code, Password: m.Password, Link: m.Link}
	}
	if f := q.RecordingFile; f != nil {
		r.RecordingFile = &recordingRecord{Key: f.Key, UploadKey: f.UploadKey, ETag: f.ETag, Size: f.Size, ContentType: f.ContentType, AcquiredAt: f.AcquiredAt.UTC()}
	}
	return marshal(r)
}

func requestFrom(it Item) (*domain.Request, error) {
	var r requestRecord
	if err := unmarshal(it, &r); err != nil {
		return nil, err
	}
	q := &domain.Request{
		ID: r.ID, PraticaID: r.PraticaID, PraticaNumber: r.PraticaNumber, OfficeID: r.OfficeID, OfficeName: r.OfficeName, BasinID: r.BasinID,
		CreatedBy: r.CreatedBy, CreatedByName: r.CreatedByName, CreatedByRole: domain.Role(r.CreatedByRole),
		CreatedAt: r.CreatedAt, Start: r.Start, DurationMinutes: r.DurationMinutes,
		Email: r.Email, Subject: r.Subject, Recording: r.Recording, RecordingConsent: r.RecordingConsent,
		State: domain.State(r.State), Assignee: r.Assignee, AssigneeName: r.AssigneeName, StateReason: r.StateReason,
		MessageCount: r.MessageCount, UpdatedAt: r.UpdatedAt, Version: r.Version,
	}
	if r.ChainSeq > 0 {
		q.Chain = domain.ChainHead{Known: true, Seq: r.ChainSeq, Hash: r.ChainHash}
	}
	if m := r.Meeting; m != nil {
		q.Meeting = &domain.Meeting{RoomID: m.RoomID, Code: m.Code, Password: m.Password, Link: m.Link}
	}
	if f := r.RecordingFile; f != nil {
		q.RecordingFile = &domain.RecordingFile{Key: f.Key, UploadKey: f.UploadKey, ETag: f.ETag, Size: f.Size, ContentType: f.ContentType, AcquiredAt: f.AcquiredAt}
	}
	return q, nil
}

// messageItem is m, of request r's thread.
func messageItem(m *domain.Message, r *domain.Request) (Item, error) {
	return marshal(messageRecord{
		PK: requestPK(m.RequestID), SK: messageSK(m.Seq), Type: TypeMessage,
		PraticaKey: praticaPK(r.PraticaID), ThreadSort: fmt.Sprintf("%s#%09d", listKey(r.CreatedAt, r.ID), m.Seq),
		RequestID: m.RequestID, Seq: m.Seq, SenderID: m.SenderID, SenderName: m.SenderName, SenderRole: string(m.SenderRole),
		At: m.At.UTC(), Subject: m.Subject, Body: m.Body, StateAtSend: string(m.StateAtSend),
	})
}

func messageFrom(it Item) (domain.Message, error) {
	var r messageRecord
	if err := unmarshal(it, &r); err != nil {
		return domain.Message{}, err
	}
	return domain.Message{
		RequestID: r.RequestID, Seq: r.Seq, SenderID: r.SenderID, SenderName: r.SenderName, SenderRole: domain.Role(r.SenderRole),
		At: r.At, Subject: r.Subject, Body: r.Body, StateAtSend: domain.State(r.StateAtSend),
	}, nil
}

// historyItem is entry h with its place in the chain (c: Seq, PrevHash,
// Hash, as histchain.Link made them).
func historyItem(h domain.HistoryEntry, c histchain.Entry, unique string) (Item, error) {
	return marshal(historyRecord{
		PK: praticaPK(h.PraticaID), SK: skHistoryPref + sortTime(h.At) + "#" + unique, Type: TypeHistory,
		PraticaID: h.PraticaID, At: h.At.UTC(), ActorID: h.ActorID, ActorName: h.ActorName, RoleUnit: h.RoleUnit,
		Operation: string(h.Operation), Detail: h.Detail, RequestID: h.RequestID,
		Seq: c.Seq, PrevHash: c.PrevHash, Hash: c.Hash,
	})
}

// chainEntry is h in the chain's terms, before it is linked.
func chainEntry(h domain.HistoryEntry) histchain.Entry {
	return histchain.Entry{PraticaID: h.PraticaID, At: histchain.FormatTime(h.At), ActorID: h.ActorID,
		ActorName: h.ActorName, RoleUnit: h.RoleUnit, Operation: string(h.Operation), Detail: h.Detail, RequestID: h.RequestID}
}

// historyChainFrom decodes a history item as the chain sees it: every field
// as stored, Seq 0 for an entry written before the chain.
func historyChainFrom(it Item) (histchain.Entry, error) {
	var r historyRecord
	if err := unmarshal(it, &r); err != nil {
		return histchain.Entry{}, err
	}
	return histchain.Entry{Seq: r.Seq, PraticaID: r.PraticaID, At: histchain.FormatTime(r.At), ActorID: r.ActorID,
		ActorName: r.ActorName, RoleUnit: r.RoleUnit, Operation: r.Operation, Detail: r.Detail, RequestID: r.RequestID,
		PrevHash: r.PrevHash, Hash: r.Hash}, nil
}

func historyFrom(it Item) (domain.HistoryEntry, error) {
	var r historyRecord
	if err := unmarshal(it, &r); err != nil {
		return domain.HistoryEntry{}, err
	}
	return domain.HistoryEntry{
		PraticaID: r.PraticaID, At: r.At, ActorID: r.ActorID, ActorName: r.ActorName, RoleUnit: r.RoleUnit,
		Operation: domain.Operation(r.Operation), Detail: r.Detail, RequestID: r.RequestID,
	}, nil
}

func outboxItem(e domain.OutboxEvent) (Item, error) {
	id := OutboxID(e)
	return marshal(OutboxItem{
		PK: outboxPK(id), SK: skOutbox, Type: TypeOutbox,
		ID: id, Kind: string(e.Kind), PraticaID: e.PraticaID, SubjectID: e.SubjectID, Seq: e.Seq,
		At: e.At.UTC(), Data: e.Data, Status: OutboxStatusPending, ExpiresAt: e.At.Add(OutboxRetention).Unix(),
		UnsentKey: unsentPK, DueAt: dueKey(e.At, id),
	})
}

// OutboxFrom decodes an outbox item, as read from the table or from a
// stream's NewImage.
func OutboxFrom(it Item) (*OutboxItem, error) {
	var r OutboxItem
	if err := unmarshal(it, &r); err != nil {
		return nil, err
	}
	return &r, nil
}
