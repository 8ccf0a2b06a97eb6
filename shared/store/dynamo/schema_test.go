package dynamo_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"suapcds/shared/store"
	"suapcds/shared/store/dynamo"
	"suapcds/shared/store/dynamo/dynamotest"
)

// TestAddMissingIndexes: a table made by a version without the newest
// index (byUnsent) gets it, active, and a second call adds nothing.
func TestAddMissingIndexes(t *testing.T) {
	c := dynamotest.Client(t)
	ctx := context.Background()
	name := fmt.Sprintf("suapcds-test-old-%d", time.Now().UnixNano())
	in := dynamo.TableInput(name)
	in.GlobalSecondaryIndexes = slices.DeleteFunc(in.GlobalSecondaryIndexes, func(gi types.GlobalSecondaryIndex) bool {
		return aws.ToString(gi.IndexName) == store.IndexUnsent.Name
	})
	in.AttributeDefinitions = slices.DeleteFunc(in.AttributeDefinitions, func(a types.AttributeDefinition) bool {
		n := aws.ToString(a.AttributeName)
		return n == store.IndexUnsent.PKAttr || n == store.IndexUnsent.SKAttr
	})
	if _, err := c.CreateTable(ctx, in); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)}) })
	if err := dynamodb.NewTableExistsWaiter(c).Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, time.Minute); err != nil {
		t.Fatal(err)
	}
	added, err := dynamo.AddMissingIndexes(ctx, c, name)
	if err != nil || !slices.Equal(added, []string{store.IndexUnsent.Name}) {
		t.Fatalf("added %v, %v; want [%s]", added, err, store.IndexUnsent.Name)
	}
	again, err := dynamo.AddMissingIndexes(ctx, c, name)
	if err != nil || len(again) != 0 {
		t.Errorf("second call added %v, %v", again, err)
	}
	// The index answers the sweep's query.
	repo, err := store.New(dynamo.New(c, name), store.Options{CursorKey: []byte("schema-test-cursor-key")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := repo.DueOutbox(ctx, time.Now(), 10); err != nil {
		t.Errorf("DueOutbox on the added index: %v", err)
	}
}
