package main

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// errExited reports that the server process ended while we waited for it.
var errExited = errors.New("process exited before it answered")

// giveUp wraps a probe error that no amount of waiting will fix (e.g. the
// server logged that its port is taken), so waitUntil stops at once.
type giveUp struct{ error }

// waitUntil polls probe until it returns nil or a giveUp error, the process
// behind exited closes (no point waiting for a dead server), ctx ends, or
// timeout passes.
func waitUntil(ctx context.Context, timeout time.Duration, exited <-chan struct{}, probe func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		if last = probe(ctx); last == nil {
			return nil
		}
		var ge giveUp
		if errors.As(last, &ge) {
			return ge.error
		}
		select {
		case <-exited:
			return errExited
		case <-ctx.Done():
			return fmt.Errorf("not up after %s: %w (last probe: %v)", timeout, ctx.Err(), last)
		case <-tick.C:
		}
	}
}
