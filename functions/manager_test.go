package functions_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"suapcds/shared/clock"
	"suapcds/shared/domain"
	"suapcds/shared/signedlink"
)

// rooms configures three rooms as the admin.
func (e *env) rooms() {
	e.t.Helper()
	for i := 1; i <= 3; i++ {
		res := e.api.Do("PUT", fmt.Sprintf("/rooms/sala-%d", i), &admin, map[string]any{
			"name": fmt.Sprintf("Sala virtuale %d", i), "defaultLink": fmt.Sprintf("https://meet.regione.calabria.it/sala-%d", i), "active": true})
		if res.Status != 200 {
			e.t.Fatalf("put room: %d %s", res.Status, res.Body)
		}
	}
}

func accept(room string) map[string]any {
	return map[string]any{"roomId": room, "code": "123 456 789", "password": "Suap2026", "link": "https://meet.regione.calabria.it/" + room}
}

// TestRoomsNeverDoubleBooked: 30 concurrent "available" answers for 30
// requests at overlapping times, each naming one of 3 rooms: exactly one per
// room wins, the others get 409 room_unavailable; a cancellation frees the
// room for the next.
func TestRoomsNeverDoubleBooked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.rooms()
	const n = 30
	ids := make([]string, n)
	for i := range ids {
		p := e.pratica(suapAfrico, "suap-africo", domain.ProcOrdinario)
		// Wednesday from 10:00, each starting 4 minutes after the previous:
		// 30 meetings of 2 hours within 116 minutes, so every pair overlaps.
		start := time.Date(2026, time.March, 11, 10, 0, 0, 0, clock.Rome).Add(time.Duration(i) * 4 * time.Minute)
		b := booking(start)
		b["recording"], b["recordingConsent"] = true, true
		res := e.api.Do("POST", "/pratiche/"+p+"/booking-requests", &suapAfrico, b)
		if res.Status != 201 {
			t.Fatalf("request %d: %d %s", i, res.Status, res.Body)
		}
		var v requestView
		res.JSON(t, &v)
		ids[i] = v.ID
	}
	type result struct {
		i      int
		status int
		code   string
	}
	results := make(chan result, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			res := e.api.Do("POST", "/booking-requests/"+ids[i]+"/accept", &manager, accept(fmt.Sprintf("sala-%d", i%3+1)))
			r := result{i: i, status: res.Status}
			if res.Status >= 400 {
				r.code = res.Problem(t).Code
			}
			results <- r
		}(i)
	}
	close(start)
	wg.Wait()
	close(results)
	won := map[string]int{}
	winner := map[string]int{}
	for r := range results {
		room := fmt.Sprintf("sala-%d", r.i%3+1)
		switch {
		case r.status == 200:
			won[room]++
			winner[room] = r.i
		case r.status == 409 && r.code == "room_unavailable":
		default:
			t.Errorf("answer %d: %d %s", r.i, r.status, r.code)
		}
	}
	for room := range map[string]bool{"sala-1": true, "sala-2": true, "sala-3": true} {
		if won[room] != 1 {
			t.Errorf("%s was booked %d times", room, won[room])
		}
	}
	// The losers are still APERTA; the winners IN_ELABORAZIONE (recording).
	var d detailView
	e.api.Do("GET", "/booking-requests/"+ids[winner["sala-1"]], &manager, nil).JSON(t, &d)
	if d.Request.State != "IN_ELABORAZIONE" || d.Request.Meeting == nil {
		t.Fatalf("winner: %+v", d.Request)
	}
	loser := (winner["sala-1"] + 3) % n
	var avail struct {
		Items []struct {
			Room struct{ ID string } `json:"room"`
			Free bool                `json:"free"`
		} `json:"items"`
	}
	e.api.Do("GET", "/booking-requests/"+ids[loser]+"/rooms", &manager, nil).JSON(t, &avail)
	for _, a := range avail.Items {
		if a.Free {
			t.Errorf("room %s shown free while all three are booked", a.Room.ID)
		}
	}
	// Cancel sala-1's booking: the room is free again for the next one.
	before := e.backend.commits.Load()
	e.refused(e.api.Do("POST", "/booking-requests/"+ids[loser]+"/cancel", &manager, map[string]any{"message": "x"}), before, 409, "invalid_transition")
	res := e.api.Do("POST", "/booking-requests/"+ids[winner["sala-1"]]+"/cancel", &manager, map[string]any{"message": "Guasto tecnico della piattaforma"})
	if res.Status != 200 {
		t.Fatalf("cancel: %d %s", res.Status, res.Body)
	}
	e.api.Do("GET", "/booking-requests/"+ids[loser]+"/rooms", &manager, nil).JSON(t, &avail)
	free := ""
	for _, a := range avail.Items {
		if a.Free {
			free += a.Room.ID
		}
	}
	if free != "sala-1" {
		t.Errorf("free rooms after the cancellation: %q, want sala-1", free)
	}
	if res := e.api.Do("POST", "/booking-requests/"+ids[loser]+"/accept", &manager, accept("sala-1")); res.Status != 200 {
		t.Errorf("accept after the cancellation: %d %s", res.Status, res.Body)
	}
}

func TestManagerAnswers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.rooms()
	p := e.pratica(suapAfrico, "suap-africo", domain.ProcOrdinario)
	id := e.request(suapAfrico, p)
	before := e.backend.commits.Load()
	e.refused(e.api.Do("POST", "/booking-requests/"+id+"/accept", &suapAfrico, accept("sala-1")), before, 403, "manager_only")
	e.refused(e.raw("POST", "/booking-requests/"+id+"/accept", manager, map[string]any{"roomId": "sala-1", "code": "", "password": "x", "link": "ftp://x"}), before, 422, "invalid_input")
	e.refused(e.api.Do("POST", "/booking-requests/"+id+"/accept", &manager, accept("sala-9")), before, 422, "unknown_room")
	e.refused(e.api.Do("PUT", "/rooms/sala-4", &manager, map[string]any{"name": "x", "defaultLink": "", "active": true}), before, 403, "admin_only")

	if res := e.api.Do("POST", "/booking-requests/"+id+"/take", &manager, nil); res.Status != 200 {
		t.Fatalf("take: %d %s", res.Status, res.Body)
	}
	res := e.api.Do("POST", "/booking-requests/"+id+"/decline", &manager, map[string]any{"message": "Tutte le sale sono occupate in quell'orario."})
	if res.Status != 200 {
		t.Fatalf("decline: %d %s", res.Status, res.Body)
	}
	var d detailView
	e.api.Do("GET", "/booking-requests/"+id, &suapAfrico, nil).JSON(t, &d)
	if d.Request.State != "NON_DISPONIBILE" || len(d.Messages) != 1 || d.Messages[0].Subject != "Videoconferenza non disponibile" || d.CanPost {
		t.Errorf("after decline: %+v %+v", d.Request, d.Messages)
	}
	before = e.backend.commits.Load()
	e.refused(e.api.Do("POST", "/booking-requests/"+id+"/accept", &manager, accept("sala-1")), before, 409, "invalid_transition")
	e.refused(e.api.Do("POST", "/booking-requests/"+id+"/cancel", &manager, map[string]any{"message": "x"}), before, 409, "invalid_transition")
	// Decline is for APERTA only: it never cancels an accepted request.
	acc := e.request(suapAfrico, e.pratica(suapAfrico, "suap-africo", domain.ProcOrdinario))
	if res := e.api.Do("POST", "/booking-requests/"+acc+"/accept", &manager, accept("sala-1")); res.Status != 200 {
		t.Fatalf("accept: %d %s", res.Status, res.Body)
	}
	before = e.backend.commits.Load()
	e.refused(e.api.Do("POST", "/booking-requests/"+acc+"/decline", &manager, map[string]any{"message": "x"}), before, 409, "invalid_transition")
	// The office may ask again, and the answer is in the history and outbox.
	var h historyList
	e.api.Do("GET", "/pratiche/"+p+"/history", &suapAfrico, nil).JSON(t, &h)
	ops := ""
	for _, it := range h.Items {
		ops += it.Operation + "|"
	}
	if !strings.Contains(ops, string(domain.OpRequestTaken)) || !strings.Contains(ops, string(domain.OpRequestDeclined)) {
		t.Errorf("history: %s", ops)
	}
	r, _ := e.store.GetRequest(e.ctx, id)
	if _, err := e.store.GetOutbox(e.ctx, fmt.Sprintf("%s.%s.%d", id, domain.EventStateChanged, r.Version)); err != nil {
		t.Errorf("no state_changed outbox event: %v", err)
	}
}

// page is a browser-like client of the signed-link pages: it keeps cookies
// and does not follow redirects, so each step is visible.
type page struct {
	t   *testing.T
	srv *httptest.Server
	c   *http.Client
}

func (e *env) pageClient() *page {
	srv := httptest.NewServer(e.handler)
	e.t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	return &page{t: e.t, srv: srv, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (p *page) get(path string) (int, string) {
	p.t.Helper()
	res, err := p.c.Get(p.srv.URL + path)
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func (p *page) post(path string, form url.Values) (int, string, string) {
	p.t.Helper()
	res, err := p.c.PostForm(p.srv.URL+path, form)
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Location"), string(b)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func TestSignedLinkPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.rooms()
	p := e.pratica(suapAfrico, "suap-africo", domain.ProcOrdinario)
	b := booking(wednesday)
	b["subject"] = `Riunione <script>alert("x")</script>`
	res := e.api.Do("POST", "/pratiche/"+p+"/booking-requests", &suapAfrico, b)
	var v requestView
	res.JSON(t, &v)
	id := v.ID
	other := e.request(suapAfrico, e.pratica(suapAfrico, "suap-africo", domain.ProcOrdinario))
	tok := e.links.Sign(signedlink.Answer, id, e.clock.Now())
	pc := e.pageClient()

	// Refused links: tampered, expired, another request's, another purpose.
	expired := e.links.Sign(signedlink.Answer, id, e.clock.Now().Add(-15*24*time.Hour))
	for name, path := range map[string]string{
		"tampered":      "/gestore/richieste/" + id + "?t=" + tok[:len(tok)-2] + "xx",
		"expired":       "/gestore/richieste/" + id + "?t=" + expired,
		"other request": "/gestore/richieste/" + other + "?t=" + tok,
		"wrong purpose": "/gestore/richieste/" + id + "?t=" + e.links.Sign("upload", id, e.clock.Now()),
		"missing":       "/gestore/richieste/" + id,
	} {
		if status, body := pc.get(path); status != 403 || !strings.Contains(body, "Il link non è valido o è scaduto") || strings.Contains(body, "Sala") {
			t.Errorf("%s link: %d", name, status)
		}
	}

	status, body := pc.get("/gestore/richieste/" + id + "?t=" + tok)
	if status != 200 || !strings.Contains(body, "Conferma disponibilità") {
		t.Fatalf("page: %d", status)
	}
	if strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
		t.Errorf("the subject is not escaped")
	}
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no csrf field")
	}
	form := url.Values{"t": {tok}, "csrf": {m[1]}, "roomId": {"sala-2"}, "code": {"987 654"}, "password": {"Pw-2026"}, "link": {"https://meet.regione.calabria.it/sala-2"}}

	// Without the CSRF field the answer is refused and nothing is written.
	before := e.backend.commits.Load()
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("csrf", "forged")
	if status, _, body := pc.post("/gestore/richieste/"+id+"/accetta", bad); status != 403 || !strings.Contains(body, "Il modulo è scaduto") {
		t.Errorf("forged csrf: %d", status)
	}
	// A missing field keeps what was typed.
	partial := url.Values{}
	for k, v := range form {
		partial[k] = v
	}
	partial.Set("code", "")
	if status, _, body := pc.post("/gestore/richieste/"+id+"/accetta", partial); status != 422 || !strings.Contains(body, `value="Pw-2026"`) {
		t.Errorf("missing code: %d", status)
	}
	if e.backend.commits.Load() != before {
		t.Error("a refused form wrote")
	}

	status, loc, _ := pc.post("/gestore/richieste/"+id+"/accetta", form)
	if status != http.StatusSeeOther || !strings.Contains(loc, "esito=accettata") {
		t.Fatalf("accept: %d %s", status, loc)
	}
	_, body = pc.get(loc)
	if !strings.Contains(body, "la videoconferenza è confermata") || !strings.Contains(body, `id="state">Evasa`) || !strings.Contains(body, "987 654") {
		t.Errorf("page after accepting does not show the new state")
	}
	if strings.Contains(body, `id="accept"`) || !strings.Contains(body, `id="closed"`) {
		t.Errorf("the answer form is still offered")
	}
	var d detailView
	e.api.Do("GET", "/booking-requests/"+id, &suapAfrico, nil).JSON(t, &d)
	if d.Request.State != "EVASA" || d.Request.Meeting == nil || d.Request.Meeting.Link != "https://meet.regione.calabria.it/sala-2" {
		t.Errorf("through the API: %+v", d.Request)
	}
	// After a final state answers are refused with a clear message.
	before = e.backend.commits.Load()
	status, _, body = pc.post("/gestore/richieste/"+id+"/rifiuta", url.Values{"t": {tok}, "csrf": {m[1]}, "message": {"ripensamento"}})
	if status != 409 || !strings.Contains(body, "non consentita per una richiesta nello stato") {
		t.Errorf("answer after the final state: %d", status)
	}
	if e.backend.commits.Load() != before {
		t.Error("a refused answer wrote")
	}
}
