// Command recordings is the recordings Lambda function: the HTTP API's
// upload and download routes and the bucket's ObjectCreated events. It only
// wires: configuration from the environment, clients built once,
// lambda.Start.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"suapcds/functions/recordings"
	"suapcds/shared/app"
	"suapcds/shared/clock"
	"suapcds/shared/config"
	"suapcds/shared/recording"
)

func main() {
	cfg, st, logger := config.MustStore()
	rcfg, err := config.RecordingsFromEnv()
	if err != nil {
		config.Fatal("recordings configuration", err)
	}
	files := recording.New(recording.NewClient(config.AWS(), rcfg.Endpoint), rcfg.Bucket)
	rec := app.NewRecordings(app.New(st, clock.System{}, cfg.LeadDays), files, rcfg.MaxBytes, logger)
	api := httpadapter.NewV2(recordings.New(rec, logger)).ProxyWithContext
	lambda.Start(recordings.Lambda(recordings.NewObjects(rec, rcfg.Bucket, logger), api))
}
