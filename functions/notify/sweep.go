package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Defaults of the sweep.
const (
	// DefaultSweepGrace is how long an undelivered item is left to the
	// stream before the sweep takes it: past its creation or release for a
	// PENDING item, past the end of its claim's lease for a SENDING one.
	// The stream delivers in about a second; the grace keeps the sweep from
	// racing it (a race would be harmless: claims decide).
	DefaultSweepGrace = time.Minute
	// sweepPage is how many due items one read of the index returns.
	sweepPage = 100
	// sweepMax bounds one sweep's work; what is left is due at the next.
	sweepMax = 2000
	// sweepReserve is the invocation time kept back for the last mails.
	sweepReserve = 10 * time.Second
)

// SweepResult counts what one sweep did.
type SweepResult struct {
	Due        int `json:"due"`
	Sent       int `json:"sent"`
	Duplicates int `json:"duplicates"`
	Skipped    int `json:"skipped"`
	Retry      int `json:"retry"`
	Deferred   int `json:"deferred"`
	// OldestDueSeconds is how long the oldest due item had been due (0
	// when none was): above a few minutes, mail is being held up.
	OldestDueSeconds int64 `json:"oldestDueSeconds"`
}

// Sweep mails the outbox items that the stream did not: an item whose
// claimer died (SENDING past its lease), one released after a failure and
// whose record the stream dropped after its retries, one the stream never
// handed over. It reads the sparse unsent index up to now minus the grace
// and delivers each item by the same claim as the stream, so an item is
// mailed once whichever path gets it. It is what makes exactly-once survive
// a crash; it runs on a schedule (template.yaml: NotifyFunction's Sweep).
func (h *Handler) Sweep(ctx context.Context) (SweepResult, error) {
	start := time.Now()
	log := h.log.With("component", "sweep")
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		log = log.With("requestId", lc.AwsRequestID)
	}
	var res SweepResult
	now := h.clock.Now()
	before := now.Add(-h.grace)
	seen := map[string]bool{}
	for res.Due < sweepMax {
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < sweepReserve {
			break
		}
		items, err := h.d.Store.DueOutbox(ctx, before, sweepPage)
		if err != nil {
			log.Error("notify sweep", "stage", "read", "error", err.Error())
			return res, fmt.Errorf("notify sweep: %w", err)
		}
		var todo []int
		for i, it := range items {
			if !seen[it.ID] {
				seen[it.ID] = true
				todo = append(todo, i)
			}
		}
		if len(todo) == 0 {
			break // nothing new: what is left failed in this run already
		}
		if due := items[0].Due(); res.Due == 0 && now.After(due) {
			res.OldestDueSeconds = int64(now.Sub(due) / time.Second)
		}
		res.Due += len(todo)
		outcomes := h.each(len(todo), func(j int) outcome {
			it := &items[todo[j]]
			return h.deliver(ctx, log, it.ID, it.Kind)
		})
		for _, o := range outcomes {
			switch o {
			case sent:
				res.Sent++
			case duplicate:
				res.Duplicates++
			case skipped:
				res.Skipped++
			case retry:
				res.Retry++
			case deferred:
				res.Deferred++
			}
		}
		if len(items) < sweepPage {
			break
		}
	}
	log.Info("notify sweep", "due", res.Due, "sent", res.Sent, "duplicates", res.Duplicates, "skipped", res.Skipped,
		"retry", res.Retry, "deferred", res.Deferred, "oldestDueSeconds", res.OldestDueSeconds,
		"ms", time.Since(start).Milliseconds())
	return res, nil
}

// Invoke is the Lambda entry point: a DynamoDB stream batch (Records) is
// handled by Handle, a scheduled event (EventBridge) runs the Sweep.
func (h *Handler) Invoke(ctx context.Context, raw json.RawMessage) (any, error) {
	var probe struct {
		Records    json.RawMessage `json:"Records"`
		DetailType string          `json:"detail-type"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, fmt.Errorf("notify: undecodable event: %w", err)
	}
	switch {
	case probe.Records != nil:
		var ev events.DynamoDBEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("notify: undecodable stream batch: %w", err)
		}
		return h.Handle(ctx, ev)
	case probe.DetailType == "Scheduled Event":
		return h.Sweep(ctx)
	}
	return nil, errors.New("notify: neither a stream batch nor a scheduled event")
}
