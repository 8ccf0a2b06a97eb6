package config

import (
	"strings"
	"testing"
)

func TestBoundedInt(t *testing.T) {
	for _, c := range []struct {
		v       string
		want    int64
		wantErr bool
	}{
		{"", 0, false}, {"1", 1, false}, {"30", 30, false},
		{"0", 0, true}, {"31", 0, true}, {"2x", 0, true}, {"-1", 0, true}, {"9999999999999999999999", 0, true},
	} {
		t.Setenv("SUAPCDS_TEST_INT", c.v)
		n, err := boundedInt("SUAPCDS_TEST_INT", 1, 30, "1 to 30")
		if (err != nil) != c.wantErr || (!c.wantErr && n != c.want) {
			t.Errorf("%q: %d, %v", c.v, n, err)
		}
		if err != nil && !strings.Contains(err.Error(), `SUAPCDS_TEST_INT="`+c.v+`": want 1 to 30`) {
			t.Errorf("%q: error %q does not name the variable and its range", c.v, err)
		}
	}
}
