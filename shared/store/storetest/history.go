package storetest

import (
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"suapcds/shared/domain"
	"suapcds/shared/histchain"
	"suapcds/shared/store"
)

// testHistoryChain: every change chains its history entries (seq, prevHash,
// hash) and moves the pratica's head in its own transaction; the export
// verifies; altering, deleting, inserting or reordering items behind the
// store's back is found.
func testHistoryChain(t *testing.T, e *env) {
	t.Run("EveryChangeChains", func(t *testing.T) { testChainEveryChange(t, e) })
	t.Run("Concurrent", func(t *testing.T) { testChainConcurrent(t, e) })
	t.Run("Legacy", func(t *testing.T) { testChainLegacy(t, e) })
	t.Run("Tampering", func(t *testing.T) { testChainTampering(t, e) })
	t.Run("HeadReadWithTheItem", func(t *testing.T) { testChainHeadFolded(t, e) })
}

// testChainHeadFolded: a change whose item was read for it makes no read of
// the head of its own (it came with the item: PraticaToChange's GetMany, or
// the head a request's last change stamped on it); a pratica being created
// seals nothing, so its first change reads nothing at all; when the head
// moved since, the change still commits, re-reading the head once.
func testChainHeadFolded(t *testing.T, e *env) {
	check := func(what, want string) {
		t.Helper()
		if got := e.calls.take(); got != want {
			t.Errorf("%s: calls %q, want %q", what, got, want)
		}
	}
	e.calls.take()
	p := &domain.Pratica{ID: "PF1", Number: "N-PF1", OfficeID: "suap-africo", ProcedureType: domain.ProcOrdinario}
	if err := e.repo.SavePratica(e.ctx, p, domain.NewHistory(p.ID, operator, domain.OpPraticaRegistered, "", e.base)); err != nil {
		t.Fatal(err)
	}
	check("creating a pratica", "Transact")

	cur, _, err := e.repo.PraticaToChange(e.ctx, p.ID, "")
	if err != nil || cur == nil || !cur.Chain.Known || cur.Chain.Seq != 1 {
		t.Fatalf("PraticaToChange: %+v, %v", cur, err)
	}
	cur.VerificationsSent = true
	if err := e.repo.SavePratica(e.ctx, cur, domain.NewHistory(p.ID, operator, domain.OpVerificationsSent, "", e.base)); err != nil {
		t.Fatal(err)
	}
	check("read to change, then change a pratica", "GetMany, Transact")

	r := e.request(cur, e.base.Add(time.Hour), "testa")
	r.Chain = cur.Chain // as the use case does: the head read with the pratica
	e.mustCreate(r)
	check("create a request on the pratica just read", "Transact")

	got, err := e.repo.GetRequest(e.ctx, r.ID)
	if err != nil || got.Chain != r.Chain || got.Chain.Seq != 3 {
		t.Fatalf("the request's stamped head: %+v (want %+v), %v", got.Chain, r.Chain, err)
	}
	got.Assignee, got.AssigneeName = "u-gestore", "Gestore"
	check("read the request", "Get")
	if err := e.repo.UpdateRequest(e.ctx, got, []domain.HistoryEntry{domain.NewHistory(p.ID, operator, domain.OpRequestTaken, "", e.base)}); err != nil {
		t.Fatal(err)
	}
	check("change the request as read", "Transact")

	// Another change moves the head: the request's stamp is stale, and its
	// change reads the head once and commits.
	e.note(p.ID, 1)
	again, err := e.repo.GetRequest(e.ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := again.Apply(domain.Decline, e.base.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	e.calls.take()
	if err := e.repo.UpdateRequest(e.ctx, again, []domain.HistoryEntry{domain.NewHistory(p.ID, operator, domain.OpRequestDeclined, "", e.base)}); err != nil {
		t.Fatal(err)
	}
	check("change after the head moved", "Transact (failed), Get, Transact")
	if x := e.verifies(t, p.ID); x.Head.Seq != 6 || again.Chain.Seq != 6 {
		t.Errorf("head %+v, the request's %+v, want seq 6", x.Head, again.Chain)
	}
	// A stale version is still the change's own conflict, head or not.
	stale := *got
	if err := e.repo.UpdateRequest(e.ctx, &stale, []domain.HistoryEntry{domain.NewHistory(p.ID, operator, domain.OpRequestDeclined, "", e.base)}); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("stale request: %v, want conflict", err)
	}
}

func (e *env) export(id string) histchain.Export {
	e.t.Helper()
	x, err := e.repo.HistoryExport(e.ctx, id)
	if err != nil {
		e.t.Fatalf("export %s: %v", id, err)
	}
	return x
}

// verifies fails t unless the export of id holds together, and returns it.
func (e *env) verifies(t *testing.T, id string) histchain.Export {
	t.Helper()
	x := e.export(id)
	if b := histchain.Verify(x); len(b) != 0 {
		t.Fatalf("export of %s does not verify: %v", id, b)
	}
	return x
}

// breaksWith fails t unless the export of id has a break containing want.
func (e *env) breaksWith(t *testing.T, id, want string) {
	t.Helper()
	var all []string
	for _, b := range histchain.Verify(e.export(id)) {
		all = append(all, b.String())
	}
	if !strings.Contains(strings.Join(all, "\n"), want) {
		t.Errorf("breaks of %s: %q, want one with %q", id, all, want)
	}
}

// rawHistory reads a pratica's history items from the backend, bypassing
// the store: the item layout is the store's doc comment's.
func (e *env) rawHistory(id string) []store.Item {
	e.t.Helper()
	res, err := e.b.Query(e.ctx, store.Query{PK: "PRATICA#" + id, SKPrefix: "HIST#", Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Items
}

// rawEntry returns the history item with seq.
func (e *env) rawEntry(id string, seq int) store.Item {
	e.t.Helper()
	for _, it := range e.rawHistory(id) {
		if n, ok := it["seq"].(*types.AttributeValueMemberN); ok && n.Value == strconv.Itoa(seq) {
			return it
		}
	}
	e.t.Fatalf("no history item %d of %s", seq, id)
	return nil
}

func (e *env) rawWrite(w ...store.Write) {
	e.t.Helper()
	if err := e.b.Transact(e.ctx, w); err != nil {
		e.t.Fatal(err)
	}
}

func keyOf(it store.Item) *store.Key {
	return &store.Key{PK: it["pk"].(*types.AttributeValueMemberS).Value, SK: it["sk"].(*types.AttributeValueMemberS).Value}
}

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func (e *env) note(id string, i int) {
	e.t.Helper()
	h := domain.NewHistory(id, operator, domain.OpRecordingDownloaded, fmt.Sprintf("nota %d", i), e.base.Add(time.Duration(i)*time.Minute))
	if err := e.repo.AppendHistory(e.ctx, h); err != nil {
		e.t.Fatalf("append %d: %v", i, err)
	}
}

func testChainEveryChange(t *testing.T, e *env) {
	p := e.pratica("PC1", "suap-africo", "")
	cur, _ := e.repo.GetPratica(e.ctx, p.ID)
	cur.VerificationsSent = true
	two := []domain.HistoryEntry{domain.NewHistory(p.ID, operator, domain.OpVerificationsSent, "Comune, VVF", e.base),
		domain.NewHistory(p.ID, operator, domain.OpNoCDSReason, "", e.base)}
	if err := e.repo.SavePratica(e.ctx, cur, two...); err != nil {
		t.Fatal(err)
	}
	r := e.request(p, e.base.Add(time.Hour), "catena")
	e.mustCreate(r)
	m, err := domain.NewMessage(operator, r, "messaggio", "testo", e.base.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.repo.AddMessage(e.ctx, r, m, domain.NewHistory(p.ID, operator, domain.OpMessageSent, m.Subject, m.At)); err != nil {
		t.Fatal(err)
	}
	if err := r.Apply(domain.Decline, e.base.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := e.repo.UpdateRequest(e.ctx, r, []domain.HistoryEntry{domain.NewHistory(p.ID, operator, domain.OpRequestDeclined, "", e.base.Add(3*time.Hour))}); err != nil {
		t.Fatal(err)
	}
	ev := domain.OutboxEvent{Kind: domain.EventStateChanged, PraticaID: p.ID, SubjectID: r.ID, Seq: 99, At: e.base}
	if err := e.repo.Enqueue(e.ctx, []domain.HistoryEntry{domain.NewHistory(p.ID, domain.System, domain.OpRequestStateChanged, "promemoria", e.base)}, ev); err != nil {
		t.Fatal(err)
	}
	e.note(p.ID, 1)
	// A refused change chains nothing: the stale pratica's own condition
	// is the conflict, not the head's.
	stale := *cur
	stale.Version--
	if err := e.repo.SavePratica(e.ctx, &stale, domain.NewHistory(p.ID, operator, domain.OpPraticaUpdated, "stale", e.base)); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("stale save: %v, want conflict", err)
	}

	x := e.verifies(t, p.ID)
	n := e.historyLen(p.ID)
	if len(x.Entries) != n || len(x.Legacy) != 0 || x.Head == nil || x.Head.Seq != int64(n) || n != 8 {
		t.Fatalf("export: %d chained, %d legacy, head %+v; the Storico has %d entries, want 8", len(x.Entries), len(x.Legacy), x.Head, n)
	}
	if x.Format != histchain.Format || x.PraticaID != p.ID || x.Entries[0].PrevHash != "" {
		t.Errorf("export: format %q pratica %q, entry 1 prevHash %q", x.Format, x.PraticaID, x.Entries[0].PrevHash)
	}
	for i, en := range x.Entries {
		if en.Seq != int64(i+1) {
			t.Errorf("entry %d has seq %d", i, en.Seq)
		}
	}
	if x.Entries[1].Detail != "Comune, VVF" || x.Entries[2].Operation != string(domain.OpNoCDSReason) || x.Entries[3].RequestID != r.ID {
		t.Errorf("entries in the order committed: %+v", x.Entries[1:4])
	}
	// Another pratica has its own chain.
	q := e.pratica("PC2", "suap-africo", "")
	if y := e.verifies(t, q.ID); y.Head.Seq != 1 || len(y.Entries) != 1 {
		t.Errorf("second pratica: head %+v, %d entries", y.Head, len(y.Entries))
	}
	// No history: an empty export, no head.
	if y := e.verifies(t, "nessuna"); y.Head != nil || len(y.Entries)+len(y.Legacy) != 0 {
		t.Errorf("export without history: %+v", y)
	}
}

// testChainConcurrent: changes of one pratica at once all commit (the head's
// conflicts are retried inside the store) and chain in some order.
func testChainConcurrent(t *testing.T, e *env) {
	p := e.pratica("PC-CONC", "suap-africo", "")
	const n = 6
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			h := domain.NewHistory(p.ID, operator, domain.OpRecordingDownloaded, fmt.Sprintf("download %d", i), e.base)
			<-start
			errs <- e.repo.AppendHistory(e.ctx, h)
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent append: %v", err)
		}
	}
	x := e.verifies(t, p.ID)
	if x.Head.Seq != n+1 || e.historyLen(p.ID) != n+1 {
		t.Errorf("head %+v, Storico %d entries, want %d", x.Head, e.historyLen(p.ID), n+1)
	}
}

// testChainLegacy: entries written before the chain (no seq, no hash) are
// sealed by its first entry; changing them afterwards is found.
func testChainLegacy(t *testing.T, e *env) {
	const id = "PC-OLD"
	for i := range 2 {
		at := e.base.Add(time.Duration(i) * time.Second)
		e.rawWrite(store.Write{Put: store.Item{
			"pk": str("PRATICA#" + id), "sk": str(fmt.Sprintf("HIST#%s#legacy-%d", at.UTC().Format("2006-01-02T15:04:05.000000000Z"), i)),
			"type": str("history"), "praticaId": str(id), "at": str(at.UTC().Format(time.RFC3339Nano)),
			"actorId": str("u-rossi"), "actorName": str("Maria Rossi"), "roleUnit": str("Suap"),
			"operation": str(string(domain.OpPraticaRegistered)), "detail": str(fmt.Sprintf("prima della catena %d", i)),
		}})
	}
	x := e.verifies(t, id)
	if len(x.Legacy) != 2 || x.Head != nil {
		t.Fatalf("before the chain: %d legacy entries, head %+v", len(x.Legacy), x.Head)
	}
	e.note(id, 10)
	e.note(id, 11)
	x = e.verifies(t, id)
	if len(x.Legacy) != 2 || len(x.Entries) != 2 || x.Entries[0].PrevHash != histchain.Seal(x.Legacy) || x.Entries[0].PrevHash == "" {
		t.Fatalf("chain after legacy entries: %+v", x)
	}
	if n := e.historyLen(id); n != 4 {
		t.Errorf("the Storico has %d entries, want 4", n)
	}
	old := e.rawHistory(id)[1]
	changed := maps.Clone(old)
	changed["detail"] = str("riscritta")
	e.rawWrite(store.Write{Put: changed})
	e.breaksWith(t, id, "voce 1: non sigilla le 2 voci precedenti la catena")
	e.rawWrite(store.Write{Put: old})
	e.verifies(t, id)
	e.rawWrite(store.Write{Delete: keyOf(old)})
	e.breaksWith(t, id, "voce 1: non sigilla le 1 voci precedenti la catena")
}

// testChainTampering: each kind of change made behind the store's back.
func testChainTampering(t *testing.T, e *env) {
	// fresh is a pratica with entries 1–5.
	fresh := func(id string) {
		e.pratica(id, "suap-africo", "")
		for i := range 4 {
			e.note(id, i)
		}
		e.verifies(t, id)
	}
	t.Run("Altered", func(t *testing.T) {
		fresh("PT-ALT")
		it := maps.Clone(e.rawEntry("PT-ALT", 3))
		it["detail"] = str("nota falsa")
		e.rawWrite(store.Write{Put: it})
		e.breaksWith(t, "PT-ALT", "voce 3: il contenuto non corrisponde al suo hash")
	})
	t.Run("AlteredAndRehashed", func(t *testing.T) {
		fresh("PT-REH")
		x := e.export("PT-REH")
		it := maps.Clone(e.rawEntry("PT-REH", 3))
		en := x.Entries[2]
		en.ActorName = "Qualcun Altro"
		it["actorName"], it["hash"] = str(en.ActorName), str(histchain.Sum(en))
		e.rawWrite(store.Write{Put: it})
		e.breaksWith(t, "PT-REH", "voce 4: l'hash precedente non è quello della voce 3")
	})
	t.Run("Deleted", func(t *testing.T) {
		fresh("PT-DEL")
		e.rawWrite(store.Write{Delete: keyOf(e.rawEntry("PT-DEL", 2))})
		e.breaksWith(t, "PT-DEL", "voce 3: mancano le voci 2 prima di questa")
	})
	t.Run("NewestDeleted", func(t *testing.T) {
		fresh("PT-NEW")
		e.rawWrite(store.Write{Delete: keyOf(e.rawEntry("PT-NEW", 5))})
		e.breaksWith(t, "PT-NEW", "mancano le voci 5, cancellate")
	})
	t.Run("Reordered", func(t *testing.T) {
		fresh("PT-ORD")
		a, b := maps.Clone(e.rawEntry("PT-ORD", 2)), maps.Clone(e.rawEntry("PT-ORD", 3))
		for _, k := range []string{"seq", "prevHash", "hash"} {
			a[k], b[k] = b[k], a[k]
		}
		e.rawWrite(store.Write{Put: a}, store.Write{Put: b})
		e.breaksWith(t, "PT-ORD", "voce 2: il contenuto non corrisponde al suo hash")
		e.breaksWith(t, "PT-ORD", "voce 3: il contenuto non corrisponde al suo hash")
	})
	t.Run("Inserted", func(t *testing.T) {
		fresh("PT-INS")
		x := e.export("PT-INS")
		forged := x.Entries[2]
		forged.Detail = "voce inserita"
		forged = histchain.Link(forged, histchain.Head{Seq: 2, Hash: x.Entries[1].Hash})
		it := maps.Clone(e.rawEntry("PT-INS", 3))
		it["sk"] = str(it["sk"].(*types.AttributeValueMemberS).Value + "x")
		it["detail"], it["hash"] = str(forged.Detail), str(forged.Hash)
		e.rawWrite(store.Write{Put: it})
		e.breaksWith(t, "PT-INS", "voce 3: numero ripetuto o fuori ordine dopo la voce 3")
	})
	t.Run("AppendedOutsideTheChain", func(t *testing.T) {
		fresh("PT-OUT")
		it := maps.Clone(e.rawEntry("PT-OUT", 5))
		it["sk"] = str(it["sk"].(*types.AttributeValueMemberS).Value + "x")
		delete(it, "seq")
		delete(it, "prevHash")
		delete(it, "hash")
		e.rawWrite(store.Write{Put: it})
		e.breaksWith(t, "PT-OUT", "voce 1: non sigilla le 1 voci precedenti la catena")
	})
	t.Run("HeadDeleted", func(t *testing.T) {
		fresh("PT-HEAD")
		e.rawWrite(store.Write{Delete: &store.Key{PK: "PRATICA#PT-HEAD", SK: "HISTHEAD"}})
		e.breaksWith(t, "PT-HEAD", "manca la testa della catena")
		// The next change resumes the chain after its newest entry: the
		// head alone held nothing the entries do not.
		e.note("PT-HEAD", 9)
		if x := e.verifies(t, "PT-HEAD"); x.Head.Seq != 6 {
			t.Errorf("resumed chain: head %+v, want seq 6", x.Head)
		}
	})
}
