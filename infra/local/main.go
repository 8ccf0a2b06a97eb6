// Command local runs the whole system on this machine, with no AWS, Java or
// Node: `go run ./infra/local`.
//
// It is the HTTP API (routes read from template.yaml, JWTs checked as the
// HTTP API's JWT authorizer does, with a local signing key) in front of the
// same Lambda entry points the functions' mains start, fed real API Gateway
// v2 events; the embedded store in a file of the data folder; its change
// feed played to the stream functions as DynamoDB stream events, with the
// template's filter; the schedules on tickers; mail into .eml files listed
// on a local page. At first start it seeds demo offices, a basin and
// pratiche; at every start it prints a sign-in link and a curl example per
// role. Ctrl-C stops it cleanly and a restart finds the same data.
//
// Flags (each with an environment variable) point the store at DynamoDB
// Local or AWS instead; `go run ./infra/local -h` lists them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"suapcds/shared/app"
	"suapcds/shared/clock"
	"suapcds/shared/mail"
	"suapcds/shared/recording"
	"suapcds/shared/s3get"
	"suapcds/shared/signedlink"
	"suapcds/shared/store"
	"suapcds/shared/workdays"
)

// cfg is the runner's configuration, from flags and the environment.
type cfg struct {
	Addr           string
	DataDir        string
	DBPath         string
	Template       string
	DynamoEndpoint string
	Table          string
	SESEndpoint    string
	ServiceMailbox string
	MailFrom       string
	Issuer         string
	Audience       string
	TokenTTL       time.Duration
	Every          time.Duration // 0: each schedule's own rate
	ClaimLease     time.Duration // notify's claim lease; 0: its default
	SweepGrace     time.Duration // notify's sweep grace; 0: its default
	LeadDays       int
	Seed           bool
	LogJSON        bool

	// functions replaces the registry (tests); nil means registry.
	functions map[string]wiring
	// clock replaces the system clock of the functions (tests: a meeting
	// that has started, for its recording); nil means clock.System.
	clock clock.Clock
}

// parseFlags reads the configuration: a flag wins over its environment
// variable, which wins over the default.
func parseFlags(args []string, getenv func(string) string, output io.Writer) (*cfg, error) {
	c := &cfg{}
	fs := flag.NewFlagSet("local", flag.ContinueOnError)
	fs.SetOutput(output)
	str := func(p *string, name, env, def, usage string) {
		if v := getenv(env); v != "" {
			def = v
		}
		fs.StringVar(p, name, def, usage+" (env "+env+")")
	}
	str(&c.Addr, "addr", "SUAPCDS_ADDR", "127.0.0.1:8080", "listen address; port 0 picks a free one")
	str(&c.DataDir, "data", "SUAPCDS_DATA", ".local", "data folder: store file, signing key, feed position, outbox mail")
	str(&c.DBPath, "db", "SUAPCDS_DB", "", "embedded store file (default <data>/"+dbFile+")")
	str(&c.Template, "template", "SUAPCDS_TEMPLATE", "template.yaml", "SAM template, looked for in this folder and its parents")
	str(&c.DynamoEndpoint, "dynamodb-endpoint", "DYNAMODB_ENDPOINT", "", "use DynamoDB at this endpoint (DynamoDB Local; the table is created if missing)")
	str(&c.Table, "table", "TABLE_NAME", "", "use this DynamoDB table (alone: on AWS, credentials from AWS_* variables)")
	str(&c.SESEndpoint, "ses-endpoint", "SES_ENDPOINT", "", "send mail through SES v2 at this endpoint (the SES emulator) instead of .eml files")
	str(&c.ServiceMailbox, "service-mailbox", "SERVICE_MAILBOX", "videoconferenze@regione.calabria.it", "the regional service's mailbox (notify)")
	str(&c.MailFrom, "mail-from", "MAIL_FROM", "noreply@suapcds.local", "sender of every mail (notify)")
	str(&c.Issuer, "jwt-issuer", "SUAPCDS_JWT_ISSUER", "https://auth.suapcds.local", "issuer of the local tokens (the template's JwtIssuer)")
	str(&c.Audience, "jwt-audience", "SUAPCDS_JWT_AUDIENCE", "suapcds-local", "accepted audiences, comma separated (the template's JwtAudience)")
	lead := strconv.Itoa(workdays.DefaultLeadDays)
	if v := getenv("LEAD_DAYS"); v != "" {
		lead = v
	}
	fs.Func("lead-days", "booking lead time in working days (env LEAD_DAYS) (default "+lead+")", func(s string) error {
		lead = s
		return nil
	})
	fs.DurationVar(&c.TokenTTL, "token-ttl", 12*time.Hour, "lifetime of the printed tokens")
	fs.DurationVar(&c.Every, "schedule-every", 0, "run every schedule at this period instead of the template's rate")
	fs.DurationVar(&c.ClaimLease, "claim-lease", 0, "notify's claim lease, after which the sweep retakes an item a dead delivery held (default 5m)")
	fs.DurationVar(&c.SweepGrace, "sweep-grace", 0, "how long notify's sweep leaves an unsent item to the change feed (default 1m)")
	fs.BoolVar(&c.Seed, "seed", true, "add the demo offices and pratiche that are missing")
	fs.BoolVar(&c.LogJSON, "log-json", false, "log JSON lines (as on Lambda) instead of text")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: go run ./infra/local [flags]\n\nRuns the API, the store, the change feed and the schedules on this machine.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	n, err := strconv.Atoi(lead)
	if err != nil || n < 1 || n > 30 {
		return nil, fmt.Errorf("lead days %q: want 1 to 30", lead)
	}
	c.LeadDays = n
	if c.DBPath == "" {
		c.DBPath = filepath.Join(c.DataDir, dbFile)
	}
	if c.TokenTTL <= 0 {
		return nil, errors.New("-token-ttl must be positive")
	}
	if c.Every < 0 || c.ClaimLease < 0 || c.SweepGrace < 0 {
		return nil, errors.New("-schedule-every, -claim-lease and -sweep-grace must not be negative")
	}
	return c, nil
}

func main() {
	c, err := parseFlags(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "local:", err)
		os.Exit(2)
	}
	var h slog.Handler = slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})
	if c.LogJSON {
		h = slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})
	}
	logger := slog.New(h)
	slog.SetDefault(logger)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r, err := start(ctx, c, os.Stdout, logger)
	if err != nil {
		fmt.Fprintln(os.Stderr, "local:", err)
		os.Exit(1)
	}
	select {
	case <-ctx.Done():
	case err = <-r.serveErr:
		logger.Error("server stopped", "error", err.Error())
	}
	stop() // a second Ctrl-C kills at once
	fmt.Fprintln(os.Stdout, "\nstopping…")
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.Shutdown(shutCtx); err != nil {
		fmt.Fprintln(os.Stderr, "local: shutdown:", err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stdout, "stopped; data kept in", c.DataDir)
}

// runner is a started local run.
type runner struct {
	BaseURL  string
	Users    []signIn
	Template *samTemplate
	MailDir  string
	Seeded   int // demo items added at this start

	auth     *authority
	srv      *http.Server
	store    *openedStore
	objects  *localS3
	cancel   context.CancelFunc // stops the feed and the scheduler
	bg       sync.WaitGroup
	serveErr chan error
	closed   sync.Once
}

// start starts everything and prints the start-up block to out. The run
// ends with Shutdown (ctx only bounds the start).
func start(ctx context.Context, c *cfg, out io.Writer, logger *slog.Logger) (_ *runner, err error) {
	began := time.Now()
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	tplPath, err := findTemplate(wd, c.Template)
	if err != nil {
		return nil, err
	}
	tpl, err := loadTemplate(tplPath)
	if err != nil {
		return nil, err
	}
	mailDir := filepath.Join(c.DataDir, outboxDir)
	if err := os.MkdirAll(mailDir, 0o700); err != nil {
		return nil, err
	}

	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("%s is already in use (another local run?): stop it, or pass -addr with another port (-addr 127.0.0.1:0 picks a free one)", c.Addr)
		}
		return nil, err
	}
	defer func() {
		if err != nil {
			ln.Close()
		}
	}()
	base := baseURL(ln.Addr().(*net.TCPAddr))
	if ip := ln.Addr().(*net.TCPAddr).IP; !ip.IsLoopback() {
		// /_local/ hands out every role's token to whoever can reach it.
		logger.Warn("listening beyond this machine: anyone who reaches " + c.Addr + " can sign in as any demo user")
	}

	auth, cursorKey, links, err := loadKeys(c)
	if err != nil {
		return nil, err
	}
	st, err := openStore(ctx, c, cursorKey)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			st.close()
		}
	}()
	// On DynamoDB the change feed is the table's stream, read as Lambda
	// reads it; the consumers keep their positions in its own folder.
	feedDir, feedOff := c.DataDir, ""
	var stream *streamFeed
	if st.feed == nil {
		sf, ferr := openStreamFeed(ctx, c, logger.With("component", "stream"))
		if ferr != nil {
			feedOff = ferr.Error()
			logger.Warn("change feed off: nothing is mailed locally", "error", feedOff)
		} else {
			stream, st.feed, feedDir = sf, sf, sf.dir
		}
	}
	var clk clock.Clock = clock.System{}
	if c.clock != nil {
		clk = c.clock
	}
	// The demo data go through the use cases, as an operator's requests would.
	svc, err := app.New(app.Deps{Store: st.repo, Clock: clk, Logger: logger, LeadDays: c.LeadDays})
	if err != nil {
		return nil, err
	}
	seeded := 0
	if c.Seed {
		if seeded, err = seed(ctx, st.repo, svc); err != nil {
			return nil, fmt.Errorf("demo data: %w", err)
		}
	}

	var sender mail.Sender
	mailWhere := mailDir + "/*.eml  →  " + base + "/_local/mail"
	if c.SESEndpoint != "" {
		sender = mail.NewSES(mail.NewSESClient(localAWS(), c.SESEndpoint))
		mailWhere = "SES v2 at " + c.SESEndpoint
	} else if sender, err = mail.NewDir(mailDir, clk); err != nil {
		return nil, err
	}
	if stream != nil {
		mailWhere += "  (stream of the table)"
	}
	objects, err := openS3(c.DataDir, logger.With("component", "s3"))
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			objects.close()
		}
	}()
	files, err := recording.New(localAWS(), base+s3Path, localBucket)
	if err != nil {
		return nil, err
	}
	// notify reads the same bucket as on Lambda: by signed GETs (s3get).
	attachments, err := s3get.New(localAWS(), base+s3Path, localBucket)
	if err != nil {
		return nil, err
	}
	base0 := env{Store: st.repo, Clock: clk, Links: links, LeadDays: c.LeadDays, ClaimLease: c.ClaimLease, SweepGrace: c.SweepGrace, Mail: sender, MailDir: mailDir,
		ServiceMailbox: c.ServiceMailbox, MailFrom: c.MailFrom, BaseURL: base, Files: files, Attachments: attachments, Bucket: localBucket}

	reg := c.functions
	if reg == nil {
		reg = registry
	}
	w, err := wireFunctions(tpl, reg, base0, c.Every, feedDir, st.feed != nil, objects, logger)
	if err != nil {
		return nil, err
	}
	handlers, consumers, jobs, notWired := w.handlers, w.consumers, w.jobs, w.notWired

	users, err := mintTokens(auth, c.TokenTTL, base)
	if err != nil {
		return nil, err
	}
	var routes []routeInfo
	for _, rt := range tpl.Routes() {
		_, wired := handlers[rt.Function]
		routes = append(routes, routeInfo{Key: rt.Key(), Function: rt.Function, Wired: wired})
	}
	pages := &site{baseURL: base, dataDir: c.DataDir, mailDir: mailDir, where: st.where, users: users, routes: routes, logger: logger,
		unsent: func(ctx context.Context) ([]store.OutboxItem, error) {
			// Everything not yet mailed, due or not: the far future bounds it.
			return st.repo.DueOutbox(ctx, time.Now().AddDate(100, 0, 0), store.MaxPageSize)
		}}
	mux := rootHandler(pages.handler(), objects.handler, newGateway(tpl, handlers, auth, logger.With("component", "gateway")))

	r := &runner{BaseURL: base, Users: users, Template: tpl, MailDir: mailDir, Seeded: seeded, auth: auth, store: st, objects: objects, serveErr: make(chan error, 1),
		srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}}
	bgCtx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	if st.feed != nil {
		f := &feed{src: st.feed, consumers: consumers, logger: logger.With("component", "feed"), backoff: expBackoff}
		r.bg.Go(func() { f.Run(bgCtx) })
		if stream != nil {
			r.bg.Go(func() { stream.run(bgCtx) })
		}
	}
	r.bg.Go(func() { runScheduler(bgCtx, jobs, logger.With("component", "scheduler")) })
	r.bg.Go(func() { objects.run(bgCtx) })
	go func() {
		if err := r.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			r.serveErr <- err
		}
	}()

	printBanner(out, banner{base: base, dataDir: c.DataDir, where: st.where, mail: mailWhere, tpl: tplPath,
		routes: len(routes), handlers: len(handlers), seeded: seeded, notWired: notWired, feed: st.feed != nil, feedOff: feedOff,
		users: users, took: time.Since(began)})
	return r, nil
}

// loadKeys reads the run's keys from the data folder, making them at first
// start: the token signer standing in for the identity provider, the
// cursor key and the link key (CURSOR_KEY and LINK_KEY when set, as on
// Lambda).
func loadKeys(c *cfg) (_ *authority, cursorKey []byte, _ *signedlink.Signer, err error) {
	key, err := loadOrCreateKey(filepath.Join(c.DataDir, keyFile))
	if err != nil {
		return nil, nil, nil, err
	}
	auth, err := newAuthority(key, c.Issuer, splitList(c.Audience))
	if err != nil {
		return nil, nil, nil, err
	}
	cursorKey = []byte(os.Getenv("CURSOR_KEY"))
	if len(cursorKey) < 16 {
		if cursorKey, err = loadOrCreateSecret(filepath.Join(c.DataDir, cursorKeyFile)); err != nil {
			return nil, nil, nil, err
		}
	}
	linkKey := []byte(os.Getenv("LINK_KEY"))
	if len(linkKey) < 32 {
		if linkKey, err = loadOrCreateSecret(filepath.Join(c.DataDir, linkKeyFile)); err != nil {
			return nil, nil, nil, err
		}
	}
	links, err := signedlink.New(linkKey, 0)
	if err != nil {
		return nil, nil, nil, err
	}
	return auth, cursorKey, links, nil
}

// Shutdown stops serving (letting requests in flight finish), stops the
// feed and the scheduler, and closes the store.
func (r *runner) Shutdown(ctx context.Context) error {
	var err error
	r.closed.Do(func() {
		err = r.srv.Shutdown(ctx)
		r.cancel()
		done := make(chan struct{})
		go func() { r.bg.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
			err = errors.Join(err, errors.New("the change feed or the scheduler did not stop in time"))
		}
		err = errors.Join(err, r.store.close(), r.objects.close())
	})
	return err
}

func baseURL(a *net.TCPAddr) string {
	host := a.IP.String()
	if a.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(a.Port))
}

func splitList(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		out = []string{"suapcds-local"}
	}
	return out
}

// mintTokens signs a token per demo user, with its curl example.
func mintTokens(a *authority, ttl time.Duration, base string) ([]signIn, error) {
	var out []signIn
	for _, u := range demoUsers {
		tok, err := a.Mint(u.claims(), ttl)
		if err != nil {
			return nil, err
		}
		path := "/booking-requests"
		if u.P.SUAPSide() {
			path = "/pratiche/" + u.Pratica
		}
		out = append(out, signIn{demoUser: u, Token: tok, Expires: a.now().Add(ttl),
			Curl: fmt.Sprintf("curl -H 'Authorization: Bearer %s' %s%s", tok, base, path)})
	}
	return out, nil
}

// banner is what the start-up block shows.
type banner struct {
	base, dataDir, where, mail, tpl string
	routes, handlers, seeded        int
	notWired                        []string
	feed                            bool
	feedOff                         string // why there is no feed
	users                           []signIn
	took                            time.Duration
}

func printBanner(out io.Writer, b banner) {
	p := func(format string, a ...any) { fmt.Fprintf(out, format+"\n", a...) }
	p("")
	p("suapcds local run — ready in %d ms", b.took.Milliseconds())
	p("  API         %s  (%d routes from %s)", b.base, b.routes, b.tpl)
	p("  console     %s%s  (operators' web console; sign in with a link below)", b.base, consolePath)
	p("  pages       %s/_local/  (sign-in links, tokens, outbox mail, OpenAPI)", b.base)
	p("  data        %s  (%s)", b.dataDir, b.where)
	if b.seeded > 0 {
		p("  demo data   %d items added (offices Africo and Bianco in Bacino Locride, Acquaro outside; pratiche; rooms; bodies of the directory)", b.seeded)
	}
	if b.feed {
		p("  mail        %s", b.mail)
	} else {
		p("  mail        change feed off on DynamoDB (%s): nothing is mailed locally", b.feedOff)
	}
	for _, n := range b.notWired {
		p("  not wired   %s", n)
	}
	if len(b.users) > 0 {
		p("")
		p("Sign in (tokens valid until %s; the operators' links open the console, %s%s):",
			b.users[0].Expires.In(clock.Rome).Format("02-01-2006 15:04"), b.base, consolePath)
		width := 0
		for _, u := range b.users {
			width = max(width, utf8.RuneCountInString(u.Label+" ("+u.P.Name+")"))
		}
		for _, u := range b.users {
			p("  %-*s  %s/_local/login?role=%s", width, u.Label+" ("+u.P.Name+")", b.base, u.Key)
			p("    %s", u.Curl)
		}
		day := workdays.National().AddWorkdays(workdays.DateOf(time.Now()), 5)
		startAt := time.Date(day.Year, day.Month, day.Day, 10, 0, 0, 0, clock.Rome)
		p("")
		p("Book a videoconference as the Africo operator:")
		p(`  curl -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' \`, b.users[0].Token)
		p(`    -d '{"start":"%s","durationMinutes":120,"email":"suap@comune.africo.rc.it","subject":"Conferenza di servizi sincrona - %s"}' \`,
			startAt.Format(time.RFC3339), b.users[0].Pratica)
		p("    %s/pratiche/%s/booking-requests", b.base, b.users[0].Pratica)
	}
	p("")
	p("Ctrl-C stops; a restart keeps the data.")
}
