// Command console is the operators' web console's Lambda function behind the
// HTTP API: it serves the console's embedded files on the API's origin. It
// only wires: configuration from the environment, lambda.Start. It imports
// shared/config/base, not shared/config, so it links no AWS client.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"suapcds/functions/console"
	"suapcds/shared/config/base"
)

func main() {
	logger := base.Logger()
	c := base.ConsoleFromEnv()
	h, err := console.New(console.Config{Issuer: c.Issuer, ClientID: c.ClientID, Scope: c.Scope,
		ExtraOrigins: c.ExtraOrigins, FileOrigins: c.FileOrigins}, logger)
	if err != nil {
		base.Fatal("OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_SCOPE, OIDC_EXTRA_ORIGINS, FILE_ORIGINS", err)
	}
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}
