package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"suapcds/shared/domain"
)

// Delivery statuses of an outbox item (its "status" attribute), besides
// OutboxStatusPending:
//
//	PENDING ──claim──► SENDING ──sent──► SENT
//	   ▲                  │  └───skip──► SKIPPED
//	   └─────release──────┘
//
// A SENDING item whose claim is older than the lease the caller gives may be
// claimed again: its first claimer is taken to have crashed.
const (
	OutboxStatusSending = "SENDING"
	OutboxStatusSent    = "SENT"
	OutboxStatusSkipped = "SKIPPED"
)

// Attributes of an outbox item's delivery state. Each write of the state puts
// a new claim token, and each claim, mark or release is conditioned on the
// token it read, so two deliveries can never both hold a claim.
const (
	attrStatus     = "status"
	attrClaimToken = "claimToken"
	attrClaimedAt  = "claimedAt"
	attrAttempts   = "attempts"
	attrDoneAt     = "doneAt"
	attrMessageID  = "messageId"
	attrSkipReason = "skipReason"
	attrUnsentKey  = "unsentKey"
	attrDueAt      = "dueAt"
)

// unsentPK is IndexUnsent's one partition: every undelivered item. One
// partition holds thousands of writes a second, far above what the offices
// make; the sweep reads its oldest due items first.
const unsentPK = "OUTBOX#UNSENT"

// dueKey is IndexUnsent's sort key: the due time, then the id, so that
// items due at once have one order on every backend.
func dueKey(t time.Time, id string) string { return sortTime(t) + "#" + id }

// Due is when the sweep may take the item up (the zero time once it is
// delivered, or for an item written before the index existed).
func (o OutboxItem) Due() time.Time {
	at, _, _ := strings.Cut(o.DueAt, "#")
	t, _ := time.Parse(time.RFC3339Nano, at)
	return t
}

// Errors of the Outbox methods.
var (
	// ErrOutboxDone: the item was already sent or skipped; nothing to do.
	ErrOutboxDone = errors.New("store: outbox item already delivered")
	// ErrOutboxBusy: another delivery holds a live claim on the item (or won
	// the race to claim it); try again after its lease.
	ErrOutboxBusy = errors.New("store: outbox item claimed by another delivery")
	// ErrClaimLost: the claim expired and another delivery took the item over.
	ErrClaimLost = errors.New("store: outbox claim lost to another delivery")
)

// Outbox is the delivery side of the outbox, used by notify: an item is
// claimed with a conditional write before its mail is sent and marked sent
// (conditional on the claim) after, so each event is mailed once even when
// the stream delivers it twice, or to two invocations at once.
type Outbox interface {
	// ClaimOutbox claims the PENDING item id at now, or a SENDING one whose
	// claim is older than lease. It fails with ErrOutboxDone when the item
	// is SENT or SKIPPED, ErrOutboxBusy when another claim holds it, and
	// domain.ErrNotFound when there is no such item.
	ClaimOutbox(ctx context.Context, id string, now time.Time, lease time.Duration) (*OutboxClaim, error)
	// MarkOutboxSent records that the claimed item's mail was accepted by
	// the mail service as messageID. ErrClaimLost if the claim was lost.
	MarkOutboxSent(ctx context.Context, c *OutboxClaim, now time.Time, messageID string) error
	// SkipOutbox ends the claimed item without a mail (an unknown kind, a
	// mail that can never be sent), with a short machine-readable reason.
	SkipOutbox(ctx context.Context, c *OutboxClaim, now time.Time, reason string) error
	// ReleaseOutbox gives the claimed item back (PENDING) after a failure
	// worth retrying, so a retry need not wait for the lease.
	ReleaseOutbox(ctx context.Context, c *OutboxClaim) error
	// DueOutbox returns up to limit items not yet delivered whose due time
	// (creation, release, or the end of a claim's lease) is at or before
	// before, oldest first: what the sweep takes up when the stream did
	// not (a crashed claimer, a record dropped after its retries). One
	// Query on the sparse IndexUnsent, never a Scan.
	DueOutbox(ctx context.Context, before time.Time, limit int) ([]OutboxItem, error)
}

var _ Outbox = (*Repo)(nil)

// OutboxClaim is a claim held on an outbox item.
type OutboxClaim struct {
	// Item is the claimed event.
	Item OutboxItem
	// Token identifies the claim; the item's later writes are conditioned
	// on it.
	Token     string
	ClaimedAt time.Time
	// Attempts counts the claims of the item, this one included.
	Attempts int

	raw Item // the item as the claim wrote it
}

// OutboxDelivery is an outbox item with its delivery state.
type OutboxDelivery struct {
	OutboxItem
	ClaimToken string
	ClaimedAt  time.Time
	Attempts   int
	// DoneAt is when the item was sent or skipped.
	DoneAt time.Time
	// MessageID is the mail service's id of the sent mail.
	MessageID string
	// SkipReason says why a SKIPPED item got no mail.
	SkipReason string
}

// deliveryRecord decodes the delivery attributes of an outbox item.
type deliveryRecord struct {
	Status     string    `dynamodbav:"status"`
	ClaimToken string    `dynamodbav:"claimToken"`
	ClaimedAt  time.Time `dynamodbav:"claimedAt"`
	Attempts   int       `dynamodbav:"attempts"`
	DoneAt     time.Time `dynamodbav:"doneAt"`
	MessageID  string    `dynamodbav:"messageId"`
	SkipReason string    `dynamodbav:"skipReason"`
}

// GetOutboxDelivery returns an outbox item with its delivery state, or
// domain.ErrNotFound.
func (s *Repo) GetOutboxDelivery(ctx context.Context, id string) (*OutboxDelivery, error) {
	it, err := s.get(ctx, Key{outboxPK(id), skOutbox})
	if err != nil {
		return nil, err
	}
	ob, err := OutboxFrom(it)
	if err != nil {
		return nil, err
	}
	var d deliveryRecord
	if err := unmarshal(it, &d); err != nil {
		return nil, err
	}
	return &OutboxDelivery{OutboxItem: *ob, ClaimToken: d.ClaimToken, ClaimedAt: d.ClaimedAt, Attempts: d.Attempts,
		DoneAt: d.DoneAt, MessageID: d.MessageID, SkipReason: d.SkipReason}, nil
}

func strAV(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

func timeAV(t time.Time) types.AttributeValue {
	// The same form attributevalue gives a time.Time, so it decodes back.
	return strAV(t.UTC().Format(time.RFC3339Nano))
}

// ClaimOutbox claims an outbox item for delivery.
func (s *Repo) ClaimOutbox(ctx context.Context, id string, now time.Time, lease time.Duration) (*OutboxClaim, error) {
	it, err := s.get(ctx, Key{outboxPK(id), skOutbox})
	if err != nil {
		return nil, err
	}
	var d deliveryRecord
	if err := unmarshal(it, &d); err != nil {
		return nil, err
	}
	// The write must find the item as read: the claim token it had, or,
	// for an item never claimed, still PENDING.
	cond := Condition{Kind: CondAttrEquals, Attr: attrClaimToken, Value: d.ClaimToken, Fail: ErrOutboxBusy}
	switch d.Status {
	case OutboxStatusSent, OutboxStatusSkipped:
		return nil, ErrOutboxDone
	case OutboxStatusSending:
		if now.Before(d.ClaimedAt.Add(lease)) {
			return nil, ErrOutboxBusy
		}
	case OutboxStatusPending:
		if d.ClaimToken == "" {
			cond = Condition{Kind: CondAttrEquals, Attr: attrStatus, Value: OutboxStatusPending, Fail: ErrOutboxBusy}
		}
	default:
		return nil, fmt.Errorf("store: outbox item %s has unknown status %q", id, d.Status)
	}
	c := &OutboxClaim{Token: s.newID(), ClaimedAt: now, Attempts: d.Attempts + 1}
	next := maps.Clone(it)
	next[attrStatus] = strAV(OutboxStatusSending)
	next[attrClaimToken] = strAV(c.Token)
	next[attrClaimedAt] = timeAV(now)
	next[attrAttempts] = &types.AttributeValueMemberN{Value: strconv.Itoa(c.Attempts)}
	// The sweep may take it again only once the lease has run out.
	next[attrUnsentKey] = strAV(unsentPK)
	next[attrDueAt] = strAV(dueKey(now.Add(lease), id))
	if err := s.b.Transact(ctx, []Write{{Put: next, Cond: cond}}); err != nil {
		if errors.Is(err, domain.ErrConflict) {
			// Concurrent transactions on the item outlasted the backend's
			// retries: another delivery is at it.
			return nil, ErrOutboxBusy
		}
		return nil, err
	}
	ob, err := OutboxFrom(next)
	if err != nil {
		return nil, err
	}
	c.Item, c.raw = *ob, next
	return c, nil
}

// finish writes the claimed item back with status and the given attributes
// set (and those named in drop removed), if the claim still holds.
func (s *Repo) finish(ctx context.Context, c *OutboxClaim, status string, set Item, drop ...string) error {
	if c == nil || c.raw == nil {
		return errors.New("store: not a claim made by ClaimOutbox")
	}
	next := maps.Clone(c.raw)
	next[attrStatus] = strAV(status)
	maps.Copy(next, set)
	for _, a := range drop {
		delete(next, a)
	}
	err := s.b.Transact(ctx, []Write{{Put: next,
		Cond: Condition{Kind: CondAttrEquals, Attr: attrClaimToken, Value: c.Token, Fail: ErrClaimLost}}})
	if err != nil {
		return err
	}
	c.raw = next
	return nil
}

// MarkOutboxSent marks the claimed item SENT.
func (s *Repo) MarkOutboxSent(ctx context.Context, c *OutboxClaim, now time.Time, messageID string) error {
	set := Item{attrDoneAt: timeAV(now)}
	if messageID != "" {
		set[attrMessageID] = strAV(messageID)
	}
	return s.finish(ctx, c, OutboxStatusSent, set, attrUnsentKey, attrDueAt)
}

// SkipOutbox marks the claimed item SKIPPED, with the reason.
func (s *Repo) SkipOutbox(ctx context.Context, c *OutboxClaim, now time.Time, reason string) error {
	return s.finish(ctx, c, OutboxStatusSkipped, Item{attrDoneAt: timeAV(now), attrSkipReason: strAV(reason)},
		attrUnsentKey, attrDueAt)
}

// ReleaseOutbox puts the claimed item back to PENDING. The claim token stays,
// so the next claim is conditioned on it. The item is due for the sweep
// from its claim's time: the stream's retry normally comes first.
func (s *Repo) ReleaseOutbox(ctx context.Context, c *OutboxClaim) error {
	return s.finish(ctx, c, OutboxStatusPending, Item{attrUnsentKey: strAV(unsentPK), attrDueAt: strAV(dueKey(c.ClaimedAt, c.Item.ID))})
}

// DueOutbox reads IndexUnsent up to before, oldest due first.
func (s *Repo) DueOutbox(ctx context.Context, before time.Time, limit int) ([]OutboxItem, error) {
	res, err := s.query(ctx, Query{Index: IndexUnsent.Name, PK: unsentPK, SKFrom: "0", SKTo: sortTime(before) + "#~", Limit: pageSize(limit)})
	if err != nil {
		return nil, err
	}
	out := make([]OutboxItem, 0, len(res.Items))
	for _, it := range res.Items {
		ob, err := OutboxFrom(it)
		if err != nil {
			return nil, err
		}
		out = append(out, *ob)
	}
	return out, nil
}
