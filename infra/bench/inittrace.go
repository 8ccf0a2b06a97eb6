package main

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// pkgInit is one package's init as GODEBUG=inittrace=1 reports it.
type pkgInit struct {
	pkg    string
	clock  time.Duration
	allocs int64
}

// parseInitTrace reads the "init <package> @<start> ms, <clock> ms clock,
// <bytes> bytes, <allocs> allocs" lines of a process's output, skipping
// every other line.
func parseInitTrace(out []byte) []pkgInit {
	var inits []pkgInit
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		// [0]init [1]pkg [2]@t [3]ms, [4]c [5]ms [6]clock, [7]b [8]bytes, [9]a [10]allocs
		if len(f) != 11 || f[0] != "init" || !strings.HasPrefix(f[2], "@") || f[6] != "clock," || f[10] != "allocs" {
			continue
		}
		c, err1 := strconv.ParseFloat(f[4], 64)
		a, err2 := strconv.ParseInt(f[9], 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		inits = append(inits, pkgInit{pkg: f[1], clock: time.Duration(c * float64(time.Millisecond)), allocs: a})
	}
	return inits
}

// initProfile is a binary's package inits over several runs: per package
// the median clock and allocations, and the median of each run's sums.
type initProfile struct {
	runs     int
	pkgs     []pkgInit // medians, costliest (clock) first
	clock    time.Duration
	allocs   int64
	packages int
}

// profileInits summarises the inittrace output of several runs of one binary.
func profileInits(outs [][]byte) initProfile {
	clocks, allocs := map[string][]time.Duration{}, map[string][]time.Duration{}
	var sumClock, sumAllocs []time.Duration
	packages := 0
	for _, out := range outs {
		inits := parseInitTrace(out)
		if len(inits) == 0 {
			continue
		}
		var c time.Duration
		var a int64
		for _, in := range inits {
			clocks[in.pkg] = append(clocks[in.pkg], in.clock)
			allocs[in.pkg] = append(allocs[in.pkg], time.Duration(in.allocs))
			c += in.clock
			a += in.allocs
		}
		sumClock, sumAllocs = append(sumClock, c), append(sumAllocs, time.Duration(a))
		packages = max(packages, len(inits))
	}
	p := initProfile{runs: len(sumClock), clock: median(sumClock), allocs: int64(median(sumAllocs)), packages: packages}
	for pkg, cs := range clocks {
		p.pkgs = append(p.pkgs, pkgInit{pkg: pkg, clock: median(cs), allocs: int64(median(allocs[pkg]))})
	}
	slices.SortFunc(p.pkgs, func(a, b pkgInit) int {
		return cmp.Or(cmp.Compare(b.clock, a.clock), cmp.Compare(b.allocs, a.allocs), strings.Compare(a.pkg, b.pkg))
	})
	return p
}

// top is the n costliest package inits.
func (p initProfile) top(n int) []pkgInit { return p.pkgs[:min(n, len(p.pkgs))] }

// msAllocs formats a clock and an allocation count: "1.23 ms · 456 allocs".
func msAllocs(d time.Duration, allocs int64) string {
	return fmt.Sprintf("%.2f ms · %d allocs", float64(d.Microseconds())/1000, allocs)
}
