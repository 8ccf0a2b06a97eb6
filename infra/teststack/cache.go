package main

import (
	"errors"
	"path/filepath"
)

// cacheDir resolves where installed tools live: $SUAPCDS_CACHE, else
// $XDG_CACHE_HOME/suapcds, else ~/.cache/suapcds. It is outside the repo so
// a fresh clone (as in CI) reuses what an earlier run fetched.
// getenv is os.Getenv in production and a map in tests.
func cacheDir(getenv func(string) string) (string, error) {
	if d := getenv("SUAPCDS_CACHE"); d != "" {
		return filepath.Abs(d)
	}
	// The XDG spec says relative values are invalid and must be ignored.
	if d := getenv("XDG_CACHE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "suapcds"), nil
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".cache", "suapcds"), nil
	}
	return "", errors.New("no cache dir: set SUAPCDS_CACHE, XDG_CACHE_HOME or HOME")
}
