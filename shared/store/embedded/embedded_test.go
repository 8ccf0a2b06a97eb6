package embedded_test

import (
	"path/filepath"
	"testing"

	"suapcds/shared/store"
	"suapcds/shared/store/embedded"
	"suapcds/shared/store/storetest"
)

func newBackend(t testing.TB) store.Backend {
	b, err := embedded.Open(filepath.Join(t.TempDir(), "store.db"), embedded.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// TestContract runs the store contract on the embedded backend.
func TestContract(t *testing.T) { storetest.Run(t, newBackend) }

// TestPageCost prints the items one list page reads at 20 and 2,000 requests.
func TestPageCost(t *testing.T) {
	if testing.Short() {
		t.Skip("fills 2,000 requests")
	}
	storetest.PageCost(t, newBackend, 10, []int{20, 2000}, 4)
}
