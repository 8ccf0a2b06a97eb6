package functions_test

import (
	"net/http"
	"strings"
	"testing"

	"suapcds/shared/domain"
)

type praticaView struct {
	ID                string `json:"id"`
	BasinID           string `json:"basinId"`
	NoCDSReason       string `json:"noCdsReason"`
	VerificationsSent bool   `json:"verificationsSent"`
	Version           int64  `json:"version"`
}

type historyList struct {
	Items []struct {
		Name, RoleUnit, Operation, AtLabel string
	} `json:"items"`
	Next string `json:"next"`
}

func TestPraticaRegistration(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.pratica(suapAfrico, "suap-africo", domain.ProcOrdinario)
	var p praticaView
	e.api.Do("GET", "/pratiche/"+id, &suapAfrico, nil).JSON(t, &p)
	if p.BasinID != "bacino-locride" || p.Version != 1 {
		t.Errorf("the basin comes from the office's configuration: %+v", p)
	}
	before := e.backend.commits.Load()
	for _, c := range []struct {
		name   string
		body   map[string]any
		status int
		code   string
	}{
		{"unknown office", map[string]any{"number": "1", "officeId": "suap-nessuno", "procedureType": "ordinario", "bodies": []any{}}, 422, "unknown_office"},
		{"bad procedure type", map[string]any{"number": "1", "officeId": "suap-africo", "procedureType": "boh", "bodies": []any{}}, 422, "invalid_input"},
		{"missing number", map[string]any{"number": " ", "officeId": "suap-africo", "procedureType": "ordinario", "bodies": []any{}}, 422, "invalid_input"},
		{"another office's pratica", map[string]any{"number": "1", "officeId": "suap-acquaro", "procedureType": "ordinario", "bodies": []any{}}, 403, "forbidden"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.use(t)
			e.refused(e.raw("PUT", "/pratiche/new-"+strings.ReplaceAll(c.name, " ", "-")[:5], suapAfrico, c.body), before, c.status, c.code)
		})
	}
	e.use(t)
	res := e.api.DoRaw("PUT", "/pratiche/x1", &suapAfrico, map[string]string{"Content-Type": "application/json"},
		[]byte(`{"number":"1","officeId":"suap-africo","procedureType":"ordinario","bodies":[],"extra":true}`))
	e.refused(res, before, http.StatusBadRequest, "malformed_request")
	res = e.api.DoRaw("PUT", "/pratiche/x1", &suapAfrico, map[string]string{"Content-Type": "application/json"},
		[]byte(`{"number":"`+strings.Repeat("x", 70<<10)+`"}`))
	e.refused(res, before, http.StatusRequestEntityTooLarge, "body_too_large")
	res = e.api.DoRaw("PUT", "/pratiche/x1", &suapAfrico, map[string]string{"Content-Type": "text/plain"}, []byte(`{}`))
	e.refused(res, before, http.StatusUnsupportedMediaType, "unsupported_media_type")
}

func TestVerificationsAndCDSCheck(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.pratica(suapAfrico, "suap-africo", domain.ProcSCIACondizionata)

	// The live check: two offices of one body count once.
	var check struct {
		CDSRequired    bool   `json:"cdsRequired"`
		Notice         string `json:"notice"`
		DistinctBodies int    `json:"distinctBodies"`
		ReasonRequired bool   `json:"reasonRequired"`
	}
	before := e.backend.commits.Load()
	e.api.Do("POST", "/pratiche/"+id+"/cds-check", &suapAfrico,
		map[string]any{"bodies": []map[string]string{ref(comuneTecnico), ref(comunePM)}}).JSON(t, &check)
	if check.CDSRequired || check.DistinctBodies != 1 || check.Notice != "" {
		t.Errorf("one body: %+v", check)
	}
	e.api.Do("POST", "/pratiche/"+id+"/cds-check", &suapAfrico,
		map[string]any{"bodies": []map[string]string{ref(comuneTecnico), ref(vvf)}}).JSON(t, &check)
	if !check.CDSRequired || check.Notice != "✘ E' necessario indire una CDS" || !check.ReasonRequired {
		t.Errorf("two bodies: %+v", check)
	}
	if e.backend.commits.Load() != before {
		t.Error("the check wrote something")
	}

	two := map[string]any{"bodies": []map[string]string{ref(comuneTecnico), ref(vvf)}}
	e.refused(e.api.Do("POST", "/pratiche/"+id+"/verifications", &suapAfrico, two), before, 422, "cds_reason_required")
	e.refused(e.api.Do("POST", "/pratiche/"+id+"/verifications", &suapAfrico,
		map[string]any{"bodies": two["bodies"], "reason": "   "}), before, 422, "cds_reason_required")
	e.refused(e.raw("POST", "/pratiche/"+id+"/verifications", suapAfrico,
		map[string]any{"bodies": two["bodies"], "reason": strings.Repeat("à", 251)}), before, 422, "invalid_input")
	e.refused(e.api.Do("POST", "/pratiche/"+id+"/verifications", &suapAfrico,
		map[string]any{"bodies": []map[string]string{{"bodyId": "procura", "officeId": "rc"}}, "reason": "x"}), before, 422, "invalid_input")

	var p praticaView
	res := e.api.Do("POST", "/pratiche/"+id+"/verifications", &suapAfrico,
		map[string]any{"bodies": two["bodies"], "reason": "  motivazione di test  "})
	if res.Status != 200 {
		t.Fatalf("send with reason: %d %s", res.Status, res.Body)
	}
	res.JSON(t, &p)
	if p.NoCDSReason != "motivazione di test" || !p.VerificationsSent {
		t.Errorf("after sending: %+v", p)
	}
	// The reason is read-only for SUAP-side operators, hidden from the service.
	e.api.Do("GET", "/pratiche/"+id, &basinLocride, nil).JSON(t, &p)
	if p.NoCDSReason != "motivazione di test" {
		t.Errorf("basin operator does not see the reason: %+v", p)
	}
	var seen praticaView
	e.api.Do("GET", "/pratiche/"+id, &manager, nil).JSON(t, &seen)
	if seen.NoCDSReason != "" || seen.ID != id {
		t.Errorf("the service sees the reason: %+v", seen)
	}

	var h historyList
	e.api.Do("GET", "/pratiche/"+id+"/history", &suapAfrico, nil).JSON(t, &h)
	var ops []string
	for _, it := range h.Items {
		ops = append(ops, it.Operation)
	}
	if got := strings.Join(ops, " | "); got != "Registrazione dati pratica | Richiesta parere pratica | Inserimento motivo mancata convocazione CDS" {
		t.Errorf("history: %s", got)
	}
	last := h.Items[len(h.Items)-1]
	if last.Name != "Maria Rossi" || last.RoleUnit != "Utente Ufficio Suap Suap Comune Africo" || last.AtLabel != "09-03-2026 10:00:00" {
		t.Errorf("history line: %+v", last)
	}

	// A second send needs no new reason.
	if res := e.api.Do("POST", "/pratiche/"+id+"/verifications", &suapAfrico, two); res.Status != 200 {
		t.Errorf("second send: %d %s", res.Status, res.Body)
	}
	// A procedure type that never requires a CDS needs no reason.
	scia := e.pratica(suapAfrico, "suap-africo", domain.ProcSCIA)
	if res := e.api.Do("POST", "/pratiche/"+scia+"/verifications", &suapAfrico, two); res.Status != 200 {
		t.Errorf("SCIA: %d %s", res.Status, res.Body)
	}
}

func TestHistoryPagination(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.pratica(suapAfrico, "suap-africo", domain.ProcSCIA)
	two := map[string]any{"bodies": []map[string]string{ref(comuneTecnico)}}
	for i := 0; i < 4; i++ {
		e.api.Do("POST", "/pratiche/"+id+"/verifications", &suapAfrico, two)
	}
	var h historyList
	e.api.Do("GET", "/pratiche/"+id+"/history?limit=2", &suapAfrico, nil).JSON(t, &h)
	if len(h.Items) != 2 || h.Next == "" {
		t.Fatalf("first page: %+v", h)
	}
	next := h.Next
	e.api.Do("GET", "/pratiche/"+id+"/history?limit=2&cursor="+next, &suapAfrico, nil).JSON(t, &h)
	if len(h.Items) != 2 || h.Next == "" {
		t.Errorf("second page: %+v", h)
	}
	res := e.api.Do("GET", "/pratiche/"+id+"/history?limit=2&cursor="+next[:len(next)-3]+"abc", &suapAfrico, nil)
	if res.Status != 422 || res.Problem(t).Code != "invalid_cursor" {
		t.Errorf("tampered cursor: %d %s", res.Status, res.Body)
	}
}
