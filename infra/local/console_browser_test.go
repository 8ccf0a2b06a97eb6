package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"image/png"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/chromedp/chromedp"

	console "suapcds/functions/console"
	"suapcds/shared/clock"
	"suapcds/shared/testenv"
	"suapcds/shared/testenv/chromium"
)

// The console's browser tests run the whole local system (the gateway with
// the template's routes and JWT checks, every function's handler, the
// embedded store) and drive the operators' console in Debian's Chromium,
// signing in through the local demo links as people do.

// consoleStep bounds each browser step; consoleTimeout the browser's life.
const (
	consoleStep    = 20 * time.Second
	consoleTimeout = 3 * time.Minute
)

// consoleBrowser is a Chromium tab on the console, with what the page wrote
// to its console (exceptions and CSP violations fail the test) and where
// the screenshots go.
type consoleBrowser struct {
	t    *testing.T
	tab  context.Context
	base string
	dir  string

	mu       sync.Mutex
	problems []string
}

// newConsoleBrowser starts Chromium for the test. Screenshots go to the
// test's artifact directory with -artifacts, else to a folder under the
// system's temporary directory that is kept (its path is logged).
func newConsoleBrowser(t *testing.T, base string) *consoleBrowser {
	t.Helper()
	chromiumPath := testenv.Endpoint(t, "CHROMIUM_PATH")
	dir := t.ArtifactDir()
	if f := flag.Lookup("test.artifacts"); f == nil || f.Value.String() != "true" {
		dir = filepath.Join(os.TempDir(), "suapcds-console", t.Name())
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var out testenv.Buffer
	ctx, cancel := context.WithTimeout(t.Context(), consoleTimeout)
	t.Cleanup(cancel)
	opts := chromium.Options(t, chromiumPath, &out, 1280, 900, chromedp.Flag("lang", "it-IT"))
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	tab, cancelTab := chromedp.NewContext(alloc)
	b := &consoleBrowser{t: t, tab: tab, base: base, dir: dir}
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("start chromium (%s): %v\n%s", chromiumPath, err, out.String())
	}
	messages := chromedp.Console(tab)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
				b.mu.Lock()
				b.problems = append(b.problems, m.String())
				b.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		cancelTab()
		<-done
		b.mu.Lock()
		defer b.mu.Unlock()
		if len(b.problems) > 0 {
			t.Errorf("the page threw or broke its Content-Security-Policy:\n%s", strings.Join(b.problems, "\n"))
		}
		if t.Failed() {
			t.Logf("chromium's output:\n%s", out.String())
		}
		t.Logf("screenshots of the console: %s", dir)
	})
	return b
}

// run runs one action with the step's timeout, failing the test on error.
func consoleRun[T any](b *consoleBrowser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.tab, consoleStep)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

func (b *consoleBrowser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	consoleRun(b, what, chromedp.Steps(steps...))
}

// text waits for sel to be visible and returns its text.
func (b *consoleBrowser) text(sel string) string {
	b.t.Helper()
	b.do("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
	return strings.TrimSpace(consoleRun(b, "text of "+sel, chromedp.Text(chromedp.CSS(sel))))
}

// count is how many elements match sel now.
func (b *consoleBrowser) count(sel string) int {
	b.t.Helper()
	return consoleRun(b, "count "+sel, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
}

// waitText waits until the text of sel contains want. It polls from Go,
// so a navigation in between (a sign-in's redirect) is only a retry.
func (b *consoleBrowser) waitText(sel, want string) {
	b.t.Helper()
	expr := fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ""`, sel)
	deadline := time.Now().Add(consoleStep)
	got := ""
	for {
		ctx, cancel := context.WithTimeout(b.tab, 2*time.Second)
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		cancel()
		if err == nil {
			if got = v; strings.Contains(v, want) {
				return
			}
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s never showed %q; it shows %q (last error: %v)", sel, want, got, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// shot writes a full-page screenshot named name.png.
func (b *consoleBrowser) shot(name string) {
	b.t.Helper()
	img := consoleRun(b, "screenshot "+name, chromedp.FullScreenshot(100))
	cfg, err := png.DecodeConfig(bytes.NewReader(img))
	if err != nil || cfg.Width < 100 || cfg.Height < 100 {
		b.t.Errorf("screenshot %s is not a page-sized PNG: %v %+v", name, err, cfg)
	}
	if err := os.WriteFile(filepath.Join(b.dir, name+".png"), img, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// waitJS waits until the expression expr is true. It polls from Go, so a
// navigation in between is only a retry.
func (b *consoleBrowser) waitJS(what, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(consoleStep)
	for {
		ctx, cancel := context.WithTimeout(b.tab, 2*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+expr+")"))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: %s never held (last error: %v)", what, expr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// signIn opens the local demo sign-in link of role, waits for the link's
// page to have stored the token and moved on (to the console for the
// operators, to /_local/ for the other roles: then the test opens the
// console), and waits for the console to show the user.
func (b *consoleBrowser) signIn(role, name string) {
	b.t.Helper()
	res := consoleRun(b, "sign in as "+role, chromedp.NavigateResponse(b.base+"/_local/login?role="+role))
	if res.Status != http.StatusOK {
		b.t.Fatalf("sign-in link: status %d", res.Status)
	}
	b.waitJS("the sign-in link's redirect", `location.pathname !== "/_local/login" && document.readyState === "complete"`)
	if consoleRun(b, "path", chromedp.Evaluate[string]("location.pathname")) != "/console" {
		consoleRun(b, "open the console", chromedp.NavigateResponse(b.base+"/console"))
	}
	b.waitText("#user-name", name)
	if loc := consoleRun(b, "location", chromedp.Location()); !strings.HasPrefix(loc, b.base+"/console") {
		b.t.Errorf("the sign-in link led to %s, want the console", loc)
	}
}

// goTo sets the console's route (the part after #).
func (b *consoleBrowser) goTo(hash string) {
	b.t.Helper()
	consoleRun(b, "go to "+hash, chromedp.Evaluate[string](fmt.Sprintf("location.hash = %q", hash)))
}

// TestConsoleOperatorTour walks the Africo SUAP operator through the
// console: the CDS check's notice, the reason with its counter and an
// error kept next to the field, the verifications sent and the reason read
// only; the booking with the last day beside the date; the Videoconferenza
// list, the detail, a message; the service's answer through the API and the
// meeting's data on the detail and on the Conferenza servizi tab; the
// Storico.
func TestConsoleOperatorTour(t *testing.T) {
	r := startRunner(t, testConfig(t, newDataDir(t)), nil)
	b := newConsoleBrowser(t, r.BaseURL)
	const pratica, number = "africo-2026-0001", "SUAP/AFRICO/2026/0001"

	// The console's files carry their security headers.
	res := call(t, "GET", r.BaseURL+"/console", "", nil)
	if csp := res.header.Get("Content-Security-Policy"); res.status != 200 || !strings.Contains(csp, "script-src 'self'") ||
		!strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("GET /console: %d, CSP %q", res.status, csp)
	}
	if res.header.Get("Referrer-Policy") != "no-referrer" || res.header.Get("X-Content-Type-Options") != "nosniff" || res.header.Get("ETag") == "" ||
		res.header.Get("Cross-Origin-Opener-Policy") != "same-origin" || !strings.Contains(res.header.Get("Content-Security-Policy"), "trusted-types 'none'") {
		t.Errorf("GET /console headers: %v", res.header)
	}
	// Through the local gateway, /console/ leads to the console too.
	if res := call(t, "GET", r.BaseURL+"/console/", "", nil); res.status != http.StatusOK || !strings.Contains(string(res.body), `lang="it"`) {
		t.Errorf("GET /console/: %d %.200s, want the console", res.status, res.body)
	}

	// Sign in; open the pratica from the home page, with the keyboard.
	b.signIn("africo", "Maria Rossi")
	b.waitText("main h1", "Gestione pratiche")
	b.do("open the pratica",
		chromedp.SendKeys(chromedp.CSS("#open-pratica input"), pratica),
		chromedp.KeyEvent("\r"))
	b.waitText("main h1", "Pratica numero "+number)

	// The skip link, with the keyboard: the focus goes to the content, the
	// screen and its address stay.
	hash := consoleRun(b, "hash", chromedp.Evaluate[string]("location.hash"))
	b.do("use the skip link", chromedp.Focus(chromedp.CSS("a.skip")), chromedp.KeyEvent("\r"))
	b.waitJS("focus on the content", `document.activeElement && document.activeElement.id === "main"`)
	if got := b.text("main h1"); got != "Pratica numero "+number {
		t.Errorf("after the skip link the screen is %q", got)
	}
	if got := consoleRun(b, "hash", chromedp.Evaluate[string]("location.hash")); got != hash {
		t.Errorf("the skip link changed the address to %q", got)
	}
	// An address that is not a screen ("#main" typed or bookmarked) leaves
	// the screen as it is.
	b.goTo("#main")
	b.waitJS("the hash set", `location.hash === "#main"`)
	if got := b.text("main h1"); got != "Pratica numero "+number {
		t.Errorf("#main replaced the screen with %q", got)
	}
	// A malformed address: no screen of that name.
	b.goTo("#/pratiche/%E0%A4%A/verifiche")
	b.waitText("main h1", "Pagina inesistente")
	b.goTo(hash)
	b.waitText("main h1", "Pratica numero "+number)

	// 1. Verifiche: ticking two bodies brings the notice and the reason.
	b.do("tick two bodies",
		chromedp.Click(chromedp.CSS("#verifiche-form label:nth-of-type(1) input")),
		chromedp.Click(chromedp.CSS("#verifiche-form label:nth-of-type(2) input")))
	b.waitText("#cds-notice", "✘ E' necessario indire una CDS")
	if got := b.text("#convoca-cds"); got != "Convoca CDS" {
		t.Errorf("Convoca CDS link %q", got)
	}
	if got := b.text("#reason-counter"); got != "250 caratteri rimanenti" {
		t.Errorf("empty reason's counter %q", got)
	}
	b.shot("01-verifiche-avviso")

	// Sending without a reason: the API's Italian detail next to the field,
	// the ticks kept.
	b.do("send without a reason", chromedp.Click(chromedp.ID("send-verifications")))
	b.waitText(`[data-field="reason"] .field-error`, "motivo della mancata convocazione")
	b.waitText("#verifiche-form .form-error", "È necessario indire una CDS")
	if n := b.count(`#verifiche-form input[name="body"]:checked`); n != 2 {
		t.Errorf("%d bodies still ticked after the error, want 2", n)
	}
	b.shot("02-verifiche-errore")

	const reason = "Pareri già acquisiti in sede istruttoria"
	b.do("type the reason", chromedp.SendKeys(chromedp.ID("reason"), reason))
	if got, want := b.text("#reason-counter"), fmt.Sprintf("%d caratteri rimanenti", 250-utf8.RuneCountInString(reason)); got != want {
		t.Errorf("counter %q, want %q", got, want)
	}
	b.do("send the verifications", chromedp.Click(chromedp.ID("send-verifications")))
	if got := b.text("#reason-readonly"); got != reason {
		t.Errorf("reason shown read-only as %q, want %q", got, reason)
	}
	if n := b.count("#verifiche-form, textarea"); n != 0 {
		t.Errorf("%d form(s) or text areas left after sending, want the reason read-only", n)
	}
	b.shot("03-verifiche-inviate")

	// 2. Conferenza servizi: the booking form; the last day beside the date.
	b.do("open the Conferenza servizi tab", chromedp.Click(chromedp.ID("tab-conferenza")))
	b.do("wait for the form", chromedp.WaitVisible(chromedp.ID("booking-form")))
	startAt := meetingStart() // 10:00 UTC, six working days ahead
	start, err := time.Parse(time.RFC3339, startAt)
	if err != nil {
		t.Fatal(err)
	}
	local := start.In(clock.Rome).Format("2006-01-02T15:04")
	consoleRun(b, "set the date", chromedp.Evaluate[string](fmt.Sprintf(
		`(() => { const e = document.getElementById("start"); e.value = %q; e.dispatchEvent(new Event("change", {bubbles: true})); return e.value; })()`, local)))
	var last struct{ LastRequestDayLabel string }
	ld := call(t, "GET", r.BaseURL+"/pratiche/"+pratica+"/booking-requests/last-day?start="+strings.ReplaceAll(startAt, "+", "%2B"), r.token(t, "africo"), nil)
	if err := json.Unmarshal(ld.body, &last); err != nil || last.LastRequestDayLabel == "" {
		t.Fatalf("last day: %d %s", ld.status, ld.body)
	}
	b.waitText("#last-day", "Ultimo giorno per inviare la richiesta: "+last.LastRequestDayLabel)
	b.waitValue("#email", "suap@comune.africo.rc.it")

	// Without a subject: the error next to it, the date kept.
	b.do("book without a subject", chromedp.Click(chromedp.ID("book")))
	b.do("wait for the error", chromedp.WaitVisible(chromedp.CSS(`[data-field="subject"] .field-error`)))
	if v := consoleRun(b, "date kept", chromedp.Value(chromedp.ID("start"))); v != local {
		t.Errorf("the date became %q after the error, want %q kept", v, local)
	}
	b.shot("04-conferenza-errore")
	const subject = "Conferenza di servizi sincrona - impianto"
	// A first booking: the e-mail is pre-filled with the office's address.
	if got := b.value("#email"); got != "suap@comune.africo.rc.it" {
		t.Errorf("e-mail pre-filled with %q, want the office's", got)
	}
	b.do("fill the form",
		chromedp.SendKeys(chromedp.ID("subject"), subject),
		chromedp.Click(chromedp.ID("book")))
	if got := b.text("#status-state"); got != "Aperta" {
		t.Errorf("status panel state %q, want Aperta", got)
	}
	if got := b.text("#status-subject"); got != subject {
		t.Errorf("status panel subject %q", got)
	}
	if n := b.count("#booking-form"); n != 0 {
		t.Error("the booking form is still there with a live request")
	}
	b.shot("05-conferenza-richiesta")

	// 3. Videoconferenza: the list, filtered by the pratica's number. A
	// second request of the office (another pratica) makes the filter show.
	const otherNumber = "SUAP/AFRICO/2026/0002"
	book(t, r, "africo", "africo-2026-0002")
	b.do("open Videoconferenza", chromedp.Click(chromedp.CSS(`#menu a[href="#/videoconferenze"]`)))
	b.waitText("#requests tbody", number)
	b.waitText("#requests tbody", otherNumber)
	if n := b.count("#requests tbody tr"); n != 2 {
		t.Errorf("%d rows unfiltered, want 2", n)
	}
	// The unfiltered table is marked, so the wait below sees the filtered
	// one that replaces it, not the old one still showing the subject.
	consoleRun(b, "mark the unfiltered list", chromedp.Evaluate[string](`document.getElementById("requests").dataset.stale = "1"`))
	b.do("filter by number",
		chromedp.SendKeys(chromedp.CSS(`#filters input[name="praticaNumber"]`), number),
		chromedp.Click(chromedp.CSS(`#filters button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#requests:not([data-stale]) tbody tr`)))
	b.waitText("#requests tbody", subject)
	if n := b.count("#requests tbody tr"); n != 1 {
		t.Errorf("%d rows for pratica %s, want 1", n, number)
	}
	if got := b.text("#requests tbody"); !strings.Contains(got, number) || strings.Contains(got, otherNumber) {
		t.Errorf("filtered list %q, want only %s", got, number)
	}
	requestID := consoleRun(b, "the request's id", chromedp.Evaluate[string](`document.querySelector("#requests tbody tr").dataset.id`))
	b.shot("06-videoconferenza-lista")

	// The detail; a message.
	b.do("open the detail", chromedp.Click(chromedp.CSS("#requests a.detail-link")))
	b.waitText("main h1", "Richiesta - pratica num. "+number)
	b.do("write a message",
		chromedp.SendKeys(chromedp.ID("message-subject"), "Partecipanti"),
		chromedp.SendKeys(chromedp.ID("message-body"), "Parteciperanno sei enti."),
		chromedp.Click(chromedp.ID("send-message")))
	b.waitText("#done", "Comunicazione inviata.")
	b.waitText("#thread", "Parteciperanno sei enti.")
	b.shot("07-videoconferenza-dettaglio")

	// 4. The service accepts through the API; the page shows the meeting.
	if ids := listIDs(t, r, "africo"); len(ids) != 2 || !contains(ids, requestID) {
		t.Fatalf("requests %v, want two with %q", ids, requestID)
	}
	const code, password, link = "842 193 557", "Sila-2026", "https://videoconferenza.regione.calabria.it/sala-1/842193557"
	if res := call(t, "POST", r.BaseURL+"/booking-requests/"+requestID+"/accept", r.token(t, "manager"),
		map[string]string{"roomId": "sala-1", "code": code, "password": password, "link": link}); res.status != http.StatusOK {
		t.Fatalf("accept: %d %s", res.status, res.body)
	}
	b.do("reload", chromedp.Reload())
	if got := b.text("#meeting-code"); got != code {
		t.Errorf("meeting code %q, want %q", got, code)
	}
	if got := b.text("#meeting-password"); got != password {
		t.Errorf("meeting password %q", got)
	}
	if got := b.text("#request-state"); got != "Evasa" {
		t.Errorf("state %q, want Evasa", got)
	}
	// EVASA is final: no message form, the API's reason instead.
	if n := b.count("#message-form"); n != 0 {
		t.Error("the message form is shown on a final request")
	}
	b.text("#no-post")
	b.shot("08-videoconferenza-riunione")

	b.do("to the pratica's Conferenza servizi tab", chromedp.Click(chromedp.CSS(`a[href="#/pratiche/`+pratica+`/conferenza"]`)))
	if got := b.text("#request-status #meeting-code"); got != code {
		t.Errorf("Conferenza servizi: meeting code %q", got)
	}
	b.do("wait for the conferences", chromedp.WaitVisible(chromedp.ID("no-conferences")))
	b.shot("09-conferenza-riunione")

	// 5. Storico.
	b.do("open the Storico tab", chromedp.Click(chromedp.ID("tab-storico")))
	b.waitText("#history", "Inserimento motivo mancata convocazione CDS")
	b.waitText("#history", "Maria Rossi")
	// All on one page: no "Altre operazioni".
	if b.visible("#more-history") {
		t.Error("Altre operazioni is shown without a next page")
	}
	b.shot("10-storico")

	// Two a page: "Altre operazioni" appends the next pages, in order,
	// without repeating one, until there are no more.
	var hist struct {
		Items []struct{ Operation, AtLabel string }
	}
	if res := call(t, "GET", r.BaseURL+"/pratiche/"+pratica+"/history?limit=100", r.token(t, "africo"), nil); res.status != http.StatusOK ||
		json.Unmarshal(res.body, &hist) != nil || len(hist.Items) < 5 {
		t.Fatalf("history: %d %s, want 5 entries or more", res.status, res.body)
	}
	var want []string
	for _, e := range hist.Items {
		want = append(want, e.Operation)
	}
	b.goTo("#/pratiche/" + pratica + "/storico?limit=2")
	b.waitJS("two a page", `document.querySelectorAll("#history tbody tr").length === 2`)
	for pages := 1; b.visible("#more-history"); pages++ {
		if pages > len(want) {
			t.Fatalf("Altre operazioni still shown after %d pages", pages)
		}
		n := b.count("#history tbody tr")
		b.do("Altre operazioni", chromedp.Click(chromedp.ID("more-history")))
		b.waitJS("the next page", fmt.Sprintf(`(() => { const m = document.getElementById("more-history");
			return !m.disabled && (document.querySelectorAll("#history tbody tr").length > %d || m.hidden); })()`, n))
	}
	if b.visible("#more-history") {
		t.Error("Altre operazioni is still shown after the last page")
	}
	got := consoleRun(b, "the rows", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll("#history tbody tr td:nth-child(3)")].map((td) => td.firstChild.textContent)`))
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Storico two a page:\n%s\nwant the history:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	b.shot("11-storico-pagine")
}

// visible tells whether sel is on the page and rendered.
func (b *consoleBrowser) visible(sel string) bool {
	b.t.Helper()
	return consoleRun(b, "visible "+sel, chromedp.Evaluate[bool](fmt.Sprintf(
		`(() => { const e = document.querySelector(%q); return !!e && e.getClientRects().length > 0; })()`, sel)))
}

// TestConsoleNoMessageFormOnBasinRequest: a request the basin operator
// made is read-only for the office's SUAP operator (no message form, the
// API's reason), while the basin operator gets the form; once the service
// declines it, Conferenza servizi offers a new form and the earlier request.
func TestConsoleNoMessageFormOnBasinRequest(t *testing.T) {
	r := startRunner(t, testConfig(t, newDataDir(t)), nil)
	id := book(t, r, "locride", "africo-2026-0002")
	b := newConsoleBrowser(t, r.BaseURL)

	b.signIn("africo", "Maria Rossi")
	b.goTo("#/videoconferenze/" + id)
	b.waitText("main h1", "Richiesta - pratica num. SUAP/AFRICO/2026/0002")
	b.text("#no-post")
	if n := b.count("#message-form, #message-subject"); n != 0 {
		t.Errorf("the SUAP operator sees a message form on the basin's request (%d elements)", n)
	}
	var d struct {
		CanPost bool
		NoPost  *struct{ Detail string }
	}
	res := call(t, "GET", r.BaseURL+"/booking-requests/"+id, r.token(t, "africo"), nil)
	if err := json.Unmarshal(res.body, &d); err != nil || d.CanPost || d.NoPost == nil {
		t.Fatalf("detail for the SUAP operator: %d %s", res.status, res.body)
	}
	b.waitText("#no-post", d.NoPost.Detail)
	b.shot("01-operatore-suap-sola-lettura")

	b.signIn("locride", "Anna Ferraro")
	b.goTo("#/videoconferenze/" + id)
	b.do("the basin operator's form", chromedp.WaitVisible(chromedp.ID("message-form")))
	if n := b.count("#no-post"); n != 0 {
		t.Error("the basin operator is told they cannot post")
	}
	b.shot("02-operatore-bacino-modulo")

	// The service declines: Conferenza servizi offers a new form (e-mail
	// pre-filled from the earlier request) and shows the earlier request.
	if res := call(t, "POST", r.BaseURL+"/booking-requests/"+id+"/decline", r.token(t, "manager"),
		map[string]string{"message": "Nessuna sala libera in quella fascia oraria."}); res.status != http.StatusOK {
		t.Fatalf("decline: %d %s", res.status, res.body)
	}
	b.goTo("#/pratiche/africo-2026-0002/conferenza")
	b.do("the new booking form", chromedp.WaitVisible(chromedp.ID("booking-form")))
	if got := consoleRun(b, "e-mail", chromedp.Value(chromedp.ID("email"))); got != "suap@comune.africo.rc.it" {
		t.Errorf("e-mail pre-filled with %q", got)
	}
	if got := b.text("#previous-state"); got != "Non disponibile" {
		t.Errorf("earlier request's state %q, want Non disponibile", got)
	}
	b.waitText("main", "RICHIESTA VIDEOCONFERENZA PRECEDENTE")
	b.waitText("main", "Nessuna sala libera in quella fascia oraria.")
	b.shot("03-conferenza-dopo-non-disponibile")

	// The list's pages: three requests the basin sees, two a page.
	for _, p := range []string{"africo-2026-0003", "bianco-2026-0001"} {
		book(t, r, "locride", p)
	}
	b.goTo("#/videoconferenze?limit=2")
	b.do("first page", chromedp.WaitVisible(chromedp.ID("next-page")))
	if n := b.count("#requests tbody tr"); n != 2 {
		t.Errorf("first page: %d rows, want 2", n)
	}
	if n := b.count("#first-page"); n != 0 {
		t.Error("the first page links to the first page")
	}
	first := b.text("#requests tbody")
	b.do("next page", chromedp.Click(chromedp.ID("next-page")))
	b.do("second page", chromedp.WaitVisible(chromedp.ID("first-page")))
	if n := b.count("#requests tbody tr"); n != 1 {
		t.Errorf("second page: %d rows, want 1", n)
	}
	if second := b.text("#requests tbody"); second == first {
		t.Error("the second page repeats the first")
	}
	b.shot("04-videoconferenza-pagina-2")
}

// TestConsoleOIDCSignIn: with an identity provider configured (as on AWS),
// "Accedi" runs the authorization code flow with PKCE against it: the
// provider (a fake one here, on another origin) sees an S256 challenge and
// the configured scope, the token request carries the matching verifier,
// and the console then calls the API with the token it got, the code gone
// from the address. An answer the tab did not ask for (forged ?error= and
// error_description) shows a fixed Italian message only, a provider's error
// code its Italian text; "Esci" ends the session at the provider's
// end_session_endpoint; a discovery document naming another issuer stops
// the sign-in.
func TestConsoleOIDCSignIn(t *testing.T) {
	const clientID, scope = "suapcds-console", "openid profile"
	var (
		mu          sync.Mutex
		challenge   string
		redirect    string
		verified    bool
		token       string // the access token the provider hands out
		logout      url.Values
		otherIssuer bool
	)
	idp := http.NewServeMux()
	var idpURL string
	cors := func(w http.ResponseWriter) { w.Header().Set("Access-Control-Allow-Origin", "*") }
	idp.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		cors(w)
		w.Header().Set("Content-Type", "application/json")
		mu.Lock()
		issuer := idpURL
		if otherIssuer {
			issuer = "https://attacker.example"
		}
		mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": issuer,
			"authorization_endpoint": idpURL + "/authorize", "token_endpoint": idpURL + "/token",
			"end_session_endpoint": idpURL + "/logout"})
	})
	idp.HandleFunc("GET /logout", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		logout = r.URL.Query()
		mu.Unlock()
		http.Redirect(w, r, r.URL.Query().Get("post_logout_redirect_uri"), http.StatusFound)
	})
	idp.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("response_type") != "code" || q.Get("client_id") != clientID || q.Get("code_challenge_method") != "S256" ||
			len(q.Get("code_challenge")) != 43 || q.Get("state") == "" || q.Get("scope") != scope {
			t.Errorf("authorization request %v", q)
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		mu.Lock()
		challenge, redirect = q.Get("code_challenge"), q.Get("redirect_uri")
		mu.Unlock()
		http.Redirect(w, r, redirect+"?code=the-code&state="+url.QueryEscape(q.Get("state")), http.StatusFound)
	})
	idp.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		cors(w)
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		mu.Lock()
		ok := r.PostForm.Get("grant_type") == "authorization_code" && r.PostForm.Get("code") == "the-code" &&
			r.PostForm.Get("client_id") == clientID && r.PostForm.Get("redirect_uri") == redirect &&
			base64.RawURLEncoding.EncodeToString(sum[:]) == challenge
		verified = ok
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if !ok {
			t.Errorf("token request %v does not match the authorization request", r.PostForm)
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": token, "token_type": "Bearer", "expires_in": 3600})
	})
	idpSrv := httptest.NewServer(idp)
	defer idpSrv.Close()
	idpURL = idpSrv.URL

	c := testConfig(t, newDataDir(t))
	c.functions = maps.Clone(registry)
	c.functions["ConsoleFunction"] = wiring{HTTP: func(e env) (http.Handler, error) {
		return console.New(console.Deps{Logger: e.Logger, Issuer: idpURL, ClientID: clientID, Scope: scope})
	}}
	r := startRunner(t, c, nil)
	token = r.token(t, "locride")
	b := newConsoleBrowser(t, r.BaseURL)

	// A forged answer (no sign-in started in this tab): a fixed message,
	// never the text in the address.
	const forged = "Your account is locked: call +1 555 0100"
	consoleRun(b, "open a forged answer", chromedp.NavigateResponse(r.BaseURL+"/console?error=access_denied&state=x&error_description="+url.QueryEscape(forged)))
	b.waitText("main .form-error", "Accesso non riuscito: risposta di accesso non valida: riprovare.")
	if got := b.text("main"); strings.Contains(got, "locked") || strings.Contains(got, "access_denied") {
		t.Errorf("the page shows the address's text: %q", got)
	}
	if loc := consoleRun(b, "location", chromedp.Location()); loc != r.BaseURL+"/console" {
		t.Errorf("after a forged answer the address is %s", loc)
	}
	b.shot("00-risposta-contraffatta")
	// The provider's error on a sign-in this tab started: its code in
	// Italian, not its description.
	consoleRun(b, "a sign-in started", chromedp.Evaluate[bool](
		`sessionStorage.setItem("suapcds.pkce", JSON.stringify({verifier: "v", state: "s1", hash: "#/videoconferenze"})), true`))
	consoleRun(b, "the provider's error", chromedp.NavigateResponse(r.BaseURL+"/console?error=access_denied&state=s1&error_description="+url.QueryEscape(forged)))
	b.waitText("main .form-error", "Accesso non riuscito: l'accesso è stato negato.")
	if got := b.text("main"); strings.Contains(got, "locked") {
		t.Errorf("the page shows the provider's description: %q", got)
	}

	consoleRun(b, "open the console", chromedp.NavigateResponse(r.BaseURL+"/console#/videoconferenze"))
	b.waitText("main h1", "Accesso")
	b.shot("01-accesso")
	b.do("click Accedi", chromedp.Click(chromedp.ID("sign-in")))
	b.waitText("#user-name", "Anna Ferraro")
	// Back on the screen asked for, the list loaded with the token.
	b.waitText("main h1", "Gestione delle richieste di Videoconferenza")
	b.do("the list", chromedp.WaitVisible(chromedp.ID("no-requests")))
	if loc := consoleRun(b, "location", chromedp.Location()); loc != r.BaseURL+"/console#/videoconferenze" {
		t.Errorf("after the sign-in the address is %s, want the code and state gone", loc)
	}
	if got := consoleRun(b, "stored token", chromedp.Evaluate[string](`sessionStorage.getItem("suapcds.token")`)); got != token {
		t.Error("the access token is not in sessionStorage suapcds.token")
	}
	mu.Lock()
	if !verified || redirect != r.BaseURL+"/console" {
		t.Errorf("PKCE not verified (%v) or redirect URI %q", verified, redirect)
	}
	mu.Unlock()
	b.shot("02-dopo-accesso")

	// "Esci" forgets the token and ends the provider's session, back to the
	// console.
	b.do("sign out", chromedp.Click(chromedp.ID("sign-out")))
	b.waitText("main h1", "Accesso")
	if got := consoleRun(b, "token after Esci", chromedp.Evaluate[string](`sessionStorage.getItem("suapcds.token") || ""`)); got != "" {
		t.Error("the token survived Esci")
	}
	mu.Lock()
	if logout.Get("client_id") != clientID || logout.Get("post_logout_redirect_uri") != r.BaseURL+"/console" {
		t.Errorf("end_session_endpoint called with %v", logout)
	}
	otherIssuer = true
	mu.Unlock()

	// A discovery document naming another issuer: no sign-in.
	b.do("click Accedi", chromedp.Click(chromedp.ID("sign-in")))
	b.waitText("main .form-error", "Accesso non riuscito: la configurazione del fornitore di identità non corrisponde a quella della console.")
	if loc := consoleRun(b, "location", chromedp.Location()); !strings.HasPrefix(loc, r.BaseURL+"/console") {
		t.Errorf("with another issuer the page went to %s", loc)
	}
}

// TestConsoleErrorsAndExpiredSession: the API's field errors that match no
// field are listed under the top message; an error on a ticked body goes
// next to that body's box, even when the boxes before it are not ticked
// (the request lists the ticked ones only), after its label, not in it,
// and leaves no stale aria-describedby once cleared; the reason's counter
// announces thresholds only; a 401 (the token no longer valid) keeps the
// screen and what was typed, offers "Accedi di nuovo", and after signing in
// again the same screen comes back with the ticks and the reason.
func TestConsoleErrorsAndExpiredSession(t *testing.T) {
	r := startRunner(t, testConfig(t, newDataDir(t)), nil)
	b := newConsoleBrowser(t, r.BaseURL)
	const pratica = "africo-2026-0001"
	b.signIn("africo", "Maria Rossi")

	// limit=0 in the address: the API's field error is on "limit", which
	// the filters do not have.
	b.goTo("#/videoconferenze?limit=0")
	b.waitText("#filters .form-error", "«limit»")
	b.waitText("#filters .form-error li", "Da 1 a 100.")
	b.shot("01-errore-senza-campo")

	// Verifiche: the second and third bodies ticked, the first not.
	b.goTo("#/pratiche/" + pratica + "/verifiche")
	b.do("tick the 2nd and 3rd bodies",
		chromedp.Click(chromedp.CSS(`#verifiche-form [data-field="bodies[1]"] input`)),
		chromedp.Click(chromedp.CSS(`#verifiche-form [data-field="bodies[2]"] input`)))
	b.do("the reason", chromedp.WaitVisible(chromedp.ID("reason")))
	// The API refusing the request's second body (the pratica's third).
	consoleRun(b, "stub the verifications", chromedp.Evaluate[bool](`(() => {
		window.realFetch = window.realFetch || window.fetch;
		window.fetch = (url, opts) => String(url).endsWith("/verifications")
			? Promise.resolve(new Response(JSON.stringify({code: "invalid_input", detail: "Controllare gli uffici selezionati.",
				errors: [{field: "bodies[1]", code: "inactive", detail: "Ufficio non più attivo."}]}),
				{status: 422, headers: {"Content-Type": "application/problem+json"}}))
			: window.realFetch(url, opts);
		return true;
	})()`))
	b.do("send", chromedp.Click(chromedp.ID("send-verifications")))
	b.waitText("#verifiche-form .form-error", "Controllare gli uffici selezionati.")
	type placed struct {
		After      string
		InLabel    bool
		Invalid    string
		Described  bool
		UniqueID   bool
		ErrorCount int
	}
	where := func() placed {
		return consoleRun(b, "where the error is", chromedp.Evaluate[placed](`(() => {
			const e = document.querySelector("#verifiche-form .field-error");
			const box = document.querySelector('#verifiche-form [data-field="bodies[2]"] input');
			return {
				After: e && e.previousElementSibling ? e.previousElementSibling.getAttribute("data-field") : "",
				InLabel: !!(e && e.closest("label")),
				Invalid: box.getAttribute("aria-invalid") || "",
				Described: !!(e && (box.getAttribute("aria-describedby") || "").split(" ").includes(e.id)),
				UniqueID: !!(e && e.id && document.querySelectorAll("#" + CSS.escape(e.id)).length === 1),
				ErrorCount: document.querySelectorAll("#verifiche-form .field-error").length,
			};
		})()`))
	}
	if got := where(); got != (placed{After: "bodies[2]", Invalid: "true", Described: true, UniqueID: true, ErrorCount: 1}) {
		t.Errorf("the body's error: %+v, want right after the third body's label, describing its box", got)
	}
	b.waitText(`#verifiche-form .field-error`, "Ufficio non più attivo.")
	b.shot("02-errore-ente")
	// A second answer without field errors: the first one's error is gone,
	// from the page and from the box's description.
	consoleRun(b, "stub without field errors", chromedp.Evaluate[bool](`(() => {
		window.fetch = (url, opts) => String(url).endsWith("/verifications")
			? Promise.resolve(new Response(JSON.stringify({code: "conflict", detail: "Riprovare."}),
				{status: 409, headers: {"Content-Type": "application/problem+json"}}))
			: window.realFetch(url, opts);
		return true;
	})()`))
	b.do("send again", chromedp.Click(chromedp.ID("send-verifications")))
	b.waitText("#verifiche-form .form-error", "Riprovare.")
	if got := consoleRun(b, "the box's description", chromedp.Evaluate[string](
		`document.querySelector('#verifiche-form [data-field="bodies[2]"] input').getAttribute("aria-describedby") || ""`)); got != "" {
		t.Errorf("aria-describedby %q left after the error was cleared", got)
	}
	consoleRun(b, "unstub", chromedp.Evaluate[bool](`window.fetch = window.realFetch, true`))

	// The counter: not live; the announcer speaks at 50 left, not before.
	if n := b.count("#reason-counter[aria-live]"); n != 0 {
		t.Error("the counter announces every keystroke")
	}
	const reason = "Pareri già acquisiti in sede istruttoria"
	b.do("type the reason", chromedp.SendKeys(chromedp.ID("reason"), reason))
	if got := b.text("#reason-counter"); got != fmt.Sprintf("%d caratteri rimanenti", 250-len([]rune(reason))) {
		t.Errorf("counter %q", got)
	}
	if got := consoleRun(b, "announcer", chromedp.Evaluate[string](`document.getElementById("reason-announcer").textContent`)); got != "" {
		t.Errorf("announced %q with 200 characters left", got)
	}
	consoleRun(b, "a long reason", chromedp.Evaluate[bool](`(() => { const e = document.getElementById("reason");
		e.value = "x".repeat(200); e.dispatchEvent(new Event("input", {bubbles: true})); return true; })()`))
	b.waitText("#reason-announcer", "50 caratteri rimanenti.")
	consoleRun(b, "back to the reason", chromedp.Evaluate[bool](`(() => { const e = document.getElementById("reason");
		e.value = `+jsonString(reason)+`; e.dispatchEvent(new Event("input", {bubbles: true})); return true; })()`))

	// The token no longer valid: sending keeps the screen and the form.
	consoleRun(b, "spoil the token", chromedp.Evaluate[bool](`(() => {
		const p = sessionStorage.getItem("suapcds.token").split(".");
		p[2] = (p[2][0] === "A" ? "B" : "A").repeat(p[2].length);
		sessionStorage.setItem("suapcds.token", p.join("."));
		return true;
	})()`))
	b.do("send with the spoilt token", chromedp.Click(chromedp.ID("send-verifications")))
	b.waitText("#session-expired", "La sessione è scaduta")
	b.waitText("#verifiche-form .form-error", "Accedi di nuovo")
	if got := b.value("#reason"); got != reason {
		t.Errorf("the reason became %q after the 401, want %q kept", got, reason)
	}
	if n := b.count(`#verifiche-form input[name="body"]:checked`); n != 2 {
		t.Errorf("%d bodies ticked after the 401, want 2", n)
	}
	if got := b.text("main h1"); got != "Pratica numero SUAP/AFRICO/2026/0001" {
		t.Errorf("after the 401 the screen is %q", got)
	}
	b.shot("03-sessione-scaduta")

	// Signing in again brings back the screen and what was typed.
	b.do("Accedi di nuovo", chromedp.Click(chromedp.ID("sign-in-again")))
	b.waitJS("the local sign-in page", `location.pathname === "/_local/" && document.readyState === "complete"`)
	b.signIn("africo", "Maria Rossi")
	b.waitText("main h1", "Pratica numero SUAP/AFRICO/2026/0001")
	b.waitValue("#reason", reason)
	if n := b.count(`#verifiche-form [data-field="bodies[1]"] input:checked, #verifiche-form [data-field="bodies[2]"] input:checked`); n != 2 {
		t.Errorf("%d of the two ticks restored", n)
	}
	b.do("the reason's box", chromedp.WaitVisible(chromedp.ID("reason")))
	b.do("send", chromedp.Click(chromedp.ID("send-verifications")))
	if got := b.text("#reason-readonly"); got != reason {
		t.Errorf("reason sent %q, want %q", got, reason)
	}
	if got := consoleRun(b, "drafts", chromedp.Evaluate[string](`sessionStorage.getItem("suapcds.drafts") || ""`)); got != "" {
		t.Errorf("drafts left in sessionStorage: %s", got)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
