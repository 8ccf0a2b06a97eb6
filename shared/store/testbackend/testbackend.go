// Package testbackend picks the store backend of the application and API
// tests: DynamoDB Local when `make test` runs it (DYNAMODB_ENDPOINT is set)
// or when CI is set (then a missing DynamoDB Local fails the test, as
// everywhere under CI); otherwise the embedded store of the local run, in
// the test's temporary folder, so a plain `go test ./...` runs them without
// Java. The store's contract suite (shared/store/storetest) proves the two
// backends equal.
package testbackend

import (
	"os"
	"path/filepath"
	"testing"

	"suapcds/shared/store"
	"suapcds/shared/store/dynamo/dynamotest"
	"suapcds/shared/store/embedded"
)

// New returns a fresh backend for t, removed when t ends.
func New(t testing.TB) store.Backend {
	t.Helper()
	if os.Getenv("DYNAMODB_ENDPOINT") != "" || os.Getenv("CI") != "" {
		return dynamotest.Backend(t)
	}
	return Embedded(t)
}

// Embedded returns a fresh embedded store in t's temporary folder.
func Embedded(t testing.TB) store.Backend {
	t.Helper()
	b, err := embedded.Open(filepath.Join(t.TempDir(), "store.db"), embedded.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}
