// Command console is the operators' web console's Lambda function: it
// serves the console's embedded files on the API's origin. It only wires:
// Deps from the environment, New, lambda.Start. It imports
// shared/config/base, not shared/config, so it links no AWS client.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"suapcds/functions/console"
	"suapcds/shared/config/base"
)

func main() {
	d, err := console.FromEnv()
	if err != nil {
		base.Fatal("configuration", err)
	}
	h, err := console.New(d)
	if err != nil {
		base.Fatal("OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_SCOPE, OIDC_EXTRA_ORIGINS, FILE_ORIGINS", err)
	}
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}
