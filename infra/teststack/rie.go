package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// aws-lambda-rie, the Lambda Runtime Interface Emulator, built from source
// with `go install` at a pinned version (the module proxy is reachable; the
// release binaries on GitHub are not). ≈20 s to build once.
const (
	rieModule    = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"
	rieVersion   = "v0.0.0-20261030222936-bef5c4ba774d"
	rieCacheName = "aws-lambda-rie-" + rieVersion
	rieBinary    = "aws-lambda-rie"
)

// lambdaRIE installs aws-lambda-rie and tells the tests where it is
// (AWS_LAMBDA_RIE). It is a tool, not a server: each test starts one
// emulator per function bootstrap, on ports of its own, so start only
// checks the binary is there and stop has nothing to do.
type lambdaRIE struct {
	dir string // cache entry; the binary is bin/aws-lambda-rie
}

func newLambdaRIE(cache string) *lambdaRIE {
	return &lambdaRIE{dir: filepath.Join(cache, rieCacheName)}
}

func (r *lambdaRIE) name() string { return "aws-lambda-rie" }

func (r *lambdaRIE) path() string { return filepath.Join(r.dir, "bin", rieBinary) }

// install runs `GOBIN=<cache entry>/bin go install module@version` once;
// the cache entry is stamped when complete (installDir).
func (r *lambdaRIE) install(ctx context.Context) error {
	if !cached(r.dir) {
		progress("installing %s@%s into %s", rieModule, rieVersion, r.dir)
		err := installDir(r.dir, func(tmp string) error {
			goTool, err := exec.LookPath("go")
			if err != nil {
				return fmt.Errorf("go not found on PATH: %w", err)
			}
			cmd := exec.CommandContext(ctx, goTool, "install", rieModule+"@"+rieVersion)
			// Outside any module: `go install pkg@version` ignores the
			// current one anyway, and this keeps our go.mod out of it.
			cmd.Dir = tmp
			cmd.Env = append(os.Environ(), "GOBIN="+filepath.Join(tmp, "bin"), "CGO_ENABLED=0")
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("go install %s@%s: %w", rieModule, rieVersion, err)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if fi, err := os.Stat(r.path()); err != nil || fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s is missing or not executable (remove %s to reinstall): %v", r.path(), r.dir, err)
	}
	return nil
}

// start has nothing to run: the tests start the emulator themselves.
func (r *lambdaRIE) start(context.Context, string) error { return nil }

func (r *lambdaRIE) env() []envVar {
	return []envVar{{key: "AWS_LAMBDA_RIE", value: r.path()}}
}

func (r *lambdaRIE) stop() error { return nil }
