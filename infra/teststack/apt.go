package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
)

// aptUpdated makes `apt-get update` run at most once per teststack run,
// however many tools are missing.
var aptUpdated sync.Once

// ensureCommand makes sure cmd is on PATH, installing the Debian packages
// pkgs if it is not. CI and the dev machines are Debian and run as root;
// anywhere else the error says what to install.
func ensureCommand(ctx context.Context, cmd string, pkgs ...string) error {
	if _, err := exec.LookPath(cmd); err == nil {
		return nil
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("%s not found on PATH; install Debian packages %v (or equivalent)", cmd, pkgs)
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		return fmt.Errorf("%s not found on PATH and no apt-get to install %v", cmd, pkgs)
	}
	var updErr error
	aptUpdated.Do(func() {
		progress("apt-get update")
		updErr = runLogged(ctx, "apt-get", "update", "-q")
	})
	if updErr != nil {
		return updErr
	}
	progress("apt-get install %v (for %s)", pkgs, cmd)
	args := append([]string{"install", "-y", "-q", "--no-install-recommends"}, pkgs...)
	if err := runLogged(ctx, "apt-get", args...); err != nil {
		return err
	}
	if _, err := exec.LookPath(cmd); err != nil {
		return fmt.Errorf("%s still not on PATH after installing %v", cmd, pkgs)
	}
	return nil
}

// runLogged runs a command with its output on our stderr, so the test
// command's stdout stays clean.
func runLogged(ctx context.Context, name string, args ...string) error {
	c := exec.CommandContext(ctx, name, args...)
	c.Stdout, c.Stderr = os.Stderr, os.Stderr
	c.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	if err := c.Run(); err != nil {
		return fmt.Errorf("%s %v: %w", name, args, err)
	}
	return nil
}
