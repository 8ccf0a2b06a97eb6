// Command bench prints the figures the project steers by, in one table:
// each function's cold start, its costliest package inits (from
// GODEBUG=inittrace=1) and zip next to a hello-world function's, the
// DynamoDB calls and capacity of every API operation, the items one list
// page reads at two table sizes, warm throughput through the local gateway
// next to a handler that only answers 200, and notify's 100-record batch
// next to plain SES sends. Figures are printed, never asserted: the
// machine is shared and noisy, so each comes with a baseline measured in
// the same run.
//
// It needs the test stack (DynamoDB Local, the SES emulator):
//
//	make bench   # go run ./infra/teststack -- go run ./infra/bench
//
// -sections measures only some sections, e.g. -sections coldstart.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"suapcds/infra/lambdapkg"
	"suapcds/shared/domain"
	"suapcds/shared/store"
	"suapcds/shared/store/dynamo"
	"suapcds/shared/store/dynamo/dynamotest"
)

func main() {
	runs := flag.Int("runs", 20, "cold starts per function (the median is printed)")
	fill := flag.Int("fill", 10000, "requests in the table for the second list-page figure")
	workers := flag.Int("fill-workers", 32, "concurrent writers filling the table")
	only := flag.String("sections", strings.Join(sectionNames, ","), "the sections to measure, comma-separated: "+strings.Join(sectionNames, ", "))
	flag.Parse()
	sections, err := parseSections(*only)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	if err := run(context.Background(), sections, *runs, *fill, *workers); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func progress(format string, a ...any) { fmt.Fprintf(os.Stderr, "bench: "+format+"\n", a...) }

// sectionNames are the table's sections, in the order they are printed
// (coldstart covers the cold starts, the package inits and the zips).
var sectionNames = []string{"coldstart", "calls", "pages", "gateway", "notify"}

// parseSections reads -sections: a comma-separated subset of sectionNames.
func parseSections(list string) (map[string]bool, error) {
	out := map[string]bool{}
	for s := range strings.SplitSeq(list, ",") {
		s = strings.TrimSpace(s)
		if !slices.Contains(sectionNames, s) {
			return nil, fmt.Errorf("-sections: no section %q (want some of %s)", s, strings.Join(sectionNames, ", "))
		}
		out[s] = true
	}
	return out, nil
}

func run(ctx context.Context, sections map[string]bool, runs, fill, workers int) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	ddb, ses := os.Getenv("DYNAMODB_ENDPOINT"), os.Getenv("SES_ENDPOINT")
	if ddb == "" || ses == "" {
		return errors.New("DYNAMODB_ENDPOINT and SES_ENDPOINT are not set: run through `make bench` (infra/teststack)")
	}
	var t table
	if sections["coldstart"] {
		if err := coldStarts(ctx, &t, root, ddb, ses, runs); err != nil {
			return err
		}
	}
	if sections["calls"] {
		if err := dynamoCalls(ctx, &t, root, ddb); err != nil {
			return err
		}
	}
	// notify before the 10,000-request fill, which slows DynamoDB Local down;
	// its section comes last.
	var nf notifyFigure
	if sections["notify"] {
		progress("notify: a 100-record batch to the SES emulator")
		if nf, err = notifyBatch(ctx, ddb, ses, 100); err != nil {
			return fmt.Errorf("notify: %w", err)
		}
	}
	if sections["pages"] {
		if err := listPages(ctx, &t, ddb, fill, workers); err != nil {
			return err
		}
	}
	if sections["gateway"] {
		if err := gatewaySection(ctx, &t, root); err != nil {
			return err
		}
	}
	if sections["notify"] {
		notifySection(&t, nf)
	}

	machine, err := machineInfo()
	if err != nil {
		return err
	}
	fmt.Println(machine)
	fmt.Println()
	return t.render(os.Stdout)
}

// coldStarts builds every bootstrap and a hello world, and adds their cold
// starts (interleaved runs, medians) and zip sizes to t.
func coldStarts(ctx context.Context, t *table, root, ddb, ses string, runs int) error {
	folders, err := functionFolders(root)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "suapcds-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	pkgs := []string{"./infra/bench/hello"}
	for _, f := range folders {
		pkgs = append(pkgs, "./functions/"+f+"/bootstrap")
	}
	progress("building %d bootstraps (CGO_ENABLED=0 %s)", len(pkgs), strings.Join(lambdapkg.Flags, " "))
	bins, err := lambdapkg.Build(root, dir, pkgs...)
	if err != nil {
		return err
	}
	names := append([]string{"hello"}, folders...)
	zips := map[string]int64{}
	for i, n := range names {
		if zips[n], err = lambdapkg.ZipSize(bins[i]); err != nil {
			return err
		}
	}
	env, err := coldStartEnv(ctx, ddb, ses)
	if err != nil {
		return err
	}
	evs := map[string][]byte{}
	failed := map[string]error{}
	for _, n := range names {
		if evs[n], err = coldStartEvent(root, n); err != nil {
			failed[n] = err // a function still in the making: its zip only
		}
	}
	progress("cold starts: %d runs × %d bootstraps, interleaved", runs, len(names))
	next, resp := map[string][]time.Duration{}, map[string][]time.Duration{}
	for range runs {
		for i, n := range names {
			if failed[n] != nil {
				continue
			}
			cs, err := spawnOnce(ctx, bins[i], env, evs[n])
			if err != nil {
				failed[n] = err
				progress("%s: %v", n, err)
				continue
			}
			next[n] = append(next[n], cs.toNext)
			resp[n] = append(resp[n], cs.toResponse)
		}
	}
	if failed["hello"] != nil {
		return fmt.Errorf("hello world does not start: %w", failed["hello"])
	}
	// The package inits, in runs of their own: inittrace's timing and
	// printing would weigh on the figures above.
	progress("package inits (GODEBUG=inittrace=1): %d runs × %d bootstraps, interleaved", runs, len(names))
	traced := map[string][][]byte{}
	traceEnv := append(slices.Clone(env), "GODEBUG=inittrace=1")
	for range runs {
		for i, n := range names {
			if failed[n] != nil {
				continue
			}
			cs, err := spawnOnce(ctx, bins[i], traceEnv, evs[n])
			if err != nil {
				failed[n] = err
				progress("%s (inittrace): %v", n, err)
				continue
			}
			traced[n] = append(traced[n], cs.output)
		}
	}
	hn, hr := median(next["hello"]), median(resp["hello"])
	t.section(fmt.Sprintf("cold start, median of %d: spawn → first /next (init) · spawn → first response; baseline hello world", runs))
	t.add(row{figure: "hello world (baseline)", value: ms(hn) + " · " + ms(hr)})
	for _, n := range folders {
		if err := failed[n]; err != nil {
			t.add(row{figure: n, value: "failed: " + firstLine(err), target: verdict("init ≤ ×1.3", false)})
			continue
		}
		fn, fr := median(next[n]), median(resp[n])
		t.add(row{figure: n + " (event " + sampleName(root, n) + ")", value: ms(fn) + " · " + ms(fr), baseline: ms(hn) + " · " + ms(hr),
			diff: diffMs(fn, hn) + " · " + diffMs(fr, hr), ratio: ratio(float64(fn), float64(hn)) + " · " + ratio(float64(fr), float64(hr)),
			target: verdict("init ≤ ×1.3", float64(fn) <= 1.3*float64(hn))})
	}
	initsSection(t, folders, traced)
	t.section("zip (bootstrap alone, Deflate, as SAM packages it); baseline hello world")
	t.add(row{figure: "hello world (baseline)", value: mib(zips["hello"])})
	for _, n := range folders {
		t.add(row{figure: n, value: mib(zips[n]), baseline: mib(zips["hello"]),
			diff: fmt.Sprintf("%+.2f MiB", float64(zips[n]-zips["hello"])/(1<<20)), ratio: ratio(float64(zips[n]), float64(zips["hello"])),
			target: verdict("≤ 3.5 MiB", zips[n] <= 3.5*(1<<20))})
	}

	return nil
}

// initsSection adds each function's package inits (GODEBUG=inittrace=1):
// their sum next to hello world's, then the three costliest packages.
func initsSection(t *table, folders []string, traced map[string][][]byte) {
	hello := profileInits(traced["hello"])
	t.section(fmt.Sprintf("package inits (GODEBUG=inittrace=1, median of %d): sum of every package's init, then the 3 costliest; baseline hello world", hello.runs))
	sum := func(p initProfile) string {
		return msAllocs(p.clock, p.allocs) + fmt.Sprintf(" (%d packages)", p.packages)
	}
	tops := func(name string, p initProfile) {
		for i, in := range p.top(3) {
			t.add(row{figure: fmt.Sprintf("%s %d. %s", name, i+1, in.pkg), value: msAllocs(in.clock, in.allocs)})
		}
	}
	t.add(row{figure: "hello world (baseline): all packages", value: sum(hello)})
	tops("hello world", hello)
	for _, n := range folders {
		p := profileInits(traced[n])
		if p.runs == 0 {
			t.add(row{figure: n + ": all packages", value: "no inittrace output"})
			continue
		}
		t.add(row{figure: n + ": all packages", value: sum(p), baseline: msAllocs(hello.clock, hello.allocs),
			diff:  fmt.Sprintf("%+.2f ms · %+d allocs", float64((p.clock-hello.clock).Microseconds())/1000, p.allocs-hello.allocs),
			ratio: ratio(float64(p.clock), float64(hello.clock)) + " · " + ratio(float64(p.allocs), float64(hello.allocs))})
		tops(n, p)
	}
}

// dynamoCalls adds each API operation's DynamoDB calls and capacity to t.
func dynamoCalls(ctx context.Context, t *table, root, ddb string) error {
	progress("DynamoDB calls of every API operation (events/ samples through the handlers)")
	costs, floor, err := operationCosts(ctx, root, ddb)
	if err != nil {
		return fmt.Errorf("operations: %w", err)
	}
	t.section("DynamoDB calls per API operation (events/ sample → httpadapter v2 → handler → DynamoDB Local; capacity units as reported); baseline of a change: the floor")
	floorCU := floor.capacity()
	t.add(row{figure: "floor of a change: read item + head, then one transaction of item + history entry + head + outbox item (≤ 1 KB each, no index)",
		value: fmt.Sprintf("%d: %s", len(floor.calls), floor.summary()), diff: fmt.Sprintf("%.1f CU", floorCU)})
	for _, c := range costs {
		status := strconv.Itoa(c.status)
		if !statusOK(c.status) {
			status += " (!)"
		}
		r := row{figure: c.sample + " → " + status, value: fmt.Sprintf("%d: %s", len(c.calls), c.summary()),
			diff: fmt.Sprintf("%.1f CU", c.capacity()), target: verdict("≤ 2 calls", len(c.calls) <= 2)}
		if c.writes() && len(c.calls) > 1 && floorCU > 0 { // a change read first: the floor's kind
			r.baseline = fmt.Sprintf("%d calls, %.1f CU", len(floor.calls), floorCU)
			r.ratio = ratio(c.capacity(), floorCU)
		}
		t.add(r)
	}

	return nil
}

// listPages adds what one list page reads at 100 and at fill requests.
func listPages(ctx context.Context, t *table, ddb string, fill, workers int) error {
	sizes := []int{100, fill}
	progress("list pages: filling a table to %v requests with %d writers", sizes, workers)
	pages, err := pageCosts(ctx, ddb, sizes, 10, workers)
	if err != nil {
		return fmt.Errorf("list pages: %w", err)
	}
	t.section(fmt.Sprintf("items read by one list page of 10 (DynamoDB Local), %d vs %d requests in the table", sizes[0], sizes[1]))
	for _, p := range pages {
		if p.fill > 0 {
			t.add(row{figure: fmt.Sprintf("filling to %d requests", p.tableSize),
				value: fmt.Sprintf("%.1f s (%d writers, %.0f requests/s)", p.fill.Seconds(), p.fillConcurrency,
					float64(p.tableSize-prevSize(sizes, p.tableSize))/p.fill.Seconds())})
		}
	}
	for _, p := range pages {
		if p.tableSize != sizes[1] {
			continue
		}
		var small listCost
		for _, q := range pages {
			if q.tableSize == sizes[0] && q.list == p.list {
				small = q
			}
		}
		t.add(row{figure: "list " + p.list, value: fmt.Sprintf("%d items, %d query, %.1f CU", p.read, p.queries, p.capacity),
			baseline: fmt.Sprintf("%d items, %d query, %.1f CU", small.read, small.queries, small.capacity),
			diff:     fmt.Sprintf("%+d items", p.read-small.read), ratio: ratio(float64(p.read), float64(small.read)),
			target: verdict("same items at both sizes", p.read == small.read)})
	}

	return nil
}

// gatewaySection adds the local gateway's warm throughput to t.
func gatewaySection(ctx context.Context, t *table, root string) error {
	progress("warm throughput through the local gateway (go test -bench in infra/local)")
	gw, err := gatewayThroughput(ctx, root)
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	t.section("warm throughput through the local gateway (embedded store, loopback); baseline the same gateway, handler answering 200")
	for _, op := range []string{"create", "list"} {
		f, base := gw[op], gw[op+"-200"]
		errs := ""
		if f.Errors+base.Errors > 0 {
			errs = fmt.Sprintf(", %d+%d errors", f.Errors, base.Errors)
		}
		t.add(row{figure: fmt.Sprintf("%s (%d workers, ≤ %d requests or %s)", op, f.Workers, 2000, "3 s"),
			value:    fmt.Sprintf("%.0f req/s (%d in %.1f s%s)", f.PerSec, f.Requests, f.Seconds, errs),
			baseline: fmt.Sprintf("%.0f req/s", base.PerSec), diff: fmt.Sprintf("%+.2f ms/request", 1000/f.PerSec-1000/base.PerSec),
			ratio: ratio(f.PerSec, base.PerSec)})
	}

	return nil
}

// notifySection adds notify's 100-record batch to t.
func notifySection(t *table, nf notifyFigure) {
	t.section("notify: a 100-record batch (DynamoDB Local stream → handler → SES emulator); baseline 100 plain SendEmail, same concurrency")
	t.add(row{figure: fmt.Sprintf("%d records, concurrency %d", nf.records, nf.concurrency),
		value:    fmt.Sprintf("%s (%.1f ms/mail)", ms(nf.batch), float64(nf.batch.Microseconds())/1000/float64(nf.records)),
		baseline: ms(nf.plainSES), diff: diffMs(nf.batch, nf.plainSES), ratio: ratio(float64(nf.batch), float64(nf.plainSES))})

}

func prevSize(sizes []int, n int) int {
	i := slices.Index(sizes, n)
	if i <= 0 {
		return 0
	}
	return sizes[i-1]
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// moduleRoot is the folder of go.mod, from the working directory up.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// functionFolders are the folders functions/<name> with a main.go.
func functionFolders(root string) ([]string, error) {
	mains, err := filepath.Glob(filepath.Join(root, "functions", "*", "bootstrap", "main.go"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range mains {
		out = append(out, filepath.Base(filepath.Dir(filepath.Dir(m))))
	}
	return out, nil
}

// coldStartSamples is the event each function is started with: a cheap,
// typical one (one or two DynamoDB calls); a function not listed gets its
// first events/<name>-*.json.
var coldStartSamples = map[string]string{
	"hello":    "leadtime-schedule",
	"pratiche": "pratiche-get-pratica",
	"bookings": "bookings-get-request",
	"manager":  "manager-list-rooms",
	"notify":   "notify-outbox-insert",
	"leadtime": "leadtime-schedule",
}

func sampleName(root, fn string) string {
	if s, ok := coldStartSamples[fn]; ok {
		return s
	}
	m, _ := filepath.Glob(filepath.Join(root, "events", fn+"-*.json"))
	if len(m) == 0 {
		return ""
	}
	slices.Sort(m)
	return strings.TrimSuffix(filepath.Base(m[0]), ".json")
}

func coldStartEvent(root, fn string) ([]byte, error) {
	s := sampleName(root, fn)
	if s == "" {
		return nil, fmt.Errorf("functions/%s has no events/%s-*.json sample", fn, fn)
	}
	return os.ReadFile(filepath.Join(root, "events", s+".json"))
}

// coldStartEnv is what Lambda and the template give every function here,
// on a fresh DynamoDB Local table holding the samples' office.
func coldStartEnv(ctx context.Context, ddb, ses string) ([]string, error) {
	client := dynamo.NewClient(dynamotest.Config(), ddb)
	table := fmt.Sprintf("suapcds-bench-cold-%d", time.Now().UnixNano())
	if err := dynamo.CreateTable(ctx, client, table); err != nil {
		return nil, err
	}
	// Left for DynamoDB Local's in-memory store to drop when it stops.
	st, err := store.New(dynamo.New(client, table), store.Options{CursorKey: []byte("bench-cursor-key-0123456789")})
	if err != nil {
		return nil, err
	}
	if err := st.PutOffice(ctx, domain.Office{ID: "suap-africo", Name: "Suap Comune Africo", BasinID: "bacino-locride",
		Email: "suap@comune.africo.rc.it"}); err != nil {
		return nil, err
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"TABLE_NAME=" + table,
		"CURSOR_KEY=bench-cursor-key-0123456789",
		"LINK_KEY=" + sampleLinkKey,
		"SERVICE_MAILBOX=videoconferenze@regione.example.it",
		"MAIL_FROM=noreply@suapcds.example.it",
		"PUBLIC_BASE_URL=https://videoconferenze.example.it",
		"LEAD_DAYS=2",
		"BUCKET=suapcds-bench", // recordings (manager links them)
		"AWS_REGION=eu-south-1",
		"AWS_ACCESS_KEY_ID=local",
		"AWS_SECRET_ACCESS_KEY=local",
		"AWS_LAMBDA_FUNCTION_NAME=suapcds-bench",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
	}
	for _, kv := range os.Environ() { // DYNAMODB_ENDPOINT, SES_ENDPOINT and any other of the stack
		if k, _, _ := strings.Cut(kv, "="); strings.HasSuffix(k, "_ENDPOINT") {
			env = append(env, kv)
		}
	}
	return env, nil
}

type gatewayFigure struct {
	Name     string  `json:"name"`
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	Seconds  float64 `json:"seconds"`
	PerSec   float64 `json:"perSec"`
	Workers  int     `json:"workers"`
}

// gatewayThroughput runs infra/local's BenchmarkGatewayThroughput (the
// gateway is that package's own, started in-process there) and reads its
// figures back.
func gatewayThroughput(ctx context.Context, root string) (map[string]gatewayFigure, error) {
	out := filepath.Join(os.TempDir(), fmt.Sprintf("suapcds-bench-gateway-%d.json", time.Now().UnixNano()))
	defer os.Remove(out)
	cmd := exec.CommandContext(ctx, "go", "test", "-count=1", "-run", "^$", "-bench", "^BenchmarkGatewayThroughput$",
		"-benchtime", "1x", "./infra/local")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "SUAPCDS_BENCH_OUT="+out)
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%v\n%s", err, b)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	var figs []gatewayFigure
	if err := json.Unmarshal(raw, &figs); err != nil {
		return nil, err
	}
	m := map[string]gatewayFigure{}
	for _, f := range figs {
		m[f.Name] = f
	}
	return m, nil
}

// machineInfo is the line the README keeps with the table.
func machineInfo() (string, error) {
	gv, err := exec.Command("go", "version").Output()
	if err != nil {
		return "", err
	}
	cpu := "?"
	if raw, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for l := range strings.Lines(string(raw)) {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("Machine: %s · nproc %d · CPU %s · %s", strings.TrimSpace(string(gv)), runtime.NumCPU(), cpu,
		time.Now().UTC().Format("2006-01-02 15:04 UTC")), nil
}
