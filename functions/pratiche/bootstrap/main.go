// Command pratiche is the pratiche Lambda function behind the HTTP API. It only wires:
// configuration from the environment, clients built once, lambda.Start.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"suapcds/functions/pratiche"
	"suapcds/shared/app"
	"suapcds/shared/clock"
	"suapcds/shared/config"
	"suapcds/shared/recording"
)

func main() {
	cfg, st, logger := config.MustStore()
	fcfg, err := config.ConferenceFilesFromEnv()
	if err != nil {
		config.Fatal("conference files configuration", err)
	}
	svc := app.New(st, clock.System{}, cfg.LeadDays)
	svc.SetConferenceFiles(recording.New(recording.NewClient(config.AWS(), fcfg.Endpoint), fcfg.Bucket), fcfg.MaxBytes)
	lambda.Start(httpadapter.NewV2(pratiche.New(svc, logger)).ProxyWithContext)
}
