package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

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

// transact commits writes with hist chained: each entry gets the next seq of
// its pratica and the hash linking it to the one before, and each pratica's
// head moves to its last entry, conditioned on the head as read. When only
// a head moved meanwhile, it re-reads the heads and tries again, so a
// change's caller sees a conflict only for the change's own conditions.
func (s *Repo) transact(ctx context.Context, writes []Write, hist []domain.HistoryEntry) error {
	if len(hist) == 0 {
		if len(writes) > 100 {
			return fmt.Errorf("store: a change of %d writes exceeds a transaction", len(writes))
		}
		return s.b.Transact(ctx, writes)
	}
	for attempt := 0; ; attempt++ {
		chained, err := s.chainWrites(ctx, hist)
		if err != nil {
			return err
		}
		// The heads go last: when a change's own condition fails too, that
		// is the failure reported.
		all := append(slices.Clip(writes), chained...)
		if len(all) > 100 {
			return fmt.Errorf("store: a change of %d writes exceeds a transaction", len(all))
		}
		err = s.b.Transact(ctx, all)
		if !errors.Is(err, errChainMoved) {
			return err
		}
		if attempt >= chainRetries {
			return domain.ErrConflict
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(1+rand.IntN(5<<min(attempt, 4))) * time.Millisecond):
		}
	}
}

// chainWrites returns the puts of hist's entries, linked, then one head put
// per pratica.
func (s *Repo) chainWrites(ctx context.Context, hist []domain.HistoryEntry) ([]Write, error) {
	var ids []string
	for _, h := range hist {
		if h.PraticaID == "" {
			return nil, errors.New("store: a history entry without a pratica")
		}
		if !slices.Contains(ids, h.PraticaID) {
			ids = append(ids, h.PraticaID)
		}
	}
	keys := make([]Key, len(ids))
	for i, id := range ids {
		keys[i] = Key{praticaPK(id), skHistoryHead}
	}
	var heads []Item
	var err error
	if len(keys) == 1 { // nearly always: one GetItem
		var it Item
		it, err = s.b.Get(ctx, keys[0])
		heads = []Item{it}
	} else {
		heads, err = s.b.GetMany(ctx, keys)
	}
	if err != nil {
		return nil, err
	}
	var entries, tails []Write
	for i, id := range ids {
		var prev histchain.Head
		cond := Condition{Kind: CondNotExists, Fail: errChainMoved}
		if heads[i] != nil {
			var r historyHeadRecord
			if err := unmarshal(heads[i], &r); err != nil {
				return nil, err
			}
			prev = histchain.Head{Seq: r.Seq, Hash: r.Hash}
			cond = Condition{Kind: CondVersion, Version: r.Version, Fail: errChainMoved}
		} else if prev, err = s.chainStart(ctx, id); err != nil {
			return nil, err
		}
		for _, h := range hist {
			if h.PraticaID != id {
				continue
			}
			c := histchain.Link(chainEntry(h), prev)
			it, err := historyItem(h, c, s.newID())
			if err != nil {
				return nil, err
			}
			entries = append(entries, Write{Put: it, Cond: Condition{Kind: CondNotExists}})
			prev = histchain.Head{Seq: c.Seq, Hash: c.Hash}
		}
		head, err := marshal(historyHeadRecord{PK: praticaPK(id), SK: skHistoryHead, Type: TypeHistoryHead,
			Seq: prev.Seq, Hash: prev.Hash, Version: prev.Seq})
		if err != nil {
			return nil, err
		}
		tails = append(tails, Write{Put: head, Cond: cond})
	}
	return append(entries, tails...), nil
}

// chainStart is what the first chained entry of a pratica without a head
// follows: seq 0 and the seal of the entries written before the chain (""
// when there are none, as for every pratica registered since). Should
// chained entries exist without a head, the chain resumes after the highest.
func (s *Repo) chainStart(ctx context.Context, praticaID string) (histchain.Head, error) {
	all, err := s.historyItems(ctx, praticaID)
	if err != nil {
		return histchain.Head{}, err
	}
	var legacy []histchain.Entry
	var last histchain.Head
	for _, e := range all {
		switch {
		case e.Seq == 0:
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
			if e.Seq == 0 && e.Hash == "" && e.PrevHash == "" {
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
