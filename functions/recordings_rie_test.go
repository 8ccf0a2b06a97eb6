//go:build unix

package functions_test

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"suapcds/shared/api"
	"suapcds/shared/domain"
	"suapcds/shared/recording/s3test"
)

// sampleBucket is the bucket of events/recordings-object-created.json; the
// functions run with it as BUCKET, on MinIO.
const sampleBucket = "suapcds-dev-recordings-123456789012"

// withRecordingsEnv adds the recordings bucket's configuration to a
// function's rieEnv: BUCKET, and MinIO's credentials as the function's AWS
// credentials (DynamoDB Local, with -sharedDb, accepts any). S3_ENDPOINT
// comes with the *_ENDPOINT variables.
func withRecordingsEnv(m map[string]string) map[string]string {
	out := maps.Clone(m)
	if out == nil {
		out = map[string]string{}
	}
	out["BUCKET"] = sampleBucket
	out["RECORDING_MAX_BYTES"] = "1048576"
	if k := os.Getenv("S3_ACCESS_KEY"); k != "" {
		out["AWS_ACCESS_KEY_ID"], out["AWS_SECRET_ACCESS_KEY"] = k, os.Getenv("S3_SECRET_KEY")
	}
	return out
}

// sampleRequest is the request of the recordings samples.
func sampleRequest(t *testing.T, s *rieStack) *domain.Request {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(moduleRoot, "events", "recordings-upload.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	r, err := s.store.GetRequest(s.ctx, ev.PathParameters["requestId"])
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// recordingExpected puts the samples' request where an upload is asked for
// (accepted with recording: IN_ELABORAZIONE), makes the sample bucket on
// MinIO, and checks the function's form by uploading through it.
func recordingExpected(t *testing.T, s *rieStack) func(*testing.T, []byte) {
	t.Helper()
	c, _ := s3test.Client(t)
	if err := s3test.Ensure(s.ctx, c, sampleBucket); err != nil {
		t.Fatal(err)
	}
	r := sampleRequest(t, s)
	r.State, r.Recording, r.RecordingConsent, r.RecordingFile = domain.StateProcessing, true, true, nil
	// The upload opens at the meeting's start: it has begun.
	r.Start = time.Now().Add(-time.Hour).Truncate(time.Minute)
	r.Meeting = &domain.Meeting{RoomID: "sala-1", Code: "845 2291 0037", Password: "Cds456Africo", Link: "https://meet.regione.calabria.it/sala-1"}
	if err := s.store.UpdateRequest(s.ctx, r, nil); err != nil {
		t.Fatal(err)
	}
	return func(t *testing.T, answer []byte) {
		var out events.APIGatewayV2HTTPResponse
		if err := json.Unmarshal(answer, &out); err != nil {
			t.Fatal(err)
		}
		var form api.RecordingUploadView
		if err := json.Unmarshal([]byte(out.Body), &form); err != nil {
			t.Fatalf("%v: %s", err, out.Body)
		}
		if !strings.HasPrefix(form.Key, domain.RecordingUploadKeyPrefix(r.ID)) || form.MaxBytes != 1048576 {
			t.Fatalf("form %+v", form)
		}
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		for k, v := range form.Fields {
			_ = w.WriteField(k, v)
		}
		fw, _ := w.CreateFormFile("file", "seduta.mp4")
		_, _ = fw.Write([]byte("a short video"))
		_ = w.Close()
		resp, err := http.Post(form.URL, w.FormDataContentType(), &body)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Errorf("upload through the function's form: %s", resp.Status)
		}
	}
}

// recordingLands puts the sample event's object in the bucket; the event
// must close the request, and a second delivery change nothing.
func recordingLands(t *testing.T, s *rieStack) func(*testing.T, []byte) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(moduleRoot, "events", "recordings-object-created.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.S3Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	key := ev.Records[0].S3.Object.Key
	c, _ := s3test.Client(t)
	_, err = c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(sampleBucket), Key: aws.String(key),
		ContentType: aws.String("video/mp4"), Body: strings.NewReader("the meeting")})
	if err != nil {
		t.Fatal(err)
	}
	return func(t *testing.T, _ []byte) {
		r := sampleRequest(t, s)
		if r.State != domain.StateDone || r.RecordingFile == nil || r.RecordingFile.UploadKey != key ||
			domain.RecordingRequestID(r.RecordingFile.Key) != r.ID {
			t.Fatalf("after the event: %s %+v", r.State, r.RecordingFile)
		}
		s.invoke(t, "recordings", raw)
		if again := sampleRequest(t, s); again.Version != r.Version {
			t.Errorf("a second delivery changed the request: version %d → %d", r.Version, again.Version)
		}
	}
}

// recordingDownloaded: the link works and the download is in the history.
func recordingDownloaded(t *testing.T, s *rieStack) func(*testing.T, []byte) {
	t.Helper()
	return func(t *testing.T, answer []byte) {
		var out events.APIGatewayV2HTTPResponse
		if err := json.Unmarshal(answer, &out); err != nil {
			t.Fatal(err)
		}
		var dl api.RecordingDownloadView
		if err := json.Unmarshal([]byte(out.Body), &dl); err != nil || time.Until(dl.ExpiresAt.Time) > 5*time.Minute+time.Second {
			t.Fatalf("%v: %s", err, out.Body)
		}
		resp, err := http.Get(dl.URL)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET the link: %v %v", resp, err)
		}
		resp.Body.Close()
		r := sampleRequest(t, s)
		page, err := s.store.History(s.ctx, r.PraticaID, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, h := range page.Items {
			found = found || h.Operation == domain.OpRecordingDownloaded && h.RequestID == r.ID
		}
		if !found {
			t.Error("no «Download registrazione» in the history")
		}
	}
}
