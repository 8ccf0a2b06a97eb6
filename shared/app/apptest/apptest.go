// Package apptest builds the use cases for tests that drive them directly
// (seeding a story, checking what a handler did), alongside the functions
// built from the same Deps.
package apptest

import (
	"log/slog"
	"testing"

	"suapcds/shared/app"
	"suapcds/shared/clock"
)

// New returns the Service of d, failing t when d is incomplete. A nil
// Logger discards; a nil Clock is the system's.
func New(t testing.TB, d app.Deps) *app.Service {
	t.Helper()
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Clock == nil {
		d.Clock = clock.System{}
	}
	s, err := app.New(d)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
