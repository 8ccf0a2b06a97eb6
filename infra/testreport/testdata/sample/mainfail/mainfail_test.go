package mainfail

import (
	"fmt"
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	if os.Getenv("SAMPLE_FAIL") != "" {
		fmt.Println("setup: cannot reach the test server")
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func TestOK(t *testing.T) {}
