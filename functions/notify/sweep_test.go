package notify_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"suapcds/functions/notify"
	"suapcds/shared/domain"
	"suapcds/shared/mail/sestest"
	"suapcds/shared/store"
)

func (e *env) sweep(h *notify.Handler) notify.SweepResult {
	e.t.Helper()
	res, err := h.Sweep(e.ctx)
	if err != nil {
		e.t.Fatalf("Sweep: %v", err)
	}
	return res
}

func createdID(r *domain.Request) string {
	return store.OutboxID(domain.OutboxEvent{Kind: domain.EventRequestCreated, SubjectID: r.ID, Seq: 1})
}

// TestSweepTakesUpACrashedClaim: an invocation claims an item and dies
// before mailing it. The stream's redelivery finds it claimed and leaves it
// (no retry storm, no failure queue); the sweep mails it once the claim's
// lease has run out and the grace has passed, exactly once however often it
// runs.
func TestSweepTakesUpACrashedClaim(t *testing.T) {
	e := newEnv(t)
	r := e.request("P1", "2027/001")
	id := createdID(r)
	batch := e.stream.Read(t, 1, 15*time.Second)

	// The dead invocation's claim.
	if _, err := e.repo.ClaimOutbox(e.ctx, id, now, notify.DefaultClaimLease); err != nil {
		t.Fatal(err)
	}
	h := e.handler(2)
	if resp := e.handle(h, batch); len(resp.BatchItemFailures) != 0 {
		t.Errorf("a claimed item is reported for retry: %+v", resp.BatchItemFailures)
	}
	if !strings.Contains(e.logs.String(), `"outcome":"deferred"`) {
		t.Errorf("no deferred outcome logged:\n%s", e.logs)
	}
	if got := sestest.Store(t).To(e.mailbox); len(got) != 0 {
		t.Fatalf("mailed while claimed: %d", len(got))
	}

	e.clk.Set(now.Add(notify.DefaultClaimLease))
	if res := e.sweep(h); res.Due != 0 || res.Sent != 0 {
		t.Errorf("sweep within the grace: %+v", res)
	}
	e.clk.Set(now.Add(notify.DefaultClaimLease + notify.DefaultSweepGrace + time.Second))
	res := e.sweep(h)
	if res.Due != 1 || res.Sent != 1 || res.OldestDueSeconds < 60 {
		t.Errorf("sweep after the lease: %+v", res)
	}
	one(t, sestest.Store(t).To(e.mailbox), "the request's mail")
	if d, err := e.repo.GetOutboxDelivery(e.ctx, id); err != nil || d.Status != store.OutboxStatusSent || d.Attempts != 2 {
		t.Errorf("after the sweep: %+v, %v", d, err)
	}
	e.clk.Set(now.Add(time.Hour))
	if res := e.sweep(h); res.Due != 0 {
		t.Errorf("second sweep: %+v", res)
	}
	if resp := e.handle(h, batch); len(resp.BatchItemFailures) != 0 {
		t.Errorf("late redelivery: %+v", resp.BatchItemFailures)
	}
	if n := len(sestest.Store(t).To(e.mailbox)); n != 1 {
		t.Errorf("%d mails, want 1", n)
	}
}

// TestSweepMailsWhatTheStreamDropped: a record the stream never delivered
// (dropped after its retries, or lost), and one released after throttling
// whose retries ran out, are mailed by the sweep after the grace.
func TestSweepMailsWhatTheStreamDropped(t *testing.T) {
	e := newEnv(t)
	r1 := e.request("P1", "2027/001")
	r2 := e.request("P2", "2027/002")
	batch := e.stream.Read(t, 2, 15*time.Second)
	// r2's mail is throttled on the stream's only try; r1's record is
	// never handed over at all.
	var only2 []events.DynamoDBEventRecord
	for _, rec := range batch {
		if strings.Contains(rec.Change.NewImage["id"].String(), r2.ID) {
			only2 = append(only2, rec)
		}
	}
	e.ses.fail = func([]byte) int { return 1 }
	h := e.handler(1)
	if resp := e.handle(h, only2); len(resp.BatchItemFailures) != 1 {
		t.Fatalf("throttled record: %+v", resp)
	}
	e.ses.fail = nil

	if res := e.sweep(h); res.Due != 0 {
		t.Errorf("sweep within the grace: %+v", res)
	}
	e.clk.Set(now.Add(notify.DefaultSweepGrace))
	res := e.sweep(h)
	if res.Due != 2 || res.Sent != 2 {
		t.Errorf("sweep: %+v", res)
	}
	for _, id := range []string{createdID(r1), createdID(r2)} {
		if d, err := e.repo.GetOutboxDelivery(e.ctx, id); err != nil || d.Status != store.OutboxStatusSent {
			t.Errorf("%s: %+v, %v", id, d, err)
		}
	}
	if n := len(sestest.Store(t).To(e.mailbox)); n != 2 {
		t.Errorf("%d mails, want 2", n)
	}
}

// TestInvokeDispatches: the Lambda entry point hands a stream batch to
// Handle and a scheduled event to the sweep.
func TestInvokeDispatches(t *testing.T) {
	e := newEnv(t)
	e.request("P1", "2027/001")
	batch := e.stream.Read(t, 1, 15*time.Second)
	h := e.handler(1)
	raw, err := json.Marshal(events.DynamoDBEvent{Records: batch})
	if err != nil {
		t.Fatal(err)
	}
	out, err := h.Invoke(e.ctx, raw)
	if resp, ok := out.(events.DynamoDBEventResponse); err != nil || !ok || len(resp.BatchItemFailures) != 0 {
		t.Errorf("stream batch: %#v, %v", out, err)
	}
	e.clk.Set(now.Add(time.Hour))
	sched := `{"version":"0","id":"x","detail-type":"Scheduled Event","source":"aws.events","account":"1","time":"2027-03-01T09:00:00Z","region":"eu-south-1","resources":[],"detail":{}}`
	out, err = h.Invoke(e.ctx, json.RawMessage(sched))
	if res, ok := out.(notify.SweepResult); err != nil || !ok || res.Due != 0 {
		t.Errorf("schedule: %#v, %v", out, err)
	}
	if _, err := h.Invoke(e.ctx, json.RawMessage(`{"hello":1}`)); err == nil {
		t.Error("an unknown event was accepted")
	}
	if n := len(sestest.Store(t).To(e.mailbox)); n != 1 {
		t.Errorf("%d mails, want 1", n)
	}
}
