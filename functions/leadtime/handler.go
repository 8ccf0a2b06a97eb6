// Package leadtime is the scheduled lead-time validator's function
// (docs/rules.md §2): an EventBridge schedule invokes it hourly, and each
// invocation is one run of app.Service.CheckLeadTimes, which reminds the
// regional service of unanswered requests inside the lead time, expires
// requests whose meeting started without an answer and reminds it of
// recordings not yet acquired. The rules live in shared/app; this package
// only wires them to the schedule.
package leadtime

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"suapcds/shared/app"
)

// Result counts what one run did: the Lambda's answer and the fields of the
// run's log line.
type Result = app.LeadTimeResult

// Deps are the function's dependencies: its main, the local run, the
// tests and the bench fill them alike.
type Deps struct {
	App app.Deps
	// Run bounds each run (pages per state, page size); zero values mean
	// the defaults.
	Run app.LeadTimeOptions
}

// Handler runs the validator. It is safe for concurrent use; build it once.
type Handler struct {
	svc *app.Service
	run app.LeadTimeOptions
}

// New returns the function's Handler.
func New(d Deps) (*Handler, error) {
	svc, err := app.New(d.App)
	if err != nil {
		return nil, fmt.Errorf("leadtime: %w", err)
	}
	return &Handler{svc: svc, run: d.Run}, nil
}

// Handle is the Lambda entry point for the EventBridge schedule. The event
// carries nothing the run needs but its id, logged with the counts.
func (h *Handler) Handle(ctx context.Context, ev events.EventBridgeEvent) (Result, error) {
	return h.svc.CheckLeadTimes(ctx, h.run, slog.String("eventId", ev.ID))
}

// Run is one pass of the validator, for callers without an event (the local
// run's ticker, tests).
func (h *Handler) Run(ctx context.Context) (Result, error) {
	return h.svc.CheckLeadTimes(ctx, h.run)
}
