package config

import "suapcds/shared/config/base"

// getenv reads the environment through base, so a Trace sees every
// variable the functions read.
func getenv(name string) string { return base.Getenv(name) }

// Trace is base.Trace: fn's reads of the configuration, with env as the
// environment.
func Trace(env map[string]string, fn func()) []string { return base.Trace(env, fn) }
