package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// row is one line of the figures table: a figure, what was measured, the
// baseline measured in the same run, their difference and ratio, and the
// issue's target with whether it holds.
type row struct {
	section                                      string // when set, a section title row
	figure, value, baseline, diff, ratio, target string
}

// table is the one table `make bench` prints (Markdown, aligned).
type table struct{ rows []row }

var header = row{figure: "figure", value: "measured", baseline: "baseline", diff: "difference", ratio: "ratio", target: "target"}

func (t *table) section(title string) { t.rows = append(t.rows, row{section: title}) }

func (t *table) add(r row) { t.rows = append(t.rows, r) }

func (r row) cells() []string {
	if r.section != "" {
		return []string{"**" + r.section + "**", "", "", "", "", ""}
	}
	return []string{r.figure, r.value, r.baseline, r.diff, r.ratio, r.target}
}

// render writes the table as Markdown with padded columns.
func (t *table) render(w io.Writer) error {
	all := append([]row{header}, t.rows...)
	width := make([]int, len(header.cells()))
	for _, r := range all {
		for i, c := range r.cells() {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	line := func(cells []string) string {
		var b strings.Builder
		b.WriteString("|")
		for i, c := range cells {
			b.WriteString(" " + c + strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)) + " |")
		}
		return b.String()
	}
	var b strings.Builder
	b.WriteString(line(header.cells()) + "\n")
	seps := make([]string, len(width))
	for i, n := range width {
		seps[i] = strings.Repeat("-", n)
	}
	b.WriteString(line(seps) + "\n")
	for _, r := range t.rows {
		b.WriteString(line(r.cells()) + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// median is the middle value (the upper one of an even count); 0 for none.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// ms formats a duration in milliseconds with one decimal.
func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// diffMs is a-b in milliseconds, signed.
func diffMs(a, b time.Duration) string {
	return fmt.Sprintf("%+.1f ms", float64((a-b).Microseconds())/1000)
}

// ratio is a/b as "×1.23"; "–" when b is zero.
func ratio(a, b float64) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("×%.2f", a/b)
}

// mib formats a byte count in MiB with two decimals.
func mib(n int64) string { return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20)) }

// verdict is a target followed by whether it holds.
func verdict(target string, ok bool) string {
	if ok {
		return target + " ✓"
	}
	return target + " ✗"
}
