package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"suapcds/shared/domain"
)

// gatewayFigure is one phase of BenchmarkGatewayThroughput.
type gatewayFigure struct {
	Name     string  `json:"name"` // create, list, create-200, list-200
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	Seconds  float64 `json:"seconds"`
	PerSec   float64 `json:"perSec"`
	Workers  int     `json:"workers"`
}

// Bounds of each phase: whichever comes first.
const (
	gatewayMaxRequests = 2000
	gatewayMaxTime     = 3 * time.Second
	gatewayWorkers     = 4
)

// BenchmarkGatewayThroughput measures warm requests per second of creating
// a booking request and of listing them, through the local gateway (JWT
// check, v2 event, httpadapter) on the embedded store, next to the same
// gateway whose bookings function only answers 200. Each phase is bounded
// by count and time, on loopback. Run once, by `make bench` (infra/bench):
//
//	go test -run '^$' -bench '^BenchmarkGatewayThroughput$' -benchtime 1x ./infra/local
//
// With SUAPCDS_BENCH_OUT set, the figures are also written there as JSON.
func BenchmarkGatewayThroughput(b *testing.B) {
	var figs []gatewayFigure
	for _, real := range []bool{true, false} {
		r, repo := benchRunner(b, real)
		suffix := ""
		if !real {
			suffix = "-200"
		}
		// Every create books a pratica of its own (one live request each).
		ids := make([]string, gatewayMaxRequests)
		for i := range ids {
			ids[i] = fmt.Sprintf("bench-%d-%05d", time.Now().UnixNano(), i)
			if real {
				p := &domain.Pratica{ID: ids[i], Number: ids[i], OfficeID: officeAfrico, BasinID: basinLocride, ProcedureType: domain.ProcOrdinario}
				if err := repo.SavePratica(context.Background(), p); err != nil {
					b.Fatal(err)
				}
			}
		}
		tok := r.benchToken(b, "africo")
		body, err := json.Marshal(map[string]any{"start": meetingStart(), "durationMinutes": 60,
			"email": "suap@comune.africo.rc.it", "subject": "Conferenza di servizi sincrona"})
		if err != nil {
			b.Fatal(err)
		}
		figs = append(figs, hammer("create"+suffix, func(c *http.Client, i int) (int, error) {
			return benchDo(c, http.MethodPost, r.BaseURL+"/pratiche/"+ids[i]+"/booking-requests", tok, body)
		}, http.StatusCreated, gatewayMaxRequests))
		figs = append(figs, hammer("list"+suffix, func(c *http.Client, _ int) (int, error) {
			return benchDo(c, http.MethodGet, r.BaseURL+"/booking-requests", tok, nil)
		}, http.StatusOK, gatewayMaxRequests))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := r.Shutdown(ctx); err != nil {
			b.Error(err)
		}
		cancel()
	}
	for _, f := range figs {
		b.ReportMetric(f.PerSec, f.Name+"_req/s")
		b.Logf("%s: %d requests (%d errors) in %.2f s with %d workers: %.0f req/s", f.Name, f.Requests, f.Errors, f.Seconds, f.Workers, f.PerSec)
	}
	if out := os.Getenv("SUAPCDS_BENCH_OUT"); out != "" {
		raw, err := json.Marshal(figs)
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(out, raw, 0o600); err != nil {
			b.Fatal(err)
		}
	}
}

// benchRunner starts the local run on a fresh data folder (embedded store,
// demo data); with real false its bookings function only answers 200.
func benchRunner(b *testing.B, real bool) (*runner, interface {
	SavePratica(context.Context, *domain.Pratica, ...domain.HistoryEntry) error
}) {
	b.Helper()
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, keyFile), testKeyPEM(), 0o600); err != nil {
		b.Fatal(err)
	}
	c, err := parseFlags([]string{"-addr", "127.0.0.1:0", "-data", dir}, func(string) string { return "" }, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	if !real {
		c.functions = map[string]wiring{}
		for id, w := range registry {
			c.functions[id] = w
		}
		c.functions["BookingsFunction"] = wiring{HTTP: func(env) (http.Handler, error) {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/json")
				if r.Method == http.MethodPost {
					w.WriteHeader(http.StatusCreated)
				}
				_, _ = io.WriteString(w, "{}")
			}), nil
		}}
	}
	r, err := start(context.Background(), c, io.Discard, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = r.Shutdown(context.Background()) })
	return r, r.store.repo
}

func (r *runner) benchToken(b *testing.B, role string) string {
	b.Helper()
	for _, u := range r.Users {
		if u.Key == role {
			return u.Token
		}
	}
	b.Fatalf("no demo user %q", role)
	return ""
}

// hammer sends up to n requests (call i for i in 0..n-1) with
// gatewayWorkers at once, for at most gatewayMaxTime.
func hammer(name string, call func(c *http.Client, i int) (int, error), want, n int) gatewayFigure {
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: gatewayWorkers}}
	defer c.CloseIdleConnections()
	var next, done, errs atomic.Int64
	deadline := time.Now().Add(gatewayMaxTime)
	t0 := time.Now()
	var wg sync.WaitGroup
	for range gatewayWorkers {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if status, err := call(c, i); err != nil || status != want {
					errs.Add(1)
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	el := time.Since(t0).Seconds()
	return gatewayFigure{Name: name, Requests: int(done.Load()), Errors: int(errs.Load()), Seconds: el,
		PerSec: float64(done.Load()) / el, Workers: gatewayWorkers}
}

func benchDo(c *http.Client, method, url, token string, body []byte) (int, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, err = io.Copy(io.Discard, res.Body)
	return res.StatusCode, err
}
