package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Debian's chromium package is the only browser this machine can get: the
// browser downloads of test tools (Playwright, Puppeteer, chromedp's
// fetchers) are out of reach on our closed network.
const (
	chromiumPath = "/usr/bin/chromium"
	chromiumPkg  = "chromium"
)

// chromium makes sure Debian's Chromium is installed and tells the browser
// tests where it is (CHROMIUM_PATH). It runs nothing itself: each test
// starts its own headless browser through chromedp, with the flags this
// machine needs (see DESIGN.md, "Quirks seen here").
type chromium struct {
	path string
}

func newChromium() *chromium {
	// A developer may point the tests at another build; then it is theirs
	// to install.
	p := os.Getenv("CHROMIUM_PATH")
	if p == "" {
		p = chromiumPath
	}
	return &chromium{path: p}
}

func (c *chromium) name() string { return "chromium" }

// install costs one stat once the package is there.
func (c *chromium) install(ctx context.Context) error {
	err := executable(c.path)
	if err == nil {
		return nil
	}
	if c.path != chromiumPath {
		return fmt.Errorf("CHROMIUM_PATH=%s: %w", c.path, err)
	}
	if err := aptInstall(ctx, chromiumPkg); err != nil {
		return err
	}
	if err := executable(c.path); err != nil {
		return fmt.Errorf("after installing Debian package %s: %w", chromiumPkg, err)
	}
	return nil
}

// executable tells whether path is a file someone may run.
func executable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return &fs.PathError{Op: "exec", Path: path, Err: errors.New("not an executable file")}
	}
	return nil
}

// aptInstall installs Debian packages without their recommends, running
// `apt-get update` first at most once per teststack run (shared with
// ensureCommand).
func aptInstall(ctx context.Context, pkgs ...string) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("not root: install Debian packages %v (or equivalent) by hand", pkgs)
	}
	var updErr error
	aptUpdated.Do(func() {
		progress("apt-get update")
		updErr = runLogged(ctx, "apt-get", "update", "-q")
	})
	if updErr != nil {
		return updErr
	}
	progress("apt-get install %v", pkgs)
	args := append([]string{"install", "-y", "-q", "--no-install-recommends"}, pkgs...)
	return runLogged(ctx, "apt-get", args...)
}

func (c *chromium) start(context.Context, string) error { return nil }

func (c *chromium) env() []envVar {
	return []envVar{{key: "CHROMIUM_PATH", value: c.path}}
}

func (c *chromium) stop() error { return nil }
