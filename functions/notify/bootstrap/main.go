// Command notify is the Lambda function on the table's stream (outbox
// INSERTs only, by the template's event filter): it mails each event once
// through SES v2. A schedule runs its sweep, which mails what the stream
// did not (a crashed delivery, a dropped record). It only wires: configuration from the environment, clients
// built once, lambda.Start.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"suapcds/functions/notify"
	"suapcds/shared/clock"
	"suapcds/shared/config"
	"suapcds/shared/mail"
	"suapcds/shared/s3get"
	"suapcds/shared/signedlink"
)

func main() {
	cfg, err := config.NotifyFromEnv()
	if err != nil {
		config.Fatal("configuration", err)
	}
	logger := config.Logger()
	awsCfg := config.AWS()
	st, err := cfg.Store(awsCfg)
	if err != nil {
		config.Fatal("store", err)
	}
	links, err := signedlink.New(cfg.LinkKey, 0)
	if err != nil {
		config.Fatal("LINK_KEY", err)
	}
	// A signed GET, not the S3 client: notify only reads the convocations
	// to attach, and the client would add 4.7 MB to the binary every cold
	// start loads.
	files, err := s3get.New(awsCfg, cfg.S3Endpoint, cfg.Bucket)
	if err != nil {
		config.Fatal("convocation files", err)
	}
	h := notify.New(notify.Deps{
		Store:          st,
		Sender:         mail.NewSES(mail.NewSESClient(awsCfg, cfg.SESEndpoint)),
		Clock:          clock.System{},
		Links:          links,
		Files:          files,
		AttachMaxBytes: cfg.AttachMaxBytes,
		Logger:         logger,
		ServiceMailbox: cfg.ServiceMailbox,
		MailFrom:       cfg.MailFrom,
		PublicBaseURL:  cfg.PublicBaseURL,
		Concurrency:    cfg.Concurrency,
		ClaimLease:     cfg.ClaimLease,
	})
	// Stream batches and the scheduled sweep share the entry point.
	lambda.Start(h.Invoke)
}
