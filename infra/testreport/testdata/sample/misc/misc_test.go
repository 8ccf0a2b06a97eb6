package misc

import (
	"os"
	"testing"
	"time"
)

func TestPlain(t *testing.T) {}

func TestTable(t *testing.T) {
	for _, name := range []string{"a", "b", "c"} {
		t.Run(name, func(t *testing.T) { t.Parallel() })
	}
}

// TestParentFails fails after all its subtests passed.
func TestParentFails(t *testing.T) {
	t.Run("only", func(t *testing.T) { t.Log("subtest log") })
	if os.Getenv("SAMPLE_FAIL") != "" {
		t.Error("parent check failed after the subtests")
	}
}

func TestSkipWithSubtests(t *testing.T) {
	t.Run("skipped", func(t *testing.T) { t.Skipf("skipping %s", t.Name()) })
}

func TestSleep(t *testing.T) {
	if os.Getenv("SAMPLE_SLEEP") == "" {
		return
	}
	t.Log("sleeping past the timeout")
	time.Sleep(5 * time.Second)
}
