// Command hello is the benchmarks' baseline: the smallest aws-lambda-go
// function, built with the functions' flags, whose cold start and zip the
// functions' are compared with (infra/bench).
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context, json.RawMessage) (string, error) { return "hello", nil })
}
