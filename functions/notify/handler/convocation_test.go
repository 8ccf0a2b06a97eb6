package handler_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"suapcds/functions/notify/handler"
	"suapcds/shared/app"
	"suapcds/shared/domain"
	"suapcds/shared/mail/sestest"
	"suapcds/shared/recording"
	"suapcds/shared/recording/s3test"
	"suapcds/shared/workdays"
)

// TestConvocationOfThreeBodies: convening a session of a pratica whose
// accepted videoconference covers it, for three bodies of the directory,
// enqueues three events; notify mails each body once (its PEC, else its
// e-mail) with the meeting's date and time, code, password and link, as the
// office sends it. A redelivery mails nothing.
func TestConvocationOfThreeBodies(t *testing.T) {
	e := newEnv(t)
	h := e.handler(handler.DefaultConcurrency)
	n := time.Now().UnixNano()
	bodies := []domain.Body{
		{ID: "vvf-rc", Name: "Vigili del Fuoco - Comando di Reggio Calabria", PEC: fmt.Sprintf("vvf+%d@cert.vigilfuoco.example.it", n)},
		{ID: "asp-rc", Name: "ASP Reggio Calabria", Email: fmt.Sprintf("asp+%d@asp.example.it", n)},
		{ID: "comune-africo", Name: "Comune di Africo", PEC: fmt.Sprintf("comune+%d@pec.example.it", n), Email: fmt.Sprintf("info+%d@comune.example.it", n)},
	}
	for _, b := range bodies {
		if _, _, err := e.svc.PutBody(e.ctx, admin, b); err != nil {
			t.Fatal(err)
		}
	}
	r := e.request("P-CDS", "2027/042")
	if _, err := e.svc.Accept(e.ctx, manager, r.ID, domain.AcceptInput{RoomID: "sala-1", Code: "842 117", Password: password, Link: meetLink}); err != nil {
		t.Fatal(err)
	}
	c, err := e.svc.CreateConference(e.ctx, operator, "P-CDS", domain.NewConferenceInput{Type: domain.CDSSimultaneaSincrona,
		StartDate: workdays.DateOf(now)})
	if err != nil {
		t.Fatal(err)
	}
	// The convocation, uploaded under the conference's prefix (MinIO).
	s3c, bucket := s3test.Bucket(t)
	e.svc.SetConferenceFiles(recording.New(s3c, bucket), 0)
	key := app.ConferenceFilePrefix("P-CDS", c.Conference.ID) + "convocazione"
	if _, err := s3c.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
		ContentType: aws.String("application/pdf"), Body: strings.NewReader("%PDF-1.7 convocazione")}); err != nil {
		t.Fatal(err)
	}
	x, err := e.svc.ConveneSession(e.ctx, operator, "P-CDS", c.Conference.ID, domain.ConveneInput{Start: start,
		ConvocationFileKey: key, BodyIDs: []string{"vvf-rc", "asp-rc", "comune-africo"}})
	if err != nil {
		t.Fatal(err)
	}
	if x.Place != domain.PlaceVideoconference || x.Meeting == nil {
		t.Fatalf("session %+v: want the booking's meeting", x)
	}

	batch := e.stream.Read(t, 5, 15*time.Second)
	if n := outboxInserts(batch); n != 5 {
		t.Fatalf("%d outbox inserts on the stream, want 5 (request, acceptance, three convocations)", n)
	}
	if resp := e.handle(h, batch); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures: %+v", resp.BatchItemFailures)
	}
	all := sestest.Store(t)
	for _, to := range []string{bodies[0].PEC, bodies[1].Email, bodies[2].PEC} {
		m := one(t, all.To(to), "convocation to "+to)
		contains(t, "convocation subject", m.Subject, "Convocazione conferenza di servizi", "pratica 2027/042", "seduta del 11-03-2027 10:00")
		contains(t, "convocation From", m.From, mailFrom, "Suap Comune Africo")
		if len(m.ReplyTo) != 1 || !strings.Contains(m.ReplyTo[0], e.pec) {
			t.Errorf("convocation Reply-To %q, want the office's PEC", m.ReplyTo)
		}
		contains(t, "convocation text", m.Body.Text, "seduta n. 1", "Simultanea sincrona", "Data e ora: 11-03-2027 10:00",
			"Luogo: Videoconferenza", "Link della riunione: "+meetLink, "Codice riunione: 842 117", "Password: "+password)
		contains(t, "convocation HTML", m.Body.HTML, "11-03-2027 10:00", strings.ReplaceAll(meetLink, "&", "&amp;"), "842 117")
	}
	if got := all.To(bodies[2].Email); len(got) != 0 {
		t.Errorf("the Comune got %d mails at its e-mail besides its PEC", len(got))
	}

	// The same batch again: nothing more.
	if resp := e.handle(h, batch); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures on redelivery: %+v", resp.BatchItemFailures)
	}
	again := sestest.Store(t)
	for _, to := range []string{bodies[0].PEC, bodies[1].Email, bodies[2].PEC} {
		if got := len(again.To(to)); got != 1 {
			t.Errorf("%s has %d mails after a redelivery, want 1", to, got)
		}
	}
}
