// Package dynamo is the production store backend: one DynamoDB table, every
// change one TransactWriteItems, every list one Query on a key or an index.
package dynamo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"suapcds/shared/domain"
	"suapcds/shared/store"
)

// API is the part of the DynamoDB client the backend uses; a fault-injecting
// wrapper can stand in for it in tests.
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
}

// Backend is a store.Backend on one DynamoDB table.
type Backend struct {
	api   API
	table *string
	// conflictRetries is how often a transaction cancelled by a concurrent
	// one (TransactionConflict) is tried again before giving up.
	conflictRetries int
}

var _ store.Backend = (*Backend)(nil)

// New returns a backend on table, through api.
func New(api API, table string) *Backend {
	return &Backend{api: api, table: aws.String(table), conflictRetries: 6}
}

// NewClient builds the DynamoDB client from cfg, once per process. A non-empty
// endpoint points it at DynamoDB Local, whose responses fail the SDK's CRC32
// check, so that check is turned off there (and only there).
//
// Unless cfg sets a retryer or a retry count, the client retries as the SDK's
// later DynamoDB clients do by default (4 attempts, 25 ms base backoff): the
// module pins service/dynamodb below v1.69.0, whose schema-based
// serialization costs every cold start ≈3,150 allocations at init, and those
// older clients default to 3 attempts and the generic backoff.
func NewClient(cfg aws.Config, endpoint string) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if cfg.Retryer == nil && cfg.RetryMaxAttempts == 0 && o.RetryMode != aws.RetryModeAdaptive {
			o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
				so.MaxAttempts = dynamoMaxAttempts
				so.BaseDelay = 25 * time.Millisecond
			})
		}
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			o.DisableValidateResponseChecksum = true
		}
	})
}

// dynamoMaxAttempts is how often a DynamoDB call is tried by default.
const dynamoMaxAttempts = 4

// Get reads an item with a strongly consistent read.
func (b *Backend) Get(ctx context.Context, k store.Key) (store.Item, error) {
	out, err := b.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      b.table,
		Key:            keyItem(k),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("dynamo: get %s/%s: %w", k.PK, k.SK, err)
	}
	if len(out.Item) == 0 {
		return nil, nil
	}
	return out.Item, nil
}

// GetMany reads keys with BatchGetItem (strongly consistent), retrying the
// unprocessed ones, and returns the items in the order of keys.
func (b *Backend) GetMany(ctx context.Context, keys []store.Key) ([]store.Item, error) {
	if len(keys) == 0 || len(keys) > 100 {
		return nil, fmt.Errorf("dynamo: GetMany takes 1 to 100 keys, not %d", len(keys))
	}
	req := make([]map[string]types.AttributeValue, len(keys))
	for i, k := range keys {
		req[i] = keyItem(k)
	}
	found := map[store.Key]store.Item{}
	pending := map[string]types.KeysAndAttributes{*b.table: {Keys: req, ConsistentRead: aws.Bool(true)}}
	for attempt := 0; len(pending) > 0; attempt++ {
		if attempt > 8 {
			return nil, errors.New("dynamo: BatchGetItem kept returning unprocessed keys")
		}
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Duration(10<<attempt) * time.Millisecond):
			}
		}
		out, err := b.api.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: pending})
		if err != nil {
			return nil, fmt.Errorf("dynamo: batch get: %w", err)
		}
		for _, it := range out.Responses[*b.table] {
			pk, _ := it[store.AttrPK].(*types.AttributeValueMemberS)
			sk, _ := it[store.AttrSK].(*types.AttributeValueMemberS)
			if pk != nil && sk != nil {
				found[store.Key{PK: pk.Value, SK: sk.Value}] = it
			}
		}
		pending = out.UnprocessedKeys
	}
	items := make([]store.Item, len(keys))
	for i, k := range keys {
		items[i] = found[k]
	}
	return items, nil
}

func keyItem(k store.Key) store.Item {
	return store.Item{
		store.AttrPK: &types.AttributeValueMemberS{Value: k.PK},
		store.AttrSK: &types.AttributeValueMemberS{Value: k.SK},
	}
}

// condition renders c as a ConditionExpression with its names and values.
func condition(c store.Condition) (*string, map[string]string, map[string]types.AttributeValue) {
	switch c.Kind {
	case store.CondNotExists:
		return aws.String("attribute_not_exists(#pk)"), map[string]string{"#pk": store.AttrPK}, nil
	case store.CondExists:
		return aws.String("attribute_exists(#pk)"), map[string]string{"#pk": store.AttrPK}, nil
	case store.CondVersion:
		return aws.String("#v = :v"), map[string]string{"#v": store.AttrVersion},
			map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: strconv.FormatInt(c.Version, 10)}}
	case store.CondAttrEquals:
		return aws.String("#a = :a"), map[string]string{"#a": c.Attr},
			map[string]types.AttributeValue{":a": &types.AttributeValueMemberS{Value: c.Value}}
	}
	return nil, nil, nil
}

func (b *Backend) transactItems(writes []store.Write) ([]types.TransactWriteItem, error) {
	items := make([]types.TransactWriteItem, len(writes))
	for i, w := range writes {
		expr, names, values := condition(w.Cond)
		switch {
		case w.Put != nil:
			items[i].Put = &types.Put{TableName: b.table, Item: w.Put, ConditionExpression: expr,
				ExpressionAttributeNames: names, ExpressionAttributeValues: values}
		case w.Delete != nil:
			items[i].Delete = &types.Delete{TableName: b.table, Key: keyItem(*w.Delete), ConditionExpression: expr,
				ExpressionAttributeNames: names, ExpressionAttributeValues: values}
		case w.Check != nil:
			if expr == nil {
				return nil, errors.New("dynamo: a check needs a condition")
			}
			items[i].ConditionCheck = &types.ConditionCheck{TableName: b.table, Key: keyItem(*w.Check), ConditionExpression: expr,
				ExpressionAttributeNames: names, ExpressionAttributeValues: values}
		default:
			return nil, errors.New("dynamo: empty write")
		}
	}
	return items, nil
}

// Transact runs writes as one TransactWriteItems. A failed condition returns
// that write's error; a conflict with a concurrent transaction is retried a
// few times with jitter, since the other one usually settles who wins.
func (b *Backend) Transact(ctx context.Context, writes []store.Write) error {
	items, err := b.transactItems(writes)
	if err != nil {
		return err
	}
	in := &dynamodb.TransactWriteItemsInput{TransactItems: items}
	for attempt := 0; ; attempt++ {
		_, err := b.api.TransactWriteItems(ctx, in)
		if err == nil {
			return nil
		}
		var tce *types.TransactionCanceledException
		if !errors.As(err, &tce) {
			return fmt.Errorf("dynamo: transact: %w", err)
		}
		conflict := false
		for i, r := range tce.CancellationReasons {
			switch aws.ToString(r.Code) {
			case "ConditionalCheckFailed":
				if i < len(writes) && writes[i].Cond.Fail != nil {
					return writes[i].Cond.Fail
				}
				return domain.ErrConflict
			case "TransactionConflict":
				conflict = true
			}
		}
		if !conflict || attempt >= b.conflictRetries {
			if conflict {
				return domain.ErrConflict
			}
			return fmt.Errorf("dynamo: transact: %w", err)
		}
		backoff := time.Duration(5+rand.IntN(20<<attempt)) * time.Millisecond
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
	}
}

// Query runs one Query, following DynamoDB's own pagination only until
// q.Limit items are read (a page never reads more than it returns).
func (b *Backend) Query(ctx context.Context, q store.Query) (store.QueryResult, error) {
	var res store.QueryResult
	if q.Limit <= 0 {
		return res, errors.New("dynamo: query without a limit")
	}
	pkAttr, skAttr := store.AttrPK, store.AttrSK
	in := &dynamodb.QueryInput{
		TableName:              b.table,
		ScanIndexForward:       aws.Bool(!q.Desc),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
		ExclusiveStartKey:      q.Start,
	}
	if q.Index != "" {
		ix, ok := store.IndexNamed(q.Index)
		if !ok {
			return res, fmt.Errorf("dynamo: no index %q", q.Index)
		}
		pkAttr, skAttr = ix.PKAttr, ix.SKAttr
		in.IndexName = aws.String(ix.Name)
	} else {
		in.ConsistentRead = aws.Bool(true)
	}
	expr := "#pk = :pk"
	in.ExpressionAttributeNames = map[string]string{"#pk": pkAttr}
	in.ExpressionAttributeValues = map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: q.PK}}
	switch {
	case q.SKPrefix != "":
		expr += " AND begins_with(#sk, :p)"
		in.ExpressionAttributeNames["#sk"] = skAttr
		in.ExpressionAttributeValues[":p"] = &types.AttributeValueMemberS{Value: q.SKPrefix}
	case q.SKFrom != "" || q.SKTo != "":
		expr += " AND #sk BETWEEN :from AND :to"
		in.ExpressionAttributeNames["#sk"] = skAttr
		in.ExpressionAttributeValues[":from"] = &types.AttributeValueMemberS{Value: q.SKFrom}
		in.ExpressionAttributeValues[":to"] = &types.AttributeValueMemberS{Value: q.SKTo}
	}
	in.KeyConditionExpression = aws.String(expr)
	for {
		in.Limit = aws.Int32(int32(q.Limit - len(res.Items)))
		out, err := b.api.Query(ctx, in)
		if err != nil {
			return res, fmt.Errorf("dynamo: query %s: %w", q.Index, err)
		}
		res.Items = append(res.Items, out.Items...)
		res.Scanned += int(out.ScannedCount)
		if out.ConsumedCapacity != nil {
			res.CapacityUnits += aws.ToFloat64(out.ConsumedCapacity.CapacityUnits)
		}
		if len(out.LastEvaluatedKey) == 0 || len(res.Items) >= q.Limit {
			return res, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}
