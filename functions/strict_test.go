package functions_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"suapcds/shared/api"
	"suapcds/shared/clock"
	"suapcds/shared/domain"
	"suapcds/shared/httpapi/apitest"
)

// send posts body, as is, with the JSON content type: bytes the OpenAPI
// harness would not send (invalid UTF-8, duplicate keys).
func (e *env) send(method, path string, who domain.Principal, body string) *apitest.Response {
	e.t.Helper()
	return e.api.DoRaw(method, path, &who, map[string]string{"Content-Type": "application/json"}, []byte(body))
}

// refusedField is refused that also wants errors[] to name field with fieldCode.
func (e *env) refusedField(res *apitest.Response, before int64, status int, code, field, fieldCode string) {
	e.t.Helper()
	e.refused(res, before, status, code)
	p := res.Problem(e.t)
	if !slices.ContainsFunc(p.Errors, func(f domain.FieldError) bool { return f.Field == field && f.Code == fieldCode }) {
		e.t.Errorf("%s: errors %+v do not name %s (%s)", code, p.Errors, field, fieldCode)
	}
}

// TestStrictInput (#14): "nothing lost, nothing forged". A body that lacks a
// required field, that is not UTF-8, that spells a key in another case or
// twice, that carries a date outside the window or an invisible character is
// refused with a problem naming the field, and nothing is written; on both
// backends of the store.
func TestStrictInput(t *testing.T) {
	t.Parallel()
	for name, backend := range backends {
		t.Run(name, func(t *testing.T) {
			e := newEnvOn(t, backend(t))
			e.rooms()
			id := e.pratica(suapAfrico, "suap-africo", domain.ProcOrdinario)
			pratica := "/pratiche/" + id
			before := e.backend.commits.Load()

			// 4. Required fields: absent or null is 422, and nothing is wiped.
			full := `"number":"401","officeId":"suap-africo","procedureType":"ordinario"`
			e.refusedField(e.send("PUT", pratica, suapAfrico, `{`+full+`}`), before, 422, "invalid_input", "bodies", "required")
			e.refusedField(e.send("PUT", pratica, suapAfrico, `{`+full+`,"bodies":null}`), before, 422, "invalid_input", "bodies", "required")
			e.refusedField(e.send("PUT", pratica, suapAfrico, `{`+full+`,"bodies":[{"bodyId":"vvf","name":"VVF"}]}`), before, 422,
				"invalid_input", "bodies[0].officeId", "required")
			var p api.PraticaView
			e.api.Do("GET", pratica, &suapAfrico, nil).JSON(t, &p)
			if len(p.Bodies) != 3 {
				t.Errorf("the pratica's bodies after refused PUTs: %+v", p.Bodies)
			}
			e.refusedField(e.send("PUT", "/rooms/sala-1", admin, `{"name":"Sala virtuale 1","defaultLink":""}`), before, 422,
				"invalid_input", "active", "required")
			e.refusedField(e.send("PUT", "/rooms/sala-1", admin, `{"name":"Sala virtuale 1","active":false}`), before, 422,
				"invalid_input", "defaultLink", "required")
			var rooms api.RoomList
			e.api.Do("GET", "/rooms", &admin, nil).JSON(t, &rooms)
			if len(rooms.Items) != 3 || !rooms.Items[0].Active || rooms.Items[0].DefaultLink == "" {
				t.Errorf("rooms after refused PUTs: %+v", rooms.Items)
			}
			e.refusedField(e.send("POST", pratica+"/cds-check", suapAfrico, `{}`), before, 422, "invalid_input", "bodies", "required")
			e.refusedField(e.send("POST", pratica+"/verifications", suapAfrico, `{"reason":"x"}`), before, 422, "invalid_input", "bodies", "required")
			e.refusedField(e.send("PUT", "/bodies/procura", admin, `{"name":"Procura","pec":"procura@pec.it"}`), before, 422,
				"invalid_input", "email", "required")

			// 5. UTF-8 only: invalid bytes and lone surrogates, in any field.
			start := time.Date(2026, time.March, 11, 12, 0, 0, 0, clock.Rome).Format(time.RFC3339)
			book := func(subject string) string {
				return `{"start":"` + start + `","durationMinutes":60,"subject":"` + subject + `"}`
			}
			for _, s := range []string{"a\xff\xfeb", `a\ud800`, `\udfff`} {
				e.refusedField(e.send("POST", pratica+"/booking-requests", suapAfrico, book(s)), before, 400, "invalid_encoding", "subject", "invalid_encoding")
			}
			e.refused(e.send("PUT", pratica, suapAfrico, `{`+full+`,"bodies":[{"bodyId":"vvf","officeId":"comando-rc","name":"Vigili `+"\xc3"+`"}]}`),
				before, 400, "invalid_encoding")
			e.refused(e.send("PUT", "/rooms/sala-1", admin, `{"name":"Sala \ud83d","defaultLink":"","active":true}`), before, 400, "invalid_encoding")

			// 6. Exact keys, no duplicates.
			e.refusedField(e.send("POST", pratica+"/booking-requests", suapAfrico,
				`{"START":"`+start+`","DURATIONMINUTES":60,"SUBJECT":"CDS"}`), before, 400, "malformed_request", "START", "unknown_field")
			e.refusedField(e.send("POST", pratica+"/booking-requests", suapAfrico,
				`{"start":"`+start+`","durationMinutes":60,"subject":"a","Subject":"b"}`), before, 400, "malformed_request", "Subject", "unknown_field")
			e.refusedField(e.send("POST", pratica+"/booking-requests", suapAfrico,
				`{"start":"`+start+`","durationMinutes":60,"subject":"a","subject":"b"}`), before, 400, "duplicate_field", "subject", "duplicate_field")
			e.refusedField(e.send("PUT", "/rooms/sala-1", admin, `{"name":"a","defaultLink":"","active":true,"active":false}`), before, 400,
				"duplicate_field", "active", "duplicate_field")

			// 7. Dates in the window, in bodies and query strings.
			conferences := pratica + "/conferences"
			e.refusedField(e.send("POST", conferences, suapAfrico, `{"type":"preliminare","startDate":"9999-12-31"}`), before, 422,
				"date_out_of_range", "startDate", "date_out_of_range")
			e.refusedField(e.send("POST", conferences, suapAfrico, `{"type":"preliminare","startDate":"2026-03-09","applicationDate":"0000-01-01"}`),
				before, 422, "date_out_of_range", "applicationDate", "date_out_of_range")
			e.refusedField(e.send("POST", pratica+"/booking-requests", suapAfrico,
				`{"start":"2101-01-01T10:00:00+01:00","durationMinutes":60,"subject":"CDS"}`), before, 422, "date_out_of_range", "start", "date_out_of_range")
			e.refusedField(e.api.DoRaw("GET", pratica+"/booking-requests/last-day?start=2101-01-01T10:00:00%2B01:00", &suapAfrico, nil, nil),
				before, 422, "date_out_of_range", "start", "date_out_of_range")
			e.refusedField(e.api.DoRaw("GET", "/booking-requests?from=1999-12-31", &manager, nil, nil),
				before, 422, "date_out_of_range", "from", "date_out_of_range")

			// 8c, 8d. Invisible characters, controls, credentials in links.
			e.refusedField(e.send("POST", pratica+"/booking-requests", suapAfrico, book(`Conferenza \u202eabc`)), before, 422,
				"invalid_input", "subject", "invalid_characters")
			e.refusedField(e.send("POST", pratica+"/booking-requests", suapAfrico, book(`Conferenza\u2028seconda riga`)), before, 422,
				"invalid_input", "subject", "control_characters")
			e.refusedField(e.send("PUT", "/rooms/sala-1", admin, `{"name":"Sala\u200b1","defaultLink":"","active":true}`), before, 422,
				"invalid_input", "name", "invalid_characters")
			e.refusedField(e.send("PUT", "/rooms/sala-1", admin, `{"name":"Sala 1","defaultLink":"https://user:pass@meet.regione.calabria.it/","active":true}`),
				before, 422, "invalid_input", "defaultLink", "invalid_link")
			req := e.request(suapAfrico, id)
			before = e.backend.commits.Load()
			e.refusedField(e.send("POST", "/booking-requests/"+req+"/messages", suapAfrico, `{"subject":"Nota","body":"riga\u001b[31m rossa"}`),
				before, 422, "invalid_input", "body", "control_characters")
			e.refusedField(e.send("POST", "/booking-requests/"+req+"/messages", suapAfrico, `{"subject":"Nota","body":"\ufeffciao"}`),
				before, 422, "invalid_input", "body", "invalid_characters")
			res := e.send("POST", "/booking-requests/"+req+"/messages", suapAfrico, `{"subject":"Nota","body":"riga 1\r\n\triga 2"}`)
			var m api.MessageView
			if res.Status != http.StatusCreated {
				t.Fatalf("a message on two lines: %d %s", res.Status, res.Body)
			}
			if res.JSON(t, &m); m.Body != "riga 1\n\triga 2" {
				t.Errorf("body %q, want \\r\\n read as \\n", m.Body)
			}
		})
	}
}

// TestWrongMethod (#14 8a): a method a path does not support is, from the
// function serving the path, 405 method_not_allowed with Allow listing the
// path's methods, as the OpenAPI document says; not HEAD, which no route
// has.
func TestWrongMethod(t *testing.T) {
	t.Parallel()
	e := newEnvOn(t, backends["embedded"](t))
	for path, allow := range map[string]string{
		"/pratiche/p1":                            "GET, PUT",
		"/pratiche/p1/cds-check":                  "POST",
		"/rooms/sala-1":                           "PUT",
		"/booking-requests/r1/messages":           "POST",
		"/pratiche/p1/booking-requests":           "GET, POST",
		"/pratiche/p1/conferences/c1/documents/x": "GET",
	} {
		served := 0
		for _, fn := range e.functions {
			res := apitest.New(t, fn).DoRaw("DELETE", path, &admin, nil, nil)
			if res.Status == http.StatusNotFound {
				continue // another function's path
			}
			served++
			if res.Status != http.StatusMethodNotAllowed || res.Problem(t).Code != "method_not_allowed" || res.Header.Get("Allow") != allow {
				t.Errorf("DELETE %s: %d %s, Allow %q, want 405 with Allow %q", path, res.Status, res.Body, res.Header.Get("Allow"), allow)
			}
		}
		if served != 1 {
			t.Errorf("%s is served by %d functions, want 1", path, served)
		}
	}
}
