package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The recorded inputs in testdata/*.json are real `go test -json` output
// for the throwaway module in testdata/sample; testdata/*.report hold the
// reports they must produce.
var (
	regen  = flag.Bool("regen", false, "re-record testdata/*.json by running go test -json on testdata/sample in a temp dir")
	update = flag.Bool("update", false, "rewrite testdata/*.report from the current output")
)

// Helper mode: the test binary stands in for `go test -json` in the tests
// of the command mode. With -regen, the recorded inputs are re-recorded
// before the tests run.
func TestMain(m *testing.M) {
	if f := os.Getenv("TESTREPORT_HELPER_FILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		os.Stdout.Write(b)
		if os.Getenv("TESTREPORT_HELPER_FAIL") != "" {
			fmt.Fprintln(os.Stderr, "helper: failing as asked")
			os.Exit(1)
		}
		os.Exit(0)
	}
	flag.Parse()
	if *regen {
		regenerate()
	}
	os.Exit(m.Run())
}

func report(t *testing.T, input []byte, ci bool) (string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(k string) string {
		if k == "CI" && ci {
			return "true"
		}
		return ""
	}
	code := run(nil, bytes.NewReader(input), &out, &errOut, getenv)
	if errOut.Len() > 0 {
		t.Errorf("stderr: %s", errOut.String())
	}
	return out.String(), code
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		input, report string
		ci            bool
		code          int
	}{
		{"pass.json", "pass.report", false, 0},
		{"pass.json", "pass-ci.report", true, 0},
		{"fail.json", "fail.report", false, 1},
		{"timeout.json", "timeout.report", false, 1},
		{"norun.json", "norun.report", false, 1},
		{"truncated.json", "truncated.report", false, 1},
	} {
		t.Run(tc.report, func(t *testing.T) {
			got, code := report(t, readTestdata(t, tc.input), tc.ci)
			if code != tc.code {
				t.Errorf("exit code %d, want %d", code, tc.code)
			}
			path := filepath.Join("testdata", tc.report)
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want := string(readTestdata(t, tc.report)); got != want {
				t.Errorf("report differs from %s (run with -update to accept):\n--- got\n%s--- want\n%s", path, got, want)
			}
		})
	}
}

// TestReportContents spells out what the golden files must show, so a
// careless -update cannot lose it.
func TestReportContents(t *testing.T) {
	pass, _ := report(t, readTestdata(t, "pass.json"), false)
	passCI, _ := report(t, readTestdata(t, "pass.json"), true)
	fail, _ := report(t, readTestdata(t, "fail.json"), false)
	timeout, _ := report(t, readTestdata(t, "timeout.json"), false)
	truncated, _ := report(t, readTestdata(t, "truncated.json"), false)
	norun, _ := report(t, readTestdata(t, "norun.json"), false)

	has := func(name, out string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s report lacks %q:\n%s", name, w, out)
			}
		}
	}
	hasNot := func(name, out string, bad ...string) {
		t.Helper()
		for _, b := range bad {
			if strings.Contains(out, b) {
				t.Errorf("%s report has %q:\n%s", name, b, out)
			}
		}
	}
	lastLine := func(name, out, want string) {
		t.Helper()
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if got := lines[len(lines)-1]; got != want {
			t.Errorf("%s report ends with %q, want %q", name, got, want)
		}
	}

	// Package lines as go test prints them, then the details under them.
	has("pass", pass,
		"ok  \tsample/store/dynamo\t",
		"?   \tsample/nofiles\t[no test files]\n",
		// Direct subtests only: ListPages counts once, not its office/basin.
		"\n    contract suite on dynamo: 3/4 cases passed (1 skipped)\n",
		"\n    contract suite on embedded: 4/4 cases passed\n",
		"\n    dynamo_test.go:17: PAGECOST table=2000 list=office page=10 returned=10 queries=1 items_read=11 rcu=1.5\n",
		"\n    embedded_test.go:14: FIGURE open+list of 2000 requests: 12ms\n",
		"\n    2 skipped (listed when CI is set)\n",
	)
	hasNot("pass", pass, "CONFIGURED", "not a figure", "=== RUN", "--- PASS", "SKIP TestNeedsServer")
	// Leaves: 22 passed; the 3 skips are leaves too.
	lastLine("pass", pass, "22 passed, 0 failed, 3 skipped")

	has("pass with CI", passCI,
		"\n      SKIP TestNeedsServer: dynamo_test.go:12: DYNAMODB_ENDPOINT is not set: run `make test` to start the integration servers\n",
		"\n      SKIP TestContract/TTL: contract.go:29: TTL is not emulated by this backend\n",
	)

	has("fail", fail,
		// Build failure: the compiler's output and the package line.
		"# sample/builderr [sample/builderr.test]\nbuilderr/broken_test.go:5:9: undefined: undefinedName\n",
		"FAIL\tsample/builderr [build failed]\n",
		// Failed contract cases, by name, under the adapter's package.
		"    contract suite on dynamo: 1/4 cases passed (1 skipped)\n      FAIL TestContract/ListPages\n      FAIL TestContract/Conflict\n",
		// A failed test's whole output, multi-line messages included.
		"    --- FAIL: TestContract/Conflict (0.00s)\n        contract.go:24: second write: got nil error,\n            want ErrConflict\n",
		"    --- FAIL: TestContract/ListPages/basin (0.00s)\n        contract.go:18: basin page: got 3 items, want 2\n",
		// A panic, and the parallel test it cut short.
		"crash_test.go:25",
		"    --- FAIL: TestStillRunning (no result: still running when the test binary exited)\n        crash_test.go:14: started, then waits\n",
		// TestMain failing outside any test.
		"FAIL\tsample/mainfail\t", "\n    setup: cannot reach the test server\n",
		// A parent failing on its own after its subtests passed.
		"    --- FAIL: TestParentFails (0.00s)\n        misc_test.go:21: parent check failed after the subtests\n",
		"FAIL: sample/builderr sample/crash sample/mainfail sample/misc sample/store/dynamo\n",
	)
	if !regexp.MustCompile(`\n    --- FAIL: TestPanic \(\d+\.\d\ds\)\n    panic: assignment to entry in nil map`).MatchString(fail) {
		t.Errorf("fail report lacks TestPanic's panic:\n%s", fail)
	}
	// Parents failing only through a subtest add nothing; passing tests'
	// output is not shown.
	hasNot("fail", fail, "--- FAIL: TestContract (", "--- FAIL: TestContract/ListPages (", "ran before the panic", "subtest log")
	// Failed: basin, Conflict, TestPanic, TestStillRunning, TestParentFails.
	lastLine("fail", fail, "16 passed, 5 failed, 3 skipped")

	has("timeout", timeout,
		"    --- FAIL: TestSleep (no result: still running when the test binary exited)\n        misc_test.go:33: sleeping past the timeout\n    panic: test timed out after 1s\n")
	lastLine("timeout", timeout, "5 passed, 1 failed, 1 skipped")

	has("truncated", truncated, "testreport: the input ended before the result of sample/store/dynamo (was go test killed?)\n")
	has("norun", norun, "testreport: no test ran\n")
}

func TestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		input string
		code  int
		want  string
	}{
		{"empty input", "", 1, "testreport: no test events in the input\n0 passed, 0 failed, 0 skipped\n"},
		{"only a skip", `{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestA","Output":"    a_test.go:3: later\n"}
{"Action":"skip","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Output":"ok  \tp\t0.010s\n"}
{"Action":"pass","Package":"p","Elapsed":0.01}
`, 1, "ok  \tp\t0.010s\n    1 skipped (listed when CI is set)\ntestreport: no test ran\n0 passed, 0 failed, 1 skipped\n"},
		{"plain text passes through", "go: no such tool\n" + `{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"pass","Package":"p","Elapsed":1.5}
`, 0, "go: no such tool\nok  \tp\t1.500s\n1 passed, 0 failed, 0 skipped\n"},
		{"package failing silently", `{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"fail","Package":"p","Elapsed":1}
`, 1, "FAIL\tp\t1.000s\n    (failed without a failing test or any output)\nFAIL: p\n1 passed, 0 failed, 0 skipped\n"},
		{"build-fail of a dependency", `{"ImportPath":"p/dep","Action":"build-output","Output":"# p/dep\n"}
{"ImportPath":"p/dep","Action":"build-output","Output":"dep.go:1:1: oops\n"}
{"ImportPath":"p/dep","Action":"build-fail"}
{"Action":"output","Package":"p","Output":"FAIL\tp [build failed]\n"}
{"Action":"fail","Package":"p","FailedBuild":"p/dep"}
`, 1, "# p/dep\ndep.go:1:1: oops\nFAIL\tp [build failed]\nFAIL: p\ntestreport: no test ran\n0 passed, 0 failed, 0 skipped\n"},
		// test2json splits long lines; the marker must still be found and
		// the line printed whole.
		{"line split over events", `{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestA","Output":"    a.go:1: PAGE"}
{"Action":"output","Package":"p","Test":"TestA","Output":"COST n=1\n    a.go:2: FIGURE"}
{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"pass","Package":"p","Elapsed":1}
`, 0, "ok  \tp\t1.000s\n    a.go:1: PAGECOST n=1\n    a.go:2: FIGURE\n1 passed, 0 failed, 0 skipped\n"},
		{"contract suite skipped whole", `{"Action":"run","Package":"x/dynamo","Test":"TestContract"}
{"Action":"output","Package":"x/dynamo","Test":"TestContract","Output":"    d.go:9: no endpoint\n"}
{"Action":"skip","Package":"x/dynamo","Test":"TestContract"}
{"Action":"pass","Package":"x/dynamo","Test":"TestOther"}
{"Action":"pass","Package":"x/dynamo","Elapsed":1}
`, 0, "ok  \tx/dynamo\t1.000s\n    contract suite on dynamo: 0/0 cases passed; TestContract skipped: d.go:9: no endpoint\n    1 skipped (listed when CI is set)\n1 passed, 0 failed, 1 skipped\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, code := report(t, []byte(tc.input), false)
			if code != tc.code || got != tc.want {
				t.Errorf("got exit %d and\n%s\nwant exit %d and\n%s", code, got, tc.code, tc.want)
			}
		})
	}
}

// TestCommand runs testreport over a command, as `make test` does.
func TestCommand(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	pass, _ := filepath.Abs(filepath.Join("testdata", "pass.json"))
	for _, tc := range []struct {
		name    string
		failCmd bool
		code    int
		want    []string
	}{
		{"clean run", false, 0, []string{"contract suite on dynamo", "\n22 passed, 0 failed, 3 skipped\n"}},
		// go test failing with a clean report (say, a build error printed
		// as text on stderr) must still fail the run.
		{"command fails", true, 1, []string{"exit status 1\n22 passed, 0 failed, 3 skipped\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("TESTREPORT_HELPER_FILE", pass)
			if tc.failCmd {
				t.Setenv("TESTREPORT_HELPER_FAIL", "1")
			}
			var out, errOut bytes.Buffer
			code := run([]string{"--", self}, strings.NewReader(""), &out, &errOut, func(string) string { return "" })
			if code != tc.code {
				t.Errorf("exit code %d, want %d; output:\n%s", code, tc.code, out.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			if tc.failCmd && !strings.Contains(errOut.String(), "helper: failing as asked") {
				t.Errorf("the command's stderr did not pass through: %q", errOut.String())
			}
		})
	}
	t.Run("missing command", func(t *testing.T) {
		var out bytes.Buffer
		code := run([]string{"--", filepath.Join(t.TempDir(), "nope")}, strings.NewReader(""), &out, io.Discard, func(string) string { return "" })
		if code != 1 || !strings.HasSuffix(out.String(), "0 passed, 0 failed, 0 skipped\n") {
			t.Errorf("exit %d, output:\n%s", code, out.String())
		}
	})
}

func TestHasMarker(t *testing.T) {
	for line, want := range map[string]bool{
		"    s.go:712: PAGECOST table=20":  true,
		"FIGURE: 12ms":                     true,
		"x FIGURE":                         true,
		"backend CONFIGURED":               false,
		"FIGUREHEAD":                       false,
		"PAGECOSTS":                        false,
		"FIGURES FIGURE_X then FIGURE=1ms": true,
		"":                                 false,
	} {
		if got := hasMarker(line); got != want {
			t.Errorf("hasMarker(%q) = %v, want %v", line, got, want)
		}
	}
}

// TestBounded checks that a test's kept output stays bounded: its head
// and tail survive, the middle is counted.
func TestBounded(t *testing.T) {
	var b lineBuf
	n := headLines + tailLines + 5000
	for i := range n {
		b.add(fmt.Sprint(i))
	}
	got := b.lines()
	if len(got) != headLines+tailLines+1 {
		t.Fatalf("kept %d lines", len(got))
	}
	if got[0] != "0" || got[headLines-1] != fmt.Sprint(headLines-1) ||
		got[headLines] != "... [5000 lines omitted] ..." ||
		got[headLines+1] != fmt.Sprint(headLines+5000) || got[len(got)-1] != fmt.Sprint(n-1) {
		t.Errorf("head %q, marker %q, tail %q..%q", got[:2], got[headLines], got[headLines+1], got[len(got)-1])
	}

	var s splitter
	var lines []string
	s.write(strings.Repeat("x", maxLine+10), func(l string) { lines = append(lines, l) })
	s.write("y\nz", func(l string) { lines = append(lines, l) })
	s.flush(func(l string) { lines = append(lines, l) })
	if len(lines) != 2 || len(lines[0]) != maxLine+len(" [line cut]") || lines[1] != "z" {
		t.Errorf("split into %d lines: %.20q..., %q", len(lines), lines[0], lines[len(lines)-1])
	}
}

// regenerate re-records testdata/*.json (go test -regen): it copies the
// sample module to a temp dir and runs go test -json there. It runs from
// TestMain so that no test skips in normal runs.
func regenerate() {
	dir, err := os.MkdirTemp("", "testreport-sample-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", "sample"))); err != nil {
		log.Fatal(err)
	}
	record := func(name string, env []string, args ...string) []byte {
		cmd := exec.Command("go", append([]string{"test", "-json", "-count=1"}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off", "CI=", "SAMPLE_FAIL=", "SAMPLE_SLEEP=")
		cmd.Env = append(cmd.Env, env...)
		var errOut bytes.Buffer
		cmd.Stderr = &errOut
		out, err := cmd.Output()
		log.Printf("%s: go %v: %v %s", name, cmd.Args[1:], err, errOut.String())
		if err := os.WriteFile(filepath.Join("testdata", name), out, 0o644); err != nil {
			log.Fatal(err)
		}
		return out
	}
	pass := record("pass.json", nil, "./...")
	record("fail.json", []string{"SAMPLE_FAIL=1"}, "-tags", "samplefail", "./...")
	record("timeout.json", []string{"SAMPLE_SLEEP=1"}, "-timeout", "1s", "./misc")
	record("norun.json", nil, "-run", "NoSuchTest", "./misc", "./nofiles")

	// truncated.json: pass.json cut just before the result of
	// sample/store/dynamo, as if go test had been killed there.
	var cut bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(pass))
	for sc.Scan() {
		if bytes.Contains(sc.Bytes(), []byte(`"Action":"output","Package":"sample/store/dynamo","Output":"ok  `)) {
			break
		}
		cut.Write(sc.Bytes())
		cut.WriteByte('\n')
	}
	if err := os.WriteFile(filepath.Join("testdata", "truncated.json"), cut.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}
