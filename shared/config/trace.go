package config

import "suapcds/shared/config/base"

// getenv reads the environment through base, so a Trace sees every
// variable the functions read.
func getenv(name string) string { return base.Getenv(name) }
