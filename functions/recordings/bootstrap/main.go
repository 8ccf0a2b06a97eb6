// Command recordings is the recordings Lambda function: the HTTP API's
// upload and download routes and the bucket's ObjectCreated events. It only
// wires: Deps from the environment (clients built once), New, lambda.Start.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"suapcds/functions/recordings"
	"suapcds/shared/config"
)

func main() {
	d, err := recordings.FromEnv()
	if err != nil {
		config.Fatal("configuration", err)
	}
	f, err := recordings.New(d)
	if err != nil {
		config.Fatal("recordings", err)
	}
	lambda.Start(recordings.Lambda(f.Objects, httpadapter.NewV2(f.HTTP).ProxyWithContext))
}
