// Command testreport turns `go test -json` output into a short report:
//
//	go run ./infra/testreport -- go test -json -count=1 ./...
//	go test -json ./... | go run ./infra/testreport
//
// With a command after the flags, testreport runs it and reads its
// standard output (its standard error passes through); otherwise it reads
// standard input. As each package ends it prints:
//
//   - go test's own result line for the package (ok, FAIL, ?);
//   - under it, for each top-level TestContract* test, "contract suite on
//     <package base name>: N/M cases passed", counting its direct subtests,
//     and the failed cases by name;
//   - every output line carrying a PAGECOST or FIGURE marker (tests print
//     their measured figures so), trimmed;
//   - how many tests were skipped, listed with their messages when the
//     environment variable CI is set (a skip in CI is suspicious);
//   - the output of each failed test, and of tests left without a result
//     when their binary crashed or timed out; package output outside any
//     test when the package failed (TestMain, init, ...).
//
// Build failures print as they happen. The report ends with the line
// "N passed, N failed, N skipped", counting leaf tests (see
// reporter.endTest). testreport exits 1 if a test or package failed, a
// build failed, no test ran, the input ended before a package's result
// (go test killed), or the command it ran exited non-zero; else 0.
// Passing tests' output is dropped as they pass, and what is kept is
// bounded per test, so memory stays bounded.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("testreport", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: testreport [-- go test -json [flags] [packages]]  (else reads go test -json output on stdin)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	r := newReporter(stdout, getenv("CI") != "")
	cmdline := fs.Args()
	if len(cmdline) == 0 {
		if err := r.feed(stdin); err != nil {
			return r.finish("reading the input: " + err.Error())
		}
		return r.finish("")
	}

	cmd := exec.Command(cmdline[0], cmdline[1:]...)
	cmd.Stdin, cmd.Stderr = stdin, stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintf(stderr, "testreport: %v\n", err)
		return 1
	}
	if err := cmd.Start(); err != nil {
		return r.finish(err.Error())
	}
	// An interrupt reaches go test, which stops its test binaries; the
	// report then shows what was cut short.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	defer func() {
		signal.Stop(sigs)
		close(sigs)
	}()

	readErr := r.feed(out)
	if readErr != nil {
		// Keep the command from blocking on a pipe nobody reads.
		_, _ = io.Copy(io.Discard, out)
	}
	waitErr := cmd.Wait()
	var note []string
	if readErr != nil {
		note = append(note, "reading the output of "+cmdline[0]+": "+readErr.Error())
	}
	if waitErr != nil {
		note = append(note, fmt.Sprintf("%q: %v", strings.Join(cmdline, " "), waitErr))
	}
	return r.finish(strings.Join(note, "; "))
}
