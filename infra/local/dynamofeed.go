package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"suapcds/shared/config"
	"suapcds/shared/store/dynamo"
	"suapcds/shared/store/embedded"
)

// streamStateFile is the file name, in the stream feed's folder, of what the
// feed keeps between starts.
const streamStateFile = "stream.json"

// streamsAPI is the part of the DynamoDB Streams API the feed uses.
type streamsAPI interface {
	DescribeStream(context.Context, *dynamodbstreams.DescribeStreamInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error)
	GetShardIterator(context.Context, *dynamodbstreams.GetShardIteratorInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error)
	GetRecords(context.Context, *dynamodbstreams.GetRecordsInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error)
}

// streamFeed is the change feed of the local run on DynamoDB: the table's
// DynamoDB stream, read as Lambda's poller reads it (every shard, a parent
// before its children, from the trim horizon at first start, after the
// last sequence number read at the next ones), numbered in reading order
// and kept in a small JSON file of the data folder until every consumer
// has handled it. It is a changeSource, so the feed plays it to the
// stream functions exactly as it plays the embedded store's.
//
// The file holds, in one atomic write, each shard's last sequence number
// read and the records read but not yet handled by every consumer: a
// restart neither reads a record twice from the stream nor loses one.
type streamFeed struct {
	sc       streamsAPI
	arn      string
	dir      string // the consumers' positions and the state file
	path     string
	logger   *slog.Logger
	interval time.Duration             // the wait after a poll that read nothing
	backoff  func(n int) time.Duration // the wait after failed poll n
	describe time.Duration             // how often the shards are listed again

	mu    sync.Mutex
	st    streamState
	wake  chan struct{}
	iters map[string]*string // shard id → next iterator (the poller's own)

	read  atomic.Int64 // records read from the stream since start
	polls atomic.Int64 // polls done since start, successful or not
}

type streamState struct {
	Stream  string               `json:"stream"`
	Last    uint64               `json:"last"` // the last number given to a record
	Shards  map[string]*shardPos `json:"shards"`
	Pending []streamChange       `json:"pending"`
}

// shardPos is how far a shard has been read.
type shardPos struct {
	Parent string `json:"parent,omitempty"`
	After  string `json:"after,omitempty"` // the last sequence number read
	Closed bool   `json:"closed,omitempty"`
}

type streamChange struct {
	Seq    uint64                     `json:"seq"`
	Record events.DynamoDBEventRecord `json:"record"`
}

// openStreamFeed opens the stream of the table c names, on DynamoDB Local
// (c.DynamoEndpoint) or on AWS. Its folder, under the data folder, is per
// table: the positions of the embedded store's feed are not its own.
func openStreamFeed(ctx context.Context, c *cfg, logger *slog.Logger) (*streamFeed, error) {
	table := c.Table
	if table == "" {
		table = "suapcds-local"
	}
	awsCfg := config.AWS()
	if c.DynamoEndpoint != "" {
		awsCfg = localAWS()
	}
	dt, err := dynamo.NewClient(awsCfg, c.DynamoEndpoint).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", table, err)
	}
	if dt.Table.LatestStreamArn == nil || dt.Table.StreamSpecification == nil || !aws.ToBool(dt.Table.StreamSpecification.StreamEnabled) {
		return nil, fmt.Errorf("table %s has no stream enabled", table)
	}
	sc := dynamodbstreams.NewFromConfig(awsCfg, func(o *dynamodbstreams.Options) {
		if c.DynamoEndpoint != "" {
			o.BaseEndpoint = aws.String(c.DynamoEndpoint)
		}
	})
	return newStreamFeed(sc, aws.ToString(dt.Table.LatestStreamArn), filepath.Join(c.DataDir, "stream-"+fileName(table)), logger)
}

// newStreamFeed reads the stream arn with sc, keeping its state in dir.
func newStreamFeed(sc streamsAPI, arn, dir string, logger *slog.Logger) (*streamFeed, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	s := &streamFeed{sc: sc, arn: arn, dir: dir, path: filepath.Join(dir, streamStateFile), logger: logger,
		interval: 250 * time.Millisecond, backoff: expBackoff, describe: 5 * time.Second,
		wake: make(chan struct{}), iters: map[string]*string{}}
	raw, err := os.ReadFile(s.path)
	switch {
	case err == nil:
		if err := json.Unmarshal(raw, &s.st); err != nil {
			return nil, fmt.Errorf("%s: %w (delete it to read the stream again from its start)", s.path, err)
		}
	case errors.Is(err, os.ErrNotExist):
		// No state: number after any position a consumer kept here, so
		// that none skips the first records.
		if s.st.Last, err = highestPosition(dir); err != nil {
			return nil, err
		}
	default:
		return nil, err
	}
	if s.st.Shards == nil {
		s.st.Shards = map[string]*shardPos{}
	}
	if s.st.Stream != "" && s.st.Stream != arn {
		// The table was made again: a new stream, read from its start.
		logger.Info("new stream for the table: reading it from its start", "old", s.st.Stream, "new", arn)
		clear(s.st.Shards)
	}
	s.st.Stream = arn
	return s, nil
}

// highestPosition is the highest position kept by a consumer in dir.
func highestPosition(dir string) (uint64, error) {
	files, err := filepath.Glob(filepath.Join(dir, "feed-*.position"))
	if err != nil {
		return 0, err
	}
	var high uint64
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return 0, err
		}
		if n, err := strconv.ParseUint(strings.TrimSpace(string(raw)), 10, 64); err == nil {
			high = max(high, n)
		}
	}
	return high, nil
}

// fileName keeps the letters, digits, '.', '-' and '_' of s.
func fileName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, s)
}

// Changes returns up to max records numbered after after, in order.
func (s *streamFeed) Changes(after uint64, max int) ([]embedded.Change, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []embedded.Change
	for _, p := range s.st.Pending {
		if p.Seq > after {
			out = append(out, embedded.Change{Seq: p.Seq, Record: p.Record})
			if len(out) == max {
				break
			}
		}
	}
	return out, nil
}

// Changed is closed when records arrive after the call.
func (s *streamFeed) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.wake
}

// TrimChanges forgets the records numbered up to seq: every consumer has
// handled them.
func (s *streamFeed) TrimChanges(seq uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for n < len(s.st.Pending) && s.st.Pending[n].Seq <= seq {
		n++
	}
	if n == 0 {
		return nil
	}
	s.st.Pending = slices.Delete(s.st.Pending, 0, n)
	return s.saveLocked()
}

// pending is how many records wait for a consumer.
func (s *streamFeed) pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.st.Pending)
}

// saveLocked writes the state; s.mu is held.
func (s *streamFeed) saveLocked() error {
	raw, err := json.Marshal(&s.st)
	if err != nil {
		return err
	}
	return writeFileAtomic(s.path, raw, 0o600)
}

// run polls the stream until ctx ends: at once again after a poll that
// read records, after the interval when it read none, with a growing wait
// after errors.
func (s *streamFeed) run(ctx context.Context) {
	log := s.logger
	failures := 0
	var described time.Time
	for ctx.Err() == nil {
		if described.IsZero() || time.Since(described) >= s.describe {
			if err := s.shards(ctx); err != nil {
				if ctx.Err() != nil {
					return
				}
				failures++
				log.Error("listing the stream's shards", "stream", s.arn, "error", err.Error(), "attempt", failures)
				s.polls.Add(1)
				sleep(ctx, s.backoff(failures))
				continue
			}
			described = time.Now()
		}
		n, closed, err := s.poll(ctx)
		s.polls.Add(1)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			log.Error("reading the stream", "stream", s.arn, "error", err.Error(), "attempt", failures)
			sleep(ctx, s.backoff(failures))
			continue
		}
		failures = 0
		if closed {
			described = time.Time{} // its children are to be found
		}
		if n == 0 && !closed {
			sleep(ctx, s.interval)
		}
	}
}

// shards lists the stream's shards: the new ones are added, those the
// stream no longer lists (trimmed) forgotten.
func (s *streamFeed) shards(ctx context.Context) error {
	listed := map[string]string{} // id → parent
	in := &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(s.arn)}
	for {
		out, err := s.sc.DescribeStream(ctx, in)
		if err != nil {
			return err
		}
		for _, sh := range out.StreamDescription.Shards {
			listed[aws.ToString(sh.ShardId)] = aws.ToString(sh.ParentShardId)
		}
		if out.StreamDescription.LastEvaluatedShardId == nil {
			break
		}
		in.ExclusiveStartShardId = out.StreamDescription.LastEvaluatedShardId
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	changed := false
	for id, parent := range listed {
		if _, ok := s.st.Shards[id]; !ok {
			s.st.Shards[id] = &shardPos{Parent: parent}
			changed = true
		}
	}
	for id := range s.st.Shards {
		if _, ok := listed[id]; !ok {
			delete(s.st.Shards, id)
			delete(s.iters, id)
			changed = true
		}
	}
	if !changed {
		return nil
	}
	return s.saveLocked()
}

// poll reads each open shard whose parent is read to its end once. It
// returns how many records it read and whether a shard got closed.
func (s *streamFeed) poll(ctx context.Context) (n int, closed bool, err error) {
	s.mu.Lock()
	var ids []string
	for id, p := range s.st.Shards {
		if p.Closed {
			continue
		}
		if parent, ok := s.st.Shards[p.Parent]; ok && !parent.Closed {
			continue // a parent's records come before its children's
		}
		ids = append(ids, id)
	}
	s.mu.Unlock()
	slices.Sort(ids)
	for _, id := range ids {
		got, end, err := s.readShard(ctx, id)
		if err != nil {
			return n, closed, fmt.Errorf("shard %s: %w", id, err)
		}
		n += got
		closed = closed || end
	}
	return n, closed, nil
}

// readShard reads one page of records of shard id and keeps them.
func (s *streamFeed) readShard(ctx context.Context, id string) (n int, closed bool, err error) {
	it := s.iters[id]
	if it == nil {
		if it, err = s.iterator(ctx, id); err != nil {
			return 0, false, err
		}
		if it == nil {
			return 0, false, nil // the shard is gone
		}
	}
	out, err := s.sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it})
	if err != nil {
		var expired *streamtypes.ExpiredIteratorException
		var trimmed *streamtypes.TrimmedDataAccessException
		if errors.As(err, &expired) || errors.As(err, &trimmed) {
			delete(s.iters, id) // a new iterator at the next poll
		}
		return 0, false, err
	}
	recs := make([]events.DynamoDBEventRecord, 0, len(out.Records))
	for _, r := range out.Records {
		ev, err := dynamo.EventRecord(r)
		if err != nil {
			return 0, false, err
		}
		ev.EventSourceArn = s.arn
		recs = append(recs, ev)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	pos := s.st.Shards[id]
	if pos == nil {
		return 0, false, nil
	}
	for _, r := range recs {
		s.st.Last++
		s.st.Pending = append(s.st.Pending, streamChange{Seq: s.st.Last, Record: r})
		pos.After = r.Change.SequenceNumber
	}
	if out.NextShardIterator == nil {
		pos.Closed = true
		delete(s.iters, id)
	} else {
		s.iters[id] = out.NextShardIterator
	}
	if len(recs) == 0 && !pos.Closed {
		return 0, false, nil
	}
	s.read.Add(int64(len(recs)))
	if len(recs) > 0 {
		close(s.wake)
		s.wake = make(chan struct{})
	}
	if err := s.saveLocked(); err != nil {
		// Kept in memory and handed on; a restart may read them again.
		s.logger.Error("saving the stream position", "error", err.Error())
	}
	return len(recs), pos.Closed, nil
}

// iterator is a new iterator of shard id: after its last record read, or
// at its trim horizon when none was read or that record is trimmed away;
// nil when the stream no longer has the shard.
func (s *streamFeed) iterator(ctx context.Context, id string) (*string, error) {
	s.mu.Lock()
	after := ""
	if p := s.st.Shards[id]; p != nil {
		after = p.After
	}
	s.mu.Unlock()
	in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(s.arn), ShardId: aws.String(id),
		ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon}
	if after != "" {
		in.ShardIteratorType = streamtypes.ShardIteratorTypeAfterSequenceNumber
		in.SequenceNumber = aws.String(after)
	}
	out, err := s.sc.GetShardIterator(ctx, in)
	var trimmed *streamtypes.TrimmedDataAccessException
	var gone *streamtypes.ResourceNotFoundException
	switch {
	case err == nil:
	case after != "" && errors.As(err, &trimmed):
		s.logger.Warn("the stream no longer holds the records after the last one read: reading from its trim horizon (some were missed)",
			"shard", id, "after", after)
		in.ShardIteratorType, in.SequenceNumber = streamtypes.ShardIteratorTypeTrimHorizon, nil
		if out, err = s.sc.GetShardIterator(ctx, in); err != nil {
			return nil, err
		}
	case errors.As(err, &gone):
		s.mu.Lock()
		delete(s.st.Shards, id)
		s.mu.Unlock()
		return nil, nil
	default:
		return nil, err
	}
	s.iters[id] = out.ShardIterator
	return out.ShardIterator, nil
}
