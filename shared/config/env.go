package config

import (
	"fmt"
	"strconv"
)

// boundedInt reads the optional integer variable name: 0 and no error when
// it is unset, an error saying want when it is not an integer from lo to hi.
// Every numeric setting goes through it, so each says its range alike.
func boundedInt(name string, lo, hi int64, want string) (int64, error) {
	v := getenv(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		return n, fmt.Errorf("%s=%q: want %s", name, v, want)
	}
	return n, nil
}

// LinkKey is LINK_KEY: the key the signed links are made and checked with
// (the signer checks its length).
func LinkKey() []byte { return []byte(getenv("LINK_KEY")) }
