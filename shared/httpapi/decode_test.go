package httpapi_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"suapcds/shared/api"
	"suapcds/shared/clock"
	"suapcds/shared/domain"
	"suapcds/shared/httpapi"
)

// Details are read by people: Italian, with no trace of Go or of the JSON
// decoder's English messages.
var (
	// quoted removes «…»: a field name comes from the client and may be anything.
	quoted      = regexp.MustCompile(`«.*»`)
	englishLeak = regexp.MustCompile(`(?i)json:|http:|mime:|cannot unmarshal|invalid character|unexpected end|unknown field|looking for|of type|value of|request body|too large|exceeded|\bgo\b`)
	goTypeName  = regexp.MustCompile(`\b(string|u?int(8|16|32|64)?|float(32|64)|bool|byte|rune|struct|interface|any|nil|time\.Time|[a-z]+\.[A-Z]\w*)\b|\[\]|map\[|\*[a-z]+\.`)
	italianWord = regexp.MustCompile(`(?i)\b(il|la|del|della|non|deve|un|una|nel|tra|da|di|data|ora|campo|corpo|richiesta)\b`)
)

func checkItalian(t testing.TB, detail string) {
	t.Helper()
	if strings.TrimSpace(detail) == "" {
		t.Fatal("empty detail")
	}
	rest := quoted.ReplaceAllString(detail, "«»")
	if m := englishLeak.FindString(rest); m != "" {
		t.Fatalf("detail %q leaks English/decoder text %q", detail, m)
	}
	if m := goTypeName.FindString(rest); m != "" {
		t.Fatalf("detail %q leaks the Go type name %q", detail, m)
	}
	if !italianWord.MatchString(rest) {
		t.Fatalf("detail %q does not read as Italian", detail)
	}
}

// checkDomainError asserts that err is a *domain.Error fit for a problem
// response and returns it.
func checkDomainError(t testing.TB, err error) *domain.Error {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) {
		t.Fatalf("error %T %q is not a *domain.Error", err, err)
	}
	if de.Code == "" {
		t.Fatalf("error %q has no code", err)
	}
	if de.Kind != domain.KindInvalid {
		t.Fatalf("error %q has kind %d, want KindInvalid", err, de.Kind)
	}
	checkItalian(t, de.Detail)
	for _, f := range de.Fields {
		if f.Code == "" {
			t.Fatalf("field error %+v has no code", f)
		}
		checkItalian(t, f.Detail)
	}
	return de
}

func jsonRequest(contentType, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/booking-requests/r1/messages", strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

// objectOfSize is a valid MessageBody of exactly n bytes.
func objectOfSize(n int) string {
	const head, tail = `{"subject":"`, `"}`
	return head + strings.Repeat("a", n-len(head)-len(tail)) + tail
}

type decodeCase struct {
	name        string
	contentType string
	body        string
	target      func() any // the body type; MessageBody when nil

	wantCode      string // "" when the body is accepted
	wantStatus    int    // WriteError's answer to the error
	wantField     string // Fields[0].Field, when set
	wantFieldCode string
	detailHas     string
	check         func(t *testing.T, v any) // when accepted

}

func message() any       { return new(api.MessageBody) }
func newRequest() any    { return new(api.NewRequestBody) }
func pratica() any       { return new(api.PraticaBody) }
func verifications() any { return new(api.VerificationsBody) }
func cdsCheck() any      { return new(api.CDSCheckBody) }
func room() any          { return new(api.RoomBody) }
func conference() any    { return new(api.NewConferenceBody) }
func closure() any       { return new(api.CloseConferenceBody) }

func wantStart(want time.Time) func(t *testing.T, v any) {
	return func(t *testing.T, v any) {
		t.Helper()
		got := v.(*api.NewRequestBody).Start
		if !got.Equal(want) {
			t.Fatalf("start = %v, want %v", got.Time, want)
		}
	}
}

const (
	ctJSON     = "application/json"
	malformed  = "malformed_request"
	badDate    = "invalid_datetime"
	tooLarge   = "body_too_large"
	unsupMedia = "unsupported_media_type"
)

func decodeCases() []decodeCase {
	validMessage := func(t *testing.T, v any) {
		t.Helper()
		if b := v.(*api.MessageBody); b.Subject != "Convocazione" || b.Body != "Testo è «ok»" {
			t.Fatalf("decoded %+v", b)
		}
	}
	cases := []decodeCase{
		{name: "valid message", contentType: ctJSON, body: `{"subject":"Convocazione","body":"Testo è «ok»"}`, check: validMessage},
		{name: "valid, trailing whitespace", contentType: ctJSON, body: "{\"subject\":\"Convocazione\",\"body\":\"Testo è «ok»\"}\r\n\t ", check: validMessage},
		{name: "valid, no content type", body: `{"subject":"Convocazione","body":"Testo è «ok»"}`, check: validMessage},
		{name: "valid, charset", contentType: "application/json; charset=utf-8", body: `{"subject":"Convocazione","body":"Testo è «ok»"}`, check: validMessage},
		{name: "valid, upper case media type", contentType: "Application/JSON", body: `{"subject":"Convocazione","body":"Testo è «ok»"}`, check: validMessage},
		{name: "valid, merge-patch+json", contentType: "application/merge-patch+json", body: `{"subject":"Convocazione","body":"Testo è «ok»"}`, check: validMessage},
		{name: "valid pratica", contentType: ctJSON, target: pratica,
			body: `{"number":"SUAP/2026/1","officeId":"suap-cs","procedureType":"ORDINARIO","bodies":[{"bodyId":"asp","officeId":"asp-cs","name":"ASP"}]}`,
			check: func(t *testing.T, v any) {
				b := v.(*api.PraticaBody)
				if b.Number != "SUAP/2026/1" || len(b.Bodies) != 1 || b.Bodies[0].OfficeID != "asp-cs" {
					t.Fatalf("decoded %+v", b)
				}
			}},
		{name: "valid verifications", contentType: ctJSON, target: verifications, body: `{"bodies":[],"reason":"Nessuna CDS"}`},
		{name: "valid cds check", contentType: ctJSON, target: cdsCheck, body: `{"bodies":[{"bodyId":"a","officeId":"b"}]}`},

		{name: "empty body", contentType: ctJSON, body: "", wantCode: malformed, wantStatus: 400, detailHas: "vuoto"},
		{name: "blank body", contentType: ctJSON, body: " \n\t", wantCode: malformed, wantStatus: 400, detailHas: "vuoto"},
		{name: "null", contentType: ctJSON, body: "null", wantCode: malformed, wantStatus: 400},
		{name: "array", contentType: ctJSON, body: `[{"subject":"a"}]`, wantCode: malformed, wantStatus: 400, detailHas: "oggetto JSON"},
		{name: "empty array", contentType: ctJSON, body: `[]`, wantCode: malformed, wantStatus: 400, detailHas: "oggetto JSON"},
		{name: "string", contentType: ctJSON, body: `"testo"`, wantCode: malformed, wantStatus: 400, detailHas: "oggetto JSON"},
		{name: "number", contentType: ctJSON, body: `42`, wantCode: malformed, wantStatus: 400, detailHas: "oggetto JSON"},
		{name: "two objects", contentType: ctJSON, body: `{"subject":"a"}{"subject":"b"}`, wantCode: malformed, wantStatus: 400, detailHas: "un solo oggetto"},
		{name: "object then number", contentType: ctJSON, body: `{"subject":"a"} 1`, wantCode: malformed, wantStatus: 400, detailHas: "un solo oggetto"},
		{name: "trailing garbage", contentType: ctJSON, body: `{"subject":"a"} x`, wantCode: malformed, wantStatus: 400, detailHas: "non è un JSON valido"},
		{name: "trailing comma", contentType: ctJSON, body: `{"subject":"a"},`, wantCode: malformed, wantStatus: 400, detailHas: "non è un JSON valido"},
		{name: "trailing bracket", contentType: ctJSON, body: `{"subject":"a"}]`, wantCode: malformed, wantStatus: 400, detailHas: "non è un JSON valido"},
		{name: "truncated", contentType: ctJSON, body: `{"subject":"a"`, wantCode: malformed, wantStatus: 400, detailHas: "incompleto"},
		{name: "unquoted key", contentType: ctJSON, body: `{subject:"a"}`, wantCode: malformed, wantStatus: 400, detailHas: "non è un JSON valido"},

		{name: "unknown field", contentType: ctJSON, body: `{"subject":"a","colore":"blu"}`, wantCode: malformed, wantStatus: 400,
			wantField: "colore", wantFieldCode: "unknown_field", detailHas: "«colore»"},
		{name: "unknown field with escapes", contentType: ctJSON, body: `{"a\"\n":1}`, wantCode: malformed, wantStatus: 400,
			wantField: "a\"\n", wantFieldCode: "unknown_field"},
		{name: "unknown nested field", contentType: ctJSON, target: pratica, body: `{"bodies":[{"bodyId":"a","extra":1}]}`, wantCode: malformed, wantStatus: 400,
			wantField: "extra", wantFieldCode: "unknown_field", detailHas: "«extra»"},
		{name: "wrong type string", contentType: ctJSON, body: `{"subject":42}`, wantCode: malformed, wantStatus: 400,
			wantField: "subject", wantFieldCode: "invalid_type", detailHas: "«subject»"},
		{name: "wrong type int", contentType: ctJSON, target: newRequest, body: `{"durationMinutes":"60"}`, wantCode: malformed, wantStatus: 400,
			wantField: "durationMinutes", wantFieldCode: "invalid_type", detailHas: "«durationMinutes»"},
		{name: "wrong type fraction for int", contentType: ctJSON, target: newRequest, body: `{"durationMinutes":60.5}`, wantCode: malformed, wantStatus: 400,
			wantField: "durationMinutes", wantFieldCode: "invalid_type"},
		{name: "wrong type bool", contentType: ctJSON, target: newRequest, body: `{"recording":"sì"}`, wantCode: malformed, wantStatus: 400,
			wantField: "recording", wantFieldCode: "invalid_type"},
		{name: "wrong type nested", contentType: ctJSON, target: pratica, body: `{"bodies":[{"bodyId":1}]}`, wantCode: malformed, wantStatus: 400,
			wantField: "bodies[0].bodyId", wantFieldCode: "invalid_type", detailHas: "«bodies[0].bodyId»"},
		{name: "wrong type array", contentType: ctJSON, target: cdsCheck, body: `{"bodies":{"bodyId":"a"}}`, wantCode: malformed, wantStatus: 400,
			wantField: "bodies", wantFieldCode: "invalid_type"},

		{name: "exactly 64 KiB", contentType: ctJSON, body: objectOfSize(httpapi.MaxBody)},
		{name: "64 KiB + 1", contentType: ctJSON, body: objectOfSize(httpapi.MaxBody + 1), wantCode: tooLarge, wantStatus: 413, detailHas: "64 KiB"},
		{name: "small object, padding past 64 KiB", contentType: ctJSON, body: `{"subject":"a"}` + strings.Repeat(" ", httpapi.MaxBody), wantCode: tooLarge, wantStatus: 413},
		{name: "text/plain", contentType: "text/plain", body: `{"subject":"a"}`, wantCode: unsupMedia, wantStatus: 415},
		{name: "form", contentType: "application/x-www-form-urlencoded", body: `subject=a`, wantCode: unsupMedia, wantStatus: 415},
		{name: "unparsable content type", contentType: "application/json; charset", body: `{"subject":"a"}`, wantCode: unsupMedia, wantStatus: 415},
		{name: "json suffix alone", contentType: "application/jsonx", body: `{"subject":"a"}`, wantCode: unsupMedia, wantStatus: 415},

		{name: "start with offset", contentType: ctJSON, target: newRequest, body: `{"start":"2026-03-11T10:00:00+01:00","durationMinutes":60,"subject":"CDS"}`,
			check: wantStart(time.Date(2026, 3, 11, 10, 0, 0, 0, clock.Rome))},
		{name: "start UTC", contentType: ctJSON, target: newRequest, body: `{"start":"2026-03-11T09:00:00Z","durationMinutes":60,"subject":"CDS"}`,
			check: wantStart(time.Date(2026, 3, 11, 10, 0, 0, 0, clock.Rome))},
		{name: "start summer offset", contentType: ctJSON, target: newRequest, body: `{"start":"2026-07-01T10:00:00+02:00","durationMinutes":60,"subject":"CDS"}`,
			check: wantStart(time.Date(2026, 7, 1, 10, 0, 0, 0, clock.Rome))},
	}
	for _, s := range []string{
		`"2026-03-11"`, `"11-03-2026 10:00"`, `"2026-03-11T10:00:00"`, `12345`,
		`"2026-03-11 10:00:00+01:00"`, `"2026-03-11T10:00:00+0100"`, `"2026-02-30T10:00:00+01:00"`,
		`"2026-03-11T25:00:00+01:00"`, `true`, `{}`, `["2026-03-11T10:00:00+01:00"]`,
	} {
		cases = append(cases, decodeCase{name: "start " + s, contentType: ctJSON, target: newRequest,
			body: `{"start":` + s + `,"durationMinutes":60,"subject":"CDS"}`, wantCode: badDate, wantStatus: 422, detailHas: "RFC 3339"})
	}
	// Strict input (#14): UTF-8 only, exact keys, no duplicates, required
	// fields present, dates in the window.
	cases = append(cases, []decodeCase{
		{name: "invalid UTF-8 in a value", contentType: ctJSON, body: "{\"subject\":\"a\xff\xfeb\"}", wantCode: "invalid_encoding", wantStatus: 400,
			wantField: "subject", wantFieldCode: "invalid_encoding", detailHas: "UTF-8"},
		{name: "invalid UTF-8 in a nested value", contentType: ctJSON, target: cdsCheck, body: "{\"bodies\":[{\"bodyId\":\"a\",\"officeId\":\"b\",\"name\":\"\xc3\"}]}",
			wantCode: "invalid_encoding", wantStatus: 400, wantField: "bodies[0].name", wantFieldCode: "invalid_encoding"},
		{name: "invalid UTF-8 in a key", contentType: ctJSON, body: "{\"sub\xffject\":\"a\"}", wantCode: "invalid_encoding", wantStatus: 400, detailHas: "UTF-8"},
		{name: "invalid UTF-8 between values", contentType: ctJSON, body: "{\"subject\":\"a\"}\xff", wantCode: "invalid_encoding", wantStatus: 400},
		{name: "lone high surrogate", contentType: ctJSON, body: `{"subject":"a\ud800b"}`, wantCode: "invalid_encoding", wantStatus: 400,
			wantField: "subject", wantFieldCode: "invalid_encoding"},
		{name: "lone low surrogate", contentType: ctJSON, body: `{"subject":"a\udc00"}`, wantCode: "invalid_encoding", wantStatus: 400},
		{name: "reversed surrogates", contentType: ctJSON, body: `{"subject":"\ude00\ud83d"}`, wantCode: "invalid_encoding", wantStatus: 400},
		{name: "surrogate pair", contentType: ctJSON, body: `{"subject":"a\ud83d\ude00"}`, check: func(t *testing.T, v any) {
			if got := v.(*api.MessageBody).Subject; got != "a😀" {
				t.Fatalf("subject = %q", got)
			}
		}},
		{name: "upper case keys", contentType: ctJSON, target: newRequest,
			body: `{"START":"2026-03-11T10:00:00+01:00","DURATIONMINUTES":60,"SUBJECT":"CDS"}`, wantCode: malformed, wantStatus: 400,
			wantField: "START", wantFieldCode: "unknown_field", detailHas: "«START»"},
		{name: "case variant of a key", contentType: ctJSON, body: `{"subject":"a","Subject":"b"}`, wantCode: malformed, wantStatus: 400,
			wantField: "Subject", wantFieldCode: "unknown_field"},
		{name: "duplicate key", contentType: ctJSON, body: `{"subject":"a","subject":"b"}`, wantCode: "duplicate_field", wantStatus: 400,
			wantField: "subject", wantFieldCode: "duplicate_field", detailHas: "«subject»"},
		{name: "duplicate key, escaped", contentType: ctJSON, body: `{"subject":"a","\u0073ubject":"b"}`, wantCode: "duplicate_field", wantStatus: 400,
			wantField: "subject", wantFieldCode: "duplicate_field"},
		{name: "duplicate nested key", contentType: ctJSON, target: cdsCheck, body: `{"bodies":[{"bodyId":"a","officeId":"b","officeId":"c"}]}`,
			wantCode: "duplicate_field", wantStatus: 400, wantField: "bodies[0].officeId", wantFieldCode: "duplicate_field", detailHas: "«officeId»"},
		{name: "duplicate unknown key", contentType: ctJSON, body: `{"subject":"a","x":1,"x":2}`, wantCode: "duplicate_field", wantStatus: 400},

		{name: "pratica without bodies", contentType: ctJSON, target: pratica,
			body: `{"number":"SUAP/2026/1","officeId":"suap-cs","procedureType":"ORDINARIO"}`, wantCode: "invalid_input", wantStatus: 422,
			wantField: "bodies", wantFieldCode: "required", detailHas: "«bodies»"},
		{name: "pratica with null bodies", contentType: ctJSON, target: pratica,
			body: `{"number":"SUAP/2026/1","officeId":"suap-cs","procedureType":"ORDINARIO","bodies":null}`, wantCode: "invalid_input", wantStatus: 422,
			wantField: "bodies", wantFieldCode: "required"},
		{name: "pratica with a body without officeId", contentType: ctJSON, target: pratica,
			body: `{"number":"SUAP/2026/1","officeId":"suap-cs","procedureType":"ORDINARIO","bodies":[{"bodyId":"asp"}]}`, wantCode: "invalid_input", wantStatus: 422,
			wantField: "bodies[0].officeId", wantFieldCode: "required"},
		{name: "pratica with empty bodies", contentType: ctJSON, target: pratica,
			body: `{"number":"SUAP/2026/1","officeId":"suap-cs","procedureType":"ORDINARIO","bodies":[]}`},
		{name: "cds check without bodies", contentType: ctJSON, target: cdsCheck, body: `{}`, wantCode: "invalid_input", wantStatus: 422,
			wantField: "bodies", wantFieldCode: "required"},
		{name: "room without active", contentType: ctJSON, target: room, body: `{"name":"Sala 1","defaultLink":""}`, wantCode: "invalid_input", wantStatus: 422,
			wantField: "active", wantFieldCode: "required"},
		{name: "room without defaultLink", contentType: ctJSON, target: room, body: `{"name":"Sala 1","active":true}`, wantCode: "invalid_input", wantStatus: 422,
			wantField: "defaultLink", wantFieldCode: "required"},
		{name: "room with active false", contentType: ctJSON, target: room, body: `{"name":"Sala 1","defaultLink":"","active":false}`},
		{name: "request with null subject", contentType: ctJSON, target: newRequest,
			body: `{"start":"2026-03-11T10:00:00+01:00","durationMinutes":60,"subject":null}`, wantCode: "invalid_input", wantStatus: 422,
			wantField: "subject", wantFieldCode: "required"},
		{name: "message without optional body", contentType: ctJSON, body: `{"subject":"a","body":null}`},

		{name: "conference date far ahead", contentType: ctJSON, target: conference,
			body: `{"type":"preliminare","startDate":"9999-12-31"}`, wantCode: "date_out_of_range", wantStatus: 422,
			wantField: "startDate", wantFieldCode: "date_out_of_range", detailHas: "31-12-2100"},
		{name: "conference application date of year 0", contentType: ctJSON, target: conference,
			body: `{"type":"preliminare","startDate":"2026-03-09","applicationDate":"0000-01-01"}`, wantCode: "date_out_of_range", wantStatus: 422,
			wantField: "applicationDate", wantFieldCode: "date_out_of_range"},
		{name: "conference dates at the window's edges", contentType: ctJSON, target: conference,
			body: `{"type":"preliminare","startDate":"2100-12-31","applicationDate":"2000-01-01"}`},
		{name: "closure date before 2000", contentType: ctJSON, target: closure,
			body: `{"outcome":"positivo","endDate":"1999-12-31"}`, wantCode: "date_out_of_range", wantStatus: 422, wantField: "endDate", wantFieldCode: "date_out_of_range"},
	}...)
	// Dates and instants lie from 2000-01-01 to 2100-12-31 (in Rome).
	for _, s := range []string{`"1999-12-31T22:59:59Z"`, `"2101-01-01T00:00:00+01:00"`, `"3000-01-01T10:00:00+01:00"`, `"0001-01-01T00:00:00Z"`} {
		cases = append(cases, decodeCase{name: "start out of range " + s, contentType: ctJSON, target: newRequest,
			body: `{"start":` + s + `,"durationMinutes":60,"subject":"CDS"}`, wantCode: "date_out_of_range", wantStatus: 422,
			wantField: "start", wantFieldCode: "date_out_of_range", detailHas: "01-01-2000"})
	}
	for _, s := range []string{`"1999-12-31T23:00:00Z"`, `"2100-12-31T22:59:59Z"`} {
		cases = append(cases, decodeCase{name: "start at the window's edge " + s, contentType: ctJSON, target: newRequest,
			body: `{"start":` + s + `,"durationMinutes":60,"subject":"CDS"}`})
	}
	return cases
}

func TestDecode(t *testing.T) {
	for _, tc := range decodeCases() {
		t.Run(tc.name, func(t *testing.T) {
			target := message
			if tc.target != nil {
				target = tc.target
			}
			v := target()
			rec := httptest.NewRecorder()
			r := jsonRequest(tc.contentType, tc.body)
			err := httpapi.Decode(rec, r, v)
			if tc.wantCode == "" {
				if err != nil {
					t.Fatalf("Decode(%.80q) = %v, want success", tc.body, err)
				}
				if tc.check != nil {
					tc.check(t, v)
				}
				return
			}
			if err == nil {
				t.Fatalf("Decode(%.80q) succeeded (%+v), want %s", tc.body, v, tc.wantCode)
			}
			de := checkDomainError(t, err)
			if de.Code != tc.wantCode {
				t.Fatalf("code = %q (%v), want %q", de.Code, err, tc.wantCode)
			}
			if !strings.Contains(de.Detail, tc.detailHas) {
				t.Fatalf("detail %q does not contain %q", de.Detail, tc.detailHas)
			}
			if tc.wantField != "" {
				if len(de.Fields) == 0 || de.Fields[0].Field != tc.wantField || de.Fields[0].Code != tc.wantFieldCode {
					t.Fatalf("fields = %+v, want [0] = %s/%s", de.Fields, tc.wantField, tc.wantFieldCode)
				}
			}
			checkProblem(t, r, err, tc.wantStatus, tc.wantCode, de.Detail)
		})
	}
}

// checkProblem asserts WriteError's answer to err.
func checkProblem(t *testing.T, r *http.Request, err error, status int, code, detail string) {
	t.Helper()
	rec := httptest.NewRecorder()
	httpapi.WriteError(rec, r, err)
	if rec.Code != status {
		t.Fatalf("WriteError status = %d, want %d", rec.Code, status)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("WriteError Content-Type = %q", ct)
	}
	var p httpapi.Problem
	dec := json.NewDecoder(rec.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("problem body: %v", err)
	}
	if p.Status != status || p.Code != code || p.Detail != detail || p.Type != httpapi.ProblemTypeBase+code || p.Title == "" {
		t.Fatalf("problem = %+v, want status %d code %q detail %q", p, status, code, detail)
	}
	checkItalian(t, p.Title)
}

// TestDecodeBodyTooLargeStatus checks that the limit holds whatever the body
// is made of, not only for strings.
func TestDecodeBodyTooLargeStatus(t *testing.T) {
	body := `{"bodies":[` + strings.Repeat(`{"bodyId":"a","officeId":"b"},`, httpapi.MaxBody/29) + `{"bodyId":"a","officeId":"b"}]}`
	r := jsonRequest(ctJSON, body)
	err := httpapi.Decode(httptest.NewRecorder(), r, new(api.PraticaBody))
	if !errors.Is(err, httpapi.ErrBodyTooLarge) {
		t.Fatalf("Decode(%d bytes) = %v, want body_too_large", len(body), err)
	}
	checkProblem(t, r, err, http.StatusRequestEntityTooLarge, tooLarge, httpapi.ErrBodyTooLarge.Detail)
}

// TestDecodeEmptyStart documents what an empty start string does: it is a
// malformed date (422 invalid_datetime, no field named), not the "required"
// error an absent or null start gets from the domain.
func TestDecodeEmptyStart(t *testing.T) {
	// An empty start reads as an absent one: the required field.
	var b api.NewRequestBody
	de := checkDomainError(t, httpapi.DecodeJSON(strings.NewReader(`{"start":"","durationMinutes":60,"subject":"a"}`), &b))
	if de.Code != "invalid_input" || len(de.Fields) != 1 || de.Fields[0].Field != "start" || de.Fields[0].Code != "required" {
		t.Fatalf("err = %+v: want start required", de)
	}
	// A malformed one names the field for the form.
	err := httpapi.DecodeJSON(strings.NewReader(`{"start":"domani"}`), &b)
	de = checkDomainError(t, err)
	if !errors.Is(err, api.ErrInvalidDateTime) || len(de.Fields) != 1 || de.Fields[0].Field != "start" {
		t.Fatalf("err = %+v, want invalid_datetime on start", de)
	}
	if status := httpapi.StatusOf(de); status != http.StatusUnprocessableEntity {
		t.Fatalf("status = %d, want 422", status)
	}
}

// fuzzDecoder checks DecodeJSON into a T: it never panics; it fails only
// with a *domain.Error with a code and an Italian detail; what it accepts
// encodes to JSON that it accepts again, and that encoding is stable.
func fuzzDecoder[T any](f *testing.F, seeds ...string) {
	f.Add([]byte(""))
	f.Add([]byte("null"))
	f.Add([]byte("{}"))
	f.Add([]byte("[]"))
	f.Add([]byte(`{}{}`))
	f.Add([]byte(`{"x":1}`))
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v T
		err := httpapi.DecodeJSON(bytes.NewReader(data), &v)
		if err != nil {
			de := checkDomainError(t, err)
			switch de.Code {
			case malformed, badDate, "invalid_date", "invalid_input", "invalid_encoding", "duplicate_field", "date_out_of_range":
			default:
				t.Fatalf("unexpected code %q for %q", de.Code, data)
			}
			return
		}
		// Strict input: what is accepted is UTF-8 and spells only the
		// type's own keys, exactly.
		if !utf8.Valid(data) {
			t.Fatalf("%q is not UTF-8, and was accepted", data)
		}
		var top map[string]json.RawMessage
		if err := json.Unmarshal(data, &top); err != nil {
			t.Fatalf("%q accepted, not an object: %v", data, err)
		}
		for k := range top {
			if !slices.Contains(jsonNames(reflect.TypeFor[T]()), k) {
				t.Fatalf("%q accepted with the key %q, not one of %v", data, k, jsonNames(reflect.TypeFor[T]()))
			}
		}
		enc, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%q decoded to %+v, which does not encode: %v", data, v, err)
		}
		var w T
		if err := httpapi.DecodeJSON(bytes.NewReader(enc), &w); err != nil {
			t.Fatalf("%q decoded and re-encoded as %s, which does not decode: %v", data, enc, err)
		}
		enc2, err := json.Marshal(w)
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("unstable round trip of %q: %s then %s (%v)", data, enc, enc2, err)
		}
	})
}

// jsonNames are the JSON names of t's fields.
func jsonNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		names = append(names, name)
	}
	return names
}

func FuzzDecodePraticaBody(f *testing.F) {
	fuzzDecoder[api.PraticaBody](f,
		`{"number":"SUAP/2026/1","officeId":"suap-cs","procedureType":"ORDINARIO","bodies":[{"bodyId":"asp","officeId":"asp-cs","name":"ASP"}]}`,
		`{"number":"x","bodies":null}`,
		`{"bodies":[{"bodyId":1}]}`,
		`{"bodies":[{"bodyId":"a","extra":1}]}`,
		`{"number":"\u00e8\ud800<>&"}`,
	)
}

func FuzzDecodeNewRequestBody(f *testing.F) {
	fuzzDecoder[api.NewRequestBody](f,
		`{"start":"2026-03-11T10:00:00+01:00","durationMinutes":60,"email":"a@b.it","subject":"CDS","recording":true,"recordingConsent":true}`,
		`{"start":"2026-03-11T09:00:00Z"}`,
		`{"start":"2026-03-11T10:00:00.123456789+01:00"}`,
		`{"start":"2026-03-11"}`,
		`{"start":12345}`,
		`{"start":""}`,
		`{"durationMinutes":1e3}`,
	)
}

func FuzzDecodeVerificationsBody(f *testing.F) {
	fuzzDecoder[api.VerificationsBody](f,
		`{"bodies":[{"bodyId":"a","officeId":"b"}],"reason":"Nessuna CDS"}`,
		`{"bodies":[],"reason":""}`,
		`{"reason":1}`,
	)
}

func FuzzDecodeMessageBody(f *testing.F) {
	fuzzDecoder[api.MessageBody](f,
		`{"subject":"Convocazione","body":"Testo è «ok»"}`,
		`{"subject":"a"} x`,
		`{"subject":"a","colore":"blu"}`,
		`{"subject":"\"\\\n"}`,
	)
}

func FuzzDecodeCDSCheckBody(f *testing.F) {
	fuzzDecoder[api.CDSCheckBody](f,
		`{"bodies":[{"bodyId":"a","officeId":"b"},{"bodyId":"c","officeId":"d","name":"E"}]}`,
		`{"bodies":{}}`,
		`{"bodies":[1]}`,
	)
}

// TestDecodeNamesBadDates: a date that is not an existing yyyy-mm-dd day is
// a 422 invalid_date naming every such field, not an anonymous 400.
func TestDecodeNamesBadDates(t *testing.T) {
	for _, c := range []struct {
		body   string
		fields string
	}{
		{`{"type":"preliminare","startDate":"2026-02-31"}`, "startDate"},
		{`{"type":"preliminare","startDate":"11-03-2026","applicationDate":"2026-13-01"}`, "applicationDate,startDate"},
	} {
		var b api.NewConferenceBody
		de := checkDomainError(t, httpapi.DecodeJSON(strings.NewReader(c.body), &b))
		var got []string
		for _, f := range de.Fields {
			if f.Code != "invalid_date" || !strings.Contains(f.Detail, "aaaa-mm-gg") {
				t.Errorf("%s: field error %+v", c.body, f)
			}
			got = append(got, f.Field)
		}
		sort.Strings(got)
		if de.Code != "invalid_date" || strings.Join(got, ",") != c.fields || httpapi.StatusOf(de) != http.StatusUnprocessableEntity {
			t.Errorf("%s: %s %v (%d), want invalid_date on %s", c.body, de.Code, got, httpapi.StatusOf(de), c.fields)
		}
	}
	var b api.CloseConferenceBody
	de := checkDomainError(t, httpapi.DecodeJSON(strings.NewReader(`{"outcome":"positivo","endDate":"2026-02-29"}`), &b))
	if de.Code != "invalid_date" || len(de.Fields) != 1 || de.Fields[0].Field != "endDate" {
		t.Errorf("29 February 2026: %+v", de)
	}
	// A number where a date goes is still a type error.
	de = checkDomainError(t, httpapi.DecodeJSON(strings.NewReader(`{"outcome":"positivo","endDate":20260311}`), &b))
	if de.Code != malformed {
		t.Errorf("a number as date: %+v", de)
	}
}

// The conferences' bodies: dates (invalid_date), instants, lists.
func FuzzDecodeNewConferenceBody(f *testing.F) {
	fuzzDecoder[api.NewConferenceBody](f,
		`{"type":"simultanea_sincrona","sensitiveInterests":true,"applicationDate":"2026-03-02","startDate":"2026-03-09"}`,
		`{"type":"preliminare","startDate":"2026-02-31"}`,
		`{"startDate":"2026-3-9"}`,
		`{"startDate":null,"applicationDate":null}`,
		`{"startDate":"0000-01-01"}`,
	)
}

func FuzzDecodeCloseConferenceBody(f *testing.F) {
	fuzzDecoder[api.CloseConferenceBody](f,
		`{"outcome":"positivo_con_prescrizioni","endDate":"2027-03-12","closingFileKey":"conferences/p/c/f"}`,
		`{"outcome":"negativo","endDate":"2026-02-29"}`,
		`{"endDate":"9999-12-31"}`,
	)
}

func FuzzDecodeConveneBody(f *testing.F) {
	fuzzDecoder[api.ConveneBody](f,
		`{"start":"2027-03-11T10:00:00+01:00","place":"Sala","convocationFileKey":"conferences/p/c/f","bodyIds":["vvf-rc","asp-rc"]}`,
		`{"start":"2027-03-11","bodyIds":[1]}`,
		`{"bodyIds":null}`,
	)
}

func FuzzDecodeSessionStateBody(f *testing.F) {
	fuzzDecoder[api.SessionStateBody](f,
		`{"state":"SVOLTA","closingFileKey":"conferences/p/c/v"}`,
		`{"state":"ANNULLATA"}`,
	)
}
