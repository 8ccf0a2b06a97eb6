package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"suapcds/shared/histchain"
)

// export builds an export of n chained entries after legacy older ones.
func export(legacy, n int) histchain.Export {
	x := histchain.Export{Format: histchain.Format, PraticaID: "pratica-456", ExportedAt: "2026-11-23T10:06:00Z",
		Legacy: []histchain.Entry{}, Entries: []histchain.Entry{}}
	entry := func(i int) histchain.Entry {
		return histchain.Entry{PraticaID: "pratica-456", At: histchain.FormatTime(time.Date(2026, 3, 9, 9, i, 0, 0, time.UTC)),
			ActorID: "u-rossi", ActorName: "Maria Rossi", RoleUnit: "Utente Ufficio Suap Suap Comune Africo",
			Operation: "Richiesta parere pratica", Detail: fmt.Sprintf("passo %d", i)}
	}
	for i := range legacy {
		x.Legacy = append(x.Legacy, entry(50+i))
	}
	prev := histchain.Head{Hash: histchain.Seal(x.Legacy)}
	for i := range n {
		e := histchain.Link(entry(i), prev)
		x.Entries = append(x.Entries, e)
		prev = histchain.Head{Seq: e.Seq, Hash: e.Hash}
	}
	if n > 0 {
		x.Head = &prev
	}
	return x
}

func write(t *testing.T, x any) string {
	t.Helper()
	b, err := json.MarshalIndent(x, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "storico.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func runArgs(stdin string, args ...string) (int, string, string) {
	var out, errs bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errs)
	return code, out.String(), errs.String()
}

func TestIntact(t *testing.T) {
	code, out, errs := runArgs("", write(t, export(2, 4)))
	if code != 0 || !strings.Contains(out, "Catena integra: voci da 1 a 4") || !strings.Contains(out, "2 voci precedenti la catena, sigillate dalla voce 1") {
		t.Errorf("exit %d\n%s%s", code, out, errs)
	}
}

func TestStdin(t *testing.T) {
	b, _ := json.Marshal(export(0, 3))
	code, out, _ := runArgs(string(b), "-")
	if code != 0 || !strings.Contains(out, "Pratica pratica-456") {
		t.Errorf("exit %d\n%s", code, out)
	}
}

func TestBreaksAreReported(t *testing.T) {
	x := export(0, 5)
	x.Entries[1].Detail = "passo falso"                 // altered: entry 2
	x.Entries = append(x.Entries[:3], x.Entries[4:]...) // entry 4 deleted
	code, out, _ := runArgs("", write(t, x))
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{"STORICO ALTERATO: 2 anomalie", "voce 2: il contenuto non corrisponde al suo hash", "voce 5: mancano le voci 4 prima di questa"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestPrevious: a truncated chain with a rewritten head holds together on
// its own; the earlier export shows it.
func TestPrevious(t *testing.T) {
	earlier := write(t, export(0, 5))
	truncated := write(t, export(0, 3))
	if code, out, _ := runArgs("", truncated); code != 0 {
		t.Fatalf("on its own: exit %d\n%s", code, out)
	}
	code, out, _ := runArgs("", "-previous", earlier, truncated)
	if code != 1 || !strings.Contains(out, "arrivava alla voce 5, che ora manca") {
		t.Errorf("exit %d\n%s", code, out)
	}
	if code, out, _ := runArgs("", "-previous", truncated, earlier); code != 0 || !strings.Contains(out, "Contiene invariata l'esportazione precedente (fino alla voce 3)") {
		t.Errorf("a longer export: exit %d\n%s", code, out)
	}
}

func TestNotAnExport(t *testing.T) {
	for name, content := range map[string]any{
		"another JSON": map[string]any{"items": []string{}},
		"not JSON":     "<html>",
	} {
		t.Run(name, func(t *testing.T) {
			if code, _, errs := runArgs("", write(t, content)); code != 2 || !strings.Contains(errs, "non è un'esportazione dello storico") {
				t.Errorf("exit %d: %s", code, errs)
			}
		})
	}
	if code, _, errs := runArgs("", filepath.Join(t.TempDir(), "missing.json")); code != 2 || errs == "" {
		t.Errorf("missing file: exit %d", code)
	}
	if code, _, _ := runArgs(""); code != 2 {
		t.Errorf("no argument: exit %d", code)
	}
}

func TestNoChainYet(t *testing.T) {
	code, out, _ := runArgs("", write(t, export(3, 0)))
	if code != 0 || !strings.Contains(out, "Nessuna catena: le 3 voci precedono la catena") {
		t.Errorf("exit %d\n%s", code, out)
	}
	code, out, _ = runArgs("", write(t, export(0, 0)))
	if code != 0 || !strings.Contains(out, "Storico vuoto") {
		t.Errorf("exit %d\n%s", code, out)
	}
}
