// Command manager is the regional service's Lambda function: answers, rooms
// and the signed-link pages (which carry the recording's pre-signed upload
// form, hence the S3 client). It only wires: configuration from the
// environment, clients built once, lambda.Start.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"suapcds/functions/manager"
	"suapcds/shared/app"
	"suapcds/shared/clock"
	"suapcds/shared/config"
	"suapcds/shared/recording"
	"suapcds/shared/signedlink"
)

func main() {
	cfg, st, logger := config.MustStore()
	links, err := signedlink.New(config.LinkKey(), 0)
	if err != nil {
		config.Fatal("LINK_KEY", err)
	}
	rcfg, err := config.RecordingsFromEnv()
	if err != nil {
		config.Fatal("recordings configuration", err)
	}
	svc := app.New(st, clock.System{}, cfg.LeadDays)
	// Presigning is local signing: the client makes no call at start.
	files := recording.New(recording.NewClient(config.AWS(), rcfg.Endpoint), rcfg.Bucket)
	rec := app.NewRecordings(svc, files, rcfg.MaxBytes, logger)
	// The same bucket holds the conferences' files: the signed link of a
	// convocation too big to mail leads to a download made here.
	svc.SetConferenceFiles(files, 0)
	lambda.Start(httpadapter.NewV2(manager.New(svc, clock.System{}, links, logger, manager.WithRecordings(rec))).ProxyWithContext)
}
