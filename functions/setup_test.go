// Package functions_test drives the API functions' handlers the way
// production does (API Gateway v2 events through the Lambda adapter) against
// DynamoDB Local, validating every response against the OpenAPI document.
package functions_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	bookings "suapcds/functions/bookings"
	managerfn "suapcds/functions/manager"
	"suapcds/functions/pratiche"
	"suapcds/shared/app"
	"suapcds/shared/clock"
	"suapcds/shared/domain"
	"suapcds/shared/httpapi/apitest"
	"suapcds/shared/recording/s3test"
	"suapcds/shared/signedlink"
	"suapcds/shared/store"
	"suapcds/shared/store/dynamo/dynamotest"
	"suapcds/shared/store/testbackend"
	"suapcds/shared/workdays"
)

// countingBackend counts committed transactions: a refused request must
// leave the count where it was (no item, no history, no outbox).
type countingBackend struct {
	store.Backend
	commits atomic.Int64
}

func (c *countingBackend) Transact(ctx context.Context, w []store.Write) error {
	err := c.Backend.Transact(ctx, w)
	if err == nil {
		c.commits.Add(1)
	}
	return err
}

// Principals of the fixtures.
var (
	suapAfrico = domain.Principal{UserID: "u-rossi", Name: "Maria Rossi", Role: domain.RoleSuapOperator,
		OfficeID: "suap-africo", Unit: "Suap Comune Africo"}
	suapBianco = domain.Principal{UserID: "u-verdi", Name: "Carla Verdi", Role: domain.RoleSuapOperator,
		OfficeID: "suap-bianco", Unit: "Suap Comune Bianco"}
	basinLocride = domain.Principal{UserID: "u-neri", Name: "Paolo Neri", Role: domain.RoleBasinOperator,
		BasinID: "bacino-locride", Unit: "Bacino Locride"}
	manager = domain.Principal{UserID: "g-bianchi", Name: "Luca Bianchi", Role: domain.RoleManager, Unit: "Servizio regionale"}
	admin   = domain.Principal{UserID: "a-root", Name: "Amministratore", Role: domain.RoleAdmin}
)

type env struct {
	t       *testing.T
	ctx     context.Context
	clock   *clock.Fixed
	backend *countingBackend
	store   *store.Repo
	handler http.Handler
	links   *signedlink.Signer
	api     *apitest.Client
	seq     int
	// s3 and bucket are the conferences' files (MinIO).
	s3     *s3.Client
	bucket string
	// functions are the handlers handler routes to, each as its Lambda
	// serves every request API Gateway sends it.
	functions []http.Handler
}

// use points the env at subtest t: failures are reported on it.
func (e *env) use(t *testing.T) {
	e.t = t
	e.api = apitest.New(t, e.handler)
}

// monday is Monday 9 March 2026, 10:00 in Rome.
var monday = time.Date(2026, time.March, 9, 10, 0, 0, 0, clock.Rome)

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvOn(t, testbackend.New(t))
}

// backends are the store's two backends, for the tests that must hold on
// both: DynamoDB (Local) and the embedded store of the local run.
var backends = map[string]func(t *testing.T) store.Backend{
	"dynamodb": func(t *testing.T) store.Backend { return dynamotest.Backend(t) },
	"embedded": func(t *testing.T) store.Backend { return testbackend.Embedded(t) },
}

// newEnvOn is newEnv on the given backend.
func newEnvOn(t *testing.T, backend store.Backend) *env {
	t.Helper()
	b := &countingBackend{Backend: backend}
	st, err := store.New(b, store.Options{CursorKey: []byte("functions-test-cursor-key")})
	if err != nil {
		t.Fatal(err)
	}
	c := clock.NewFixed(monday)
	s3c, bucket := s3test.Bucket(t)
	links, err := signedlink.New([]byte("functions-test-link-key-0123456789abcdef"), 0)
	if err != nil {
		t.Fatal(err)
	}
	// The functions' Deps as their mains fill them, on DynamoDB Local (or
	// the embedded store) and MinIO.
	a := app.Deps{Store: st, Clock: c, Logger: slog.New(slog.DiscardHandler), LeadDays: 2,
		Files: s3test.Files(t, bucket), FileMaxBytes: 1 << 20}
	top := http.NewServeMux()
	cd, err := pratiche.New(pratiche.Deps{App: a})
	if err != nil {
		t.Fatal(err)
	}
	bk, err := bookings.New(bookings.Deps{App: a})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pratiche.Routes {
		top.Handle(p, cd)
	}
	for _, p := range bookings.Routes {
		top.Handle(p, bk)
	}
	mg, err := managerfn.New(managerfn.Deps{App: a, Links: links})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range append(append([]string{}, managerfn.Routes...), managerfn.PageRoutes...) {
		top.Handle(p, mg)
	}
	e := &env{t: t, ctx: context.Background(), clock: c, backend: b, store: st, handler: top, links: links, api: apitest.New(t, top),
		s3: s3c, bucket: bucket, functions: []http.Handler{cd, bk, mg}}
	for _, o := range []domain.Office{
		{ID: "suap-africo", Name: "Suap Comune Africo", BasinID: "bacino-locride", Email: "suap@comune.africo.rc.it", PEC: "suap.africo@pec.it"},
		{ID: "suap-bianco", Name: "Suap Comune Bianco", BasinID: "bacino-locride", Email: "suap@comune.bianco.rc.it",
			LocalHolidays: []workdays.LocalHoliday{{Month: time.March, Day: 10, Name: "Santo patrono"}}},
		{ID: "suap-acquaro", Name: "Suap Comune Acquaro", BasinID: "bacino-vibo", Email: "suap@comune.acquaro.vv.it"},
	} {
		if err := st.PutOffice(e.ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// Bodies of the fixture pratiche: two offices of the Comune (one body), the
// Vigili del Fuoco and the ASP.
var (
	comuneTecnico = map[string]string{"bodyId": "comune-africo", "officeId": "tecnico", "name": "Comune di Africo - Ufficio tecnico"}
	comunePM      = map[string]string{"bodyId": "comune-africo", "officeId": "polizia", "name": "Comune di Africo - Polizia municipale"}
	vvf           = map[string]string{"bodyId": "vvf", "officeId": "comando-rc", "name": "Vigili del Fuoco - Comando di Reggio Calabria"}
)

func ref(b map[string]string) map[string]string {
	return map[string]string{"bodyId": b["bodyId"], "officeId": b["officeId"]}
}

// pratica registers a pratica of office as who and returns its id.
func (e *env) pratica(who domain.Principal, office string, proc domain.ProcedureType) string {
	e.t.Helper()
	e.seq++
	id := office + "-p" + strconv.Itoa(e.seq)
	res := e.api.Do("PUT", "/pratiche/"+id, &who, map[string]any{
		"number": strconv.Itoa(400 + e.seq), "officeId": office, "procedureType": string(proc),
		"bodies": []map[string]string{comuneTecnico, comunePM, vvf},
	})
	if res.Status != http.StatusCreated {
		e.t.Fatalf("register pratica %s: %d %s", id, res.Status, res.Body)
	}
	return id
}

// booking is a valid booking body for a meeting at start.
func booking(start time.Time) map[string]any {
	return map[string]any{
		"start": start.Format(time.RFC3339), "durationMinutes": 120,
		"subject": "Richiesta disponibilità per videoconferenza", "recording": false,
	}
}

// request books a meeting on Wednesday 11 March 2026 for pratica id as who.
func (e *env) request(who domain.Principal, id string) string {
	e.t.Helper()
	res := e.api.Do("POST", "/pratiche/"+id+"/booking-requests", &who,
		booking(time.Date(2026, time.March, 11, 12, 0, 0, 0, clock.Rome)))
	if res.Status != http.StatusCreated {
		e.t.Fatalf("create request: %d %s", res.Status, res.Body)
	}
	var v struct{ ID string }
	res.JSON(e.t, &v)
	return v.ID
}

// raw sends a deliberately invalid body (the OpenAPI document would refuse
// it) as JSON, so the server's own validation is what answers.
func (e *env) raw(method, path string, who domain.Principal, body any) *apitest.Response {
	e.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.api.DoRaw(method, path, &who, map[string]string{"Content-Type": "application/json"}, b)
}

// refused asserts status and code, and that nothing was committed meanwhile.
func (e *env) refused(res *apitest.Response, before int64, status int, code string) {
	e.t.Helper()
	if res.Status != status {
		e.t.Fatalf("status %d, want %d: %s", res.Status, status, res.Body)
	}
	if code != "" {
		if p := res.Problem(e.t); p.Code != code {
			e.t.Errorf("code %q, want %q (%s)", p.Code, code, p.Detail)
		}
	}
	if after := e.backend.commits.Load(); after != before {
		e.t.Errorf("a refused request committed %d change(s)", after-before)
	}
}
