package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
)

// markers tag the lines tests print their measured figures with
// (t.Logf("PAGECOST ...")). A marker must stand as a word of its own, so
// "CONFIGURED" is not a FIGURE.
var markers = []string{"PAGECOST", "FIGURE"}

// maxJSONLine bounds one input line; a longer one is reported as
// unreadable instead of being held in memory whole.
const maxJSONLine = 1 << 20

// event is one line of `go test -json`: a test2json TestEvent, or a
// BuildEvent (Action build-output or build-fail, ImportPath set).
// Actions this report does not use (pause, cont, attr, ...) are ignored.
type event struct {
	Action      string
	Package     string
	Test        string
	Elapsed     float64
	Output      string
	FailedBuild string
	ImportPath  string
}

// reporter turns events into the report. Passing tests' output is dropped
// as soon as they pass; what is kept until its package ends is only what
// the report prints, each test's output bounded by lineBuf.
type reporter struct {
	w  io.Writer
	ci bool // list skipped tests: a skip in CI is suspicious

	pkgs     map[string]*pkgState // packages without a result yet
	pkgOrder []string             // every package, in order of first event
	builds   map[string]*buildState
	bOrder   []string

	events                  int
	passed, failed, skipped int // leaf tests; see endTest
	failedPkgs              []string
	buildFails              int
}

type buildState struct {
	out splitter
	buf lineBuf
}

type pkgState struct {
	path      string
	tests     map[string]*testState
	order     []*testState // in order of their run events
	out       splitter
	output    lineBuf // package-level output (no Test)
	result    string  // go test's own result line for the package
	contracts []*contractState
	figures   lineBuf
	skips     []string // "name: message"
	failures  []string // formatted lines, in the order tests ended
}

type testState struct {
	name        string
	parent      *testState
	suite       *contractState // set on a top-level TestContract* test
	caseOf      *contractState // set on each direct subtest of one
	hasSubtests bool
	failedBelow bool // a descendant was counted as failed
	done        bool
	out         splitter
	output      *lineBuf // nil once the test has ended
}

type contractState struct {
	name    string
	total   int
	passed  int
	skipped int
	failed  []string
	status  string // how the TestContract test itself ended
	note    string // its skip message, if it was skipped
}

func newReporter(w io.Writer, ci bool) *reporter {
	return &reporter{w: w, ci: ci, pkgs: map[string]*pkgState{}, builds: map[string]*buildState{}}
}

// feed reads go test -json output until EOF.
func (r *reporter) feed(in io.Reader) error {
	br := bufio.NewReaderSize(in, 64<<10)
	var long []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			if len(long) < maxJSONLine {
				long = append(long, chunk...)
			}
			continue
		}
		line := chunk
		if long != nil {
			line, long = append(long, chunk...), nil
		}
		r.line(line)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// line handles one input line. Anything that is not an event (go test
// may print an early, serious error as plain text) is passed through.
func (r *reporter) line(b []byte) {
	s := strings.TrimRight(string(b), "\r\n")
	if strings.TrimSpace(s) == "" {
		return
	}
	var e event
	if s[0] != '{' || json.Unmarshal([]byte(s), &e) != nil {
		if len(s) > maxLine {
			s = s[:maxLine] + " [line cut]"
		}
		fmt.Fprintln(r.w, s)
		return
	}
	r.handle(&e)
}

func (r *reporter) handle(e *event) {
	r.events++
	switch e.Action {
	case "build-output":
		b := r.builds[e.ImportPath]
		if b == nil {
			b = &buildState{}
			r.builds[e.ImportPath] = b
			r.bOrder = append(r.bOrder, e.ImportPath)
		}
		b.out.write(e.Output, b.buf.add)
		return
	case "build-fail":
		r.buildFails++
		r.printBuild(e.ImportPath, true)
		return
	}
	if e.Package == "" {
		return
	}
	p := r.pkgs[e.Package]
	if p == nil {
		p = &pkgState{path: e.Package, tests: map[string]*testState{}}
		r.pkgs[e.Package] = p
		r.pkgOrder = append(r.pkgOrder, e.Package)
	}
	if e.Test == "" {
		switch e.Action {
		case "output":
			p.out.write(e.Output, p.pkgLine)
		case "pass", "fail", "skip":
			r.endPackage(p, e.Action, e.Elapsed, e.FailedBuild != "")
		}
		return
	}
	switch e.Action {
	case "run":
		p.test(e.Test)
	case "output":
		t := p.test(e.Test)
		t.out.write(e.Output, func(l string) { p.testLine(t, l) })
	case "pass", "fail", "skip", "bench":
		if t := p.test(e.Test); !t.done {
			r.endTest(p, t, e.Action, fmt.Sprintf("(%.2fs)", e.Elapsed))
		}
	}
}

// test returns the named test, registering it under its parent: the
// longest name of a known test that is a prefix of this one up to a "/"
// (a subtest's own name may contain "/").
func (p *pkgState) test(name string) *testState {
	if t := p.tests[name]; t != nil {
		return t
	}
	t := &testState{name: name, output: &lineBuf{}}
	for i := strings.LastIndexByte(name, '/'); i > 0; i = strings.LastIndexByte(name[:i], '/') {
		if par := p.tests[name[:i]]; par != nil {
			t.parent = par
			break
		}
	}
	switch {
	case t.parent != nil:
		t.parent.hasSubtests = true
		if c := t.parent.suite; c != nil {
			t.caseOf = c
			c.total++
		}
	case strings.HasPrefix(name, "TestContract"):
		t.suite = &contractState{name: name}
		p.contracts = append(p.contracts, t.suite)
	}
	p.tests[name] = t
	p.order = append(p.order, t)
	return t
}

// testLine takes one line of a test's output. Lines that arrive after the
// test ended (none do in practice) count as package output.
func (p *pkgState) testLine(t *testState, line string) {
	if t.done {
		p.pkgLine(line)
		return
	}
	if hasMarker(line) {
		p.figures.add(strings.TrimSpace(line))
	}
	t.output.add(line)
}

// pkgLine takes one line of package-level output.
func (p *pkgState) pkgLine(line string) {
	if hasMarker(line) {
		p.figures.add(strings.TrimSpace(line))
	}
	if isResultLine(p.path, line) {
		p.result = line
	}
	p.output.add(line)
}

// endTest records how a test ended; action is pass, fail, skip or bench,
// or "" for a test left running when its package ended.
//
// Counting: the summary counts leaf tests, i.e. tests that ran no
// subtests; a test with subtests is covered by them, so a table test of 3
// cases counts 3, not 4. One exception keeps the failed count honest: a
// parent that fails while none of its descendants failed (it failed after
// or around its subtests) counts as one failed test itself. A test left
// without a result (its binary panicked or timed out elsewhere) did not
// pass and counts as failed, with whatever output it printed.
func (r *reporter) endTest(p *pkgState, t *testState, action, took string) {
	t.out.flush(func(l string) { p.testLine(t, l) })
	t.done = true
	leaf := !t.hasSubtests
	content := ownOutput(t)
	t.output = nil
	c := t.caseOf
	switch action {
	case "pass", "bench":
		if leaf {
			r.passed++
		}
		if c != nil {
			c.passed++
		}
	case "skip":
		msg := skipMessage(content)
		if leaf {
			r.skipped++
			p.skips = append(p.skips, t.name+": "+msg)
		}
		if c != nil {
			c.skipped++
		}
		if t.suite != nil {
			t.suite.note = msg
		}
	default: // fail, or no result
		if leaf || !t.failedBelow {
			r.failed++
			for a := t.parent; a != nil; a = a.parent {
				a.failedBelow = true
			}
		}
		header := "--- FAIL: " + t.name + " " + took
		if action == "" {
			header = "--- FAIL: " + t.name + " (no result: still running when the test binary exited)"
		}
		if c != nil {
			if action == "" {
				c.failed = append(c.failed, t.name+" (no result)")
			} else {
				c.failed = append(c.failed, t.name)
			}
		}
		// A parent that only failed because a subtest did has nothing to
		// add to its subtests' failures.
		if leaf || !t.failedBelow || len(content) > 0 {
			p.failures = append(p.failures, "    "+header)
			for _, l := range content {
				p.failures = append(p.failures, indent("    ", l))
			}
		}
	}
	if t.suite != nil {
		t.suite.status = action
	}
}

// ownOutput is what a test printed itself: without the === framing lines
// and its own --- result line.
func ownOutput(t *testState) []string {
	var out []string
	for _, l := range t.output.lines() {
		s := strings.TrimSpace(l)
		if strings.HasPrefix(s, "=== RUN") || strings.HasPrefix(s, "=== PAUSE") ||
			strings.HasPrefix(s, "=== CONT") || strings.HasPrefix(s, "=== NAME") {
			continue
		}
		if rest, ok := strings.CutPrefix(s, "--- "); ok {
			for _, res := range []string{"PASS: ", "FAIL: ", "SKIP: "} {
				if strings.HasPrefix(rest, res+t.name+" (") {
					ok = false
				}
			}
			if !ok {
				continue
			}
		}
		out = append(out, l)
	}
	return out
}

func skipMessage(content []string) string {
	var parts []string
	for _, l := range content {
		if s := strings.TrimSpace(l); s != "" {
			parts = append(parts, s)
		}
	}
	msg := strings.Join(parts, " / ")
	if len(msg) > maxSkipText {
		msg = msg[:maxSkipText] + "..."
	}
	if msg == "" {
		msg = "(no message)"
	}
	return msg
}

// endPackage prints a package's block once its result is known; action is
// pass, fail, skip, or "" when the input ended first.
func (r *reporter) endPackage(p *pkgState, action string, elapsed float64, buildFailed bool) {
	p.out.flush(p.pkgLine)
	delete(r.pkgs, p.path)

	// Tests still open had no result: count them, children before parents.
	var open []*testState
	for _, t := range p.order {
		if !t.done {
			open = append(open, t)
		}
	}
	sort.SliceStable(open, func(i, j int) bool { return len(open[i].name) > len(open[j].name) })
	for _, t := range open {
		r.endTest(p, t, "", "")
	}

	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	switch {
	case action == "":
		line("FAIL\t%s\t[no result: the input ended first]", p.path)
	case p.result != "":
		line("%s", p.result)
	case action == "pass":
		line("ok  \t%s\t%.3fs", p.path, elapsed)
	case action == "skip":
		line("?   \t%s\t[no test files]", p.path)
	default:
		line("FAIL\t%s\t%.3fs", p.path, elapsed)
	}
	for _, c := range p.contracts {
		line("    contract suite on %s%s", path.Base(p.path), c.summary())
		for _, f := range c.failed {
			line("      FAIL %s", f)
		}
	}
	for _, f := range p.figures.lines() {
		line("    %s", f)
	}
	if n := len(p.skips); n > 0 {
		if r.ci {
			line("    %d skipped (CI is set):", n)
			for _, s := range p.skips {
				line("      SKIP %s", s)
			}
		} else {
			line("    %d skipped (listed when CI is set)", n)
		}
	}
	for _, f := range p.failures {
		line("%s", f)
	}
	if action == "fail" || action == "" {
		r.failedPkgs = append(r.failedPkgs, p.path)
		// Output outside any test: TestMain, init, a crash between tests.
		var extra []string
		for _, l := range p.output.lines() {
			if s := strings.TrimSpace(l); s == "PASS" || s == "FAIL" || l == p.result {
				continue
			}
			extra = append(extra, indent("    ", l))
		}
		for _, l := range extra {
			line("%s", l)
		}
		if action != "" && len(extra) == 0 && len(p.failures) == 0 && !buildFailed {
			line("    (failed without a failing test or any output)")
		}
	}
	io.WriteString(r.w, b.String())
}

func (c *contractState) summary() string {
	s := fmt.Sprintf(": %d/%d cases passed", c.passed, c.total)
	if c.skipped > 0 {
		s += fmt.Sprintf(" (%d skipped)", c.skipped)
	}
	if c.name != "TestContract" {
		s += " in " + c.name
	}
	switch c.status {
	case "skip":
		s += "; " + c.name + " skipped: " + c.note
	case "fail":
		if len(c.failed) == 0 {
			s += "; " + c.name + " failed"
		}
	case "":
		s += "; " + c.name + " had no result"
	}
	return s
}

// printBuild prints the build output collected for importPath: on
// build-fail, or at the end for output that came without a failure.
func (r *reporter) printBuild(importPath string, failed bool) {
	b := r.builds[importPath]
	delete(r.builds, importPath)
	var lines []string
	if b != nil {
		b.out.flush(b.buf.add)
		lines = b.buf.lines()
	}
	if failed && len(lines) == 0 {
		lines = []string{"# " + importPath, "build failed without output"}
	}
	for _, l := range lines {
		fmt.Fprintln(r.w, l)
	}
}

// finish ends the report: packages left without a result, notes, the
// summary line. cmdErr says how the go test command itself ended, when
// testreport ran it. It returns the exit code.
func (r *reporter) finish(cmdErr string) int {
	for _, ip := range r.bOrder {
		if r.builds[ip] != nil {
			r.printBuild(ip, false)
		}
	}
	var incomplete []string
	for _, path := range r.pkgOrder {
		if p := r.pkgs[path]; p != nil {
			incomplete = append(incomplete, path)
			r.endPackage(p, "", 0, false)
		}
	}
	bad := r.failed > 0 || len(r.failedPkgs) > 0 || r.buildFails > 0
	if len(r.failedPkgs) > 0 {
		sort.Strings(r.failedPkgs)
		fmt.Fprintf(r.w, "FAIL: %s\n", strings.Join(r.failedPkgs, " "))
	}
	if len(incomplete) > 0 {
		bad = true
		fmt.Fprintf(r.w, "testreport: the input ended before the result of %s (was go test killed?)\n", strings.Join(incomplete, " "))
	}
	if cmdErr != "" {
		bad = true
		fmt.Fprintf(r.w, "testreport: %s\n", cmdErr)
	}
	if r.passed+r.failed == 0 {
		bad = true
		if r.events == 0 {
			fmt.Fprintln(r.w, "testreport: no test events in the input")
		} else {
			fmt.Fprintln(r.w, "testreport: no test ran")
		}
	}
	fmt.Fprintf(r.w, "%d passed, %d failed, %d skipped\n", r.passed, r.failed, r.skipped)
	if bad {
		return 1
	}
	return 0
}

// isResultLine reports whether line is go test's own result line for pkg:
// "ok  \tpkg\t0.1s", "FAIL\tpkg [build failed]", "?   \tpkg\t[no test files]".
func isResultLine(pkg, line string) bool {
	for _, prefix := range []string{"ok  \t", "FAIL\t", "?   \t"} {
		if rest, ok := strings.CutPrefix(line, prefix+pkg); ok {
			return rest == "" || rest[0] == '\t' || rest[0] == ' '
		}
	}
	return false
}

// hasMarker reports whether line holds one of the markers as a word.
func hasMarker(line string) bool {
	for _, m := range markers {
		for i := 0; ; {
			j := strings.Index(line[i:], m)
			if j < 0 {
				break
			}
			start, end := i+j, i+j+len(m)
			if (start == 0 || !isWordByte(line[start-1])) && (end == len(line) || !isWordByte(line[end])) {
				return true
			}
			i = start + 1
		}
	}
	return false
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// indent prefixes a non-blank line, leaving blank ones empty.
func indent(prefix, line string) string {
	if strings.TrimSpace(line) == "" {
		return ""
	}
	return prefix + line
}
