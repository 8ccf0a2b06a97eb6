// Package store holds a fake contract suite like shared/store/storetest.
package store

import (
	"os"
	"testing"
)

// Run runs the fake contract cases as subtests of t.
func Run(t *testing.T, flaky bool) {
	fail := flaky && os.Getenv("SAMPLE_FAIL") != ""
	t.Run("CreateAndGet", func(t *testing.T) {})
	t.Run("ListPages", func(t *testing.T) {
		// A nested subtest: not a case of its own.
		t.Run("office", func(t *testing.T) {})
		t.Run("basin", func(t *testing.T) {
			if fail {
				t.Errorf("basin page: got 3 items, want 2")
			}
		})
	})
	t.Run("Conflict", func(t *testing.T) {
		if fail {
			t.Errorf("second write: got nil error,\nwant ErrConflict")
		}
	})
	t.Run("TTL", func(t *testing.T) {
		if flaky {
			t.Skip("TTL is not emulated by this backend")
		}
	})
}
