//go:build unix

package functions_test

// TestLambdaBootstraps is the packaging test: every functions/<name> is
// built as SAM builds it (a static bootstrap, DESIGN.md's flags, for this
// machine's arch), started under the Lambda Runtime Interface Emulator
// (aws-lambda-rie, installed by `make test`), and invoked over RIE's HTTP
// invoke API with its events/ samples, on DynamoDB Local.
//
// New functions and samples are picked up by themselves: every folder with
// a main.go is built, and every events/<name>-*.json is invoked on it. The
// default assertion is that the answer is well formed and not an error (for
// an API sample: an API Gateway v2 response below 500 that matches the
// OpenAPI document). What a sample needs first, what it must answer and in
// which order samples run is declared in rieCases; extra environment a
// function needs, in rieEnv. Nothing here skips: a function without a
// sample, that does not build, that fails its init or answers an error
// fails the test.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	leadtime "suapcds/functions/leadtime"
	notify "suapcds/functions/notify"
	"suapcds/infra/lambdapkg"
	"suapcds/shared/clock"
	"suapcds/shared/domain"
	"suapcds/shared/httpapi/apitest"
	"suapcds/shared/signedlink"
	"suapcds/shared/store"
	"suapcds/shared/store/dynamo"
	"suapcds/shared/store/dynamo/dynamotest"
	"suapcds/shared/testenv"
	"suapcds/shared/workdays"
)

// lambdaBuildFlags are DESIGN.md's flags for provided.al2023, the Makefile's
// LAMBDA_BUILDFLAGS (TestLambdaBootstraps checks they agree), with
// CGO_ENABLED=0.
var lambdaBuildFlags = lambdapkg.Flags

// rieCase declares how one events/ sample is invoked.
type rieCase struct {
	file string
	// status is the HTTP status an API sample must answer; 0 accepts any
	// documented status below 500.
	status int
	// event, when set, adapts the sample before it is sent (e.g. a date
	// the real clock has overtaken).
	event func(t *testing.T, raw []byte) []byte
	// setup, when set, seeds what the sample needs and may return a check
	// of the function's answer (run after the default checks).
	setup func(t *testing.T, s *rieStack) (check func(t *testing.T, answer []byte))
}

// rieCases lists, in order, the samples whose order or outcome matters: an
// office's day, as TestSamplesThroughHandlers replays it (the functions run
// on the real clock here). Samples not listed run after these, by file name,
// with the default checks.
var rieCases = []rieCase{
	{file: "pratiche-put-pratica.json", status: 201},
	{file: "pratiche-get-pratica.json", status: 200},
	{file: "pratiche-cds-check.json", status: 200},
	{file: "pratiche-verifications.json", status: 200},
	{file: "pratiche-history.json", status: 200},
	{file: "pratiche-history-export.json", status: 200},
	{file: "bookings-create-request.json", status: 201, event: bookableStart},
	{file: "bookings-pratica-requests.json", status: 200, setup: placeSampleRequest},
	{file: "bookings-get-request.json", status: 200},
	{file: "bookings-post-message.json", status: 201},
	{file: "bookings-last-day.json", status: 200},
	{file: "bookings-communications.json", status: 200},
	{file: "bookings-list-requests.json", status: 200},
	{file: "leadtime-schedule.json", setup: leadtimeRuns},
	{file: "notify-sweep-schedule.json", setup: notifySweeps},
	// The recording of the samples' request (recordings_rie_test.go).
	{file: "recordings-upload.json", status: 200, setup: recordingExpected},
	{file: "recordings-object-created.json", setup: recordingLands},
	{file: "recordings-download.json", status: 200, setup: recordingDownloaded},
	// A convened body's download link, signed with the sample key, for a
	// session this table does not have: the binary verifies the link (403
	// otherwise) and looks the session up.
	{file: "manager-convocation-download.json", status: 404, event: freshConvocationLink},
	// The console's files (no store, no authorizer).
	{file: "console-index.json", status: 200},
	{file: "console-file.json", status: 200},
}

// rieEnv adds, per function folder, environment variables beyond the ones
// every function gets (TABLE_NAME, CURSOR_KEY, LEAD_DAYS, AWS_REGION and
// credentials, DYNAMODB_ENDPOINT and every other *_ENDPOINT of the test
// stack). A function whose configuration needs more declares it here.
var rieEnv = map[string]map[string]string{
	// The key the page samples' tokens are signed with (events/README.md).
	// BUCKET and MinIO's credentials: the page presigns the upload form.
	"manager":    withRecordingsEnv(map[string]string{"LINK_KEY": "suapcds-events-sample-link-key-0123456789"}),
	"recordings": withRecordingsEnv(nil),
	// BUCKET: pratiche presigns the conferences' files and HEADs them.
	"pratiche": withRecordingsEnv(nil),
	// SES_ENDPOINT (the SES v2 emulator) comes with the *_ENDPOINT variables.
	// BUCKET: it attaches the convocations.
	"notify": withRecordingsEnv(map[string]string{
		"LINK_KEY":        "suapcds-events-sample-link-key-0123456789",
		"SERVICE_MAILBOX": "videoconferenze@regione.example.it",
		"MAIL_FROM":       "noreply@suapcds.example.it",
		"PUBLIC_BASE_URL": "https://videoconferenze.example.it",
	}),
}

// rieCursorKey is the functions' CURSOR_KEY here.
const rieCursorKey = "rie-test-cursor-key-0123456789"

func TestLambdaBootstraps(t *testing.T) {
	rie := testenv.Endpoint(t, "AWS_LAMBDA_RIE")
	ddb := testenv.Endpoint(t, "DYNAMODB_ENDPOINT")
	checkMakefileFlags(t)

	client, table := dynamotest.Table(t)
	st, err := store.New(dynamo.New(client, table), store.Options{CursorKey: []byte(rieCursorKey)})
	if err != nil {
		t.Fatal(err)
	}
	s := &rieStack{rie: rie, store: st, ctx: context.Background(), fns: map[string]*rieFunction{}}
	// The office of the samples.
	if err := st.PutOffice(s.ctx, domain.Office{ID: "suap-africo", Name: "Suap Comune Africo", BasinID: "bacino-locride",
		Email: "suap@comune.africo.rc.it", PEC: "suap.africo@pec.it"}); err != nil {
		t.Fatal(err)
	}
	s.env = []string{
		"PATH=" + os.Getenv("PATH"),
		"TABLE_NAME=" + table,
		"CURSOR_KEY=" + rieCursorKey,
		"LEAD_DAYS=2",
		"AWS_REGION=eu-south-1",
		"AWS_ACCESS_KEY_ID=local",
		"AWS_SECRET_ACCESS_KEY=local",
		"AWS_LAMBDA_FUNCTION_TIMEOUT=30",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		"DYNAMODB_ENDPOINT=" + ddb,
	}
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasSuffix(k, "_ENDPOINT") && k != "DYNAMODB_ENDPOINT" {
			s.env = append(s.env, kv)
		}
	}

	folders := functionFolders(t)
	s.dir, s.folders = t.TempDir(), folders
	buildStart := time.Now()
	buildBootstraps(t, s.dir, folders)
	t.Logf("FIGURE lambda build: %d bootstraps (%s) in %s, CGO_ENABLED=0 %s",
		len(folders), strings.Join(folders, ", "), time.Since(buildStart).Round(10*time.Millisecond), strings.Join(lambdaBuildFlags, " "))
	zips := map[string]int64{}
	for _, f := range folders {
		zips[f] = zipSize(t, filepath.Join(s.dir, f, "bootstrap"))
	}

	plan := rieSamplePlan(t, folders)
	t.Cleanup(func() {
		for _, f := range s.fns {
			f.stop()
		}
	})
	for _, c := range plan {
		t.Run(c.file, func(t *testing.T) { s.run(t, c) })
	}

	for _, f := range folders {
		fn := s.fns[f]
		fi, err := os.Stat(filepath.Join(s.dir, f, "bootstrap"))
		if err != nil {
			t.Fatal(err)
		}
		if fn == nil || len(fn.invokes) == 0 {
			t.Logf("FIGURE lambda %-9s zip %5.2f MiB (bootstrap %5.2f MiB); not invoked", f, rieMiB(zips[f]), rieMiB(fi.Size()))
			continue
		}
		warm := "no second invoke"
		if n := len(fn.invokes) - 1; n > 0 {
			warm = fmt.Sprintf("then median %s over %d", rieMs(rieMedian(fn.invokes[1:])), n)
		}
		t.Logf("FIGURE lambda %-9s zip %5.2f MiB (bootstrap %5.2f MiB); under aws-lambda-rie: first invoke %s (init %s), %s",
			f, rieMiB(zips[f]), rieMiB(fi.Size()), rieMs(fn.invokes[0]), fn.initReport(), warm)
	}
}

// checkMakefileFlags: `make build` and this test build alike.
func checkMakefileFlags(t *testing.T) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(moduleRoot, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^LAMBDA_BUILDFLAGS\s*=\s*(.+)$`).FindSubmatch(raw)
	if m == nil {
		t.Fatal("the Makefile has no LAMBDA_BUILDFLAGS")
	}
	want := "-tags lambda.norpc -trimpath -ldflags='-s -w'"
	if got := strings.TrimSpace(string(m[1])); got != want {
		t.Errorf("Makefile LAMBDA_BUILDFLAGS = %s; this test builds with %s", got, want)
	}
}

// buildBootstraps builds every function with one go build into
// dir/<folder>/bootstrap, for this machine's OS and arch.
func buildBootstraps(t *testing.T, dir string, folders []string) {
	t.Helper()
	var pkgs []string
	for _, f := range folders {
		pkgs = append(pkgs, "./functions/"+f+"/bootstrap")
	}
	if _, err := lambdapkg.Build(moduleRoot, dir, pkgs...); err != nil {
		t.Fatal(err)
	}
}

// zipSize is the size of the deployment package SAM would upload: the
// bootstrap alone in a zip, deflated, executable.
func zipSize(t *testing.T, path string) int64 {
	t.Helper()
	n, err := lambdapkg.ZipSize(path)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// rieSamplePlan orders the samples: rieCases first, then every other
// sample of a function folder by name. A function without a sample fails
// the test; so does a declared case whose file is missing.
func rieSamplePlan(t *testing.T, folders []string) []rieCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(moduleRoot, "events", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	var plan []rieCase
	listed := map[string]bool{}
	for _, c := range rieCases {
		if !slices.Contains(names, c.file) {
			t.Errorf("rieCases names events/%s, which does not exist", c.file)
			continue
		}
		plan = append(plan, c)
		listed[c.file] = true
	}
	for _, n := range names {
		if !listed[n] && sampleFunction(n, folders) != "" {
			plan = append(plan, rieCase{file: n})
		}
	}
	for _, f := range folders {
		if !slices.ContainsFunc(plan, func(c rieCase) bool { return sampleFunction(c.file, folders) == f }) {
			t.Errorf("functions/%s has no events/%s-<what>.json sample", f, f)
		}
	}
	return plan
}

// sampleFunction is the function folder a sample file belongs to, by its
// "<function>-" prefix, or "" (a sample of a function not built yet).
func sampleFunction(file string, folders []string) string {
	for _, f := range folders {
		if strings.HasPrefix(file, f+"-") {
			return f
		}
	}
	return ""
}

// rieStack is the test's emulators, one per function, on one table.
type rieStack struct {
	rie     string // the aws-lambda-rie binary
	dir     string // <folder>/bootstrap for each function
	folders []string
	env     []string
	ctx     context.Context
	store   *store.Repo
	fns     map[string]*rieFunction
}

// rieFunction is one function's bootstrap running under aws-lambda-rie.
type rieFunction struct {
	name    string
	url     string
	cmd     *exec.Cmd
	out     *testenv.Buffer
	exited  chan struct{}
	invokes []time.Duration
}

// tail is the last n lines of the emulator's output, for failures.
func (f *rieFunction) tail(n int) string {
	lines := strings.Split(strings.TrimRight(f.out.String(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "    " + strings.Join(lines, "\n    ")
}

var initReportRE = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)

// initReport is the runtime's init duration as the emulator reports it
// (spawning the bootstrap until it asks for its first event).
func (f *rieFunction) initReport() string {
	if m := initReportRE.FindStringSubmatch(f.out.String()); m != nil {
		if v, err := strconv.ParseFloat(m[1], 64); err == nil {
			return fmt.Sprintf("%.1f ms", v)
		}
	}
	return "?"
}

// function returns folder's emulator, starting it on first use.
func (s *rieStack) function(t *testing.T, folder string) *rieFunction {
	t.Helper()
	if f := s.fns[folder]; f != nil {
		return f
	}
	var lastErr error
	for try := 0; try < 3; try++ { // a free port may be taken before RIE binds it
		f, err := s.start(folder)
		if err == nil {
			s.fns[folder] = f
			return f
		}
		lastErr = err
	}
	t.Fatalf("aws-lambda-rie for %s: %v", folder, lastErr)
	return nil
}

// start runs `aws-lambda-rie ./bootstrap` in the function's folder, its
// invoke API and Runtime API on free ports, and waits until it listens.
func (s *rieStack) start(folder string) (*rieFunction, error) {
	invokePort, err := rieFreePort()
	if err != nil {
		return nil, err
	}
	runtimePort, err := rieFreePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(invokePort)
	cmd := exec.Command(s.rie,
		"--runtime-interface-emulator-address", addr,
		"--runtime-api-address", "127.0.0.1:"+strconv.Itoa(runtimePort),
		"--log-level", "info",
		"./bootstrap")
	cmd.Dir = filepath.Join(s.dir, folder)
	cmd.Env = append(slices.Clone(s.env), "AWS_LAMBDA_FUNCTION_NAME=suapcds-test-"+folder)
	for k, v := range rieEnv[folder] {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	// Its own process group, so the bootstrap it spawns goes with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	f := &rieFunction{name: folder, url: "http://" + addr + "/2015-03-31/functions/function/invocations",
		cmd: cmd, out: &testenv.Buffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = f.out, f.out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = cmd.Wait(); close(f.exited) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		select {
		case <-f.exited:
			return nil, fmt.Errorf("exited before listening on %s:\n%s", addr, f.tail(20))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			f.stop()
			return nil, fmt.Errorf("not listening on %s after 10s:\n%s", addr, f.tail(20))
		}
	}
	return f, nil
}

// stop ends the emulator (which ends its bootstrap), then its whole group.
func (f *rieFunction) stop() {
	pid := f.cmd.Process.Pid
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	select {
	case <-f.exited:
	case <-time.After(3 * time.Second):
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL) // anything left of the group
	<-f.exited
}

func rieFreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// invoke sends payload to folder's function and returns its answer,
// failing the test on anything but a 200 from the emulator.
func (s *rieStack) invoke(t *testing.T, folder string, payload []byte) []byte {
	t.Helper()
	f := s.function(t, folder)
	ctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.url, bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("invoke %s: %v\n%s", folder, err, f.tail(30))
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	elapsed := time.Since(start)
	if err != nil {
		t.Fatalf("invoke %s: %v", folder, err)
	}
	f.invokes = append(f.invokes, elapsed)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("invoke %s: the emulator answered %s %q (init or runtime failure; missing configuration? see rieEnv)\n%s",
			folder, resp.Status, body, f.tail(30))
	}
	var fnErr struct {
		ErrorMessage *string `json:"errorMessage"`
		ErrorType    string  `json:"errorType"`
	}
	if json.Unmarshal(body, &fnErr) == nil && fnErr.ErrorMessage != nil {
		t.Fatalf("invoke %s: the function returned an error %s: %s\n%s", folder, fnErr.ErrorType, *fnErr.ErrorMessage, f.tail(30))
	}
	return body
}

// run invokes one sample on its function and checks the answer.
func (s *rieStack) run(t *testing.T, c rieCase) {
	folder := sampleFunction(c.file, s.folders)
	if folder == "" {
		t.Fatalf("%s belongs to no function folder", c.file)
	}
	raw, err := os.ReadFile(filepath.Join(moduleRoot, "events", c.file))
	if err != nil {
		t.Fatal(err)
	}
	if c.event != nil {
		raw = c.event(t, raw)
	}
	var check func(*testing.T, []byte)
	if c.setup != nil {
		check = c.setup(t, s)
	}
	answer := s.invoke(t, folder, raw)

	var probe map[string]json.RawMessage
	_ = json.Unmarshal(raw, &probe)
	switch {
	case probe["routeKey"] != nil:
		checkAPIAnswer(t, c, raw, answer)
	case probe["Records"] != nil:
		var res events.DynamoDBEventResponse
		if err := json.Unmarshal(answer, &res); err == nil && len(res.BatchItemFailures) > 0 {
			t.Errorf("the function reported failed records: %s", answer)
		}
	}
	if check != nil {
		check(t, answer)
	}
}

// checkAPIAnswer: the answer is an API Gateway v2 response with the
// declared status (else any below 500), and it matches the OpenAPI
// document for the sample's route.
func checkAPIAnswer(t *testing.T, c rieCase, raw, answer []byte) {
	t.Helper()
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	var out events.APIGatewayV2HTTPResponse
	dec := json.NewDecoder(bytes.NewReader(answer))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("not an APIGatewayV2HTTPResponse: %v\n%s", err, answer)
	}
	switch {
	case c.status == 0:
		t.Logf("answered %d (no status declared in rieCases)", out.StatusCode)
		if out.StatusCode >= 500 {
			t.Errorf("status %d: %s", out.StatusCode, out.Body)
		}
	case out.StatusCode != c.status:
		t.Errorf("status %d, want %d: %s", out.StatusCode, c.status, out.Body)
	}
	if strings.HasPrefix(ev.RouteKey, "GET /console") {
		// The console's static files: not in the OpenAPI document, which
		// describes the JSON API; they carry the console's security headers.
		if csp := out.Headers["Content-Security-Policy"]; !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("a console file without its Content-Security-Policy: %q", csp)
		}
		return
	}
	if mt, _, _ := mime.ParseMediaType(out.Headers["Content-Type"]); mt == "text/html" {
		// A page (the manager's signed-link pages): not in the OpenAPI
		// document, which describes the JSON API.
		if !strings.Contains(out.Body, "<html") {
			t.Errorf("a text/html answer without <html>: %.200s", out.Body)
		}
		return
	}
	if _, err := apitest.New(t, nil).CheckEvent(ev, out); err != nil {
		t.Error(err)
	}
}

// --- per-sample setup -----------------------------------------------------------

// bookableStart keeps the booking sample bookable on the real clock: once
// its meeting date is inside the lead time (from March 2027) the meeting
// moves to 10:00 sixty days ahead.
// freshConvocationLink re-signs the sample's convocation link (sample key,
// same session) to expire in an hour: the bootstrap runs on the real clock,
// which will overtake the sample's expiry.
func freshConvocationLink(t *testing.T, raw []byte) []byte {
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	signer, err := signedlink.New([]byte(sampleLinkKey), 0)
	if err != nil {
		t.Fatal(err)
	}
	pp := ev.PathParameters
	tok := signer.SignUntil(signedlink.Convocation, signedlink.ConvocationSubject(pp["praticaId"], pp["conferenceId"], pp["sessionId"]),
		time.Now().Add(time.Hour))
	ev.QueryStringParameters["t"], ev.RawQueryString = tok, "t="+tok
	out, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func bookableStart(t *testing.T, raw []byte) []byte {
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(ev["body"].(string)), &body); err != nil {
		t.Fatal(err)
	}
	start, err := time.Parse(time.RFC3339, body["start"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := workdays.National().CanRequest(time.Now(), start, workdays.DefaultLeadDays); ok {
		return raw
	}
	d := time.Now().In(clock.Rome).AddDate(0, 0, 60)
	body["start"] = time.Date(d.Year(), d.Month(), d.Day(), 10, 0, 0, 0, clock.Rome).Format(time.RFC3339)
	t.Logf("the sample's meeting %s is no longer bookable: booking %s", start, body["start"])
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	ev["body"] = string(b)
	if raw, err = json.Marshal(ev); err != nil {
		t.Fatal(err)
	}
	return raw
}

// placeSampleRequest makes the request the later samples name: the one
// just booked through the bookings sample is declined (as the service
// would), and a copy with the samples' fixed id becomes the live request.
func placeSampleRequest(t *testing.T, s *rieStack) func(*testing.T, []byte) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(moduleRoot, "events", "bookings-get-request.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	fixedID, praticaID := ev.PathParameters["requestId"], "pratica-456"
	reqs, err := s.store.PraticaRequests(s.ctx, praticaID, 5)
	if err != nil || len(reqs) != 1 {
		t.Fatalf("requests of %s: %v %v", praticaID, reqs, err)
	}
	booked := reqs[0]
	fixed := booked
	now := time.Now()
	booked.StateReason = "Sala non disponibile"
	if err := booked.Apply(domain.Decline, now); err != nil {
		t.Fatal(err)
	}
	if err := s.store.UpdateRequest(s.ctx, &booked, nil); err != nil {
		t.Fatal(err)
	}
	fixed.ID, fixed.State, fixed.Version, fixed.MessageCount = fixedID, domain.StateOpen, 0, 0
	fixed.CreatedAt, fixed.UpdatedAt = now, now
	who := domain.Principal{UserID: fixed.CreatedBy, Name: fixed.CreatedByName, Role: fixed.CreatedByRole, OfficeID: fixed.OfficeID}
	if err := s.store.CreateRequest(s.ctx, &fixed, domain.NewHistory(praticaID, who, domain.OpRequestCreated, "", now)); err != nil {
		t.Fatal(err)
	}
	return nil
}

// leadtimeRuns seeds one request per case of the validator (an expired
// one, one inside the lead time, a recording overdue), checks the run did
// each, then invokes again: the second run must change nothing.
func leadtimeRuns(t *testing.T, s *rieStack) func(*testing.T, []byte) {
	t.Helper()
	now := time.Now()
	seed := func(id string, st domain.State, start time.Time, recording bool) *domain.Request {
		p := &domain.Pratica{ID: id, Number: id, OfficeID: "suap-africo", BasinID: "bacino-locride", ProcedureType: domain.ProcOrdinario}
		if err := s.store.SavePratica(s.ctx, p); err != nil {
			t.Fatal(err)
		}
		created := now.AddDate(0, 0, -40)
		r := &domain.Request{PraticaID: id, PraticaNumber: id, OfficeID: "suap-africo", OfficeName: "Suap Comune Africo",
			BasinID: "bacino-locride", CreatedBy: "u-rossi", CreatedByName: "Maria Rossi", CreatedByRole: domain.RoleSuapOperator,
			CreatedAt: created, UpdatedAt: created, Start: start, DurationMinutes: 60, Email: "suap@comune.africo.rc.it",
			Subject: "Conferenza " + id, Recording: recording, RecordingConsent: recording, State: st}
		if st == domain.StateProcessing {
			r.Meeting = &domain.Meeting{RoomID: "sala-1", Code: "1", Password: "p", Link: "https://meet.example.it/x"}
		}
		if err := s.store.CreateRequest(s.ctx, r, domain.NewHistory(id, suapAfrico, domain.OpRequestCreated, "", created)); err != nil {
			t.Fatal(err)
		}
		return r
	}
	expired := seed("pratica-rie-scaduta", domain.StateOpen, now.Add(-time.Hour), false)
	soon := seed("pratica-rie-imminente", domain.StateOpen, now.Add(2*time.Hour), false)
	overdue := seed("pratica-rie-registrazione", domain.StateProcessing, now.AddDate(0, 0, -30), true)

	decode := func(t *testing.T, answer []byte) leadtime.Result {
		t.Helper()
		var res leadtime.Result
		dec := json.NewDecoder(bytes.NewReader(answer))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&res); err != nil {
			t.Fatalf("not a leadtime Result: %v\n%s", err, answer)
		}
		return res
	}
	return func(t *testing.T, answer []byte) {
		res := decode(t, answer)
		if res.Expired < 1 || res.RemindedUnanswered < 1 || res.RemindedRecording < 1 || res.Failed != 0 || res.Read < 3 {
			t.Errorf("first run %+v: want at least one of each case, no failure", res)
		}
		if got, err := s.store.GetRequest(s.ctx, expired.ID); err != nil || got.State != domain.StateUnavailable || got.StateReason != domain.ReasonExpired {
			t.Errorf("expired request: %+v %v", got, err)
		}
		for _, c := range []struct {
			r    *domain.Request
			kind domain.EventKind
		}{{soon, domain.EventReminderUnanswered}, {overdue, domain.EventReminderRecording}} {
			if _, err := s.store.GetOutbox(s.ctx, store.OutboxID(domain.OutboxEvent{Kind: c.kind, SubjectID: c.r.ID, Seq: 1})); err != nil {
				t.Errorf("%s: %s outbox item: %v", c.r.PraticaID, c.kind, err)
			}
		}
		if !strings.Contains(s.fns["leadtime"].out.String(), `"msg":"leadtime run"`) {
			t.Error(`no "leadtime run" JSON log line in the function's output`)
		}
		again := decode(t, s.invoke(t, "leadtime", rieRead(t, filepath.Join(moduleRoot, "events", "leadtime-schedule.json"))))
		if again.Changed() != 0 || again.Failed != 0 || again.AlreadyDone < 2 {
			t.Errorf("second run %+v: want nothing changed, the reminders found done", again)
		}
	}
}

// notifySweeps: a booking whose outbox item the stream never delivered
// (here no stream runs at all) is mailed by the built notify's sweep, on
// the schedule's event; the second run finds nothing due.
func notifySweeps(t *testing.T, s *rieStack) func(*testing.T, []byte) {
	t.Helper()
	at := time.Now().Add(-10 * time.Minute)
	p := &domain.Pratica{ID: "pratica-rie-sweep", Number: "RIE/SWEEP", OfficeID: "suap-africo", ProcedureType: domain.ProcOrdinario}
	if err := s.store.SavePratica(s.ctx, p); err != nil {
		t.Fatal(err)
	}
	r := &domain.Request{PraticaID: p.ID, PraticaNumber: p.Number, OfficeID: "suap-africo", OfficeName: "Suap Comune Africo",
		CreatedBy: "u-rossi", CreatedByName: "Maria Rossi", CreatedByRole: domain.RoleSuapOperator,
		CreatedAt: at, UpdatedAt: at, Start: at.AddDate(0, 0, 20), DurationMinutes: 60, Email: "suap@comune.africo.rc.it",
		Subject: "Conferenza mai notificata", State: domain.StateOpen}
	ev := domain.OutboxEvent{Kind: domain.EventRequestCreated, Seq: 1, At: at}
	if err := s.store.CreateRequest(s.ctx, r, domain.NewHistory(p.ID, suapAfrico, domain.OpRequestCreated, "", at), ev); err != nil {
		t.Fatal(err)
	}
	id := store.OutboxID(domain.OutboxEvent{Kind: domain.EventRequestCreated, SubjectID: r.ID, Seq: 1})
	return func(t *testing.T, answer []byte) {
		var res notify.SweepResult
		if err := json.Unmarshal(answer, &res); err != nil {
			t.Fatalf("not a SweepResult: %v\n%s", err, answer)
		}
		if res.Due < 1 || res.Sent < 1 || res.OldestDueSeconds < 8*60 {
			t.Errorf("sweep %+v: want the 10-minute-old item sent", res)
		}
		if d, err := s.store.GetOutboxDelivery(s.ctx, id); err != nil || d.Status != store.OutboxStatusSent {
			t.Errorf("the swept item: %+v %v", d, err)
		}
		if !strings.Contains(s.fns["notify"].out.String(), `"msg":"notify sweep"`) {
			t.Error(`no "notify sweep" JSON log line in the function's output`)
		}
	}
}

func rieRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func rieMiB(n int64) float64 { return float64(n) / (1 << 20) }

func rieMs(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func rieMedian(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
