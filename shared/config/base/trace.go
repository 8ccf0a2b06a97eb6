package base

import (
	"os"
	"slices"
	"sync"
)

// getenv is how the configuration reads the environment: os.Getenv, but for
// the length of a Trace.
var (
	getenv  = os.Getenv
	traceMu sync.Mutex
)

// Getenv reads the variable name; shared/config reads through it too.
func Getenv(name string) string { return getenv(name) }

// Trace runs fn with env as the environment the configuration reads (a
// name not in env reads as unset) and returns the names fn read, sorted,
// each once. It is for tests that compare what a function reads with what
// template.yaml gives it; Traces run one at a time, and nothing else may
// read the configuration meanwhile.
func Trace(env map[string]string, fn func()) []string {
	traceMu.Lock()
	defer traceMu.Unlock()
	read := map[string]bool{}
	prev := getenv
	getenv = func(name string) string {
		read[name] = true
		return env[name]
	}
	defer func() { getenv = prev }()
	fn()
	names := make([]string, 0, len(read))
	for n := range read {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
