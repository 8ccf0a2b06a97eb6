// Command manager is the regional service's Lambda function: answers, rooms
// and the signed-link pages. It
// only wires: Deps from the environment (clients built once), New,
// lambda.Start.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"suapcds/functions/manager"
	"suapcds/shared/config"
)

func main() {
	d, err := manager.FromEnv()
	if err != nil {
		config.Fatal("configuration", err)
	}
	h, err := manager.New(d)
	if err != nil {
		config.Fatal("manager", err)
	}
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}
