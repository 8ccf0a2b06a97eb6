// Package notify is the notify function: it turns the outbox items the
// table's stream inserts into e-mails (docs/rules.md §3), each mailed exactly once.
//
// For every record of a batch that is the INSERT of an outbox item, it
// claims the item with a conditional write (PENDING → SENDING), builds the
// mail, sends it and marks the item SENT, conditional on its claim. A record
// whose item is already SENT or SKIPPED is a redelivery and sends nothing.
// A failure worth retrying (throttling, a network or service error) releases
// the claim and reports the record's sequence number in batchItemFailures,
// so only it is retried; a mail that can never be sent (an event kind
// without a mail, a request that no longer exists, a message SES rejects) is
// marked SKIPPED with a reason and logged, not retried forever. An item
// another delivery holds is left to it (deferred).
//
// Nothing depends on the stream redelivering: every undelivered item sits in
// the table's sparse unsent index, and the scheduled Sweep takes up those
// past their due time (a dead claimer's lease, a release, a dropped record)
// through the same claim. The one duplicate possible is a crash between the
// mail service accepting a mail and the item being marked SENT.
//
// Logs are one JSON line per record and one per batch; they never carry a
// mail's body, a link's token or a meeting's password.
package notify

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"suapcds/shared/app"
	"suapcds/shared/clock"
	"suapcds/shared/domain"
	"suapcds/shared/mail"
	"suapcds/shared/signedlink"
	"suapcds/shared/store"
)

// Store is what notify reads to write a mail (the request, its office, its
// thread) and the outbox's delivery side. *store.Repo implements it on
// either backend.
type Store interface {
	GetRequest(ctx context.Context, id string) (*domain.Request, error)
	GetOffice(ctx context.Context, id string) (*domain.Office, error)
	Messages(ctx context.Context, requestID string) ([]domain.Message, error)
	GetPratica(ctx context.Context, id string) (*domain.Pratica, error)
	GetConference(ctx context.Context, praticaID, id string) (*domain.Conference, error)
	GetSession(ctx context.Context, praticaID, conferenceID, id string) (*domain.Session, error)
	store.Outbox
}

// Files reads the conferences' files to attach them: *s3get.Reader on the
// bucket (plain signed GETs, without the S3 client). Read answers
// s3get.ErrTooLarge above maxBytes and domain.ErrNotFound for a missing key.
type Files interface {
	Read(ctx context.Context, key string, maxBytes int64) ([]byte, app.ObjectInfo, error)
}

// Defaults of Deps.
const (
	// DefaultClaimLease is how long a claim protects an item being sent.
	// It must exceed the function's timeout: a claim that old belongs to an
	// invocation that is dead, and the item may be claimed again.
	DefaultClaimLease = 5 * time.Minute
	// DefaultConcurrency is how many records of a batch are sent at once.
	DefaultConcurrency = 4
	// DefaultServiceName is the regional service's display name in mails.
	DefaultServiceName = "Servizio regionale videoconferenze SUAP"
	// DefaultAttachMaxBytes is the largest convocation file attached to a
	// mail (5 MiB: base64 makes it ~6.8 MB, well within SES's 40 MB and the
	// usual PEC mailbox limits); a larger one is sent as a link.
	DefaultAttachMaxBytes int64 = 5 << 20
)

// Deps are the function's dependencies: its main fills them from the
// environment for Lambda, the local run with the embedded store and the
// .eml folder sender, the tests and the bench alike. Store, Sender and
// Links are required.
type Deps struct {
	Store  Store
	Sender mail.Sender
	// Clock defaults to the system clock.
	Clock clock.Clock
	// Links signs the manager's links and the convocations' download links
	// (LINK_KEY).
	Links *signedlink.Signer
	// Files reads the convocation files to attach (BUCKET); nil sends the
	// download link instead.
	Files Files
	// AttachMaxBytes defaults to DefaultAttachMaxBytes.
	AttachMaxBytes int64
	// Logger defaults to slog.Default().
	Logger *slog.Logger

	// ServiceMailbox is the regional service's mailbox (SERVICE_MAILBOX).
	ServiceMailbox string
	// MailFrom is the SES-verified sender address (MAIL_FROM).
	MailFrom string
	// PublicBaseURL is where the manager's pages live (PUBLIC_BASE_URL).
	PublicBaseURL string
	// ServiceName defaults to DefaultServiceName.
	ServiceName string
	// ClaimLease defaults to DefaultClaimLease (NOTIFY_CLAIM_LEASE).
	ClaimLease time.Duration
	// SweepGrace defaults to DefaultSweepGrace.
	SweepGrace time.Duration
	// Concurrency defaults to DefaultConcurrency.
	Concurrency int
}

// Handler handles DynamoDB stream batches and the scheduled sweep.
type Handler struct {
	d           Deps
	clock       clock.Clock
	log         *slog.Logger
	serviceName string
	baseURL     string
	idDomain    string // right-hand side of Message-IDs: MAIL_FROM's domain
	lease       time.Duration
	grace       time.Duration
	concurrency int
}

// New returns a Handler on d, filling in the defaults.
func New(d Deps) (*Handler, error) {
	if d.Store == nil || d.Sender == nil || d.Links == nil {
		return nil, errors.New("notify: Deps needs a Store, a Sender and Links")
	}
	h := &Handler{d: d, clock: d.Clock, log: d.Logger, serviceName: d.ServiceName,
		baseURL: strings.TrimRight(d.PublicBaseURL, "/"), lease: d.ClaimLease, concurrency: d.Concurrency}
	if h.clock == nil {
		h.clock = clock.System{}
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.serviceName == "" {
		h.serviceName = DefaultServiceName
	}
	if h.lease <= 0 {
		h.lease = DefaultClaimLease
	}
	if h.grace = d.SweepGrace; h.grace <= 0 {
		h.grace = DefaultSweepGrace
	}
	if h.concurrency <= 0 {
		h.concurrency = DefaultConcurrency
	}
	if h.d.AttachMaxBytes <= 0 {
		h.d.AttachMaxBytes = DefaultAttachMaxBytes
	}
	h.idDomain = "suapcds.invalid"
	if _, dom, ok := strings.Cut(d.MailFrom, "@"); ok && dom != "" {
		h.idDomain = dom
	}
	return h, nil
}

// outcome is what became of one record.
type outcome int

const (
	ignored   outcome = iota // not an outbox INSERT
	sent                     // mailed now
	duplicate                // already sent or skipped: a redelivery
	skipped                  // never mailable: marked SKIPPED
	retry                    // failed: in batchItemFailures
	deferred                 // claimed by another delivery: left to it, or to the sweep
)

var outcomeNames = [...]string{"ignored", "sent", "duplicate", "skipped", "retry", "deferred"}

func (o outcome) String() string { return outcomeNames[o] }

// Handle processes a batch: every outbox INSERT is mailed at most once, and
// the records to retry are returned as batch item failures (their sequence
// numbers). It never returns an error: a failure of the whole batch would
// make Lambda retry records that were already mailed.
func (h *Handler) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	start := time.Now()
	log := h.log
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		log = log.With("requestId", lc.AwsRequestID)
	}
	outcomes := h.each(len(ev.Records), func(i int) outcome { return h.record(ctx, log, &ev.Records[i]) })

	var resp events.DynamoDBEventResponse
	var counts [len(outcomeNames)]int
	for i, o := range outcomes {
		counts[o]++
		if o == retry {
			resp.BatchItemFailures = append(resp.BatchItemFailures,
				events.DynamoDBBatchItemFailure{ItemIdentifier: ev.Records[i].Change.SequenceNumber})
		}
	}
	log.Info("notify batch", "records", len(ev.Records), "sent", counts[sent], "duplicates", counts[duplicate],
		"skipped", counts[skipped], "retry", counts[retry], "deferred", counts[deferred], "ignored", counts[ignored],
		"ms", time.Since(start).Milliseconds())
	return resp, nil
}

// each runs do(i) for every i below n, h.concurrency at a time, and returns
// the outcomes in order: the one worker pool of the stream and the sweep.
func (h *Handler) each(n int, do func(i int) outcome) []outcome {
	outcomes := make([]outcome, n)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(h.concurrency, n) {
		wg.Go(func() {
			for i := range jobs {
				outcomes[i] = do(i)
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return outcomes
}

// isOutboxInsert is the template's event filter, applied again: the local
// runner hands over every change.
func isOutboxInsert(rec *events.DynamoDBEventRecord) bool {
	if rec.EventName != "INSERT" {
		return false
	}
	t, ok := rec.Change.NewImage[store.AttrType]
	return ok && t.DataType() == events.DataTypeString && t.String() == store.TypeOutbox
}

// record mails one record's outbox item.
func (h *Handler) record(ctx context.Context, log *slog.Logger, rec *events.DynamoDBEventRecord) outcome {
	if !isOutboxInsert(rec) {
		return ignored
	}
	log = log.With("sequenceNumber", rec.Change.SequenceNumber)
	it, err := store.FromEventImage(rec.Change.NewImage)
	var ob *store.OutboxItem
	if err == nil {
		ob, err = store.OutboxFrom(it)
	}
	if err != nil {
		// The same bytes would fail again: retrying cannot help.
		log.Error("notify", "outcome", skipped.String(), "reason", "undecodable", "error", err.Error())
		return skipped
	}
	return h.deliver(ctx, log, ob.ID, ob.Kind)
}

// deliver claims the outbox item id, mails it and marks it sent: the one
// path of both the stream and the sweep.
func (h *Handler) deliver(ctx context.Context, log *slog.Logger, id, kind string) outcome {
	start := time.Now()
	log = log.With("outboxId", id, "kind", kind)

	now := h.clock.Now()
	claim, err := h.d.Store.ClaimOutbox(ctx, id, now, h.lease)
	switch {
	case errors.Is(err, store.ErrOutboxDone):
		log.Info("notify", "outcome", duplicate.String())
		return duplicate
	case errors.Is(err, store.ErrOutboxBusy):
		// Another invocation is sending it. If it dies, the item stays
		// SENDING until its lease ends and the sweep takes it up then: the
		// stream need not retry it (its retries would all come too soon).
		log.Info("notify", "outcome", deferred.String(), "reason", "claimed_elsewhere")
		return deferred
	case errors.Is(err, domain.ErrNotFound):
		log.Warn("notify", "outcome", skipped.String(), "reason", "outbox_item_gone")
		return skipped
	case err != nil:
		log.Error("notify", "outcome", retry.String(), "stage", "claim", "error", err.Error())
		return retry
	}
	log = log.With("attempt", claim.Attempts)

	c, err := h.compose(ctx, &claim.Item, now)
	if err != nil {
		var s *skipError
		if errors.As(err, &s) {
			h.skipItem(ctx, log, claim, s.reason, err)
			return skipped
		}
		h.release(ctx, log, claim)
		log.Error("notify", "outcome", retry.String(), "stage", "compose", "error", err.Error())
		return retry
	}
	log = log.With("mail", string(c.kind), "invitation", c.msg.Invitation != nil)

	msgID, err := h.d.Sender.Send(ctx, c.msg)
	if err != nil {
		if mail.IsPermanent(err) {
			h.skipItem(ctx, log, claim, "rejected", err)
			return skipped
		}
		h.release(ctx, log, claim)
		log.Warn("notify", "outcome", retry.String(), "stage", "send", "error", err.Error())
		return retry
	}
	// From here to the mark, a crash is the one way to mail twice: the
	// item stays SENDING and the sweep sends it again after the lease.
	// windowUs logs how long that window was.
	accepted := time.Now()
	if err := h.markSent(ctx, claim, msgID); err != nil {
		// The mail is out: report success anyway, since a retry would mail
		// it again. The item stays SENDING until the sweep retakes it.
		log.Error("notify: sent, but not marked sent", "messageId", msgID, "error", err.Error())
	}
	log.Info("notify", "outcome", sent.String(), "messageId", msgID, "ms", time.Since(start).Milliseconds(),
		"windowUs", time.Since(accepted).Microseconds())
	return sent
}

// afterwards is a context for the writes that follow a send or a failure:
// they must happen even when the invocation's context is ending.
func afterwards(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
}

// markSent marks the item SENT, trying a few times: once the mail is out,
// losing the marker means a duplicate on a later redelivery.
func (h *Handler) markSent(ctx context.Context, c *store.OutboxClaim, messageID string) error {
	wctx, cancel := afterwards(ctx)
	defer cancel()
	var err error
	for attempt, wait := 0, 50*time.Millisecond; attempt < 4; attempt, wait = attempt+1, wait*2 {
		if err = h.d.Store.MarkOutboxSent(wctx, c, h.clock.Now(), messageID); err == nil || errors.Is(err, store.ErrClaimLost) {
			return err
		}
		select {
		case <-wctx.Done():
			return err
		case <-time.After(wait):
		}
	}
	return err
}

func (h *Handler) skipItem(ctx context.Context, log *slog.Logger, c *store.OutboxClaim, reason string, cause error) {
	wctx, cancel := afterwards(ctx)
	defer cancel()
	if err := h.d.Store.SkipOutbox(wctx, c, h.clock.Now(), reason); err != nil {
		log.Error("notify: cannot mark skipped", "error", err.Error())
	}
	level := slog.LevelError
	if reason == "unknown_kind" {
		level = slog.LevelWarn // a newer event kind than this code knows
	}
	log.Log(ctx, level, "notify", "outcome", skipped.String(), "reason", reason, "error", cause.Error())
}

func (h *Handler) release(ctx context.Context, log *slog.Logger, c *store.OutboxClaim) {
	wctx, cancel := afterwards(ctx)
	defer cancel()
	if err := h.d.Store.ReleaseOutbox(wctx, c); err != nil {
		// The claim then expires after the lease and the retry takes over.
		log.Error("notify: cannot release claim", "error", err.Error())
	}
}
