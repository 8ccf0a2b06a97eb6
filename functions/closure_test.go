package functions_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"suapcds/shared/app"
	"suapcds/shared/domain"
	"suapcds/shared/httpapi/apitest"
)

// closedView is a concluded conference as the API answers it.
type closedView struct {
	conferenceView
	Outcome, OutcomeLabel, EndDate, EndDateLabel, ClosingFileKey string
}

// historyDetails is the pratica's history with each entry's detail.
func (e *env) historyDetails(id string) map[string][]string {
	e.t.Helper()
	var h struct {
		Items []struct{ Operation, Detail string }
	}
	e.api.Do("GET", "/pratiche/"+id+"/history?limit=100", &suapAfrico, nil).JSON(e.t, &h)
	out := map[string][]string{}
	for _, it := range h.Items {
		out[it.Operation] = append(out[it.Operation], it.Detail)
	}
	return out
}

// TestCloseConference: an operator concludes a conference with its outcome,
// end date and closing act, in one transaction with the history entry; each
// refusal (bad outcome, end date before the start or in the future, a
// session still convened, a file not uploaded, already concluded) writes
// nothing, and a concluded conference takes no new session.
func TestCloseConference(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.bodies()
	id := e.pratica(suapAfrico, "suap-africo", domain.ProcSCIACondizionata)
	c := e.conference(suapAfrico, id, map[string]any{"type": "simultanea_sincrona", "startDate": "2026-03-09"})
	base := "/pratiche/" + id + "/conferences/" + c.ID
	sessions := base + "/sessions"
	in := e.convene(sessions, wednesdayNoon, "vvf-rc")
	in["place"] = "Sala riunioni"
	res := e.api.Do("POST", sessions, &suapAfrico, in)
	if res.Status != http.StatusCreated {
		t.Fatalf("convene: %d %s", res.Status, res.Body)
	}
	var s sessionView
	res.JSON(t, &s)
	closure := base + "/closure"
	prefix := app.ConferenceFilePrefix(id, c.ID)

	before := e.backend.commits.Load()
	// fieldCode asserts a refusal and, when wantField is set, its field
	// error; raw sends a body the OpenAPI document refuses.
	fieldCode := func(status int, code, wantField, wantCode string, body map[string]any, raw bool) {
		t.Helper()
		var res *apitest.Response
		if raw {
			res = e.raw("POST", closure, suapAfrico, body)
		} else {
			res = e.api.Do("POST", closure, &suapAfrico, body)
		}
		e.refused(res, before, status, code)
		if wantField == "" {
			return
		}
		p := res.Problem(t)
		for _, f := range p.Errors {
			if f.Field == wantField && f.Code == wantCode {
				return
			}
		}
		t.Errorf("%v: errors %+v, want %s %s", body, p.Errors, wantField, wantCode)
	}
	fieldCode(422, "invalid_input", "outcome", "invalid_outcome", map[string]any{"outcome": "ottimo", "endDate": "2026-03-09"}, true)
	fieldCode(422, "invalid_input", "outcome", "required", map[string]any{"endDate": "2026-03-09"}, true)
	fieldCode(422, "invalid_input", "endDate", "required", map[string]any{"outcome": "positivo"}, true)
	fieldCode(422, "invalid_date", "endDate", "invalid_date", map[string]any{"outcome": "positivo", "endDate": "09-03-2026"}, true)
	fieldCode(422, "invalid_input", "endDate", "before_start", map[string]any{"outcome": "positivo", "endDate": "2026-03-08"}, false)
	fieldCode(422, "invalid_input", "endDate", "in_the_future", map[string]any{"outcome": "positivo", "endDate": "2026-03-10"}, false)
	// The session of 11 March is still convened.
	fieldCode(409, "sessions_open", "", "", map[string]any{"outcome": "positivo", "endDate": "2026-03-09"}, false)
	if p := e.api.Do("POST", closure, &suapAfrico, map[string]any{"outcome": "positivo", "endDate": "2026-03-09"}).Problem(t); !strings.Contains(p.Detail, "n. 1 del 11-03-2026 12:00") {
		t.Errorf("sessions_open detail %q", p.Detail)
	}
	e.refused(e.api.Do("POST", closure, &manager, map[string]any{"outcome": "positivo", "endDate": "2026-03-09"}), before, 403, "forbidden")
	e.refused(e.api.Do("POST", closure, &suapAcquaro, map[string]any{"outcome": "positivo", "endDate": "2026-03-09"}), before, 404, "not_found")
	e.refused(e.api.Do("POST", "/pratiche/"+id+"/conferences/nessuna/closure", &suapAfrico, map[string]any{"outcome": "positivo", "endDate": "2026-03-09"}), before, 404, "conference_not_found")

	// The session held, two days later: a file not uploaded for this
	// conference is refused.
	e.clock.Set(wednesdayNoon.Add(24 * time.Hour))
	if res := e.api.Do("POST", sessions+"/"+s.ID+"/state", &suapAfrico, map[string]any{"state": "SVOLTA"}); res.Status != 200 {
		t.Fatalf("held: %d %s", res.Status, res.Body)
	}
	other := e.conference(suapAfrico, id, map[string]any{"type": "istruttoria", "startDate": "2026-03-09"})
	before = e.backend.commits.Load()
	for name, key := range map[string]string{
		"missing":            prefix + "nessuno",
		"another conference": e.putFile(app.ConferenceFilePrefix(id, other.ID)+"atto", "application/pdf", []byte("%PDF atto")),
		"another type":       e.putFile(prefix+"video", "video/mp4", []byte("video")),
	} {
		res := e.api.Do("POST", closure, &suapAfrico, map[string]any{"outcome": "positivo", "endDate": "2026-03-11", "closingFileKey": key})
		e.refused(res, before, 422, "invalid_file")
		if p := res.Problem(t); len(p.Errors) != 1 || p.Errors[0].Field != "closingFileKey" {
			t.Errorf("%s: %+v", name, p)
		}
	}

	key := e.putFile(prefix+"atto-conclusivo", "application/pdf", []byte("%PDF-1.7 determinazione conclusiva"))
	res = e.api.Do("POST", closure, &basinLocride, map[string]any{"outcome": "positivo_con_prescrizioni", "endDate": "2026-03-11", "closingFileKey": key})
	if res.Status != http.StatusOK {
		t.Fatalf("close: %d %s", res.Status, res.Body)
	}
	if got := e.backend.commits.Load() - before; got != 1 {
		t.Errorf("closing committed %d transactions, want 1", got)
	}
	var cv closedView
	res.JSON(t, &cv)
	if cv.Outcome != "positivo_con_prescrizioni" || cv.OutcomeLabel != "Positivo con prescrizioni" || cv.EndDate != "2026-03-11" ||
		cv.EndDateLabel != "11-03-2026" || cv.ClosingFileKey != key || len(cv.Sessions) != 1 || cv.Sessions[0].State != "SVOLTA" ||
		len(cv.Deadlines) != 1 || cv.Deadlines[0].Kind != "works_end" {
		t.Errorf("closed conference: %+v", cv)
	}
	hist := e.historyDetails(id)
	if d := hist["Conferenza dei servizi conclusa"]; len(d) != 1 ||
		d[0] != "Esito: Positivo con prescrizioni; data di conclusione: 11-03-2026; determinazione conclusiva allegata" {
		t.Errorf("history: %q", d)
	}

	// Concluded: neither again nor a new session.
	before = e.backend.commits.Load()
	e.refused(e.api.Do("POST", closure, &suapAfrico, map[string]any{"outcome": "negativo", "endDate": "2026-03-11"}), before, 409, "conference_closed")
	in = e.convene(sessions, wednesdayNoon.Add(7*24*time.Hour), "vvf-rc")
	in["place"] = "Sala riunioni"
	e.refused(e.api.Do("POST", sessions, &suapAfrico, in), before, 409, "conference_closed")

	// Without a closing act; the list shows both conclusions.
	res = e.api.Do("POST", base[:strings.LastIndex(base, "/")]+"/"+other.ID+"/closure", &suapAfrico, map[string]any{"outcome": "negativo", "endDate": "2026-03-12"})
	if res.Status != http.StatusOK {
		t.Fatalf("close without a file: %d %s", res.Status, res.Body)
	}
	var list struct{ Items []closedView }
	e.api.Do("GET", "/pratiche/"+id+"/conferences", &manager, nil).JSON(t, &list)
	if len(list.Items) != 2 || list.Items[0].OutcomeLabel != "Positivo con prescrizioni" || list.Items[1].Outcome != "negativo" ||
		list.Items[1].OutcomeLabel != "Negativo" || list.Items[1].EndDateLabel != "12-03-2026" || list.Items[1].ClosingFileKey != "" {
		t.Errorf("list: %+v", list.Items)
	}
	if d := e.historyDetails(id)["Conferenza dei servizi conclusa"]; len(d) != 2 || !strings.Contains(strings.Join(d, "|"), "Esito: Negativo; data di conclusione: 12-03-2026") {
		t.Errorf("history: %q", d)
	}
}

// TestSessionClosingFile: the verbale goes with SVOLTA (at once, or later on
// a held session without one), never with ANNULLATA; it must be an uploaded
// file of the conference; the history says so. Refusals write nothing.
func TestSessionClosingFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.bodies()
	id := e.pratica(suapAfrico, "suap-africo", domain.ProcSCIACondizionata)
	c := e.conference(suapAfrico, id, map[string]any{"type": "simultanea_sincrona", "startDate": "2026-03-09"})
	sessions := "/pratiche/" + id + "/conferences/" + c.ID + "/sessions"
	prefix := app.ConferenceFilePrefix(id, c.ID)
	var ids []string
	for i := range 2 {
		in := e.convene(sessions, wednesdayNoon.Add(time.Duration(i)*24*time.Hour), "vvf-rc")
		in["place"] = "Sala riunioni"
		res := e.api.Do("POST", sessions, &suapAfrico, in)
		if res.Status != http.StatusCreated {
			t.Fatalf("convene %d: %d %s", i, res.Status, res.Body)
		}
		var s sessionView
		res.JSON(t, &s)
		ids = append(ids, s.ID)
	}
	e.clock.Set(wednesdayNoon.Add(48 * time.Hour))
	first, second := sessions+"/"+ids[0]+"/state", sessions+"/"+ids[1]+"/state"
	verbale := e.putFile(prefix+"verbale-1", "application/pdf", []byte("%PDF-1.7 verbale seduta 1"))

	type stateView struct{ State, ClosingFileKey string }
	set := func(path string, body map[string]any) stateView {
		t.Helper()
		res := e.api.Do("POST", path, &suapAfrico, body)
		if res.Status != http.StatusOK {
			t.Fatalf("%v: %d %s", body, res.Status, res.Body)
		}
		var v stateView
		res.JSON(t, &v)
		return v
	}

	before := e.backend.commits.Load()
	res := e.api.Do("POST", first, &suapAfrico, map[string]any{"state": "ANNULLATA", "closingFileKey": verbale})
	e.refused(res, before, 422, "invalid_input")
	if p := res.Problem(t); len(p.Errors) != 1 || p.Errors[0].Field != "closingFileKey" || p.Errors[0].Code != "not_allowed" {
		t.Errorf("ANNULLATA with a verbale: %+v", p)
	}
	res = e.api.Do("POST", first, &suapAfrico, map[string]any{"state": "SVOLTA", "closingFileKey": prefix + "nessuno"})
	e.refused(res, before, 422, "invalid_file")
	if p := res.Problem(t); len(p.Errors) != 1 || p.Errors[0].Field != "closingFileKey" {
		t.Errorf("missing verbale: %+v", p)
	}

	// Held without the verbale; held again only to add it, once.
	if v := set(first, map[string]any{"state": "SVOLTA"}); v.State != "SVOLTA" || v.ClosingFileKey != "" {
		t.Errorf("held: %+v", v)
	}
	before = e.backend.commits.Load()
	e.refused(e.api.Do("POST", first, &suapAfrico, map[string]any{"state": "SVOLTA"}), before, 409, "session_closed")
	e.refused(e.api.Do("POST", first, &suapAfrico, map[string]any{"state": "SVOLTA", "closingFileKey": "cds/verbale.pdf"}), before, 422, "invalid_file")
	if v := set(first, map[string]any{"state": "SVOLTA", "closingFileKey": verbale}); v.State != "SVOLTA" || v.ClosingFileKey != verbale {
		t.Errorf("verbale added: %+v", v)
	}
	before = e.backend.commits.Load()
	e.refused(e.api.Do("POST", first, &suapAfrico, map[string]any{"state": "SVOLTA", "closingFileKey": verbale}), before, 409, "session_closed")
	e.refused(e.api.Do("POST", first, &suapAfrico, map[string]any{"state": "ANNULLATA"}), before, 409, "session_closed")

	// Held with its verbale at once.
	v2 := e.putFile(prefix+"verbale-2", "application/vnd.oasis.opendocument.text", []byte("verbale seduta 2"))
	if v := set(second, map[string]any{"state": "SVOLTA", "closingFileKey": v2}); v.State != "SVOLTA" || v.ClosingFileKey != v2 {
		t.Errorf("held with its verbale: %+v", v)
	}

	hist := e.historyDetails(id)
	if d := hist["Inserimento verbale seduta conferenza dei servizi"]; len(d) != 1 || d[0] != "Seduta n. 1 del 11-03-2026 12:00 – verbale della seduta allegato" {
		t.Errorf("verbale added later: %q", d)
	}
	held := strings.Join(hist["Seduta conferenza dei servizi svolta"], "|")
	if !strings.Contains(held, "Seduta n. 2 del 12-03-2026 12:00 – verbale della seduta allegato") || !strings.Contains(held, "Seduta n. 1 del 11-03-2026 12:00") {
		t.Errorf("held: %q", held)
	}
}
