package notify_test

// The notify samples of events/ replayed on the local run's path: the
// embedded store (bbolt, its change feed) and the .eml folder sender. The
// scenario below writes the very outbox items the samples carry, so the
// samples can be neither stale nor invented: each sample's NewImage must be
// the stored item. `go test -run TestSamples ./functions/notify/handler
// -update` rewrites the samples from the scenario's change feed.

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"mime"
	netmail "net/mail"
	"os"
	"path/filepath"
	"reflect"
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

var update = flag.Bool("update", false, "rewrite events/notify-*.json from the scenario")

const (
	sampleRequestID = "01JDEMOREQ00000000000000001"
	samplePratica   = "pratica-456"
)

// sampleFiles maps each notify sample to the outbox kind it carries.
var sampleFiles = map[string]domain.EventKind{
	"notify-outbox-insert.json":  domain.EventRequestCreated,
	"notify-message-posted.json": domain.EventMessagePosted,
	"notify-state-changed.json":  domain.EventStateChanged,
}

// idGen gives store ids in order, or next once when set (the request id
// the samples name).
type idGen struct {
	n    int
	next string
}

func (g *idGen) id() string {
	if g.next != "" {
		id := g.next
		g.next = ""
		return id
	}
	g.n++
	return fmt.Sprintf("01JDEMOHIST%016d", g.n)
}

// sampleScenario: Suap Comune Africo books 90 minutes on 11 March 2027 at
// 10:00 with recording (23 November 2026, 10:30 in Rome), writes to the
// service, and the service accepts it in sala-1 the next morning.
func sampleScenario(t *testing.T) (*embedded.Backend, *store.Repo, *clock.Fixed) {
	t.Helper()
	eb, err := embedded.Open(filepath.Join(t.TempDir(), "store.db"), embedded.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eb.Close() })
	ids := &idGen{}
	repo, err := store.New(eb, store.Options{CursorKey: []byte("samples-cursor-key-0123"), NewID: ids.id})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	clk := clock.NewFixed(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	svc := apptest.New(t, app.Deps{Store: repo, Clock: clk})
	if err := repo.PutOffice(ctx, domain.Office{ID: "suap-africo", Name: "Suap Comune Africo",
		Email: "suap@comune.africo.rc.it", PEC: "suap.africo@pec.example.it"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PutRoom(ctx, admin, domain.Room{ID: "sala-1", Name: "Sala virtuale 1", DefaultLink: "https://meet.example.it/sala-1", Active: true}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.RegisterPratica(ctx, operator, samplePratica, app.PraticaInput{Number: "456/2026", OfficeID: "suap-africo",
		ProcedureType: domain.ProcSCIACondizionata, Bodies: []domain.BodyOffice{
			{BodyID: "comune-africo", OfficeID: "ufficio-tecnico", Name: "Comune di Africo - Ufficio tecnico"},
			{BodyID: "vvf-rc", OfficeID: "comando", Name: "Vigili del Fuoco - Comando di Reggio Calabria"},
		}}); err != nil {
		t.Fatal(err)
	}
	clk.Set(time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC))
	ids.next = sampleRequestID
	r, err := svc.CreateRequest(ctx, operator, samplePratica, domain.NewRequestInput{Start: start, DurationMinutes: 90,
		Subject: "Conferenza di servizi sincrona – SCIA condizionata 456/2026", Recording: true, RecordingConsent: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != sampleRequestID {
		t.Fatalf("request id %s", r.ID)
	}
	clk.Set(time.Date(2026, 11, 23, 10, 15, 0, 0, time.UTC))
	if _, err := svc.PostMessage(ctx, operator, r.ID, "Orario della seduta",
		"Gli enti convocati preferiscono iniziare alle 10:00: è possibile?"); err != nil {
		t.Fatal(err)
	}
	clk.Set(time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC))
	if _, err := svc.Accept(ctx, manager, r.ID, domain.AcceptInput{RoomID: "sala-1", Code: "842 117",
		Password: "sample-password", Link: "https://meet.example.it/sala-1"}); err != nil {
		t.Fatal(err)
	}
	return eb, repo, clk
}

// feedOutbox returns the change feed's outbox INSERT of each kind.
func feedOutbox(t *testing.T, eb *embedded.Backend) map[domain.EventKind]events.DynamoDBEventRecord {
	t.Helper()
	ch, err := eb.Changes(0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	out := map[domain.EventKind]events.DynamoDBEventRecord{}
	for _, c := range ch {
		r := c.Record
		if r.EventName == "INSERT" && r.Change.NewImage[store.AttrType].String() == store.TypeOutbox {
			out[domain.EventKind(r.Change.NewImage["kind"].String())] = r
		}
	}
	return out
}

// writeSample writes rec as a one-record batch in the shape the existing
// sample has: as Lambda delivers it from eu-south-1.
func writeSample(t *testing.T, file string, rec events.DynamoDBEventRecord, n int) {
	t.Helper()
	at, _ := time.Parse(time.RFC3339, rec.Change.NewImage["at"].String())
	rec.AWSRegion = "eu-south-1"
	rec.EventID = fmt.Sprintf("c81e728d9d4c2f636f067f89cc1486%02x", n)
	rec.EventSourceArn = "arn:aws:dynamodb:eu-south-1:123456789012:table/suapcds-dev/stream/2026-11-01T00:00:00.000"
	rec.Change.ApproximateCreationDateTime = events.SecondsEpochTime{Time: at}
	rec.Change.SequenceNumber = fmt.Sprintf("44215845000000000174504390%02d", 91+n)
	b, err := json.MarshalIndent(events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{rec}}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("..", "..", "events", file), append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSamples: every notify sample is an outbox INSERT the scenario really
// writes; handed to the handler on the embedded store, each makes one .eml
// in the outbox folder, and replaying them makes none.
func TestSamples(t *testing.T) {
	eb, repo, clk := sampleScenario(t)
	feed := feedOutbox(t, eb)
	if *update {
		// The first sample predates this test: it is checked, not rewritten.
		writeSample(t, "notify-message-posted.json", feed[domain.EventMessagePosted], 1)
		writeSample(t, "notify-state-changed.json", feed[domain.EventStateChanged], 2)
	}

	links, err := signedlink.New(linkKey, 0)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "outbox")
	sender, err := mail.NewDir(dir, clk)
	if err != nil {
		t.Fatal(err)
	}
	h, err := notify.New(notify.Deps{Store: repo, Sender: sender, Clock: clk, Links: links,
		Logger: discardLogger(), ServiceMailbox: "videoconferenze@regione.example.it", MailFrom: mailFrom, PublicBaseURL: baseURL})
	if err != nil {
		t.Fatal(err)
	}

	subjects := map[domain.EventKind]string{
		domain.EventRequestCreated: "Nuova richiesta di videoconferenza – Suap Comune Africo – pratica 456/2026 – 11-03-2027 10:00",
		domain.EventMessagePosted:  "Nuovo messaggio – Suap Comune Africo – pratica 456/2026: Orario della seduta",
		domain.EventStateChanged:   "Videoconferenza confermata – pratica 456/2026 – 11-03-2027 10:00",
	}
	var all []events.DynamoDBEventRecord
	for file, kind := range sampleFiles {
		raw, err := os.ReadFile(filepath.Join("..", "..", "events", file))
		if err != nil {
			t.Fatal(err)
		}
		var ev events.DynamoDBEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if len(ev.Records) != 1 {
			t.Fatalf("%s: %d records, want 1", file, len(ev.Records))
		}
		rec := ev.Records[0]
		want := feed[kind]
		if rec.EventName != "INSERT" || !reflect.DeepEqual(rec.Change.NewImage, want.Change.NewImage) ||
			!reflect.DeepEqual(rec.Change.Keys, want.Change.Keys) || rec.Change.StreamViewType != "NEW_AND_OLD_IMAGES" {
			got, _ := json.Marshal(rec.Change.NewImage)
			exp, _ := json.Marshal(want.Change.NewImage)
			t.Errorf("%s is not the outbox item the scenario writes:\n got %s\nwant %s\n(go test -run TestSamples ./functions/notify/handler -update)", file, got, exp)
			continue
		}
		all = append(all, rec)

		before := emlFiles(t, dir)
		resp, err := h.Handle(context.Background(), ev)
		if err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("%s: %v %+v", file, err, resp.BatchItemFailures)
		}
		after := emlFiles(t, dir)
		if len(after) != len(before)+1 {
			t.Fatalf("%s: %d new .eml files, want 1", file, len(after)-len(before))
		}
		b, err := os.ReadFile(filepath.Join(dir, after[len(after)-1]))
		if err != nil {
			t.Fatal(err)
		}
		if got := subjectOf(t, b); got != subjects[kind] {
			t.Errorf("%s: subject %q, want %q", file, got, subjects[kind])
		}
	}
	n := len(emlFiles(t, dir))
	if resp, _ := h.Handle(context.Background(), events.DynamoDBEvent{Records: all}); len(resp.BatchItemFailures) != 0 || len(emlFiles(t, dir)) != n {
		t.Errorf("replaying the samples: failures %+v, %d new files", resp.BatchItemFailures, len(emlFiles(t, dir))-n)
	}
}

func emlFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*"+mail.EMLExt))
	if err != nil {
		t.Fatal(err)
	}
	for i := range m {
		m[i] = filepath.Base(m[i])
	}
	return m
}

// subjectOf returns a raw mail's decoded subject.
func subjectOf(t *testing.T, raw []byte) string {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("not a mail: %v", err)
	}
	s, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
