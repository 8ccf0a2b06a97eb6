package dynamo_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"suapcds/shared/store/dynamo"
)

// TestClientRetries: the pinned client retries as the SDK's later DynamoDB
// clients do by default (4 attempts), unless the configuration says
// otherwise.
func TestClientRetries(t *testing.T) {
	if got := dynamo.NewClient(aws.Config{Region: "eu-south-1"}, "").Options().Retryer.MaxAttempts(); got != 4 {
		t.Errorf("default attempts %d, want 4", got)
	}
	if got := dynamo.NewClient(aws.Config{Region: "eu-south-1", RetryMaxAttempts: 2}, "").Options().Retryer.MaxAttempts(); got != 2 {
		t.Errorf("RetryMaxAttempts 2: %d attempts", got)
	}
}

// TestNoSchemaSerialization: the DynamoDB modules stay below the versions
// with schema-based serialization (service/dynamodb v1.69.0,
// dynamodbstreams v1.42.0), whose schemas packages cost every cold start
// ≈3 ms and ≈3,400 allocations at init. go.mod pins them; this catches an
// upgrade (go get -u) that would bring them back.
func TestNoSchemaSerialization(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "suapcds/shared/store/dynamo").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for dep := range strings.Lines(string(out)) {
		if strings.HasSuffix(strings.TrimSpace(dep), "/schemas") {
			t.Errorf("the store links %s: see go.mod's pins", strings.TrimSpace(dep))
		}
	}
}
