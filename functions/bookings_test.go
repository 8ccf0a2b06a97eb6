package functions_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"suapcds/shared/clock"
	"suapcds/shared/domain"
)

type requestView struct {
	ID         string `json:"id"`
	Email      string `json:"email"`
	State      string `json:"state"`
	StartLabel string `json:"startLabel"`
	OfficeName string `json:"officeName"`
	ReadOnly   bool   `json:"readOnly"`
	Meeting    *struct {
		Code, Password, Link string
	} `json:"meeting"`
}

type detailView struct {
	Request  requestView `json:"request"`
	Messages []struct {
		Seq         int    `json:"seq"`
		Subject     string `json:"subject"`
		StateAtSend string `json:"stateAtSend"`
	} `json:"messages"`
	Previous []requestView `json:"previous"`
	CanPost  bool          `json:"canPost"`
	NoPost   *struct{ Code, Detail string }
}

func rome(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, clock.Rome)
}

// TestLeadTime runs the rules' examples through the HTTP handler.
func TestLeadTime(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		now     time.Time
		meeting time.Time
		office  domain.Principal
		ok      bool
		lastDay string
	}{
		{"Wednesday asked on Monday", rome(2026, 3, 9, 10, 0), rome(2026, 3, 11, 12, 0), suapAfrico, true, ""},
		{"one working day ahead", rome(2026, 3, 9, 10, 0), rome(2026, 3, 10, 12, 0), suapAfrico, false, "venerdì 06-03-2026"},
		{"Tuesday asked on Friday", rome(2026, 3, 13, 17, 0), rome(2026, 3, 17, 9, 0), suapAfrico, true, ""},
		{"Tuesday asked on Saturday", rome(2026, 3, 14, 9, 0), rome(2026, 3, 17, 9, 0), suapAfrico, false, "venerdì 13-03-2026"},
		{"23:59 on the last day", rome(2026, 3, 9, 23, 59), rome(2026, 3, 11, 9, 0), suapAfrico, true, ""},
		{"00:01 the day after", rome(2026, 3, 10, 0, 1), rome(2026, 3, 11, 9, 0), suapAfrico, false, "lunedì 09-03-2026"},
		// Bianco's patron saint (10 March) is not a working day there.
		{"patron saint", rome(2026, 3, 9, 10, 0), rome(2026, 3, 11, 12, 0), suapBianco, false, "venerdì 06-03-2026"},
	}
	e := newEnv(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.use(t)
			e.clock.Set(rome(2026, 3, 2, 9, 0))
			id := e.pratica(c.office, c.office.OfficeID, domain.ProcOrdinario)
			e.clock.Set(c.now)
			before := e.backend.commits.Load()
			res := e.api.Do("POST", "/pratiche/"+id+"/booking-requests", &c.office, booking(c.meeting))
			if c.ok {
				if res.Status != http.StatusCreated {
					t.Fatalf("refused: %d %s", res.Status, res.Body)
				}
				return
			}
			e.refused(res, before, http.StatusUnprocessableEntity, "lead_time")
			if p := res.Problem(t); !strings.Contains(p.Detail, c.lastDay) {
				t.Errorf("detail %q does not name %q", p.Detail, c.lastDay)
			}
			var hint struct {
				LastRequestDayLabel string `json:"lastRequestDayLabel"`
				Open                bool   `json:"open"`
				DefaultEmail        string `json:"defaultEmail"`
			}
			e.api.Do("GET", "/pratiche/"+id+"/booking-requests/last-day?start="+strings.ReplaceAll(c.meeting.Format(time.RFC3339), "+", "%2B"),
				&c.office, nil).JSON(t, &hint)
			office, err := e.store.GetOffice(e.ctx, c.office.OfficeID)
			if err != nil {
				t.Fatal(err)
			}
			if hint.LastRequestDayLabel != c.lastDay || hint.Open || hint.DefaultEmail == "" || hint.DefaultEmail != office.Email {
				t.Errorf("last-day hint: %+v", hint)
			}
		})
	}
}

func TestCreateRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.pratica(suapAfrico, "suap-africo", domain.ProcOrdinario)
	before := e.backend.commits.Load()
	bad := []struct {
		name   string
		body   map[string]any
		status int
		code   string
	}{
		{"past", booking(rome(2026, 3, 1, 10, 0)), 422, "invalid_input"},
		{"bad e-mail", func() map[string]any { b := booking(wednesday); b["email"] = "Maria <m@x.it>"; return b }(), 422, "invalid_input"},
		{"too short", func() map[string]any { b := booking(wednesday); b["durationMinutes"] = 5; return b }(), 422, "invalid_input"},
		{"recording without consent", func() map[string]any { b := booking(wednesday); b["recording"] = true; return b }(), 422, "invalid_input"},
		{"subject too long", func() map[string]any { b := booking(wednesday); b["subject"] = strings.Repeat("è", 201); return b }(), 422, "invalid_input"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			e.use(t)
			e.refused(e.raw("POST", "/pratiche/"+id+"/booking-requests", suapAfrico, c.body), before, c.status, c.code)
		})
	}
	e.use(t)
	for _, raw := range []string{`"2026-03-11"`, `"2026-03-11T12:00:00"`, `"11-03-2026 12:00"`, `42`} {
		res := e.api.DoRaw("POST", "/pratiche/"+id+"/booking-requests", &suapAfrico, map[string]string{"Content-Type": "application/json"},
			[]byte(`{"start":`+raw+`,"durationMinutes":60,"subject":"x","recording":false}`))
		e.refused(res, before, http.StatusUnprocessableEntity, "invalid_datetime")
	}

	// The e-mail is pre-filled from the office's configuration.
	var r requestView
	res := e.api.Do("POST", "/pratiche/"+id+"/booking-requests", &suapAfrico, booking(wednesday))
	if res.Status != http.StatusCreated || res.Header.Get("Location") == "" {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	res.JSON(t, &r)
	if r.Email != "suap@comune.africo.rc.it" || r.State != "APERTA" || r.StartLabel != "11-03-2026 12:00" || r.OfficeName != "Suap Comune Africo" {
		t.Errorf("created: %+v", r)
	}
	// One live request per pratica, for the basin operator too.
	before = e.backend.commits.Load()
	e.refused(e.api.Do("POST", "/pratiche/"+id+"/booking-requests", &basinLocride, booking(wednesday)), before, 409, "live_request_exists")

	// After NON_DISPONIBILE the office may ask again; the earlier one is shown.
	e.finish(r.ID, domain.Decline)
	res = e.api.Do("POST", "/pratiche/"+id+"/booking-requests", &suapAfrico, booking(wednesday.Add(time.Hour)))
	if res.Status != http.StatusCreated {
		t.Fatalf("after NON_DISPONIBILE: %d %s", res.Status, res.Body)
	}
	var second requestView
	res.JSON(t, &second)
	var d detailView
	e.api.Do("GET", "/booking-requests/"+second.ID, &suapAfrico, nil).JSON(t, &d)
	if len(d.Previous) != 1 || d.Previous[0].ID != r.ID || d.Previous[0].State != "NON_DISPONIBILE" {
		t.Errorf("richiesta precedente: %+v", d.Previous)
	}
	var h historyList
	e.api.Do("GET", "/pratiche/"+id+"/history", &suapAfrico, nil).JSON(t, &h)
	n := 0
	for _, it := range h.Items {
		if it.Operation == string(domain.OpRequestCreated) {
			n++
		}
	}
	if n != 2 {
		t.Errorf("history has %d request creations, want 2", n)
	}
}

// finish moves a request along t directly through the store (the manager's
// API arrives with its own issue).
func (e *env) finish(id string, tr domain.Transition) {
	e.t.Helper()
	r, err := e.store.GetRequest(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	if tr == domain.Accept || tr == domain.AcceptWithRecording {
		r.Meeting = &domain.Meeting{Code: "123-456", Password: "segreta", Link: "https://meet.regione.calabria.it/abc"}
	}
	if err := r.Apply(tr, e.clock.Now()); err != nil {
		e.t.Fatal(err)
	}
	if err := e.store.UpdateRequest(e.ctx, r, nil); err != nil {
		e.t.Fatal(err)
	}
}

func TestThread(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.pratica(suapAfrico, "suap-africo", domain.ProcOrdinario)
	req := e.request(suapAfrico, id)
	for i, who := range []domain.Principal{suapAfrico, manager, basinLocride} {
		res := e.api.Do("POST", "/booking-requests/"+req+"/messages", &who, map[string]any{"subject": "Messaggio " + string(rune('A'+i))})
		if res.Status != http.StatusCreated {
			t.Fatalf("message %d: %d %s", i, res.Status, res.Body)
		}
	}
	before := e.backend.commits.Load()
	e.refused(e.raw("POST", "/booking-requests/"+req+"/messages", suapAfrico, map[string]any{"subject": " "}), before, 422, "invalid_input")
	e.refused(e.api.Do("POST", "/booking-requests/"+req+"/messages", &suapAfrico, map[string]any{"subject": "a\r\nb"}), before, 422, "invalid_input")

	e.finish(req, domain.Accept)
	var d detailView
	e.api.Do("GET", "/booking-requests/"+req, &suapAfrico, nil).JSON(t, &d)
	if len(d.Messages) != 3 || d.Messages[0].Subject != "Messaggio A" || d.Messages[2].Seq != 3 || d.Messages[2].StateAtSend != "APERTA" {
		t.Errorf("thread: %+v", d.Messages)
	}
	if d.Request.State != "EVASA" || d.Request.Meeting == nil || d.Request.Meeting.Code != "123-456" || d.CanPost || d.NoPost == nil || d.NoPost.Code != "thread_closed" {
		t.Errorf("accepted request: %+v canPost %v noPost %+v", d.Request, d.CanPost, d.NoPost)
	}
	// Closed in a final state, for everyone.
	before = e.backend.commits.Load()
	for _, who := range []domain.Principal{suapAfrico, basinLocride, manager} {
		e.refused(e.api.Do("POST", "/booking-requests/"+req+"/messages", &who, map[string]any{"subject": "ancora"}), before, 409, "thread_closed")
	}

	var comms struct {
		Items []struct{ Kind, Subject string } `json:"items"`
	}
	e.api.Do("GET", "/pratiche/"+id+"/communications", &suapAfrico, nil).JSON(t, &comms)
	if len(comms.Items) != 4 || comms.Items[3].Kind != "request" || comms.Items[0].Subject != "Messaggio C" {
		t.Errorf("communications: %+v", comms.Items)
	}
}

// TestBasinReadOnly: a request the basin operator created is read-only for
// the office's SUAP operator.
func TestBasinReadOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.pratica(suapAfrico, "suap-africo", domain.ProcOrdinario)
	req := e.request(basinLocride, id)
	var d detailView
	e.api.Do("GET", "/booking-requests/"+req, &suapAfrico, nil).JSON(t, &d)
	if !d.Request.ReadOnly || d.CanPost || d.NoPost == nil || d.NoPost.Code != "read_only" {
		t.Errorf("SUAP operator's view of a basin request: %+v %+v", d.Request, d.NoPost)
	}
	before := e.backend.commits.Load()
	e.refused(e.api.Do("POST", "/booking-requests/"+req+"/messages", &suapAfrico, map[string]any{"subject": "x"}), before, 403, "read_only")
	if res := e.api.Do("POST", "/booking-requests/"+req+"/messages", &basinLocride, map[string]any{"subject": "x"}); res.Status != 201 {
		t.Errorf("basin operator: %d", res.Status)
	}
}

func TestList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var ids []string
	for i := 0; i < 5; i++ {
		e.clock.Set(monday.Add(time.Duration(i) * time.Minute))
		office := []domain.Principal{suapAfrico, suapBianco}[i%2]
		p := e.pratica(office, office.OfficeID, domain.ProcOrdinario)
		// Thursday: Bianco's patron saint (Tuesday 10) rules out Wednesday.
		res := e.api.Do("POST", "/pratiche/"+p+"/booking-requests", &office, booking(wednesday.AddDate(0, 0, 1)))
		var v requestView
		res.JSON(t, &v)
		ids = append(ids, v.ID)
	}
	e.clock.Set(monday)
	var page struct {
		Items []requestView `json:"items"`
		Next  string        `json:"next"`
	}
	collect := func(who domain.Principal, q string) []string {
		var got []string
		path := "/booking-requests?limit=2" + q
		for {
			res := e.api.Do("GET", path, &who, nil)
			if res.Status != 200 {
				t.Fatalf("list %s: %d %s", path, res.Status, res.Body)
			}
			page.Next = ""
			res.JSON(t, &page)
			for _, r := range page.Items {
				got = append(got, r.ID)
			}
			if page.Next == "" {
				return got
			}
			path = "/booking-requests?limit=2" + q + "&cursor=" + page.Next
		}
	}
	join := func(s ...string) string { return strings.Join(s, ",") }
	if got := join(collect(suapAfrico, "")...); got != join(ids[4], ids[2], ids[0]) {
		t.Errorf("africo's list: %s", got)
	}
	if got := join(collect(basinLocride, "")...); got != join(ids[4], ids[3], ids[2], ids[1], ids[0]) {
		t.Errorf("basin's list: %s", got)
	}
	if got := join(collect(manager, "&office=suap-bianco")...); got != join(ids[3], ids[1]) {
		t.Errorf("manager's list of bianco: %s", got)
	}
	if got := join(collect(manager, "&from=2026-03-09&to=2026-03-09&state=APERTA")...); got != join(ids[4], ids[3], ids[2], ids[1], ids[0]) {
		t.Errorf("manager's list by day and state: %s", got)
	}
	if got := collect(manager, "&to=2026-03-08"); len(got) != 0 {
		t.Errorf("list before any request: %v", got)
	}
	for _, q := range []string{"?state=CHIUSA", "?limit=0", "?limit=101", "?from=09-03-2026", "?from=2026-03-10&to=2026-03-09", "?office=a%20b"} {
		res := e.api.DoRaw("GET", "/booking-requests"+q, &manager, nil, nil)
		if res.Status != http.StatusBadRequest || res.Problem(t).Code != "malformed_request" {
			t.Errorf("%s: %d %s", q, res.Status, res.Body)
		}
	}
}
