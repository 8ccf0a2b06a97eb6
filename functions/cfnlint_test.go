package functions_test

import (
	"os/exec"
	"path/filepath"
	"testing"

	"suapcds/shared/testenv"
)

// TestCfnLint runs cfn-lint (with the SAM transform) on template.yaml: zero
// findings of any level, informational ones included. A rule the template
// must break would be named here with the reason; none is.
func TestCfnLint(t *testing.T) {
	bin := testenv.Tool(t, "cfn-lint")
	out, err := exec.Command(bin, "--format", "parseable", "--", filepath.Join("..", "template.yaml")).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("cfn-lint template.yaml: %v\n%s", err, out)
	}
}
