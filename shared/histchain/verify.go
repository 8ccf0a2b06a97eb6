package histchain

import "fmt"

// Break is one place where an export does not hold together, in Italian for
// the people who read the verifier's report.
type Break struct {
	// Seq is the entry concerned, 0 when the break is not one entry's (the
	// head, the document).
	Seq int64
	Msg string
}

func (b Break) String() string {
	if b.Seq > 0 {
		return fmt.Sprintf("voce %d: %s", b.Seq, b.Msg)
	}
	return b.Msg
}

// Verify recomputes every hash of x and checks the chain's links, its seq
// continuity and its head. It returns every break found, in chain order;
// none means the export holds together.
func Verify(x Export) []Break {
	var out []Break
	add := func(seq int64, format string, a ...any) {
		out = append(out, Break{Seq: seq, Msg: fmt.Sprintf(format, a...)})
	}
	if x.Format != Format {
		add(0, "formato %q non riconosciuto (atteso %q)", x.Format, Format)
		return out
	}
	for i, e := range x.Legacy {
		if e.PraticaID != x.PraticaID {
			add(0, "voce precedente la catena n. %d: appartiene alla pratica %q, non a %q", i+1, e.PraticaID, x.PraticaID)
		}
		if e.Seq != 0 || e.Hash != "" || e.PrevHash != "" {
			add(0, "voce precedente la catena n. %d: ha numero o hash, ma è fuori dalla catena", i+1)
		}
	}
	prev := Head{Hash: Seal(x.Legacy)}
	for _, e := range x.Entries {
		if e.PraticaID != x.PraticaID {
			add(e.Seq, "appartiene alla pratica %q, non a %q", e.PraticaID, x.PraticaID)
		}
		if got := Sum(e); got != e.Hash {
			add(e.Seq, "il contenuto non corrisponde al suo hash: la voce è stata modificata (hash registrato %s, ricalcolato %s)", short(e.Hash), short(got))
		}
		switch {
		case e.Seq <= 0:
			add(0, "una voce della catena non ha un numero progressivo valido (%d)", e.Seq)
		case e.Seq <= prev.Seq:
			add(e.Seq, "numero ripetuto o fuori ordine dopo la voce %d: voce inserita o riordinata", prev.Seq)
		case e.Seq > prev.Seq+1:
			add(e.Seq, "mancano le voci %s prima di questa: voci cancellate", span(prev.Seq+1, e.Seq-1))
		case e.PrevHash != prev.Hash && e.Seq == 1:
			add(e.Seq, "non sigilla le %d voci precedenti la catena: una di esse è stata modificata, cancellata, aggiunta o spostata", len(x.Legacy))
		case e.PrevHash != prev.Hash:
			add(e.Seq, "l'hash precedente non è quello della voce %d: la voce %d è stata modificata o sostituita, oppure questa è stata inserita", prev.Seq, prev.Seq)
		}
		if e.Seq > prev.Seq {
			prev = Head{Seq: e.Seq, Hash: e.Hash}
		}
	}
	switch h := x.Head; {
	case h == nil && len(x.Entries) > 0:
		add(0, "manca la testa della catena: cancellata")
	case h == nil:
	case h.Seq > prev.Seq:
		add(0, "la testa indica %d voci ma la catena arriva a %d: mancano le voci %s, cancellate", h.Seq, prev.Seq, span(prev.Seq+1, h.Seq))
	case h.Seq < prev.Seq:
		add(0, "la testa indica %d voci ma la catena arriva a %d: le voci %s non sono coperte dalla testa, aggiunte", h.Seq, prev.Seq, span(h.Seq+1, prev.Seq))
	case h.Hash != prev.Hash:
		add(0, "l'hash della testa (%s) non è quello della voce %d (%s): l'ultima voce è stata modificata o sostituita", short(h.Hash), prev.Seq, short(prev.Hash))
	}
	return out
}

// Extends checks that cur continues earlier, an export of the same pratica
// kept elsewhere: earlier's head must be in cur, with the same hash. With
// Verify(cur) clean, that proves every entry earlier had is in cur unchanged
// — which a deletion of the newest entries together with a rewritten head
// would otherwise hide.
func Extends(earlier, cur Export) []Break {
	switch {
	case earlier.PraticaID != cur.PraticaID:
		return []Break{{Msg: fmt.Sprintf("l'esportazione precedente è della pratica %q, non di %q", earlier.PraticaID, cur.PraticaID)}}
	case earlier.Head == nil:
		if len(earlier.Legacy) > len(cur.Legacy) {
			return []Break{{Msg: fmt.Sprintf("l'esportazione precedente aveva %d voci precedenti la catena, ora sono %d", len(earlier.Legacy), len(cur.Legacy))}}
		}
		return nil
	}
	for _, e := range cur.Entries {
		if e.Seq != earlier.Head.Seq {
			continue
		}
		if e.Hash != earlier.Head.Hash {
			return []Break{{Seq: e.Seq, Msg: fmt.Sprintf("diversa da quella dell'esportazione precedente (hash %s, allora %s): la catena è stata riscritta da qui o prima", short(e.Hash), short(earlier.Head.Hash))}}
		}
		return nil
	}
	return []Break{{Msg: fmt.Sprintf("l'esportazione precedente arrivava alla voce %d, che ora manca: voci cancellate e testa riscritta", earlier.Head.Seq)}}
}

func span(from, to int64) string {
	if from == to {
		return fmt.Sprintf("%d", from)
	}
	return fmt.Sprintf("da %d a %d", from, to)
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12] + "…"
	}
	if h == "" {
		return "(vuoto)"
	}
	return h
}
