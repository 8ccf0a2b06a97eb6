package embedded

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	bolt "go.etcd.io/bbolt"

	"suapcds/shared/store"
)

// Change is one record of the change feed, numbered from 1 in commit order.
type Change struct {
	Seq    uint64
	Record events.DynamoDBEventRecord
}

// StreamARN is the source ARN the feed's records carry, shaped like a real
// stream's so that code reading it needs no special case.
const StreamARN = "arn:aws:dynamodb:local:000000000000:table/suapcds/stream/embedded"

func (b *Backend) appendChange(tx *bolt.Tx, k store.Key, old, it store.Item) error {
	bk := tx.Bucket(bucketStream)
	seq, err := bk.NextSequence()
	if err != nil {
		return err
	}
	rec := events.DynamoDBEventRecord{
		AWSRegion:      "local",
		EventID:        fmt.Sprintf("embedded-%d", seq),
		EventSource:    "aws:dynamodb",
		EventVersion:   "1.1",
		EventSourceArn: StreamARN,
		Change: events.DynamoDBStreamRecord{
			ApproximateCreationDateTime: events.SecondsEpochTime{Time: b.now()},
			Keys: map[string]events.DynamoDBAttributeValue{
				store.AttrPK: events.NewStringAttribute(k.PK),
				store.AttrSK: events.NewStringAttribute(k.SK),
			},
			SequenceNumber: fmt.Sprintf("%021d", seq),
			StreamViewType: "NEW_AND_OLD_IMAGES",
		},
	}
	switch {
	case old == nil:
		rec.EventName = "INSERT"
	case it == nil:
		rec.EventName = "REMOVE"
	default:
		rec.EventName = "MODIFY"
	}
	if rec.Change.OldImage, err = store.ToEventImage(old); err != nil {
		return err
	}
	if rec.Change.NewImage, err = store.ToEventImage(it); err != nil {
		return err
	}
	// SizeBytes approximates DynamoDB's: the size of the keys and images.
	change, err := json.Marshal(rec.Change)
	if err != nil {
		return err
	}
	rec.Change.SizeBytes = int64(len(change))
	raw, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return bk.Put(seqKey(seq), raw)
}

// Changes returns up to max change records with a sequence number above
// after, oldest first.
func (b *Backend) Changes(after uint64, max int) ([]Change, error) {
	var out []Change
	err := b.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketStream).Cursor()
		for k, v := c.Seek(seqKey(after + 1)); k != nil && len(out) < max; k, v = c.Next() {
			var rec events.DynamoDBEventRecord
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("embedded: corrupt change record: %w", err)
			}
			out = append(out, Change{Seq: binary.BigEndian.Uint64(k), Record: rec})
		}
		return nil
	})
	return out, err
}

// Changed returns a channel closed at the next commit that changes an item,
// so a consumer can wait for work instead of polling.
func (b *Backend) Changed() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.changed
}

// TrimChanges drops the records up to and including seq, once consumed: the
// embedded analogue of a stream's 24-hour retention.
func (b *Backend) TrimChanges(seq uint64) error {
	return b.db.Update(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketStream).Cursor()
		for k, _ := c.First(); k != nil && binary.BigEndian.Uint64(k) <= seq; k, _ = c.First() {
			if err := c.Delete(); err != nil {
				return err
			}
		}
		return nil
	})
}
