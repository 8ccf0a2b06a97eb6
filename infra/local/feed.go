package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/google/uuid"

	"suapcds/shared/store"
	"suapcds/shared/store/embedded"
)

// defaultOutboxPattern is the notify function's event filter: outbox
// inserts only. It applies while the template has no DynamoDB event yet.
const defaultOutboxPattern = `{"eventName":["INSERT"],"dynamodb":{"NewImage":{"type":{"S":["` + store.TypeOutbox + `"]}}}}`

// changeSource is the embedded store's change feed.
type changeSource interface {
	Changes(after uint64, max int) ([]embedded.Change, error)
	Changed() <-chan struct{}
	TrimChanges(seq uint64) error
}

// feed plays DynamoDB Streams and Lambda's event source mapping for the
// embedded store: each consumer (a template DynamoDB event) reads the change
// feed from its own position, keeps what its filter lets through, and hands
// batches to its function as a DynamoDBEvent, with Lambda's retry rules.
type feed struct {
	src       changeSource
	consumers []*consumer
	logger    *slog.Logger
	// backoff is the wait before retry n (1, 2, ...).
	backoff func(n int) time.Duration

	trimMu sync.Mutex
}

// consumer is one event source mapping.
type consumer struct {
	ev      streamEvent
	filter  eventFilter
	handle  streamHandler
	timeout time.Duration
	posFile string

	mu  sync.Mutex
	pos uint64 // the last change handled
}

// readBatch is how many changes a consumer reads at once.
const readBatch = 100

// newConsumer returns the consumer of ev, at the position kept in dataDir.
func newConsumer(ev streamEvent, h streamHandler, timeout time.Duration, dataDir string) (*consumer, error) {
	flt, err := newEventFilter(ev.Patterns)
	if err != nil {
		return nil, fmt.Errorf("%s.%s: %w", ev.Function, ev.Event, err)
	}
	c := &consumer{ev: ev, filter: flt, handle: h, timeout: timeout,
		posFile: filepath.Join(dataDir, "feed-"+ev.Function+".position")}
	raw, err := os.ReadFile(c.posFile)
	switch {
	case err == nil:
		if c.pos, err = strconv.ParseUint(strings.TrimSpace(string(raw)), 10, 64); err != nil {
			return nil, fmt.Errorf("%s: %w", c.posFile, err)
		}
	case !errors.Is(err, os.ErrNotExist):
		return nil, err
	}
	return c, nil
}

func (c *consumer) position() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pos
}

func (c *consumer) setPosition(seq uint64) error {
	c.mu.Lock()
	c.pos = seq
	c.mu.Unlock()
	return writeFileAtomic(c.posFile, []byte(strconv.FormatUint(seq, 10)+"\n"), 0o600)
}

// Run runs every consumer until ctx ends.
func (f *feed) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, c := range f.consumers {
		wg.Go(func() { f.consume(ctx, c) })
	}
	wg.Wait()
}

func (f *feed) consume(ctx context.Context, c *consumer) {
	log := f.logger.With("function", c.ev.Function, "event", c.ev.Event)
	for ctx.Err() == nil {
		wake := f.src.Changed() // before reading, so no commit is missed
		changes, err := f.src.Changes(c.position(), readBatch)
		if err != nil {
			log.Error("change feed", "error", err.Error())
			sleep(ctx, time.Second)
			continue
		}
		if len(changes) == 0 {
			select {
			case <-wake:
			case <-ctx.Done():
			}
			continue
		}
		var recs []events.DynamoDBEventRecord
		for _, ch := range changes {
			ok, err := c.filter.Match(ch.Record)
			if err != nil {
				log.Error("filter", "eventID", ch.Record.EventID, "error", err.Error())
			}
			if ok {
				recs = append(recs, ch.Record)
			}
		}
		for len(recs) > 0 {
			n := min(len(recs), c.ev.BatchSize)
			if !f.deliver(ctx, log, c, recs[:n]) {
				return // stopped: the position stays, the batch comes again next start
			}
			recs = recs[n:]
		}
		if err := c.setPosition(changes[len(changes)-1].Seq); err != nil {
			log.Error("saving the feed position", "error", err.Error())
		}
		f.trim(log)
	}
}

// deliver invokes the function with batch until it succeeds, as Lambda's
// stream poller does: a function error retries the batch; reported item
// failures (only with ReportBatchItemFailures) retry from the first failed
// record on, the records after it included, since a stream's checkpoint is
// a position. MaximumRetryAttempts bounds the retries (default: unbounded).
// It returns false when ctx ended first.
func (f *feed) deliver(ctx context.Context, log *slog.Logger, c *consumer, batch []events.DynamoDBEventRecord) bool {
	for attempt := 0; ; attempt++ {
		resp, err := c.invoke(ctx, batch)
		if ctx.Err() != nil {
			return false
		}
		first := len(batch)
		switch {
		case err != nil:
			first = 0
			log.Error("invocation failed", "records", len(batch), "attempt", attempt+1, "error", err.Error())
		case len(resp.BatchItemFailures) > 0 && !c.ev.ReportFailures:
			log.Warn("batchItemFailures ignored: the event lacks FunctionResponseTypes: [ReportBatchItemFailures], as Lambda would ignore them",
				"failures", len(resp.BatchItemFailures))
		case len(resp.BatchItemFailures) > 0:
			first = firstFailure(batch, resp.BatchItemFailures)
			log.Warn("batch item failures", "records", len(batch), "failures", len(resp.BatchItemFailures),
				"retryFrom", batch[first].Change.SequenceNumber, "attempt", attempt+1)
		}
		if first == len(batch) {
			return true
		}
		if c.ev.MaxRetries >= 0 && attempt >= c.ev.MaxRetries {
			log.Error("records dropped after MaximumRetryAttempts (on AWS they go to the on-failure destination)",
				"records", len(batch)-first, "firstSequenceNumber", batch[first].Change.SequenceNumber)
			return true
		}
		batch = batch[first:]
		if !sleep(ctx, f.backoff(attempt+1)) {
			return false
		}
	}
}

// firstFailure is the index of the earliest failed record. An identifier
// that is no record of the batch fails the whole batch, as on Lambda.
func firstFailure(batch []events.DynamoDBEventRecord, fails []events.DynamoDBBatchItemFailure) int {
	first := len(batch)
	for _, fl := range fails {
		found := false
		for i, r := range batch {
			if r.Change.SequenceNumber == fl.ItemIdentifier {
				first, found = min(first, i), true
				break
			}
		}
		if !found {
			return 0
		}
	}
	return first
}

// invoke calls the handler like Lambda: its own request id and deadline; a
// panic is a function error.
func (c *consumer) invoke(ctx context.Context, batch []events.DynamoDBEventRecord) (resp events.DynamoDBEventResponse, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: uuid.NewString(),
		InvokedFunctionArn: "arn:aws:lambda:local:000000000000:function:" + c.ev.Function})
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return c.handle(ctx, events.DynamoDBEvent{Records: batch})
}

// trim drops the changes every consumer has handled.
func (f *feed) trim(log *slog.Logger) {
	f.trimMu.Lock()
	defer f.trimMu.Unlock()
	low := f.consumers[0].position()
	for _, c := range f.consumers[1:] {
		low = min(low, c.position())
	}
	if low == 0 {
		return
	}
	if err := f.src.TrimChanges(low); err != nil {
		log.Error("trimming the change feed", "error", err.Error())
	}
}

// expBackoff doubles from 500 ms up to 30 s.
func expBackoff(n int) time.Duration {
	d := 500 * time.Millisecond << min(n-1, 6)
	return min(d, 30*time.Second)
}

// sleep waits d or until ctx ends; it reports whether it waited d.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// logOutbox is the stand-in for a stream function the local run cannot
// call yet: it logs each outbox item it would have been handed, so the
// plumbing can be seen working. Nothing is mailed.
func logOutbox(logger *slog.Logger) streamHandler {
	return func(_ context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		for _, r := range ev.Records {
			attrs := []any{"eventName", r.EventName, "sequenceNumber", r.Change.SequenceNumber}
			if it, err := store.FromEventImage(r.Change.NewImage); err == nil && it != nil {
				if o, err := store.OutboxFrom(it); err == nil {
					attrs = append(attrs, "outboxId", o.ID, "kind", o.Kind, "subjectId", o.SubjectID)
				}
			}
			logger.Info("outbox item not mailed: notify is not wired locally", attrs...)
		}
		return events.DynamoDBEventResponse{}, nil
	}
}
