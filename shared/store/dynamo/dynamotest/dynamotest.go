// Package dynamotest gives tests a fresh table on DynamoDB Local (started by
// `make test`, found through DYNAMODB_ENDPOINT), deleted when the test ends.
package dynamotest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"suapcds/shared/store/dynamo"
	"suapcds/shared/testenv"
)

var tableSeq atomic.Int64

// Config is the aws.Config tests use against the local servers.
func Config() aws.Config {
	return aws.Config{
		Region:      "eu-south-1",
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	}
}

// Client connects to DynamoDB Local; with CI set a missing endpoint fails
// the test, elsewhere it skips.
func Client(t testing.TB) *dynamodb.Client {
	t.Helper()
	return dynamo.NewClient(Config(), testenv.Endpoint(t, "DYNAMODB_ENDPOINT"))
}

// Table creates a fresh table and returns its client and name.
func Table(t testing.TB) (*dynamodb.Client, string) {
	t.Helper()
	c := Client(t)
	name := fmt.Sprintf("suapcds-test-%d-%d", time.Now().UnixNano(), tableSeq.Add(1))
	ctx := context.Background()
	if err := dynamo.CreateTable(ctx, c, name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)}) })
	return c, name
}

// Backend returns a backend on a fresh table.
func Backend(t testing.TB) *dynamo.Backend {
	t.Helper()
	c, name := Table(t)
	return dynamo.New(c, name)
}
