package functions_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"suapcds/shared/clock"
	"suapcds/shared/domain"
)

// fixture is what one matrix cell acts on: a pratica with a live request,
// in the caller's own office (africo) or in another office and basin
// (acquaro, basin vibo).
type fixture struct {
	pratica, request string
	// fresh is a pratica with no request yet, for creating one.
	fresh string
	// conference and session are a conference of pratica and its
	// convened session.
	conference, session string
	// bare is a conference of pratica without sessions, which may be
	// concluded.
	bare string
}

func (e *env) fixture(office string) fixture {
	owner := suapAfrico
	if office == "suap-acquaro" {
		owner = domain.Principal{UserID: "u-gialli", Name: "Anna Gialli", Role: domain.RoleSuapOperator,
			OfficeID: office, Unit: "Suap Comune Acquaro"}
	}
	f := fixture{pratica: e.pratica(owner, office, domain.ProcOrdinario), fresh: e.pratica(owner, office, domain.ProcOrdinario)}
	f.request = e.request(owner, f.pratica)
	f.conference = e.conference(owner, f.pratica, map[string]any{"type": "simultanea_sincrona", "startDate": "2026-03-09"}).ID
	f.bare = e.conference(owner, f.pratica, map[string]any{"type": "decisoria_semplificata", "startDate": "2026-03-09"}).ID
	sessions := "/pratiche/" + f.pratica + "/conferences/" + f.conference + "/sessions"
	in := e.convene(sessions, wednesday, "vvf-rc")
	in["place"] = "Sala riunioni"
	res := e.api.Do("POST", sessions, &owner, in)
	if res.Status != http.StatusCreated {
		e.t.Fatalf("convene the fixture's session: %d %s", res.Status, res.Body)
	}
	var s struct{ ID string }
	res.JSON(e.t, &s)
	f.session = s.ID
	return f
}

// endpoint is one route of the API, as a call on a fixture.
type endpoint struct {
	name   string
	writes bool
	call   func(e *env, f fixture, who *domain.Principal) (status int, body []byte)
}

func do(e *env, method, path string, who *domain.Principal, body any) (int, []byte) {
	res := e.api.Do(method, path, who, body)
	return res.Status, res.Body
}

var wednesday = time.Date(2026, time.March, 11, 12, 0, 0, 0, clock.Rome)

var endpoints = []endpoint{
	{"PUT pratica", true, func(e *env, f fixture, who *domain.Principal) (int, []byte) {
		office := strings.SplitN(f.pratica, "-p", 2)[0]
		return do(e, "PUT", "/pratiche/"+f.pratica, who, map[string]any{"number": "999", "officeId": office,
			"procedureType": "ordinario", "bodies": []map[string]string{comuneTecnico, vvf}})
	}},
	{"GET pratica", false, func(e *env, f fixture, who *domain.Principal) (int, []byte) {
		return do(e, "GET", "/pratiche/"+f.pratica, who, nil)
	}},
	{"POST cds-check", false, func(e *env, f fixture, who *domain.Principal) (int, []byte) {
		return do(e, "POST", "/pratiche/"+f.pratica+"/cds-check", who,
			map[string]any{"bodies": []map[string]string{ref(comuneTecnico), ref(vvf)}})
	}},
	{"POST verifications", true, func(e *env, f fixture, who *domain.Principal) (int, []byte) {
		return do(e, "POST", "/pratiche/"+f.pratica+"/verifications", who,
			map[string]any{"bodies": []map[string]string{ref(comuneTecnico), ref(vvf)}, "reason": "Pareri acquisiti in altra sede"})
	}},
	{"GET history", false, func(e *env, f fixture, who *domain.Principal) (int, []byte) {
		return do(e, "GET", "/pratiche/"+f.pratica+"/history", who, nil)
	}},
	{"GET history export", false, func(e *env, f fixture, who *domain.Principal) (int, []byte) {
		return do(e, "GET", "/pratiche/"+f.pratica+"/history/export", who, nil)
	}},
	{"POST booking-request", true, func(e *env, f fixture, who *domain.Principal) (int, []byte) {
		return do(e, "POST", "/pratiche/"+f.fresh+"/booking-requests", who, booking(wednesday))
	}},
	{"GET pratica booking-requests", false, func(e *env, f fixture, who *domain.Principal) (int, []byte) {
		return do(e, "GET", "/pratiche/"+f.pratica+"/booking-requests", who, nil)
	}},
	{"GET last-day", false, func(e *env, f fixture, who *domain.Principal) (int, []byte) {
		return do(e, "GET", "/pratiche/"+f.pratica+"/booking-requests/last-day?start=2026-03-11T12:00:00%2B01:00", who, nil)
	}},
	{"GET communications", false, func(e *env, f fixture, who *domain.Principal) (int, []byte) {
		return do(e, "GET", "/pratiche/"+f.pratica+"/communications", who, nil)
	}},
	{"GET booking-request", false, func(e *env, f fixture, who *domain.Principal) (int, []byte) {
		return do(e, "GET", "/booking-requests/"+f.request, who, nil)
	}},
	{"POST message", true, func(e *env, f fixture, who *domain.Principal) (int, []byte) {
		return do(e, "POST", "/booking-requests/"+f.request+"/messages", who, map[string]any{"subject": "Disponibilità", "body": "Confermate?"})
	}},
	{"GET list", false, func(e *env, f fixture, who *domain.Principal) (int, []byte) {
		office := strings.SplitN(f.pratica, "-p", 2)[0]
		return do(e, "GET", "/booking-requests?office="+office, who, nil)
	}},
	{"GET bodies", false, func(e *env, _ fixture, who *domain.Principal) (int, []byte) {
		return do(e, "GET", "/bodies", who, nil)
	}},
	{"PUT body", true, func(e *env, _ fixture, who *domain.Principal) (int, []byte) {
		return do(e, "PUT", "/bodies/vvf-rc", who, map[string]any{"name": "Vigili del Fuoco - Comando di Reggio Calabria", "pec": "com.rc@cert.vigilfuoco.it", "email": ""})
	}},
	{"POST conference", true, func(e *env, f fixture, who *domain.Principal) (int, []byte) {
		return do(e, "POST", "/pratiche/"+f.pratica+"/conferences", who, map[string]any{"type": "decisoria_semplificata", "startDate": "2026-03-09"})
	}},
	{"GET conferences", false, func(e *env, f fixture, who *domain.Principal) (int, []byte) {
		return do(e, "GET", "/pratiche/"+f.pratica+"/conferences", who, nil)
	}},
	{"POST session", true, func(e *env, f fixture, who *domain.Principal) (int, []byte) {
		sessions := "/pratiche/" + f.pratica + "/conferences/" + f.conference + "/sessions"
		in := e.convene(sessions, wednesday.Add(24*time.Hour), "asp-rc", "comune-africo")
		in["place"] = "Sala riunioni"
		return do(e, "POST", sessions, who, in)
	}},
	{"GET sessions", false, func(e *env, f fixture, who *domain.Principal) (int, []byte) {
		return do(e, "GET", "/pratiche/"+f.pratica+"/conferences/"+f.conference+"/sessions", who, nil)
	}},
	{"GET document", false, func(e *env, f fixture, who *domain.Principal) (int, []byte) {
		return do(e, "GET", "/pratiche/"+f.pratica+"/conferences/"+f.conference+"/documents/indizione-sincrona", who, nil)
	}},
	{"POST conference file", false, func(e *env, f fixture, who *domain.Principal) (int, []byte) {
		return do(e, "POST", "/pratiche/"+f.pratica+"/conferences/"+f.conference+"/files", who, map[string]any{"contentType": "application/pdf"})
	}},
	{"POST session state", true, func(e *env, f fixture, who *domain.Principal) (int, []byte) {
		return do(e, "POST", "/pratiche/"+f.pratica+"/conferences/"+f.conference+"/sessions/"+f.session+"/state", who, map[string]any{"state": "ANNULLATA"})
	}},
	{"GET conference file", false, func(e *env, f fixture, who *domain.Principal) (int, []byte) {
		return do(e, "GET", "/pratiche/"+f.pratica+"/conferences/"+f.conference+"/files/convocazione", who, nil)
	}},
	{"POST closure", true, func(e *env, f fixture, who *domain.Principal) (int, []byte) {
		return do(e, "POST", "/pratiche/"+f.pratica+"/conferences/"+f.bare+"/closure", who, map[string]any{"outcome": "positivo", "endDate": "2026-03-09"})
	}},
}

// want is the expected status of every cell: endpoint → role → [own, other].
var want = map[string]map[domain.Role][2]int{
	"PUT pratica":                  {domain.RoleSuapOperator: {200, 403}, domain.RoleBasinOperator: {200, 403}, domain.RoleManager: {403, 403}, domain.RoleAdmin: {403, 403}},
	"GET pratica":                  {domain.RoleSuapOperator: {200, 404}, domain.RoleBasinOperator: {200, 404}, domain.RoleManager: {200, 200}, domain.RoleAdmin: {403, 403}},
	"POST cds-check":               {domain.RoleSuapOperator: {200, 404}, domain.RoleBasinOperator: {200, 404}, domain.RoleManager: {403, 403}, domain.RoleAdmin: {403, 403}},
	"POST verifications":           {domain.RoleSuapOperator: {200, 404}, domain.RoleBasinOperator: {200, 404}, domain.RoleManager: {403, 403}, domain.RoleAdmin: {403, 403}},
	"GET history":                  {domain.RoleSuapOperator: {200, 404}, domain.RoleBasinOperator: {200, 404}, domain.RoleManager: {200, 200}, domain.RoleAdmin: {403, 403}},
	"GET history export":           {domain.RoleSuapOperator: {200, 404}, domain.RoleBasinOperator: {200, 404}, domain.RoleManager: {200, 200}, domain.RoleAdmin: {403, 403}},
	"POST booking-request":         {domain.RoleSuapOperator: {201, 404}, domain.RoleBasinOperator: {201, 404}, domain.RoleManager: {403, 403}, domain.RoleAdmin: {403, 403}},
	"GET pratica booking-requests": {domain.RoleSuapOperator: {200, 404}, domain.RoleBasinOperator: {200, 404}, domain.RoleManager: {200, 200}, domain.RoleAdmin: {403, 403}},
	"GET last-day":                 {domain.RoleSuapOperator: {200, 404}, domain.RoleBasinOperator: {200, 404}, domain.RoleManager: {403, 403}, domain.RoleAdmin: {403, 403}},
	"GET communications":           {domain.RoleSuapOperator: {200, 404}, domain.RoleBasinOperator: {200, 404}, domain.RoleManager: {200, 200}, domain.RoleAdmin: {403, 403}},
	"GET booking-request":          {domain.RoleSuapOperator: {200, 404}, domain.RoleBasinOperator: {200, 404}, domain.RoleManager: {200, 200}, domain.RoleAdmin: {403, 403}},
	"POST message":                 {domain.RoleSuapOperator: {201, 404}, domain.RoleBasinOperator: {201, 404}, domain.RoleManager: {201, 201}, domain.RoleAdmin: {403, 403}},
	"GET list":                     {domain.RoleSuapOperator: {200, 200}, domain.RoleBasinOperator: {200, 200}, domain.RoleManager: {200, 200}, domain.RoleAdmin: {403, 403}},
	// The bodies directory is regional: own and other office alike.
	"GET bodies":           {domain.RoleSuapOperator: {200, 200}, domain.RoleBasinOperator: {200, 200}, domain.RoleManager: {403, 403}, domain.RoleAdmin: {200, 200}},
	"PUT body":             {domain.RoleSuapOperator: {403, 403}, domain.RoleBasinOperator: {403, 403}, domain.RoleManager: {403, 403}, domain.RoleAdmin: {200, 200}},
	"POST conference":      {domain.RoleSuapOperator: {201, 404}, domain.RoleBasinOperator: {201, 404}, domain.RoleManager: {403, 403}, domain.RoleAdmin: {403, 403}},
	"GET conferences":      {domain.RoleSuapOperator: {200, 404}, domain.RoleBasinOperator: {200, 404}, domain.RoleManager: {200, 200}, domain.RoleAdmin: {403, 403}},
	"POST session":         {domain.RoleSuapOperator: {201, 404}, domain.RoleBasinOperator: {201, 404}, domain.RoleManager: {403, 403}, domain.RoleAdmin: {403, 403}},
	"GET sessions":         {domain.RoleSuapOperator: {200, 404}, domain.RoleBasinOperator: {200, 404}, domain.RoleManager: {200, 200}, domain.RoleAdmin: {403, 403}},
	"GET document":         {domain.RoleSuapOperator: {200, 404}, domain.RoleBasinOperator: {200, 404}, domain.RoleManager: {403, 403}, domain.RoleAdmin: {403, 403}},
	"POST conference file": {domain.RoleSuapOperator: {200, 404}, domain.RoleBasinOperator: {200, 404}, domain.RoleManager: {403, 403}, domain.RoleAdmin: {403, 403}},
	"POST session state":   {domain.RoleSuapOperator: {200, 404}, domain.RoleBasinOperator: {200, 404}, domain.RoleManager: {403, 403}, domain.RoleAdmin: {403, 403}},
	"GET conference file":  {domain.RoleSuapOperator: {200, 404}, domain.RoleBasinOperator: {200, 404}, domain.RoleManager: {200, 200}, domain.RoleAdmin: {403, 403}},
	"POST closure":         {domain.RoleSuapOperator: {200, 404}, domain.RoleBasinOperator: {200, 404}, domain.RoleManager: {403, 403}, domain.RoleAdmin: {403, 403}},
}

// TestAuthorizationMatrix: every endpoint × every role × own/other office,
// each cell asserted; a refused cell writes nothing; the list shows another
// office's requests only to the service. Unauthenticated calls get 401.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.bodies()
	principals := map[domain.Role]domain.Principal{
		domain.RoleSuapOperator: suapAfrico, domain.RoleBasinOperator: basinLocride,
		domain.RoleManager: manager, domain.RoleAdmin: admin,
	}
	for _, ep := range endpoints {
		for _, role := range []domain.Role{domain.RoleSuapOperator, domain.RoleBasinOperator, domain.RoleManager, domain.RoleAdmin} {
			for i, office := range []string{"suap-africo", "suap-acquaro"} {
				side := [2]string{"own", "other"}[i]
				t.Run(fmt.Sprintf("%s/%s/%s", ep.name, role, side), func(t *testing.T) {
					e.use(t)
					f := e.fixture(office)
					who := principals[role]
					before := e.backend.commits.Load()
					status, body := ep.call(e, f, &who)
					wantStatus := want[ep.name][role][i]
					if status != wantStatus {
						t.Fatalf("status %d, want %d: %s", status, wantStatus, body)
					}
					committed := e.backend.commits.Load() - before
					if status >= 400 && committed != 0 {
						t.Errorf("refused with %d but committed %d change(s)", status, committed)
					}
					if ep.writes && status < 300 && committed != 1 {
						t.Errorf("a write committed %d changes, want exactly one transaction", committed)
					}
					if ep.name == "GET list" && status == 200 {
						listed := strings.Contains(string(body), f.request)
						if wantListed := side == "own" || role == domain.RoleManager; listed != wantListed {
							t.Errorf("list shows the fixture's request: %v, want %v", listed, wantListed)
						}
					}
				})
			}
		}
	}
	t.Run("unauthenticated", func(t *testing.T) {
		e.use(t)
		f := e.fixture("suap-africo")
		for _, ep := range endpoints {
			before := e.backend.commits.Load()
			status, body := ep.call(e, f, nil)
			if status != http.StatusUnauthorized {
				t.Errorf("%s without claims: %d %s", ep.name, status, body)
			}
			if e.backend.commits.Load() != before {
				t.Errorf("%s without claims wrote", ep.name)
			}
		}
	})
	if len(want) != len(endpoints) {
		t.Errorf("the matrix lists %d endpoints, the test calls %d", len(want), len(endpoints))
	}
}
