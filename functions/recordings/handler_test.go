package recordings_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"suapcds/functions/recordings"
	"suapcds/shared/api"
	"suapcds/shared/app"
	"suapcds/shared/clock"
	"suapcds/shared/domain"
	"suapcds/shared/httpapi/apitest"
	"suapcds/shared/recording/s3test"
	"suapcds/shared/store"
	"suapcds/shared/store/testbackend"
	"suapcds/shared/testenv"
)

var (
	suapAfrico = domain.Principal{UserID: "u-rossi", Name: "Maria Rossi", Role: domain.RoleSuapOperator,
		OfficeID: "suap-africo", Unit: "Suap Comune Africo"}
	suapBianco = domain.Principal{UserID: "u-verdi", Name: "Carla Verdi", Role: domain.RoleSuapOperator,
		OfficeID: "suap-bianco", Unit: "Suap Comune Bianco"}
	basinLocride = domain.Principal{UserID: "u-neri", Name: "Paolo Neri", Role: domain.RoleBasinOperator,
		BasinID: "bacino-locride", Unit: "Bacino Locride"}
	manager = domain.Principal{UserID: "g-bianchi", Name: "Luca Bianchi", Role: domain.RoleManager, Unit: "Servizio regionale"}
	admin   = domain.Principal{UserID: "a-root", Name: "Amministratore", Role: domain.RoleAdmin}
)

type fixture struct {
	ctx     context.Context
	store   *store.Repo
	s3      *s3.Client
	bucket  string
	api     *apitest.Client
	objects *recordings.Objects
	clock   *clock.Fixed
	// logs holds what the functions logged (warnings and above).
	logs *testenv.Buffer
}

const maxBytes = 4096

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := store.New(testbackend.New(t), store.Options{CursorKey: []byte("recordings-test-cursor-key")})
	if err != nil {
		t.Fatal(err)
	}
	s3c, bucket := s3test.Bucket(t)
	clk := clock.NewFixed(time.Now())
	logs := &testenv.Buffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s", logs)
		}
	})
	fn, err := recordings.New(recordings.Deps{Bucket: bucket, App: app.Deps{Store: st, Clock: clk, Logger: logger,
		Files: s3test.Files(t, bucket), RecordingMaxBytes: maxBytes}})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{ctx: context.Background(), store: st, s3: s3c, bucket: bucket, clock: clk, logs: logs,
		api: apitest.New(t, fn.HTTP), objects: fn.Objects}
}

// seed stores a request of Africo's pratica in state st.
func (f *fixture) seed(t *testing.T, id string, st domain.State, recording bool) *domain.Request {
	t.Helper()
	pid := "pratica-" + id[len(id)-4:]
	p := &domain.Pratica{ID: pid, Number: "456", OfficeID: "suap-africo", BasinID: "bacino-locride", ProcedureType: domain.ProcOrdinario}
	if err := f.store.SavePratica(f.ctx, p); err != nil {
		t.Fatal(err)
	}
	now := f.clock.Now()
	r := &domain.Request{ID: id, PraticaID: pid, PraticaNumber: "456", OfficeID: "suap-africo", OfficeName: "Suap Comune Africo",
		BasinID: "bacino-locride", CreatedBy: suapAfrico.UserID, CreatedByName: suapAfrico.Name, CreatedByRole: domain.RoleSuapOperator,
		CreatedAt: now, UpdatedAt: now, Start: now.Add(-2 * time.Hour), DurationMinutes: 60, Email: "suap@comune.africo.rc.it",
		Subject: "Conferenza", Recording: recording, RecordingConsent: recording, State: st}
	if st == domain.StateProcessing {
		r.Meeting = &domain.Meeting{RoomID: "sala-1", Code: "1", Password: "p", Link: "https://meet.example.it/x"}
	}
	if err := f.store.CreateRequest(f.ctx, r, domain.NewHistory(pid, suapAfrico, domain.OpRequestCreated, "", now)); err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *fixture) put(t *testing.T, key, contentType string, size int) {
	t.Helper()
	_, err := f.s3.PutObject(f.ctx, &s3.PutObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(key),
		ContentType: aws.String(contentType), Body: bytes.NewReader(bytes.Repeat([]byte("r"), size))})
	if err != nil {
		t.Fatal(err)
	}
}

// count is how many objects are under prefix.
func (f *fixture) count(t *testing.T, prefix string) int {
	t.Helper()
	out, err := f.s3.ListObjectsV2(f.ctx, &s3.ListObjectsV2Input{Bucket: aws.String(f.bucket), Prefix: aws.String(prefix)})
	if err != nil {
		t.Fatal(err)
	}
	return len(out.Contents)
}

// get reads key's bytes.
func (f *fixture) get(t *testing.T, key string) []byte {
	t.Helper()
	out, err := f.s3.GetObject(f.ctx, &s3.GetObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (f *fixture) exists(t *testing.T, key string) bool {
	t.Helper()
	_, err := f.s3.HeadObject(f.ctx, &s3.HeadObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(key)})
	return err == nil
}

// sampleEvent is events/recordings-object-created.json for this bucket.
func (f *fixture) sampleEvent(t *testing.T) events.S3Event {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "events", "recordings-object-created.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.S3Event
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		t.Fatalf("the sample is not an S3 event: %v", err)
	}
	if len(ev.Records) != 1 || ev.Records[0].EventName != "ObjectCreated:Post" {
		t.Fatalf("sample records %+v", ev.Records)
	}
	ev.Records[0].S3.Bucket.Name = f.bucket
	return ev
}

func (f *fixture) event(key string) events.S3Event {
	return events.S3Event{Records: []events.S3EventRecord{{EventSource: "aws:s3", EventName: "ObjectCreated:Post",
		S3: events.S3Entity{Bucket: events.S3Bucket{Name: f.bucket}, Object: events.S3Object{Key: key}}}}}
}

func (f *fixture) history(t *testing.T, praticaID string, op domain.Operation) []domain.HistoryEntry {
	t.Helper()
	page, err := f.store.History(f.ctx, praticaID, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []domain.HistoryEntry
	for _, h := range page.Items {
		if h.Operation == op {
			out = append(out, h)
		}
	}
	return out
}

// TestObjectCreated: the events/ sample closes its request (EVASA, history,
// outbox state_changed IN_ELABORAZIONE→EVASA) with a kept copy of the upload
// under recordings/, and the upload is removed; a second delivery changes
// nothing; an object of the wrong type, over the cap, for an unknown or a
// finished request, before the meeting, or outside a request's upload
// prefix is removed and closes nothing; a kept recording is never touched.
func TestObjectCreated(t *testing.T) {
	f := newFixture(t)
	ev := f.sampleEvent(t)
	key := ev.Records[0].S3.Object.Key
	id := domain.RecordingUploadRequestID(key)
	if id == "" {
		t.Fatalf("sample key %q is not an upload of a request", key)
	}
	r := f.seed(t, id, domain.StateProcessing, true)
	f.put(t, key, "video/mp4", 1000)

	if err := f.objects.Handle(f.ctx, ev); err != nil {
		t.Fatal(err)
	}
	got, err := f.store.GetRequest(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != domain.StateDone || got.RecordingFile == nil || domain.RecordingRequestID(got.RecordingFile.Key) != id ||
		got.RecordingFile.UploadKey != key || got.RecordingFile.ETag == "" ||
		got.RecordingFile.Size != 1000 || got.RecordingFile.ContentType != "video/mp4" {
		t.Fatalf("after the event: %s %+v", got.State, got.RecordingFile)
	}
	kept := got.RecordingFile.Key
	if h := f.history(t, r.PraticaID, domain.OpRecordingAcquired); len(h) != 1 || h[0].ActorName != "Sistema" || h[0].RequestID != id {
		t.Errorf("history %+v", h)
	}
	ob, err := f.store.GetOutbox(f.ctx, store.OutboxID(domain.OutboxEvent{Kind: domain.EventStateChanged, SubjectID: id, Seq: got.Version}))
	if err != nil || ob.Data["from"] != "IN_ELABORAZIONE" || ob.Data["to"] != "EVASA" {
		t.Errorf("outbox %+v %v", ob, err)
	}
	if b := f.get(t, kept); len(b) != 1000 {
		t.Errorf("the kept recording has %d bytes, want 1000", len(b))
	}
	if f.exists(t, key) {
		t.Error("the acquired upload is still there")
	}

	// The same event again, the upload gone: nothing changes.
	if err := f.objects.Handle(f.ctx, ev); err != nil {
		t.Fatal(err)
	}
	// The same event again, the upload still there (a delivery that
	// failed after the write): nothing changes, the upload goes.
	f.put(t, key, "video/mp4", 1000)
	if err := f.objects.Handle(f.ctx, ev); err != nil {
		t.Fatal(err)
	}
	again, _ := f.store.GetRequest(f.ctx, id)
	if again.Version != got.Version || again.State != domain.StateDone || again.RecordingFile.Key != kept || !f.exists(t, kept) || f.exists(t, key) {
		t.Errorf("second deliveries changed things: version %d → %d, state %s, %+v", got.Version, again.Version, again.State, again.RecordingFile)
	}
	if h := f.history(t, r.PraticaID, domain.OpRecordingAcquired); len(h) != 1 {
		t.Errorf("%d acquisitions in the history", len(h))
	}
	if n := f.count(t, domain.RecordingKeyPrefix(id)); n != 1 {
		t.Errorf("%d kept objects for the request, want 1", n)
	}

	refuse := func(t *testing.T, key, ct string, size int, reqID string, want domain.State) {
		t.Helper()
		f.put(t, key, ct, size)
		if err := f.objects.Handle(f.ctx, f.event(key)); err != nil {
			t.Fatal(err)
		}
		if f.exists(t, key) {
			t.Errorf("%s (%s, %d bytes) was not removed", key, ct, size)
		}
		if reqID == "" {
			return
		}
		r, err := f.store.GetRequest(f.ctx, reqID)
		if err != nil || r.State != want || (want == domain.StateProcessing && r.RecordingFile != nil) {
			t.Errorf("request %s: %+v %v, want it %s", reqID, r, err, want)
		}
	}
	t.Run("finished request", func(t *testing.T) {
		refuse(t, domain.RecordingUploadKeyPrefix(id)+"second", "video/mp4", 10, id, domain.StateDone)
	})
	t.Run("same upload key, another file", func(t *testing.T) {
		refuse(t, key, "video/mp4", 999, id, domain.StateDone)
		if again, _ := f.store.GetRequest(f.ctx, id); again.RecordingFile.Key != kept || again.RecordingFile.Size != 1000 {
			t.Errorf("the recording changed: %+v", again.RecordingFile)
		}
	})
	waiting := f.seed(t, "01a207bd-0000-4000-8000-000000000002", domain.StateProcessing, true)
	t.Run("wrong type", func(t *testing.T) {
		refuse(t, domain.RecordingUploadKeyPrefix(waiting.ID)+"x", "application/pdf", 10, waiting.ID, domain.StateProcessing)
	})
	t.Run("over the cap", func(t *testing.T) {
		refuse(t, domain.RecordingUploadKeyPrefix(waiting.ID)+"y", "audio/mpeg", maxBytes+1, waiting.ID, domain.StateProcessing)
	})
	t.Run("unknown request", func(t *testing.T) {
		refuse(t, domain.RecordingUploadKeyPrefix("01a207bd-0000-4000-8000-00000000dead")+"z", "video/mp4", 10, "", "")
	})
	t.Run("outside a request", func(t *testing.T) {
		refuse(t, "uploads/recordings/stray.mp4", "video/mp4", 10, "", "")
	})
	noRecording := f.seed(t, "01a207bd-0000-4000-8000-000000000003", domain.StateProcessing, false)
	t.Run("no recording asked", func(t *testing.T) {
		refuse(t, domain.RecordingUploadKeyPrefix(noRecording.ID)+"w", "video/mp4", 10, noRecording.ID, domain.StateProcessing)
	})
	early := f.seed(t, "01a207bd-0000-4000-8000-000000000004", domain.StateProcessing, true)
	early.Start = f.clock.Now().Add(time.Hour)
	if err := f.store.UpdateRequest(f.ctx, early, nil); err != nil {
		t.Fatal(err)
	}
	t.Run("before the meeting", func(t *testing.T) {
		refuse(t, domain.RecordingUploadKeyPrefix(early.ID)+"v", "video/mp4", 10, early.ID, domain.StateProcessing)
		if !strings.Contains(f.logs.String(), "key="+domain.RecordingUploadKeyPrefix(early.ID)+"v reason=too_early") {
			t.Errorf("the log does not say too_early: %s", f.logs)
		}
		if n := f.count(t, domain.RecordingKeyPrefix(early.ID)); n != 0 {
			t.Errorf("%d kept objects for a refused upload", n)
		}
	})
	t.Run("a kept recording is never removed", func(t *testing.T) {
		if err := f.objects.Handle(f.ctx, f.event(kept)); err != nil {
			t.Fatal(err)
		}
		if !f.exists(t, kept) {
			t.Error("an event for the kept key deleted the recording")
		}
	})
	t.Run("another bucket", func(t *testing.T) {
		ev := f.event(domain.RecordingUploadKeyPrefix(waiting.ID) + "elsewhere")
		ev.Records[0].S3.Bucket.Name = "someone-else"
		if err := f.objects.Handle(f.ctx, ev); err != nil {
			t.Fatal(err)
		}
		if r, _ := f.store.GetRequest(f.ctx, waiting.ID); r.State != domain.StateProcessing {
			t.Errorf("an event of another bucket changed the request: %s", r.State)
		}
	})
	t.Run("gone before delivery", func(t *testing.T) {
		if err := f.objects.Handle(f.ctx, f.event(domain.RecordingUploadKeyPrefix(waiting.ID)+"never")); err != nil {
			t.Fatal(err)
		}
		if r, _ := f.store.GetRequest(f.ctx, waiting.ID); r.State != domain.StateProcessing {
			t.Errorf("a missing object changed the request: %s", r.State)
		}
	})
}

// postForm posts an upload form as a browser does, the file last, with
// the form's fields but for the changes in set; it answers the storage's
// status.
func postForm(t *testing.T, form api.RecordingUploadView, set map[string]string, file []byte) int {
	t.Helper()
	return s3test.PostForm(t, form.URL, form.Fields, set, "seduta", file)
}

// TestUploadAndDownload: the JSON routes, through the OpenAPI-checked
// harness: who gets an upload form and when (not before the meeting's
// start: 409 recording_too_early); the form admits exactly the declared
// type (MinIO refuses another of the same kind); the file posted through
// it closes the request, and posting the same form again with another file
// changes nothing: the download still serves the first file's bytes; a
// download link only for the pratica's office, basin and the service
// (another office: 404), each download in the history; the Lambda entry
// point routes S3 and API events.
func TestUploadAndDownload(t *testing.T) {
	// S3 itself answers the form (its status, its POST policy).
	s3test.Strict(t)
	f := newFixture(t)
	id := "01a207bd-0000-4000-8000-000000000010"
	r := f.seed(t, id, domain.StateProcessing, true)
	path := "/booking-requests/" + id

	for _, who := range []domain.Principal{suapAfrico, basinLocride, admin} {
		if res := f.api.Do("POST", path+"/recording-upload", &who, map[string]string{"contentType": "video/mp4"}); res.Status != http.StatusForbidden {
			t.Errorf("%s: upload form %d, want 403", who.Role, res.Status)
		}
	}
	if res := f.api.Do("POST", path+"/recording-upload", &manager, map[string]string{"contentType": "text/html"}); res.Status != 422 {
		t.Errorf("text/html: %d", res.Status)
	}

	// Before the meeting's start: no form.
	meeting := r.Start
	f.clock.Set(meeting.Add(-time.Minute))
	res := f.api.Do("POST", path+"/recording-upload", &manager, map[string]string{"contentType": "audio/mpeg"})
	if p := res.Problem(t); res.Status != http.StatusConflict || p.Code != "recording_too_early" ||
		!strings.Contains(p.Detail, "la registrazione si può caricare solo dopo l'inizio della riunione") ||
		!strings.Contains(p.Detail, domain.FormatRome(meeting)) {
		t.Errorf("upload form before the meeting: %d %s", res.Status, res.Body)
	}
	f.clock.Set(meeting)

	res = f.api.Do("POST", path+"/recording-upload", &manager, map[string]string{"contentType": "audio/mpeg"})
	if res.Status != 200 {
		t.Fatalf("upload form: %d %s", res.Status, res.Body)
	}
	var form api.RecordingUploadView
	res.JSON(t, &form)
	if !strings.HasPrefix(form.Key, domain.RecordingUploadKeyPrefix(id)) || form.Fields["key"] != form.Key || form.MaxBytes != maxBytes ||
		form.Fields["Content-Type"] != "audio/mpeg" {
		t.Errorf("form %+v", form)
	}
	if res := f.api.Do("GET", path+"/recording", &suapAfrico, nil); res.Status != 404 || res.Problem(t).Code != "recording_not_found" {
		t.Errorf("download before the recording: %d %s", res.Status, res.Body)
	}
	// The policy pins the declared type: another audio type is refused.
	if code := postForm(t, form, map[string]string{"Content-Type": "audio/ogg"}, []byte("ogg")); code < 400 || code >= 500 {
		t.Errorf("audio/ogg on an audio/mpeg form: MinIO answered %d, want a 4xx refusal", code)
	}

	// The recording lands; the Lambda entry point takes the S3 event.
	first := []byte("the meeting, as it was recorded")
	if code := postForm(t, form, nil, first); code != http.StatusCreated {
		t.Fatalf("upload: %d", code)
	}
	entry := recordings.Lambda(f.objects, nil)
	raw, _ := json.Marshal(f.event(form.Key))
	if _, err := entry(f.ctx, raw); err != nil {
		t.Fatal(err)
	}
	acquired, _ := f.store.GetRequest(f.ctx, id)
	if acquired.State != domain.StateDone {
		t.Fatalf("state %s after the upload", acquired.State)
	}
	if res := f.api.Do("POST", path+"/recording-upload", &manager, map[string]string{"contentType": "audio/mpeg"}); res.Status != 409 ||
		res.Problem(t).Code != "recording_not_expected" {
		t.Errorf("upload form for an EVASA request: %d %s", res.Status, res.Body)
	}

	// The same form, still valid, posted again with another file: S3
	// takes it, but what was acquired does not change.
	if code := postForm(t, form, nil, []byte("another meeting")); code != http.StatusCreated {
		t.Fatalf("second post of the form: %d", code)
	}
	if _, err := entry(f.ctx, raw); err != nil {
		t.Fatal(err)
	}
	if f.exists(t, form.Key) {
		t.Error("the second upload was not removed")
	}
	if again, _ := f.store.GetRequest(f.ctx, id); again.Version != acquired.Version || *again.RecordingFile != *acquired.RecordingFile {
		t.Errorf("the second upload changed the request: %+v", again.RecordingFile)
	}
	if !strings.Contains(f.logs.String(), "reason=request_not_waiting:EVASA") {
		t.Errorf("the second upload's refusal is not logged: %s", f.logs)
	}

	for _, who := range []domain.Principal{suapAfrico, basinLocride, manager} {
		res := f.api.Do("GET", path+"/recording", &who, nil)
		if res.Status != 200 {
			t.Errorf("%s: download %d %s", who.Role, res.Status, res.Body)
			continue
		}
		var dl api.RecordingDownloadView
		res.JSON(t, &dl)
		if d := time.Until(dl.ExpiresAt.Time); d > 5*time.Minute+time.Second || !strings.Contains(dl.URL, "X-Amz-Signature=") {
			t.Errorf("download link %+v", dl)
		}
		got, err := http.Get(dl.URL)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(got.Body)
		got.Body.Close()
		if got.StatusCode != 200 || !bytes.Equal(b, first) {
			t.Errorf("%s: GET the link: %s %q, want the first file %q", who.Role, got.Status, b, first)
		}
	}
	for _, who := range []domain.Principal{suapBianco} {
		if res := f.api.Do("GET", path+"/recording", &who, nil); res.Status != 404 || res.Problem(t).Code != "not_found" {
			t.Errorf("another office: %d %s", res.Status, res.Body)
		}
	}
	if res := f.api.Do("GET", path+"/recording", &admin, nil); res.Status != 403 {
		t.Errorf("admin: %d", res.Status)
	}
	h := f.history(t, r.PraticaID, domain.OpRecordingDownloaded)
	if len(h) != 3 {
		t.Fatalf("%d downloads in the history, want 3 (office, basin, service)", len(h))
	}
	for i, who := range []domain.Principal{suapAfrico, basinLocride, manager} {
		if h[i].ActorID != who.UserID || h[i].RequestID != id {
			t.Errorf("history %d: %+v, want %s", i, h[i], who.UserID)
		}
	}
}
