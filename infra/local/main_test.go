package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"suapcds/shared/workdays"
)

// testKeyPEM is one RSA key for every test's data folder: generating a
// 2048-bit key per start would cost more than the tests themselves.
var testKeyPEM = sync.OnceValue(func() []byte {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
})

// newDataDir is an empty data folder holding the shared test key.
func newDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, keyFile), testKeyPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// testConfig is the configuration of `go run ./infra/local -addr
// 127.0.0.1:0 -data dir` with no environment, plus extra flags.
func testConfig(t *testing.T, dir string, extra ...string) *cfg {
	t.Helper()
	c, err := parseFlags(append([]string{"-addr", "127.0.0.1:0", "-data", dir}, extra...), func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// startRunner starts a runner and stops it at the end of the test. Its
// start-up block goes to out when not nil.
func startRunner(t *testing.T, c *cfg, out io.Writer) *runner {
	t.Helper()
	if out == nil {
		out = io.Discard
	}
	r, err := start(context.Background(), c, out, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopRunner(t, r) })
	return r
}

func stopRunner(t *testing.T, r *runner) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.Shutdown(ctx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

func (r *runner) token(t *testing.T, role string) string {
	t.Helper()
	for _, u := range r.Users {
		if u.Key == role {
			return u.Token
		}
	}
	t.Fatalf("no demo user %q", role)
	return ""
}

// client sends requests without keeping connections, so that a shutdown
// has nothing idle to wait for and goroutine counts settle.
var client = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

type resp struct {
	status int
	header http.Header
	body   []byte
}

// call is curl: method, URL, bearer token ("" for none), JSON body.
func call(t *testing.T, method, url, token string, body any) resp {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp{res.StatusCode, res.Header, b}
}

// meetingStart is a start the lead time accepts today.
func meetingStart() string {
	d := workdays.National().AddWorkdays(workdays.DateOf(time.Now()), 6)
	return time.Date(d.Year, d.Month, d.Day, 10, 0, 0, 0, time.UTC).Format(time.RFC3339)
}

// book creates a booking request on pratica as the role, expecting 201.
func book(t *testing.T, r *runner, role, pratica string) string {
	t.Helper()
	res := call(t, "POST", r.BaseURL+"/pratiche/"+pratica+"/booking-requests", r.token(t, role), map[string]any{
		"start": meetingStart(), "durationMinutes": 90, "email": "suap@comune.africo.rc.it",
		"subject": "Conferenza di servizi sincrona",
	})
	if res.status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	var v struct{ ID string }
	if err := json.Unmarshal(res.body, &v); err != nil || v.ID == "" {
		t.Fatalf("create: %v %s", err, res.body)
	}
	return v.ID
}

// listIDs is the Videoconferenza list as role sees it.
func listIDs(t *testing.T, r *runner, role string) []string {
	t.Helper()
	res := call(t, "GET", r.BaseURL+"/booking-requests", r.token(t, role), nil)
	if res.status != http.StatusOK {
		t.Fatalf("list: %d %s", res.status, res.body)
	}
	var v struct{ Items []struct{ ID string } }
	if err := json.Unmarshal(res.body, &v); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range v.Items {
		ids = append(ids, it.ID)
	}
	return ids
}

func contains(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// TestOperatorBooksAndLists is the README's tour with the printed tokens:
// the Africo operator books, sees it in the list; the basin operator and
// the manager see it too, the Acquaro operator does not.
func TestOperatorBooksAndLists(t *testing.T) {
	var out bytes.Buffer
	r := startRunner(t, testConfig(t, newDataDir(t)), &out)

	// The printed curl example works as printed.
	for _, u := range r.Users {
		if !strings.Contains(out.String(), u.Curl) || !strings.Contains(out.String(), r.BaseURL+"/_local/login?role="+u.Key) {
			t.Errorf("start-up block lacks %s's link or curl line", u.Key)
		}
	}
	res := call(t, "GET", r.BaseURL+"/pratiche/africo-2026-0001", r.token(t, "africo"), nil)
	if res.status != http.StatusOK || !strings.Contains(string(res.body), `"officeId":"suap-africo"`) {
		t.Fatalf("GET pratica: %d %s", res.status, res.body)
	}
	if res.header.Get("Apigw-Requestid") == "" {
		t.Error("no Apigw-Requestid header")
	}

	id := book(t, r, "africo", "africo-2026-0001")
	for role, want := range map[string]bool{"africo": true, "locride": true, "manager": true, "acquaro": false} {
		if got := contains(listIDs(t, r, role), id); got != want {
			t.Errorf("%s sees the request in the list: %v, want %v", role, got, want)
		}
	}
	// The same pratica again: one live request per pratica.
	res = call(t, "POST", r.BaseURL+"/pratiche/africo-2026-0001/booking-requests", r.token(t, "africo"), map[string]any{
		"start": meetingStart(), "durationMinutes": 60, "subject": "Di nuovo"})
	if res.status != http.StatusConflict {
		t.Errorf("second live request: %d %s", res.status, res.body)
	}
}

// TestAuthorizer: what API Gateway's JWT authorizer refuses never reaches a
// function, and is answered exactly as API Gateway does.
func TestAuthorizer(t *testing.T) {
	r := startRunner(t, testConfig(t, newDataDir(t)), nil)
	good := r.token(t, "africo")
	u := r.Users[0]

	past := *r.auth
	past.now = func() time.Time { return time.Now().Add(-24 * time.Hour) }
	expired, err := past.Mint(u.claims(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	future := *r.auth
	future.now = func() time.Time { return time.Now().Add(time.Hour) }
	notYet, err := future.Mint(u.claims(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	foreign := *r.auth
	foreign.key = otherKey // same kid, another key: the signature fails
	forged, err := foreign.Mint(u.claims(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	otherIss := *r.auth
	otherIss.issuer = "https://elsewhere.example"
	wrongIss, _ := otherIss.Mint(u.claims(), time.Hour)
	otherAud := *r.auth
	otherAud.audience = []string{"another-app"}
	wrongAud, _ := otherAud.Mint(u.claims(), time.Hour)
	parts := strings.Split(good, ".")
	tampered := parts[0] + "." + strings.TrimRight(parts[1], "=") + "x." + parts[2]

	url := r.BaseURL + "/pratiche/africo-2026-0001"
	for name, header := range map[string]string{
		"none": "", "garbage": "Bearer xx.yy.zz", "expired": "Bearer " + expired, "not yet valid": "Bearer " + notYet,
		"foreign key": "Bearer " + forged, "issuer": "Bearer " + wrongIss, "audience": "Bearer " + wrongAud,
		"tampered": "Bearer " + tampered, "basic": "Basic " + good,
	} {
		req, _ := http.NewRequest("GET", url, nil)
		if header != "" {
			req.Header.Set("Authorization", header)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized || string(b) != `{"message":"Unauthorized"}` {
			t.Errorf("%s: %d %s, want 401 {\"message\":\"Unauthorized\"}", name, res.StatusCode, b)
		}
	}
	// As API Gateway, the Bearer prefix is optional.
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", good)
	if res, err := client.Do(req); err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("token without Bearer: %v %v", res, err)
	} else {
		res.Body.Close()
	}
}

// TestRestartKeepsData: a second start on the same folder finds the
// request, adds no demo data, and accepts the first start's tokens.
func TestRestartKeepsData(t *testing.T) {
	dir := newDataDir(t)
	r1, err := start(context.Background(), testConfig(t, dir), io.Discard, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if r1.Seeded == 0 {
		t.Error("first start seeded nothing")
	}
	id := book(t, r1, "africo", "africo-2026-0002")
	oldToken := r1.token(t, "africo")
	stopRunner(t, r1)

	r2 := startRunner(t, testConfig(t, dir), nil)
	if r2.Seeded != 0 {
		t.Errorf("second start added %d demo items", r2.Seeded)
	}
	if !contains(listIDs(t, r2, "africo"), id) {
		t.Error("the request is gone after a restart")
	}
	if res := call(t, "GET", r2.BaseURL+"/booking-requests/"+id, oldToken, nil); res.status != http.StatusOK {
		t.Errorf("the first start's token after a restart: %d %s", res.status, res.body)
	}
	res := call(t, "GET", r2.BaseURL+"/rooms", r2.token(t, "manager"), nil)
	if res.status != http.StatusOK || strings.Count(string(res.body), `"sala-`) != 3 {
		t.Errorf("rooms after a restart: %d %s", res.status, res.body)
	}
}

// TestShutdownIsClean: after Shutdown every goroutine the runner started
// has ended and the store file is closed (a new start can open it).
func TestShutdownIsClean(t *testing.T) {
	dir := newDataDir(t)
	before := runtime.NumGoroutine()
	r, err := start(context.Background(), testConfig(t, dir), io.Discard, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	book(t, r, "africo", "africo-2026-0001") // the feed has work
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	began := time.Now()
	if err := r.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(began); d > 2*time.Second {
		t.Errorf("shutdown took %v", d)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines after shutdown, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
	if _, err := http.Get(r.BaseURL + "/_local/"); err == nil {
		t.Error("still serving after shutdown")
	}
	r2 := startRunner(t, testConfig(t, dir), nil)
	if r2.Seeded != 0 {
		t.Errorf("restart seeded %d", r2.Seeded)
	}
}

// TestPortInUse: a taken port is said so, with the way out.
func TestPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c := testConfig(t, newDataDir(t), "-addr", ln.Addr().String())
	_, err = start(context.Background(), c, io.Discard, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "already in use") || !strings.Contains(err.Error(), "-addr") {
		t.Fatalf("err = %v", err)
	}
}

// TestDataFolderInUse: a second run on the same folder says why it cannot
// open the store instead of hanging.
func TestDataFolderInUse(t *testing.T) {
	dir := newDataDir(t)
	startRunner(t, testConfig(t, dir), nil)
	_, err := start(context.Background(), testConfig(t, dir), io.Discard, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("err = %v", err)
	}
}

// TestFlags: -h prints the flags and is not an error for main; the
// environment sets defaults; flags win; bad values are refused.
func TestFlags(t *testing.T) {
	var out bytes.Buffer
	_, err := parseFlags([]string{"-h"}, func(string) string { return "" }, &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v", err)
	}
	for _, f := range []string{"-addr", "-data", "-dynamodb-endpoint", "-table", "-template", "-token-ttl", "DYNAMODB_ENDPOINT"} {
		if !strings.Contains(out.String(), f) {
			t.Errorf("-h output lacks %s:\n%s", f, out.String())
		}
	}

	env := map[string]string{"SUAPCDS_ADDR": "127.0.0.1:9999", "SUAPCDS_DATA": "/tmp/x", "LEAD_DAYS": "3", "TABLE_NAME": "t1"}
	c, err := parseFlags([]string{"-addr", "127.0.0.1:7777"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:7777" || c.DataDir != "/tmp/x" || c.DBPath != filepath.Join("/tmp/x", dbFile) || c.LeadDays != 3 || c.Table != "t1" {
		t.Errorf("config %+v", c)
	}
	c, err = parseFlags(nil, func(string) string { return "" }, io.Discard)
	if err != nil || c.Addr != "127.0.0.1:8080" || c.DataDir != ".local" || !c.Seed || c.TokenTTL != 12*time.Hour {
		t.Errorf("defaults %+v %v", c, err)
	}
	for _, bad := range [][]string{{"-lead-days", "0"}, {"-token-ttl", "-1h"}, {"extra"}, {"-nope"}} {
		if _, err := parseFlags(bad, func(string) string { return "" }, io.Discard); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
