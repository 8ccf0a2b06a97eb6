package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"suapcds/shared/store/dynamo/dynamotest"
	"suapcds/shared/testenv"
)

// mailNames are the names of the .eml files in dir.
func mailNames(t *testing.T, dir string) []string {
	t.Helper()
	mails, err := listMail(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range mails {
		names = append(names, m.Name)
	}
	return names
}

// countMail is how many mails of dir have part in their name.
func countMail(t *testing.T, dir, part string) int {
	t.Helper()
	n := 0
	for _, name := range mailNames(t, dir) {
		if strings.Contains(name, part) {
			n++
		}
	}
	return n
}

// waitMail waits until a mail of dir has part in its name.
func waitMail(t *testing.T, dir, part string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); countMail(t, dir, part) == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no mail %q in the outbox: %v", part, mailNames(t, dir))
		}
	}
}

// settle waits until the stream feed has handed on everything and two
// more polls read nothing new.
func settle(t *testing.T, s *streamFeed) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the stream feed did not settle: %d pending, %d read", s.pending(), s.read.Load())
		}
		read, polls := s.read.Load(), s.polls.Load()
		for s.polls.Load() < polls+2 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if s.read.Load() == read && s.pending() == 0 {
			return
		}
	}
}

// TestRunnerMailsFromTheTableStream: on DynamoDB Local the local run reads
// the table's stream; a booking made through the API reaches notify, whose
// mail lands in the outbox. A restart on the same data folder and table
// resumes after the last record read: it reads nothing again from the
// stream and mails nothing twice; a new booking is mailed.
func TestRunnerMailsFromTheTableStream(t *testing.T) {
	endpoint := testenv.Endpoint(t, "DYNAMODB_ENDPOINT")
	_, table := dynamotest.Table(t)
	dir := newDataDir(t)
	conf := func() *cfg { return testConfig(t, dir, "-dynamodb-endpoint", endpoint, "-table", table) }

	var out bytes.Buffer
	r := startRunner(t, conf(), &out)
	if !strings.Contains(out.String(), "(stream of the table)") || strings.Contains(out.String(), "change feed off") {
		t.Errorf("start-up block:\n%s", out.String())
	}
	sf, ok := r.store.feed.(*streamFeed)
	if !ok {
		t.Fatalf("feed %T, want the stream feed", r.store.feed)
	}
	id := book(t, r, "locride", "bianco-2026-0001")
	waitMail(t, r.MailDir, id+".request_created.")
	settle(t, sf)
	first := mailNames(t, r.MailDir)
	firstMails := countMail(t, r.MailDir, id+".")
	readFirst := sf.read.Load()
	if readFirst == 0 {
		t.Fatal("no record read from the stream")
	}
	stopRunner(t, r)

	// The restart: positions resumed, nothing read or mailed again.
	r = startRunner(t, conf(), nil)
	sf = r.store.feed.(*streamFeed)
	settle(t, sf)
	if n := sf.read.Load(); n != 0 {
		t.Errorf("after the restart %d records read again from the stream, want 0", n)
	}
	if got := mailNames(t, r.MailDir); len(got) != len(first) {
		t.Errorf("after the restart the outbox has %v, want %v", got, first)
	}

	id2 := book(t, r, "locride", "africo-2026-0002")
	waitMail(t, r.MailDir, id2+".request_created.")
	settle(t, sf)
	if n := sf.read.Load(); n == 0 || n >= readFirst {
		t.Errorf("the second run read %d records, want the new booking's only (the first read %d)", n, readFirst)
	}
	if n := countMail(t, r.MailDir, id+"."); n != firstMails {
		t.Errorf("%d mails of the first booking after the restart, want the %d of the first run", n, firstMails)
	}
}

// fakeStreams is a DynamoDB Streams API over shards held in memory. An
// iterator is "shard/index of the next record".
type fakeStreams struct {
	mu         sync.Mutex
	shards     []*fakeShard
	expireNext bool
	iterTypes  []string // "shard TYPE" per GetShardIterator
}

type fakeShard struct {
	id, parent string
	recs       []string // sequence numbers
	closed     bool
}

func (f *fakeStreams) shard(id string) *fakeShard {
	for _, s := range f.shards {
		if s.id == id {
			return s
		}
	}
	return nil
}

func (f *fakeStreams) DescribeStream(_ context.Context, in *dynamodbstreams.DescribeStreamInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	// One shard a page, to walk the pages.
	i := 0
	if in.ExclusiveStartShardId != nil {
		for i < len(f.shards) && f.shards[i].id != *in.ExclusiveStartShardId {
			i++
		}
		i++
	}
	desc := &streamtypes.StreamDescription{}
	if i < len(f.shards) {
		s := f.shards[i]
		sh := streamtypes.Shard{ShardId: aws.String(s.id)}
		if s.parent != "" {
			sh.ParentShardId = aws.String(s.parent)
		}
		desc.Shards = []streamtypes.Shard{sh}
		if i+1 < len(f.shards) {
			desc.LastEvaluatedShardId = aws.String(s.id)
		}
	}
	return &dynamodbstreams.DescribeStreamOutput{StreamDescription: desc}, nil
}

func (f *fakeStreams) GetShardIterator(_ context.Context, in *dynamodbstreams.GetShardIteratorInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.shard(aws.ToString(in.ShardId))
	if s == nil {
		return nil, &streamtypes.ResourceNotFoundException{Message: aws.String("no shard")}
	}
	f.iterTypes = append(f.iterTypes, s.id+" "+string(in.ShardIteratorType))
	next := 0
	if in.ShardIteratorType == streamtypes.ShardIteratorTypeAfterSequenceNumber {
		next = slices.Index(s.recs, aws.ToString(in.SequenceNumber)) + 1
		if next == 0 {
			return nil, &streamtypes.TrimmedDataAccessException{Message: aws.String("trimmed")}
		}
	}
	return &dynamodbstreams.GetShardIteratorOutput{ShardIterator: aws.String(s.id + "/" + strconv.Itoa(next))}, nil
}

func (f *fakeStreams) GetRecords(_ context.Context, in *dynamodbstreams.GetRecordsInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.expireNext {
		f.expireNext = false
		return nil, &streamtypes.ExpiredIteratorException{Message: aws.String("expired")}
	}
	id, pos, _ := strings.Cut(aws.ToString(in.ShardIterator), "/")
	s := f.shard(id)
	next, _ := strconv.Atoi(pos)
	out := &dynamodbstreams.GetRecordsOutput{}
	for _, seq := range s.recs[next:] {
		out.Records = append(out.Records, streamtypes.Record{EventID: aws.String("ev-" + seq), EventName: streamtypes.OperationTypeInsert,
			Dynamodb: &streamtypes.StreamRecord{SequenceNumber: aws.String(seq),
				Keys: map[string]streamtypes.AttributeValue{"pk": &streamtypes.AttributeValueMemberS{Value: seq}}}})
	}
	if !s.closed || len(out.Records) > 0 {
		out.NextShardIterator = aws.String(id + "/" + strconv.Itoa(len(s.recs)))
	}
	return out, nil
}

func (f *fakeStreams) add(id string, seqs ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.shard(id)
	s.recs = append(s.recs, seqs...)
}

// pendingSeqs are the sequence numbers of the records after after, as
// feed number:sequence number.
func pendingSeqs(t *testing.T, s *streamFeed, after uint64) []string {
	t.Helper()
	ch, err := s.Changes(after, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range ch {
		if c.Record.EventSourceArn != s.arn {
			t.Errorf("record %d from %q", c.Seq, c.Record.EventSourceArn)
		}
		out = append(out, fmt.Sprintf("%d:%s", c.Seq, c.Record.Change.SequenceNumber))
	}
	return out
}

// pollAll lists the shards and polls until a poll reads nothing.
func pollAll(t *testing.T, s *streamFeed) {
	t.Helper()
	ctx := context.Background()
	for range 10 {
		if err := s.shards(ctx); err != nil {
			t.Fatal(err)
		}
		n, closed, err := s.poll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 && !closed {
			return
		}
	}
	t.Fatal("the stream does not run dry")
}

// TestStreamFeedShardsAndResume: a parent shard is read to its end before
// its child; numbers follow the reading order; a restart keeps the records
// not yet trimmed and reads each shard after its last record (AFTER_SEQUENCE_NUMBER),
// a closed shard not at all; an expired iterator is replaced with no record
// read twice; a new stream (the table made again) is read from its start.
func TestStreamFeedShardsAndResume(t *testing.T) {
	dir := t.TempDir()
	fs := &fakeStreams{shards: []*fakeShard{{id: "A", recs: []string{"100", "101"}}, {id: "B", parent: "A", recs: []string{"200"}}}}
	s, err := newStreamFeed(fs, "arn:stream/1", dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	pollAll(t, s)
	if got := pendingSeqs(t, s, 0); fmt.Sprint(got) != "[1:100 2:101]" {
		t.Fatalf("with the parent open: %v", got)
	}
	wake := s.Changed()
	fs.add("A", "102")
	fs.shards[0].closed = true
	pollAll(t, s)
	select {
	case <-wake:
	default:
		t.Error("Changed not closed by new records")
	}
	if got := pendingSeqs(t, s, 0); fmt.Sprint(got) != "[1:100 2:101 3:102 4:200]" {
		t.Fatalf("after the parent closed: %v", got)
	}
	if err := s.TrimChanges(2); err != nil {
		t.Fatal(err)
	}

	// Restart: the untrimmed records come back with their numbers.
	fs.add("B", "201")
	fs.iterTypes = nil
	s, err = newStreamFeed(fs, "arn:stream/1", dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if got := pendingSeqs(t, s, 0); fmt.Sprint(got) != "[3:102 4:200]" {
		t.Fatalf("after the restart: %v", got)
	}
	pollAll(t, s)
	if fmt.Sprint(fs.iterTypes) != "[B AFTER_SEQUENCE_NUMBER]" {
		t.Errorf("iterators after the restart: %v", fs.iterTypes)
	}
	if got := pendingSeqs(t, s, 4); fmt.Sprint(got) != "[5:201]" {
		t.Fatalf("read after the restart: %v", got)
	}
	if s.read.Load() != 1 {
		t.Errorf("%d records read after the restart, want 1", s.read.Load())
	}

	// An expired iterator: an error, then a new one after the last record.
	fs.expireNext = true
	fs.add("B", "202")
	if _, _, err := s.poll(context.Background()); err == nil {
		t.Error("no error from an expired iterator")
	}
	pollAll(t, s)
	if got := pendingSeqs(t, s, 4); fmt.Sprint(got) != "[5:201 6:202]" {
		t.Fatalf("after an expired iterator: %v", got)
	}

	// The parent trimmed away from the stream: forgotten.
	fs.shards = fs.shards[1:]
	pollAll(t, s)
	if _, ok := s.st.Shards["A"]; ok || len(s.st.Shards) != 1 {
		t.Errorf("shards %v", s.st.Shards)
	}

	// A new stream: from its start, numbered after the old records.
	if err := s.TrimChanges(6); err != nil {
		t.Fatal(err)
	}
	fs2 := &fakeStreams{shards: []*fakeShard{{id: "C", recs: []string{"900"}}}}
	s, err = newStreamFeed(fs2, "arn:stream/2", dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	pollAll(t, s)
	if got := pendingSeqs(t, s, 0); fmt.Sprint(got) != "[7:900]" {
		t.Fatalf("new stream: %v", got)
	}
	if fmt.Sprint(fs2.iterTypes) != "[C TRIM_HORIZON]" {
		t.Errorf("iterators on the new stream: %v", fs2.iterTypes)
	}
}

// TestStreamFeedStartsAfterKeptPositions: with no state file, the numbers
// start after the highest position a consumer kept in the folder.
func TestStreamFeedStartsAfterKeptPositions(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "feed-NotifyFunction.position"), []byte("41\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fs := &fakeStreams{shards: []*fakeShard{{id: "A", recs: []string{"1"}}}}
	s, err := newStreamFeed(fs, "arn:stream/1", dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	pollAll(t, s)
	if got := pendingSeqs(t, s, 41); fmt.Sprint(got) != "[42:1]" {
		t.Errorf("got %v", got)
	}
}
