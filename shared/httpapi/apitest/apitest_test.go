package apitest_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"suapcds/shared/api"
	"suapcds/shared/domain"
	"suapcds/shared/httpapi"
	"suapcds/shared/httpapi/apitest"
)

// fakeTB records failures instead of failing the real test; Fatal* and
// FailNow end the goroutine, as they do on a real testing.T.
type fakeTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
	fatal  bool
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) record(msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, msg)
}

func (f *fakeTB) Error(args ...any)                 { f.record(fmt.Sprint(args...)) }
func (f *fakeTB) Errorf(format string, args ...any) { f.record(fmt.Sprintf(format, args...)) }
func (f *fakeTB) Fatal(args ...any)                 { f.record(fmt.Sprint(args...)); f.FailNow() }
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.record(fmt.Sprintf(format, args...))
	f.FailNow()
}
func (f *fakeTB) Fail() { f.record("Fail") }
func (f *fakeTB) FailNow() {
	f.mu.Lock()
	f.fatal = true
	f.mu.Unlock()
	runtime.Goexit()
}
func (f *fakeTB) Failed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.errors) > 0
}

// capture runs fn with a fake TB on its own goroutine and returns the fake.
func capture(t *testing.T, fn func(tb testing.TB)) *fakeTB {
	t.Helper()
	f := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	return f
}

func (f *fakeTB) joined() string { return strings.Join(f.errors, "\n") }

var operator = domain.Principal{UserID: "u-1", Name: "Maria Rossi", Role: domain.RoleSuapOperator,
	OfficeID: "suap-africo", Unit: "Suap Comune Africo"}

func validPratica(id string) api.PraticaView {
	return api.PraticaView{ID: id, Number: "123/2026", OfficeID: "suap-africo", ProcedureType: "ordinario",
		Bodies: []api.BodyRef{{BodyID: "comune", OfficeID: "tecnico", Name: "Comune - Ufficio tecnico"}}, Version: 1}
}

// mux serves GET /pratiche/{praticaId} with h behind the real Authenticate.
func mux(h httpapi.HandlerFunc) http.Handler {
	m := httpapi.NewMux(slog.New(slog.DiscardHandler))
	m.Handle("GET /pratiche/{praticaId}", h)
	return m
}

func TestConformingResponsePasses(t *testing.T) {
	h := mux(func(w http.ResponseWriter, r *http.Request, _ domain.Principal) error {
		httpapi.WriteJSON(w, http.StatusOK, validPratica(r.PathValue("praticaId")))
		return nil
	})
	var resp *apitest.Response
	f := capture(t, func(tb testing.TB) {
		resp = apitest.New(tb, h).Do("GET", "/pratiche/p-1", &operator, nil)
	})
	if f.Failed() {
		t.Fatalf("a conforming exchange failed the test:\n%s", f.joined())
	}
	var got api.PraticaView
	resp.JSON(t, &got)
	if resp.Status != http.StatusOK || got.ID != "p-1" {
		t.Errorf("got %d %+v", resp.Status, got)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
}

func TestCatchesResponseMissingRequiredField(t *testing.T) {
	h := mux(func(w http.ResponseWriter, r *http.Request, _ domain.Principal) error {
		v := map[string]any{}
		b, _ := json.Marshal(validPratica("p-1"))
		_ = json.Unmarshal(b, &v)
		delete(v, "number")
		httpapi.WriteJSON(w, http.StatusOK, v)
		return nil
	})
	f := capture(t, func(tb testing.TB) {
		apitest.New(tb, h).Do("GET", "/pratiche/p-1", &operator, nil)
	})
	msg := f.joined()
	if !f.Failed() || f.fatal {
		t.Fatalf("want one non-fatal failure, got fatal=%v:\n%s", f.fatal, msg)
	}
	for _, want := range []string{"getPratica", "GET /pratiche/p-1", `"number"`, `"id":"p-1"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("the failure does not mention %s:\n%s", want, msg)
		}
	}
}

func TestCatchesUndocumentedFieldStatusAndContentType(t *testing.T) {
	cases := map[string]httpapi.HandlerFunc{
		"extra field": func(w http.ResponseWriter, r *http.Request, _ domain.Principal) error {
			httpapi.WriteJSON(w, http.StatusOK, struct {
				api.PraticaView
				Secret string `json:"secret"`
			}{validPratica("p-1"), "x"})
			return nil
		},
		"wrong type": func(w http.ResponseWriter, r *http.Request, _ domain.Principal) error {
			v := map[string]any{}
			b, _ := json.Marshal(validPratica("p-1"))
			_ = json.Unmarshal(b, &v)
			v["version"] = "1"
			httpapi.WriteJSON(w, http.StatusOK, v)
			return nil
		},
		"undocumented status": func(w http.ResponseWriter, r *http.Request, _ domain.Principal) error {
			httpapi.WriteProblem(w, r, http.StatusConflict, domain.ErrConflict)
			return nil
		},
		"plain-text error": func(w http.ResponseWriter, r *http.Request, _ domain.Principal) error {
			http.Error(w, "not found", http.StatusNotFound)
			return nil
		},
		"problem status mismatch": func(w http.ResponseWriter, r *http.Request, _ domain.Principal) error {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusNotFound)
			_ = json.NewEncoder(w).Encode(httpapi.Problem{Type: httpapi.ProblemTypeBase + "not_found", Title: "Non trovato",
				Status: 400, Detail: "Elemento non trovato.", Code: "not_found"})
			return nil
		},
	}
	for name, hf := range cases {
		t.Run(name, func(t *testing.T) {
			f := capture(t, func(tb testing.TB) {
				apitest.New(tb, mux(hf)).Do("GET", "/pratiche/p-1", &operator, nil)
			})
			if !f.Failed() || !strings.Contains(f.joined(), "getPratica") {
				t.Errorf("not caught:\n%s", f.joined())
			}
		})
	}
}

func TestClaimsReachTheHandlerThroughTheAdapter(t *testing.T) {
	basin := domain.Principal{UserID: "u-2", Name: "Luca Bianchi", Role: domain.RoleBasinOperator,
		BasinID: "bacino-locride", Unit: "Bacino Locride"}
	for _, who := range []domain.Principal{operator, basin} {
		var got domain.Principal
		var rc struct{ routeKey, stage, requestID, path, query string }
		h := mux(func(w http.ResponseWriter, r *http.Request, p domain.Principal) error {
			got = p
			if ctxP, ok := httpapi.Principal(r.Context()); !ok || ctxP != p {
				t.Errorf("httpapi.Principal = %+v, %v; want %+v", ctxP, ok, p)
			}
			if c, ok := core.GetAPIGatewayV2ContextFromContext(r.Context()); ok {
				rc.routeKey, rc.stage, rc.requestID = c.RouteKey, c.Stage, c.RequestID
			}
			rc.path, rc.query = r.PathValue("praticaId"), r.URL.Query().Get("x")
			httpapi.WriteJSON(w, http.StatusOK, validPratica(r.PathValue("praticaId")))
			return nil
		})
		resp := apitest.New(t, h).Do("GET", "/pratiche/p-9?x=a%2Bb", &who, nil)
		if resp.Status != http.StatusOK {
			t.Fatalf("%s: status %d: %s", who.Role, resp.Status, resp.Body)
		}
		if got != who {
			t.Errorf("the handler got %+v, want %+v", got, who)
		}
		if rc.routeKey != "GET /pratiche/{praticaId}" || rc.stage != "$default" || rc.requestID == "" ||
			rc.path != "p-9" || rc.query != "a+b" {
			t.Errorf("request context %+v", rc)
		}
	}
}

func TestAnonymousIsUnauthenticated(t *testing.T) {
	called := false
	h := mux(func(w http.ResponseWriter, r *http.Request, _ domain.Principal) error {
		called = true
		return nil
	})
	resp := apitest.New(t, h).Do("GET", "/pratiche/p-1", nil, nil)
	p := resp.Problem(t)
	if resp.Status != http.StatusUnauthorized || p.Code != "unauthenticated" || called {
		t.Errorf("got %d %+v, handler called: %v", resp.Status, p, called)
	}
	// Claims the authorizer passed but that name no usable principal.
	resp = apitest.New(t, h).Do("GET", "/pratiche/p-1", &domain.Principal{UserID: "u-3", Role: "intruder"}, nil)
	if p := resp.Problem(t); p.Code != "unauthenticated" || called {
		t.Errorf("got %+v, handler called: %v", p, called)
	}
}

func TestInvalidRequestFailsDoButNotDoRaw(t *testing.T) {
	called := 0
	h := mux(func(w http.ResponseWriter, r *http.Request, _ domain.Principal) error {
		called++
		return domain.ErrNotFound
	})
	f := capture(t, func(tb testing.TB) {
		apitest.New(tb, h).Do("GET", "/pratiche/..bad", &operator, nil)
	})
	if !f.fatal || !strings.Contains(f.joined(), "request does not match") || called != 0 {
		t.Errorf("Do with an invalid path parameter: fatal=%v called=%d\n%s", f.fatal, called, f.joined())
	}
	f = capture(t, func(tb testing.TB) {
		apitest.New(tb, h).Do("DELETE", "/pratiche/p-1", &operator, nil)
	})
	if !f.fatal || !strings.Contains(f.joined(), "no operation") {
		t.Errorf("Do on an undocumented method: fatal=%v\n%s", f.fatal, f.joined())
	}

	c := apitest.New(t, h)
	resp := c.DoRaw("GET", "/pratiche/..bad", &operator, nil, nil)
	if p := resp.Problem(t); resp.Status != http.StatusNotFound || p.Code != "not_found" || called != 1 {
		t.Errorf("DoRaw: %d %+v (called %d)", resp.Status, p, called)
	}
	resp = c.DoRaw("GET", "/nowhere", &operator, nil, nil)
	if p := resp.Problem(t); resp.Status != http.StatusNotFound || p.Code != "route_not_found" {
		t.Errorf("DoRaw to an unknown path: %d %+v", resp.Status, p)
	}
	resp = c.DoRaw("DELETE", "/pratiche/p-1", &operator, nil, nil)
	if p := resp.Problem(t); resp.Status != http.StatusMethodNotAllowed || p.Code != "method_not_allowed" || resp.Header.Get("Allow") == "" {
		t.Errorf("DoRaw with an unknown method: %d %+v %v", resp.Status, p, resp.Header)
	}
}

func TestRequestBodies(t *testing.T) {
	m := httpapi.NewMux(slog.New(slog.DiscardHandler))
	var got api.MessageBody
	m.Handle("POST /booking-requests/{requestId}/messages", func(w http.ResponseWriter, r *http.Request, who domain.Principal) error {
		if err := httpapi.Decode(w, r, &got); err != nil {
			return err
		}
		httpapi.WriteJSON(w, http.StatusCreated, api.MessageView{Seq: 1, Sender: api.Person{ID: who.UserID, Name: who.Name, Role: string(who.Role)},
			Subject: got.Subject, Body: got.Body, StateAtSend: string(domain.StateOpen), StateAtSendLabel: domain.StateOpen.Label(),
			At: api.Instant{Time: time.Date(2026, 3, 9, 10, 20, 0, 0, time.UTC)}, AtLabel: "09-03-2026 11:20"})
		return nil
	})
	c := apitest.New(t, m)

	// A value is JSON-encoded.
	resp := c.Do("POST", "/booking-requests/r-1/messages", &operator, api.MessageBody{Subject: "Orario", Body: "Va bene alle 10?"})
	if resp.Status != http.StatusCreated || got.Body != "Va bene alle 10?" {
		t.Fatalf("%d %s", resp.Status, resp.Body)
	}
	// Raw bytes are sent as they are.
	resp = c.Do("POST", "/booking-requests/r-1/messages", &operator, []byte(`{"subject":"Conferma"}`))
	if resp.Status != http.StatusCreated || got.Subject != "Conferma" {
		t.Fatalf("%d %s", resp.Status, resp.Body)
	}
	// A body the document refuses fails Do...
	f := capture(t, func(tb testing.TB) {
		apitest.New(tb, m).Do("POST", "/booking-requests/r-1/messages", &operator, map[string]any{"subject": "x", "extra": 1})
	})
	if !f.fatal || !strings.Contains(f.joined(), "postBookingRequestMessage") {
		t.Errorf("an unknown field passed Do:\n%s", f.joined())
	}
	// ... and DoRaw sends it, with any headers.
	resp = c.DoRaw("POST", "/booking-requests/r-1/messages", &operator, nil, []byte(`{"subject":"x","extra":1}`))
	if p := resp.Problem(t); resp.Status != http.StatusBadRequest || p.Code != "malformed_request" {
		t.Errorf("unknown field: %d %+v", resp.Status, p)
	}
	resp = c.DoRaw("POST", "/booking-requests/r-1/messages", &operator, map[string]string{"Content-Type": "text/plain"}, []byte(`{"subject":"x"}`))
	if p := resp.Problem(t); resp.Status != http.StatusUnsupportedMediaType || p.Code != "unsupported_media_type" {
		t.Errorf("text/plain: %d %+v", resp.Status, p)
	}
	big := []byte(`{"subject":"x","body":"` + strings.Repeat("a", httpapi.MaxBody) + `"}`)
	resp = c.DoRaw("POST", "/booking-requests/r-1/messages", &operator, map[string]string{"Content-Type": "application/json"}, big)
	if p := resp.Problem(t); resp.Status != http.StatusRequestEntityTooLarge || p.Code != "body_too_large" {
		t.Errorf("too large: %d %+v", resp.Status, p)
	}
}

func TestClaims(t *testing.T) {
	got := apitest.Claims(operator)
	want := map[string]string{"sub": "u-1", "name": "Maria Rossi", "suap_role": "suap_operator",
		"suap_office": "suap-africo", "suap_unit": "Suap Comune Africo"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Claims = %v, want %v", got, want)
	}
	if p, ok := httpapi.PrincipalFromClaims(got); !ok || p != operator {
		t.Errorf("round trip: %+v %v", p, ok)
	}
}
