// Package testenv finds the test servers that `make test` starts (see
// infra/teststack) and decides what a test does when one is missing: with CI
// set it fails, so an integration test can never pass by skipping there;
// elsewhere it skips with a hint to run `make test`.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// Endpoint returns the URL in the environment variable name, as started by
// infra/teststack. A missing one fails the test when CI is set, and skips it
// otherwise.
func Endpoint(t testing.TB, name string) string {
	t.Helper()
	if v := os.Getenv(name); v != "" {
		return v
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not set: with CI set the integration servers must run (use `make test`)", name)
	}
	t.Skipf("%s is not set: run `make test` to start the integration servers", name)
	return ""
}

// Tool returns the path of the command name on PATH. A missing one fails the
// test when CI is set, and skips it otherwise.
func Tool(t testing.TB, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not on PATH: with CI set every checker must run", name)
	}
	t.Skipf("%s is not on PATH: install it to run this check", name)
	return ""
}
