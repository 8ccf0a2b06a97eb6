package notify_test

// These tests run notify on the real path: the changes are made by the
// operators' and the service's use cases (shared/app) through the store on
// DynamoDB Local; the records are read back from DynamoDB Local's stream with
// the dynamodbstreams client and handed to Handle, which sends through the
// SES v2 emulator; what arrived is read from the emulator's GET /store.
// Every test uses recipient addresses of its own, since the emulator is
// shared by the whole run and never cleared.

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/aws/aws-lambda-go/events"

	"suapcds/functions/notify"
	"suapcds/shared/app"
	"suapcds/shared/app/apptest"
	"suapcds/shared/clock"
	"suapcds/shared/domain"
	"suapcds/shared/mail"
	"suapcds/shared/mail/sestest"
	"suapcds/shared/signedlink"
	"suapcds/shared/store"
	"suapcds/shared/store/dynamo"
	"suapcds/shared/store/dynamo/dynamotest"
	"suapcds/shared/testenv"
)

// faultySES stands between the sender and the SES v2 emulator: it counts the
// calls and answers TooManyRequests (SES throttling) for the messages fail
// picks, as many times as fail says.
type faultySES struct {
	api   mail.SESAPI
	calls atomic.Int64

	mu   sync.Mutex
	fail func(raw []byte) int // failures left for this message; decremented per call
	left map[string]int
}

func (f *faultySES) SendEmail(ctx context.Context, in *mail.SendEmailInput) (*mail.SendEmailOutput, error) {
	f.calls.Add(1)
	f.mu.Lock()
	if f.fail != nil {
		raw := in.Content.Raw.Data
		key := string(messageID(raw))
		if _, seen := f.left[key]; !seen {
			f.left[key] = f.fail(raw)
		}
		if f.left[key] > 0 {
			f.left[key]--
			f.mu.Unlock()
			return nil, &mail.SESError{Status: http.StatusTooManyRequests, Code: "TooManyRequestsException", Message: "Maximum sending rate exceeded."}
		}
	}
	f.mu.Unlock()
	return f.api.SendEmail(ctx, in)
}

var messageIDRe = regexp.MustCompile(`(?m)^Message-ID:\s*<([^>]+)>`)

func messageID(raw []byte) []byte {
	if m := messageIDRe.FindSubmatch(raw); m != nil {
		return m[1]
	}
	return nil
}

// Fixed inputs. The meeting is on Thursday 11 March 2027 at 10:00 in Rome
// (09:00 UTC, winter time), asked on Monday 1 March.
var (
	now       = time.Date(2027, 3, 1, 8, 0, 0, 0, time.UTC)
	start     = time.Date(2027, 3, 11, 9, 0, 0, 0, time.UTC)
	linkKey   = []byte("notify-test-link-key-0123456789abcdef")
	baseURL   = "https://videoconferenze.example.it"
	mailFrom  = "notifiche@videoconferenze.example.it"
	operator  = domain.Principal{UserID: "u-rossi", Name: "Maria Rossi", Role: domain.RoleSuapOperator, OfficeID: "suap-africo", Unit: "Suap Comune Africo"}
	manager   = domain.Principal{UserID: "m-bianchi", Name: "Luca Bianchi", Role: domain.RoleManager}
	admin     = domain.Principal{UserID: "a-verdi", Name: "Anna Verdi", Role: domain.RoleAdmin}
	password  = "Pw-2027!sEgReTa"
	meetLink  = "https://meet.example.it/sala-1?id=842117&lang=it"
	reqSubjct = "Ampliamento capannone <lotto 3> & uffici"
)

type env struct {
	t      *testing.T
	ctx    context.Context
	repo   *store.Repo
	svc    *app.Service
	stream *dynamotest.Stream
	ses    *faultySES
	links  *signedlink.Signer
	clk    *clock.Fixed
	logs   *testenv.Buffer
	// files and attachMax configure the handler's convocation files.
	files     notify.Files
	attachMax int64

	mailbox, officeMail, pec string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	c, table := dynamotest.Table(t)
	repo, err := store.New(dynamo.New(c, table), store.Options{CursorKey: []byte("notify-test-cursor-key")})
	if err != nil {
		t.Fatal(err)
	}
	links, err := signedlink.New(linkKey, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := time.Now().UnixNano()
	e := &env{
		t: t, ctx: context.Background(), repo: repo, stream: dynamotest.NewStream(t, c, table),
		ses:   &faultySES{api: sestest.Client(t), left: map[string]int{}},
		links: links, clk: clock.NewFixed(now), logs: &testenv.Buffer{},
		mailbox:    fmt.Sprintf("videoconferenze+%d@regione.example.it", n),
		officeMail: fmt.Sprintf("suap+%d@comune.africo.rc.it", n),
		pec:        fmt.Sprintf("suap.africo+%d@pec.example.it", n),
	}
	e.svc = apptest.New(t, app.Deps{Store: repo, Clock: e.clk})
	if err := repo.PutOffice(e.ctx, domain.Office{ID: "suap-africo", Name: "Suap Comune Africo", Email: e.officeMail, PEC: e.pec}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.PutRoom(e.ctx, admin, domain.Room{ID: "sala-1", Name: "Sala 1", DefaultLink: "https://meet.example.it/sala-1", Active: true}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("handler logs:\n%s", e.logs)
		}
	})
	return e
}

func (e *env) handler(concurrency int) *notify.Handler {
	h, err := notify.New(notify.Deps{
		Store:          e.repo,
		Sender:         mail.NewSES(e.ses),
		Clock:          e.clk,
		Links:          e.links,
		Logger:         slog.New(slog.NewJSONHandler(e.logs, nil)),
		ServiceMailbox: e.mailbox,
		MailFrom:       mailFrom,
		PublicBaseURL:  baseURL,
		Concurrency:    concurrency,
		Files:          e.files,
		AttachMaxBytes: e.attachMax,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return h
}

// request registers pratica id (number num) and books a 90-minute meeting
// with recording; the e-mail is pre-filled with the office's.
func (e *env) request(id, num string) *domain.Request {
	e.t.Helper()
	_, _, err := e.svc.RegisterPratica(e.ctx, operator, id, app.PraticaInput{Number: num, OfficeID: "suap-africo",
		ProcedureType: domain.ProcOrdinario, Bodies: []domain.BodyOffice{
			{BodyID: "comune", OfficeID: "tecnico", Name: "Comune di Africo - Ufficio tecnico"},
			{BodyID: "vvf", OfficeID: "rc", Name: "Vigili del Fuoco - Comando di Reggio Calabria"},
		}})
	if err != nil {
		e.t.Fatal(err)
	}
	r, err := e.svc.CreateRequest(e.ctx, operator, id, domain.NewRequestInput{Start: start, DurationMinutes: 90,
		Subject: reqSubjct, Recording: true, RecordingConsent: true})
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) handle(h *notify.Handler, recs []events.DynamoDBEventRecord) events.DynamoDBEventResponse {
	e.t.Helper()
	resp, err := h.Handle(e.ctx, events.DynamoDBEvent{Records: recs})
	if err != nil {
		e.t.Fatalf("Handle: %v", err)
	}
	return resp
}

func outboxInserts(recs []events.DynamoDBEventRecord) int {
	n := 0
	for _, r := range recs {
		if r.EventName == "INSERT" && r.Change.NewImage[store.AttrType].String() == store.TypeOutbox {
			n++
		}
	}
	return n
}

func one(t *testing.T, es sestest.Emails, what string) sestest.Email {
	t.Helper()
	if len(es) != 1 {
		var subjects []string
		for _, e := range es {
			subjects = append(subjects, e.Subject)
		}
		t.Fatalf("%s: %d mails %q, want 1", what, len(es), subjects)
	}
	return es[0]
}

func contains(t *testing.T, what, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, s)
		}
	}
}

// invitationOf parses the calendar part of a stored mail.
func invitationOf(t *testing.T, m sestest.Email) (*ics.Calendar, *ics.VEvent, string) {
	t.Helper()
	for _, a := range m.Attachments {
		if a.Filename == mail.ICSFileName {
			raw := a.Bytes(t)
			cal, err := ics.ParseCalendar(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("invito.ics does not parse: %v\n%s", err, raw)
			}
			if evs := cal.Events(); len(evs) == 1 {
				return cal, evs[0], string(raw)
			}
			t.Fatalf("invito.ics has %d events", len(cal.Events()))
		}
	}
	t.Fatalf("%q has no %s among %d attachments", m.Subject, mail.ICSFileName, len(m.Attachments))
	return nil, nil, ""
}

func propValue(ev *ics.VEvent, p ics.ComponentProperty) string {
	if v := ev.GetProperty(p); v != nil {
		return v.Value
	}
	return ""
}

// TestMailsOfARequest follows one request through its life: created, a
// message each way, accepted with recording (the invitation), then
// cancelled (the cancellation). Each event is mailed once to the right
// people, and the same batch delivered three more times mails nothing.
func TestMailsOfARequest(t *testing.T) {
	e := newEnv(t)
	h := e.handler(notify.DefaultConcurrency)
	r := e.request("P1", "2027/001")
	e.clk.Advance(time.Hour)
	if _, err := e.svc.PostMessage(e.ctx, operator, r.ID, "Orario", "Possiamo iniziare alle 10:00?\nGrazie."); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.PostMessage(e.ctx, manager, r.ID, "Verifica in corso", "Stiamo verificando la <b>sala</b>."); err != nil {
		t.Fatal(err)
	}
	acc, err := e.svc.Accept(e.ctx, manager, r.ID, domain.AcceptInput{RoomID: "sala-1", Code: "842 117", Password: password, Link: meetLink})
	if err != nil {
		t.Fatal(err)
	}

	batch := e.stream.Read(t, 4, 15*time.Second)
	if n := outboxInserts(batch); n != 4 {
		t.Fatalf("%d outbox inserts on the stream, want 4 (created, 2 messages, accepted)", n)
	}
	if resp := e.handle(h, batch); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures: %+v", resp.BatchItemFailures)
	}
	all := sestest.Store(t)
	toService, toOffice := all.To(e.mailbox), all.To(e.officeMail)
	if len(toService) != 2 || len(toOffice) != 2 {
		t.Fatalf("%d mails to the service, %d to the office; want 2 and 2", len(toService), len(toOffice))
	}

	// The new request, to the service mailbox, with the manager's link.
	nr := one(t, toService.Find("Nuova richiesta di videoconferenza"), "new request")
	contains(t, "new request subject", nr.Subject, "Suap Comune Africo", "pratica 2027/001", "11-03-2027 10:00")
	contains(t, "new request From", nr.From, mailFrom, "Suap Comune Africo")
	if len(nr.ReplyTo) != 1 || !strings.Contains(nr.ReplyTo[0], e.pec) {
		t.Errorf("new request Reply-To %q, want the office's PEC %s", nr.ReplyTo, e.pec)
	}
	contains(t, "new request text", nr.Body.Text, "Pratica n.: 2027/001", "Data e ora: 11-03-2027 10:00",
		"Durata prevista: 1 ora e 30 minuti", "con registrazione", "Richiedente: Maria Rossi", reqSubjct, e.officeMail)
	link := regexp.MustCompile(regexp.QuoteMeta(baseURL) + `/gestore/richieste/([^?\s]+)\?t=(\S+)`).FindStringSubmatch(nr.Body.Text)
	if link == nil || link[1] != r.ID {
		t.Fatalf("no manager link for %s in:\n%s", r.ID, nr.Body.Text)
	}
	token, err := url.QueryUnescape(link[2])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.links.Verify(token, signedlink.Answer, r.ID, e.clk.Now()); err != nil {
		t.Errorf("the mailed link's token does not verify: %v", err)
	}
	contains(t, "new request HTML", nr.Body.HTML, "Ampliamento capannone &lt;lotto 3&gt; &amp; uffici", "href=\""+baseURL+"/gestore/richieste/"+r.ID)
	if strings.Contains(nr.Body.HTML, "<lotto 3>") {
		t.Error("the HTML body carries the subject unescaped")
	}

	// The requester's message, to the service mailbox (no assignee mailbox).
	rm := one(t, toService.Find("Nuovo messaggio"), "requester's message")
	contains(t, "requester's message subject", rm.Subject, "pratica 2027/001", "Orario")
	contains(t, "requester's message text", rm.Body.Text, "Maria Rossi", "Possiamo iniziare alle 10:00?\nGrazie.", "/gestore/richieste/"+r.ID+"?t=")

	// The manager's message, to the request's e-mail, escaped in HTML.
	mm := one(t, toOffice.Find("Verifica in corso"), "manager's message")
	contains(t, "manager's message From", mm.From, mailFrom)
	if len(mm.ReplyTo) != 1 || !strings.Contains(mm.ReplyTo[0], e.mailbox) {
		t.Errorf("manager's message Reply-To %q, want the service mailbox", mm.ReplyTo)
	}
	contains(t, "manager's message text", mm.Body.Text, "Stiamo verificando la <b>sala</b>.")
	contains(t, "manager's message HTML", mm.Body.HTML, "Stiamo verificando la &lt;b&gt;sala&lt;/b&gt;.")
	if strings.Contains(mm.Body.Text, "?t=") {
		t.Error("a mail to the office carries a signed manager link")
	}

	// The confirmation, with the meeting data and the invitation.
	cf := one(t, toOffice.Find("Videoconferenza confermata"), "confirmation")
	contains(t, "confirmation subject", cf.Subject, "pratica 2027/001", "11-03-2027 10:00")
	contains(t, "confirmation text", cf.Body.Text, "Codice riunione: 842 117", "Password: "+password, "Link della riunione: "+meetLink, "registrata")
	cal, ev, raw := invitationOf(t, cf)
	contains(t, "invitation", raw, "METHOD:REQUEST\r\n", "BEGIN:VTIMEZONE\r\nTZID:Europe/Rome\r\n")
	if len(cal.Timezones()) != 1 {
		t.Error("no VTIMEZONE")
	}
	if ev.Id() != r.ID+"@suapcds" {
		t.Errorf("UID %q", ev.Id())
	}
	st, err := ev.GetStartAt()
	if err != nil || !st.Equal(start) || st.Location().String() != "Europe/Rome" || st.Hour() != 10 {
		t.Errorf("DTSTART %v (%v), want 10:00 Europe/Rome on 11 March 2027", st, err)
	}
	if en, err := ev.GetEndAt(); err != nil || !en.Equal(start.Add(90*time.Minute)) {
		t.Errorf("DTEND %v (%v)", en, err)
	}
	acceptSeq := propValue(ev, ics.ComponentPropertySequence)
	if acceptSeq != fmt.Sprint(acc.Version) {
		t.Errorf("SEQUENCE %q, want the request's version after acceptance %d", acceptSeq, acc.Version)
	}
	if propValue(ev, ics.ComponentPropertyLocation) != meetLink || propValue(ev, ics.ComponentPropertyUrl) != meetLink {
		t.Errorf("LOCATION/URL %q %q", propValue(ev, ics.ComponentPropertyLocation), propValue(ev, ics.ComponentPropertyUrl))
	}
	contains(t, "invitation DESCRIPTION", propValue(ev, ics.ComponentPropertyDescription), "842 117", password, meetLink)

	// Every item is SENT, under the id SES gave.
	sentIDs := map[string]bool{}
	for _, m := range append(toService, toOffice...) {
		sentIDs[m.MessageID] = true
	}
	for _, rec := range batch {
		if rec.EventName != "INSERT" || rec.Change.NewImage[store.AttrType].String() != store.TypeOutbox {
			continue
		}
		d, err := e.repo.GetOutboxDelivery(e.ctx, rec.Change.NewImage["id"].String())
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != store.OutboxStatusSent || !sentIDs[d.MessageID] || d.Attempts != 1 {
			t.Errorf("outbox %s: status %s, message id %q, attempts %d", d.ID, d.Status, d.MessageID, d.Attempts)
		}
	}

	// The same batch three more times (the stream redelivers): no mail.
	calls := e.ses.calls.Load()
	for range 3 {
		if resp := e.handle(h, batch); len(resp.BatchItemFailures) != 0 {
			t.Fatalf("redelivery failures: %+v", resp.BatchItemFailures)
		}
	}
	if got := e.ses.calls.Load(); got != calls {
		t.Errorf("redeliveries called SES %d more times", got-calls)
	}
	after := sestest.Store(t)
	if len(after.To(e.mailbox)) != 2 || len(after.To(e.officeMail)) != 2 {
		t.Errorf("after redeliveries: %d + %d mails, want 2 + 2", len(after.To(e.mailbox)), len(after.To(e.officeMail)))
	}

	// The service cancels: a cancellation of the same UID, higher SEQUENCE.
	e.clk.Advance(time.Hour)
	if _, err := cancel(e.ctx, e.svc, r.ID, "Sala non più disponibile per un guasto tecnico."); err != nil {
		t.Fatal(err)
	}
	next := e.stream.Read(t, 1, 15*time.Second)
	if resp := e.handle(h, next); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures: %+v", resp.BatchItemFailures)
	}
	cn := one(t, sestest.Store(t).To(e.officeMail).Find("Videoconferenza annullata"), "cancellation")
	contains(t, "cancellation text", cn.Body.Text, "Sala non più disponibile per un guasto tecnico.")
	_, cev, craw := invitationOf(t, cn)
	contains(t, "cancellation", craw, "METHOD:CANCEL\r\n", "STATUS:CANCELLED\r\n")
	var a, b int
	fmt.Sscan(acceptSeq, &a)
	fmt.Sscan(propValue(cev, ics.ComponentPropertySequence), &b)
	if cev.Id() != ev.Id() || b <= a {
		t.Errorf("cancellation UID %q SEQUENCE %d; want UID %q and SEQUENCE above %d", cev.Id(), b, ev.Id(), a)
	}

	// Logs: one line per record, never a password, a token or a body.
	logs := e.logs.String()
	for _, secret := range []string{password, token, link[2], "Possiamo iniziare", "Stiamo verificando", "guasto tecnico"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the logs carry %q", secret)
		}
	}
	if n := strings.Count(logs, `"outcome":"sent"`); n != 5 {
		t.Errorf("%d log lines with outcome sent, want 5", n)
	}
	if n := strings.Count(logs, `"outcome":"duplicate"`); n != 12 {
		t.Errorf("%d log lines with outcome duplicate, want 12 (4 items × 3 redeliveries)", n)
	}
}

// TestThrottledRecordAloneIsRetried: SES throttles one mail of a batch; only
// its record is in batchItemFailures, the others are sent; Lambda's retry
// (from the failed record on) sends it once, and nothing else again.
func TestThrottledRecordAloneIsRetried(t *testing.T) {
	e := newEnv(t)
	h := e.handler(notify.DefaultConcurrency)
	var reqs []*domain.Request
	for i := 1; i <= 3; i++ {
		reqs = append(reqs, e.request(fmt.Sprintf("P%d", i), fmt.Sprintf("2027/%03d", i)))
	}
	throttled := store.OutboxID(domain.OutboxEvent{Kind: domain.EventRequestCreated, SubjectID: reqs[1].ID, Seq: 1})
	e.ses.fail = func(raw []byte) int {
		if bytes.HasPrefix(messageID(raw), []byte(throttled+"@")) {
			return 1
		}
		return 0
	}

	batch := e.stream.Read(t, 3, 15*time.Second)
	resp := e.handle(h, batch)
	var failedAt = -1
	for i, rec := range batch {
		if rec.EventName == "INSERT" && rec.Change.NewImage["id"].String() == throttled {
			failedAt = i
		}
	}
	if failedAt < 0 {
		t.Fatalf("no record for %s", throttled)
	}
	want := []events.DynamoDBBatchItemFailure{{ItemIdentifier: batch[failedAt].Change.SequenceNumber}}
	if !slices.Equal(resp.BatchItemFailures, want) {
		t.Fatalf("batchItemFailures %+v, want only the throttled record %+v", resp.BatchItemFailures, want)
	}
	got := sestest.Store(t).To(e.mailbox)
	if len(got) != 2 || len(got.Find("pratica 2027/002")) != 0 {
		t.Fatalf("after the throttle: %d mails (want 2, none for 2027/002)", len(got))
	}
	d, err := e.repo.GetOutboxDelivery(e.ctx, throttled)
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != store.OutboxStatusPending || d.Attempts != 1 {
		t.Errorf("throttled item: %s after %d attempts, want PENDING (released) after 1", d.Status, d.Attempts)
	}

	// Lambda retries from the failed record on.
	if resp := e.handle(h, batch[failedAt:]); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("retry failures: %+v", resp.BatchItemFailures)
	}
	got = sestest.Store(t).To(e.mailbox)
	one(t, got.Find("pratica 2027/002"), "the throttled request's mail after the retry")
	if len(got) != 3 {
		t.Errorf("%d mails after the retry, want 3", len(got))
	}
	if d, _ := e.repo.GetOutboxDelivery(e.ctx, throttled); d.Status != store.OutboxStatusSent || d.Attempts != 2 {
		t.Errorf("throttled item after retry: %s after %d attempts", d.Status, d.Attempts)
	}
	// And the whole batch once more: nothing new.
	calls := e.ses.calls.Load()
	if resp := e.handle(h, batch); len(resp.BatchItemFailures) != 0 || e.ses.calls.Load() != calls {
		t.Errorf("a full redelivery: failures %+v, %d SES calls", resp.BatchItemFailures, e.ses.calls.Load()-calls)
	}
	if n := len(sestest.Store(t).To(e.mailbox)); n != 3 {
		t.Errorf("%d mails in the end, want 3", n)
	}
}

// TestConcurrentInvocationsMailOnce: the same batch handed to two
// invocations at the same time (as after a timeout) mails each event once.
func TestConcurrentInvocationsMailOnce(t *testing.T) {
	e := newEnv(t)
	for i := 1; i <= 5; i++ {
		e.request(fmt.Sprintf("P%d", i), fmt.Sprintf("2027/%03d", i))
	}
	batch := e.stream.Read(t, 5, 15*time.Second)
	var wg sync.WaitGroup
	resps := make([]events.DynamoDBEventResponse, 3)
	for i := range resps {
		wg.Go(func() { resps[i] = e.handle(e.handler(2), batch) })
	}
	wg.Wait()
	if n := len(sestest.Store(t).To(e.mailbox)); n != 5 {
		t.Errorf("%d mails, want 5", n)
	}
	if c := e.ses.calls.Load(); c != 5 {
		t.Errorf("%d SES calls, want 5", c)
	}
	// A record another invocation held is deferred, not retried: that
	// invocation mails it, or the sweep does after its lease.
	for _, resp := range resps {
		if len(resp.BatchItemFailures) != 0 {
			t.Errorf("failures reported: %+v", resp.BatchItemFailures)
		}
	}
}

// TestUnknownKindIsSkipped: an event kind this code has no mail for is
// marked SKIPPED and logged, not retried; so is one whose request is gone.
func TestUnknownKindIsSkipped(t *testing.T) {
	e := newEnv(t)
	h := e.handler(1)
	r := e.request("P1", "2027/001")
	batch := e.stream.Read(t, 1, 15*time.Second)
	if resp := e.handle(h, batch); len(resp.BatchItemFailures) != 0 {
		t.Fatal(resp.BatchItemFailures)
	}
	future := domain.OutboxEvent{Kind: "reminder", SubjectID: r.ID, PraticaID: r.PraticaID, Seq: 1, At: e.clk.Now()}
	orphan := domain.OutboxEvent{Kind: domain.EventStateChanged, SubjectID: "gone", PraticaID: r.PraticaID, Seq: 2, At: e.clk.Now()}
	if err := e.repo.Enqueue(e.ctx, nil, future, orphan); err != nil {
		t.Fatal(err)
	}
	calls := e.ses.calls.Load()
	next := e.stream.Read(t, 2, 15*time.Second)
	if resp := e.handle(h, next); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures: %+v", resp.BatchItemFailures)
	}
	if e.ses.calls.Load() != calls {
		t.Error("a mail was sent for an unknown kind or a missing request")
	}
	for _, c := range []struct {
		ev     domain.OutboxEvent
		reason string
	}{{future, "unknown_kind"}, {orphan, "request_not_found"}} {
		d, err := e.repo.GetOutboxDelivery(e.ctx, store.OutboxID(c.ev))
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != store.OutboxStatusSkipped || d.SkipReason != c.reason {
			t.Errorf("%s: %s (%q), want SKIPPED (%s)", d.ID, d.Status, d.SkipReason, c.reason)
		}
	}
	if resp := e.handle(h, next); len(resp.BatchItemFailures) != 0 {
		t.Errorf("redelivery of skipped items: %+v", resp.BatchItemFailures)
	}
}

// TestBatchOf100Figure measures a 100-record batch sent to the SES
// emulator, one record at a time and 8 at a time.
func TestBatchOf100Figure(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 200 mails")
	}
	e := newEnv(t)
	r := e.request("P1", "2027/001")
	e.stream.Read(t, 1, 15*time.Second) // the creation's own records
	seq := int64(1)
	for _, conc := range []int{1, 8} {
		var evs []domain.OutboxEvent
		for range 100 {
			seq++
			evs = append(evs, domain.OutboxEvent{Kind: domain.EventRequestCreated, SubjectID: r.ID, PraticaID: r.PraticaID, Seq: seq, At: e.clk.Now()})
		}
		for i := 0; i < len(evs); i += 25 {
			if err := e.repo.Enqueue(e.ctx, nil, evs[i:i+25]...); err != nil {
				t.Fatal(err)
			}
		}
		batch := e.stream.Read(t, 100, 30*time.Second)
		if n := outboxInserts(batch); n != 100 {
			t.Fatalf("%d outbox inserts, want 100", n)
		}
		before := len(sestest.Store(t).To(e.mailbox))
		t0 := time.Now()
		resp := e.handle(e.handler(conc), batch)
		el := time.Since(t0)
		if len(resp.BatchItemFailures) != 0 {
			t.Fatalf("failures: %d", len(resp.BatchItemFailures))
		}
		if got := len(sestest.Store(t).To(e.mailbox)) - before; got != 100 {
			t.Fatalf("%d mails, want 100", got)
		}
		t.Logf("FIGURE notify: 100-record batch → SES emulator, concurrency %d: %d ms (%.1f ms/mail: claim, 2 reads, MIME, send, mark sent on DynamoDB Local)",
			conc, el.Milliseconds(), float64(el.Microseconds())/100/1000)
	}
}
