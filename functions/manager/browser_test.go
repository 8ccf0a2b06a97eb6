package manager_test

import (
	"bytes"
	"context"
	"image/png"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"suapcds/functions/manager"
	"suapcds/shared/app"
	"suapcds/shared/app/apptest"
	"suapcds/shared/clock"
	"suapcds/shared/domain"
	"suapcds/shared/signedlink"
	"suapcds/shared/store"
	"suapcds/shared/store/embedded"
	"suapcds/shared/testenv"
	"suapcds/shared/testenv/chromium"
	"suapcds/shared/workdays"
)

// The browser test's fixtures.
var (
	browserOffice = domain.Office{ID: "suap-africo", Name: "Suap Comune Africo", BasinID: "bacino-locride",
		Email: "suap@comune.africo.rc.it"}
	browserOperator = domain.Principal{UserID: "u-rossi", Name: "Maria Rossi", Role: domain.RoleSuapOperator,
		OfficeID: "suap-africo", Unit: "Suap Comune Africo"}
	browserManager = domain.Principal{UserID: "g-bianchi", Name: "Luca Bianchi", Role: domain.RoleManager,
		Unit: "Servizio regionale"}
	// A subject that would run script if the page did not escape it.
	browserSubject = `Conferenza <script>alert('x')</script> & "verifica" <b>impianto</b>`
	// monday 9 March 2026, 10:00 in Rome; the meeting is on Wednesday 11 at
	// noon, two working days later (the lead time).
	browserNow   = time.Date(2026, time.March, 9, 10, 0, 0, 0, clock.Rome)
	browserStart = time.Date(2026, time.March, 11, 12, 0, 0, 0, clock.Rome)
)

// seedBrowser stores an office, two pratiche, four rooms (three active, one
// of which is booked at the meeting's time by another request) and the
// request APERTA the signed link opens. It returns the request's id.
func seedBrowser(t *testing.T, ctx context.Context, st *store.Repo, svc *app.Service) string {
	t.Helper()
	if err := st.PutOffice(ctx, browserOffice); err != nil {
		t.Fatal(err)
	}
	for _, r := range []domain.Room{
		{ID: "sala-1", Name: "Sala Aspromonte", DefaultLink: "https://meet.example.it/aspromonte", Active: true},
		{ID: "sala-2", Name: "Sala Sila", DefaultLink: "https://meet.example.it/sila", Active: true},
		{ID: "sala-3", Name: "Sala Pollino", DefaultLink: "https://meet.example.it/pollino", Active: true},
		{ID: "sala-4", Name: "Sala dismessa", Active: false},
	} {
		if err := st.PutRoom(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	open := func(praticaID, number, subject string) *domain.Request {
		t.Helper()
		p := &domain.Pratica{ID: praticaID, Number: number, OfficeID: browserOffice.ID, BasinID: browserOffice.BasinID,
			ProcedureType: domain.ProcOrdinario}
		if err := st.SavePratica(ctx, p); err != nil {
			t.Fatal(err)
		}
		r, err := domain.NewRequest(p, browserOperator, domain.NewRequestInput{Start: browserStart, DurationMinutes: 120,
			Email: browserOffice.Email, Subject: subject}, browserNow, workdays.National(), 2)
		if err != nil {
			t.Fatal(err)
		}
		r.OfficeName = browserOffice.Name
		h := domain.NewHistory(p.ID, browserOperator, domain.OpRequestCreated, "Videoconferenza del "+domain.FormatRome(r.Start), browserNow)
		if err := st.CreateRequest(ctx, r, h, domain.OutboxEvent{Kind: domain.EventRequestCreated, Seq: 1, At: browserNow}); err != nil {
			t.Fatal(err)
		}
		return r
	}
	// Another office's meeting at the same time holds the Sala Pollino.
	other := open("suap-africo-p1", "401", "Conferenza dei servizi sul piano del colore")
	if _, err := svc.Accept(ctx, browserManager, other.ID, domain.AcceptInput{RoomID: "sala-3", Code: "111 222 333",
		Password: "pollino", Link: "https://meet.example.it/pollino"}); err != nil {
		t.Fatal(err)
	}
	return open("suap-africo-p2", "402", browserSubject).ID
}

// stepTimeout bounds each browser step and testTimeout the browser's whole
// life; the test takes a few seconds.
const (
	stepTimeout = 15 * time.Second
	testTimeout = 60 * time.Second
)

// run runs one action with a timeout and fails the test on error.
func run[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// TestBrowserSignedLinkPages opens the signed link of a request in Chromium,
// answers "disponibile" through the page's form, and checks the page, the
// stored request, the escaping of the subject and the 403 page of a tampered
// link.
func TestBrowserSignedLinkPages(t *testing.T) {
	chromiumPath := testenv.Endpoint(t, "CHROMIUM_PATH")
	began := time.Now()

	b, err := embedded.Open(filepath.Join(t.TempDir(), "store.db"), embedded.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	st, err := store.New(b, store.Options{CursorKey: []byte("browser-test-cursor-key")})
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFixed(browserNow)
	svc := apptest.New(t, app.Deps{Store: st, Clock: clk})
	links, err := signedlink.New([]byte("browser-test-link-key-0123456789abcdef"), 0)
	if err != nil {
		t.Fatal(err)
	}
	// Everything logged, by the handler's logger and by the package-level
	// slog functions the pages also use, goes to logs: tokens must not.
	var logs testenv.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	prev := slog.Default()
	slog.SetDefault(logger)
	t.Cleanup(func() { slog.SetDefault(prev) })
	mg, err := manager.New(manager.Deps{App: app.Deps{Store: st, Clock: clk, Logger: logger}, Links: links})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mg)
	defer srv.Close()

	ctx := t.Context()
	id := seedBrowser(t, ctx, st, svc)
	token := links.Sign(signedlink.Answer, id, browserNow)
	pageURL := srv.URL + "/gestore/richieste/" + id + "?t=" + token

	// One browser for the whole test; its life ends with allocCtx, which
	// also bounds the whole browser part of the test.
	var browserOut testenv.Buffer
	testCtx, cancelTest := context.WithTimeout(ctx, testTimeout)
	defer cancelTest()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(testCtx, chromium.Options(t, chromiumPath, &browserOut, 1200, 900)...)
	defer cancelAlloc()
	tab, cancelTab := chromedp.NewContext(allocCtx)
	defer cancelTab()
	defer func() {
		if t.Failed() {
			t.Logf("chromium's output:\n%s", browserOut.String())
		}
	}()
	// The first run starts the browser and binds it to the context it is
	// given: tab itself, not a step's shorter one.
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("start chromium (%s): %v", chromiumPath, err)
	}

	// A dialog (alert, confirm, ...) means some script ran: record it and
	// dismiss it so the page goes on, then fail at the end.
	var dmu sync.Mutex
	var dialogs []string
	dialogEvents := chromedp.Events(tab, page.JavascriptDialogOpening)
	dialogsDone := make(chan struct{})
	go func() {
		defer close(dialogsDone)
		for ev, err := range dialogEvents {
			if err != nil {
				return
			}
			dmu.Lock()
			dialogs = append(dialogs, string(ev.Type)+": "+ev.Message)
			dmu.Unlock()
			_, _ = chromedp.Call(tab, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	defer func() {
		cancelTab()
		<-dialogsDone
		dmu.Lock()
		defer dmu.Unlock()
		if len(dialogs) > 0 {
			t.Errorf("the page opened JavaScript dialogs: %q", dialogs)
		}
	}()

	// 1. The page of the signed link.
	resp := run(t, tab, "open the signed link", chromedp.NavigateResponse(pageURL))
	if resp.Status != http.StatusOK {
		t.Fatalf("signed link: status %d, want 200", resp.Status)
	}
	if got := run(t, tab, "subject", chromedp.Text(chromedp.ID("subject"))); got != browserSubject {
		t.Errorf("subject shown as %q, want the literal text %q", got, browserSubject)
	}
	// The markup in the subject stayed text: no element was made of it, and
	// the page has no script at all.
	if n := run(t, tab, "count elements", chromedp.Evaluate[int](
		`document.querySelectorAll('#subject *, script').length`)); n != 0 {
		t.Errorf("%d element(s) made from the subject or script elements in the page", n)
	}
	if st := run(t, tab, "state", chromedp.Text(chromedp.ID("state"))); st != "Aperta" {
		t.Errorf("state shown as %q, want Aperta", st)
	}
	options := run(t, tab, "room options", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('#roomId option')].map(o => o.value + '=' + o.textContent)`))
	if want := []string{"sala-1=Sala Aspromonte", "sala-2=Sala Sila"}; !slices.Equal(options, want) {
		t.Errorf("room choice lists %q, want the free active rooms %q", options, want)
	}
	if got := run(t, tab, "rooms table", chromedp.Text(chromedp.CSS("#accept table"))); !strings.Contains(got, "Sala Pollino\toccupata") {
		t.Errorf("rooms table does not show the Sala Pollino as booked:\n%s", got)
	}
	if link := run(t, tab, "proposed link", chromedp.Value(chromedp.ID("link"))); link != "https://meet.example.it/aspromonte" {
		t.Errorf("link field proposes %q, want the first free room's default link", link)
	}

	// 2. Answer "disponibile": pick a room, type the meeting's data, click.
	const code, password, meetingLink = "842 193 557", "Sila-2026", "https://meet.example.it/sila/842193557"
	if err := func() error {
		ctx, cancel := context.WithTimeout(tab, stepTimeout)
		defer cancel()
		return chromedp.Do(ctx,
			chromedp.SetValue(chromedp.ID("roomId"), "sala-2"),
			chromedp.SendKeys(chromedp.ID("code"), code),
			chromedp.SendKeys(chromedp.ID("password"), password),
			chromedp.Clear(chromedp.ID("link")),
			chromedp.SendKeys(chromedp.ID("link"), meetingLink),
		)
	}(); err != nil {
		t.Fatalf("fill the answer form: %v", err)
	}
	// A real click on the button; RunResponse waits for the page the
	// redirect (post/redirect/get) leads to.
	submitCtx, cancelSubmit := context.WithTimeout(tab, stepTimeout)
	resp, err = chromedp.RunResponse(submitCtx, chromedp.Click(chromedp.CSS(`#accept button[type="submit"]`)))
	cancelSubmit()
	if err != nil {
		t.Fatalf("submit the answer: %v", err)
	}
	if resp.Status != http.StatusOK {
		t.Fatalf("after the answer: status %d, want 200 (after the redirect)", resp.Status)
	}
	loc := run(t, tab, "location", chromedp.Location())
	if !strings.Contains(loc, "esito=accettata") {
		t.Errorf("after the answer the page is %s, want the redirect with esito=accettata", strings.ReplaceAll(loc, token, "<token>"))
	}
	if got := run(t, tab, "notice", chromedp.Text(chromedp.ID("notice"))); !strings.Contains(got, "Risposta registrata: la videoconferenza è confermata.") {
		t.Errorf("notice %q", got)
	}
	if got := run(t, tab, "new state", chromedp.Text(chromedp.ID("state"))); got != "Evasa" {
		t.Errorf("state after accepting %q, want Evasa (no recording asked)", got)
	}
	if got := run(t, tab, "meeting code", chromedp.Text(chromedp.ID("meeting-code"))); got != code {
		t.Errorf("meeting code shown %q, want %q", got, code)
	}
	if n := run(t, tab, "count forms", chromedp.Evaluate[int](`document.querySelectorAll('form').length`)); n != 0 {
		t.Errorf("%d form(s) left on the page of a concluded request, want none", n)
	}
	if got := run(t, tab, "thread", chromedp.Text(chromedp.CSS(".msg"))); !strings.Contains(got, "Videoconferenza disponibile") {
		t.Errorf("thread does not show the answer: %q", got)
	}
	shot := run(t, tab, "screenshot", chromedp.FullScreenshot(100))
	checkPNG(t, shot)

	// 3. The same through the application.
	d, err := svc.Request(ctx, app.LinkPrincipal(id), id)
	if err != nil {
		t.Fatal(err)
	}
	want := domain.Meeting{RoomID: "sala-2", Code: code, Password: password, Link: meetingLink}
	if d.Request.State != domain.StateDone || d.Request.Meeting == nil || *d.Request.Meeting != want {
		t.Errorf("stored request: state %s, meeting %+v; want EVASA, %+v", d.Request.State, d.Request.Meeting, want)
	}
	if _, rooms, err := svc.Availability(ctx, browserManager, id); err != nil {
		t.Fatal(err)
	} else {
		for _, a := range rooms {
			if a.Room.ID == "sala-2" && !a.HeldByThis {
				t.Errorf("the Sala Sila is not booked for the request: %+v", a)
			}
		}
	}

	// 4. A tampered link: one character of the token's signature changed.
	i := len(token) - 10
	c := byte('A')
	if token[i] == 'A' {
		c = 'B'
	}
	tampered := token[:i] + string(c) + token[i+1:]
	resp = run(t, tab, "open the tampered link", chromedp.NavigateResponse(srv.URL+"/gestore/richieste/"+id+"?t="+tampered))
	if resp.Status != http.StatusForbidden {
		t.Errorf("tampered link: status %d, want 403", resp.Status)
	}
	if got := run(t, tab, "403 text", chromedp.Text(chromedp.ID("error"))); !strings.Contains(got, "Il link non è valido o è scaduto") {
		t.Errorf("tampered link shows %q", got)
	}
	if n := run(t, tab, "count forms", chromedp.Evaluate[int](
		`document.querySelectorAll('form, #request, #subject').length`)); n != 0 {
		t.Errorf("the 403 page shows %d form(s) or request data, want none", n)
	}

	// Tokens are credentials: they never reach the logs.
	l := logs.String()
	if strings.Contains(l, token) || strings.Contains(l, tampered) {
		t.Errorf("a token reached the logs:\n%s", l)
	}
	if !strings.Contains(l, "signed link refused") {
		t.Errorf("the tampered link's refusal was not logged:\n%s", l)
	}

	// Keep a copy of the screenshot for people to look at.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "manager-page.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
	keep := filepath.Join(os.TempDir(), "manager-page.png")
	if err := os.WriteFile(keep, shot, 0o644); err != nil {
		t.Logf("screenshot not kept: %v", err)
	} else {
		t.Logf("screenshot of the page after the answer: %s", keep)
	}
	t.Logf("browser test took %s", time.Since(began).Round(time.Millisecond))
}

// checkPNG checks that b is a PNG image of some size.
func checkPNG(t *testing.T, b []byte) {
	t.Helper()
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("screenshot is not a PNG (%d bytes): %v", len(b), err)
	}
	if cfg.Width < 100 || cfg.Height < 100 {
		t.Errorf("screenshot is %dx%d", cfg.Width, cfg.Height)
	}
}
