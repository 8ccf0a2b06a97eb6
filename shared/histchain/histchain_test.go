package histchain

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func entry(i int) Entry {
	return Entry{PraticaID: "P1", At: FormatTime(time.Date(2026, 11, 2, 9, 0, i, 5000, time.UTC)),
		ActorID: "u-rossi", ActorName: "Maria Rossi", RoleUnit: "Utente Ufficio Suap Suap Comune Africo",
		Operation: "Richiesta parere pratica", Detail: fmt.Sprintf("passo %d", i)}
}

// chain builds an export of n chained entries after the legacy ones.
func chain(legacy, n int) Export {
	x := Export{Format: Format, PraticaID: "P1", Legacy: []Entry{}, Entries: []Entry{}}
	for i := range legacy {
		x.Legacy = append(x.Legacy, entry(100+i))
	}
	prev := Head{Hash: Seal(x.Legacy)}
	for i := range n {
		e := Link(entry(i), prev)
		x.Entries = append(x.Entries, e)
		prev = Head{Seq: e.Seq, Hash: e.Hash}
	}
	if n > 0 {
		x.Head = &prev
	}
	return x
}

// TestEncodingIsPinned: the canonical encoding and its hash are a format;
// changing them would break every chain already written.
func TestEncodingIsPinned(t *testing.T) {
	e := Entry{Seq: 7, PraticaID: "P1", At: "2026-11-02T09:00:00.000005Z", ActorID: "u", ActorName: "Maria Rossi",
		RoleUnit: "Suap", Operation: "Op", Detail: "a\nb=c:d", RequestID: "r1", PrevHash: "ab"}
	want := "suapcds-history/1\npraticaId=2:P1\nseq=1:7\nat=27:2026-11-02T09:00:00.000005Z\nactorId=1:u\n" +
		"actorName=11:Maria Rossi\nroleUnit=4:Suap\noperation=2:Op\ndetail=7:a\nb=c:d\nrequestId=2:r1\nprevHash=2:ab\n"
	if got := string(Encode(e)); got != want {
		t.Errorf("encoding:\n%q\nwant\n%q", got, want)
	}
	// sha256sum of the text above.
	if got := Sum(e); got != "d27d974b6960f471562b419344ba03e28b43878d2c2d46ae72fda34c62818c95" {
		t.Errorf("hash %s", got)
	}
	if FormatTime(time.Date(2026, 11, 2, 10, 0, 0, 5000, time.FixedZone("CET", 3600))) != "2026-11-02T09:00:00.000005Z" {
		t.Error("times are hashed in UTC with nanoseconds")
	}
	// The length prefix keeps fields apart: moving text between two fields
	// changes the hash.
	a, b := e, e
	a.ActorName, a.RoleUnit = "Maria", " RossiSuap"
	b.ActorName, b.RoleUnit = "Maria Rossi", "Suap"
	if Sum(a) == Sum(b) {
		t.Error("two different entries hash alike")
	}
}

func TestIntactChainVerifies(t *testing.T) {
	for _, legacy := range []int{0, 3} {
		x := chain(legacy, 5)
		if b := Verify(x); len(b) != 0 {
			t.Errorf("legacy %d: intact chain reports %v", legacy, b)
		}
		if legacy > 0 && x.Entries[0].PrevHash != Seal(x.Legacy) {
			t.Error("entry 1 does not seal the legacy entries")
		}
	}
	// No chain yet: nothing to break.
	if b := Verify(chain(2, 0)); len(b) != 0 {
		t.Errorf("legacy only: %v", b)
	}
}

func breaks(t *testing.T, x Export, want ...string) {
	t.Helper()
	got := Verify(x)
	var s []string
	for _, b := range got {
		s = append(s, b.String())
	}
	all := strings.Join(s, "\n")
	if len(got) == 0 {
		t.Fatalf("no break found, want %q", want)
	}
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("breaks:\n%s\nwant one with %q", all, w)
		}
	}
}

func TestTamperingIsFound(t *testing.T) {
	t.Run("altered detail", func(t *testing.T) {
		x := chain(0, 5)
		x.Entries[2].Detail = "passo falso"
		breaks(t, x, "voce 3: il contenuto non corrisponde al suo hash")
		if n := len(Verify(x)); n != 1 {
			t.Errorf("%d breaks, want just the altered entry", n)
		}
	})
	t.Run("altered and rehashed", func(t *testing.T) {
		x := chain(0, 5)
		x.Entries[2].Detail = "passo falso"
		x.Entries[2].Hash = Sum(x.Entries[2])
		breaks(t, x, "voce 4: l'hash precedente non è quello della voce 3")
	})
	t.Run("deleted in the middle", func(t *testing.T) {
		x := chain(0, 5)
		x.Entries = slices.Delete(x.Entries, 1, 3)
		breaks(t, x, "voce 4: mancano le voci da 2 a 3")
	})
	t.Run("newest deleted", func(t *testing.T) {
		x := chain(0, 5)
		x.Entries = x.Entries[:4]
		breaks(t, x, "la testa indica 5 voci ma la catena arriva a 4: mancano le voci 5")
	})
	t.Run("reordered", func(t *testing.T) {
		x := chain(0, 5)
		x.Entries[1], x.Entries[2] = x.Entries[2], x.Entries[1]
		breaks(t, x, "voce 3: mancano le voci 2", "voce 2: numero ripetuto o fuori ordine")
	})
	t.Run("seqs swapped", func(t *testing.T) {
		x := chain(0, 5)
		x.Entries[1].Seq, x.Entries[2].Seq = 3, 2
		x.Entries[1], x.Entries[2] = x.Entries[2], x.Entries[1]
		breaks(t, x, "voce 2: il contenuto non corrisponde", "voce 3: il contenuto non corrisponde")
	})
	t.Run("inserted with a valid hash", func(t *testing.T) {
		x := chain(0, 5)
		fake := Link(entry(42), Head{Seq: 2, Hash: x.Entries[1].Hash})
		x.Entries = slices.Insert(x.Entries, 2, fake)
		breaks(t, x, "voce 3: numero ripetuto o fuori ordine dopo la voce 3")
	})
	t.Run("appended without the head", func(t *testing.T) {
		x := chain(0, 5)
		x.Entries = append(x.Entries, Link(entry(42), *x.Head))
		breaks(t, x, "le voci 6 non sono coperte dalla testa")
	})
	t.Run("head missing", func(t *testing.T) {
		x := chain(0, 2)
		x.Head = nil
		breaks(t, x, "manca la testa della catena")
	})
	t.Run("head rewritten", func(t *testing.T) {
		x := chain(0, 2)
		x.Head.Hash = strings.Repeat("0", 64)
		breaks(t, x, "l'hash della testa")
	})
	t.Run("legacy altered", func(t *testing.T) {
		x := chain(2, 2)
		x.Legacy[1].Detail = "altro"
		breaks(t, x, "voce 1: non sigilla le 2 voci precedenti la catena")
	})
	t.Run("legacy added", func(t *testing.T) {
		x := chain(2, 2)
		x.Legacy = append(x.Legacy, entry(7))
		breaks(t, x, "voce 1: non sigilla le 3 voci precedenti")
	})
	t.Run("other pratica", func(t *testing.T) {
		x := chain(0, 2)
		x.PraticaID = "P2"
		breaks(t, x, `voce 1: appartiene alla pratica "P1"`)
	})
	t.Run("unknown format", func(t *testing.T) {
		x := chain(0, 2)
		x.Format = "x"
		breaks(t, x, "formato")
	})
}

// TestExtends: a deletion of the newest entries with a rewritten head is
// consistent on its own, and shows only against an earlier export.
func TestExtends(t *testing.T) {
	earlier := chain(1, 4)
	later := chain(1, 6)
	if b := Extends(earlier, later); len(b) != 0 {
		t.Errorf("a longer export of the same chain: %v", b)
	}
	truncated := chain(1, 3)
	if len(Verify(truncated)) != 0 {
		t.Fatal("a truncated chain with a rewritten head is consistent on its own")
	}
	if b := Extends(earlier, truncated); len(b) != 1 || !strings.Contains(b[0].Msg, "arrivava alla voce 4, che ora manca") {
		t.Errorf("truncation against the earlier export: %v", b)
	}
	// The tail from entry 4 rewritten consistently, head included.
	rewritten := chain(1, 6)
	for i := 3; i < 6; i++ {
		e := rewritten.Entries[i]
		e.Detail = "riscritta"
		rewritten.Entries[i] = Link(e, Head{Seq: e.Seq - 1, Hash: rewritten.Entries[i-1].Hash})
	}
	rewritten.Head = &Head{Seq: 6, Hash: rewritten.Entries[5].Hash}
	if len(Verify(rewritten)) != 0 {
		t.Fatal("a consistently rewritten tail is consistent on its own")
	}
	if b := Extends(earlier, rewritten); len(b) != 1 || b[0].Seq != 4 {
		t.Errorf("rewritten entry 4 against the earlier export: %v", b)
	}
	other := chain(1, 6)
	other.PraticaID = "P9"
	if b := Extends(earlier, other); len(b) != 1 {
		t.Errorf("another pratica: %v", b)
	}
}
