package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"suapcds/shared/domain"
	"suapcds/shared/histchain"
)

// Store is the port the functions use: every read they need and every change,
// each change committed as one transaction with its history and outbox.
type Store interface {
	PutOffice(ctx context.Context, o domain.Office) error
	GetOffice(ctx context.Context, id string) (*domain.Office, error)

	// SavePratica creates p (Version 0) or updates it (Version as read), with
	// its history entries. On success p.Version is the stored version.
	SavePratica(ctx context.Context, p *domain.Pratica, hist ...domain.HistoryEntry) error
	GetPratica(ctx context.Context, id string) (*domain.Pratica, error)
	// PraticaAndOffice reads a pratica and an office in one call; either is
	// nil when it does not exist.
	PraticaAndOffice(ctx context.Context, praticaID, officeID string) (*domain.Pratica, *domain.Office, error)
	// PraticaToChange is PraticaAndOffice (officeID may be "": no office)
	// for a change that follows: the same call also reads the pratica's
	// history head into its Chain, so the change need not read it.
	PraticaToChange(ctx context.Context, praticaID, officeID string) (*domain.Pratica, *domain.Office, error)

	// CreateRequest stores a new request (assigning its ID when empty), takes
	// the pratica's one-live-request lock, and writes hist and events. It
	// fails with domain.ErrLiveRequestExists while another request is live.
	CreateRequest(ctx context.Context, r *domain.Request, hist domain.HistoryEntry, events ...domain.OutboxEvent) error
	// UpdateRequest stores r if it is still at r.Version (else
	// domain.ErrConflict, nothing written); a final state frees the lock.
	UpdateRequest(ctx context.Context, r *domain.Request, hist []domain.HistoryEntry, events ...domain.OutboxEvent) error
	// AddMessage appends m to r's thread if r is still at r.Version.
	AddMessage(ctx context.Context, r *domain.Request, m *domain.Message, hist domain.HistoryEntry, events ...domain.OutboxEvent) error
	GetRequest(ctx context.Context, id string) (*domain.Request, error)
	// Messages returns a request's thread, oldest first.
	Messages(ctx context.Context, requestID string) ([]domain.Message, error)
	// RequestThread returns a request and its thread with one Query on the
	// request's partition (META sorts before MSG#), or domain.ErrNotFound.
	RequestThread(ctx context.Context, id string) (*domain.Request, []domain.Message, error)
	// ThreadAndEarlier returns the thread of r (already read) and up to
	// limit of its pratica's requests created before it, newest first, with
	// one Query on IndexByThread (a second, on r's partition, only when the
	// index shows r's thread shorter than r.MessageCount).
	ThreadAndEarlier(ctx context.Context, r *domain.Request, limit int) ([]domain.Message, []domain.Request, error)
	// PraticaRequests returns a pratica's requests, newest first.
	PraticaRequests(ctx context.Context, praticaID string, limit int) ([]domain.Request, error)
	// PraticaThreads returns up to limit of a pratica's requests, newest
	// first, each with its whole thread in order.
	PraticaThreads(ctx context.Context, praticaID string, limit int) ([]RequestThread, error)
	// ListRequests returns one page of the Videoconferenza list.
	ListRequests(ctx context.Context, q ListQuery) (RequestPage, error)

	// History returns one page of a pratica's history, oldest first.
	History(ctx context.Context, praticaID, cursor string, limit int) (HistoryPage, error)
	// HistoryExport returns a pratica's whole history with its hash chain
	// and head (at most MaxHistoryExport entries, else ErrHistoryTooLong);
	// ExportedAt is left to the caller.
	HistoryExport(ctx context.Context, praticaID string) (histchain.Export, error)
	// GetOutbox returns an outbox item by id.
	GetOutbox(ctx context.Context, id string) (*OutboxItem, error)
	// Enqueue writes outbox events on their own (reminders), with history.
	// An event already enqueued makes the whole call fail with
	// ErrAlreadyEnqueued and write nothing: that is what makes scheduled
	// reminders idempotent.
	Enqueue(ctx context.Context, hist []domain.HistoryEntry, events ...domain.OutboxEvent) error
	// AppendHistory writes history entries on their own, in one
	// transaction (an access worth recording, such as a download).
	AppendHistory(ctx context.Context, hist ...domain.HistoryEntry) error
}

// ErrAlreadyEnqueued: an outbox event with that id exists already.
var ErrAlreadyEnqueued = domain.ErrAlreadyEnqueued

// Page sizes.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
	// maxFilteredReads bounds how many queries a filtered page may take
	// before it returns what it has with a cursor to go on.
	maxFilteredReads = 5
)

// ListQuery selects requests. One of OfficeID, BasinID or State picks the
// index (in that order of preference, else every request); the others and
// Assignee, PraticaNumber and Subject filter what it reads. From and To bound
// the creation time and are key conditions.
type ListQuery struct {
	OfficeID      string
	BasinID       string
	State         domain.State
	Assignee      string
	PraticaNumber string
	// Subject matches case-insensitively anywhere in the subject.
	Subject  string
	From, To time.Time
	Limit    int
	Cursor   string
}

// RequestPage is a page of requests, newest first; Next is "" on the last.
type RequestPage struct {
	Items []domain.Request
	Next  string
}

// HistoryPage is a page of history, oldest first; Next is "" on the last.
type HistoryPage struct {
	Items []domain.HistoryEntry
	Next  string
}

// Options configures a Repo.
type Options struct {
	// CursorKey signs page cursors; at least 16 bytes, the same on every
	// instance (from configuration).
	CursorKey []byte
	// NewID makes ids; default: UUID version 7 (time-ordered).
	NewID func() string
	// OnQuery, when set, is told the cost of every query (metrics, tests).
	OnQuery func(index string, r QueryResult)
}

// Repo implements Store on a Backend. It holds all of the item layout; the
// backends only store, query and commit items.
type Repo struct {
	b       Backend
	cursors cursorCodec
	newID   func() string
	onQuery func(string, QueryResult)
}

var _ Store = (*Repo)(nil)

// New returns a Repo on backend b.
func New(b Backend, o Options) (*Repo, error) {
	if len(o.CursorKey) < 16 {
		return nil, errors.New("store: the cursor key must be at least 16 bytes")
	}
	r := &Repo{b: b, cursors: cursorCodec{key: o.CursorKey}, newID: o.NewID, onQuery: o.OnQuery}
	if r.newID == nil {
		r.newID = func() string { return uuid.Must(uuid.NewV7()).String() }
	}
	return r, nil
}

func (s *Repo) query(ctx context.Context, q Query) (QueryResult, error) {
	res, err := s.b.Query(ctx, q)
	if err == nil && s.onQuery != nil {
		s.onQuery(q.Index, res)
	}
	return res, err
}

// PutOffice stores an office's configuration, replacing any earlier one.
func (s *Repo) PutOffice(ctx context.Context, o domain.Office) error {
	it, err := officeItem(o)
	if err != nil {
		return err
	}
	return s.b.Transact(ctx, []Write{{Put: it}})
}

// GetOffice returns an office, or domain.ErrNotFound.
func (s *Repo) GetOffice(ctx context.Context, id string) (*domain.Office, error) {
	it, err := s.get(ctx, Key{officePK(id), skMeta})
	if err != nil {
		return nil, err
	}
	return officeFrom(it)
}

// getKeys reads keys in their order (a missing item is nil): one GetItem
// for one key, which is nearly always the case, else one BatchGetItem.
func (s *Repo) getKeys(ctx context.Context, keys []Key) ([]Item, error) {
	if len(keys) == 1 {
		it, err := s.b.Get(ctx, keys[0])
		return []Item{it}, err
	}
	return s.b.GetMany(ctx, keys)
}

func (s *Repo) get(ctx context.Context, k Key) (Item, error) {
	it, err := s.b.Get(ctx, k)
	if err != nil {
		return nil, err
	}
	if it == nil {
		return nil, domain.ErrNotFound
	}
	return it, nil
}

// versioned returns the condition for writing an item read at version v
// (0: it must not exist yet).
func versioned(v int64) Condition {
	if v == 0 {
		return Condition{Kind: CondNotExists}
	}
	return Condition{Kind: CondVersion, Version: v}
}

// SavePratica creates or updates a pratica with its history entries.
func (s *Repo) SavePratica(ctx context.Context, p *domain.Pratica, hist ...domain.HistoryEntry) error {
	next := *p
	next.Version++
	it, err := praticaItem(&next)
	if err != nil {
		return err
	}
	writes := []Write{{Put: it, Cond: versioned(p.Version)}}
	head, err := s.transact(ctx, writes, hist, expect{pratica: p.ID, head: p.Chain, created: p.Version == 0})
	if err != nil {
		return err
	}
	p.Version, p.Chain = next.Version, head
	return nil
}

// PraticaAndOffice reads both items with one GetMany.
func (s *Repo) PraticaAndOffice(ctx context.Context, praticaID, officeID string) (*domain.Pratica, *domain.Office, error) {
	return s.praticaAndOffice(ctx, praticaID, officeID, false)
}

// PraticaToChange reads the pratica, its history head and the office (if
// named) with one GetMany.
func (s *Repo) PraticaToChange(ctx context.Context, praticaID, officeID string) (*domain.Pratica, *domain.Office, error) {
	return s.praticaAndOffice(ctx, praticaID, officeID, true)
}

func (s *Repo) praticaAndOffice(ctx context.Context, praticaID, officeID string, head bool) (*domain.Pratica, *domain.Office, error) {
	keys := []Key{{praticaPK(praticaID), skMeta}}
	if officeID != "" {
		keys = append(keys, Key{officePK(officeID), skMeta})
	}
	if head {
		keys = append(keys, Key{praticaPK(praticaID), skHistoryHead})
	}
	its, err := s.getKeys(ctx, keys)
	if err != nil {
		return nil, nil, err
	}
	var p *domain.Pratica
	var o *domain.Office
	if its[0] != nil {
		if p, err = praticaFrom(its[0]); err != nil {
			return nil, nil, err
		}
		if head {
			if p.Chain, err = headFrom(its[len(its)-1]); err != nil {
				return nil, nil, err
			}
		}
	}
	if officeID != "" && its[1] != nil {
		if o, err = officeFrom(its[1]); err != nil {
			return nil, nil, err
		}
	}
	return p, o, nil
}

// GetPratica returns a pratica, or domain.ErrNotFound.
func (s *Repo) GetPratica(ctx context.Context, id string) (*domain.Pratica, error) {
	it, err := s.get(ctx, Key{praticaPK(id), skMeta})
	if err != nil {
		return nil, err
	}
	return praticaFrom(it)
}

func appendOutbox(writes []Write, events []domain.OutboxEvent) ([]Write, error) {
	for _, e := range events {
		it, err := outboxItem(e)
		if err != nil {
			return nil, err
		}
		// The id is derived from the change, so a duplicate means the change
		// was already committed: refuse rather than mail twice.
		writes = append(writes, Write{Put: it, Cond: Condition{Kind: CondNotExists, Fail: ErrAlreadyEnqueued}})
	}
	return writes, nil
}

// CreateRequest stores a new request with the pratica's live lock.
func (s *Repo) CreateRequest(ctx context.Context, r *domain.Request, hist domain.HistoryEntry, events ...domain.OutboxEvent) error {
	if r.ID == "" {
		r.ID = s.newID()
	}
	if !r.State.Live() {
		return fmt.Errorf("store: a new request must be live, not %s", r.State)
	}
	next := *r
	next.Version = 1
	it, err := requestItem(&next)
	if err != nil {
		return err
	}
	lock, err := marshal(liveRecord{PK: praticaPK(r.PraticaID), SK: skLive, Type: TypeLive, RequestID: r.ID})
	if err != nil {
		return err
	}
	writes := []Write{
		{Check: &Key{praticaPK(r.PraticaID), skMeta}, Cond: Condition{Kind: CondExists, Fail: domain.ErrPraticaNotFound}},
		{Put: lock, Cond: Condition{Kind: CondNotExists, Fail: domain.ErrLiveRequestExists}},
		{Put: it, Cond: Condition{Kind: CondNotExists}},
	}
	hist.RequestID = r.ID
	if writes, err = appendOutbox(writes, withRequest(events, r)); err != nil {
		return err
	}
	head, err := s.transact(ctx, writes, []domain.HistoryEntry{hist}, expect{pratica: r.PraticaID, head: r.Chain, stamp: it})
	if err != nil {
		return err
	}
	r.Version, r.Chain = next.Version, head
	return nil
}

func withRequest(events []domain.OutboxEvent, r *domain.Request) []domain.OutboxEvent {
	out := make([]domain.OutboxEvent, len(events))
	for i, e := range events {
		if e.SubjectID == "" {
			e.SubjectID = r.ID
		}
		if e.PraticaID == "" {
			e.PraticaID = r.PraticaID
		}
		out[i] = e
	}
	return out
}

func withRequestHistory(hist []domain.HistoryEntry, r *domain.Request) []domain.HistoryEntry {
	out := make([]domain.HistoryEntry, len(hist))
	for i, h := range hist {
		if h.RequestID == "" {
			h.RequestID = r.ID
		}
		out[i] = h
	}
	return out
}

// requestWrites is the conditional put of r at its next version, and the
// release of the live lock when r has become final.
func requestWrites(r *domain.Request) ([]Write, *domain.Request, error) {
	next := *r
	next.Version++
	it, err := requestItem(&next)
	if err != nil {
		return nil, nil, err
	}
	writes := []Write{{Put: it, Cond: Condition{Kind: CondVersion, Version: r.Version}}}
	if r.State.Final() {
		writes = append(writes, Write{
			Delete: &Key{praticaPK(r.PraticaID), skLive},
			Cond:   Condition{Kind: CondAttrEquals, Attr: "requestId", Value: r.ID},
		})
	}
	return writes, &next, nil
}

// requestExpect is what a change of r (as read) knows of its pratica's
// chain: the head r's last change committed, stamped on r's item; writes[0]
// is r's put (requestWrites), stamped in turn.
func requestExpect(r *domain.Request, writes []Write) expect {
	return expect{pratica: r.PraticaID, head: r.Chain, stamp: writes[0].Put}
}

// UpdateRequest stores r if unchanged since read.
func (s *Repo) UpdateRequest(ctx context.Context, r *domain.Request, hist []domain.HistoryEntry, events ...domain.OutboxEvent) error {
	writes, next, err := requestWrites(r)
	if err != nil {
		return err
	}
	if writes, err = appendOutbox(writes, withRequest(events, r)); err != nil {
		return err
	}
	head, err := s.transact(ctx, writes, withRequestHistory(hist, r), requestExpect(r, writes))
	if err != nil {
		return err
	}
	r.Version, r.Chain = next.Version, head
	return nil
}

// AddMessage appends m to the thread of r (as read at r.Version).
func (s *Repo) AddMessage(ctx context.Context, r *domain.Request, m *domain.Message, hist domain.HistoryEntry, events ...domain.OutboxEvent) error {
	if m.RequestID != r.ID || m.Seq != r.MessageCount+1 {
		return fmt.Errorf("store: message %s/%d does not follow request %s at %d messages", m.RequestID, m.Seq, r.ID, r.MessageCount)
	}
	upd := *r
	upd.MessageCount = m.Seq
	upd.UpdatedAt = m.At
	writes, next, err := requestWrites(&upd)
	if err != nil {
		return err
	}
	mi, err := messageItem(m, r)
	if err != nil {
		return err
	}
	writes = append(writes, Write{Put: mi, Cond: Condition{Kind: CondNotExists}})
	if writes, err = appendOutbox(writes, withRequest(events, r)); err != nil {
		return err
	}
	head, err := s.transact(ctx, writes, withRequestHistory([]domain.HistoryEntry{hist}, r), requestExpect(r, writes))
	if err != nil {
		return err
	}
	r.MessageCount, r.UpdatedAt, r.Version, r.Chain = upd.MessageCount, upd.UpdatedAt, next.Version, head
	return nil
}

// GetRequest returns a request, or domain.ErrNotFound.
func (s *Repo) GetRequest(ctx context.Context, id string) (*domain.Request, error) {
	it, err := s.get(ctx, Key{requestPK(id), skMeta})
	if err != nil {
		return nil, err
	}
	return requestFrom(it)
}

// queryAll reads every item q selects on the table, page by page (q.Limit
// a page), handing each to each in order; each's error stops the read.
func (s *Repo) queryAll(ctx context.Context, q Query, each func(Item) error) error {
	for {
		res, err := s.query(ctx, q)
		if err != nil {
			return err
		}
		for _, it := range res.Items {
			if err := each(it); err != nil {
				return err
			}
		}
		if len(res.Items) < q.Limit {
			return nil
		}
		q.Start = keyOf(res.Items[len(res.Items)-1], q.Index)
	}
}

// Messages returns the whole thread in order.
func (s *Repo) Messages(ctx context.Context, requestID string) ([]domain.Message, error) {
	var out []domain.Message
	err := s.queryAll(ctx, Query{PK: requestPK(requestID), SKPrefix: skMessagePref, Limit: MaxPageSize}, func(it Item) error {
		m, err := messageFrom(it)
		out = append(out, m)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RequestThread reads the request's partition: the request, then its
// messages in order.
func (s *Repo) RequestThread(ctx context.Context, id string) (*domain.Request, []domain.Message, error) {
	var r *domain.Request
	var msgs []domain.Message
	err := s.queryAll(ctx, Query{PK: requestPK(id), Limit: MaxPageSize + 1}, func(it Item) (err error) {
		t, _ := it[AttrType].(*types.AttributeValueMemberS)
		switch {
		case t == nil:
		case t.Value == TypeRequest:
			r, err = requestFrom(it)
		case t.Value == TypeMessage:
			var m domain.Message
			m, err = messageFrom(it)
			msgs = append(msgs, m)
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if r == nil {
		return nil, nil, domain.ErrNotFound
	}
	return r, msgs, nil
}

// PraticaRequests returns up to limit of a pratica's requests, newest first.
func (s *Repo) PraticaRequests(ctx context.Context, praticaID string, limit int) ([]domain.Request, error) {
	res, err := s.query(ctx, Query{Index: IndexByPratica.Name, PK: praticaPK(praticaID), Desc: true, Limit: pageSize(limit)})
	if err != nil {
		return nil, err
	}
	out := make([]domain.Request, 0, len(res.Items))
	for _, it := range res.Items {
		r, err := requestFrom(it)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, nil
}

// RequestThread is a request with its thread, oldest message first.
type RequestThread struct {
	Request  domain.Request
	Messages []domain.Message
}

// errEnough stops a read that has what it needs.
var errEnough = errors.New("store: enough read")

// PraticaThreads reads the pratica's requests and their threads newest
// first, with one Query on IndexByThread (each request's messages come just
// before it) paged on only for a pratica with many. A thread the index
// shows shorter than its request's messageCount (the index lags the table,
// or the messages predate it) is read from the request's partition.
func (s *Repo) PraticaThreads(ctx context.Context, praticaID string, limit int) ([]RequestThread, error) {
	limit = pageSize(limit)
	var out []RequestThread
	var pending []domain.Message // the next request's, newest first
	q := Query{Index: IndexByThread.Name, PK: praticaPK(praticaID), Desc: true, Limit: MaxPageSize}
	err := s.queryAll(ctx, q, func(it Item) error {
		m, r, err := threadItem(it)
		switch {
		case err != nil:
			return err
		case m != nil:
			pending = append(pending, *m)
		case r != nil:
			rt := RequestThread{Request: *r}
			for i := len(pending) - 1; i >= 0; i-- {
				if pending[i].RequestID == r.ID {
					rt.Messages = append(rt.Messages, pending[i])
				}
			}
			pending = pending[:0]
			if out = append(out, rt); len(out) == limit {
				return errEnough
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return nil, err
	}
	for i := range out {
		if len(out[i].Messages) < out[i].Request.MessageCount {
			if out[i].Messages, err = s.Messages(ctx, out[i].Request.ID); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// ThreadAndEarlier reads r's thread and the earlier requests, see Store.
func (s *Repo) ThreadAndEarlier(ctx context.Context, r *domain.Request, limit int) ([]domain.Message, []domain.Request, error) {
	limit = pageSize(limit)
	var msgs []domain.Message // r's, newest first
	var earlier []domain.Request
	// From r's last message down: r's thread, r, then the older requests
	// with theirs (every id and "#<seq>" sorts before "~").
	q := Query{Index: IndexByThread.Name, PK: praticaPK(r.PraticaID), SKFrom: sortTime(time.Time{}),
		SKTo: listKey(r.CreatedAt, r.ID) + "#~", Desc: true, Limit: MaxPageSize}
	err := s.queryAll(ctx, q, func(it Item) error {
		m, o, err := threadItem(it)
		switch {
		case err != nil:
			return err
		case m != nil:
			if m.RequestID == r.ID {
				msgs = append(msgs, *m)
			}
		case o != nil:
			if o.ID == r.ID {
				return nil
			}
			if earlier = append(earlier, *o); len(earlier) == limit {
				return errEnough
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return nil, nil, err
	}
	if len(msgs) < r.MessageCount {
		m, err := s.Messages(ctx, r.ID)
		return m, earlier, err
	}
	slices.Reverse(msgs)
	return msgs, earlier, nil
}

// threadItem decodes an item of IndexByThread: a message, or a request
// (both nil for anything else).
func threadItem(it Item) (*domain.Message, *domain.Request, error) {
	t, _ := it[AttrType].(*types.AttributeValueMemberS)
	switch {
	case t == nil:
	case t.Value == TypeMessage:
		m, err := messageFrom(it)
		if err != nil {
			return nil, nil, err
		}
		return &m, nil, nil
	case t.Value == TypeRequest:
		r, err := requestFrom(it)
		return nil, r, err
	}
	return nil, nil, nil
}

func pageSize(n int) int {
	switch {
	case n <= 0:
		return DefaultPageSize
	case n > MaxPageSize:
		return MaxPageSize
	}
	return n
}

// keyOf keeps the key attributes of it for index.
func keyOf(it Item, index string) Item {
	k := Item{}
	for _, a := range KeyAttrs(index) {
		if v, ok := it[a]; ok {
			k[a] = v
		}
	}
	return k
}

// ListRequests returns one page of requests, newest first.
func (s *Repo) ListRequests(ctx context.Context, lq ListQuery) (RequestPage, error) {
	limit := pageSize(lq.Limit)
	q := Query{Desc: true}
	switch {
	case lq.OfficeID != "":
		q.Index, q.PK = IndexByOffice.Name, officePK(lq.OfficeID)
	case lq.BasinID != "":
		q.Index, q.PK = IndexByBasin.Name, "BASIN#"+lq.BasinID
	case lq.State != "":
		q.Index, q.PK = IndexByState.Name, "STATE#"+string(lq.State)
	default:
		q.Index, q.PK = IndexByCreated.Name, allRequests
	}
	if !lq.From.IsZero() || !lq.To.IsZero() {
		q.SKFrom = sortTime(lq.From) // the zero time sorts before any real one
		q.SKTo = "9"
		if !lq.To.IsZero() {
			q.SKTo = sortTime(lq.To) + "#~" // every id sorts before "~"
		}
	}
	scope := strings.Join([]string{q.Index, q.PK, q.SKFrom, q.SKTo, lq.OfficeID, lq.BasinID, string(lq.State),
		lq.Assignee, lq.PraticaNumber, lq.Subject, strconv.Itoa(limit)}, "\x1f")
	start, err := s.cursors.decode(scope, q.Index, lq.Cursor)
	if err != nil {
		return RequestPage{}, err
	}
	q.Start = start
	match := lq.matcher()

	var page RequestPage
	var lastKey Item // key of the last item put on the page
	for reads := 0; ; reads++ {
		// Read one more than needed: if it exists there is a next page.
		q.Limit = limit + 1 - len(page.Items)
		res, err := s.query(ctx, q)
		if err != nil {
			return RequestPage{}, err
		}
		for _, it := range res.Items {
			r, err := requestFrom(it)
			if err != nil {
				return RequestPage{}, err
			}
			if !match(r) {
				q.Start = keyOf(it, q.Index)
				continue
			}
			if len(page.Items) == limit {
				page.Next = s.cursors.encode(scope, q.Index, lastKey)
				return page, nil
			}
			page.Items = append(page.Items, *r)
			lastKey = keyOf(it, q.Index)
			q.Start = lastKey
		}
		if len(res.Items) < q.Limit {
			return page, nil // the partition is exhausted
		}
		if reads+1 >= maxFilteredReads {
			// Bounded work per page: hand back what matched so far with a
			// cursor after the last item read.
			page.Next = s.cursors.encode(scope, q.Index, q.Start)
			return page, nil
		}
	}
}

func (lq ListQuery) matcher() func(*domain.Request) bool {
	subject := strings.ToLower(strings.TrimSpace(lq.Subject))
	return func(r *domain.Request) bool {
		return (lq.OfficeID == "" || r.OfficeID == lq.OfficeID) &&
			(lq.BasinID == "" || r.BasinID == lq.BasinID) &&
			(lq.State == "" || r.State == lq.State) &&
			(lq.Assignee == "" || r.Assignee == lq.Assignee) &&
			(lq.PraticaNumber == "" || r.PraticaNumber == lq.PraticaNumber) &&
			(subject == "" || strings.Contains(strings.ToLower(r.Subject), subject))
	}
}

// History returns one page of a pratica's history, oldest first.
func (s *Repo) History(ctx context.Context, praticaID, cursor string, limit int) (HistoryPage, error) {
	limit = pageSize(limit)
	q := Query{PK: praticaPK(praticaID), SKPrefix: skHistoryPref}
	scope := "history\x1f" + q.PK + "\x1f" + strconv.Itoa(limit)
	start, err := s.cursors.decode(scope, "", cursor)
	if err != nil {
		return HistoryPage{}, err
	}
	q.Start, q.Limit = start, limit+1
	res, err := s.query(ctx, q)
	if err != nil {
		return HistoryPage{}, err
	}
	var page HistoryPage
	for i, it := range res.Items {
		if i == limit {
			page.Next = s.cursors.encode(scope, "", res.Items[limit-1])
			break
		}
		h, err := historyFrom(it)
		if err != nil {
			return HistoryPage{}, err
		}
		page.Items = append(page.Items, h)
	}
	return page, nil
}

// GetOutbox returns an outbox item, or domain.ErrNotFound.
func (s *Repo) GetOutbox(ctx context.Context, id string) (*OutboxItem, error) {
	it, err := s.get(ctx, Key{outboxPK(id), skOutbox})
	if err != nil {
		return nil, err
	}
	return OutboxFrom(it)
}

// Enqueue writes outbox events and history in one transaction.
func (s *Repo) Enqueue(ctx context.Context, hist []domain.HistoryEntry, events ...domain.OutboxEvent) error {
	if len(events) == 0 {
		return errors.New("store: nothing to enqueue")
	}
	writes, err := appendOutbox(nil, events)
	if err != nil {
		return err
	}
	_, err = s.transact(ctx, writes, hist, expect{})
	return err
}

// AppendHistory writes history entries alone, in one transaction.
func (s *Repo) AppendHistory(ctx context.Context, hist ...domain.HistoryEntry) error {
	if len(hist) == 0 {
		return errors.New("store: no history to append")
	}
	_, err := s.transact(ctx, nil, hist, expect{})
	return err
}
