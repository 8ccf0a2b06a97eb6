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

	console "suapcds/functions/console/handler"
	"suapcds/shared/clock"
	"suapcds/shared/testenv"
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
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("lang", "it-IT"),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "profile")),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(&out),
	)
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

// signIn opens the local demo sign-in link of role, which leads to the
// console, and waits for the console to show the user.
func (b *consoleBrowser) signIn(role, name string) {
	b.t.Helper()
	res := consoleRun(b, "sign in as "+role, chromedp.NavigateResponse(b.base+"/_local/login?role="+role))
	if res.Status != http.StatusOK {
		b.t.Fatalf("sign-in link: status %d", res.Status)
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
	if res.header.Get("Referrer-Policy") != "no-referrer" || res.header.Get("X-Content-Type-Options") != "nosniff" || res.header.Get("ETag") == "" {
		t.Errorf("GET /console headers: %v", res.header)
	}

	// Sign in; open the pratica from the home page, with the keyboard.
	b.signIn("africo", "Maria Rossi")
	b.waitText("main h1", "Gestione pratiche")
	b.do("open the pratica",
		chromedp.SendKeys(chromedp.CSS("#open-pratica input"), pratica),
		chromedp.KeyEvent("\r"))
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

	// 3. Videoconferenza: the list, filtered by the pratica's number.
	b.do("open Videoconferenza", chromedp.Click(chromedp.CSS(`#menu a[href="#/videoconferenze"]`)))
	b.waitText("#requests tbody", number)
	b.do("filter by number",
		chromedp.SendKeys(chromedp.CSS(`#filters input[name="praticaNumber"]`), number),
		chromedp.Click(chromedp.CSS(`#filters button[type="submit"]`)))
	b.waitText("#requests tbody", subject)
	if n := b.count("#requests tbody tr"); n != 1 {
		t.Errorf("%d rows for pratica %s, want 1", n, number)
	}
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
	ids := listIDs(t, r, "africo")
	if len(ids) != 1 {
		t.Fatalf("requests %v, want one", ids)
	}
	const code, password, link = "842 193 557", "Sila-2026", "https://videoconferenza.regione.calabria.it/sala-1/842193557"
	if res := call(t, "POST", r.BaseURL+"/booking-requests/"+ids[0]+"/accept", r.token(t, "manager"),
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
	b.shot("10-storico")
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
// provider (a fake one here, on another origin) sees an S256 challenge, the
// token request carries the matching verifier, and the console then calls
// the API with the token it got, the code gone from the address.
func TestConsoleOIDCSignIn(t *testing.T) {
	const clientID = "suapcds-console"
	var (
		mu        sync.Mutex
		challenge string
		redirect  string
		verified  bool
		token     string // the access token the provider hands out
	)
	idp := http.NewServeMux()
	var idpURL string
	cors := func(w http.ResponseWriter) { w.Header().Set("Access-Control-Allow-Origin", "*") }
	idp.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		cors(w)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": idpURL,
			"authorization_endpoint": idpURL + "/authorize", "token_endpoint": idpURL + "/token"})
	})
	idp.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("response_type") != "code" || q.Get("client_id") != clientID || q.Get("code_challenge_method") != "S256" ||
			len(q.Get("code_challenge")) != 43 || q.Get("state") == "" || !strings.Contains(q.Get("scope"), "openid") {
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
	c.functions["ConsoleFunction"] = wiring{HTTP: func(e env) http.Handler {
		h, err := console.New(console.Config{Issuer: idpURL, ClientID: clientID}, e.Logger)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}}
	r := startRunner(t, c, nil)
	token = r.token(t, "locride")
	b := newConsoleBrowser(t, r.BaseURL)

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

	// "Esci" forgets the token.
	b.do("sign out", chromedp.Click(chromedp.CSS("#user button")))
	b.waitText("main h1", "Accesso")
	if got := consoleRun(b, "token after Esci", chromedp.Evaluate[string](`sessionStorage.getItem("suapcds.token") || ""`)); got != "" {
		t.Error("the token survived Esci")
	}
}
