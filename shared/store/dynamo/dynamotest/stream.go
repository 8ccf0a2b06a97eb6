package dynamotest

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"suapcds/shared/store/dynamo"
	"suapcds/shared/testenv"
)

// Stream reads a test table's stream on DynamoDB Local from its start, the
// way Lambda's event source mapping would, and hands the records over in
// the Lambda event form (dynamo.EventRecord), ARN included. Each Read
// returns the records that arrived since the previous one.
type Stream struct {
	sc    *dynamodbstreams.Client
	arn   string
	iters map[string]*string // shard id → next iterator (nil: closed)
}

// NewStream opens the stream of table (made by Table) from its trim horizon.
func NewStream(t testing.TB, c *dynamodb.Client, table string) *Stream {
	t.Helper()
	s, err := OpenStream(context.Background(), c, testenv.Endpoint(t, "DYNAMODB_ENDPOINT"), table)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// OpenStream is NewStream outside a test (the benchmarks): the stream of
// table on the DynamoDB Local at endpoint, from its trim horizon.
func OpenStream(ctx context.Context, c *dynamodb.Client, endpoint, table string) (*Stream, error) {
	dt, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		return nil, err
	}
	if dt.Table.LatestStreamArn == nil {
		return nil, fmt.Errorf("table %s has no stream", table)
	}
	// The Streams API has no CRC32 check to turn off.
	sc := dynamodbstreams.NewFromConfig(Config(), func(o *dynamodbstreams.Options) {
		o.BaseEndpoint = aws.String(endpoint)
	})
	return &Stream{sc: sc, arn: aws.ToString(dt.Table.LatestStreamArn), iters: map[string]*string{}}, nil
}

// ARN is the stream's ARN.
func (s *Stream) ARN() string { return s.arn }

// shards adds an iterator for every shard not seen yet.
func (s *Stream) shards(ctx context.Context) error {
	ds, err := s.sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(s.arn)})
	if err != nil {
		return err
	}
	for _, sh := range ds.StreamDescription.Shards {
		id := aws.ToString(sh.ShardId)
		if _, seen := s.iters[id]; seen {
			continue
		}
		it, err := s.sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
			StreamArn: aws.String(s.arn), ShardId: sh.ShardId, ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon,
		})
		if err != nil {
			return err
		}
		s.iters[id] = it.ShardIterator
	}
	return nil
}

// Read polls until at least min new records have arrived and one more read
// finds nothing new, then returns them in sequence-number order. It fails
// the test after timeout.
func (s *Stream) Read(t testing.TB, min int, timeout time.Duration) []events.DynamoDBEventRecord {
	t.Helper()
	recs, err := s.Next(context.Background(), min, timeout)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// Next is Read outside a test: an error instead of a failure.
func (s *Stream) Next(ctx context.Context, min int, timeout time.Duration) ([]events.DynamoDBEventRecord, error) {
	var raw []streamtypes.Record
	deadline := time.Now().Add(timeout)
	for {
		if err := s.shards(ctx); err != nil {
			return nil, err
		}
		got := 0
		for id, it := range s.iters {
			if it == nil {
				continue
			}
			out, err := s.sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it})
			if err != nil {
				return nil, err
			}
			raw = append(raw, out.Records...)
			got += len(out.Records)
			s.iters[id] = out.NextShardIterator
		}
		if got == 0 && len(raw) >= min {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("stream: %d records after %s, want at least %d", len(raw), timeout, min)
		}
		if got == 0 {
			time.Sleep(50 * time.Millisecond)
		}
	}
	sort.SliceStable(raw, func(i, j int) bool {
		a, b := aws.ToString(raw[i].Dynamodb.SequenceNumber), aws.ToString(raw[j].Dynamodb.SequenceNumber)
		return len(a) < len(b) || (len(a) == len(b) && a < b)
	})
	out := make([]events.DynamoDBEventRecord, len(raw))
	for i, r := range raw {
		ev, err := dynamo.EventRecord(r)
		if err != nil {
			return nil, err
		}
		ev.EventSourceArn = s.arn
		out[i] = ev
	}
	return out, nil
}
