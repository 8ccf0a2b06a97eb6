package main

import (
	"strings"
	"testing"
	"time"
)

const traceRun1 = `init internal/bytealg @0.28 ms, 0 ms clock, 0 bytes, 0 allocs
init runtime @0.36 ms, 0.13 ms clock, 0 bytes, 0 allocs
{"level":"INFO","msg":"init something"}
init github.com/aws/aws-sdk-go-v2/service/dynamodb/schemas @3.5 ms, 2.8 ms clock, 586696 bytes, 3151 allocs
init suapcds/shared/domain @7.5 ms, 1.3 ms clock, 60096 bytes, 863 allocs
init broken @1 ms, x ms clock, 1 bytes, 1 allocs
`

const traceRun2 = `init internal/bytealg @0.20 ms, 0 ms clock, 0 bytes, 0 allocs
init runtime @0.30 ms, 0.11 ms clock, 0 bytes, 0 allocs
init github.com/aws/aws-sdk-go-v2/service/dynamodb/schemas @3.1 ms, 0.9 ms clock, 586696 bytes, 3151 allocs
init suapcds/shared/domain @7.0 ms, 1.1 ms clock, 60096 bytes, 863 allocs
`

func TestParseInitTrace(t *testing.T) {
	got := parseInitTrace([]byte(traceRun1))
	if len(got) != 4 {
		t.Fatalf("%d inits, want 4 (the log line and the malformed one skipped): %v", len(got), got)
	}
	if d := got[2]; d.pkg != "github.com/aws/aws-sdk-go-v2/service/dynamodb/schemas" || d.clock != 2800*time.Microsecond || d.allocs != 3151 {
		t.Errorf("schemas: %+v", d)
	}
}

func TestProfileInits(t *testing.T) {
	p := profileInits([][]byte{[]byte(traceRun1), []byte(traceRun2), nil})
	if p.runs != 2 || p.packages != 4 {
		t.Errorf("runs %d packages %d, want 2 and 4", p.runs, p.packages)
	}
	// Medians (the upper of two): schemas 2.8 ms, domain 1.3 ms, runtime 0.13 ms.
	top := p.top(3)
	var names []string
	for _, in := range top {
		names = append(names, in.pkg)
	}
	if strings.Join(names, " ") != "github.com/aws/aws-sdk-go-v2/service/dynamodb/schemas suapcds/shared/domain runtime" {
		t.Errorf("top 3: %v", names)
	}
	if top[0].clock != 2800*time.Microsecond || top[0].allocs != 3151 || top[1].clock != 1300*time.Microsecond {
		t.Errorf("top: %+v", top)
	}
	// Sums per run: 4.23 ms and 2.11 ms; 4014 allocs each.
	if p.clock != 4230*time.Microsecond || p.allocs != 4014 {
		t.Errorf("sum %v · %d allocs", p.clock, p.allocs)
	}
	if got := msAllocs(p.clock, p.allocs); got != "4.23 ms · 4014 allocs" {
		t.Errorf("msAllocs = %q", got)
	}
	if len(profileInits(nil).top(3)) != 0 {
		t.Error("no runs, yet a top")
	}
}

func TestParseSections(t *testing.T) {
	s, err := parseSections("coldstart, calls")
	if err != nil || !s["coldstart"] || !s["calls"] || s["pages"] {
		t.Errorf("%v %v", s, err)
	}
	if _, err := parseSections("coldstart,cold"); err == nil {
		t.Error("accepted an unknown section")
	}
}
