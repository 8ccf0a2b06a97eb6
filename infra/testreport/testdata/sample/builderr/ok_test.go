package builderr

import "testing"

func TestY(t *testing.T) {
	if Y != 1 {
		t.Fatal("Y")
	}
}
