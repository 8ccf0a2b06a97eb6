package mail

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"suapcds/shared/clock"
)

// Dir is the Sender of the local run: each mail becomes one .eml file in a
// folder, named so that sorting the names sorts the mails by the time they
// were sent ("20261123T093000.123456789Z-000001-<id>.eml"). A file appears
// whole or not at all: it is written under a hidden temporary name, synced,
// and renamed.
type Dir struct {
	path  string
	clock clock.Clock

	mu  sync.Mutex
	seq int // breaks ties between mails of the same nanosecond
}

var _ Sender = (*Dir)(nil)

// EMLExt is the extension of the files Dir writes.
const EMLExt = ".eml"

// NewDir returns a Dir writing into path, created if missing.
func NewDir(path string, c clock.Clock) (*Dir, error) {
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, fmt.Errorf("mail: outbox folder: %w", err)
	}
	return &Dir{path: path, clock: c}, nil
}

// Path is the folder the mails are written to.
func (d *Dir) Path() string { return d.path }

// Send writes m as a new .eml file and returns the file's name.
func (d *Dir) Send(_ context.Context, m *Message) (string, error) {
	raw, err := m.MIME()
	if err != nil {
		return "", err
	}
	d.mu.Lock()
	d.seq++
	name := fmt.Sprintf("%s-%06d-%s%s", d.clock.Now().UTC().Format("20060102T150405.000000000Z"), d.seq, fileSafe(m.ID), EMLExt)
	d.mu.Unlock()

	tmp, err := os.CreateTemp(d.path, ".sending-*.tmp")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(d.path, name)); err != nil {
		return "", err
	}
	return name, nil
}

// fileSafe keeps letters, digits, '.', '-' and '_' of s (at most 80), so a
// Message-ID can be part of a file name.
func fileSafe(s string) string {
	s, _, _ = strings.Cut(s, "@")
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= 80 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "mail"
	}
	return b.String()
}
