package dynamo_test

import (
	"testing"

	"suapcds/shared/store"
	"suapcds/shared/store/dynamo/dynamotest"
	"suapcds/shared/store/storetest"
)

func newBackend(t testing.TB) store.Backend { return dynamotest.Backend(t) }

// TestContract runs the store contract on DynamoDB Local.
func TestContract(t *testing.T) { storetest.Run(t, newBackend) }

// TestPageCost prints the items and capacity one list page reads at 20 and
// 2,000 requests.
func TestPageCost(t *testing.T) {
	if testing.Short() {
		t.Skip("fills 2,000 requests")
	}
	storetest.PageCost(t, newBackend, 10, []int{20, 2000}, 8)
}
