// Command console is the operators' web console's Lambda function: it
// serves the console's embedded files on the API's origin. It
// only wires: Deps from the environment (clients built once), New,
// lambda.Start.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"suapcds/functions/console"
	"suapcds/shared/config"
)

func main() {
	d, err := console.FromEnv()
	if err != nil {
		config.Fatal("configuration", err)
	}
	h, err := console.New(d)
	if err != nil {
		config.Fatal("console", err)
	}
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}
