package recording_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"suapcds/shared/app"
	"suapcds/shared/domain"
	"suapcds/shared/recording"
	"suapcds/shared/recording/s3test"
	"suapcds/shared/s3http"
)

// assumeRole asks MinIO's STS for temporary credentials of its root user,
// as Lambda's role has them: a key id, a secret and a session token.
func assumeRole(t *testing.T, endpoint string) aws.Credentials {
	t.Helper()
	body := url.Values{"Action": {"AssumeRole"}, "Version": {"2011-06-15"}, "DurationSeconds": {"900"}}.Encode()
	req, err := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	root, err := s3test.Config().Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256Hex(body)
	req.Header.Set("X-Amz-Content-Sha256", sum)
	if err := v4.NewSigner().SignHTTP(context.Background(), root, req, sum, "sts", s3test.Region(), time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out struct {
		Creds struct {
			AccessKeyID     string `xml:"AccessKeyId"`
			SecretAccessKey string `xml:"SecretAccessKey"`
			SessionToken    string `xml:"SessionToken"`
		} `xml:"AssumeRoleResult>Credentials"`
	}
	if resp.StatusCode != http.StatusOK || xml.Unmarshal(b, &out) != nil || out.Creds.SessionToken == "" {
		t.Fatalf("AssumeRole: %s %s", resp.Status, b)
	}
	return aws.Credentials{AccessKeyID: out.Creds.AccessKeyID, SecretAccessKey: out.Creds.SecretAccessKey, SessionToken: out.Creds.SessionToken}
}

// TestSessionTokenOnMinIO: with temporary credentials (Lambda's), the POST
// policy carries the session token as a field and a condition, and MinIO
// takes the upload; without the token the same form is refused. HEAD, the
// download link, the copy and DELETE pass with the token too.
func TestSessionTokenOnMinIO(t *testing.T) {
	ep := s3test.Strict(t) // what MinIO checks
	_, bucket := s3test.Bucket(t)
	c := assumeRole(t, ep)
	cfg := aws.Config{Region: s3test.Region(), Credentials: credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)}
	files, err := recording.New(cfg, ep, bucket)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	id := "01a207bd-a9c0-7881-8632-e0ebd4abffb7"
	f, err := files.PresignUpload(ctx, app.UploadPolicy{Key: domain.RecordingUploadKeyPrefix(id) + "tok", ContentType: "video/mp4",
		MaxBytes: 1024, Expires: app.UploadTTL})
	if err != nil {
		t.Fatal(err)
	}
	if f.Fields["X-Amz-Security-Token"] != c.SessionToken {
		t.Fatalf("fields %v lack the session token", f.Fields)
	}
	doc, _ := base64.StdEncoding.DecodeString(f.Fields["policy"])
	if !strings.Contains(string(doc), `{"X-Amz-Security-Token":"`+c.SessionToken+`"}`) {
		t.Errorf("policy %s lacks the token's condition", doc)
	}
	noToken := maps.Clone(f.Fields)
	delete(noToken, "X-Amz-Security-Token")
	if code, body := post(t, f.URL, noToken, []byte("video")); code < 400 || code >= 500 {
		t.Errorf("a form without its session token: %d %s", code, body)
	}
	if code, body := post(t, f.URL, f.Fields, []byte("video")); code != http.StatusCreated {
		t.Fatalf("upload with a session token: %d %s", code, body)
	}
	info, err := files.Head(ctx, f.Key)
	if err != nil || info.Size != 5 || info.ETag == "" {
		t.Fatalf("head: %+v %v", info, err)
	}
	u, err := files.PresignDownload(ctx, f.Key, "r.mp4", app.DownloadTTL)
	if err != nil {
		t.Fatal(err)
	}
	if q, _ := url.Parse(u); q.Query().Get("X-Amz-Security-Token") != c.SessionToken {
		t.Errorf("download link without the token: %s", q.RawQuery)
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(got) != "video" {
		t.Errorf("download: %s %q", resp.Status, got)
	}
	kept := domain.RecordingKeyPrefix(id) + "tok"
	if err := files.Copy(ctx, f.Key, kept, info.ETag); err != nil {
		t.Fatalf("copy: %v", err)
	}
	for _, k := range []string{f.Key, kept} {
		if err := files.Delete(ctx, k); err != nil {
			t.Errorf("delete %s: %v", k, err)
		}
		if _, err := files.Head(ctx, k); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("%s after delete: %v", k, err)
		}
	}
}

// TestCopyAnswers: S3's answers to a copy as the adapter reads them — a
// 200 whose body is an <Error> (a copy that failed after S3 began
// answering) is a failure with its Code, a 200 with the result (after the
// spaces that kept the connection open) a success; 412 is
// ErrObjectChanged, 404 ErrNotFound. The request names the source as
// bucket/escaped key and its ETag, both signed.
func TestCopyAnswers(t *testing.T) {
	var answer func(w http.ResponseWriter)
	var got *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		answer(w)
	}))
	defer srv.Close()
	files, err := recording.New(aws.Config{Region: "eu-south-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")},
		srv.URL, "bkt")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	status := func(code int, body string) func(http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			w.Header().Set("X-Amz-Request-Id", "REQ1")
			w.WriteHeader(code)
			_, _ = io.WriteString(w, body)
		}
	}

	answer = status(http.StatusOK, "\n      \n"+`<?xml version="1.0" encoding="UTF-8"?><CopyObjectResult><ETag>"e2"</ETag></CopyObjectResult>`)
	if err := files.Copy(ctx, "uploads/r/a b+c", "recordings/r/k", `"e1"`); err != nil {
		t.Fatalf("copy: %v", err)
	}
	if got.Method != http.MethodPut || got.URL.EscapedPath() != "/bkt/recordings/r/k" ||
		got.Header.Get("X-Amz-Copy-Source") != "bkt/uploads/r/a%20b%2Bc" || got.Header.Get("X-Amz-Copy-Source-If-Match") != `"e1"` {
		t.Errorf("request %s %s %v", got.Method, got.URL.EscapedPath(), got.Header)
	}
	if auth := got.Header.Get("Authorization"); !strings.Contains(auth, "x-amz-copy-source;x-amz-copy-source-if-match;") {
		t.Errorf("the copy's source is not signed: %s", auth)
	}

	answer = status(http.StatusOK, "  \n"+`<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
		`<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>`)
	err = files.Copy(ctx, "uploads/r/a", "recordings/r/k", `"e1"`)
	var se *s3http.StatusError
	if !errors.As(err, &se) || se.Status != http.StatusOK || se.Code != "InternalError" || se.RequestID != "REQ1" {
		t.Errorf("a 200 with an <Error>: %#v", err)
	}

	answer = status(http.StatusPreconditionFailed, `<Error><Code>PreconditionFailed</Code></Error>`)
	if err := files.Copy(ctx, "uploads/r/a", "recordings/r/k", `"e1"`); !errors.Is(err, app.ErrObjectChanged) {
		t.Errorf("412: %v, want ErrObjectChanged", err)
	}
	answer = status(http.StatusNotFound, `<Error><Code>NoSuchKey</Code></Error>`)
	if err := files.Copy(ctx, "uploads/r/a", "recordings/r/k", `"e1"`); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("404: %v, want ErrNotFound", err)
	}
	answer = status(http.StatusForbidden, `<Error><Code>AccessDenied</Code></Error>`)
	if err := files.Copy(ctx, "uploads/r/a", "recordings/r/k", `"e1"`); !errors.As(err, &se) || se.Code != "AccessDenied" {
		t.Errorf("403: %v", err)
	}
	// Neither a HEAD nor a DELETE refused takes for a missing key.
	if _, err := files.Head(ctx, "recordings/r/k"); err == nil || errors.Is(err, domain.ErrNotFound) {
		t.Errorf("HEAD 403: %v", err)
	}
	if err := files.Delete(ctx, "recordings/r/k"); err == nil {
		t.Error("DELETE 403 succeeded")
	}
}

// TestPolicyDocument: the policy signed is the document S3 reads — the
// expiry, the bucket, the exact key, the size range, the type and the
// success condition, each field the form sends covered by one condition.
func TestPolicyDocument(t *testing.T) {
	files, err := recording.New(aws.Config{Region: "eu-south-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")},
		"", "suapcds-prod-recordings-1")
	if err != nil {
		t.Fatal(err)
	}
	f, err := files.PresignUpload(context.Background(), app.UploadPolicy{Key: "recordings/r/k", ContentType: "audio/mpeg", TypePrefix: "audio/",
		MaxBytes: 1 << 20, Expires: 15 * time.Minute, Redirect: "https://example.it/back?x=1"})
	if err != nil {
		t.Fatal(err)
	}
	if f.URL != "https://suapcds-prod-recordings-1.s3.eu-south-1.amazonaws.com" {
		t.Errorf("URL %s", f.URL)
	}
	raw, err := base64.StdEncoding.DecodeString(f.Fields["policy"])
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Expiration string `json:"expiration"`
		Conditions []any  `json:"conditions"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	exp, err := time.Parse(time.RFC3339, doc.Expiration)
	if err != nil || exp.Sub(f.ExpiresAt).Abs() > time.Second {
		t.Errorf("expiration %q, form expires %s", doc.Expiration, f.ExpiresAt)
	}
	var conds []string
	covered := map[string]bool{}
	for _, c := range doc.Conditions {
		b, _ := json.Marshal(c)
		conds = append(conds, string(b))
		switch c := c.(type) {
		case map[string]any:
			for k := range c {
				covered[strings.ToLower(k)] = true
			}
		case []any:
			if s, ok := c[1].(string); ok {
				covered[strings.ToLower(strings.TrimPrefix(s, "$"))] = true
			}
		}
	}
	all := strings.Join(conds, " ")
	for _, want := range []string{`["content-length-range",1,1048576]`, `["starts-with","$Content-Type","audio/"]`,
		`{"success_action_redirect":"https://example.it/back?x=1"}`, `{"key":"recordings/r/k"}`, `{"bucket":"suapcds-prod-recordings-1"}`,
		`{"X-Amz-Algorithm":"AWS4-HMAC-SHA256"}`} {
		if !strings.Contains(all, want) {
			t.Errorf("conditions %s lack %s", all, want)
		}
	}
	for field := range f.Fields {
		if l := strings.ToLower(field); l != "policy" && l != "x-amz-signature" && !covered[l] {
			t.Errorf("field %s is not covered by the policy", field)
		}
	}
	if _, ok := f.Fields["X-Amz-Security-Token"]; ok {
		t.Error("a token field without a session token")
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
