// Command leadtime is the scheduled lead-time validator, run hourly by an
// EventBridge schedule (see the leadtime package). It only wires: Deps from
// the environment (clients built once), New, lambda.Start.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"suapcds/functions/leadtime"
	"suapcds/shared/config"
)

func main() {
	d, err := leadtime.FromEnv()
	if err != nil {
		config.Fatal("configuration", err)
	}
	h, err := leadtime.New(d)
	if err != nil {
		config.Fatal("leadtime", err)
	}
	lambda.Start(h.Handle)
}
