package recording_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"suapcds/shared/app"
	"suapcds/shared/domain"
	"suapcds/shared/recording/s3test"
)

// post sends a browser-style upload: the fields, then the file last.
func post(t *testing.T, url string, fields map[string]string, file []byte) (int, string) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := w.CreateFormFile("file", "registrazione.mp4")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(file); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, url, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestPresignedPostOnMinIO: MinIO, which checks the POST policy and its
// signature, takes the upload the policy allows and refuses, itself, every
// other: a tampered signature, a file over the cap, a wrong content type, a
// different key, an empty file.
func TestPresignedPostOnMinIO(t *testing.T) {
	s3test.Strict(t) // what MinIO checks
	client, bucket := s3test.Bucket(t)
	files := s3test.Files(t, bucket)
	ctx := context.Background()
	const maxBytes = 1024
	id := "01a207bd-a9c0-7881-8632-e0ebd4abffb7"
	form := func(t *testing.T, ct, prefix string) *app.UploadForm {
		t.Helper()
		f, err := files.PresignUpload(ctx, app.UploadPolicy{Key: domain.RecordingKeyPrefix(id) + "a1b2", ContentType: ct,
			TypePrefix: prefix, MaxBytes: maxBytes, Expires: app.UploadTTL})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	video := bytes.Repeat([]byte("v"), 700)

	t.Run("valid", func(t *testing.T) {
		f := form(t, "video/mp4", "video/")
		if f.Fields["key"] != f.Key || f.Fields["Content-Type"] != "video/mp4" || f.Fields["policy"] == "" || f.Fields["X-Amz-Signature"] == "" {
			t.Fatalf("fields %v", f.Fields)
		}
		if d := time.Until(f.ExpiresAt); d < 14*time.Minute || d > 15*time.Minute {
			t.Errorf("expires in %s, want 15 minutes", d)
		}
		if code, body := post(t, f.URL, f.Fields, video); code != http.StatusCreated {
			t.Fatalf("valid upload: %d %s", code, body)
		}
		info, err := files.Head(ctx, f.Key)
		if err != nil || info.Size != int64(len(video)) || info.ContentType != "video/mp4" {
			t.Errorf("head: %+v %v", info, err)
		}
		// The download link serves it.
		u, err := files.PresignDownload(ctx, f.Key, "registrazione.mp4", app.DownloadTTL)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Equal(got, video) || !strings.Contains(resp.Header.Get("Content-Disposition"), "registrazione.mp4") {
			t.Errorf("download: %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Disposition"), len(got))
		}
		// A tampered download link is refused.
		if resp, err := http.Get(strings.Replace(u, "X-Amz-Signature=", "X-Amz-Signature=0", 1)); err != nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("tampered download link: %v %v", resp.Status, err)
		}
		if err := files.Delete(ctx, f.Key); err != nil {
			t.Fatal(err)
		}
		if _, err := files.Head(ctx, f.Key); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("after delete: %v", err)
		}
		if err := files.Delete(ctx, f.Key); err != nil {
			t.Errorf("deleting a missing key: %v", err)
		}
	})

	refused := []struct {
		name   string
		change func(fields map[string]string) []byte
	}{
		{"tampered signature", func(f map[string]string) []byte {
			sig := []byte(f["X-Amz-Signature"])
			if len(sig) != 64 {
				t.Fatalf("signature %q", sig)
			}
			if sig[0] == '0' { // another hex digit
				sig[0] = '1'
			} else {
				sig[0] = '0'
			}
			f["X-Amz-Signature"] = string(sig)
			return video
		}},
		{"tampered policy", func(f map[string]string) []byte {
			f["policy"] = strings.Replace(f["policy"], "A", "B", 1)
			return video
		}},
		{"over the cap", func(map[string]string) []byte { return bytes.Repeat([]byte("v"), maxBytes+1) }},
		{"empty file", func(map[string]string) []byte { return nil }},
		{"wrong content type", func(f map[string]string) []byte {
			f["Content-Type"] = "application/x-msdownload"
			return video
		}},
		{"audio on a video policy", func(f map[string]string) []byte {
			f["Content-Type"] = "audio/mpeg"
			return video
		}},
		{"different key", func(f map[string]string) []byte {
			f["key"] = domain.RecordingKeyPrefix(id) + "other"
			return video
		}},
		{"another request's key", func(f map[string]string) []byte {
			f["key"] = domain.RecordingKeyPrefix("01a207bd-0000-7881-8632-e0ebd4abffb7") + "a1b2"
			return video
		}},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			f := form(t, "video/mp4", "video/")
			fields := maps.Clone(f.Fields)
			file := c.change(fields)
			code, body := post(t, f.URL, fields, file)
			if code < 400 || code >= 500 {
				t.Errorf("%s: MinIO answered %d, want a 4xx refusal: %s", c.name, code, body)
			}
			for _, key := range []string{f.Key, fields["key"]} {
				if _, err := files.Head(ctx, key); !errors.Is(err, domain.ErrNotFound) {
					t.Errorf("%s: %s exists after a refused upload (%v)", c.name, key, err)
				}
			}
		})
	}

	// A known type is pinned exactly: "eq", not "starts-with" (MinIO took
	// application/pdf-evil under a starts-with application/pdf policy).
	t.Run("exact type", func(t *testing.T) {
		for _, c := range []struct{ declared, sent string }{
			{"application/pdf", "application/pdf-evil"},
			{"video/mp4", "video/webm"},
			{"video/mp4", "video/mp4x"},
		} {
			f, err := files.PresignUpload(ctx, app.UploadPolicy{Key: "uploads/conferences/p/c/" + strings.ReplaceAll(c.sent, "/", "-"),
				ContentType: c.declared, MaxBytes: maxBytes, Expires: app.UploadTTL})
			if err != nil {
				t.Fatal(err)
			}
			fields := maps.Clone(f.Fields)
			fields["Content-Type"] = c.sent
			if code, body := post(t, f.URL, fields, video); code < 400 || code >= 500 {
				t.Errorf("%s on a policy for %s: MinIO answered %d, want a 4xx refusal: %s", c.sent, c.declared, code, body)
			}
			if _, err := files.Head(ctx, f.Key); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("%s exists after a refused upload (%v)", f.Key, err)
			}
			if code, body := post(t, f.URL, f.Fields, video); code != http.StatusCreated {
				t.Errorf("%s on its own policy: %d %s", c.declared, code, body)
			}
		}
		if _, err := files.PresignUpload(ctx, app.UploadPolicy{Key: "uploads/x", MaxBytes: maxBytes, Expires: app.UploadTTL}); err == nil {
			t.Error("a policy with neither a type nor a prefix was signed")
		}
	})

	t.Run("expired", func(t *testing.T) {
		f, err := files.PresignUpload(ctx, app.UploadPolicy{Key: domain.RecordingKeyPrefix(id) + "late", ContentType: "audio/mpeg",
			TypePrefix: "audio/", MaxBytes: maxBytes, Expires: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(2100 * time.Millisecond)
		if code, body := post(t, f.URL, f.Fields, video); code < 400 || code >= 500 {
			t.Errorf("expired policy: %d %s", code, body)
		}
	})

	t.Run("redirect", func(t *testing.T) {
		back := "http://127.0.0.1:1/gestore/richieste/" + id + "?t=x&esito=registrazione"
		f, err := files.PresignUpload(ctx, app.UploadPolicy{Key: domain.RecordingKeyPrefix(id) + "page", ContentType: "audio/mpeg",
			TypePrefix: "audio/", MaxBytes: maxBytes, Expires: app.UploadTTL, Redirect: back})
		if err != nil {
			t.Fatal(err)
		}
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		for k, v := range f.Fields {
			_ = w.WriteField(k, v)
		}
		fw, _ := w.CreateFormFile("file", "a.mp3")
		_, _ = fw.Write([]byte("audio"))
		_ = w.Close()
		req, _ := http.NewRequest(http.MethodPost, f.URL, &body)
		req.Header.Set("Content-Type", w.FormDataContentType())
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, err := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusSeeOther || err != nil || loc.Host != "127.0.0.1:1" ||
			loc.Path != "/gestore/richieste/"+id || loc.Query().Get("t") != "x" || loc.Query().Get("esito") != "registrazione" {
			t.Errorf("upload with redirect: %s, Location %q", resp.Status, resp.Header.Get("Location"))
		}
	})

	// Only the bucket's objects: another bucket is not reachable by key.
	if _, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket + "-none"), Key: aws.String("x")}); err == nil {
		t.Error("HEAD on a missing bucket succeeded")
	}
}

// TestCopyOnMinIO: Copy copies only the object the caller checked: with a
// stale ETag (the key posted over since) MinIO refuses it
// (app.ErrObjectChanged); a missing source is domain.ErrNotFound; a copy
// keeps the bytes and the type, and posting to the source afterwards leaves
// the copy as it was.
func TestCopyOnMinIO(t *testing.T) {
	s3test.Strict(t) // what MinIO checks
	client, bucket := s3test.Bucket(t)
	files := s3test.Files(t, bucket)
	ctx := context.Background()
	id := "01a207bd-a9c0-7881-8632-e0ebd4abffb7"
	f, err := files.PresignUpload(ctx, app.UploadPolicy{Key: domain.RecordingUploadKeyPrefix(id) + "u+1 x", ContentType: "video/mp4",
		MaxBytes: 1024, Expires: app.UploadTTL})
	if err != nil {
		t.Fatal(err)
	}
	get := func(key string) (string, string) {
		t.Helper()
		out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err != nil {
			t.Fatalf("get %s: %v", key, err)
		}
		defer out.Body.Close()
		b, _ := io.ReadAll(out.Body)
		return string(b), aws.ToString(out.ContentType)
	}
	if code, body := post(t, f.URL, f.Fields, []byte("first")); code != http.StatusCreated {
		t.Fatalf("upload: %d %s", code, body)
	}
	first, err := files.Head(ctx, f.Key)
	if err != nil || first.ETag == "" {
		t.Fatalf("head: %+v %v", first, err)
	}
	if code, body := post(t, f.URL, f.Fields, []byte("second")); code != http.StatusCreated {
		t.Fatalf("second upload: %d %s", code, body)
	}
	kept := domain.RecordingKeyPrefix(id) + "k1"
	if err := files.Copy(ctx, f.Key, kept, first.ETag); !errors.Is(err, app.ErrObjectChanged) {
		t.Fatalf("copy with the replaced object's ETag: %v, want ErrObjectChanged", err)
	}
	if _, err := files.Head(ctx, kept); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("a refused copy exists: %v", err)
	}
	if err := files.Copy(ctx, domain.RecordingUploadKeyPrefix(id)+"none", kept, first.ETag); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("copy of a missing object: %v, want ErrNotFound", err)
	}
	second, _ := files.Head(ctx, f.Key)
	if err := files.Copy(ctx, f.Key, kept, second.ETag); err != nil {
		t.Fatal(err)
	}
	if b, ct := get(kept); b != "second" || ct != "video/mp4" {
		t.Errorf("the copy: %q %s", b, ct)
	}
	if code, body := post(t, f.URL, f.Fields, []byte("third")); code != http.StatusCreated {
		t.Fatalf("third upload: %d %s", code, body)
	}
	if b, _ := get(kept); b != "second" {
		t.Errorf("posting to the upload key changed the copy: %q", b)
	}
}
