package embedded_test

import (
	"fmt"
	"testing"

	"sample/store"
)

func TestContract(t *testing.T) { store.Run(t, false) }

func TestFigures(t *testing.T) {
	t.Parallel()
	t.Logf("FIGURE open+list of 2000 requests: 12ms")
	fmt.Println("plain stdout line, not a figure")
}
