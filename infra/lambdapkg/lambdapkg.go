// Package lambdapkg builds Lambda bootstraps as `make build` and SAM build
// them (DESIGN.md "Build") and sizes their deployment package, for the
// packaging test (functions/lambda_test.go) and the benchmarks
// (infra/bench).
package lambdapkg

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// Flags are DESIGN.md's flags for provided.al2023, the Makefile's
// LAMBDA_BUILDFLAGS, used with CGO_ENABLED=0.
var Flags = []string{"-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w"}

// Build builds each package (a path relative to root: a function's
// "./functions/bookings/bootstrap", or any main package) for this machine's
// OS and arch into outDir/<name>/bootstrap, and returns those paths in the
// order of pkgs. <name> is the function's folder: the path's last element,
// or the one before it when that is "bootstrap". The builds run side by side
// on the shared build cache (one go build cannot: every function's binary
// is named bootstrap).
func Build(root, outDir string, pkgs ...string) ([]string, error) {
	out := make([]string, len(pkgs))
	errs := make([]error, len(pkgs))
	var wg sync.WaitGroup
	for i, p := range pkgs {
		name := filepath.Base(p)
		if name == "bootstrap" {
			name = filepath.Base(filepath.Dir(p))
		}
		out[i] = filepath.Join(outDir, name, "bootstrap")
		wg.Go(func() {
			args := append([]string{"build"}, Flags...)
			args = append(args, "-o", out[i], p)
			cmd := exec.Command("go", args...)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			if b, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, b)
			}
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// ZipSize is the size of the deployment package SAM would upload: the
// bootstrap alone in a zip, named bootstrap, deflated, mode 0755.
func ZipSize(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	var n countWriter
	zw := zip.NewWriter(&n)
	h, err := zip.FileInfoHeader(fi)
	if err != nil {
		return 0, err
	}
	h.Name, h.Method = "bootstrap", zip.Deflate
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return 0, err
	}
	if _, err := io.Copy(w, f); err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	return int64(n), nil
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}
