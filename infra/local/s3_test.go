package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"suapcds/shared/app"
	"suapcds/shared/clock"
	"suapcds/shared/recording"
	"suapcds/shared/recording/s3test"
)

// TestRecordingThroughLocalS3 is issue 6's flow on the local run: a
// request with recording is accepted; before its meeting the upload is
// refused (recording_too_early); once it started, the manager gets a
// pre-signed POST, uploads to the in-process S3, whose ObjectCreated event
// closes the request (EVASA); the same form posted again with another file
// changes nothing: the office downloads, through the pre-signed GET, the
// first file.
func TestRecordingThroughLocalS3(t *testing.T) {
	clk := clock.NewFixed(time.Now())
	c := testConfig(t, newDataDir(t))
	c.clock = clk
	r := startRunner(t, c, nil)
	op := r.Users[0]
	if !op.P.SUAPSide() {
		t.Fatalf("first demo user %s is not an operator", op.Key)
	}
	start := meetingStart()
	res := call(t, "POST", r.BaseURL+"/pratiche/"+op.Pratica+"/booking-requests", op.Token, map[string]any{
		"start": start, "durationMinutes": 60, "email": "suap@comune.africo.rc.it",
		"subject": "Conferenza registrata", "recording": true, "recordingConsent": true,
	})
	if res.status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	var req struct{ ID string }
	_ = json.Unmarshal(res.body, &req)
	mgr := r.token(t, "manager")
	res = call(t, "POST", r.BaseURL+"/booking-requests/"+req.ID+"/accept", mgr, map[string]string{
		"roomId": "sala-1", "code": "1", "password": "p", "link": "https://videoconferenza.regione.calabria.it/sala-1"})
	if res.status != http.StatusOK {
		t.Fatalf("accept: %d %s", res.status, res.body)
	}
	res = call(t, "POST", r.BaseURL+"/booking-requests/"+req.ID+"/recording-upload", mgr, map[string]string{"contentType": "video/mp4"})
	if res.status != http.StatusConflict || !strings.Contains(string(res.body), `"recording_too_early"`) {
		t.Fatalf("upload form before the meeting: %d %s", res.status, res.body)
	}
	at, _ := time.Parse(time.RFC3339, start)
	clk.Set(at.Add(time.Minute))
	res = call(t, "POST", r.BaseURL+"/booking-requests/"+req.ID+"/recording-upload", mgr, map[string]string{"contentType": "video/mp4"})
	if res.status != http.StatusOK {
		t.Fatalf("upload form: %d %s", res.status, res.body)
	}
	var form struct {
		URL    string
		Fields map[string]string
	}
	_ = json.Unmarshal(res.body, &form)
	if !strings.HasPrefix(form.URL, r.BaseURL+s3Path+"/") {
		t.Fatalf("form URL %q is not the local S3", form.URL)
	}
	post := func(content string) {
		t.Helper()
		if st := s3test.PostForm(t, form.URL, form.Fields, nil, "seduta.mp4", []byte(content)); st != http.StatusCreated {
			t.Fatalf("upload: %d", st)
		}
	}
	post("the meeting, recorded")
	deadline := time.Now().Add(5 * time.Second)
	for {
		res = call(t, "GET", r.BaseURL+"/booking-requests/"+req.ID, op.Token, nil)
		if strings.Contains(string(res.body), `"state":"EVASA"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the request is not EVASA after the upload: %s", res.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The same form again, with another file: its event removes it, and
	// the acquired recording stays as it was.
	post("a forged meeting")
	uploaded := form.URL + "/" + form.Fields["key"]
	for deadline := time.Now().Add(5 * time.Second); ; {
		got, err := client.Get(uploaded)
		if err != nil {
			t.Fatal(err)
		}
		got.Body.Close()
		if got.StatusCode == http.StatusNotFound {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the second upload is still there: %s", got.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	res = call(t, "GET", r.BaseURL+"/booking-requests/"+req.ID+"/recording", op.Token, nil)
	var dl struct{ URL string }
	if err := json.Unmarshal(res.body, &dl); res.status != http.StatusOK || err != nil {
		t.Fatalf("download: %d %s", res.status, res.body)
	}
	got, err := client.Get(dl.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if got.StatusCode != http.StatusOK || string(b) != "the meeting, recorded" {
		t.Errorf("GET the link: %s %q", got.Status, b)
	}
}

// TestLocalS3ConditionalCopy: the in-process S3 copies only while the
// source has the ETag the copy names (x-amz-copy-source-if-match), as S3
// and MinIO do; gofakes3 alone would copy whatever is there.
func TestLocalS3ConditionalCopy(t *testing.T) {
	r := startRunner(t, testConfig(t, newDataDir(t)), nil)
	client := s3test.NewClient(localAWS(), r.BaseURL+s3Path)
	files, err := recording.New(localAWS(), r.BaseURL+s3Path, localBucket)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	put := func(key, content string) {
		t.Helper()
		if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(localBucket), Key: aws.String(key),
			ContentType: aws.String("application/pdf"), Body: strings.NewReader(content)}); err != nil {
			t.Fatal(err)
		}
	}
	put("uploads/test/a+b c", "first")
	first, err := files.Head(ctx, "uploads/test/a+b c")
	if err != nil || first.ETag == "" {
		t.Fatalf("head: %+v %v", first, err)
	}
	put("uploads/test/a+b c", "second")
	if err := files.Copy(ctx, "uploads/test/a+b c", "kept/test/x", first.ETag); !errors.Is(err, app.ErrObjectChanged) {
		t.Fatalf("copy of a replaced source: %v, want ErrObjectChanged", err)
	}
	if _, err := files.Head(ctx, "kept/test/x"); err == nil {
		t.Error("the refused copy was made")
	}
	second, _ := files.Head(ctx, "uploads/test/a+b c")
	if err := files.Copy(ctx, "uploads/test/a+b c", "kept/test/x", second.ETag); err != nil {
		t.Fatal(err)
	}
	got, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(localBucket), Key: aws.String("kept/test/x")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if string(b) != "second" || aws.ToString(got.ContentType) != "application/pdf" {
		t.Errorf("copy: %q %s", b, aws.ToString(got.ContentType))
	}
}
