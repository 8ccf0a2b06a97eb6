package leadtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"suapcds/functions/leadtime"
	"suapcds/shared/app"
	"suapcds/shared/clock"
	"suapcds/shared/domain"
	"suapcds/shared/store"
	"suapcds/shared/store/testbackend"
	"suapcds/shared/testenv"
	"suapcds/shared/workdays"
)

// countingBackend counts transactions tried and committed, and can run a
// hook before a transaction (to simulate a concurrent change).
type countingBackend struct {
	store.Backend
	tried, committed atomic.Int64
	before           func()
}

func (c *countingBackend) Transact(ctx context.Context, w []store.Write) error {
	c.tried.Add(1)
	if f := c.before; f != nil {
		c.before = nil
		f()
	}
	err := c.Backend.Transact(ctx, w)
	if err == nil {
		c.committed.Add(1)
	}
	return err
}

// logBuffer collects the handler's JSON log lines.
type logBuffer struct{ testenv.Buffer }

// runLines returns the "leadtime run" lines logged so far, decoded.
func (l *logBuffer) runLines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(l.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if m["msg"] == "leadtime run" {
			out = append(out, m)
		}
	}
	return out
}

type env struct {
	t       *testing.T
	ctx     context.Context
	clock   *clock.Fixed
	backend *countingBackend
	store   *store.Repo
	logs    *logBuffer
	h       *leadtime.Handler
	seq     int
}

// wednesday is Wednesday 11 March 2026, 10:00 in Rome: the run's "now".
var wednesday = time.Date(2026, time.March, 11, 10, 0, 0, 0, clock.Rome)

// rossi is the operator who made the fixtures' requests.
var rossi = domain.Principal{UserID: "u-rossi", Name: "Maria Rossi", Role: domain.RoleSuapOperator, OfficeID: "suap-africo", Unit: "Suap Comune Africo"}

func rome(day, hour int) time.Time {
	return time.Date(2026, time.March, day, hour, 0, 0, 0, clock.Rome)
}

func newEnv(t *testing.T, o app.LeadTimeOptions) *env {
	t.Helper()
	b := &countingBackend{Backend: testbackend.New(t)}
	st, err := store.New(b, store.Options{CursorKey: []byte("leadtime-test-cursor-key")})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, ctx: context.Background(), clock: clock.NewFixed(wednesday), backend: b, store: st, logs: &logBuffer{}}
	e.h, err = leadtime.New(leadtime.Deps{App: app.Deps{Store: st, Clock: e.clock, Logger: slog.New(slog.NewJSONHandler(e.logs, nil))}, Run: o})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []domain.Office{
		{ID: "suap-africo", Name: "Suap Comune Africo", BasinID: "bacino-locride", Email: "suap@comune.africo.rc.it"},
		// Its patron saint on Thursday 12 March moves its lead time a day earlier.
		{ID: "suap-bianco", Name: "Suap Comune Bianco", BasinID: "bacino-locride", Email: "suap@comune.bianco.rc.it",
			LocalHolidays: []workdays.LocalHoliday{{Month: time.March, Day: 12, Name: "Santo patrono"}}},
	} {
		if err := st.PutOffice(e.ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// request stores a request of office in state st for a meeting at start
// (120 minutes), on a pratica of its own, created a week before now.
func (e *env) request(office string, st domain.State, start time.Time, recording bool) *domain.Request {
	e.t.Helper()
	e.seq++
	p := &domain.Pratica{ID: office + "-p" + string(rune('a'+e.seq)), Number: "P" + string(rune('a'+e.seq)),
		OfficeID: office, BasinID: "bacino-locride", ProcedureType: domain.ProcOrdinario}
	if err := e.store.SavePratica(e.ctx, p); err != nil {
		e.t.Fatal(err)
	}
	created := e.clock.Now().AddDate(0, 0, -7)
	r := &domain.Request{PraticaID: p.ID, PraticaNumber: p.Number, OfficeID: office, BasinID: p.BasinID,
		CreatedBy: "u-rossi", CreatedByName: "Maria Rossi", CreatedByRole: domain.RoleSuapOperator, CreatedAt: created,
		Start: start, DurationMinutes: 120, Email: "suap@comune.africo.rc.it", Subject: "Conferenza " + p.Number,
		Recording: recording, RecordingConsent: recording, State: st, UpdatedAt: created}
	if st == domain.StateProcessing {
		r.Assignee, r.AssigneeName = "g-bianchi", "Luca Bianchi"
		r.Meeting = &domain.Meeting{RoomID: "sala-1", Code: "123-456", Password: "segreta", Link: "https://meet.example.it/abc"}
	}
	h := domain.NewHistory(p.ID, rossi, domain.OpRequestCreated, "", created)
	if err := e.store.CreateRequest(e.ctx, r, h); err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) run() leadtime.Result {
	e.t.Helper()
	res, err := e.h.Run(e.ctx)
	if err != nil {
		e.t.Fatalf("run: %v (%+v)", err, res)
	}
	return res
}

// outbox returns request r's outbox event of kind and seq, or nil.
func (e *env) outbox(r *domain.Request, kind domain.EventKind, seq int64) *store.OutboxItem {
	e.t.Helper()
	it, err := e.store.GetOutbox(e.ctx, store.OutboxID(domain.OutboxEvent{Kind: kind, SubjectID: r.ID, Seq: seq}))
	if errors.Is(err, domain.ErrNotFound) {
		return nil
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return it
}

// history returns the entries of r's pratica written by the system.
func (e *env) history(r *domain.Request) []domain.HistoryEntry {
	e.t.Helper()
	page, err := e.store.History(e.ctx, r.PraticaID, "", 100)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []domain.HistoryEntry
	for _, h := range page.Items {
		if h.ActorID == domain.System.UserID {
			out = append(out, h)
		}
	}
	return out
}

func (e *env) get(r *domain.Request) *domain.Request {
	e.t.Helper()
	got, err := e.store.GetRequest(e.ctx, r.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

// TestRun covers the three cases and their not-yet neighbours on one table,
// then a second run that writes nothing, then a day later the not-yet cases.
func TestRun(t *testing.T) {
	e := newEnv(t, app.LeadTimeOptions{})
	// APERTA, meeting Thursday 12: the last day to ask was Tuesday 10.
	unanswered := e.request("suap-africo", domain.StateOpen, rome(12, 11), false)
	// APERTA, meeting Friday 13: the last day to ask is today. Not yet.
	notYet := e.request("suap-africo", domain.StateOpen, rome(13, 11), false)
	// The same meeting for an office whose patron saint is on Thursday 12:
	// its last day was Tuesday 10, so it is inside the lead time.
	localHoliday := e.request("suap-bianco", domain.StateOpen, rome(13, 11), false)
	// APERTA, its meeting started an hour ago: expired.
	expired := e.request("suap-africo", domain.StateOpen, rome(11, 9), false)
	// IN_ELABORAZIONE with recording, ended Monday 2 March: 5 working days
	// later is Monday 9, so the reminder is due.
	recording := e.request("suap-africo", domain.StateProcessing, rome(2, 10), true)
	// Ended Wednesday 4 March: 5 working days later is today. Not yet.
	recordingNotYet := e.request("suap-africo", domain.StateProcessing, rome(4, 10), true)
	// IN_ELABORAZIONE without recording (the API cannot make one: accepting
	// without recording is EVASA), long ended: no recording to remind of.
	e.request("suap-bianco", domain.StateProcessing, rome(2, 15), false)

	res := e.run()
	want := leadtime.Result{Read: 7, Pages: 2, RemindedUnanswered: 2, Expired: 1, RemindedRecording: 1}
	if !equalResult(res, want) {
		t.Errorf("first run: %+v, want %+v", res, want)
	}

	for _, r := range []*domain.Request{unanswered, localHoliday} {
		ob := e.outbox(r, domain.EventReminderUnanswered, 1)
		if ob == nil {
			t.Fatalf("%s: no reminder_unanswered outbox item", r.Subject)
		}
		if ob.PraticaID != r.PraticaID || ob.SubjectID != r.ID || ob.Status != store.OutboxStatusPending {
			t.Errorf("%s: outbox item %+v", r.Subject, ob)
		}
		hist := e.history(r)
		if len(hist) != 1 || hist[0].Operation != domain.OpReminderUnanswered || hist[0].RequestID != r.ID ||
			hist[0].ActorName != "Sistema" || hist[0].RoleUnit != "Procedura automatica" {
			t.Errorf("%s: system history %+v", r.Subject, hist)
		}
		if got := e.get(r); got.State != domain.StateOpen || got.Version != r.Version {
			t.Errorf("%s: a reminder changed the request: %s v%d", r.Subject, got.State, got.Version)
		}
	}
	if ob := e.outbox(localHoliday, domain.EventReminderUnanswered, 1); ob.Data["lastRequestDay"] != "2026-03-10" {
		t.Errorf("local holiday: lastRequestDay %q, want 2026-03-10", ob.Data["lastRequestDay"])
	}

	got := e.get(expired)
	if got.State != domain.StateUnavailable || got.StateReason != "scaduta senza riscontro" || got.Version != expired.Version+1 {
		t.Errorf("expired: %s %q v%d", got.State, got.StateReason, got.Version)
	}
	ob := e.outbox(expired, domain.EventStateChanged, got.Version)
	if ob == nil || ob.Data["from"] != "APERTA" || ob.Data["to"] != "NON_DISPONIBILE" {
		t.Errorf("expired: state_changed outbox %+v", ob)
	}
	if hist := e.history(expired); len(hist) != 1 || hist[0].Operation != domain.OpRequestExpired {
		t.Errorf("expired: system history %+v", hist)
	}
	// The pratica's live lock is free: the office may ask again.
	again := *expired
	again.ID, again.State, again.Version, again.StateReason = "", domain.StateOpen, 0, ""
	if err := e.store.CreateRequest(e.ctx, &again, domain.NewHistory(expired.PraticaID, rossi, domain.OpRequestCreated, "", wednesday)); err != nil {
		t.Errorf("new request after expiry: %v", err)
	}
	// That new request's meeting has passed too; take it off again so the
	// counts below stay about the fixtures.
	again.StateReason = "test"
	if err := again.Apply(domain.Decline, wednesday); err != nil {
		t.Fatal(err)
	}
	if err := e.store.UpdateRequest(e.ctx, &again, nil); err != nil {
		t.Fatal(err)
	}

	ob = e.outbox(recording, domain.EventReminderRecording, 1)
	if ob == nil || ob.Data["endedOn"] != "2026-03-02" || ob.Data["due"] != "2026-03-09" {
		t.Errorf("recording: outbox %+v", ob)
	}
	if hist := e.history(recording); len(hist) != 1 || hist[0].Operation != domain.OpReminderRecording {
		t.Errorf("recording: system history %+v", hist)
	}

	for _, r := range []*domain.Request{notYet, recordingNotYet} {
		if ob := e.outbox(r, domain.EventReminderUnanswered, 1); ob != nil {
			t.Errorf("%s: reminded too early", r.Subject)
		}
		if ob := e.outbox(r, domain.EventReminderRecording, 1); ob != nil {
			t.Errorf("%s: reminded too early", r.Subject)
		}
		if hist := e.history(r); len(hist) != 0 {
			t.Errorf("%s: history %+v", r.Subject, hist)
		}
	}

	// A second run at the same time finds everything done: no write at all
	// (not even a refused one), no new history.
	t.Run("second run writes nothing", func(t *testing.T) {
		tried := e.backend.tried.Load()
		res := e.run()
		want := leadtime.Result{Read: 6, Pages: 2, AlreadyDone: 3}
		if !equalResult(res, want) {
			t.Errorf("second run: %+v, want %+v", res, want)
		}
		if n := e.backend.tried.Load() - tried; n != 0 {
			t.Errorf("second run tried %d transaction(s)", n)
		}
		for _, r := range []*domain.Request{unanswered, localHoliday, expired, recording} {
			if hist := e.history(r); len(hist) != 1 {
				t.Errorf("%s: %d system history entries, want 1", r.Subject, len(hist))
			}
		}
	})

	// The next morning the not-yet cases are due, and only they.
	t.Run("next day", func(t *testing.T) {
		e.clock.Set(rome(12, 9))
		res := e.run()
		want := leadtime.Result{Read: 6, Pages: 2, RemindedUnanswered: 1, RemindedRecording: 1, AlreadyDone: 3}
		if !equalResult(res, want) {
			t.Errorf("next day: %+v, want %+v", res, want)
		}
		if e.outbox(notYet, domain.EventReminderUnanswered, 1) == nil {
			t.Error("notYet: no reminder the next day")
		}
		if e.outbox(recordingNotYet, domain.EventReminderRecording, 1) == nil {
			t.Error("recordingNotYet: no reminder the next day")
		}
	})

	lines := e.logs.runLines(t)
	if len(lines) != 3 {
		t.Fatalf("%d run log lines for 3 runs", len(lines))
	}
	if l := lines[0]; l["level"] != "INFO" || l["read"] != 7.0 || l["remindedUnanswered"] != 2.0 || l["expired"] != 1.0 ||
		l["remindedRecording"] != 1.0 || l["alreadyDone"] != 0.0 || l["failed"] != 0.0 {
		t.Errorf("first run's log line: %v", l)
	}
}

func equalResult(a, b leadtime.Result) bool {
	return slices.Equal(a.Capped, b.Capped) && a.Read == b.Read && a.Pages == b.Pages &&
		a.RemindedUnanswered == b.RemindedUnanswered && a.Expired == b.Expired &&
		a.RemindedRecording == b.RemindedRecording && a.AlreadyDone == b.AlreadyDone &&
		a.Conflicts == b.Conflicts && a.Failed == b.Failed
}

// TestExpiryLosesToAnAnswer: the service accepts the request between the
// validator's read and its write; the expiry is refused by the version
// condition and skipped, and the answer stands.
func TestExpiryLosesToAnAnswer(t *testing.T) {
	e := newEnv(t, app.LeadTimeOptions{})
	r := e.request("suap-africo", domain.StateOpen, rome(11, 9), false)
	e.backend.before = func() {
		cur := e.get(r)
		cur.Meeting = &domain.Meeting{RoomID: "sala-1", Code: "1", Password: "p", Link: "https://meet.example.it/x"}
		if err := cur.Apply(domain.Accept, wednesday); err != nil {
			t.Fatal(err)
		}
		if err := e.store.UpdateRequest(e.ctx, cur, nil); err != nil {
			t.Fatal(err)
		}
	}
	res := e.run()
	if want := (leadtime.Result{Read: 1, Pages: 2, Conflicts: 1}); !equalResult(res, want) {
		t.Errorf("run: %+v, want %+v", res, want)
	}
	if got := e.get(r); got.State != domain.StateDone || got.StateReason != "" {
		t.Errorf("request %s %q, want the answer (EVASA) to stand", got.State, got.StateReason)
	}
	if hist := e.history(r); len(hist) != 0 {
		t.Errorf("system history %+v", hist)
	}
}

// TestPageCap: the run reads at most MaxPages pages per state, says so, and
// the next run goes on (here: finds the same newest requests, already done).
func TestPageCap(t *testing.T) {
	e := newEnv(t, app.LeadTimeOptions{PageSize: 2, MaxPages: 2})
	for range 5 {
		e.request("suap-africo", domain.StateOpen, rome(12, 11), false)
	}
	res, err := e.h.Run(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := leadtime.Result{Read: 4, Pages: 3, Capped: []domain.State{domain.StateOpen}, RemindedUnanswered: 4}
	if !equalResult(res, want) {
		t.Errorf("run: %+v, want %+v", res, want)
	}
	if l := e.logs.runLines(t); len(l) != 1 || l[0]["level"] != "WARN" || l[0]["maxPages"] != 2.0 {
		t.Errorf("capped run's log line: %v", l)
	}
}

// TestHandleSample runs the handler on the events/ sample of the schedule.
func TestHandleSample(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "events", "leadtime-schedule.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.EventBridgeEvent
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		t.Fatalf("sample: %v", err)
	}
	if ev.DetailType != "Scheduled Event" || ev.Source != "aws.events" || ev.ID == "" {
		t.Errorf("sample is not a scheduled event: %+v", ev)
	}
	e := newEnv(t, app.LeadTimeOptions{})
	r := e.request("suap-africo", domain.StateOpen, rome(11, 9), false)
	res, err := e.h.Handle(e.ctx, ev)
	if err != nil || res.Expired != 1 {
		t.Fatalf("Handle: %+v %v", res, err)
	}
	if got := e.get(r); got.State != domain.StateUnavailable {
		t.Errorf("state %s", got.State)
	}
	if l := e.logs.runLines(t); len(l) != 1 || l[0]["eventId"] != ev.ID {
		t.Errorf("log line %v, want eventId %s", l, ev.ID)
	}
}
