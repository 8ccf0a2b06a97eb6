// Command bookings is the bookings Lambda function behind the HTTP API. It only wires:
// configuration from the environment, clients built once, lambda.Start.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"suapcds/functions/bookings"
	"suapcds/shared/app"
	"suapcds/shared/clock"
	"suapcds/shared/config"
)

func main() {
	cfg, st, logger := config.MustStore()
	svc := app.New(st, clock.System{}, cfg.LeadDays)
	lambda.Start(httpadapter.NewV2(bookings.New(svc, clock.System{}, logger)).ProxyWithContext)
}
