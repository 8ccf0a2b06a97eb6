package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"suapcds/shared/app"
	"suapcds/shared/app/apptest"
	"suapcds/shared/domain"
	"suapcds/shared/store"
	"suapcds/shared/store/embedded"
)

// fakeNotify records what it is handed and fails as told.
type fakeNotify struct {
	mu      sync.Mutex
	batches [][]string // outbox ids per invocation
	// fail, if set, is asked per invocation which ids to report as failed,
	// or to fail the whole invocation (error).
	fail func(call int, ids []string) ([]string, error)
	got  chan struct{}
}

func newFakeNotify() *fakeNotify { return &fakeNotify{got: make(chan struct{}, 100)} }

func (f *fakeNotify) Handle(_ context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var ids []string
	seqOf := map[string]string{}
	for _, r := range ev.Records {
		it, err := store.FromEventImage(r.Change.NewImage)
		if err != nil {
			return events.DynamoDBEventResponse{}, err
		}
		o, err := store.OutboxFrom(it)
		if err != nil {
			return events.DynamoDBEventResponse{}, err
		}
		ids = append(ids, o.ID)
		seqOf[o.ID] = r.Change.SequenceNumber
	}
	f.mu.Lock()
	f.batches = append(f.batches, ids)
	call := len(f.batches)
	f.mu.Unlock()
	defer func() { f.got <- struct{}{} }()
	var resp events.DynamoDBEventResponse
	if f.fail != nil {
		failed, err := f.fail(call, ids)
		if err != nil {
			return resp, err
		}
		for _, id := range failed {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: seqOf[id]})
		}
	}
	return resp, nil
}

func (f *fakeNotify) calls() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.batches)
}

// waitCalls waits until the fake has been invoked n times.
func (f *fakeNotify) waitCalls(t *testing.T, n int) [][]string {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for len(f.calls()) < n {
		select {
		case <-f.got:
		case <-deadline:
			t.Fatalf("%d invocations after 5 s, want %d: %v", len(f.calls()), n, f.calls())
		}
	}
	return f.calls()
}

func outboxEvent(req string, seq int64) domain.OutboxEvent {
	return domain.OutboxEvent{Kind: domain.EventMessagePosted, SubjectID: req, Seq: seq, At: time.Now()}
}

// feedFixture is an embedded store with demo data (changes the filter must
// drop) and a feed whose consumer is fake.
func feedFixture(t *testing.T, ev streamEvent) (*embedded.Backend, *store.Repo, *fakeNotify, *consumer, func()) {
	t.Helper()
	dir := t.TempDir()
	b, err := embedded.Open(filepath.Join(dir, "db"), embedded.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	repo, err := store.New(b, store.Options{CursorKey: []byte("0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seed(context.Background(), repo, apptest.New(t, app.Deps{Store: repo})); err != nil {
		t.Fatal(err)
	}
	fake := newFakeNotify()
	c, err := newConsumer(ev, fake.Handle, time.Second, dir)
	if err != nil {
		t.Fatal(err)
	}
	f := &feed{src: b, consumers: []*consumer{c}, logger: slog.New(slog.DiscardHandler), backoff: func(int) time.Duration { return time.Millisecond }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.Run(ctx); close(done) }()
	stop := func() { cancel(); <-done }
	t.Cleanup(stop)
	return b, repo, fake, c, stop
}

func notifyEvent() streamEvent {
	return streamEvent{Function: "NotifyFunction", Event: "Outbox", BatchSize: 2, MaxRetries: -1,
		Patterns: []string{defaultOutboxPattern}, ReportFailures: true}
}

// TestFeedHandsOutboxInsertsToNotify: only outbox inserts pass the
// template's filter, in batches of BatchSize, in commit order; the position
// is kept in the data folder and the feed trimmed behind it.
func TestFeedHandsOutboxInsertsToNotify(t *testing.T) {
	b, repo, fake, c, stop := feedFixture(t, notifyEvent())
	ctx := context.Background()
	// One transaction: the three records appear in the feed at once.
	if err := repo.Enqueue(ctx, nil, outboxEvent("r1", 1), outboxEvent("r1", 2), outboxEvent("r1", 3)); err != nil {
		t.Fatal(err)
	}
	got := fake.waitCalls(t, 2)
	want := [][]string{{"r1.message_posted.1", "r1.message_posted.2"}, {"r1.message_posted.3"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("batches %v, want %v", got, want)
	}
	stop()
	raw, err := os.ReadFile(c.posFile)
	if err != nil || strings.TrimSpace(string(raw)) == "0" {
		t.Fatalf("position file: %q %v", raw, err)
	}
	if rest, err := b.Changes(0, 10); err != nil || len(rest) != 0 {
		t.Errorf("feed not trimmed: %d changes left, %v", len(rest), err)
	}
}

// TestFeedRetriesFromTheFirstFailure: reported item failures are retried
// from the first failed record on (a stream's checkpoint), a function
// error retries the whole batch, and nothing is lost.
func TestFeedRetriesFromTheFirstFailure(t *testing.T) {
	ev := notifyEvent()
	ev.BatchSize = 10
	_, repo, fake, _, _ := feedFixture(t, ev)
	fake.fail = func(call int, ids []string) ([]string, error) {
		switch call {
		case 1:
			return []string{ids[1]}, nil // the second fails: 2 and 3 again
		case 2:
			return nil, fmt.Errorf("boom") // the whole batch again
		}
		return nil, nil
	}
	if err := repo.Enqueue(context.Background(), nil, outboxEvent("r2", 1), outboxEvent("r2", 2), outboxEvent("r2", 3)); err != nil {
		t.Fatal(err)
	}
	got := fake.waitCalls(t, 3)
	want := [][]string{
		{"r2.message_posted.1", "r2.message_posted.2", "r2.message_posted.3"},
		{"r2.message_posted.2", "r2.message_posted.3"},
		{"r2.message_posted.2", "r2.message_posted.3"},
	}
	if fmt.Sprint(got[:3]) != fmt.Sprint(want) {
		t.Errorf("invocations %v, want %v", got, want)
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(fake.calls()); n != 3 {
		t.Errorf("%d invocations, want 3", n)
	}
}

// TestFeedGivesUpAfterMaxRetries: MaximumRetryAttempts bounds the retries,
// then the feed moves on.
func TestFeedGivesUpAfterMaxRetries(t *testing.T) {
	ev := notifyEvent()
	ev.MaxRetries = 2
	_, repo, fake, _, _ := feedFixture(t, ev)
	fake.fail = func(_ int, ids []string) ([]string, error) {
		if ids[0] == "r3.message_posted.1" {
			return nil, fmt.Errorf("poison")
		}
		return nil, nil
	}
	ctx := context.Background()
	if err := repo.Enqueue(ctx, nil, outboxEvent("r3", 1)); err != nil {
		t.Fatal(err)
	}
	fake.waitCalls(t, 3) // the first try and 2 retries
	if err := repo.Enqueue(ctx, nil, outboxEvent("r3", 2)); err != nil {
		t.Fatal(err)
	}
	got := fake.waitCalls(t, 4)
	if fmt.Sprint(got[3]) != "[r3.message_posted.2]" {
		t.Errorf("after giving up: %v", got)
	}
}

// TestFeedWithoutReportBatchItemFailures: as on Lambda, item failures are
// ignored when the event does not declare ReportBatchItemFailures.
func TestFeedWithoutReportBatchItemFailures(t *testing.T) {
	ev := notifyEvent()
	ev.ReportFailures = false
	_, repo, fake, _, _ := feedFixture(t, ev)
	fake.fail = func(_ int, ids []string) ([]string, error) { return ids, nil }
	if err := repo.Enqueue(context.Background(), nil, outboxEvent("r4", 1)); err != nil {
		t.Fatal(err)
	}
	fake.waitCalls(t, 1)
	time.Sleep(50 * time.Millisecond)
	if n := len(fake.calls()); n != 1 {
		t.Errorf("%d invocations, want 1", n)
	}
}

// TestFeedResumesFromItsPosition: records handled before a stop are not
// handed again after it.
func TestFeedResumesFromItsPosition(t *testing.T) {
	dir := t.TempDir()
	b, err := embedded.Open(filepath.Join(dir, "db"), embedded.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	repo, _ := store.New(b, store.Options{CursorKey: []byte("0123456789abcdef")})
	run := func(fake *fakeNotify) func() {
		c, err := newConsumer(notifyEvent(), fake.Handle, time.Second, dir)
		if err != nil {
			t.Fatal(err)
		}
		f := &feed{src: b, consumers: []*consumer{c}, logger: slog.New(slog.DiscardHandler), backoff: expBackoff}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { f.Run(ctx); close(done) }()
		return func() { cancel(); <-done }
	}
	first := newFakeNotify()
	stop := run(first)
	if err := repo.Enqueue(context.Background(), nil, outboxEvent("r5", 1)); err != nil {
		t.Fatal(err)
	}
	first.waitCalls(t, 1)
	stop()
	if err := repo.Enqueue(context.Background(), nil, outboxEvent("r5", 2)); err != nil {
		t.Fatal(err)
	}
	second := newFakeNotify()
	defer run(second)()
	if got := second.waitCalls(t, 1); fmt.Sprint(got) != "[[r5.message_posted.2]]" {
		t.Errorf("after restart: %v", got)
	}
}

// TestRunnerWiresStreamAndSchedule: with a template whose NotifyFunction
// has its DynamoDB event, a booking made through the API reaches the
// function as an outbox INSERT; the scheduled function runs once at start.
func TestRunnerWiresStreamAndSchedule(t *testing.T) {
	dir := newDataDir(t)
	wd, _ := os.Getwd()
	path, err := findTemplate(wd, "template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	notify := `
  NotifyFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Events:
        Outbox:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt Table.StreamArn
            StartingPosition: TRIM_HORIZON
            FunctionResponseTypes: [ReportBatchItemFailures]
            FilterCriteria:
              Filters:
                - Pattern: '` + defaultOutboxPattern + `'
`
	src := string(raw)
	if !strings.Contains(src, "NotifyFunction:") {
		src = strings.Replace(src, "\nOutputs:", notify+"\nOutputs:", 1)
	}
	tplPath := filepath.Join(dir, "template.yaml")
	if err := os.WriteFile(tplPath, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}

	fake := newFakeNotify()
	ticks := make(chan events.EventBridgeEvent, 10)
	fns := map[string]wiring{}
	for id, w := range registry {
		fns[id] = w
	}
	fns["NotifyFunction"] = wiring{Stream: func(env) (streamHandler, error) { return fake.Handle, nil }}
	fns["LeadtimeFunction"] = wiring{Schedule: func(env) (scheduleHandler, error) {
		return func(_ context.Context, ev events.EventBridgeEvent) error { ticks <- ev; return nil }, nil
	}}
	c := testConfig(t, dir, "-template", tplPath)
	c.functions = fns
	r := startRunner(t, c, io.Discard)

	select {
	case ev := <-ticks:
		if ev.DetailType != "Scheduled Event" || ev.Source != "aws.events" {
			t.Errorf("schedule event %+v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Error("the scheduled function did not run at start")
	}
	id := book(t, r, "locride", "bianco-2026-0001")
	got := fake.waitCalls(t, 1)
	if !slices.Contains(got[0], id+".request_created.1") {
		t.Errorf("notify got %v, want the request_created of %s", got, id)
	}
}
