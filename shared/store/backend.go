package store

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Item is one stored item, in DynamoDB's own attribute-value form. Both
// backends hold exactly these maps, so an item read from the embedded file is
// the item DynamoDB would return, and the change images match a stream's.
type Item = map[string]types.AttributeValue

// Key is an item's primary key.
type Key struct{ PK, SK string }

// CondKind is the kind of condition a write is subject to.
type CondKind int

// The conditions a write may carry; the DynamoDB backend turns them into
// ConditionExpressions, the embedded one evaluates them itself.
const (
	CondNone       CondKind = iota
	CondNotExists           // no item with this key exists
	CondExists              // an item with this key exists
	CondVersion             // the item exists and its "version" equals Version
	CondAttrEquals          // the item exists and its string attribute Attr equals Value
)

// Condition guards one write of a transaction. When it does not hold the whole
// transaction writes nothing and Transact returns Fail.
type Condition struct {
	Kind    CondKind
	Attr    string
	Value   string
	Version int64
	// Fail is the error to return when the condition does not hold; nil means
	// domain.ErrConflict.
	Fail error
}

// Write is one element of a transaction: exactly one of Put, Delete and Check
// is set.
type Write struct {
	Put    Item
	Delete *Key
	Check  *Key
	Cond   Condition
}

// Query reads one partition of the table or of an index, in sort-key order.
type Query struct {
	// Index is "" for the table, else one of Indexes' names.
	Index string
	// PK is the partition key's value.
	PK string
	// SKFrom and SKTo bound the sort key, both inclusive, when set.
	SKFrom, SKTo string
	// SKPrefix restricts the sort key to a prefix (not with SKFrom/SKTo).
	SKPrefix string
	// Desc reads from the highest sort key down.
	Desc bool
	// Limit is the most items to read; it bounds what the query costs.
	Limit int
	// Start is the exclusive start key (the key attributes of the last item
	// of the previous page), or nil.
	Start Item
}

// QueryResult is a query's items and what reading them cost.
type QueryResult struct {
	Items []Item
	// Scanned is how many items the backend read (DynamoDB's ScannedCount).
	Scanned int
	// CapacityUnits is the read capacity consumed, when the backend knows it.
	CapacityUnits float64
}

// Backend is what the store needs of a key-value engine: a get, an atomic
// conditional multi-item write, and a key-ordered query. Nothing else, and in
// particular no scan.
type Backend interface {
	// Get returns the item with key k, or nil when there is none.
	Get(ctx context.Context, k Key) (Item, error)
	// GetMany reads up to 100 distinct keys at once (strongly consistent):
	// the items in the order of keys, nil where there is none.
	GetMany(ctx context.Context, keys []Key) ([]Item, error)
	// Transact applies every write or none. A failed condition returns that
	// write's Cond.Fail (domain.ErrConflict when nil).
	Transact(ctx context.Context, writes []Write) error
	// Query reads up to q.Limit items.
	Query(ctx context.Context, q Query) (QueryResult, error)
}

// Attribute names of the keys.
const (
	AttrPK      = "pk"
	AttrSK      = "sk"
	AttrVersion = "version"
	AttrType    = "type"
)

// IndexDef is a global secondary index: its key attributes. Every index
// projects all attributes.
type IndexDef struct {
	Name   string
	PKAttr string
	SKAttr string
}

// The indexes. The lists' sort on listKey (creation time, then id), so every
// list comes newest first and a date range is a key condition, not a filter.
var (
	IndexByOffice  = IndexDef{"byOffice", "officeKey", "listKey"}
	IndexByBasin   = IndexDef{"byBasin", "basinKey", "listKey"}
	IndexByState   = IndexDef{"byState", "stateKey", "listKey"}
	IndexByCreated = IndexDef{"byCreated", "allKey", "listKey"}
	IndexByPratica = IndexDef{"byPratica", "praticaKey", "listKey"}
	// IndexUnsent is sparse: only outbox items not yet SENT or SKIPPED carry
	// its keys, sorted by the time the sweep may take them up (dueAt). The
	// sweep reads it instead of scanning the table.
	IndexUnsent = IndexDef{"byUnsent", "unsentKey", "dueAt"}
	// IndexByThread holds a pratica's requests, each followed by its thread:
	// threadSort is the request's listKey, and a message's is its request's
	// listKey then "#" and its seq, so the Comunicazioni are one Query. It
	// shares byPratica's partition attribute (a message has no listKey, so
	// it is not in byPratica): every byte of a request is written to each
	// index, and a request near 1 KB costs double past it.
	IndexByThread = IndexDef{"byThread", "praticaKey", "threadSort"}
)

// Indexes lists every index of the table, in the order the template declares
// them.
var Indexes = []IndexDef{IndexByOffice, IndexByBasin, IndexByState, IndexByCreated, IndexByPratica, IndexUnsent, IndexByThread}

// IndexNamed returns the index called name.
func IndexNamed(name string) (IndexDef, bool) {
	for _, ix := range Indexes {
		if ix.Name == name {
			return ix, true
		}
	}
	return IndexDef{}, false
}

// KeyAttrs returns the names of the attributes that make an item's position in
// index name ("" for the table): the table's keys, plus the index's.
func KeyAttrs(name string) []string {
	if ix, ok := IndexNamed(name); ok {
		return []string{AttrPK, AttrSK, ix.PKAttr, ix.SKAttr}
	}
	return []string{AttrPK, AttrSK}
}
