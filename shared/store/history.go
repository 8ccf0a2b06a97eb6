package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"suapcds/shared/domain"
	"suapcds/shared/histchain"
)

// MaxHistoryExport bounds a pratica's history as the chain reads it whole
// (the export, and the first chained change of a pratica with older
// entries): a pratica's Storico holds at most a few thousand entries.
const MaxHistoryExport = 5000

// ErrHistoryTooLong: the history exceeds MaxHistoryExport.
var ErrHistoryTooLong = domain.HistoryTooLongError(MaxHistoryExport)

// errChainMoved is the head's condition failing: another change of the
// pratica committed since the head was read. It is told apart from the
// change's own conditions so that only it is retried; it never leaves the
// store.
var errChainMoved = errors.New("store: the history chain's head moved")

// chainRetries is how often a change is tried again after the head moved;
// each round one of the contenders commits.
const chainRetries = 10

// expect is what a change knows of its pratica's chain before it commits:
// the head as read with the item it changes, whether it creates the pratica
// (no older history then, nothing to seal), and the item to stamp with the
// head it commits (a request, so that its next change knows it too).
type expect struct {
	pratica string
	head    domain.ChainHead
	created bool
	stamp   Item
}

// Attributes of a request item: the chain head its last change committed.
const (
	attrChainSeq  = "chainSeq"
	attrChainHash = "chainHash"
)

// transact commits writes with hist chained: each entry gets the next seq of
// its pratica and the hash linking it to the one before, and each pratica's
// head moves to its last entry, conditioned on the head as expected (x, for
// x.pratica) or as read now. When only a head moved meanwhile, it re-reads
// the heads and tries again, so a change's caller sees a conflict only for
// the change's own conditions. It returns x.pratica's head as committed.
func (s *Repo) transact(ctx context.Context, writes []Write, hist []domain.HistoryEntry, x expect) (domain.ChainHead, error) {
	if len(hist) == 0 {
		if len(writes) > 100 {
			return domain.ChainHead{}, fmt.Errorf("store: a change of %d writes exceeds a transaction", len(writes))
		}
		return x.head, s.b.Transact(ctx, writes) // the head did not move
	}
	for attempt := 0; ; attempt++ {
		chained, head, err := s.chainWrites(ctx, hist, x)
		if err != nil {
			return domain.ChainHead{}, err
		}
		if x.stamp != nil && head.Known {
			x.stamp[attrChainSeq] = &types.AttributeValueMemberN{Value: strconv.FormatInt(head.Seq, 10)}
			x.stamp[attrChainHash] = &types.AttributeValueMemberS{Value: head.Hash}
		}
		// The heads go last: when a change's own condition fails too, that
		// is the failure reported.
		all := append(slices.Clip(writes), chained...)
		if len(all) > 100 {
			return domain.ChainHead{}, fmt.Errorf("store: a change of %d writes exceeds a transaction", len(all))
		}
		err = s.b.Transact(ctx, all)
		if !errors.Is(err, errChainMoved) {
			return head, err
		}
		if attempt >= chainRetries {
			return domain.ChainHead{}, domain.ErrConflict
		}
		x.head, x.created = domain.ChainHead{}, false // moved: read it again
		select {
		case <-ctx.Done():
			return domain.ChainHead{}, ctx.Err()
		case <-time.After(time.Duration(1+rand.IntN(5<<min(attempt, 4))) * time.Millisecond):
		}
	}
}

// chainWrites returns the puts of hist's entries, linked, then one head put
// per pratica, and x.pratica's new head. Heads not known from x are read
// with one call.
func (s *Repo) chainWrites(ctx context.Context, hist []domain.HistoryEntry, x expect) ([]Write, domain.ChainHead, error) {
	var ids, unread []string
	for _, h := range hist {
		if h.PraticaID == "" {
			return nil, domain.ChainHead{}, errors.New("store: a history entry without a pratica")
		}
		if !slices.Contains(ids, h.PraticaID) {
			ids = append(ids, h.PraticaID)
			if h.PraticaID != x.pratica || (!x.head.Known && !x.created) {
				unread = append(unread, h.PraticaID)
			}
		}
	}
	heads, err := s.readHeads(ctx, unread)
	if err != nil {
		return nil, domain.ChainHead{}, err
	}
	if x.pratica != "" && (x.head.Known || x.created) {
		heads[x.pratica] = x.head // a pratica being created has no head yet
	}
	var entries, tails []Write
	var committed domain.ChainHead
	for _, id := range ids {
		known := heads[id]
		prev := histchain.Head{Seq: known.Seq, Hash: known.Hash}
		cond := Condition{Kind: CondVersion, Version: known.Seq, Fail: errChainMoved}
		if known.Seq == 0 {
			cond = Condition{Kind: CondNotExists, Fail: errChainMoved}
			switch {
			case id == x.pratica && x.created:
				// A pratica being created has no older entries to seal.
				prev = histchain.Head{Hash: histchain.Seal(nil)}
			default:
				if prev, err = s.chainStart(ctx, id); err != nil {
					return nil, domain.ChainHead{}, err
				}
			}
		}
		for _, h := range hist {
			if h.PraticaID != id {
				continue
			}
			c := histchain.Link(chainEntry(h), prev)
			it, err := historyItem(h, c, s.newID())
			if err != nil {
				return nil, domain.ChainHead{}, err
			}
			entries = append(entries, Write{Put: it, Cond: Condition{Kind: CondNotExists}})
			prev = histchain.Head{Seq: c.Seq, Hash: c.Hash}
		}
		head, err := marshal(historyHeadRecord{PK: praticaPK(id), SK: skHistoryHead, Type: TypeHistoryHead,
			Seq: prev.Seq, Hash: prev.Hash, Version: prev.Seq})
		if err != nil {
			return nil, domain.ChainHead{}, err
		}
		tails = append(tails, Write{Put: head, Cond: cond})
		if id == x.pratica {
			committed = domain.ChainHead{Known: true, Seq: prev.Seq, Hash: prev.Hash}
		}
	}
	return append(entries, tails...), committed, nil
}

// readHeads reads the heads of praticas (one GetItem, or one GetMany for
// several), Known with Seq 0 where there is none yet.
func (s *Repo) readHeads(ctx context.Context, praticas []string) (map[string]domain.ChainHead, error) {
	out := make(map[string]domain.ChainHead, len(praticas)+1)
	if len(praticas) == 0 {
		return out, nil
	}
	keys := make([]Key, len(praticas))
	for i, id := range praticas {
		keys[i] = Key{praticaPK(id), skHistoryHead}
	}
	its, err := s.getKeys(ctx, keys)
	if err != nil {
		return nil, err
	}
	for i, id := range praticas {
		if out[id], err = headFrom(its[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// headFrom decodes a head item as read (nil: no chain yet, seq 0).
func headFrom(it Item) (domain.ChainHead, error) {
	if it == nil {
		return domain.ChainHead{Known: true}, nil
	}
	var r historyHeadRecord
	if err := unmarshal(it, &r); err != nil {
		return domain.ChainHead{}, err
	}
	return domain.ChainHead{Known: true, Seq: r.Seq, Hash: r.Hash}, nil
}

// chainStart is what the first chained entry of a pratica without a head
// follows: seq 0 and the seal of the entries written before the chain (""
// when there are none). Should chained entries exist without a head (the
// head deleted), the chain resumes after the highest.
func (s *Repo) chainStart(ctx context.Context, praticaID string) (histchain.Head, error) {
	all, err := s.historyItems(ctx, praticaID)
	if err != nil {
		return histchain.Head{}, err
	}
	var legacy []histchain.Entry
	var last histchain.Head
	for _, e := range all {
		switch {
		case histchain.BeforeChain(e):
			legacy = append(legacy, e)
		case e.Seq > last.Seq:
			last = histchain.Head{Seq: e.Seq, Hash: e.Hash}
		}
	}
	if last.Seq > 0 {
		return last, nil
	}
	return histchain.Head{Hash: histchain.Seal(legacy)}, nil
}

// historyItems reads the whole history of a pratica in the Storico's order,
// at most MaxHistoryExport entries (else ErrHistoryTooLong).
func (s *Repo) historyItems(ctx context.Context, praticaID string) ([]histchain.Entry, error) {
	var out []histchain.Entry
	err := s.queryAll(ctx, Query{PK: praticaPK(praticaID), SKPrefix: skHistoryPref, Limit: MaxPageSize}, func(it Item) error {
		e, err := historyChainFrom(it)
		if err != nil {
			return err
		}
		if out = append(out, e); len(out) > MaxHistoryExport {
			return ErrHistoryTooLong
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Repo) historyHead(ctx context.Context, praticaID string) (*histchain.Head, error) {
	it, err := s.b.Get(ctx, Key{praticaPK(praticaID), skHistoryHead})
	if err != nil || it == nil {
		return nil, err
	}
	var r historyHeadRecord
	if err := unmarshal(it, &r); err != nil {
		return nil, err
	}
	return &histchain.Head{Seq: r.Seq, Hash: r.Hash}, nil
}

// exportReads is how often HistoryExport reads the history again when a
// change committed while it was reading.
const exportReads = 3

// HistoryExport reads a pratica's whole history with its chain: the head,
// then the entries, then the head again, until both reads of the head agree
// (a change committed in between would otherwise show as a break). Every
// item found is exported, whatever it claims, so that the verifier sees
// what is in the table: the chained entries by seq, the others (written
// before the chain, or added outside it) in the Storico's order.
func (s *Repo) HistoryExport(ctx context.Context, praticaID string) (histchain.Export, error) {
	for read := 1; ; read++ {
		before, err := s.historyHead(ctx, praticaID)
		if err != nil {
			return histchain.Export{}, err
		}
		all, err := s.historyItems(ctx, praticaID)
		if err != nil {
			return histchain.Export{}, err
		}
		after, err := s.historyHead(ctx, praticaID)
		if err != nil {
			return histchain.Export{}, err
		}
		if !sameHead(before, after) {
			if read < exportReads {
				continue
			}
			return histchain.Export{}, domain.ErrConflict
		}
		x := histchain.Export{Format: histchain.Format, PraticaID: praticaID,
			Legacy: []histchain.Entry{}, Entries: []histchain.Entry{}, Head: after}
		for _, e := range all {
			if histchain.BeforeChain(e) {
				x.Legacy = append(x.Legacy, e)
			} else {
				x.Entries = append(x.Entries, e)
			}
		}
		sort.SliceStable(x.Entries, func(i, j int) bool { return x.Entries[i].Seq < x.Entries[j].Seq })
		return x, nil
	}
}

func sameHead(a, b *histchain.Head) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}
