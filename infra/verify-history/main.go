// Command verify-history checks a pratica's history export (GET
// /pratiche/{praticaId}/history/export) for tampering:
//
//	go run ./infra/verify-history storico-pratica-456.json
//	curl -s -H "Authorization: Bearer $T" $API/pratiche/pratica-456/history/export | go run ./infra/verify-history -
//	go run ./infra/verify-history -previous storico-marzo.json storico-aprile.json
//
// It recomputes every entry's hash from its fields (the canonical encoding
// of shared/histchain), checks that seqs run 1, 2, … without gaps or
// repeats, that each entry's prevHash is the previous entry's hash (entry 1's
// the seal of the entries written before the chain), and that the head names
// the last entry. With -previous, an earlier export of the same pratica kept
// elsewhere, it also checks that the earlier head is still in the chain with
// the same hash: that is what shows the newest entries deleted together with
// a rewritten head.
//
// It prints, in Italian, one line per break (which entry, what is wrong) or
// what it found intact. Exit status: 0 intact, 1 at least one break, 2 the
// file could not be read or is not an export.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"suapcds/shared/histchain"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify-history", flag.ContinueOnError)
	fs.SetOutput(stderr)
	previous := fs.String("previous", "", "an earlier export of the same pratica, kept elsewhere: its head must still be in the chain")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: verify-history [-previous earlier.json] <export.json | ->")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	x, err := load(fs.Arg(0), stdin)
	if err != nil {
		fmt.Fprintf(stderr, "verify-history: %v\n", err)
		return 2
	}
	var earlier *histchain.Export
	if *previous != "" {
		p, err := load(*previous, nil)
		if err != nil {
			fmt.Fprintf(stderr, "verify-history: -previous: %v\n", err)
			return 2
		}
		earlier = &p
	}
	if !histchain.Report(stdout, x, earlier) {
		return 1
	}
	return 0
}

// load reads an export from the file name, or from stdin for "-".
func load(name string, stdin io.Reader) (histchain.Export, error) {
	var doc []byte
	var err error
	if name == "-" && stdin != nil {
		doc, err = io.ReadAll(stdin)
	} else {
		doc, err = os.ReadFile(name)
	}
	if err != nil {
		return histchain.Export{}, err
	}
	x, err := histchain.Decode(doc)
	if err != nil {
		return histchain.Export{}, fmt.Errorf("%s: %w", name, err)
	}
	return x, nil
}
