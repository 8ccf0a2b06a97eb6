package dynamotest

import (
	"context"
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
	ctx := context.Background()
	dt, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	if dt.Table.LatestStreamArn == nil {
		t.Fatalf("table %s has no stream", table)
	}
	// The Streams API has no CRC32 check to turn off.
	sc := dynamodbstreams.NewFromConfig(Config(), func(o *dynamodbstreams.Options) {
		o.BaseEndpoint = aws.String(testenv.Endpoint(t, "DYNAMODB_ENDPOINT"))
	})
	return &Stream{sc: sc, arn: aws.ToString(dt.Table.LatestStreamArn), iters: map[string]*string{}}
}

// ARN is the stream's ARN.
func (s *Stream) ARN() string { return s.arn }

// shards adds an iterator for every shard not seen yet.
func (s *Stream) shards(t testing.TB, ctx context.Context) {
	t.Helper()
	ds, err := s.sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(s.arn)})
	if err != nil {
		t.Fatal(err)
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
			t.Fatal(err)
		}
		s.iters[id] = it.ShardIterator
	}
}

// Read polls until at least min new records have arrived and one more read
// finds nothing new, then returns them in sequence-number order. It fails
// the test after timeout.
func (s *Stream) Read(t testing.TB, min int, timeout time.Duration) []events.DynamoDBEventRecord {
	t.Helper()
	ctx := context.Background()
	var raw []streamtypes.Record
	deadline := time.Now().Add(timeout)
	for {
		s.shards(t, ctx)
		got := 0
		for id, it := range s.iters {
			if it == nil {
				continue
			}
			out, err := s.sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it})
			if err != nil {
				t.Fatal(err)
			}
			raw = append(raw, out.Records...)
			got += len(out.Records)
			s.iters[id] = out.NextShardIterator
		}
		if got == 0 && len(raw) >= min {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stream: %d records after %s, want at least %d", len(raw), timeout, min)
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
			t.Fatal(err)
		}
		ev.EventSourceArn = s.arn
		out[i] = ev
	}
	return out
}
