package main

import (
	"strings"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{[]time.Duration{5 * ms}, 5 * ms},
		{[]time.Duration{9 * ms, 1 * ms, 5 * ms}, 5 * ms},
		{[]time.Duration{4 * ms, 1 * ms, 3 * ms, 2 * ms}, 3 * ms},
	} {
		in := append([]time.Duration(nil), c.in...)
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", in, got, c.want)
		}
		for i := range in { // the input is left in its order
			if in[i] != c.in[i] {
				t.Errorf("median reordered its input: %v", c.in)
			}
		}
	}
}

func TestFormatting(t *testing.T) {
	if got := ms(4567 * time.Microsecond); got != "4.6 ms" {
		t.Errorf("ms = %q", got)
	}
	if got := diffMs(3*time.Millisecond, 4500*time.Microsecond); got != "-1.5 ms" {
		t.Errorf("diffMs = %q", got)
	}
	if got := ratio(3, 2); got != "×1.50" {
		t.Errorf("ratio = %q", got)
	}
	if got := ratio(3, 0); got != "–" {
		t.Errorf("ratio by 0 = %q", got)
	}
	if got := mib(3 << 19); got != "1.50 MiB" {
		t.Errorf("mib = %q", got)
	}
	if got := verdict("≤ 2", false); got != "≤ 2 ✗" {
		t.Errorf("verdict = %q", got)
	}
}

func TestTableRender(t *testing.T) {
	var tb table
	tb.section("cold start")
	tb.add(row{figure: "bookings", value: "5.0 ms", baseline: "4.0 ms", diff: "+1.0 ms", ratio: "×1.25", target: "≤ +3 ms ✓"})
	var b strings.Builder
	if err := tb.render(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines:\n%s", len(lines), b.String())
	}
	want := len([]rune(lines[0]))
	for _, l := range lines {
		if n := len([]rune(l)); n != want || !strings.HasPrefix(l, "| ") || !strings.HasSuffix(l, " |") {
			t.Errorf("misaligned line (%d runes, want %d): %q", n, want, l)
		}
	}
	if !strings.HasPrefix(lines[1], "| ---") || !strings.Contains(lines[2], "**cold start**") || !strings.Contains(lines[3], "×1.25") {
		t.Errorf("table:\n%s", b.String())
	}
}
