package crash

import (
	"os"
	"testing"
	"time"
)

func TestBeforePanic(t *testing.T) { t.Log("ran before the panic") }

// TestStillRunning is still running when TestPanic brings the binary down.
func TestStillRunning(t *testing.T) {
	t.Parallel()
	t.Log("started, then waits")
	if os.Getenv("SAMPLE_FAIL") != "" {
		time.Sleep(2 * time.Second)
	}
}

func TestPanic(t *testing.T) {
	t.Parallel()
	if os.Getenv("SAMPLE_FAIL") != "" {
		time.Sleep(100 * time.Millisecond)
		var m map[string]int
		m["boom"]++
	}
}
