package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// MinIO, the S3 server the recordings tests run against: it checks SigV4
// signatures and POST policies (key, content-length-range, Content-Type,
// expiry), so a tampered, oversize or wrong-type upload really fails. Built
// from source with `go install` at a pinned version (≈7 minutes once, then
// cached); each run serves a fresh temporary folder.
const (
	minioModule    = "github.com/minio/minio"
	minioVersion   = "v0.0.0-20260212201848-7aac2a2c5b7c"
	minioCacheName = "minio-" + minioVersion
	minioBinary    = "minio"
	minioTries     = 3
	minioUpTimeout = 60 * time.Second
	// The root user of the test server; it holds no data beyond a run.
	// Letters and digits only: a function under test signs for both MinIO
	// and DynamoDB Local with it, and DynamoDB Local refuses other keys.
	minioUser     = "suapcdstest"
	minioPassword = "suapcdstestsecret"
	minioRegion   = "eu-south-1"
)

// minio runs a MinIO server on a free port (its console on another: it
// insists on one) and exposes it as S3_ENDPOINT, S3_ACCESS_KEY,
// S3_SECRET_KEY and S3_REGION.
type minio struct {
	dir      string // cache entry; the binary is bin/minio
	data     string // this run's storage folder
	proc     *process
	endpoint string
}

func newMinIO(cache string) *minio {
	return &minio{dir: filepath.Join(cache, minioCacheName)}
}

func (m *minio) name() string { return "minio" }

func (m *minio) path() string { return filepath.Join(m.dir, "bin", minioBinary) }

// install runs `GOBIN=<cache entry>/bin go install module@version` once;
// the cache entry is stamped when complete (installDir).
func (m *minio) install(ctx context.Context) error {
	if !cached(m.dir) {
		progress("installing %s@%s into %s (builds from source: about 7 minutes, once)", minioModule, minioVersion, m.dir)
		err := installDir(m.dir, func(tmp string) error {
			goTool, err := exec.LookPath("go")
			if err != nil {
				return fmt.Errorf("go not found on PATH: %w", err)
			}
			cmd := exec.CommandContext(ctx, goTool, "install", minioModule+"@"+minioVersion)
			// Outside any module, so our go.mod stays out of it.
			cmd.Dir = tmp
			cmd.Env = append(os.Environ(), "GOBIN="+filepath.Join(tmp, "bin"), "CGO_ENABLED=0")
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("go install %s@%s: %w", minioModule, minioVersion, err)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if fi, err := os.Stat(m.path()); err != nil || fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s is missing or not executable (remove %s to reinstall): %v", m.path(), m.dir, err)
	}
	return nil
}

func (m *minio) start(ctx context.Context, logDir string) error {
	data, err := os.MkdirTemp("", "suapcds-minio-")
	if err != nil {
		return err
	}
	m.data = data
	for try := 1; try <= minioTries; try++ {
		logPath := filepath.Join(logDir, fmt.Sprintf("%s.%d.log", m.name(), try))
		port, err := freePort()
		if err != nil {
			return err
		}
		console, err := freePort()
		if err != nil {
			return err
		}
		p, err := startProcessEnv(logPath, data, []string{
			"MINIO_ROOT_USER=" + minioUser, "MINIO_ROOT_PASSWORD=" + minioPassword,
			"MINIO_SITE_REGION=" + minioRegion, "MINIO_UPDATE=off", "MINIO_BROWSER=off",
		}, m.path(), "server", data,
			"--address", "127.0.0.1:"+strconv.Itoa(port), "--console-address", "127.0.0.1:"+strconv.Itoa(console), "--quiet")
		if err != nil {
			return err
		}
		url := "http://127.0.0.1:" + strconv.Itoa(port)
		err = waitUntil(ctx, minioUpTimeout, p.done, func(ctx context.Context) error { return probeMinIO(ctx, url) })
		if err == nil {
			m.proc, m.endpoint = p, url
			return nil
		}
		_ = p.stop()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		progress("%s on port %d did not come up (try %d/%d): %v\n%s", m.name(), port, try, minioTries, err, indent(p.tail(20)))
	}
	return fmt.Errorf("did not start after %d tries (logs in %s are kept with -keep-logs)", minioTries, logDir)
}

// probeMinIO asks MinIO's liveness endpoint, which only MinIO answers.
func probeMinIO(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/minio/health/live", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /minio/health/live: %s", resp.Status)
	}
	return nil
}

func (m *minio) env() []envVar {
	return []envVar{
		{key: "S3_ENDPOINT", value: m.endpoint},
		{key: "S3_ACCESS_KEY", value: minioUser},
		{key: "S3_SECRET_KEY", value: minioPassword},
		{key: "S3_REGION", value: minioRegion},
	}
}

func (m *minio) stop() error {
	err := m.proc.stop()
	m.proc = nil
	if m.data != "" {
		_ = os.RemoveAll(m.data)
		m.data = ""
	}
	return err
}
