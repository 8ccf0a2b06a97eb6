package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// The SES v2 emulator: a real SES v2 HTTP API (SendEmail with raw MIME
// included) that keeps every mail in memory and lists them at GET /store.
// It is a Node.js program with dependencies, so it is installed with
// `npm install` (scripts off) rather than unpacked like DynamoDB Local.
const (
	sesNpmSpec    = "aws-ses-v2-local@2.10.2"
	sesCacheName  = "aws-ses-v2-local-2.10.2"
	sesCLI        = "node_modules/aws-ses-v2-local/dist/cli.js"
	sesStartTries = 3
	sesUpTimeout  = 30 * time.Second
)

// sesLocal runs aws-ses-v2-local on a free port and exposes it to the tests
// as SES_ENDPOINT.
type sesLocal struct {
	dir      string // npm prefix: node_modules/aws-ses-v2-local/...
	proc     *process
	endpoint string
}

func newSESLocal(cache string) *sesLocal {
	return &sesLocal{dir: filepath.Join(cache, sesCacheName)}
}

func (s *sesLocal) name() string { return "ses-v2-local" }

func (s *sesLocal) install(ctx context.Context) error {
	if err := ensureCommand(ctx, "node", "nodejs"); err != nil {
		return err
	}
	if !cached(s.dir) {
		progress("installing %s into %s", sesNpmSpec, s.dir)
		err := installDir(s.dir, func(tmp string) error {
			if err := ensureCommand(ctx, "npm", "nodejs", "npm"); err != nil {
				return err
			}
			// A package.json of our own keeps npm from climbing to a parent
			// folder's; --save-exact records the pinned version.
			if err := os.WriteFile(filepath.Join(tmp, "package.json"), []byte(`{"private": true}`+"\n"), 0o644); err != nil {
				return err
			}
			cmd := exec.CommandContext(ctx, "npm", "install", "--prefix", tmp, "--save-exact",
				"--ignore-scripts", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error", sesNpmSpec)
			cmd.Env = append(os.Environ(), "npm_config_update_notifier=false")
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("npm install %s: %w", sesNpmSpec, err)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if _, err := os.Stat(filepath.Join(s.dir, sesCLI)); err != nil {
		return fmt.Errorf("%s install in %s is incomplete (remove it to reinstall): %w", sesNpmSpec, s.dir, err)
	}
	return nil
}

func (s *sesLocal) start(ctx context.Context, logDir string) error {
	for try := 1; try <= sesStartTries; try++ {
		logPath := filepath.Join(logDir, fmt.Sprintf("%s.%d.log", s.name(), try))
		port, err := freePort()
		if err != nil {
			return err
		}
		p, err := startProcess(logPath, s.dir, "node", filepath.Join(s.dir, sesCLI),
			"--host", "127.0.0.1", "--port", strconv.Itoa(port))
		if err != nil {
			return err
		}
		url := "http://127.0.0.1:" + strconv.Itoa(port)
		err = waitUntil(ctx, sesUpTimeout, p.done, func(ctx context.Context) error {
			// A taken port makes node exit with EADDRINUSE; waitUntil sees
			// the exit, and the next try takes another port.
			return probeSES(ctx, url)
		})
		if err == nil {
			s.proc, s.endpoint = p, url
			return nil
		}
		_ = p.stop()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		progress("%s on port %d did not come up (try %d/%d): %v\n%s",
			s.name(), port, try, sesStartTries, err, indent(p.tail(20)))
	}
	return fmt.Errorf("did not start after %d tries (logs in %s are kept with -keep-logs)", sesStartTries, logDir)
}

// probeSES reads GET /store, which must be the emulator's JSON (an object
// with an "emails" list), so another server on the port does not pass.
func probeSES(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/store", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /store: %s", resp.Status)
	}
	var store struct {
		Emails json.RawMessage `json:"emails"`
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return err
	}
	if err := json.Unmarshal(buf.Bytes(), &store); err != nil || !bytes.HasPrefix(store.Emails, []byte("[")) {
		return fmt.Errorf("%s/store is not the SES emulator's store", url)
	}
	return nil
}

func (s *sesLocal) env() []envVar {
	return []envVar{{key: "SES_ENDPOINT", value: s.endpoint}}
}

func (s *sesLocal) stop() error {
	err := s.proc.stop()
	s.proc = nil
	return err
}
