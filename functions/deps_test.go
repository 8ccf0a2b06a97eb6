package functions_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoServiceClientBeyondDynamoDB: no function imports an AWS service
// client but DynamoDB's (the store): S3 and SES v2 are reached with plain
// SigV4-signed requests (shared/s3http, shared/mail), since their clients
// made each zip 1–1.5 MiB larger for a handful of calls. Checked on the
// packages Lambda runs (linux/arm64, lambda.norpc), where an unimported
// package cannot be linked.
func TestNoServiceClientBeyondDynamoDB(t *testing.T) {
	mains, err := filepath.Glob("*/bootstrap/main.go")
	if err != nil || len(mains) == 0 {
		t.Fatalf("functions: %v %v", mains, err)
	}
	const service = "github.com/aws/aws-sdk-go-v2/service/"
	allowed := map[string]bool{"dynamodb": true, "dynamodbstreams": true, "internal": true}
	for _, m := range mains {
		fn := filepath.Dir(filepath.Dir(m))
		cmd := exec.Command("go", "list", "-deps", "-tags", "lambda.norpc", "./functions/"+fn+"/bootstrap")
		cmd.Dir = moduleRoot
		cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list %s: %v", fn, err)
		}
		for _, p := range strings.Fields(string(out)) {
			name, ok := strings.CutPrefix(p, service)
			if name, _, _ = strings.Cut(name, "/"); ok && !allowed[name] {
				t.Errorf("%s imports %s", fn, p)
			}
		}
	}
}
