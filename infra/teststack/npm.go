package main

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
)

// stampFile marks a cache entry as complete; an entry without it is a
// half-finished install and is redone.
const stampFile = ".teststack-complete"

// cached reports whether dir holds a complete install.
func cached(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, stampFile))
	return err == nil
}

// installDir fills dir once: fill writes into a fresh sibling temp dir,
// which gets the stamp and is then renamed into place. The rename keeps a
// concurrent run or a killed one from ever seeing a half-filled dir.
func installDir(dir string, fill func(tmp string) error) error {
	if cached(dir) {
		return nil
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, filepath.Base(dir)+".partial-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // no-op after a successful rename
	if err := fill(tmp); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o755); err != nil { // MkdirTemp made it 0700
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, stampFile), nil, 0o644); err != nil {
		return err
	}
	if err := os.RemoveAll(dir); err != nil { // an unstamped leftover
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		if cached(dir) { // another run won the race
			return nil
		}
		return err
	}
	return nil
}

// npmPack downloads the tarball of spec ("name@version") with `npm pack`
// into dir and returns its path. npm pack neither installs dependencies nor
// runs scripts, so the package's files arrive as published.
func npmPack(ctx context.Context, spec, dir string) (string, error) {
	cmd := exec.CommandContext(ctx, "npm", "pack", "--silent", spec)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"npm_config_update_notifier=false", "npm_config_fund=false", "npm_config_audit=false")
	cmd.Stdout = io.Discard // just the file name, found below
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("npm pack %s: %w", spec, err)
	}
	tgz, err := filepath.Glob(filepath.Join(dir, "*.tgz"))
	if err != nil {
		return "", err
	}
	if len(tgz) != 1 {
		return "", fmt.Errorf("npm pack %s: expected one .tgz in %s, found %d", spec, dir, len(tgz))
	}
	return tgz[0], nil
}

// untarPrefix extracts from the gzipped tar r the entries under prefix
// (e.g. "package/emulator/"), with prefix stripped, into dst. Entries whose
// names are absolute or contain "..", anywhere, are rejected: a tarball
// from a registry must not write outside dst. Links and other special
// entries under prefix are rejected too; npm tarballs have none.
// It returns the number of regular files written.
func untarPrefix(r io.Reader, prefix, dst string) (int, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return 0, err
	}
	defer gz.Close()
	tr := tar.NewReader(gz)
	n := 0
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		name := strings.ReplaceAll(h.Name, `\`, "/")
		if path.IsAbs(name) || hasDotDot(name) {
			return n, fmt.Errorf("unsafe path in archive: %q", h.Name)
		}
		rel, ok := strings.CutPrefix(name, prefix)
		if !ok {
			continue
		}
		rel = path.Clean(rel)
		if rel == "." {
			continue
		}
		target := filepath.Join(dst, filepath.FromSlash(rel))
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return n, err
			}
		case tar.TypeReg:
			if err := writeFile(target, tr, h.FileInfo().Mode().Perm()|0o600); err != nil {
				return n, err
			}
			n++
		default:
			return n, fmt.Errorf("unsupported entry type %q for %q", h.Typeflag, h.Name)
		}
	}
}

func hasDotDot(name string) bool {
	for _, el := range strings.Split(name, "/") {
		if el == ".." {
			return true
		}
	}
	return false
}

func writeFile(target string, r io.Reader, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// installNpmDir fills dir (via installDir) with the prefix part of the npm
// package spec, e.g. the emulator folder of a simulator package.
func installNpmDir(ctx context.Context, spec, prefix, dir string) error {
	return installDir(dir, func(tmp string) error {
		if err := ensureCommand(ctx, "npm", "nodejs", "npm"); err != nil {
			return err
		}
		dl, err := os.MkdirTemp("", "teststack-npm-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dl)
		progress("npm pack %s", spec)
		tgz, err := npmPack(ctx, spec, dl)
		if err != nil {
			return err
		}
		f, err := os.Open(tgz)
		if err != nil {
			return err
		}
		defer f.Close()
		n, err := untarPrefix(f, prefix, tmp)
		if err != nil {
			return fmt.Errorf("untar %s: %w", filepath.Base(tgz), err)
		}
		if n == 0 {
			return fmt.Errorf("%s has no files under %q", spec, prefix)
		}
		return nil
	})
}
