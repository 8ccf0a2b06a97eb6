package base_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestConsoleLinksNoAWSClient: the console serves static files, so neither
// its binary nor this package links an AWS SDK client (whose package inits
// cost every cold start milliseconds).
func TestConsoleLinksNoAWSClient(t *testing.T) {
	for _, pkg := range []string{"suapcds/shared/config/base", "suapcds/functions/console/bootstrap"} {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for dep := range strings.Lines(string(out)) {
			dep = strings.TrimSpace(dep)
			if strings.HasPrefix(dep, "github.com/aws/aws-sdk-go-v2/") || dep == "suapcds/shared/config" ||
				strings.HasPrefix(dep, "suapcds/shared/store") {
				t.Errorf("%s links %s", pkg, dep)
			}
		}
	}
}
