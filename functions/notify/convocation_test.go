package notify_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	managerfn "suapcds/functions/manager"
	"suapcds/functions/notify"
	"suapcds/shared/app"
	"suapcds/shared/app/apptest"
	"suapcds/shared/domain"
	"suapcds/shared/mail/sestest"
	"suapcds/shared/recording"
	"suapcds/shared/recording/s3test"
	"suapcds/shared/s3get"
	"suapcds/shared/signedlink"
	"suapcds/shared/testenv"
	"suapcds/shared/workdays"
)

// convocationFixture is a pratica with an accepted videoconference, a
// conference, bodies in the directory and a convocation file of size bytes
// uploaded to MinIO. The service checks and deletes files through the S3
// client (files); notify reads them as on Lambda, by signed GETs (reader).
type convocationFixture struct {
	conferenceID, key string
	file              []byte
	files             *recording.Files
	reader            *s3get.Reader
	s3c               *s3.Client
}

func (e *env) convocationFixture(t *testing.T, pratica, number string, bodies []domain.Body, size int) *convocationFixture {
	t.Helper()
	for _, b := range bodies {
		if _, _, err := e.svc.PutBody(e.ctx, admin, b); err != nil {
			t.Fatal(err)
		}
	}
	r := e.request(pratica, number)
	if _, err := e.svc.Accept(e.ctx, manager, r.ID, domain.AcceptInput{RoomID: "sala-1", Code: "842 117", Password: password, Link: meetLink}); err != nil {
		t.Fatal(err)
	}
	c, err := e.svc.CreateConference(e.ctx, operator, pratica, domain.NewConferenceInput{Type: domain.CDSSimultaneaSincrona,
		StartDate: workdays.DateOf(now)})
	if err != nil {
		t.Fatal(err)
	}
	s3c, bucket := s3test.Bucket(t)
	f := &convocationFixture{conferenceID: c.Conference.ID, files: s3test.Files(t, bucket), s3c: s3c,
		key:  app.ConferenceFilePrefix(pratica, c.Conference.ID) + "convocazione",
		file: append([]byte("%PDF-1.7 convocazione\n"), bytes.Repeat([]byte{0xe2, 0x00, '\n'}, size/3)...)}
	e.svc = apptest.New(t, app.Deps{Store: e.repo, Clock: e.clk, Files: f.files})
	if f.reader, err = s3get.New(s3test.Config(), testenv.Endpoint(t, "S3_ENDPOINT"), bucket); err != nil {
		t.Fatal(err)
	}
	if _, err := s3c.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(f.key),
		ContentType: aws.String("application/pdf"), Body: bytes.NewReader(f.file)}); err != nil {
		t.Fatal(err)
	}
	e.files = f.reader
	return f
}

// oneBody is a convocationFixture of pratica with one body of the directory
// (id bodyID, its PEC unique to the run), convened to a session at start.
// It returns the fixture, the body's PEC and the session.
func (e *env) oneBody(t *testing.T, pratica, number, bodyID string, size int) (*convocationFixture, string, *domain.Session) {
	t.Helper()
	pec := fmt.Sprintf("vvf+%d@cert.vigilfuoco.example.it", time.Now().UnixNano())
	f := e.convocationFixture(t, pratica, number, []domain.Body{{ID: bodyID, Name: "Vigili del Fuoco", PEC: pec}}, size)
	x, err := e.svc.ConveneSession(e.ctx, operator, pratica, f.conferenceID, domain.ConveneInput{Start: start,
		ConvocationFileKey: f.key, BodyIDs: []string{bodyID}})
	if err != nil {
		t.Fatal(err)
	}
	return f, pec, x
}

// TestConvocationOfThreeBodies: convening a session of a pratica whose
// accepted videoconference covers it, for three bodies of the directory,
// enqueues three events; notify mails each body once (its PEC, else its
// e-mail) with the convocation file attached and the meeting's date and
// time, code, password and link, as the office sends it. A redelivery mails
// nothing.
func TestConvocationOfThreeBodies(t *testing.T) {
	e := newEnv(t)
	n := time.Now().UnixNano()
	bodies := []domain.Body{
		{ID: "vvf-rc", Name: "Vigili del Fuoco - Comando di Reggio Calabria", PEC: fmt.Sprintf("vvf+%d@cert.vigilfuoco.example.it", n)},
		{ID: "asp-rc", Name: "ASP Reggio Calabria", Email: fmt.Sprintf("asp+%d@asp.example.it", n)},
		{ID: "comune-africo", Name: "Comune di Africo", PEC: fmt.Sprintf("comune+%d@pec.example.it", n), Email: fmt.Sprintf("info+%d@comune.example.it", n)},
	}
	f := e.convocationFixture(t, "P-CDS", "2027/042", bodies, 64<<10)
	h := e.handler(notify.DefaultConcurrency)
	x, err := e.svc.ConveneSession(e.ctx, operator, "P-CDS", f.conferenceID, domain.ConveneInput{Start: start,
		ConvocationFileKey: f.key, BodyIDs: []string{"vvf-rc", "asp-rc", "comune-africo"}})
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
	const fileName = "convocazione-pratica-2027_042-seduta-1.pdf"
	for _, to := range []string{bodies[0].PEC, bodies[1].Email, bodies[2].PEC} {
		m := one(t, all.To(to), "convocation to "+to)
		contains(t, "convocation subject", m.Subject, "Convocazione conferenza di servizi", "pratica 2027/042", "seduta del 11-03-2027 10:00")
		contains(t, "convocation From", m.From, mailFrom, "Suap Comune Africo")
		if len(m.ReplyTo) != 1 || !strings.Contains(m.ReplyTo[0], e.pec) {
			t.Errorf("convocation Reply-To %q, want the office's PEC", m.ReplyTo)
		}
		contains(t, "convocation text", m.Body.Text, "seduta n. 1", "Simultanea sincrona", "Data e ora: 11-03-2027 10:00",
			"Luogo: Videoconferenza", "Link della riunione: "+meetLink, "Codice riunione: 842 117", "Password: "+password,
			"In allegato il file di convocazione: "+fileName)
		contains(t, "convocation HTML", m.Body.HTML, "11-03-2027 10:00", strings.ReplaceAll(meetLink, "&", "&amp;"), "842 117", fileName)
		var got []byte
		for _, a := range m.Attachments {
			if a.Filename == fileName {
				if a.ContentType != "application/pdf" {
					t.Errorf("attachment type %q", a.ContentType)
				}
				got = a.Bytes(t)
			}
		}
		if !bytes.Equal(got, f.file) {
			t.Errorf("mail to %s: attachment %s has %d bytes, want the %d uploaded", to, fileName, len(got), len(f.file))
		}
		if strings.Contains(m.Body.Text, "/enti/convocazioni/") {
			t.Errorf("an attached convocation is linked too")
		}
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

var convocationLinkRe = regexp.MustCompile(`https://videoconferenze\.example\.it(/enti/convocazioni/[^?\s]+)\?t=(\S+)`)

// TestConvocationOverTheCapIsLinked: a convocation over the attachment cap
// is mailed as a signed link, valid 30 days after the session, to the
// manager function's download route, which redirects to a short pre-signed
// GET of the file on MinIO; the link opens that file only, and stops at
// its expiry or when the session is cancelled.
func TestConvocationOverTheCapIsLinked(t *testing.T) {
	e := newEnv(t)
	e.attachMax = 16 << 10
	f, pec, x := e.oneBody(t, "P-BIG", "2027/043", "vvf-big", 64<<10)
	h := e.handler(1)
	batch := e.stream.Read(t, 3, 15*time.Second)
	if resp := e.handle(h, batch); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures: %+v", resp.BatchItemFailures)
	}
	m := one(t, sestest.Store(t).To(pec), "convocation")
	for _, a := range m.Attachments {
		if strings.HasSuffix(a.Filename, ".pdf") {
			t.Errorf("a convocation over the cap was attached: %s (%d bytes)", a.Filename, len(a.Bytes(t)))
		}
	}
	// 30 days on Rome's calendar: the meeting's hour although DST began between.
	expiry := "10-04-2027 10:00"
	contains(t, "convocation text", m.Body.Text, "è troppo grande per essere allegato", "valido fino al "+expiry, "Link della riunione: "+meetLink)
	match := convocationLinkRe.FindStringSubmatch(m.Body.Text)
	if match == nil {
		t.Fatalf("no download link in:\n%s", m.Body.Text)
	}
	if want := managerfn.ConvocationPath + "P-BIG/" + f.conferenceID + "/" + x.ID; match[1] != want {
		t.Errorf("link path %s, want %s", match[1], want)
	}
	tok, err := url.QueryUnescape(match[2])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Body.HTML, url.QueryEscape(tok)) {
		t.Error("the HTML part lacks the link")
	}

	// The manager's route, as deployed: same LINK_KEY, same bucket.
	mg, err := managerfn.New(managerfn.Deps{App: app.Deps{Store: e.repo, Clock: e.clk, Logger: slog.New(slog.DiscardHandler), Files: f.files}, Links: e.links})
	if err != nil {
		t.Fatal(err)
	}
	open := func(path, tok string) *http.Response {
		t.Helper()
		rec := httptest.NewRecorder()
		mg.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path+"?t="+url.QueryEscape(tok), nil))
		return rec.Result()
	}
	resp := open(match[1], tok)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("download link: %d %v", resp.StatusCode, resp.Header)
	}
	get, err := http.Get(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(get.Body)
	get.Body.Close()
	if get.StatusCode != http.StatusOK || !bytes.Equal(body, f.file) ||
		!strings.Contains(get.Header.Get("Content-Disposition"), "convocazione-pratica-2027_043-seduta-1.pdf") {
		t.Errorf("pre-signed GET: %d %q, %d bytes", get.StatusCode, get.Header.Get("Content-Disposition"), len(body))
	}

	// Another session's path, a forged or expired token: refused.
	if r := open(managerfn.ConvocationPath+"P-BIG/"+f.conferenceID+"/altra", tok); r.StatusCode != http.StatusForbidden {
		t.Errorf("other session: %d", r.StatusCode)
	}
	if r := open(match[1], tok+"x"); r.StatusCode != http.StatusForbidden {
		t.Errorf("forged token: %d", r.StatusCode)
	}
	subject := signedlink.ConvocationSubject("P-BIG", f.conferenceID, x.ID)
	if r := open(match[1], e.links.SignUntil(signedlink.Convocation, subject, now.Add(-time.Minute))); r.StatusCode != http.StatusForbidden {
		t.Errorf("expired token: %d", r.StatusCode)
	}
	if r := open(match[1], e.links.Sign(signedlink.Answer, subject, now)); r.StatusCode != http.StatusForbidden {
		t.Errorf("a token of another purpose: %d", r.StatusCode)
	}
	// Cancelled: the link answers 410.
	e.clk.Set(start.Add(-time.Hour))
	if _, err := e.svc.SetSessionState(e.ctx, operator, "P-BIG", f.conferenceID, x.ID, domain.SessionCancelled, ""); err != nil {
		t.Fatal(err)
	}
	if r := open(match[1], tok); r.StatusCode != http.StatusGone {
		t.Errorf("cancelled session: %d", r.StatusCode)
	}
}

// flakyFiles fails its first fail reads as a network error would, then
// reads through.
type flakyFiles struct {
	notify.Files
	fail, reads int
}

func (f *flakyFiles) Read(ctx context.Context, key string, maxBytes int64) ([]byte, app.ObjectInfo, error) {
	f.reads++
	if f.fail > 0 {
		f.fail--
		return nil, app.ObjectInfo{}, errors.New("s3: read tcp: connection reset by peer")
	}
	return f.Files.Read(ctx, key, maxBytes)
}

// TestConvocationFileReadFailsThenAttaches: a transient failure to read the
// convocation fails only that record (its claim released, nothing mailed);
// the retry attaches the file, and the body gets exactly one mail.
func TestConvocationFileReadFailsThenAttaches(t *testing.T) {
	e := newEnv(t)
	f, pec, _ := e.oneBody(t, "P-FLAKY", "2027/044", "vvf-flaky", 1<<10)
	flaky := &flakyFiles{Files: f.reader, fail: 1}
	e.files = flaky
	h := e.handler(1)
	batch := e.stream.Read(t, 3, 15*time.Second)
	if resp := e.handle(h, batch); len(resp.BatchItemFailures) != 1 {
		t.Fatalf("failures %+v, want the convocation's record only", resp.BatchItemFailures)
	}
	if got := sestest.Store(t).To(pec); len(got) != 0 {
		t.Fatalf("%d mails after a failed read, want none", len(got))
	}
	if resp := e.handle(h, batch); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures on retry: %+v", resp.BatchItemFailures)
	}
	m := one(t, sestest.Store(t).To(pec), "convocation after the retry")
	var attached bool
	for _, a := range m.Attachments {
		attached = attached || a.Filename == "convocazione-pratica-2027_044-seduta-1.pdf" && bytes.Equal(a.Bytes(t), f.file)
	}
	if !attached || flaky.reads != 2 {
		t.Errorf("attached %v after %d reads, want the file after 2", attached, flaky.reads)
	}
}

// TestConvocationFileMissingIsLinked: a convocation file gone from the
// bucket since convening is not retried forever: the mail goes with the
// download link (which will say so), in neutral words.
func TestConvocationFileMissingIsLinked(t *testing.T) {
	e := newEnv(t)
	f, pec, _ := e.oneBody(t, "P-GONE", "2027/045", "vvf-gone", 1<<10)
	h := e.handler(1)
	if err := f.files.Delete(e.ctx, f.key); err != nil {
		t.Fatal(err)
	}
	batch := e.stream.Read(t, 3, 15*time.Second)
	if resp := e.handle(h, batch); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures: %+v", resp.BatchItemFailures)
	}
	m := one(t, sestest.Store(t).To(pec), "convocation")
	contains(t, "convocation text", m.Body.Text, "Il file di convocazione è disponibile al collegamento seguente:", baseURL+"/enti/convocazioni/P-GONE/")
	if strings.Contains(m.Body.Text, "troppo grande") {
		t.Error("a missing file is called too big")
	}
}

// TestConvocationOfCancelledSessionIsSkipped: a session cancelled before
// its convocation went out is not convened by a late mail.
func TestConvocationOfCancelledSessionIsSkipped(t *testing.T) {
	e := newEnv(t)
	f, pec, x := e.oneBody(t, "P-ANN", "2027/046", "vvf-ann", 1<<10)
	h := e.handler(1)
	if _, err := e.svc.SetSessionState(e.ctx, operator, "P-ANN", f.conferenceID, x.ID, domain.SessionCancelled, ""); err != nil {
		t.Fatal(err)
	}
	batch := e.stream.Read(t, 3, 15*time.Second)
	if resp := e.handle(h, batch); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures: %+v", resp.BatchItemFailures)
	}
	if got := sestest.Store(t).To(pec); len(got) != 0 {
		t.Errorf("%d convocations of a cancelled session, want none", len(got))
	}
	if !strings.Contains(e.logs.String(), "session_cancelled") {
		t.Errorf("the skip is not logged with its reason:\n%s", e.logs)
	}
}
