package main

import (
	"html"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// TestLocalPages: the index shows each role's link, the login page puts
// the token in session storage, the outbox page lists the .eml files and
// shows one as text, and the OpenAPI document is served.
func TestLocalPages(t *testing.T) {
	r := startRunner(t, testConfig(t, newDataDir(t)), nil)
	eml := "Date: Mon, 07 Dec 2026 10:00:00 +0100\r\nFrom: suap@comune.africo.rc.it\r\nTo: gestore@regione.calabria.it\r\n" +
		"Subject: =?utf-8?q?Nuova_richiesta_=E2=80=93_pratica_1?=\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nCorpo.\r\n"
	if err := os.WriteFile(filepath.Join(r.MailDir, "0001-request_created.eml"), []byte(eml), 0o600); err != nil {
		t.Fatal(err)
	}
	get := func(path string) resp {
		t.Helper()
		return call(t, "GET", r.BaseURL+path, "", nil)
	}
	idx := get("/_local/")
	for _, u := range r.Users {
		if !strings.Contains(string(idx.body), "/_local/login?role="+u.Key) {
			t.Errorf("index lacks %s's link", u.Key)
		}
	}
	if !strings.Contains(string(idx.body), "POST /pratiche/{praticaId}/booking-requests") {
		t.Error("index lacks the routes")
	}
	login := get("/_local/login?role=manager")
	if login.status != 200 || !strings.Contains(string(login.body), `sessionStorage.setItem("suapcds.token", "`+r.token(t, "manager")+`")`) {
		t.Errorf("login: %d %s", login.status, login.body)
	}
	if res := get("/_local/login?role=nobody"); res.status != http.StatusNotFound {
		t.Errorf("unknown role: %d", res.status)
	}
	if res := get("/_local/token?role=africo"); string(res.body) != r.token(t, "africo") {
		t.Errorf("token: %s", res.body)
	}
	list := get("/_local/mail")
	if !strings.Contains(string(list.body), "Nuova richiesta – pratica 1") || !strings.Contains(string(list.body), "gestore@regione.calabria.it") ||
		!strings.Contains(string(list.body), "07-12-2026 10:00") {
		t.Errorf("mail list: %s", list.body)
	}
	one := get("/_local/mail/0001-request_created.eml")
	if one.status != 200 || !strings.Contains(string(one.body), "Corpo.") || !strings.Contains(string(one.body), "Nuova richiesta – pratica 1") {
		t.Errorf("mail: %d %s", one.status, one.body)
	}
	raw := get("/_local/mail/0001-request_created.eml?raw=1")
	if !strings.HasPrefix(raw.header.Get("Content-Type"), "text/plain") || string(raw.body) != eml {
		t.Errorf("raw mail: %s %q", raw.header, raw.body)
	}
	for _, bad := range []string{"/_local/mail/..%2Fjwt-signing-key.pem", "/_local/mail/jwt-signing-key.pem", "/_local/nothing"} {
		if res := get(bad); res.status != http.StatusNotFound {
			t.Errorf("%s: %d", bad, res.status)
		}
	}
	if res := get("/_local/openapi.yaml"); res.status != 200 || !strings.HasPrefix(string(res.body), "openapi: 3.") {
		t.Errorf("openapi: %d %.40s", res.status, res.body)
	}
}

// TestBookingIsMailed: a request booked through the API reaches notify
// through the change feed, its mail lands in the outbox folder, the mail
// page decodes it, and the manager's signed link in it opens the answer
// page through the gateway without a token.
func TestBookingIsMailed(t *testing.T) {
	r := startRunner(t, testConfig(t, newDataDir(t)), nil)
	id := book(t, r, "africo", "africo-2026-0003")
	var mails []mailEntry
	for deadline := time.Now().Add(5 * time.Second); len(mails) == 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		var err error
		if mails, err = listMail(r.MailDir); err != nil {
			t.Fatal(err)
		}
	}
	if len(mails) != 1 || !strings.Contains(mails[0].Subject, "SUAP/AFRICO/2026/0003") {
		t.Fatalf("outbox: %+v", mails)
	}
	page := call(t, "GET", r.BaseURL+"/_local/mail/"+mails[0].Name, "", nil)
	link := regexp.MustCompile(`href="(` + regexp.QuoteMeta(r.BaseURL) + `/gestore/richieste/` + id + `[^"]*)"`).FindStringSubmatch(string(page.body))
	if link == nil {
		t.Fatalf("no signed link to %s in the mail page:\n%s", id, page.body)
	}
	answer := call(t, "GET", html.UnescapeString(link[1]), "", nil)
	if answer.status != http.StatusOK || !strings.Contains(string(answer.body), "SUAP/AFRICO/2026/0003") {
		t.Errorf("signed link: %d %.300s", answer.status, answer.body)
	}
}

// TestEventFilter: the pattern syntax event filters on stream records use.
func TestEventFilter(t *testing.T) {
	rec := events.DynamoDBEventRecord{EventName: "INSERT", Change: events.DynamoDBStreamRecord{
		NewImage: map[string]events.DynamoDBAttributeValue{
			"type": events.NewStringAttribute("outbox"), "kind": events.NewStringAttribute("request_created"),
		},
	}}
	for pattern, want := range map[string]bool{
		defaultOutboxPattern:                                                              true,
		`{"eventName":["MODIFY","REMOVE"]}`:                                               false,
		`{"dynamodb":{"NewImage":{"kind":{"S":[{"prefix":"request_"}]}}}}`:                true,
		`{"dynamodb":{"NewImage":{"kind":{"S":[{"suffix":"_created"}]}}}}`:                true,
		`{"dynamodb":{"NewImage":{"kind":{"S":[{"anything-but":["request_created"]}]}}}}`: false,
		`{"dynamodb":{"NewImage":{"seq":[{"exists":false}]}}}`:                            true,
		`{"dynamodb":{"OldImage":[{"exists":true}]}}`:                                     false,
		`{"eventName":[{"equals-ignore-case":"insert"}]}`:                                 true,
		`{"dynamodb":{"NewImage":{"type":{"S":["history"]}}}}`:                            false,
	} {
		f, err := newEventFilter([]string{pattern})
		if err != nil {
			t.Fatalf("%s: %v", pattern, err)
		}
		if got, err := f.Match(rec); err != nil || got != want {
			t.Errorf("%s: %v %v, want %v", pattern, got, err, want)
		}
	}
	// Filters are alternatives; no filter lets everything through.
	f, _ := newEventFilter([]string{`{"eventName":["REMOVE"]}`, `{"eventName":["INSERT"]}`})
	if ok, _ := f.Match(rec); !ok {
		t.Error("second filter should match")
	}
	if ok, _ := eventFilter(nil).Match(rec); !ok {
		t.Error("no filter should let it through")
	}
	for _, bad := range []string{`[]`, `{"a":"b"}`, `{"a":[{"numeric":[">",1]}]}`} {
		if _, err := newEventFilter([]string{bad}); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
