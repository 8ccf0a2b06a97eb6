// Command leadtime is the scheduled lead-time validator, run hourly by an
// EventBridge schedule (see handler's doc). It only wires: configuration
// from the environment, clients built once, lambda.Start.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"suapcds/functions/leadtime"
	"suapcds/shared/clock"
	"suapcds/shared/config"
)

func main() {
	cfg, st, logger := config.MustStore()
	h := leadtime.New(st, clock.System{}, logger, leadtime.Options{LeadDays: cfg.LeadDays})
	lambda.Start(h.Handle)
}
