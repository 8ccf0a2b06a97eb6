package dynamo

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"suapcds/shared/store"
)

// TableInput is the table's definition, built from store.Indexes: the same
// keys, indexes and stream that template.yaml declares (a test compares them).
func TableInput(name string) *dynamodb.CreateTableInput {
	attrs := map[string]bool{store.AttrPK: true, store.AttrSK: true}
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(store.AttrPK), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(store.AttrSK), KeyType: types.KeyTypeRange},
		},
		StreamSpecification: &types.StreamSpecification{
			StreamEnabled:  aws.Bool(true),
			StreamViewType: types.StreamViewTypeNewAndOldImages,
		},
	}
	for _, ix := range store.Indexes {
		attrs[ix.PKAttr], attrs[ix.SKAttr] = true, true
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName: aws.String(ix.Name),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String(ix.PKAttr), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String(ix.SKAttr), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		})
	}
	names := make([]string, 0, len(attrs))
	for a := range attrs {
		names = append(names, a)
	}
	sort.Strings(names)
	for _, a := range names {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(a), AttributeType: types.ScalarAttributeTypeS,
		})
	}
	return in
}

// CreateTable creates the table and waits until it is active. It is for
// DynamoDB Local and tests; on AWS the SAM template owns the table.
func CreateTable(ctx context.Context, c *dynamodb.Client, name string) error {
	if _, err := c.CreateTable(ctx, TableInput(name)); err != nil {
		return fmt.Errorf("dynamo: create table %s: %w", name, err)
	}
	w := dynamodb.NewTableExistsWaiter(c)
	return w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 60e9)
}

// AddMissingIndexes creates, one at a time as DynamoDB requires, the
// indexes of store.Indexes that an existing table lacks (a table made by an
// older version), and waits until each is active. It is for DynamoDB Local
// and tests; on AWS the SAM template owns the table. It returns the names
// it created.
func AddMissingIndexes(ctx context.Context, c *dynamodb.Client, name string) ([]string, error) {
	dt, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		return nil, fmt.Errorf("dynamo: describe table %s: %w", name, err)
	}
	have := map[string]bool{}
	for _, gi := range dt.Table.GlobalSecondaryIndexes {
		have[aws.ToString(gi.IndexName)] = true
	}
	want := TableInput(name)
	var added []string
	for _, gi := range want.GlobalSecondaryIndexes {
		if have[aws.ToString(gi.IndexName)] {
			continue
		}
		var defs []types.AttributeDefinition // the new index's keys only
		for _, k := range gi.KeySchema {
			defs = append(defs, types.AttributeDefinition{AttributeName: k.AttributeName, AttributeType: types.ScalarAttributeTypeS})
		}
		_, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{
			TableName:            aws.String(name),
			AttributeDefinitions: defs,
			GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
				IndexName: gi.IndexName, KeySchema: gi.KeySchema, Projection: gi.Projection,
			}}},
		})
		if err != nil {
			return added, fmt.Errorf("dynamo: add index %s to %s: %w", aws.ToString(gi.IndexName), name, err)
		}
		if err := waitIndexActive(ctx, c, name, aws.ToString(gi.IndexName)); err != nil {
			return added, err
		}
		added = append(added, aws.ToString(gi.IndexName))
	}
	return added, nil
}

func waitIndexActive(ctx context.Context, c *dynamodb.Client, table, index string) error {
	for range 600 {
		dt, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
		if err != nil {
			return err
		}
		for _, gi := range dt.Table.GlobalSecondaryIndexes {
			if aws.ToString(gi.IndexName) == index && gi.IndexStatus == types.IndexStatusActive {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("dynamo: index %s of %s not active after a minute", index, table)
}
