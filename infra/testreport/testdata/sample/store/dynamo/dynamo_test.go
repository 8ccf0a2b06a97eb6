package dynamo_test

import (
	"testing"

	"sample/store"
)

func TestContract(t *testing.T) { store.Run(t, true) }

func TestNeedsServer(t *testing.T) {
	t.Skip("DYNAMODB_ENDPOINT is not set: run `make test` to start the integration servers")
}

func TestPageCost(t *testing.T) {
	for _, n := range []int{20, 2000} {
		t.Logf("PAGECOST table=%d list=office page=10 returned=10 queries=1 items_read=11 rcu=1.5", n)
	}
	t.Logf("backend CONFIGURED with FIGUREHEAD settings (no figure here)")
}
