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

	"suapcds/shared/clock"
	"suapcds/shared/domain"
)

// TestSamplesThroughHandlers replays every API Gateway v2 sample in events/
// through the Lambda adapter into the handlers, on DynamoDB Local, in the
// order an office would: each must succeed as it stands.
func TestSamplesThroughHandlers(t *testing.T) {
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
	replay("cdscheck-put-pratica", 201)
	replay("cdscheck-get-pratica", 200)
	replay("cdscheck-cds-check", 200)
	replay("cdscheck-verifications", 200)
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
	replay("cdscheck-history", 200)
}
