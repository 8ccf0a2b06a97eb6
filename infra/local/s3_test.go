package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestRecordingThroughLocalS3 is issue 6's flow on the local run: a
// request with recording is accepted; the manager gets a pre-signed POST,
// uploads to the in-process S3, whose ObjectCreated event closes the
// request (EVASA); the office downloads it through the pre-signed GET.
func TestRecordingThroughLocalS3(t *testing.T) {
	r := startRunner(t, testConfig(t, newDataDir(t)), nil)
	op := r.Users[0]
	if !op.P.SUAPSide() {
		t.Fatalf("first demo user %s is not an operator", op.Key)
	}
	res := call(t, "POST", r.BaseURL+"/pratiche/"+op.Pratica+"/booking-requests", op.Token, map[string]any{
		"start": meetingStart(), "durationMinutes": 60, "email": "suap@comune.africo.rc.it",
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
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range form.Fields {
		_ = w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("file", "seduta.mp4")
	_, _ = fw.Write([]byte("the meeting, recorded"))
	_ = w.Close()
	up, err := client.Post(form.URL, w.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	up.Body.Close()
	if up.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %s", up.Status)
	}
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
