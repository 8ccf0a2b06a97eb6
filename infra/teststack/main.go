// Command teststack installs and starts the local services the tests need,
// runs a test command against them, and stops them again:
//
//	go run ./infra/teststack [flags] -- go test ./...
//
// Tools are installed once, at pinned versions, into a cache outside the
// repo ($SUAPCDS_CACHE, else $XDG_CACHE_HOME/suapcds, else
// ~/.cache/suapcds), so a second run starts in seconds. Services listen on
// free ports, and their addresses reach the command through the
// environment (DYNAMODB_ENDPOINT, ...). The command's exit code becomes
// teststack's.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	os.Exit(run())
}

// services lists what the tests get, in start order; they stop in reverse.
// A new service is one file implementing service plus one line here.
func services(cache string) []service {
	return []service{
		newDynamoDBLocal(cache),
		newSESLocal(cache),
		newChromium(),
		newLambdaRIE(cache),
		newMinIO(cache),
	}
}

func run() int {
	onlyInstall := flag.Bool("only-install", false, "install the services into the cache and exit")
	keepLogs := flag.Bool("keep-logs", false, "keep the services' log files and print where they are")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: go run ./infra/teststack [flags] -- command [args...]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	cmdline := flag.Args()
	if !*onlyInstall && len(cmdline) == 0 {
		flag.Usage()
		return 2
	}

	// SIGINT/SIGTERM cancel installs and starts, reach the test command,
	// and still let the deferred stops run.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	var child *exec.Cmd
	childStarted := make(chan struct{})
	var caught atomic.Int32 // signal number, for the exit code
	go func() {
		for s := range sigs {
			progress("got %v; stopping", s)
			caught.Store(int32(s.(syscall.Signal)))
			cancel()
			select {
			case <-childStarted:
				_ = child.Process.Signal(s)
			default:
			}
		}
	}()

	// fail reports err; after a signal, the exit code says which, as a
	// shell would.
	fail := func(err error) int {
		progress("error: %v", err)
		if s := caught.Load(); s != 0 {
			return 128 + int(s)
		}
		return 1
	}

	cache, err := cacheDir(os.Getenv)
	if err != nil {
		return fail(err)
	}
	svcs := services(cache)
	start := time.Now()
	for _, s := range svcs {
		if err := s.install(ctx); err != nil {
			return fail(fmt.Errorf("%s: install: %w", s.name(), err))
		}
	}
	progress("installed in %s (cache %s)", since(start), cache)
	if *onlyInstall {
		return 0
	}

	logDir, err := os.MkdirTemp("", "teststack-logs-")
	if err != nil {
		return fail(err)
	}
	defer func() {
		if *keepLogs {
			progress("logs kept in %s", logDir)
		} else {
			os.RemoveAll(logDir)
		}
	}()

	var vars []envVar
	for i, s := range svcs {
		// Registered before start, since a failed start may leave a process.
		defer stopService(svcs[i])
		t := time.Now()
		if err := s.start(ctx, logDir); err != nil {
			// start has printed the log's tail; the whole log survives
			// only with -keep-logs.
			return fail(fmt.Errorf("%s: start: %w", s.name(), err))
		}
		progress("%s up in %s", s.name(), since(t))
		vars = append(vars, s.env()...)
	}
	env := mergeEnv(os.Environ(), vars)
	for _, v := range vars {
		progress("  %s", lookupEnv(env, v.key))
	}

	child = exec.Command(cmdline[0], cmdline[1:]...)
	child.Env = env
	child.Stdin, child.Stdout, child.Stderr = os.Stdin, os.Stdout, os.Stderr
	if ctx.Err() != nil {
		return fail(ctx.Err())
	}
	if err := child.Start(); err != nil {
		return fail(err)
	}
	close(childStarted)
	return exitCode(child.Wait())
}

func stopService(s service) {
	if err := s.stop(); err != nil {
		progress("%s: stop: %v", s.name(), err)
	}
}

// exitCode maps the command's result to ours; a command killed by a signal
// gives 128+signal, as a shell would.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	progress("%v", err)
	return 1
}

// progress prints a short status line to stderr, keeping stdout for the
// test command.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "teststack: "+format+"\n", args...)
}

func since(t time.Time) time.Duration { return time.Since(t).Round(10 * time.Millisecond) }

func indent(s string) string { return "    " + strings.ReplaceAll(s, "\n", "\n    ") }
