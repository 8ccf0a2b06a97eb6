// Command notify is the Lambda function on the table's stream (outbox
// INSERTs only, by the template's event filter): it mails each event once
// through SES v2. A schedule runs its sweep, which mails what the stream
// did not (a crashed delivery, a dropped record). It only wires: Deps from
// the environment (clients built once), New, lambda.Start.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"suapcds/functions/notify"
	"suapcds/shared/config"
)

func main() {
	d, err := notify.FromEnv()
	if err != nil {
		config.Fatal("configuration", err)
	}
	h, err := notify.New(d)
	if err != nil {
		config.Fatal("notify", err)
	}
	// Stream batches and the scheduled sweep share the entry point.
	lambda.Start(h.Invoke)
}
