package main

// The crash test: the local run, as its own process, is killed with SIGKILL
// at a random point of a burst of changes (each one an outbox item that
// notify mails), restarted on the same data folder, and in the end the whole
// outbox is counted against the .eml files. Nothing may be lost; a mail may
// go out twice only when the kill fell between the mail being written and
// its item being marked SENT.
//
// In make test it runs one round of 120 events or more; `make soak` runs it
// longer (SUAPCDS_CRASH_ROUNDS, SUAPCDS_CRASH_PRATICHE) and prints the
// figures.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"suapcds/shared/mail"
	"suapcds/shared/store"
	"suapcds/shared/store/embedded"
)

// childEnv makes the test binary run the local run's main with the
// arguments it holds (separated by \x1f): the process the test kills.
const childEnv = "SUAPCDS_LOCAL_CHILD"

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(childEnv); ok {
		os.Args = append([]string{os.Args[0]}, strings.Split(args, "\x1f")...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// child is one local run in its own process.
type child struct {
	cmd    *exec.Cmd
	base   string
	done   chan struct{}
	once   sync.Once
	killed time.Time
}

var (
	baseRe      = regexp.MustCompile(`API\s+(http://127\.0\.0\.1:\d+)`)
	messageIDRe = regexp.MustCompile(`(?m)^Message-ID:\s*<([^@>]+)@`)
)

// startChild starts the local run on dir and waits for its start-up block.
func startChild(t *testing.T, dir string, extra ...string) *child {
	t.Helper()
	args := append([]string{"-addr", "127.0.0.1:0", "-data", dir}, extra...)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	// The embedded store and the .eml folder, whatever the test stack
	// exports: the test counts the outbox in the store's file.
	for _, kv := range os.Environ() {
		switch name, _, _ := strings.Cut(kv, "="); name {
		case "DYNAMODB_ENDPOINT", "TABLE_NAME", "SES_ENDPOINT", "SUAPCDS_DATA", "SUAPCDS_ADDR", "SUAPCDS_DB":
		default:
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, childEnv+"="+strings.Join(args, "\x1f"))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logf, err := os.OpenFile(filepath.Join(dir, "..", "child.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd.Stderr = logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, done: make(chan struct{})}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := baseRe.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() { _ = cmd.Wait(); close(c.done) }()
	t.Cleanup(func() { c.kill() })
	select {
	case c.base = <-found:
	case <-c.done:
		t.Fatalf("the local run exited at start (log: %s)", filepath.Join(dir, "..", "child.log"))
	case <-time.After(60 * time.Second):
		t.Fatal("the local run did not start in 60 s")
	}
	return c
}

// kill is SIGKILL: no shutdown, no deferred write.
func (c *child) kill() {
	c.once.Do(func() {
		c.killed = time.Now()
		_ = c.cmd.Process.Signal(syscall.SIGKILL)
	})
	<-c.done
}

// stop is Ctrl-C: a clean shutdown.
func (c *child) stop(t *testing.T) {
	t.Helper()
	c.once.Do(func() { _ = c.cmd.Process.Signal(os.Interrupt) })
	select {
	case <-c.done:
	case <-time.After(20 * time.Second):
		t.Error("the local run did not stop in 20 s")
		c.kill()
	}
}

// crashClient gives up quickly: calls in flight when the process dies fail.
var crashClient = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

// try sends one call and reports its status (0: no answer, the process died).
func (c *child) try(method, path, token string, body any) (int, []byte) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return 0, nil
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := crashClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

func (c *child) token(t *testing.T, role string) string {
	t.Helper()
	res, err := crashClient.Get(c.base + "/_local/token?role=" + role)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("token %s: %d", role, res.StatusCode)
	}
	return string(b)
}

// burst makes, for each of n new pratiche, a booking, a message from the
// office, the service's "take" and its reply: four outbox items each, 8
// pratiche at once. When killAt > 0 the process is killed as the killAt-th
// call is answered. It stops at the first call the dead process does not
// answer and returns how many calls were answered 2xx.
func burst(c *child, prefix string, n int, op, mgr string, killAt int) int {
	start := meetingStart()
	var ok sync.WaitGroup
	var mu sync.Mutex
	answered := 0
	jobs := make(chan int)
	for range 8 {
		ok.Go(func() {
			for i := range jobs {
				id := fmt.Sprintf("%s-%03d", prefix, i)
				steps := []func() (int, []byte){
					func() (int, []byte) {
						return c.try("PUT", "/pratiche/"+id, op, map[string]any{"number": "CRASH/" + id, "officeId": "suap-africo",
							"procedureType": "ordinario", "bodies": []map[string]string{{"bodyId": "comune-africo", "officeId": "ufficio-tecnico", "name": "Comune di Africo - Ufficio tecnico"}}})
					},
				}
				var reqID string
				steps = append(steps,
					func() (int, []byte) {
						st, b := c.try("POST", "/pratiche/"+id+"/booking-requests", op, map[string]any{"start": start, "durationMinutes": 60,
							"subject": "Prova di resistenza " + id, "recording": false})
						var r struct {
							ID string `json:"id"`
						}
						_ = json.Unmarshal(b, &r)
						reqID = r.ID
						return st, b
					},
					func() (int, []byte) {
						return c.try("POST", "/booking-requests/"+reqID+"/messages", op, map[string]any{"subject": "Orario", "body": "È possibile anticipare?"})
					},
					func() (int, []byte) { return c.try("POST", "/booking-requests/"+reqID+"/take", mgr, nil) },
					func() (int, []byte) {
						return c.try("POST", "/booking-requests/"+reqID+"/messages", mgr, map[string]any{"subject": "Re: Orario", "body": "Sì, alle 9:30."})
					},
				)
				for _, step := range steps {
					st, _ := step()
					if st == 0 {
						break // the process is gone
					}
					if st/100 == 2 {
						mu.Lock()
						answered++
						if answered == killAt {
							go c.kill()
						}
						mu.Unlock()
					}
				}
			}
		})
	}
	for i := range n {
		select {
		case <-c.done:
		case jobs <- i:
			continue
		}
		break
	}
	close(jobs)
	ok.Wait()
	return answered
}

// outboxCount is what the data folder holds once everything settled.
type outboxCount struct {
	items, sent, skipped, unsent int
	// mails counts the .eml files of each outbox item (by Message-ID);
	// mailed holds when each was written (from the file name).
	mails      map[string]int
	mailed     map[string][]time.Time
	lost       []string // SENT without a mail, or never delivered
	duplicates []string // more than one mail
	attempts   map[string]int
}

func countOutbox(t *testing.T, dir string) outboxCount {
	t.Helper()
	oc := outboxCount{mails: map[string]int{}, mailed: map[string][]time.Time{}, attempts: map[string]int{}}
	emls, err := filepath.Glob(filepath.Join(dir, "outbox", "*"+mail.EMLExt))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range emls {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := messageIDRe.FindSubmatch(raw)
		if m == nil {
			t.Fatalf("%s: no Message-ID", f)
		}
		oc.mails[string(m[1])]++
		at, err := time.Parse("20060102T150405.000000000Z", strings.SplitN(filepath.Base(f), "-", 2)[0])
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		oc.mailed[string(m[1])] = append(oc.mailed[string(m[1])], at)
	}
	b, err := embedded.Open(filepath.Join(dir, dbFile), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var ids []string
	err = b.Walk(func(it store.Item) error {
		if ty, ok := it[store.AttrType].(*types.AttributeValueMemberS); ok && ty.Value == store.TypeOutbox {
			ob, err := store.OutboxFrom(it)
			if err != nil {
				return err
			}
			ids = append(ids, ob.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	repo, err := store.New(b, store.Options{CursorKey: []byte("crash-test-cursor-key")})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		d, err := repo.GetOutboxDelivery(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		oc.items++
		oc.attempts[id] = d.Attempts
		switch d.Status {
		case store.OutboxStatusSent:
			oc.sent++
			if oc.mails[id] == 0 {
				oc.lost = append(oc.lost, id+" (SENT, no mail)")
			}
		case store.OutboxStatusSkipped:
			oc.skipped++
		default:
			oc.unsent++
			oc.lost = append(oc.lost, id+" ("+d.Status+")")
		}
		if oc.mails[id] > 1 {
			oc.duplicates = append(oc.duplicates, id)
		}
	}
	return oc
}

// waitDrained polls /_local/outbox until nothing is left unsent.
func (c *child) waitDrained(t *testing.T, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		res, err := crashClient.Get(c.base + "/_local/outbox")
		if err == nil {
			var st outboxStatus
			err = json.NewDecoder(res.Body).Decode(&st)
			res.Body.Close()
			if err == nil && st.Unsent == 0 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox not drained in %s", within)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// windowFigure reads notify's windowUs from the children's JSON logs: the
// time between the mail being accepted and its item marked SENT, the only
// span in which a crash mails twice.
func windowFigure(t *testing.T, logPath string) string {
	t.Helper()
	raw, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	var us []int64
	for line := range strings.Lines(string(raw)) {
		var l struct {
			Msg      string `json:"msg"`
			WindowUs *int64 `json:"windowUs"`
		}
		if json.Unmarshal([]byte(line), &l) == nil && l.WindowUs != nil {
			us = append(us, *l.WindowUs)
		}
	}
	if len(us) == 0 {
		return "no mail logged"
	}
	slices.Sort(us)
	q := func(p float64) time.Duration { return time.Duration(us[int(p*float64(len(us)-1))]) * time.Microsecond }
	return fmt.Sprintf("median %s, p99 %s, max %s over %d mails", q(0.5), q(0.99), q(1), len(us))
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// TestCrashLosesNoMail kills the local run with SIGKILL at a random point
// of a burst of 150 calls (120 outbox items), restarts it on the same data
// folder, makes a second burst, and counts: every outbox item SENT (or
// SKIPPED) with its mail, none lost, and a duplicate only for an item that
// a killed process had claimed (attempts > 1), at most one per delivery in
// flight at a kill (notify's concurrency, 4).
func TestCrashLosesNoMail(t *testing.T) {
	rounds := envInt("SUAPCDS_CRASH_ROUNDS", 1)
	pratiche := envInt("SUAPCDS_CRASH_PRATICHE", 30)
	root := t.TempDir()
	dir := filepath.Join(root, "data")
	// A short lease and grace, so the sweep takes up a dead claim within
	// seconds; every schedule each second.
	flags := []string{"-claim-lease", "2s", "-sweep-grace", "300ms", "-schedule-every", "1s", "-log-json"}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 14))
	calls := 0
	var kills []time.Time
	began := time.Now()
	for round := range rounds {
		c := startChild(t, dir, flags...)
		op, mgr := c.token(t, "africo"), c.token(t, "manager")
		// 5 calls a pratica; the kill falls anywhere from the 20th call to
		// 20 before the end.
		killAt := 20 + rng.IntN(5*pratiche-40)
		calls += burst(c, fmt.Sprintf("CRASH-%d", round), pratiche, op, mgr, killAt)
		c.kill()
		kills = append(kills, c.killed)
		t.Logf("round %d: killed at call %d of %d", round+1, killAt, 5*pratiche)
	}
	c := startChild(t, dir, flags...)
	op, mgr := c.token(t, "africo"), c.token(t, "manager")
	calls += burst(c, "AFTER", pratiche, op, mgr, 0)
	c.waitDrained(t, 90*time.Second)
	settled := time.Since(began)
	c.stop(t)

	oc := countOutbox(t, dir)
	total := 0
	for _, n := range oc.mails {
		total += n
	}
	t.Logf("FIGURE crash: %d rounds killed with SIGKILL mid-burst, %d API calls answered, %d outbox items: %d sent, %d skipped, %d unsent; %d mails, %d lost, %d duplicated; settled in %s",
		rounds, calls, oc.items, oc.sent, oc.skipped, oc.unsent, total, len(oc.lost), len(oc.duplicates), settled.Round(100*time.Millisecond))
	if oc.items < 100 {
		t.Errorf("only %d outbox items: the burst is too small to say anything", oc.items)
	}
	if len(oc.lost) > 0 {
		t.Errorf("%d outbox items lost: %v", len(oc.lost), oc.lost)
	}
	// A duplicate must be a delivery a killed process had under way: its
	// first mail written before a kill, its second after it, in a second
	// attempt.
	for _, id := range oc.duplicates {
		at := oc.mailed[id]
		slices.SortFunc(at, time.Time.Compare)
		straddles := false
		for _, k := range kills {
			straddles = straddles || (!at[0].After(k) && at[1].After(k))
		}
		if oc.attempts[id] < 2 || len(at) > 2 || !straddles {
			t.Errorf("%s mailed at %v in %d attempts (kills at %v): not the crash window", id, at, oc.attempts[id], kills)
		}
	}
	// In flight at a kill: the feed's deliveries and the sweep's, 4 each.
	if most := 8 * rounds; len(oc.duplicates) > most {
		t.Errorf("%d duplicates, want at most %d (notify's deliveries in flight per kill)", len(oc.duplicates), most)
	}
	t.Logf("FIGURE crash window (mail accepted → item marked SENT): %s", windowFigure(t, filepath.Join(root, "child.log")))
	for id, n := range oc.mails {
		if _, known := oc.attempts[id]; !known && n > 0 {
			t.Errorf("mail %s has no outbox item", id)
		}
	}
}
