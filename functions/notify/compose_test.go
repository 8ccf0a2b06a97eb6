package notify_test

// Every mail notify writes, from the events the use cases really emit, on
// the embedded store (no servers needed): recipients, sender, subject, the
// bodies' key lines, the invitation, escaping.

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"suapcds/functions/notify"
	"suapcds/shared/app"
	"suapcds/shared/app/apptest"
	"suapcds/shared/clock"
	"suapcds/shared/domain"
	"suapcds/shared/mail"
	"suapcds/shared/signedlink"
	"suapcds/shared/store"
	"suapcds/shared/store/embedded"
)

// capture is a Sender that keeps the messages (after rendering their MIME,
// as a real sender would).
type capture struct {
	mu   sync.Mutex
	msgs []*mail.Message
}

func (c *capture) Send(_ context.Context, m *mail.Message) (string, error) {
	if _, err := m.MIME(); err != nil {
		return "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.msgs = append(c.msgs, m)
	return fmt.Sprintf("cap-%d", len(c.msgs)), nil
}

func (c *capture) take() []*mail.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.msgs
	c.msgs = nil
	return out
}

type local struct {
	t    *testing.T
	ctx  context.Context
	eb   *embedded.Backend
	repo *store.Repo
	svc  *app.Service
	clk  *clock.Fixed
	h    *notify.Handler
	sent *capture
	seq  uint64
}

const (
	serviceBox = "videoconferenze@regione.example.it"
	officeBox  = "suap@comune.africo.rc.it"
	officePEC  = "suap.africo@pec.example.it"
)

func newLocal(t *testing.T) *local {
	t.Helper()
	eb, err := embedded.Open(filepath.Join(t.TempDir(), "store.db"), embedded.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eb.Close() })
	repo, err := store.New(eb, store.Options{CursorKey: []byte("compose-test-cursor-key")})
	if err != nil {
		t.Fatal(err)
	}
	links, _ := signedlink.New(linkKey, 0)
	l := &local{t: t, ctx: context.Background(), eb: eb, repo: repo, clk: clock.NewFixed(now), sent: &capture{}}
	l.svc = apptest.New(t, app.Deps{Store: repo, Clock: l.clk})
	if l.h, err = notify.New(notify.Deps{Store: repo, Sender: l.sent, Clock: l.clk, Links: links, Logger: discardLogger(),
		ServiceMailbox: serviceBox, MailFrom: mailFrom, PublicBaseURL: baseURL + "/"}); err != nil {
		t.Fatal(err)
	}
	if err := repo.PutOffice(l.ctx, domain.Office{ID: "suap-africo", Name: "Suap Comune Africo", Email: officeBox, PEC: officePEC}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		id := fmt.Sprintf("sala-%d", i)
		if _, err := l.svc.PutRoom(l.ctx, admin, domain.Room{ID: id, Name: "Sala " + id, DefaultLink: "https://meet.example.it/" + id, Active: true}); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

// request books a meeting on a new pratica.
func (l *local) request(id string, recording bool) *domain.Request {
	l.t.Helper()
	if _, _, err := l.svc.RegisterPratica(l.ctx, operator, id, app.PraticaInput{Number: "N-" + id, OfficeID: "suap-africo",
		ProcedureType: domain.ProcOrdinario}); err != nil {
		l.t.Fatal(err)
	}
	r, err := l.svc.CreateRequest(l.ctx, operator, id, domain.NewRequestInput{Start: start, DurationMinutes: 120,
		Subject: reqSubjct, Recording: recording, RecordingConsent: recording})
	if err != nil {
		l.t.Fatal(err)
	}
	return r
}

// flush hands the change feed's new records to the handler and returns the
// mails sent.
func (l *local) flush() []*mail.Message {
	l.t.Helper()
	ch, err := l.eb.Changes(l.seq, 10000)
	if err != nil {
		l.t.Fatal(err)
	}
	var recs []events.DynamoDBEventRecord
	for _, c := range ch {
		recs, l.seq = append(recs, c.Record), c.Seq
	}
	resp, err := l.h.Handle(l.ctx, events.DynamoDBEvent{Records: recs})
	if err != nil || len(resp.BatchItemFailures) != 0 {
		l.t.Fatalf("Handle: %v %+v", err, resp.BatchItemFailures)
	}
	return l.sent.take()
}

// expect checks one mail: recipient, subject start, text lines, invitation.
type expect struct {
	to, subject string
	text        []string
	method      string // "", "REQUEST", "CANCEL"
	link        bool   // carries the manager's signed link
}

func (l *local) check(what string, got []*mail.Message, want expect) *mail.Message {
	l.t.Helper()
	if len(got) != 1 {
		var s []string
		for _, m := range got {
			s = append(s, m.Subject)
		}
		l.t.Fatalf("%s: %d mails %q, want 1", what, len(got), s)
	}
	m := got[0]
	if len(m.To) != 1 || m.To[0].Email != want.to {
		l.t.Errorf("%s: To %+v, want %s", what, m.To, want.to)
	}
	if m.From.Email != mailFrom {
		l.t.Errorf("%s: From %+v", what, m.From)
	}
	wantReply := serviceBox // the service's mails: answers go to the service
	if want.to == serviceBox {
		wantReply = officePEC // the office's mails: answers go to its PEC
	}
	if len(m.ReplyTo) != 1 || m.ReplyTo[0].Email != wantReply {
		l.t.Errorf("%s: Reply-To %+v, want %s", what, m.ReplyTo, wantReply)
	}
	if !strings.HasPrefix(m.Subject, want.subject) {
		l.t.Errorf("%s: subject %q, want it to start with %q", what, m.Subject, want.subject)
	}
	for _, s := range want.text {
		if !strings.Contains(m.Text, s) {
			l.t.Errorf("%s: text lacks %q:\n%s", what, s, m.Text)
		}
	}
	for _, body := range []string{m.Text, m.HTML} {
		if strings.Contains(body, "<no value>") || strings.Contains(body, "%!") {
			l.t.Errorf("%s: a template hole in:\n%s", what, body)
		}
	}
	if strings.Contains(m.HTML, reqSubjct) || strings.Contains(m.HTML, "<script") {
		l.t.Errorf("%s: user text unescaped in the HTML", what)
	}
	if got := strings.Contains(m.Text, baseURL+"/gestore/richieste/"); got != want.link {
		l.t.Errorf("%s: manager link present %v, want %v", what, got, want.link)
	}
	switch {
	case want.method == "" && m.Invitation != nil:
		l.t.Errorf("%s: an unexpected invitation", what)
	case want.method != "" && m.Invitation == nil:
		l.t.Errorf("%s: no invitation", what)
	case want.method != "":
		b, err := m.Invitation.ICS()
		if err != nil || !strings.Contains(string(b), "METHOD:"+want.method+"\r\n") {
			l.t.Errorf("%s: invitation %v\n%s", what, err, b)
		}
	}
	if !strings.HasSuffix(m.ID, "@videoconferenze.example.it") || len(m.References) != 1 {
		l.t.Errorf("%s: Message-ID %q, References %q", what, m.ID, m.References)
	}
	return m
}

// cancel withdraws an accepted request.
func cancel(ctx context.Context, svc *app.Service, id, why string) (*domain.Request, error) {
	return svc.Cancel(ctx, manager, id, why)
}

// TestEveryMail: one request through each of its mails, and the other
// outcomes on requests of their own.
func TestEveryMail(t *testing.T) {
	l := newLocal(t)
	office := "Suap Comune Africo"

	r := l.request("P1", true)
	l.check("new request", l.flush(), expect{to: serviceBox, subject: "Nuova richiesta di videoconferenza – " + office + " – pratica N-P1 – 11-03-2027 10:00",
		text: []string{"Durata prevista: 2 ore", "con registrazione", "Richiedente: Maria Rossi", "valido fino al 15-03-2027 09:00"}, link: true})

	if _, err := l.svc.PostMessage(l.ctx, operator, r.ID, "Orario <b>", "Va bene <script>alert(1)</script>?"); err != nil {
		t.Fatal(err)
	}
	m := l.check("requester's message", l.flush(), expect{to: serviceBox, subject: "Nuovo messaggio – " + office + " – pratica N-P1: Orario <b>",
		text: []string{"Maria Rossi (" + office + ") ha scritto", "Va bene <script>alert(1)</script>?", "non è ancora assegnata"}, link: true})
	if !strings.Contains(m.HTML, "Va bene &lt;script&gt;alert(1)&lt;/script&gt;?") {
		t.Errorf("the message body is not escaped in the HTML:\n%s", m.HTML)
	}

	if _, err := l.svc.Take(l.ctx, manager, r.ID); err != nil {
		t.Fatal(err)
	}
	if got := l.flush(); len(got) != 0 {
		t.Errorf("taking a request mailed %d messages", len(got))
	}
	if _, err := l.svc.PostMessage(l.ctx, manager, r.ID, "Verifica", "Verifichiamo la sala."); err != nil {
		t.Fatal(err)
	}
	l.check("manager's message", l.flush(), expect{to: officeBox, subject: "Videoconferenza pratica N-P1: Verifica",
		text: []string{"il servizio regionale di videoconferenza ha scritto", "Verifichiamo la sala.", "sezione «Conferenza servizi»"}})

	if _, err := l.svc.PostMessage(l.ctx, operator, r.ID, "Grazie", ""); err != nil {
		t.Fatal(err)
	}
	l.check("requester's message without body, assigned", l.flush(), expect{to: serviceBox, subject: "Nuovo messaggio – " + office + " – pratica N-P1: Grazie",
		text: []string{"Oggetto: Grazie", "Assegnatario della richiesta: Luca Bianchi"}, link: true})

	if _, err := l.svc.Accept(l.ctx, manager, r.ID, domain.AcceptInput{RoomID: "sala-1", Code: "842 117", Password: password, Link: meetLink}); err != nil {
		t.Fatal(err)
	}
	l.check("accepted with recording", l.flush(), expect{to: officeBox, subject: "Videoconferenza confermata – pratica N-P1 – 11-03-2027 10:00",
		text: []string{"Codice riunione: 842 117", "Password: " + password, "Link della riunione: " + meetLink, "sarà registrata", "invito.ics"}, method: "REQUEST"})

	// The recording lands (issue 6 will write this change; its event is the same).
	cur, err := l.repo.GetRequest(l.ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := cur.Apply(domain.RecordingAcquired, l.clk.Now()); err != nil {
		t.Fatal(err)
	}
	ev := domain.OutboxEvent{Kind: domain.EventStateChanged, Seq: cur.Version + 1, At: l.clk.Now(),
		Data: map[string]string{"from": string(domain.StateProcessing), "to": string(domain.StateDone)}}
	if err := l.repo.UpdateRequest(l.ctx, cur, nil, ev); err != nil {
		t.Fatal(err)
	}
	l.check("recording available", l.flush(), expect{to: officeBox, subject: "Registrazione disponibile – videoconferenza pratica N-P1",
		text: []string{"la registrazione della videoconferenza del 11-03-2027 10:00", "dati personali"}})

	r2 := l.request("P2", false)
	l.flush()
	if _, err := l.svc.Decline(l.ctx, manager, r2.ID, "Tutte le sale sono occupate."); err != nil {
		t.Fatal(err)
	}
	l.check("declined", l.flush(), expect{to: officeBox, subject: "Videoconferenza non disponibile – pratica N-P2",
		text: []string{"non è disponibile una sala virtuale", "Motivazione: Tutte le sale sono occupate."}})

	r3 := l.request("P3", false)
	l.flush()
	if _, err := l.svc.Accept(l.ctx, manager, r3.ID, domain.AcceptInput{RoomID: "sala-2", Code: "1", Password: "p", Link: meetLink}); err != nil {
		t.Fatal(err)
	}
	m = l.check("accepted without recording", l.flush(), expect{to: officeBox, subject: "Videoconferenza confermata – pratica N-P3",
		text: []string{"Codice riunione: 1"}, method: "REQUEST"})
	if strings.Contains(m.Text, "registrata") {
		t.Error("a meeting without recording is announced as recorded")
	}

	r4 := l.request("P4", true)
	l.flush()
	r4, err = l.svc.Accept(l.ctx, manager, r4.ID, domain.AcceptInput{RoomID: "sala-3", Code: "4", Password: "p", Link: meetLink})
	if err != nil {
		t.Fatal(err)
	}
	accepted := l.flush()[0].Invitation.Sequence
	if _, err := cancel(l.ctx, l.svc, r4.ID, "Guasto della piattaforma."); err != nil {
		t.Fatal(err)
	}
	m = l.check("cancelled", l.flush(), expect{to: officeBox, subject: "Videoconferenza annullata – pratica N-P4 – 11-03-2027 10:00",
		text: []string{"è stata annullata", "Motivazione: Guasto della piattaforma.", "invito.ics"}, method: "CANCEL"})
	if m.Invitation.Sequence <= accepted || m.Invitation.UID != r4.ID+"@suapcds" {
		t.Errorf("cancellation SEQUENCE %d after %d, UID %q", m.Invitation.Sequence, accepted, m.Invitation.UID)
	}

	// The scheduled validator's events (functions/leadtime).
	r5 := l.request("P5", true)
	l.flush()
	rem := domain.OutboxEvent{Kind: "reminder_unanswered", SubjectID: r5.ID, PraticaID: r5.PraticaID, Seq: 1, At: l.clk.Now(),
		Data: map[string]string{"lastRequestDay": "2027-03-09"}}
	if err := l.repo.Enqueue(l.ctx, nil, rem); err != nil {
		t.Fatal(err)
	}
	l.check("reminder: unanswered", l.flush(), expect{to: serviceBox, subject: "Sollecito: richiesta di videoconferenza senza risposta – " + office + " – pratica N-P5",
		text: []string{"ancora senza risposta", "ultimo giorno utile per la richiesta: 09-03-2027", "scaduta senza riscontro"}, link: true})
	rec := domain.OutboxEvent{Kind: "reminder_recording", SubjectID: r.ID, PraticaID: r.PraticaID, Seq: 1, At: l.clk.Now(),
		Data: map[string]string{"endedOn": "2027-03-11", "due": "2027-03-18"}}
	if err := l.repo.Enqueue(l.ctx, nil, rec); err != nil {
		t.Fatal(err)
	}
	l.check("reminder: recording", l.flush(), expect{to: serviceBox, subject: "Sollecito: registrazione da acquisire – " + office + " – pratica N-P1",
		text: []string{"non è ancora stata acquisita: era attesa entro il 18-03-2027"}, link: true})

	// The validator expires r5, unanswered when its meeting began.
	l.clk.Set(start.Add(time.Minute))
	cur, err = l.repo.GetRequest(l.ctx, r5.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := cur.Apply(domain.Decline, l.clk.Now()); err != nil {
		t.Fatal(err)
	}
	cur.StateReason = "scaduta senza riscontro"
	ev = domain.OutboxEvent{Kind: domain.EventStateChanged, Seq: cur.Version + 1, At: l.clk.Now(),
		Data: map[string]string{"from": "APERTA", "to": "NON_DISPONIBILE", "reason": "scaduta senza riscontro"}}
	if err := l.repo.UpdateRequest(l.ctx, cur, nil, ev); err != nil {
		t.Fatal(err)
	}
	l.check("expired", l.flush(), expect{to: officeBox, subject: "Videoconferenza non disponibile – pratica N-P5",
		text: []string{"Motivazione: scaduta senza riscontro"}})
}
