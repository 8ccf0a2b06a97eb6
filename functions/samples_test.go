package functions_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"suapcds/shared/app"
	"suapcds/shared/clock"
	"suapcds/shared/domain"
	"suapcds/shared/store"
	"suapcds/shared/workdays"
)

// TestSamplesThroughHandlers replays every API Gateway v2 sample in events/
// through the Lambda adapter into the handlers, on DynamoDB Local, in the
// order an office would: each must succeed as it stands.
func TestSamplesThroughHandlers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.clock.Set(time.Date(2027, time.March, 1, 10, 0, 0, 0, clock.Rome))
	adapter := httpadapter.NewV2(e.handler)
	replay := func(name string, want int) {
		t.Helper()
		raw, err := os.ReadFile(filepath.Join("..", "events", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		res, err := adapter.ProxyWithContext(context.Background(), ev)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if res.StatusCode != want {
			t.Errorf("%s: status %d, want %d: %s", name, res.StatusCode, want, res.Body)
		}
	}
	replay("pratiche-put-pratica", 201)
	replay("pratiche-get-pratica", 200)
	replay("pratiche-cds-check", 200)
	replay("pratiche-verifications", 200)
	replay("bookings-create-request", 201)

	// The request samples name a fixed request: decline the one just made,
	// and book that one.
	reqs, err := e.store.PraticaRequests(e.ctx, "pratica-456", 5)
	if err != nil || len(reqs) != 1 {
		t.Fatalf("requests of pratica-456: %v %v", reqs, err)
	}
	e.finish(reqs[0].ID, domain.Decline)
	p, err := e.store.GetPratica(e.ctx, "pratica-456")
	if err != nil {
		t.Fatal(err)
	}
	fixed := reqs[0]
	fixed.ID, fixed.State, fixed.Version, fixed.MessageCount = "01a207bd-a9c0-7881-8632-e0ebd4abffb7", domain.StateOpen, 0, 0
	fixed.CreatedAt = e.clock.Now().Add(time.Minute)
	h := domain.NewHistory(p.ID, suapAfrico, domain.OpRequestCreated, "", fixed.CreatedAt)
	if err := e.store.CreateRequest(e.ctx, &fixed, h); err != nil {
		t.Fatal(err)
	}

	replay("bookings-pratica-requests", 200)
	replay("bookings-get-request", 200)
	replay("bookings-post-message", 201)
	replay("bookings-last-day", 200)
	replay("bookings-communications", 200)
	replay("bookings-list-requests", 200)
	replay("pratiche-history", 200)
	replay("pratiche-history-export", 200)

	// The conferences: the directory, a conference, and the samples' fixed
	// conference and session (their ids are the server's otherwise). The
	// sample's request is accepted, so its meeting fills the session's place.
	e.finish(fixed.ID, domain.Accept)
	replay("pratiche-put-body", 201)
	replay("pratiche-list-bodies", 200)
	replay("pratiche-create-conference", 201)
	conf := &domain.Conference{ID: sampleConference, PraticaID: p.ID, Type: domain.CDSSimultaneaSincrona,
		StartDate: workdays.NewDate(2027, time.March, 1), CreatedAt: e.clock.Now(), CreatedBy: suapAfrico.UserID}
	if err := e.store.CreateConference(e.ctx, conf, domain.NewHistory(p.ID, suapAfrico, domain.OpConferenceCreated, "", e.clock.Now())); err != nil {
		t.Fatal(err)
	}
	replay("pratiche-list-conferences", 200)
	replay("pratiche-conference-document", 200)
	replay("pratiche-conference-file", 200)
	// The convocation the sample names, as its upload would have left it.
	e.putFile(app.ConferenceFilePrefix(p.ID, sampleConference)+"5b1d6c1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e", "application/pdf", []byte("%PDF-1.7 convocazione"))
	replay("pratiche-convene-session", 201)
	if conf, err = e.store.GetConference(e.ctx, p.ID, sampleConference); err != nil {
		t.Fatal(err)
	}
	next := *conf
	next.SessionCount++
	x := &domain.Session{ID: sampleSession, PraticaID: p.ID, ConferenceID: conf.ID, Seq: next.SessionCount,
		Start: time.Date(2027, time.March, 18, 10, 0, 0, 0, clock.Rome), Place: "Sala consiliare", State: domain.SessionConvened,
		ConvocationFileKey: "cds/pratica-456/convocazione-seduta-2.pdf", CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now()}
	if err := e.store.ConveneSession(e.ctx, store.ConveneChange{Session: x, Conference: &next}); err != nil {
		t.Fatal(err)
	}
	replay("pratiche-list-sessions", 200)
	replay("pratiche-session-state", 200)

	// The closure, the day after the convened session: that session held,
	// the closing act uploaded under the key the sample names.
	e.clock.Set(time.Date(2027, time.March, 12, 12, 0, 0, 0, clock.Rome))
	_, sessions, err := e.store.PraticaConferences(e.ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sessions {
		if s.ConferenceID == sampleConference && s.State == domain.SessionConvened {
			state := "/pratiche/" + p.ID + "/conferences/" + sampleConference + "/sessions/" + s.ID + "/state"
			if res := e.api.Do("POST", state, &suapAfrico, map[string]any{"state": "SVOLTA"}); res.Status != 200 {
				t.Fatalf("hold session %d: %d %s", s.Seq, res.Status, res.Body)
			}
		}
	}
	e.putFile(app.ConferenceFilePrefix(p.ID, sampleConference)+"7c2e9a40-1b3d-4f5e-9a6b-8c7d6e5f4a3b", "application/pdf", []byte("%PDF-1.7 verbale conclusivo"))
	replay("pratiche-close-conference", 200)
	// The closing act the conference now names.
	replay("pratiche-conference-file-download", 200)
}

// The conference and session the conference samples name.
const (
	sampleConference = "0193f1c2-7d3e-7a10-9c4b-5e6f7a8b9c0d"
	sampleSession    = "0193f1c2-8e4f-7b21-8d5c-6f7a8b9c0d1e"
)
