package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/google/uuid"
)

// job is one template schedule bound to its function's entry point.
type job struct {
	ev      scheduleEvent
	every   time.Duration
	handle  scheduleHandler
	timeout time.Duration
}

// runScheduler plays EventBridge: each job runs once at start (so a restart
// catches up at once), then on its period, until ctx ends.
func runScheduler(ctx context.Context, jobs []job, logger *slog.Logger) {
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Go(func() {
			log := logger.With("function", j.ev.Function, "event", j.ev.Event)
			t := time.NewTicker(j.every)
			defer t.Stop()
			for {
				j.run(ctx, log)
				select {
				case <-t.C:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	wg.Wait()
}

// run invokes the function with the event EventBridge sends for a schedule.
func (j job) run(ctx context.Context, log *slog.Logger) {
	now := time.Now()
	ev := events.EventBridgeEvent{
		Version:    "0",
		ID:         uuid.NewString(),
		DetailType: "Scheduled Event",
		Source:     "aws.events",
		AccountID:  "000000000000",
		Time:       now.UTC().Truncate(time.Second),
		Region:     "local",
		Resources:  []string{"arn:aws:events:local:000000000000:rule/" + j.ev.Function + "-" + j.ev.Event},
		Detail:     json.RawMessage("{}"),
	}
	ctx, cancel := context.WithTimeout(ctx, j.timeout)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: ev.ID,
		InvokedFunctionArn: "arn:aws:lambda:local:000000000000:function:" + j.ev.Function})
	err := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("panic: %v", p)
			}
		}()
		return j.handle(ctx, ev)
	}()
	if err != nil {
		log.Error("scheduled run failed", "error", err.Error(), "ms", time.Since(now).Milliseconds())
		return
	}
	log.Info("scheduled run", "ms", time.Since(now).Milliseconds())
}
