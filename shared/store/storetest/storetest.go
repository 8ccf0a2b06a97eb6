// Package storetest is the contract every store backend must meet. The
// DynamoDB and embedded backends' tests both call Run, so the local run can
// never drift from production.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"suapcds/shared/domain"
	"suapcds/shared/store"
	"suapcds/shared/workdays"
)

// NewBackend returns an empty backend for one test; it registers its own
// cleanup with t.
type NewBackend func(t testing.TB) store.Backend

// cursorKey signs cursors in the suite.
var cursorKey = []byte("contract-suite-cursor-key-32byte")

// counter records what the queries of a Repo read.
type counter struct {
	mu      sync.Mutex
	queries int
	scanned int
	rcu     float64
}

func (c *counter) observe(_ string, r store.QueryResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.queries++
	c.scanned += r.Scanned
	c.rcu += r.CapacityUnits
}

func (c *counter) reset() (queries, scanned int, rcu float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	queries, scanned, rcu = c.queries, c.scanned, c.rcu
	c.queries, c.scanned, c.rcu = 0, 0, 0
	return
}

type env struct {
	t     testing.TB
	ctx   context.Context
	b     store.Backend
	repo  *store.Repo
	count *counter
	calls *calls
	base  time.Time
}

// calls counts what a Repo asks of its backend, call by call, as DynamoDB
// would bill them: "Get", "GetMany", "Transact", "Transact (failed)",
// "Query".
type calls struct {
	store.Backend
	mu  sync.Mutex
	got []string
}

func (c *calls) add(op string, err error) {
	if err != nil {
		op += " (failed)"
	}
	c.mu.Lock()
	c.got = append(c.got, op)
	c.mu.Unlock()
}

func (c *calls) Get(ctx context.Context, k store.Key) (store.Item, error) {
	it, err := c.Backend.Get(ctx, k)
	c.add("Get", err)
	return it, err
}

func (c *calls) GetMany(ctx context.Context, keys []store.Key) ([]store.Item, error) {
	its, err := c.Backend.GetMany(ctx, keys)
	c.add("GetMany", err)
	return its, err
}

func (c *calls) Transact(ctx context.Context, w []store.Write) error {
	err := c.Backend.Transact(ctx, w)
	c.add("Transact", err)
	return err
}

func (c *calls) Query(ctx context.Context, q store.Query) (store.QueryResult, error) {
	r, err := c.Backend.Query(ctx, q)
	c.add("Query", err)
	return r, err
}

// take returns the calls made since the last take, joined by ", ".
func (c *calls) take() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := strings.Join(c.got, ", ")
	c.got = nil
	return s
}

func newEnv(t testing.TB, nb NewBackend) *env {
	c := &counter{}
	b := nb(t)
	cc := &calls{Backend: b}
	repo, err := store.New(cc, store.Options{CursorKey: cursorKey, OnQuery: c.observe})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, ctx: context.Background(), b: b, repo: repo, count: c, calls: cc,
		base: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}
}

var operator = domain.Principal{UserID: "u-rossi", Name: "Maria Rossi", Role: domain.RoleSuapOperator,
	OfficeID: "suap-africo", Unit: "Suap Comune Africo"}

func (e *env) pratica(id, office, basin string) *domain.Pratica {
	e.t.Helper()
	p := &domain.Pratica{ID: id, Number: "N-" + id, OfficeID: office, BasinID: basin,
		ProcedureType: domain.ProcOrdinario,
		Bodies: []domain.BodyOffice{
			{BodyID: "comune", OfficeID: "tecnico", Name: "Comune di Africo - Ufficio tecnico"},
			{BodyID: "vvf", OfficeID: "rc", Name: "Vigili del Fuoco - Comando di Reggio Calabria"},
		}}
	h := domain.NewHistory(id, operator, domain.OpPraticaRegistered, "", e.base)
	if err := e.repo.SavePratica(e.ctx, p, h); err != nil {
		e.t.Fatalf("save pratica %s: %v", id, err)
	}
	return p
}

func (e *env) request(p *domain.Pratica, created time.Time, subject string) *domain.Request {
	return &domain.Request{
		PraticaID: p.ID, PraticaNumber: p.Number, OfficeID: p.OfficeID, OfficeName: "Suap " + p.OfficeID, BasinID: p.BasinID,
		CreatedBy: operator.UserID, CreatedByName: operator.Name, CreatedByRole: domain.RoleSuapOperator,
		CreatedAt: created, Start: created.Add(96 * time.Hour), DurationMinutes: 120,
		Email: "suap@comune.africo.rc.it", Subject: subject, Recording: true, RecordingConsent: true,
		State: domain.StateOpen, UpdatedAt: created,
	}
}

func (e *env) create(r *domain.Request) error {
	h := domain.NewHistory(r.PraticaID, operator, domain.OpRequestCreated, r.Subject, r.CreatedAt)
	ev := domain.OutboxEvent{Kind: domain.EventRequestCreated, Seq: 1, At: r.CreatedAt}
	return e.repo.CreateRequest(e.ctx, r, h, ev)
}

func (e *env) mustCreate(r *domain.Request) {
	e.t.Helper()
	if err := e.create(r); err != nil {
		e.t.Fatalf("create request: %v", err)
	}
}

func (e *env) historyLen(praticaID string) int {
	e.t.Helper()
	n, cursor := 0, ""
	for {
		page, err := e.repo.History(e.ctx, praticaID, cursor, store.MaxPageSize)
		if err != nil {
			e.t.Fatal(err)
		}
		n += len(page.Items)
		if page.Next == "" {
			return n
		}
		cursor = page.Next
	}
}

// Run runs the whole contract against backends made by nb.
func Run(t *testing.T, nb NewBackend) {
	tests := []struct {
		name string
		fn   func(*testing.T, *env)
	}{
		{"Offices", testOffices},
		{"Pratiche", testPratiche},
		{"PraticaStaleVersion", testPraticaStale},
		{"RequestCreateGet", testRequestCreateGet},
		{"RequestNeedsPratica", testRequestNeedsPratica},
		{"ThreadInOrder", testThread},
		{"StaleVersionWritesNothing", testStaleRequest},
		{"OneLiveRequestConcurrent", testConcurrentCreate},
		{"FinalStateFreesPratica", testFinalFreesPratica},
		{"HistoryInOrder", testHistory},
		{"HistoryChain", testHistoryChain},
		{"OutboxIffCommitted", testOutbox},
		{"OutboxDelivery", testOutboxDelivery},
		{"OutboxSweep", testOutboxSweep},
		{"Lists", testLists},
		{"ListDateRange", testDateRange},
		{"ListFilters", testFilters},
		{"Cursors", testCursors},
		{"ReadTwoAtOnce", testReadTwo},
		{"Rooms", testRooms},
		{"PraticaThreads", testPraticaThreads},
		{"Conferences", testConferences},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newEnv(t, nb)) })
	}
}

func testOffices(t *testing.T, e *env) {
	o := domain.Office{ID: "suap-africo", Name: "Suap Comune Africo", BasinID: "bacino-locride",
		Email: "suap@comune.africo.rc.it", PEC: "suap.africo@pec.it", LocalHolidays: []workdays.LocalHoliday{{Month: time.September, Day: 29, Name: "San Michele"}}}
	if err := e.repo.PutOffice(e.ctx, o); err != nil {
		t.Fatal(err)
	}
	got, err := e.repo.GetOffice(e.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(*got) != fmt.Sprint(o) {
		t.Errorf("office round trip:\n got %+v\nwant %+v", *got, o)
	}
	if _, err := e.repo.GetOffice(e.ctx, "nessuno"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("missing office: %v, want not found", err)
	}
}

func testPratiche(t *testing.T, e *env) {
	p := e.pratica("P1", "suap-africo", "bacino-locride")
	if p.Version != 1 {
		t.Fatalf("version after create = %d, want 1", p.Version)
	}
	got, err := e.repo.GetPratica(e.ctx, "P1")
	if err != nil {
		t.Fatal(err)
	}
	if got.OfficeID != "suap-africo" || got.BasinID != "bacino-locride" || got.ProcedureType != domain.ProcOrdinario ||
		len(got.Bodies) != 2 || got.Bodies[1].BodyID != "vvf" || got.Bodies[1].Name != p.Bodies[1].Name || got.Version != 1 {
		t.Errorf("pratica round trip: %+v", got)
	}
	got.NoCDSReason = "motivazione di test"
	got.VerificationsSent = true
	h := domain.NewHistory("P1", operator, domain.OpNoCDSReason, "", e.base.Add(time.Minute))
	if err := e.repo.SavePratica(e.ctx, got, h); err != nil {
		t.Fatal(err)
	}
	again, _ := e.repo.GetPratica(e.ctx, "P1")
	if again.Version != 2 || again.NoCDSReason != "motivazione di test" || !again.VerificationsSent {
		t.Errorf("after update: %+v", again)
	}
	if _, err := e.repo.GetPratica(e.ctx, "P404"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("missing pratica: %v", err)
	}
	dup := &domain.Pratica{ID: "P1", Number: "x", OfficeID: "o", ProcedureType: domain.ProcSCIA}
	if err := e.repo.SavePratica(e.ctx, dup); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("creating an existing pratica: %v, want conflict", err)
	}
}

func testPraticaStale(t *testing.T, e *env) {
	e.pratica("P1", "suap-africo", "")
	a, _ := e.repo.GetPratica(e.ctx, "P1")
	b, _ := e.repo.GetPratica(e.ctx, "P1")
	a.CDSConvened = true
	if err := e.repo.SavePratica(e.ctx, a); err != nil {
		t.Fatal(err)
	}
	b.NoCDSReason = "stale"
	h := domain.NewHistory("P1", operator, domain.OpNoCDSReason, "", e.base)
	err := e.repo.SavePratica(e.ctx, b, h)
	var de *domain.Error
	if !errors.As(err, &de) || de.Kind != domain.KindConflict || !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("stale save: %v, want a typed conflict", err)
	}
	if got := e.historyLen("P1"); got != 1 {
		t.Errorf("history after a refused change has %d entries, want 1", got)
	}
	cur, _ := e.repo.GetPratica(e.ctx, "P1")
	if cur.NoCDSReason != "" || !cur.CDSConvened || cur.Version != 2 {
		t.Errorf("stale write leaked: %+v", cur)
	}
}

func testRequestCreateGet(t *testing.T, e *env) {
	p := e.pratica("P1", "suap-africo", "bacino-locride")
	r := e.request(p, e.base, "Richiesta disponibilità per videoconferenza — seduta è")
	e.mustCreate(r)
	if r.ID == "" || r.Version != 1 {
		t.Fatalf("after create: id %q version %d", r.ID, r.Version)
	}
	got, err := e.repo.GetRequest(e.ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.CreatedAt.Equal(r.CreatedAt) || !got.Start.Equal(r.Start) || !got.UpdatedAt.Equal(r.UpdatedAt) {
		t.Errorf("times: got %v %v, want %v %v", got.CreatedAt, got.Start, r.CreatedAt, r.Start)
	}
	got.CreatedAt, got.Start, got.UpdatedAt = r.CreatedAt, r.Start, r.UpdatedAt
	if fmt.Sprintf("%+v", *got) != fmt.Sprintf("%+v", *r) {
		t.Errorf("request round trip:\n got %+v\nwant %+v", *got, *r)
	}
	if _, err := e.repo.GetRequest(e.ctx, "missing"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("missing request: %v", err)
	}
	// Accepting stores the meeting data.
	got.Meeting = &domain.Meeting{RoomID: "sala-1", Code: "123 456", Password: "pw", Link: "https://meet.example.it/abc"}
	got.Assignee, got.AssigneeName = "g-bianchi", "Luca Bianchi"
	if err := got.Apply(domain.AcceptWithRecording, e.base.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := e.repo.UpdateRequest(e.ctx, got, nil); err != nil {
		t.Fatal(err)
	}
	again, _ := e.repo.GetRequest(e.ctx, r.ID)
	if again.State != domain.StateProcessing || again.Meeting == nil || *again.Meeting != *got.Meeting || again.Version != 2 || again.AssigneeName != "Luca Bianchi" {
		t.Errorf("after accept: %+v meeting %+v", again, again.Meeting)
	}
}

func testRequestNeedsPratica(t *testing.T, e *env) {
	r := e.request(&domain.Pratica{ID: "ghost", Number: "1", OfficeID: "o"}, e.base, "x")
	err := e.create(r)
	var de *domain.Error
	if !errors.As(err, &de) || de.Kind != domain.KindNotFound {
		t.Fatalf("request for a missing pratica: %v, want not found", err)
	}
	if _, err := e.repo.GetRequest(e.ctx, r.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("the request was written anyway: %v", err)
	}
}

func testThread(t *testing.T, e *env) {
	p := e.pratica("P1", "suap-africo", "")
	r := e.request(p, e.base, "thread")
	e.mustCreate(r)
	manager := domain.Principal{UserID: "g1", Name: "Gestore", Role: domain.RoleManager}
	for i := 1; i <= 12; i++ {
		who := operator
		if i%2 == 0 {
			who = manager
		}
		m, err := domain.NewMessage(who, r, fmt.Sprintf("messaggio %d", i), "testo", e.base.Add(time.Duration(i)*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		h := domain.NewHistory(p.ID, who, domain.OpMessageSent, m.Subject, m.At)
		ev := domain.OutboxEvent{Kind: domain.EventMessagePosted, Seq: int64(m.Seq), At: m.At}
		if err := e.repo.AddMessage(e.ctx, r, m, h, ev); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	msgs, err := e.repo.Messages(e.ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 12 {
		t.Fatalf("thread has %d messages, want 12", len(msgs))
	}
	for i, m := range msgs {
		if m.Seq != i+1 || m.Subject != fmt.Sprintf("messaggio %d", i+1) || m.StateAtSend != domain.StateOpen {
			t.Errorf("message %d: %+v", i, m)
		}
	}
	// The request and its thread in one read.
	got, thread, err := e.repo.RequestThread(e.ctx, r.ID)
	if err != nil || got.ID != r.ID || got.MessageCount != 12 || len(thread) != 12 || thread[11].Seq != 12 {
		t.Errorf("RequestThread: %v, %d messages, err %v", got, len(thread), err)
	}
	e.count.reset()
	if _, _, err := e.repo.RequestThread(e.ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if q, _, _ := e.count.reset(); q != 1 {
		t.Errorf("RequestThread took %d queries, want 1", q)
	}
	if _, _, err := e.repo.RequestThread(e.ctx, "missing"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("RequestThread of a missing request: %v", err)
	}
	// A message written against a stale copy of the request is refused.
	stale, _ := e.repo.GetRequest(e.ctx, r.ID)
	stale.Version--
	stale.MessageCount--
	m, _ := domain.NewMessage(operator, stale, "stale", "", e.base)
	h := domain.NewHistory(p.ID, operator, domain.OpMessageSent, "", e.base)
	if err := e.repo.AddMessage(e.ctx, stale, m, h); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("message on a stale request: %v, want conflict", err)
	}
	if msgs, _ := e.repo.Messages(e.ctx, r.ID); len(msgs) != 12 {
		t.Errorf("thread grew to %d after a refused message", len(msgs))
	}
}

func testStaleRequest(t *testing.T, e *env) {
	p := e.pratica("P1", "suap-africo", "")
	r := e.request(p, e.base, "stale")
	e.mustCreate(r)
	a, _ := e.repo.GetRequest(e.ctx, r.ID)
	b, _ := e.repo.GetRequest(e.ctx, r.ID)
	if err := a.Apply(domain.Accept, e.base); err != nil {
		t.Fatal(err)
	}
	ha := domain.NewHistory(p.ID, operator, domain.OpRequestStateChanged, "EVASA", e.base)
	evA := domain.OutboxEvent{Kind: domain.EventStateChanged, Seq: a.Version + 1, At: e.base}
	if err := e.repo.UpdateRequest(e.ctx, a, []domain.HistoryEntry{ha}, evA); err != nil {
		t.Fatal(err)
	}
	before := e.historyLen(p.ID)
	if err := b.Apply(domain.Decline, e.base); err != nil {
		t.Fatal(err)
	}
	hb := domain.NewHistory(p.ID, operator, domain.OpRequestStateChanged, "NON_DISPONIBILE", e.base)
	evB := domain.OutboxEvent{Kind: domain.EventStateChanged, Seq: b.Version + 100, At: e.base}
	err := e.repo.UpdateRequest(e.ctx, b, []domain.HistoryEntry{hb}, evB)
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.ErrConflict.Code {
		t.Fatalf("stale update: %v, want version_conflict", err)
	}
	if got, _ := e.repo.GetRequest(e.ctx, r.ID); got.State != domain.StateDone || got.Version != 2 {
		t.Errorf("stale update leaked: state %s version %d", got.State, got.Version)
	}
	if after := e.historyLen(p.ID); after != before {
		t.Errorf("history went from %d to %d on a refused change", before, after)
	}
	evB.SubjectID = r.ID
	if _, err := e.repo.GetOutbox(e.ctx, store.OutboxID(evB)); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("outbox item of a refused change exists: %v", err)
	}
}

func testConcurrentCreate(t *testing.T, e *env) {
	p := e.pratica("P1", "suap-africo", "")
	const n = 20
	var wins, lost atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := e.request(p, e.base.Add(time.Duration(i)*time.Millisecond), fmt.Sprintf("gara %d", i))
			<-start
			err := e.create(r)
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, domain.ErrLiveRequestExists), errors.Is(err, domain.ErrConflict):
				lost.Add(1)
			default:
				errs <- err
			}
		}(i)
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("unexpected error: %v", err)
	}
	if wins.Load() != 1 || lost.Load() != n-1 {
		t.Fatalf("%d creates won and %d lost, want 1 and %d", wins.Load(), lost.Load(), n-1)
	}
	reqs, err := e.repo.PraticaRequests(e.ctx, p.ID, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 1 {
		t.Errorf("pratica holds %d requests, want 1", len(reqs))
	}
	if got := e.historyLen(p.ID); got != 2 {
		t.Errorf("history has %d entries, want 2 (registration and the one request)", got)
	}
}

func testFinalFreesPratica(t *testing.T, e *env) {
	p := e.pratica("P1", "suap-africo", "")
	first := e.request(p, e.base, "prima")
	e.mustCreate(first)
	if err := e.create(e.request(p, e.base.Add(time.Minute), "seconda")); !errors.Is(err, domain.ErrLiveRequestExists) {
		t.Fatalf("second live request: %v, want live_request_exists", err)
	}
	// IN_ELABORAZIONE is still live.
	if err := first.Apply(domain.AcceptWithRecording, e.base); err != nil {
		t.Fatal(err)
	}
	if err := e.repo.UpdateRequest(e.ctx, first, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.create(e.request(p, e.base.Add(2*time.Minute), "terza")); !errors.Is(err, domain.ErrLiveRequestExists) {
		t.Fatalf("request while one is IN_ELABORAZIONE: %v, want live_request_exists", err)
	}
	if err := first.Apply(domain.Cancel, e.base); err != nil {
		t.Fatal(err)
	}
	if err := e.repo.UpdateRequest(e.ctx, first, nil); err != nil {
		t.Fatal(err)
	}
	again := e.request(p, e.base.Add(3*time.Minute), "dopo NON DISPONIBILE")
	e.mustCreate(again)
	reqs, err := e.repo.PraticaRequests(e.ctx, p.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 2 || reqs[0].ID != again.ID || reqs[1].ID != first.ID || reqs[1].State != domain.StateUnavailable {
		t.Errorf("pratica's requests, newest first: %+v", reqs)
	}
}

func testHistory(t *testing.T, e *env) {
	p := e.pratica("P1", "suap-africo", "")
	ops := []domain.Operation{domain.OpVerificationsSent, domain.OpNoCDSReason}
	for i := 0; i < 25; i++ {
		cur, _ := e.repo.GetPratica(e.ctx, p.ID)
		// Two entries in the same instant keep the order they were given.
		at := e.base.Add(time.Duration(i/2) * time.Second)
		h := domain.NewHistory(p.ID, operator, ops[i%2], fmt.Sprintf("passo %02d", i), at)
		if err := e.repo.SavePratica(e.ctx, cur, h); err != nil {
			t.Fatal(err)
		}
	}
	var all []domain.HistoryEntry
	cursor := ""
	pages := 0
	for {
		page, err := e.repo.History(e.ctx, p.ID, cursor, 10)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		all = append(all, page.Items...)
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	if len(all) != 26 || pages != 3 {
		t.Fatalf("history: %d entries in %d pages, want 26 in 3", len(all), pages)
	}
	if all[0].Operation != domain.OpPraticaRegistered {
		t.Errorf("first entry %q", all[0].Operation)
	}
	for i, h := range all[1:] {
		if h.Detail != fmt.Sprintf("passo %02d", i) || h.ActorName != "Maria Rossi" || h.RoleUnit != "Utente Ufficio Suap Suap Comune Africo" {
			t.Errorf("entry %d: %+v", i+1, h)
		}
	}
}

func testOutbox(t *testing.T, e *env) {
	p := e.pratica("P1", "suap-africo", "")
	r := e.request(p, e.base, "outbox")
	e.mustCreate(r)
	id := store.OutboxID(domain.OutboxEvent{Kind: domain.EventRequestCreated, SubjectID: r.ID, Seq: 1})
	ob, err := e.repo.GetOutbox(e.ctx, id)
	if err != nil {
		t.Fatalf("outbox of a committed create: %v", err)
	}
	if ob.Status != store.OutboxStatusPending || ob.SubjectID != r.ID || ob.PraticaID != p.ID || ob.Kind != string(domain.EventRequestCreated) {
		t.Errorf("outbox item: %+v", ob)
	}
	loser := e.request(p, e.base, "refused")
	if err := e.create(loser); !errors.Is(err, domain.ErrLiveRequestExists) {
		t.Fatalf("second create: %v", err)
	}
	lid := store.OutboxID(domain.OutboxEvent{Kind: domain.EventRequestCreated, SubjectID: loser.ID, Seq: 1})
	if _, err := e.repo.GetOutbox(e.ctx, lid); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("outbox item of a refused create: %v, want not found", err)
	}
	// Enqueueing the same event twice (a retried change) is refused.
	cur, _ := e.repo.GetRequest(e.ctx, r.ID)
	dup := domain.OutboxEvent{Kind: domain.EventRequestCreated, Seq: 1, At: e.base}
	if err := e.repo.UpdateRequest(e.ctx, cur, nil, dup); !errors.Is(err, store.ErrAlreadyEnqueued) {
		t.Errorf("a duplicate outbox event: %v, want already_enqueued", err)
	}
	// Enqueue alone: once, then refused, with its history only the first time.
	rem := domain.OutboxEvent{Kind: "reminder", SubjectID: r.ID, PraticaID: p.ID, Seq: 1, At: e.base}
	h := domain.NewHistory(p.ID, operator, domain.OpRequestStateChanged, "promemoria", e.base)
	before := e.historyLen(p.ID)
	if err := e.repo.Enqueue(e.ctx, []domain.HistoryEntry{h}, rem); err != nil {
		t.Fatal(err)
	}
	if err := e.repo.Enqueue(e.ctx, []domain.HistoryEntry{h}, rem); !errors.Is(err, store.ErrAlreadyEnqueued) {
		t.Errorf("second enqueue: %v", err)
	}
	if got := e.historyLen(p.ID); got != before+1 {
		t.Errorf("history grew by %d, want 1", got-before)
	}
	if _, err := e.repo.GetOutbox(e.ctx, store.OutboxID(rem)); err != nil {
		t.Errorf("enqueued event: %v", err)
	}
}

// fill creates n requests: office A of basin B gets the even ones, office C
// of basin D the odd ones; every third is then declined. Request i is created
// at base + i minutes.
func (e *env) fill(n int, workers int) []*domain.Request {
	e.t.Helper()
	return e.fillPrefixed("P", n, workers)
}

func (e *env) fillPrefixed(prefix string, n int, workers int) []*domain.Request {
	e.t.Helper()
	reqs := make([]*domain.Request, n)
	var wg sync.WaitGroup
	var failed atomic.Value
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				office, basin := "office-a", "basin-b"
				if i%2 == 1 {
					office, basin = "office-c", "basin-d"
				}
				id := fmt.Sprintf("%s%05d", prefix, i)
				p := &domain.Pratica{ID: id, Number: id, OfficeID: office, BasinID: basin, ProcedureType: domain.ProcOrdinario}
				if err := e.repo.SavePratica(e.ctx, p); err != nil {
					failed.Store(err)
					continue
				}
				r := e.request(p, e.base.Add(time.Duration(i)*time.Minute), fmt.Sprintf("Oggetto %d", i))
				if err := e.create(r); err != nil {
					failed.Store(err)
					continue
				}
				if i%3 == 0 {
					if err := r.Apply(domain.Decline, r.CreatedAt); err != nil {
						failed.Store(err)
						continue
					}
					if err := e.repo.UpdateRequest(e.ctx, r, nil); err != nil {
						failed.Store(err)
					}
				}
				reqs[i] = r
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		e.t.Fatalf("fill: %v", err)
	}
	return reqs
}

// listAll pages through q and returns every id, checking newest-first order.
func (e *env) listAll(q store.ListQuery) []string {
	e.t.Helper()
	var ids []string
	var last time.Time
	for pages := 0; ; pages++ {
		if pages > 1000 {
			e.t.Fatal("pagination does not end")
		}
		page, err := e.repo.ListRequests(e.ctx, q)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, r := range page.Items {
			if !last.IsZero() && r.CreatedAt.After(last) {
				e.t.Fatalf("list not newest first: %v after %v", r.CreatedAt, last)
			}
			last = r.CreatedAt
			ids = append(ids, r.ID)
		}
		if page.Next == "" {
			return ids
		}
		q.Cursor = page.Next
	}
}

func expect(reqs []*domain.Request, keep func(*domain.Request) bool) []string {
	var ids []string
	for i := len(reqs) - 1; i >= 0; i-- {
		if keep(reqs[i]) {
			ids = append(ids, reqs[i].ID)
		}
	}
	return ids
}

func sameIDs(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s: got %d ids, want %d\n got %v\nwant %v", what, len(got), len(want), got, want)
	}
}

func testLists(t *testing.T, e *env) {
	reqs := e.fill(23, 4)
	sameIDs(t, "by office", e.listAll(store.ListQuery{OfficeID: "office-a", Limit: 4}),
		expect(reqs, func(r *domain.Request) bool { return r.OfficeID == "office-a" }))
	sameIDs(t, "by basin", e.listAll(store.ListQuery{BasinID: "basin-d", Limit: 5}),
		expect(reqs, func(r *domain.Request) bool { return r.BasinID == "basin-d" }))
	sameIDs(t, "by state", e.listAll(store.ListQuery{State: domain.StateUnavailable, Limit: 3}),
		expect(reqs, func(r *domain.Request) bool { return r.State == domain.StateUnavailable }))
	sameIDs(t, "all", e.listAll(store.ListQuery{Limit: 7}),
		expect(reqs, func(*domain.Request) bool { return true }))
	// An exact multiple of the page size ends without an empty last page.
	page, err := e.repo.ListRequests(e.ctx, store.ListQuery{Limit: 23})
	if err != nil || len(page.Items) != 23 || page.Next != "" {
		t.Errorf("a page holding the whole list: %d items, next %q, err %v", len(page.Items), page.Next, err)
	}
}

func testDateRange(t *testing.T, e *env) {
	reqs := e.fill(20, 4)
	from, to := reqs[5].CreatedAt, reqs[14].CreatedAt
	in := func(r *domain.Request) bool { return !r.CreatedAt.Before(from) && !r.CreatedAt.After(to) }
	sameIDs(t, "all in range", e.listAll(store.ListQuery{From: from, To: to, Limit: 4}), expect(reqs, in))
	sameIDs(t, "office in range", e.listAll(store.ListQuery{OfficeID: "office-a", From: from, To: to, Limit: 2}),
		expect(reqs, func(r *domain.Request) bool { return in(r) && r.OfficeID == "office-a" }))
	sameIDs(t, "from only", e.listAll(store.ListQuery{State: domain.StateOpen, From: from}),
		expect(reqs, func(r *domain.Request) bool { return !r.CreatedAt.Before(from) && r.State == domain.StateOpen }))
	sameIDs(t, "to only", e.listAll(store.ListQuery{BasinID: "basin-b", To: to}),
		expect(reqs, func(r *domain.Request) bool { return !r.CreatedAt.After(to) && r.BasinID == "basin-b" }))
}

func testFilters(t *testing.T, e *env) {
	reqs := e.fill(30, 4)
	sameIDs(t, "office and state", e.listAll(store.ListQuery{OfficeID: "office-c", State: domain.StateOpen, Limit: 2}),
		expect(reqs, func(r *domain.Request) bool { return r.OfficeID == "office-c" && r.State == domain.StateOpen }))
	sameIDs(t, "subject", e.listAll(store.ListQuery{Subject: "oggetto 2", Limit: 3}),
		expect(reqs, func(r *domain.Request) bool { return strings.HasPrefix(r.Subject, "Oggetto 2") }))
	sameIDs(t, "pratica number", e.listAll(store.ListQuery{PraticaNumber: "P00007"}),
		expect(reqs, func(r *domain.Request) bool { return r.PraticaNumber == "P00007" }))
}

func testCursors(t *testing.T, e *env) {
	e.fill(9, 3)
	q := store.ListQuery{OfficeID: "office-a", Limit: 2}
	page, err := e.repo.ListRequests(e.ctx, q)
	if err != nil || page.Next == "" {
		t.Fatalf("first page: %v next %q", err, page.Next)
	}
	if strings.Contains(page.Next, "office-a") || strings.Contains(page.Next, "OFFICE") {
		t.Errorf("cursor is not opaque: %s", page.Next)
	}
	bad := []string{
		page.Next[:len(page.Next)-2] + "AA",
		"A" + page.Next[1:],
		"garbage",
		"a.b",
		strings.Repeat("x", 5000),
	}
	for _, c := range bad {
		q.Cursor = c
		if _, err := e.repo.ListRequests(e.ctx, q); !errors.Is(err, store.ErrBadCursor) {
			t.Errorf("tampered cursor %.20q: %v, want invalid_cursor", c, err)
		}
	}
	// A genuine cursor of another list is refused too.
	q2 := store.ListQuery{OfficeID: "office-c", Limit: 2, Cursor: page.Next}
	if _, err := e.repo.ListRequests(e.ctx, q2); !errors.Is(err, store.ErrBadCursor) {
		t.Errorf("cursor reused on another list: %v", err)
	}
	h, _ := e.repo.History(e.ctx, "P00000", "", 1)
	if _, err := e.repo.History(e.ctx, "P00000", page.Next, 1); !errors.Is(err, store.ErrBadCursor) {
		t.Errorf("list cursor used for history: %v (page %+v)", err, h)
	}
}

// PageCost fills the table to each size in sizes (cumulatively) and reports,
// for a page of pageSize by office, by basin, by state and unfiltered, how
// many items the queries read. It fails if a page reads more than pageSize+1.
func PageCost(t *testing.T, nb NewBackend, pageSize int, sizes []int, workers int) {
	e := newEnv(t, nb)
	var reqs []*domain.Request
	for _, n := range sizes {
		if more := n - len(reqs); more > 0 {
			start := time.Now()
			// Offset so new requests do not reuse pratica ids.
			batch := e.fillFrom(len(reqs), more, workers)
			reqs = append(reqs, batch...)
			t.Logf("filled to %d requests in %v", len(reqs), time.Since(start).Round(time.Millisecond))
		}
		for _, lq := range []struct {
			name string
			q    store.ListQuery
			keep func(*domain.Request) bool
		}{
			{"office", store.ListQuery{OfficeID: "office-a"}, func(r *domain.Request) bool { return r.OfficeID == "office-a" }},
			{"basin", store.ListQuery{BasinID: "basin-b"}, func(r *domain.Request) bool { return r.BasinID == "basin-b" }},
			{"state", store.ListQuery{State: domain.StateOpen}, func(r *domain.Request) bool { return r.State == domain.StateOpen }},
			{"all", store.ListQuery{}, func(*domain.Request) bool { return true }},
		} {
			lq.q.Limit = pageSize
			e.count.reset()
			page, err := e.repo.ListRequests(e.ctx, lq.q)
			if err != nil {
				t.Fatal(err)
			}
			queries, scanned, rcu := e.count.reset()
			t.Logf("PAGECOST table=%d list=%s page=%d returned=%d queries=%d items_read=%d rcu=%.1f",
				len(reqs), lq.name, pageSize, len(page.Items), queries, scanned, rcu)
			if scanned > pageSize+1 {
				t.Errorf("a %s page of %d read %d items with %d requests in the table", lq.name, pageSize, scanned, len(reqs))
			}
			want := expect(reqs, lq.keep)
			more := len(want) > pageSize
			if more {
				want = want[:pageSize]
			}
			var got []string
			for _, r := range page.Items {
				got = append(got, r.ID)
			}
			sameIDs(t, lq.name+" page", got, want)
			if (page.Next != "") != more {
				t.Errorf("%s page: next %q with %d matching requests", lq.name, page.Next, len(expect(reqs, lq.keep)))
			}
		}
	}
}

func (e *env) fillFrom(offset, n, workers int) []*domain.Request {
	// fill numbers from 0; shift the pratica ids and times by offset.
	shifted := &env{t: e.t, ctx: e.ctx, repo: e.repo, count: e.count, base: e.base.Add(time.Duration(offset) * time.Minute)}
	return shifted.fillPrefixed(fmt.Sprintf("B%d-", offset), n, workers)
}

func testReadTwo(t *testing.T, e *env) {
	o := domain.Office{ID: "suap-africo", Name: "Suap Comune Africo", Email: "suap@comune.africo.rc.it"}
	if err := e.repo.PutOffice(e.ctx, o); err != nil {
		t.Fatal(err)
	}
	p := e.pratica("P1", "suap-africo", "")
	gp, go_, err := e.repo.PraticaAndOffice(e.ctx, "P1", "suap-africo")
	if err != nil || gp == nil || gp.ID != p.ID || go_ == nil || go_.Email != o.Email {
		t.Errorf("both present: %+v %+v %v", gp, go_, err)
	}
	gp, go_, err = e.repo.PraticaAndOffice(e.ctx, "P404", "suap-africo")
	if err != nil || gp != nil || go_ == nil {
		t.Errorf("missing pratica: %+v %+v %v", gp, go_, err)
	}
	gp, go_, err = e.repo.PraticaAndOffice(e.ctx, "P1", "nessuno")
	if err != nil || gp == nil || go_ != nil {
		t.Errorf("missing office: %+v %+v %v", gp, go_, err)
	}
	r := e.request(p, e.base, "due letture")
	e.mustCreate(r)
	room := domain.Room{ID: "sala-1", Name: "Sala 1", Active: true}
	if err := e.repo.PutRoom(e.ctx, room); err != nil {
		t.Fatal(err)
	}
	gr, groom, err := e.repo.RequestAndRoom(e.ctx, r.ID, "sala-1")
	if err != nil || gr.ID != r.ID || groom == nil || *groom != room {
		t.Errorf("request and room: %+v %+v %v", gr, groom, err)
	}
	if _, groom, err = e.repo.RequestAndRoom(e.ctx, r.ID, "sala-9"); err != nil || groom != nil {
		t.Errorf("missing room: %+v %v", groom, err)
	}
	if _, _, err = e.repo.RequestAndRoom(e.ctx, "missing", "sala-1"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("missing request: %v", err)
	}
}

// testRooms: every room's booked slots come from one Query per UTC day of
// the window; a slot is held by one request only, also when many answers
// race for it; releasing frees it, and only its holder may.
func testRooms(t *testing.T, e *env) {
	if rooms, err := e.repo.ListRooms(e.ctx); err != nil || len(rooms) != 0 {
		t.Fatalf("no rooms yet: %+v %v", rooms, err)
	}
	for _, id := range []string{"sala-2", "sala-1"} {
		if err := e.repo.PutRoom(e.ctx, domain.Room{ID: id, Name: "Sala " + id, Active: true}); err != nil {
			t.Fatal(err)
		}
	}
	// The catalogue: every room by id; a change rewrites its room only;
	// concurrent changes all land (each retries on the catalogue's version).
	if err := e.repo.PutRoom(e.ctx, domain.Room{ID: "sala-2", Name: "Sala due", DefaultLink: "https://meet.example/2"}); err != nil {
		t.Fatal(err)
	}
	var puts sync.WaitGroup
	for i := range 3 {
		puts.Add(1)
		go func() {
			defer puts.Done()
			if err := e.repo.PutRoom(e.ctx, domain.Room{ID: fmt.Sprintf("sala-%d", 7+i), Name: "Sala", Active: true}); err != nil {
				t.Errorf("concurrent put room: %v", err)
			}
		}()
	}
	puts.Wait()
	rooms, err := e.repo.ListRooms(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range rooms {
		ids = append(ids, r.ID)
	}
	if strings.Join(ids, ",") != "sala-1,sala-2,sala-7,sala-8,sala-9" || rooms[1] != (domain.Room{ID: "sala-2", Name: "Sala due", DefaultLink: "https://meet.example/2"}) {
		t.Errorf("rooms: %+v", rooms)
	}
	if _, err := e.repo.GetRoom(e.ctx, "sala-5"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("missing room: %v", err)
	}
	if err := e.repo.PutRoom(e.ctx, domain.Room{ID: "sala-2", Name: "Sala sala-2", Active: true}); err != nil {
		t.Fatal(err)
	}
	r0 := e.request(e.pratica("PR0", "suap-africo", ""), e.base, "cataloga")
	e.mustCreate(r0)
	e.calls.take()
	if gr, all, err := e.repo.RequestAndRooms(e.ctx, r0.ID); err != nil || gr.ID != r0.ID || len(all) != 5 || all[1].Name != "Sala sala-2" {
		t.Errorf("request and rooms: %+v %+v %v", gr, all, err)
	}
	if c := e.calls.take(); c != "GetMany" {
		t.Errorf("request and rooms: calls %q, want one GetMany", c)
	}
	p := e.pratica("PR1", "suap-africo", "")
	book := func(r *domain.Request, room string, start time.Time, minutes int) error {
		r.Meeting = &domain.Meeting{RoomID: room, Code: "c", Password: "p", Link: "https://meet.example/" + room}
		return e.repo.Answer(e.ctx, store.AnswerChange{Request: r, Book: domain.Slots(start, minutes),
			History: []domain.HistoryEntry{domain.NewHistory(p.ID, operator, domain.OpRequestAccepted, room, e.base)}})
	}
	newRequest := func(i int) *domain.Request {
		r := e.request(p, e.base.Add(time.Duration(i)*time.Minute), fmt.Sprintf("sala %d", i))
		r.PraticaID = fmt.Sprintf("PR-%d", i) // one live request per pratica
		e.pratica(r.PraticaID, "suap-africo", "")
		e.mustCreate(r)
		return r
	}
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	r1, r2, r3 := newRequest(1), newRequest(2), newRequest(3)
	if err := book(r1, "sala-1", day.Add(9*time.Hour), 60); err != nil {
		t.Fatal(err)
	}
	v := r2.Version
	if err := book(r2, "sala-1", day.Add(9*time.Hour+50*time.Minute), 30); !errors.Is(err, domain.ErrRoomUnavailable) {
		t.Fatalf("overlapping booking: %v, want room unavailable", err)
	}
	if got, _ := e.repo.GetRequest(e.ctx, r2.ID); got.Version != v || got.Meeting != nil {
		t.Errorf("a refused booking wrote the request: %+v", got)
	}
	if err := book(r2, "sala-2", day.Add(9*time.Hour+50*time.Minute), 30); err != nil {
		t.Fatal(err)
	}
	// Across midnight UTC: two days, two queries.
	if err := book(r3, "sala-1", day.Add(23*time.Hour+40*time.Minute), 40); err != nil {
		t.Fatal(err)
	}

	e.calls.take()
	got, err := e.repo.BookedSlots(e.ctx, day.Add(9*time.Hour), day.Add(11*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if c := e.calls.take(); c != "Query" {
		t.Errorf("a window within a day: calls %q, want one Query", c)
	}
	if len(got["sala-1"]) != 6 || len(got["sala-2"]) != 3 || got["sala-1"][day.Add(9*time.Hour)] != r1.ID ||
		got["sala-2"][day.Add(10*time.Hour)] != r2.ID {
		t.Errorf("booked 09:00–11:00: %v", got)
	}
	if got, _ := e.repo.BookedSlots(e.ctx, day.Add(9*time.Hour+30*time.Minute), day.Add(9*time.Hour+40*time.Minute)); len(got) != 1 || len(got["sala-1"]) != 1 {
		t.Errorf("booked 09:30–09:40: %v", got)
	}
	e.calls.take()
	got, err = e.repo.BookedSlots(e.ctx, day.Add(23*time.Hour), day.Add(25*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if c := e.calls.take(); c != "Query, Query" {
		t.Errorf("a window across midnight: calls %q, want two Queries", c)
	}
	if len(got) != 1 || len(got["sala-1"]) != 4 || got["sala-1"][day.Add(24*time.Hour+10*time.Minute)] != r3.ID {
		t.Errorf("booked 23:00–01:00: %v", got)
	}

	// Only the holder releases.
	if err := e.repo.Answer(e.ctx, store.AnswerChange{Request: r2, Release: domain.Slots(day.Add(9*time.Hour), 60), ReleaseRoom: "sala-1"}); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("release by another request: %v, want conflict", err)
	}
	if err := e.repo.Answer(e.ctx, store.AnswerChange{Request: r1, Release: domain.Slots(day.Add(9*time.Hour), 60), ReleaseRoom: "sala-1"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.repo.BookedSlots(e.ctx, day.Add(9*time.Hour), day.Add(11*time.Hour)); len(got["sala-1"]) != 0 || len(got["sala-2"]) != 3 {
		t.Errorf("after the release: %v", got)
	}

	// Answers racing for overlapping windows of one room: one wins.
	const n = 6
	racers := make([]*domain.Request, n)
	for i := range racers {
		racers[i] = newRequest(10 + i)
	}
	var wg sync.WaitGroup
	var won atomic.Int32
	start := make(chan struct{})
	for i, r := range racers {
		wg.Go(func() {
			<-start
			err := book(r, "sala-2", day.Add(14*time.Hour+time.Duration(i)*10*time.Minute), 60)
			switch {
			case err == nil:
				won.Add(1)
			case !errors.Is(err, domain.ErrRoomUnavailable):
				t.Errorf("racer %d: %v", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	got, _ = e.repo.BookedSlots(e.ctx, day.Add(14*time.Hour), day.Add(16*time.Hour))
	holders := map[string]bool{}
	for _, by := range got["sala-2"] {
		holders[by] = true
	}
	if won.Load() < 1 || len(holders) != int(won.Load()) {
		t.Errorf("%d answers won, slots held by %d requests: %v", won.Load(), len(holders), got["sala-2"])
	}
	// Winners' windows never overlap: each slot has one holder by key, and
	// the windows of racers i and i+k overlap for k < 6, so one won.
	if won.Load() != 1 {
		t.Errorf("%d overlapping answers won, want 1", won.Load())
	}
}

// testPraticaThreads: a pratica's requests newest first, each with its
// thread in order, in one Query; a thread the index misses (a message
// written before the index) is read from the request's partition.
func testPraticaThreads(t *testing.T, e *env) {
	p := e.pratica("PT1", "suap-africo", "")
	other := e.pratica("PT2", "suap-africo", "")
	e.mustCreate(e.request(other, e.base, "altra pratica"))
	post := func(r *domain.Request, n int) {
		for i := range n {
			m, err := domain.NewMessage(operator, r, fmt.Sprintf("%s %d", r.Subject, i+1), "testo", r.CreatedAt.Add(time.Duration(i+1)*time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			if err := e.repo.AddMessage(e.ctx, r, m, domain.NewHistory(p.ID, operator, domain.OpMessageSent, m.Subject, m.At)); err != nil {
				t.Fatal(err)
			}
		}
	}
	var reqs []*domain.Request
	for i, n := range []int{2, 0, 3} {
		r := e.request(p, e.base.Add(time.Duration(i)*time.Hour), fmt.Sprintf("richiesta %d", i+1))
		e.mustCreate(r)
		post(r, n)
		if i < 2 {
			if err := r.Apply(domain.Decline, r.CreatedAt.Add(30*time.Minute)); err != nil {
				t.Fatal(err)
			}
			if err := e.repo.UpdateRequest(e.ctx, r, nil); err != nil {
				t.Fatal(err)
			}
		}
		reqs = append(reqs, r)
	}
	shape := func(ts []store.RequestThread) string {
		var b strings.Builder
		for _, x := range ts {
			fmt.Fprintf(&b, "%s:", x.Request.Subject)
			for _, m := range x.Messages {
				fmt.Fprintf(&b, " %d", m.Seq)
			}
			b.WriteString("; ")
		}
		return b.String()
	}
	e.calls.take()
	got, err := e.repo.PraticaThreads(e.ctx, p.ID, 20)
	if err != nil {
		t.Fatal(err)
	}
	if c := e.calls.take(); c != "Query" {
		t.Errorf("calls %q, want one Query", c)
	}
	if s := shape(got); s != "richiesta 3: 1 2 3; richiesta 2:; richiesta 1: 1 2; " {
		t.Errorf("threads: %s", s)
	}
	if got[0].Request.ID != reqs[2].ID || got[0].Messages[2].Subject != "richiesta 3 3" || got[0].Messages[0].RequestID != reqs[2].ID {
		t.Errorf("newest: %+v", got[0])
	}
	if got, _ := e.repo.PraticaThreads(e.ctx, p.ID, 2); shape(got) != "richiesta 3: 1 2 3; richiesta 2:; " {
		t.Errorf("two newest: %s", shape(got))
	}
	// A request's thread and the earlier requests: one Query.
	earlier := func(r *domain.Request, want, wantCalls string) {
		t.Helper()
		e.calls.take()
		msgs, prev, err := e.repo.ThreadAndEarlier(e.ctx, r, 20)
		if err != nil {
			t.Fatal(err)
		}
		if c := e.calls.take(); c != wantCalls {
			t.Errorf("%s: calls %q, want %q", r.Subject, c, wantCalls)
		}
		var b strings.Builder
		for _, m := range msgs {
			if m.RequestID != r.ID {
				t.Errorf("%s: message of %s", r.Subject, m.RequestID)
			}
			fmt.Fprintf(&b, "%d ", m.Seq)
		}
		b.WriteString("|")
		for _, o := range prev {
			fmt.Fprintf(&b, " %s;", o.Subject)
		}
		if b.String() != want {
			t.Errorf("%s: thread and earlier %q, want %q", r.Subject, b.String(), want)
		}
	}
	earlier(reqs[2], "1 2 3 | richiesta 2; richiesta 1;", "Query")
	earlier(reqs[1], "| richiesta 1;", "Query")
	earlier(reqs[0], "1 2 |", "Query")
	// A message without the index's keys, as written before it existed.
	var first store.Item
	res, err := e.b.Query(e.ctx, store.Query{PK: "REQ#" + reqs[0].ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range res.Items {
		if s, _ := it["sk"].(*types.AttributeValueMemberS); s != nil && s.Value == "MSG#000000001" {
			first = it
		}
	}
	delete(first, "praticaKey")
	delete(first, "threadSort")
	e.rawWrite(store.Write{Put: first})
	e.calls.take()
	got, err = e.repo.PraticaThreads(e.ctx, p.ID, 20)
	if err != nil {
		t.Fatal(err)
	}
	if c := e.calls.take(); c != "Query, Query" {
		t.Errorf("with a message outside the index: calls %q, want two Queries", c)
	}
	if s := shape(got); s != "richiesta 3: 1 2 3; richiesta 2:; richiesta 1: 1 2; " {
		t.Errorf("threads with a message outside the index: %s", s)
	}
	earlier(reqs[0], "1 2 |", "Query, Query")
}
