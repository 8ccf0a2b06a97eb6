package dynamo_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"suapcds/shared/store"
	"suapcds/shared/store/dynamo"
	"suapcds/shared/store/storetest"
	"suapcds/shared/testenv"
)

var tableSeq atomic.Int64

// client connects to DynamoDB Local as started by `make test`.
func client(t testing.TB) *dynamodb.Client {
	endpoint := testenv.Endpoint(t, "DYNAMODB_ENDPOINT")
	cfg := aws.Config{
		Region:      "eu-south-1",
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	}
	return dynamo.NewClient(cfg, endpoint)
}

// newBackend creates a fresh table for one test and deletes it afterwards.
func newBackend(t testing.TB) store.Backend {
	c := client(t)
	name := fmt.Sprintf("suapcds-test-%d-%d", time.Now().UnixNano(), tableSeq.Add(1))
	ctx := context.Background()
	if err := dynamo.CreateTable(ctx, c, name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)}) })
	return dynamo.New(c, name)
}

// TestContract runs the store contract on DynamoDB Local.
func TestContract(t *testing.T) { storetest.Run(t, newBackend) }

// TestPageCost prints the items and capacity one list page reads at 20 and
// 2,000 requests.
func TestPageCost(t *testing.T) {
	if testing.Short() {
		t.Skip("fills 2,000 requests")
	}
	storetest.PageCost(t, newBackend, 10, []int{20, 2000}, 8)
}
