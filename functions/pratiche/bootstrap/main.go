// Command pratiche is the pratiche Lambda function behind the HTTP API. It
// only wires: Deps from the environment (clients built once), New,
// lambda.Start.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"suapcds/functions/pratiche"
	"suapcds/shared/config"
)

func main() {
	d, err := pratiche.FromEnv()
	if err != nil {
		config.Fatal("configuration", err)
	}
	h, err := pratiche.New(d)
	if err != nil {
		config.Fatal("pratiche", err)
	}
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}
