package histchain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// Decode reads an export document, refusing unknown fields (a file that is
// not an export should not pass as an empty one).
func Decode(doc []byte) (Export, error) {
	var x Export
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&x); err != nil {
		return Export{}, fmt.Errorf("non è un'esportazione dello storico: %w", err)
	}
	if x.Format == "" && x.PraticaID == "" {
		return Export{}, fmt.Errorf("non è un'esportazione dello storico: mancano format e praticaId")
	}
	return x, nil
}

// Report verifies x (and, when earlier is not nil, that x continues it) and
// writes the outcome for people to w: one line per break, or what was found
// intact. It returns whether x is intact.
func Report(w io.Writer, x Export, earlier *Export) bool {
	breaks := Verify(x)
	if earlier != nil {
		breaks = append(breaks, Extends(*earlier, x)...)
	}
	fmt.Fprintf(w, "Pratica %s, esportazione del %s\n", x.PraticaID, x.ExportedAt)
	if len(breaks) > 0 {
		fmt.Fprintf(w, "STORICO ALTERATO: %d anomalie\n", len(breaks))
		for _, b := range breaks {
			fmt.Fprintf(w, "  - %s\n", b)
		}
		return false
	}
	switch {
	case x.Head == nil && len(x.Legacy) > 0:
		fmt.Fprintf(w, "Nessuna catena: le %d voci precedono la catena e non possono essere verificate da sole.\n", len(x.Legacy))
	case x.Head == nil:
		fmt.Fprintln(w, "Storico vuoto: nulla da verificare.")
	default:
		fmt.Fprintf(w, "Catena integra: voci da 1 a %d, testa %s", x.Head.Seq, x.Head.Hash)
		if len(x.Legacy) > 0 {
			fmt.Fprintf(w, "; %d voci precedenti la catena, sigillate dalla voce 1", len(x.Legacy))
		}
		fmt.Fprintln(w, ".")
	}
	if earlier != nil && earlier.Head != nil {
		fmt.Fprintf(w, "Contiene invariata l'esportazione precedente (fino alla voce %d).\n", earlier.Head.Seq)
	}
	return true
}
