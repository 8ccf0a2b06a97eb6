package functions_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"suapcds/shared/app"
	"suapcds/shared/clock"
	"suapcds/shared/domain"
	"suapcds/shared/store"
)

// The bodies of the directory the tests convene.
var directory = []struct{ id, name, pec, email string }{
	{"vvf-rc", "Vigili del Fuoco - Comando di Reggio Calabria", "com.reggiocalabria@cert.vigilfuoco.it", ""},
	{"asp-rc", "ASP Reggio Calabria", "", "protocollo@asp.rc.it"},
	{"comune-africo", "Comune di Africo", "protocollo@pec.comune.africo.rc.it", "info@comune.africo.rc.it"},
}

// bodies fills the directory through the admin's API.
func (e *env) bodies() {
	e.t.Helper()
	for _, b := range directory {
		body := map[string]any{"name": b.name, "pec": b.pec, "email": b.email}
		if res := e.api.Do("PUT", "/bodies/"+b.id, &admin, body); res.Status != http.StatusCreated {
			e.t.Fatalf("put body %s: %d %s", b.id, res.Status, res.Body)
		}
	}
}

type deadlineView struct {
	Kind, Due, DueLabel string
	Rolled              bool
}

type sessionView struct {
	ID, State, Place, StartLabel, BookingRequestID string
	Seq                                            int
	Bodies                                         []struct{ BodyID, Name string }
	Meeting                                        *struct{ Code, Password, Link string }
}

type conferenceView struct {
	ID, Type, FirstMeeting string
	SessionCount           int
	Deadlines              []deadlineView
	Sessions               []sessionView
}

// conference creates a conference of pratica id as who.
func (e *env) conference(who domain.Principal, id string, body map[string]any) conferenceView {
	e.t.Helper()
	res := e.api.Do("POST", "/pratiche/"+id+"/conferences", &who, body)
	if res.Status != http.StatusCreated {
		e.t.Fatalf("create conference: %d %s", res.Status, res.Body)
	}
	var c conferenceView
	res.JSON(e.t, &c)
	return c
}

// wednesdayNoon is the fixture booking's meeting (e.request): 11 March 2026,
// 12:00–14:00 in Rome.
var wednesdayNoon = time.Date(2026, time.March, 11, 12, 0, 0, 0, clock.Rome)

// convene is a convocation through path (…/pratiche/{id}/conferences/{id}/sessions)
// whose convocation file has been uploaded under the conference's prefix.
func (e *env) convene(path string, start time.Time, bodies ...string) map[string]any {
	e.t.Helper()
	seg := strings.Split(path, "/")
	key := e.putFile(app.ConferenceFilePrefix(seg[2], seg[4])+"convocazione", "application/pdf", []byte("%PDF-1.7 convocazione"))
	return map[string]any{"start": start.Format(time.RFC3339), "convocationFileKey": key, "bodyIds": bodies}
}

// putFile stores an object in the env's bucket, as an upload would.
func (e *env) putFile(key, contentType string, body []byte) string {
	e.t.Helper()
	_, err := e.s3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(e.bucket), Key: aws.String(key),
		ContentType: aws.String(contentType), Body: bytes.NewReader(body)})
	if err != nil {
		e.t.Fatalf("put %s: %v", key, err)
	}
	return key
}

func TestBodiesDirectory(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.bodies()
	before := e.backend.commits.Load()
	e.refused(e.api.Do("PUT", "/bodies/procura", &suapAfrico, map[string]any{"name": "Procura", "pec": "procura@pec.it", "email": ""}), before, 403, "admin_only")
	e.refused(e.api.Do("PUT", "/bodies/procura", &manager, map[string]any{"name": "Procura", "pec": "procura@pec.it", "email": ""}), before, 403, "admin_only")
	e.refused(e.api.Do("PUT", "/bodies/procura", &admin, map[string]any{"name": "Procura", "pec": "", "email": ""}), before, 422, "invalid_input")
	e.refused(e.api.Do("PUT", "/bodies/procura", &admin, map[string]any{"name": "Procura", "pec": "Procura <p@pec.it>", "email": ""}), before, 422, "invalid_input")
	e.refused(e.api.Do("GET", "/bodies", &manager, nil), before, 403, "forbidden")

	res := e.api.Do("PUT", "/bodies/asp-rc", &admin, map[string]any{"name": "ASP di Reggio Calabria", "pec": "", "email": "protocollo@asp.rc.it"})
	if res.Status != http.StatusOK {
		t.Fatalf("update: %d %s", res.Status, res.Body)
	}
	var list struct {
		Items []struct {
			ID, Name, PEC, Email string
			Version              int64
		}
	}
	e.api.Do("GET", "/bodies", &basinLocride, nil).JSON(t, &list)
	if len(list.Items) != 3 || list.Items[0].ID != "asp-rc" || list.Items[0].Name != "ASP di Reggio Calabria" || list.Items[0].Version != 2 ||
		list.Items[2].PEC != "com.reggiocalabria@cert.vigilfuoco.it" {
		t.Errorf("directory: %+v", list.Items)
	}
}

// TestConferenceDeadlines: the answer carries the legal deadlines on real
// dates, a term ending on Christmas moved to the next working day.
func TestConferenceDeadlines(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.pratica(suapAfrico, "suap-africo", domain.ProcOrdinario)
	c := e.conference(suapAfrico, id, map[string]any{"type": "decisoria_semplificata", "applicationDate": "2026-11-05", "startDate": "2026-11-10"})
	want := map[string]deadlineView{
		"convocation":       {Due: "2026-11-12", DueLabel: "12-11-2026"},
		"documents_request": {Due: "2026-11-25", DueLabel: "25-11-2026"},
		"determinations":    {Due: "2026-12-28", DueLabel: "28-12-2026", Rolled: true},
	}
	if len(c.Deadlines) != len(want) {
		t.Fatalf("deadlines %+v", c.Deadlines)
	}
	for _, d := range c.Deadlines {
		w := want[d.Kind]
		if d.Due != w.Due || d.DueLabel != w.DueLabel || d.Rolled != w.Rolled {
			t.Errorf("%s: %+v, want %+v", d.Kind, d, w)
		}
	}
	sens := e.conference(basinLocride, id, map[string]any{"type": "istruttoria", "sensitiveInterests": true, "startDate": "2026-12-29"})
	if len(sens.Deadlines) != 2 || sens.Deadlines[1].Due != "2027-03-30" || !sens.Deadlines[1].Rolled {
		t.Errorf("90 days ending on Easter Monday 2027: %+v", sens.Deadlines)
	}

	before := e.backend.commits.Load()
	e.refused(e.raw("POST", "/pratiche/"+id+"/conferences", suapAfrico, map[string]any{"type": "boh", "startDate": "2026-11-10"}), before, 422, "invalid_input")
	e.refused(e.raw("POST", "/pratiche/"+id+"/conferences", suapAfrico, map[string]any{"type": "preliminare"}), before, 422, "invalid_input")
	res := e.raw("POST", "/pratiche/"+id+"/conferences", suapAfrico, map[string]any{"type": "preliminare", "startDate": "10-11-2026"})
	e.refused(res, before, 422, "invalid_date")
	if p := res.Problem(t); len(p.Errors) != 1 || p.Errors[0].Field != "startDate" || p.Errors[0].Code != "invalid_date" {
		t.Errorf("a dd-mm-yyyy start date: %+v", p)
	}
	// An empty date is an absent one: the domain says it is required.
	e.refused(e.raw("POST", "/pratiche/"+id+"/conferences", suapAfrico, map[string]any{"type": "preliminare", "startDate": ""}), before, 422, "invalid_input")
	e.refused(e.api.Do("POST", "/pratiche/"+id+"/conferences", &suapAfrico,
		map[string]any{"type": "preliminare", "applicationDate": "2026-11-11", "startDate": "2026-11-10"}), before, 422, "invalid_input")
	e.refused(e.api.Do("POST", "/pratiche/"+id+"/conferences", &suapAcquaro,
		map[string]any{"type": "preliminare", "startDate": "2026-11-10"}), before, 404, "not_found")

	var list struct{ Items []conferenceView }
	e.api.Do("GET", "/pratiche/"+id+"/conferences", &manager, nil).JSON(t, &list)
	if len(list.Items) != 2 || list.Items[0].ID != c.ID || list.Items[1].Type != "istruttoria" {
		t.Errorf("conferences: %+v", list.Items)
	}
}

// suapAcquaro is an operator of an office outside the fixtures' basin.
var suapAcquaro = domain.Principal{UserID: "u-gialli", Name: "Anna Gialli", Role: domain.RoleSuapOperator,
	OfficeID: "suap-acquaro", Unit: "Suap Comune Acquaro"}

// TestConveneSession: convening pre-fills the place from the accepted
// booking, marks the pratica's CDS convened, writes the history and one
// outbox event per body, all in one transaction; refusals write nothing.
func TestConveneSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.bodies()
	id := e.pratica(suapAfrico, "suap-africo", domain.ProcSCIACondizionata)
	req := e.request(suapAfrico, id)
	e.finish(req, domain.Accept)
	c := e.conference(suapAfrico, id, map[string]any{"type": "simultanea_sincrona", "startDate": "2026-03-09"})
	path := "/pratiche/" + id + "/conferences/" + c.ID + "/sessions"

	before := e.backend.commits.Load()
	e.refused(e.api.Do("POST", path, &suapAfrico, e.convene(path, wednesdayNoon, "vvf-rc", "procura")), before, 422, "invalid_input")
	e.refused(e.api.Do("POST", path, &suapAfrico, e.convene(path, wednesdayNoon, "vvf-rc", "vvf-rc")), before, 422, "invalid_input")
	e.refused(e.api.Do("POST", path, &suapAfrico, e.convene(path, monday.Add(-time.Hour), "vvf-rc")), before, 422, "invalid_input")
	e.refused(e.api.Do("POST", path, &suapAfrico, e.convene(path, monday.Add(48*time.Hour), "vvf-rc")), before, 422, "invalid_input") // no booking, no place
	e.refused(e.api.Do("POST", "/pratiche/"+id+"/conferences/nessuna/sessions", &suapAfrico, e.convene("/pratiche/"+id+"/conferences/nessuna/sessions", wednesdayNoon, "vvf-rc")), before, 404, "conference_not_found")
	e.refused(e.api.Do("POST", path, &manager, e.convene(path, wednesdayNoon, "vvf-rc")), before, 403, "forbidden")

	res := e.api.Do("POST", path, &basinLocride, e.convene(path, wednesdayNoon.Add(30*time.Minute), "vvf-rc", "asp-rc", "comune-africo"))
	if res.Status != http.StatusCreated {
		t.Fatalf("convene: %d %s", res.Status, res.Body)
	}
	if got := e.backend.commits.Load() - before; got != 1 {
		t.Errorf("convening committed %d transactions, want 1", got)
	}
	var s sessionView
	res.JSON(t, &s)
	if s.Place != "Videoconferenza" || s.State != "CONVOCATA" || s.Seq != 1 || s.BookingRequestID != req || s.StartLabel != "11-03-2026 12:30" ||
		s.Meeting == nil || s.Meeting.Link != "https://meet.regione.calabria.it/abc" || len(s.Bodies) != 3 || s.Bodies[1].Name != "ASP Reggio Calabria" {
		t.Fatalf("session: %+v", s)
	}
	for i := 1; i <= 3; i++ {
		ob, err := e.store.GetOutbox(e.ctx, store.OutboxID(domain.OutboxEvent{Kind: domain.EventSessionConvened, SubjectID: s.ID, Seq: int64(i)}))
		if err != nil || ob.Data["bodyId"] != directory[i-1].id || ob.Data["conferenceId"] != c.ID || ob.PraticaID != id {
			t.Errorf("outbox event %d: %+v %v", i, ob, err)
		}
	}
	// The CDS counts as convened: the verifications need no reason.
	var check struct{ CDSConvened, ReasonRequired, CDSRequired bool }
	e.api.Do("POST", "/pratiche/"+id+"/cds-check", &suapAfrico,
		map[string]any{"bodies": []map[string]string{ref(comuneTecnico), ref(vvf)}}).JSON(t, &check)
	if !check.CDSRequired || !check.CDSConvened || check.ReasonRequired {
		t.Errorf("check after convening: %+v", check)
	}
	if res := e.api.Do("POST", "/pratiche/"+id+"/verifications", &suapAfrico,
		map[string]any{"bodies": []map[string]string{ref(comuneTecnico), ref(vvf)}}); res.Status != 200 {
		t.Errorf("verifications without a reason: %d %s", res.Status, res.Body)
	}
	var h historyList
	e.api.Do("GET", "/pratiche/"+id+"/history", &suapAfrico, nil).JSON(t, &h)
	found := false
	for _, it := range h.Items {
		found = found || it.Operation == "Convocazione seduta conferenza dei servizi"
	}
	if !found {
		t.Errorf("no convocation in the history: %+v", h.Items)
	}

	// A second session, in a room of its own: a place is required.
	in := e.convene(path, time.Date(2026, time.March, 20, 9, 30, 0, 0, clock.Rome), "vvf-rc")
	in["place"] = "Sala consiliare del Comune di Africo"
	res = e.api.Do("POST", path, &suapAfrico, in)
	if res.Status != http.StatusCreated {
		t.Fatalf("second session: %d %s", res.Status, res.Body)
	}
	var s2 sessionView
	res.JSON(t, &s2)
	if s2.Seq != 2 || s2.Meeting != nil || s2.Place != "Sala consiliare del Comune di Africo" {
		t.Errorf("second session: %+v", s2)
	}

	var list struct{ Items []sessionView }
	e.api.Do("GET", path, &manager, nil).JSON(t, &list)
	if len(list.Items) != 2 {
		t.Errorf("sessions: %+v", list.Items)
	}
	var confs struct{ Items []conferenceView }
	e.api.Do("GET", "/pratiche/"+id+"/conferences", &suapAfrico, nil).JSON(t, &confs)
	cv := confs.Items[0]
	// 45 days from the first meeting (11 March 2026): Saturday 25 April,
	// the Liberation Day: Monday 27 April.
	if cv.SessionCount != 2 || cv.FirstMeeting != "2026-03-11" || len(cv.Deadlines) != 1 || cv.Deadlines[0].Kind != "works_end" ||
		cv.Deadlines[0].Due != "2026-04-27" || !cv.Deadlines[0].Rolled || len(cv.Sessions) != 2 {
		t.Errorf("conference after two sessions: %+v", cv)
	}

	// States: not held before its start; cancelled once.
	state := path + "/" + s.ID + "/state"
	before = e.backend.commits.Load()
	e.refused(e.api.Do("POST", state, &suapAfrico, map[string]any{"state": "SVOLTA"}), before, 409, "session_not_started")
	e.refused(e.raw("POST", state, suapAfrico, map[string]any{"state": "CONVOCATA"}), before, 422, "invalid_input")
	e.refused(e.api.Do("POST", path+"/nessuna/state", &suapAfrico, map[string]any{"state": "ANNULLATA"}), before, 404, "session_not_found")
	e.clock.Set(wednesdayNoon.Add(3 * time.Hour))
	res = e.api.Do("POST", state, &suapAfrico, map[string]any{"state": "SVOLTA"})
	if res.Status != 200 {
		t.Fatalf("held: %d %s", res.Status, res.Body)
	}
	res.JSON(t, &s)
	if s.State != "SVOLTA" {
		t.Errorf("state %s", s.State)
	}
	before = e.backend.commits.Load()
	e.refused(e.api.Do("POST", state, &suapAfrico, map[string]any{"state": "ANNULLATA"}), before, 409, "session_closed")
	if res := e.api.Do("POST", path+"/"+s2.ID+"/state", &suapAfrico, map[string]any{"state": "ANNULLATA"}); res.Status != 200 {
		t.Errorf("cancel: %d %s", res.Status, res.Body)
	}
	if strings.Contains(string(e.api.Do("GET", path, &suapAfrico, nil).Body), "CONVOCATA") {
		t.Error("a session is still CONVOCATA")
	}
}
