package main

import (
	"context"
	"strings"
)

// service is one piece of local infrastructure that the tests talk to
// (DynamoDB Local now; MinIO, an SES v2 emulator, aws-lambda-rie and
// Chromium later). Each lives in its own file and is listed in main.go.
//
// The life cycle is install (idempotent, cached outside the repo) → start
// (on free ports, until it answers) → env (what the test command needs to
// find it) → stop (always, even after a failed start).
type service interface {
	// name is a short label used in progress lines and log file names.
	name() string
	// install fetches what the service needs into the cache; a second call
	// must be cheap once the cache is complete.
	install(ctx context.Context) error
	// start runs the service, writing its output under logDir, and returns
	// once it answers requests.
	start(ctx context.Context, logDir string) error
	// env lists the variables handed to the test command.
	env() []envVar
	// stop ends everything start left running; safe to call if start failed
	// or was never called.
	stop() error
}

// envVar is one variable for the test command.
type envVar struct {
	key, value string
	// ifUnset keeps a value the caller already has (e.g. AWS_REGION), so a
	// developer can still override it.
	ifUnset bool
}

// mergeEnv applies vars on top of base ("KEY=VALUE" pairs, as os.Environ).
func mergeEnv(base []string, vars []envVar) []string {
	idx := make(map[string]int, len(base))
	out := make([]string, 0, len(base)+len(vars))
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		idx[k] = len(out)
		out = append(out, kv)
	}
	for _, v := range vars {
		i, ok := idx[v.key]
		switch {
		case ok && v.ifUnset:
			// keep the caller's value
		case ok:
			out[i] = v.key + "=" + v.value
		default:
			idx[v.key] = len(out)
			out = append(out, v.key+"="+v.value)
		}
	}
	return out
}

// lookupEnv returns the "KEY=VALUE" entry for key in env, or "".
func lookupEnv(env []string, key string) string {
	for _, kv := range env {
		if strings.HasPrefix(kv, key+"=") {
			return kv
		}
	}
	return ""
}
