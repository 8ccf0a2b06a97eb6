package main

import (
	"fmt"
	"strings"
)

// Limits that keep the memory of a run bounded however much a test prints.
const (
	maxLine     = 16 << 10 // longest line kept; longer ones are cut
	headLines   = 200      // first lines of a test's output kept
	tailLines   = 800      // last lines of a test's output kept
	maxSkipText = 300      // longest skip message listed
)

// lineBuf keeps the first headLines and the last tailLines lines written
// to it and counts the ones dropped in between: a failure's first
// assertion and a panic's trace at the end both survive.
type lineBuf struct {
	head    []string
	tail    []string // a ring once full; next is its oldest line
	next    int
	dropped int
}

func (b *lineBuf) add(line string) {
	if len(b.head) < headLines {
		b.head = append(b.head, line)
		return
	}
	if len(b.tail) < tailLines {
		b.tail = append(b.tail, line)
		return
	}
	b.tail[b.next] = line
	b.next = (b.next + 1) % tailLines
	b.dropped++
}

// lines returns what was kept, in order, with a marker where lines were
// dropped.
func (b *lineBuf) lines() []string {
	out := append([]string(nil), b.head...)
	if b.dropped > 0 {
		out = append(out, fmt.Sprintf("... [%d lines omitted] ...", b.dropped))
	}
	out = append(out, b.tail[b.next:]...)
	return append(out, b.tail[:b.next]...)
}

// splitter turns a stream of Output fragments into whole lines: test2json
// may split a long line over several events, and a test's last line may
// lack its newline.
type splitter struct {
	partial strings.Builder
	cut     bool // partial reached maxLine; the rest of the line is dropped
}

// write feeds one fragment and calls fn for each line it completes,
// without the newline.
func (s *splitter) write(frag string, fn func(string)) {
	for frag != "" {
		i := strings.IndexByte(frag, '\n')
		piece := frag
		if i >= 0 {
			piece, frag = frag[:i], frag[i+1:]
		} else {
			frag = ""
		}
		if room := maxLine - s.partial.Len(); len(piece) > room {
			piece, s.cut = piece[:room], true
		}
		s.partial.WriteString(piece)
		if i >= 0 {
			s.emit(fn)
		}
	}
}

// flush emits a pending partial line, if any.
func (s *splitter) flush(fn func(string)) {
	if s.partial.Len() > 0 || s.cut {
		s.emit(fn)
	}
}

func (s *splitter) emit(fn func(string)) {
	line := s.partial.String()
	if s.cut {
		line += " [line cut]"
	}
	s.partial.Reset()
	s.cut = false
	fn(line)
}
