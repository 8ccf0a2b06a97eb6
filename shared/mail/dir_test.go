package mail_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"suapcds/shared/clock"
	"suapcds/shared/mail"
)

// TestDirWritesSortableEMLFiles: one whole .eml per mail, names in sending
// order, nothing else left in the folder.
func TestDirWritesSortableEMLFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "posta")
	clk := clock.NewFixed(time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC))
	d, err := mail.NewDir(dir, clk)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for i, subject := range []string{"prima", "seconda", "terza"} {
		m := sample()
		m.Subject = subject
		if i == 1 {
			m.ID = "../../etc/passwd@x" // a hostile id cannot leave the folder
		}
		name, err := d.Send(context.Background(), m)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
		if i == 0 {
			clk.Advance(time.Millisecond) // the second mail shares the first's time with the third
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range entries {
		files = append(files, e.Name())
	}
	if !slices.Equal(files, names) || !slices.IsSorted(names) {
		t.Fatalf("folder holds %v, sent %v (want the same, sorted)", files, names)
	}
	for i, subject := range []string{"prima", "seconda", "terza"} {
		if !strings.HasSuffix(names[i], mail.EMLExt) || strings.ContainsAny(names[i], `/\`) {
			t.Errorf("file name %q", names[i])
		}
		raw, err := os.ReadFile(filepath.Join(dir, names[i]))
		if err != nil {
			t.Fatal(err)
		}
		msg, _ := parseMIME(t, raw)
		if msg.Header.Get("Subject") != subject {
			t.Errorf("%s: subject %q, want %q", names[i], msg.Header.Get("Subject"), subject)
		}
	}
	if !strings.HasPrefix(names[0], "20261123T093000.000000000Z-") {
		t.Errorf("name %q does not start with the UTC send time", names[0])
	}
}

// TestDirConcurrentSends: concurrent sends each get their own whole file.
func TestDirConcurrentSends(t *testing.T) {
	dir := t.TempDir()
	d, err := mail.NewDir(dir, clock.NewFixed(time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if _, err := d.Send(context.Background(), sample()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	entries, _ := os.ReadDir(dir)
	if len(entries) != n {
		t.Fatalf("%d files, want %d", len(entries), n)
	}
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		parseMIME(t, raw)
	}
}

// TestDirRefusesBadMessage: an invalid message writes nothing.
func TestDirRefusesBadMessage(t *testing.T) {
	dir := t.TempDir()
	d, _ := mail.NewDir(dir, clock.System{})
	m := sample()
	m.To = nil
	if _, err := d.Send(context.Background(), m); !mail.IsPermanent(err) {
		t.Errorf("err %v, want permanent", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left %d files", len(entries))
	}
}
