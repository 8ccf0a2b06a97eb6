package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// coldStart is one spawn of a bootstrap against a minimal Lambda Runtime
// API: the time from spawning the process to its first
// GET /2018-06-01/runtime/invocation/next (its init) and to its first
// POST …/response (init and the first event handled); output is what the
// process wrote to stdout and stderr (GODEBUG=inittrace=1 writes there).
type coldStart struct {
	toNext, toResponse time.Duration
	output             []byte
}

// spawnOnce starts bootstrap with env, hands it event as its first
// invocation, and stops it once it has answered.
func spawnOnce(ctx context.Context, bootstrap string, env []string, event []byte) (cs coldStart, err error) {
	type stamp struct {
		at   time.Time
		body []byte
		err  bool
	}
	next, answer := make(chan time.Time, 1), make(chan stamp, 1)
	var served atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/2018-06-01/runtime/invocation/next":
			if served.Swap(true) {
				<-r.Context().Done() // one event only: hold the runtime until it is stopped
				return
			}
			next <- now
			h := w.Header()
			h.Set("Lambda-Runtime-Aws-Request-Id", "bench-cold-start")
			h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(now.Add(30*time.Second).UnixMilli(), 10))
			h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:eu-south-1:123456789012:function:bench")
			h.Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0")
			h.Set("Content-Type", "application/json")
			_, _ = w.Write(event)
		case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/2018-06-01/runtime/"):
			body, _ := io.ReadAll(r.Body)
			select {
			case answer <- stamp{at: now, body: body, err: !strings.HasSuffix(r.URL.Path, "/response")}:
			default:
			}
			w.WriteHeader(http.StatusAccepted)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	cmd := exec.Command(bootstrap)
	cmd.Env = append(slices.Clone(env), "AWS_LAMBDA_RUNTIME_API="+strings.TrimPrefix(srv.URL, "http://"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	exited := make(chan error, 1)
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return coldStart{}, err
	}
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		select {
		case <-exited: // Wait has copied all the output
			cs.output = bytes.Clone(out.Bytes())
		case <-time.After(5 * time.Second):
		}
	}()
	timeout := time.NewTimer(20 * time.Second)
	defer timeout.Stop()
	for {
		select {
		case at := <-next:
			cs.toNext = at.Sub(t0)
		case a := <-answer:
			if a.err {
				return cs, fmt.Errorf("the runtime reported an error: %.300s\n%.500s", a.body, out.String())
			}
			cs.toResponse = a.at.Sub(t0)
			if cs.toNext == 0 {
				return cs, errors.New("answered before asking for an event")
			}
			return cs, nil
		case err := <-exited:
			return cs, fmt.Errorf("exited before answering (%v):\n%.800s", err, out.String())
		case <-timeout.C:
			return cs, fmt.Errorf("no answer after 20 s:\n%.800s", out.String())
		case <-ctx.Done():
			return cs, ctx.Err()
		}
	}
}
