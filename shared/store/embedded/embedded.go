// Package embedded is the store backend of the local run: a single bbolt file
// holding the very items DynamoDB would hold, with the same conditional
// transactions, the same key-ordered queries on the same indexes, and a change
// feed whose records are the DynamoDB stream records (NEW_AND_OLD_IMAGES) a
// Lambda would receive. The local runner feeds them to the same notify code.
package embedded

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	bolt "go.etcd.io/bbolt"

	"suapcds/shared/domain"
	"suapcds/shared/store"
)

var (
	bucketItems  = []byte("items")
	bucketStream = []byte("stream")
)

func indexBucket(name string) []byte { return []byte("index:" + name) }

// sep separates key parts; no key part may contain it (ids are validated).
const sep = "\x00"

// Backend is a store.Backend on a bbolt file. It is safe for concurrent use:
// bbolt serialises writers, which is what makes the conditions atomic.
type Backend struct {
	db  *bolt.DB
	now func() time.Time

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every commit with changes
}

var _ store.Backend = (*Backend)(nil)

// Options tune the file.
type Options struct {
	// NoSync skips fsync on commit: for tests and throwaway data only, since a
	// crash may then lose the last commits.
	NoSync bool
}

// Open opens (or creates) the store file at path.
func Open(path string, o Options) (*Backend, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second, NoSync: o.NoSync, NoFreelistSync: o.NoSync})
	if err != nil {
		return nil, fmt.Errorf("embedded: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketItems, bucketStream} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		for _, ix := range store.Indexes {
			if _, err := tx.CreateBucketIfNotExists(indexBucket(ix.Name)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("embedded: init %s: %w", path, err)
	}
	return &Backend{db: db, now: time.Now, changed: make(chan struct{})}, nil
}

// Close closes the file.
func (b *Backend) Close() error { return b.db.Close() }

func itemKey(pk, sk string) []byte { return []byte(pk + sep + sk) }

func strAttr(it store.Item, name string) (string, bool) {
	s, ok := it[name].(*types.AttributeValueMemberS)
	if !ok {
		return "", false
	}
	return s.Value, true
}

// indexKey is the item's entry in index ix, if the item has the index's keys
// (indexes are sparse, as in DynamoDB).
func indexKey(ix store.IndexDef, it store.Item) ([]byte, bool) {
	ipk, ok1 := strAttr(it, ix.PKAttr)
	isk, ok2 := strAttr(it, ix.SKAttr)
	pk, _ := strAttr(it, store.AttrPK)
	sk, _ := strAttr(it, store.AttrSK)
	if !ok1 || !ok2 {
		return nil, false
	}
	return []byte(ipk + sep + isk + sep + pk + sep + sk), true
}

func encodeItem(it store.Item) ([]byte, error) {
	img, err := store.ToEventImage(it)
	if err != nil {
		return nil, err
	}
	return json.Marshal(img)
}

func decodeItem(raw []byte) (store.Item, error) {
	var img map[string]events.DynamoDBAttributeValue
	if err := json.Unmarshal(raw, &img); err != nil {
		return nil, fmt.Errorf("embedded: corrupt item: %w", err)
	}
	return store.FromEventImage(img)
}

func getItem(tx *bolt.Tx, k store.Key) (store.Item, error) {
	raw := tx.Bucket(bucketItems).Get(itemKey(k.PK, k.SK))
	if raw == nil {
		return nil, nil
	}
	return decodeItem(raw)
}

// Get returns the item with key k, or nil.
func (b *Backend) Get(_ context.Context, k store.Key) (store.Item, error) {
	var it store.Item
	err := b.db.View(func(tx *bolt.Tx) error {
		var err error
		it, err = getItem(tx, k)
		return err
	})
	return it, err
}

// GetMany returns the items with keys, in order, nil where missing, from
// one consistent view.
func (b *Backend) GetMany(_ context.Context, keys []store.Key) ([]store.Item, error) {
	out := make([]store.Item, len(keys))
	err := b.db.View(func(tx *bolt.Tx) error {
		for i, k := range keys {
			it, err := getItem(tx, k)
			if err != nil {
				return err
			}
			out[i] = it
		}
		return nil
	})
	return out, err
}

func keyOfWrite(w store.Write) (store.Key, error) {
	switch {
	case w.Put != nil:
		pk, ok1 := strAttr(w.Put, store.AttrPK)
		sk, ok2 := strAttr(w.Put, store.AttrSK)
		if !ok1 || !ok2 || pk == "" || sk == "" {
			return store.Key{}, errors.New("embedded: put without pk/sk")
		}
		return store.Key{PK: pk, SK: sk}, nil
	case w.Delete != nil:
		return *w.Delete, nil
	case w.Check != nil:
		return *w.Check, nil
	}
	return store.Key{}, errors.New("embedded: empty write")
}

func holds(c store.Condition, cur store.Item) bool {
	switch c.Kind {
	case store.CondNone:
		return true
	case store.CondNotExists:
		return cur == nil
	case store.CondExists:
		return cur != nil
	case store.CondVersion:
		n, ok := cur[store.AttrVersion].(*types.AttributeValueMemberN)
		return cur != nil && ok && n.Value == strconv.FormatInt(c.Version, 10)
	case store.CondAttrEquals:
		s, ok := strAttr(cur, c.Attr)
		return cur != nil && ok && s == c.Value
	}
	return false
}

func failure(c store.Condition) error {
	if c.Fail != nil {
		return c.Fail
	}
	return domain.ErrConflict
}

// Transact applies writes atomically: every condition is checked against the
// state before the transaction, then all writes are applied and their change
// records appended to the feed.
func (b *Backend) Transact(_ context.Context, writes []store.Write) error {
	if len(writes) == 0 || len(writes) > 100 {
		return fmt.Errorf("embedded: a transaction takes 1 to 100 writes, not %d", len(writes))
	}
	keys := make([]store.Key, len(writes))
	seen := map[store.Key]bool{}
	for i, w := range writes {
		k, err := keyOfWrite(w)
		if err != nil {
			return err
		}
		if seen[k] {
			// DynamoDB refuses two operations on one item in a transaction.
			return fmt.Errorf("embedded: two writes to %s/%s in one transaction", k.PK, k.SK)
		}
		seen[k], keys[i] = true, k
	}
	committed := false
	err := b.db.Update(func(tx *bolt.Tx) error {
		olds := make([]store.Item, len(writes))
		for i, w := range writes {
			cur, err := getItem(tx, keys[i])
			if err != nil {
				return err
			}
			if !holds(w.Cond, cur) {
				return failure(w.Cond)
			}
			olds[i] = cur
		}
		for i, w := range writes {
			if w.Check != nil {
				continue
			}
			if err := b.apply(tx, keys[i], olds[i], w.Put); err != nil {
				return err
			}
			committed = true
		}
		return nil
	})
	if err == nil && committed {
		b.mu.Lock()
		close(b.changed)
		b.changed = make(chan struct{})
		b.mu.Unlock()
	}
	return err
}

// apply replaces the item at k (old) by it (nil: delete), keeps the indexes
// in step and appends the change record.
func (b *Backend) apply(tx *bolt.Tx, k store.Key, old, it store.Item) error {
	items := tx.Bucket(bucketItems)
	if old == nil && it == nil {
		return nil // deleting nothing changes nothing, as in DynamoDB's stream
	}
	var raw []byte
	if it != nil {
		var err error
		if raw, err = encodeItem(it); err != nil {
			return err
		}
		// DynamoDB writes no stream record for a put that changes nothing;
		// neither do we (the encoding is canonical: sorted keys).
		if old != nil && bytes.Equal(raw, items.Get(itemKey(k.PK, k.SK))) {
			return nil
		}
	}
	for _, ix := range store.Indexes {
		bk := tx.Bucket(indexBucket(ix.Name))
		if ik, ok := indexKey(ix, old); old != nil && ok {
			if err := bk.Delete(ik); err != nil {
				return err
			}
		}
		if ik, ok := indexKey(ix, it); it != nil && ok {
			if err := bk.Put(ik, nil); err != nil {
				return err
			}
		}
	}
	if it == nil {
		if err := items.Delete(itemKey(k.PK, k.SK)); err != nil {
			return err
		}
	} else {
		if err := items.Put(itemKey(k.PK, k.SK), raw); err != nil {
			return err
		}
	}
	return b.appendChange(tx, k, old, it)
}

// Query reads one partition of the table or an index in key order.
func (b *Backend) Query(_ context.Context, q store.Query) (store.QueryResult, error) {
	var res store.QueryResult
	if q.Limit <= 0 {
		return res, errors.New("embedded: query without a limit")
	}
	var ix *store.IndexDef
	if q.Index != "" {
		def, ok := store.IndexNamed(q.Index)
		if !ok {
			return res, fmt.Errorf("embedded: no index %q", q.Index)
		}
		ix = &def
	}
	err := b.db.View(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketItems)
		if ix != nil {
			bk = tx.Bucket(indexBucket(ix.Name))
		}
		prefix := []byte(q.PK + sep)
		c := bk.Cursor()
		k := seekStart(c, prefix, q, ix)
		for ; k != nil && bytes.HasPrefix(k, prefix) && len(res.Items) < q.Limit; k = step(c, q.Desc) {
			sk, tail, _ := bytes.Cut(k[len(prefix):], []byte(sep))
			switch inRange(string(sk), q) {
			case -1: // not reached yet in this direction
				continue
			case 1: // past the range
				return nil
			}
			var it store.Item
			var err error
			if ix == nil {
				it, err = decodeItem(bk.Get(k))
			} else {
				pk, tsk, _ := bytes.Cut(tail, []byte(sep))
				it, err = getItem(tx, store.Key{PK: string(pk), SK: string(tsk)})
			}
			if err != nil {
				return err
			}
			if it == nil {
				return fmt.Errorf("embedded: index %s points at a missing item", q.Index)
			}
			res.Items = append(res.Items, it)
			res.Scanned++
		}
		return nil
	})
	return res, err
}

func step(c *bolt.Cursor, desc bool) []byte {
	if desc {
		k, _ := c.Prev()
		return k
	}
	k, _ := c.Next()
	return k
}

// seekStart places c on the first key to consider. The range check in Query
// keeps it correct; seeking only makes it cost O(page).
func seekStart(c *bolt.Cursor, prefix []byte, q store.Query, ix *store.IndexDef) []byte {
	if q.Start != nil {
		at := startKey(q.Start, ix)
		k, _ := c.Seek(at)
		if q.Desc {
			if k == nil {
				k, _ = c.Last()
				if k != nil && bytes.Compare(k, at) < 0 {
					return k
				}
			}
			k, _ = c.Prev()
			return k
		}
		if k != nil && bytes.Equal(k, at) {
			k, _ = c.Next()
		}
		return k
	}
	if !q.Desc {
		low := q.SKFrom
		if q.SKPrefix > low {
			low = q.SKPrefix
		}
		k, _ := c.Seek(append(append([]byte{}, prefix...), low...))
		return k
	}
	var upper []byte
	switch {
	case q.SKTo != "":
		upper = append(append(append([]byte{}, prefix...), q.SKTo...), 0x01)
	case q.SKPrefix != "":
		upper = append(append(append([]byte{}, prefix...), q.SKPrefix...), 0xff)
	default:
		upper = append(append([]byte{}, prefix[:len(prefix)-1]...), 0x01)
	}
	if k, _ := c.Seek(upper); k == nil {
		k, _ = c.Last()
		return k
	}
	k, _ := c.Prev()
	return k
}

// startKey is the byte key of an exclusive start key.
func startKey(start store.Item, ix *store.IndexDef) []byte {
	pk, _ := strAttr(start, store.AttrPK)
	sk, _ := strAttr(start, store.AttrSK)
	if ix == nil {
		return itemKey(pk, sk)
	}
	ipk, _ := strAttr(start, ix.PKAttr)
	isk, _ := strAttr(start, ix.SKAttr)
	return []byte(ipk + sep + isk + sep + pk + sep + sk)
}

// inRange tells whether sort key sk is in q's range: 0 inside; -1 not yet
// reached in q's direction; 1 past it.
func inRange(sk string, q store.Query) int {
	before, after := -1, 1 // ascending: below the range is "not yet"
	if q.Desc {
		before, after = 1, -1
	}
	if q.SKPrefix != "" {
		switch {
		case sk < q.SKPrefix:
			return before
		case len(sk) < len(q.SKPrefix) || sk[:len(q.SKPrefix)] != q.SKPrefix:
			return after
		}
	}
	if q.SKFrom != "" && sk < q.SKFrom {
		return before
	}
	if q.SKTo != "" && sk > q.SKTo {
		return after
	}
	return 0
}

func seqKey(n uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], n)
	return k[:]
}

// Walk calls fn with every item of the table, in key order, within one read
// transaction. It is for tools and tests that must see everything (the local
// run's crash test counts the whole outbox); the store never calls it, as it
// never scans.
func (b *Backend) Walk(fn func(store.Item) error) error {
	return b.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketItems).ForEach(func(_, raw []byte) error {
			it, err := decodeItem(raw)
			if err != nil {
				return err
			}
			return fn(it)
		})
	})
}
