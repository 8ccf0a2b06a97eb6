package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"suapcds/functions/pratiche"
	"suapcds/shared/clock"
	"suapcds/shared/recording/s3test"
)

// aheadClock is the system clock moved forward on demand: the conferences'
// service runs on it, so a session convened for tomorrow can be held "now".
type aheadClock struct {
	mu    sync.Mutex
	ahead time.Duration
}

func (c *aheadClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.ahead)
}

func (c *aheadClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ahead += d
}

// withConferenceClock wires the conferences' function (pratiche) on a
// service with clk, on the local run's store and bucket.
func withConferenceClock(t *testing.T, c *cfg, clk clock.Clock) {
	t.Helper()
	c.functions = maps.Clone(registry)
	c.functions["PraticheFunction"] = wiring{HTTP: func(e env) (http.Handler, error) {
		e.Clock = clk
		return pratiche.New(pratiche.Deps{App: e.app()})
	}}
}

// allowDownloads lets the tab save files into a folder of the test.
func (b *consoleBrowser) allowDownloads() string {
	b.t.Helper()
	dir := b.t.TempDir()
	if _, err := chromedp.CallBrowser(b.tab, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: new(true),
	}); err != nil {
		b.t.Fatal(err)
	}
	return dir
}

// download clicks sel and waits for the download it starts: the name the
// browser suggests and the bytes saved (into dir, from allowDownloads).
func (b *consoleBrowser) download(dir, sel string) (string, []byte) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.tab, consoleStep)
	defer cancel()
	begin := chromedp.BrowserEvents(ctx, browser.DownloadWillBegin)
	progress := chromedp.BrowserEvents(ctx, browser.DownloadProgress)
	b.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
	var name, guid string
	for ev, err := range begin {
		if err != nil {
			b.t.Fatalf("no download after clicking %s: %v", sel, err)
		}
		name, guid = ev.SuggestedFilename, ev.GUID
		break
	}
	for ev, err := range progress {
		if err != nil {
			b.t.Fatalf("download %s never completed: %v", name, err)
		}
		if ev.GUID != guid {
			continue
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			b.t.Fatalf("download %s cancelled", name)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			break
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, guid))
	if err != nil {
		b.t.Fatal(err)
	}
	return name, data
}

// setValue sets a form control's value as a person would (input and change).
func (b *consoleBrowser) setValue(sel, v string) {
	b.t.Helper()
	got := consoleRun(b, "set "+sel, chromedp.Evaluate[string](fmt.Sprintf(
		`(() => { const e = document.querySelector(%q); e.value = %q; e.dispatchEvent(new Event("input", {bubbles: true}));
		e.dispatchEvent(new Event("change", {bubbles: true})); return e.value; })()`, sel, v)))
	if got != v {
		b.t.Fatalf("%s took %q, want %q", sel, got, v)
	}
}

// value is a form control's value now.
func (b *consoleBrowser) value(sel string) string {
	b.t.Helper()
	return consoleRun(b, "value of "+sel, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q).value`, sel)))
}

// attachments are the decoded attachments of the .eml file path, by name.
func attachments(t *testing.T, path string) map[string][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	msg, err := mail.ReadMessage(bufio.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	var walk func(h map[string][]string, body io.Reader)
	walk = func(h map[string][]string, body io.Reader) {
		mt, params, err := mime.ParseMediaType(header(h, "Content-Type"))
		if err == nil && strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err != nil {
					return
				}
				walk(p.Header, p)
			}
		}
		_, dp, err := mime.ParseMediaType(header(h, "Content-Disposition"))
		if err != nil || dp["filename"] == "" {
			return
		}
		b, _ := io.ReadAll(body)
		if strings.EqualFold(header(h, "Content-Transfer-Encoding"), "base64") {
			b, _ = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(b)), ""))
		}
		out[dp["filename"]] = b
	}
	walk(msg.Header, msg.Body)
	return out
}

func header(h map[string][]string, k string) string {
	if v := h[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// TestConsoleConferences walks a SUAP operator through a services
// conference on the Conferenza servizi tab: the booking form's e-mail
// pre-filled with the office's address; a conference added; a session
// convened for two bodies with a PDF convocation uploaded straight to the
// local bucket (a first try without bodies and place shows the API's details
// next to the fields and keeps the date and the file); the session listed CONVOCATA
// with its bodies; the convocation downloaded; the bodies' mails in the
// outbox with the convocation attached; the pre-filled documents; the
// session held with its verbale (refused before its start, with the form
// kept); a second session held and its verbale added later, a third
// cancelled; the conference concluded with its closing act (an end date in
// the future refused next to the field, the outcome kept); the service
// (manager) reading it all without forms; the administrator kept out.
func TestConsoleConferences(t *testing.T) {
	clk := &aheadClock{}
	c := testConfig(t, newDataDir(t))
	withConferenceClock(t, c, clk)
	r := startRunner(t, c, nil)
	b := newConsoleBrowser(t, r.BaseURL)
	downloads := b.allowDownloads()
	const pratica = "africo-2026-0001"
	pdf := []byte("%PDF-1.4\n% convocazione della conferenza di servizi\n%%EOF\n")
	verbale := []byte("%PDF-1.4\n% verbale della seduta\n%%EOF\n")
	closing := []byte("%PDF-1.4\n% determinazione conclusiva\n%%EOF\n")
	files := t.TempDir()
	for name, data := range map[string][]byte{"convocazione.pdf": pdf, "verbale.pdf": verbale, "determinazione.pdf": closing} {
		if err := os.WriteFile(filepath.Join(files, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	b.signIn("africo", "Maria Rossi")
	b.goTo("#/pratiche/" + pratica + "/conferenza")
	b.do("the booking form", chromedp.WaitVisible(chromedp.ID("booking-form")))
	// A first booking: the e-mail is the office's, given by the API.
	b.waitValue("#email", "suap@comune.africo.rc.it")
	b.do("the conferences", chromedp.WaitVisible(chromedp.ID("no-conferences")), chromedp.WaitVisible(chromedp.ID("new-conference")))
	b.settledShot("01-conferenza-nessuna")

	// A conference: simultanea sincrona, started today.
	b.setValue(`#new-conference select[name="type"]`, "simultanea_sincrona")
	b.do("add the conference", chromedp.Click(chromedp.ID("create-conference")))
	b.waitText("#conference-done", "Conferenza inserita.")
	b.waitText("#conferences .conference h3", "Conferenza Simultanea sincrona — indetta il "+time.Now().In(clock.Rome).Format("02-01-2006"))
	b.settledShot("02-conferenza-inserita")

	// Convening without bodies: the API's detail next to the bodies, the
	// date and the file kept.
	conv := "#conferences .convene-form"
	start := time.Now().In(clock.Rome).AddDate(0, 0, 1)
	start = time.Date(start.Year(), start.Month(), start.Day(), 10, 30, 0, 0, clock.Rome)
	b.setValue(conv+` input[name="start"]`, start.Format("2006-01-02T15:04"))
	b.do("choose the convocation", chromedp.SetUploadFiles(chromedp.CSS(conv+` input[type="file"]`), []string{filepath.Join(files, "convocazione.pdf")}))
	b.do("convene without bodies", chromedp.Click(chromedp.CSS(conv+` button[type="submit"]`)))
	b.waitText(conv+` [data-field="bodyIds"] .field-error`, "Selezionare almeno un ente")
	// No accepted videoconference covers the time: the place is required.
	b.waitText(conv+` [data-field="place"] .field-error`, "luogo")
	b.text(conv + " .form-error")
	if v := b.value(conv + ` input[name="start"]`); v != start.Format("2006-01-02T15:04") {
		t.Errorf("the date became %q after the error", v)
	}
	if n := consoleRun(b, "file kept", chromedp.Evaluate[int](`document.querySelector("#conferences .convene-form input[type=file]").files.length`)); n != 1 {
		t.Error("the chosen convocation was lost after the error")
	}
	b.do("the errors on screen", chromedp.WaitVisible(chromedp.CSS(conv+` [data-field="place"] .field-error`)))
	b.settledShot("03-convocazione-errore")

	b.do("tick two bodies, give the place and convene",
		chromedp.SendKeys(chromedp.CSS(conv+` input[name="place"]`), "Sala consiliare del Comune di Africo"),
		chromedp.Click(chromedp.CSS(conv+` input[value="comune-africo"]`)),
		chromedp.Click(chromedp.CSS(conv+` input[value="asp-rc"]`)),
		chromedp.Click(chromedp.CSS(conv+` button[type="submit"]`)))
	b.waitText("#conference-done", "Seduta convocata")
	session := "#conferences .session"
	b.waitText(session+" h5", "Seduta n. 1 — "+start.Format("02-01-2006 15:04"))
	if got := b.text(session + `[data-state="CONVOCATA"] dl`); !strings.Contains(got, "Convocata") {
		t.Errorf("session facts %q, want state Convocata", got)
	}
	b.waitText(session+" dl", "ASP Reggio Calabria; Comune di Africo")
	b.waitText(session+" dl", "Sala consiliare del Comune di Africo")
	// The synchronous conference's term runs from its first session.
	b.text("#conferences .deadlines tbody")
	if n := b.count("#conferences .deadlines tbody tr"); n == 0 {
		t.Error("no legal deadline after the first session")
	}
	b.settledShot("04-seduta-convocata")

	// The convocation downloads through its pre-signed link.
	name, got := b.download(downloads, session+" button.file-link")
	if !bytes.Equal(got, pdf) || !strings.HasPrefix(name, "convocazione-pratica-") || !strings.HasSuffix(name, ".pdf") {
		t.Errorf("downloaded %q (%d bytes), want the convocation", name, len(got))
	}

	// The bodies' mails, with the convocation attached (notify's outbox).
	want := map[string]bool{"protocollo.comune.africo@pec.example.it": false, "protocollo@asp.rc.example.it": false}
	for deadline := time.Now().Add(consoleStep); ; time.Sleep(50 * time.Millisecond) {
		mails, err := listMail(r.MailDir)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mails {
			for addr := range want {
				if strings.Contains(m.To, addr) && !want[addr] {
					att := attachments(t, filepath.Join(r.MailDir, m.Name))
					for _, data := range att {
						if bytes.Equal(data, pdf) {
							want[addr] = true
						}
					}
				}
			}
		}
		if want["protocollo.comune.africo@pec.example.it"] && want["protocollo@asp.rc.example.it"] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("convocation mails with the PDF attached, by address: %v (outbox %v)", want, mails)
		}
	}

	// The pre-filled documents download with the token.
	name, got = b.download(downloads, `#conferences button.document[data-model="indizione-sincrona-videoconferenza"]`)
	if !bytes.HasPrefix(got, []byte("PK")) || !strings.HasSuffix(name, ".odt") || !strings.HasPrefix(name, "indizione-sincrona-videoconferenza") {
		t.Errorf("pre-filled document %q (%d bytes), want an .odt", name, len(got))
	}

	// Held before its start: refused next to the state, the form kept.
	state := "#conferences .state-form"
	b.do("choose the verbale", chromedp.SetUploadFiles(chromedp.CSS(state+` input[type="file"]`), []string{filepath.Join(files, "verbale.pdf")}))
	b.do("mark it held too early", chromedp.Click(chromedp.CSS(state+` button[type="submit"]`)))
	b.waitText(state+` [data-field="state"] .field-error`, "prima della data e ora di convocazione")
	b.settledShot("05-seduta-non-iniziata")

	// A day and a half later (the service's clock): held, with its verbale.
	clk.advance(36 * time.Hour)
	b.do("mark it held", chromedp.Click(chromedp.CSS(state+` button[type="submit"]`)))
	b.waitText("#conference-done", "Seduta n. 1 segnata come svolta.")
	b.waitText(session+`[data-state="SVOLTA"] dl`, "Svolta")
	name, got = b.download(downloads, session+" button.file-link:nth-of-type(2)")
	if !bytes.Equal(got, verbale) || !strings.HasPrefix(name, "verbale-pratica-") {
		t.Errorf("downloaded %q (%d bytes), want the verbale", name, len(got))
	}
	b.settledShot("06-seduta-svolta")

	// Two more sessions, for tomorrow on the service's clock: the third
	// cancelled; the second held without its verbale, added afterwards.
	next := clk.Now().In(clock.Rome).AddDate(0, 0, 1)
	for i, body := range []string{"vvf-rc", "asp-vv"} {
		at := time.Date(next.Year(), next.Month(), next.Day(), 9+2*i, 0, 0, 0, clock.Rome)
		b.setValue(conv+` input[name="start"]`, at.Format("2006-01-02T15:04"))
		b.do("convene session "+body,
			chromedp.SetUploadFiles(chromedp.CSS(conv+` input[type="file"]`), []string{filepath.Join(files, "convocazione.pdf")}),
			chromedp.SendKeys(chromedp.CSS(conv+` input[name="place"]`), "Sala consiliare del Comune di Africo"),
			chromedp.Click(chromedp.CSS(conv+` input[value="`+body+`"]`)),
			chromedp.Click(chromedp.CSS(conv+` button[type="submit"]`)))
		b.waitText(fmt.Sprintf("%s:nth-of-type(%d) h5", session, i+2), fmt.Sprintf("Seduta n. %d — %s", i+2, at.Format("02-01-2006 15:04")))
	}
	third := session + ":nth-of-type(3)"
	b.do("cancel the third session",
		chromedp.Click(chromedp.CSS(third+` input[value="ANNULLATA"]`)),
		chromedp.Click(chromedp.CSS(third+` .state-form button[type="submit"]`)))
	b.waitText("#conference-done", "Seduta n. 3 annullata.")
	b.waitText(third+`[data-state="ANNULLATA"] dl`, "Annullata")
	second := session + ":nth-of-type(2)"
	clk.advance(48 * time.Hour)
	b.do("hold the second session", chromedp.Click(chromedp.CSS(second+` .state-form button[type="submit"]`)))
	b.waitText("#conference-done", "Seduta n. 2 segnata come svolta.")
	b.do("attach no verbale", chromedp.Click(chromedp.CSS(second+` .verbale-form button[type="submit"]`)))
	b.waitText(second+` .verbale-form [data-field="closingFileKey"] .field-error`, "Scegliere il file del verbale.")
	b.settledShot("07-sedute-annullata-e-senza-verbale")
	b.do("attach the verbale",
		chromedp.SetUploadFiles(chromedp.CSS(second+` .verbale-form input[type="file"]`), []string{filepath.Join(files, "verbale.pdf")}),
		chromedp.Click(chromedp.CSS(second+` .verbale-form button[type="submit"]`)))
	b.waitText("#conference-done", "Verbale della seduta n. 2 allegato.")
	if n := b.count(second + " .verbale-form"); n != 0 {
		t.Error("the verbale form is still there after the verbale")
	}
	if name, got := b.download(downloads, second+" button.file-link:nth-of-type(2)"); !bytes.Equal(got, verbale) || !strings.Contains(name, "seduta-2") {
		t.Errorf("downloaded %q (%d bytes), want the second session's verbale", name, len(got))
	}

	// Concluding with an end date in the future: the detail next to the
	// date, the outcome kept.
	closeForm := "#conferences .close-form"
	b.setValue(closeForm+` select[name="outcome"]`, "positivo_con_prescrizioni")
	b.setValue(closeForm+` input[name="endDate"]`, clk.Now().In(clock.Rome).AddDate(0, 0, 10).Format("2006-01-02"))
	b.do("conclude in the future", chromedp.Click(chromedp.CSS(closeForm+` button[type="submit"]`)))
	b.do("the error", chromedp.WaitVisible(chromedp.CSS(closeForm+` [data-field="endDate"] .field-error`)))
	if v := b.value(closeForm + ` select[name="outcome"]`); v != "positivo_con_prescrizioni" {
		t.Errorf("the outcome became %q after the error", v)
	}
	b.settledShot("08-conclusione-errore")

	// Not before the session held, not after the service's today.
	today := clk.Now().In(clock.Rome)
	b.setValue(closeForm+` input[name="endDate"]`, today.Format("2006-01-02"))
	b.do("conclude with the closing act",
		chromedp.SetUploadFiles(chromedp.CSS(closeForm+` input[type="file"]`), []string{filepath.Join(files, "determinazione.pdf")}),
		chromedp.Click(chromedp.CSS(closeForm+` button[type="submit"]`)))
	b.waitText("#conference-done", "Conferenza conclusa.")
	b.waitText("#conferences .conference dl", "Positivo con prescrizioni")
	b.waitText("#conferences .conference dl", today.Format("02-01-2006"))
	if n := b.count("#conferences .convene-form, #conferences .close-form, #conferences .state-form"); n != 0 {
		t.Errorf("%d forms left on a concluded conference", n)
	}
	if name, got := b.download(downloads, "#conferences .conference dl button.file-link"); !bytes.Equal(got, closing) ||
		!strings.HasPrefix(name, "determinazione-conclusiva-pratica-") {
		t.Errorf("downloaded %q (%d bytes), want the closing act", name, len(got))
	}
	b.settledShot("09-conferenza-conclusa")

	// The service reads the conference, with its files, and no form.
	b.signIn("manager", "Luca Romano")
	b.goTo("#/pratiche/" + pratica + "/conferenza")
	b.waitText("#conferences .conference dl", "Positivo con prescrizioni")
	b.text("#read-only")
	if n := b.count("main form, #tab-verifiche, #conferences .documents"); n != 0 {
		t.Errorf("the manager sees %d forms, document buttons or the Verifiche tab", n)
	}
	name, got = b.download(downloads, session+" button.file-link")
	if !bytes.Equal(got, pdf) || !strings.HasPrefix(name, "convocazione-pratica-") {
		t.Errorf("the manager downloaded %q (%d bytes), want the convocation", name, len(got))
	}
	b.settledShot("10-gestore-sola-lettura")

	// The administrator: not here at all.
	b.signIn("admin", "Paola Greco")
	b.goTo("#/pratiche/" + pratica + "/conferenza")
	b.waitText("main h1", "Accesso non previsto")
	if n := b.count("#conferences"); n != 0 {
		t.Error("the administrator sees the conferences")
	}
}

// settledShot is shot once the page has painted twice more: a full-page
// screenshot taken right after the focus scrolled the page can show parts
// not yet painted.
func (b *consoleBrowser) settledShot(name string) {
	b.t.Helper()
	consoleRun(b, "let the page paint", chromedp.Evaluate[bool](
		`new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(() => ok(true))))`, chromedp.EvalAwaitPromise))
	b.shot(name)
}

// waitValue waits until the form control sel holds want.
func (b *consoleBrowser) waitValue(sel, want string) {
	b.t.Helper()
	expr := fmt.Sprintf(`(document.querySelector(%q) || {}).value || ""`, sel)
	got := ""
	for deadline := time.Now().Add(consoleStep); ; time.Sleep(100 * time.Millisecond) {
		if got = consoleRun(b, "value of "+sel, chromedp.Evaluate[string](expr)); got == want {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s never held %q; it holds %q", sel, want, got)
		}
	}
}

// TestConsoleRecordingDownload: on an EVASA request with recording, once
// the service has uploaded it to the local bucket, "Scarica la
// registrazione" saves the recording's bytes.
func TestConsoleRecordingDownload(t *testing.T) {
	clk := clock.NewFixed(time.Now())
	c := testConfig(t, newDataDir(t))
	c.clock = clk
	r := startRunner(t, c, nil)
	op := r.token(t, "africo")
	start := meetingStart()
	res := call(t, "POST", r.BaseURL+"/pratiche/africo-2026-0001/booking-requests", op, map[string]any{
		"start": start, "durationMinutes": 60, "subject": "Conferenza registrata", "recording": true, "recordingConsent": true,
	})
	if res.status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	var req struct{ ID string }
	_ = json.Unmarshal(res.body, &req)
	mgr := r.token(t, "manager")
	if res := call(t, "POST", r.BaseURL+"/booking-requests/"+req.ID+"/accept", mgr, map[string]string{
		"roomId": "sala-1", "code": "1", "password": "p", "link": "https://videoconferenza.regione.calabria.it/sala-1"}); res.status != http.StatusOK {
		t.Fatalf("accept: %d %s", res.status, res.body)
	}
	at, _ := time.Parse(time.RFC3339, start)
	clk.Set(at.Add(time.Minute)) // the upload opens at the meeting's start
	res = call(t, "POST", r.BaseURL+"/booking-requests/"+req.ID+"/recording-upload", mgr, map[string]string{"contentType": "video/mp4"})
	var form struct {
		URL    string
		Fields map[string]string
	}
	if err := json.Unmarshal(res.body, &form); err != nil || res.status != http.StatusOK {
		t.Fatalf("upload form: %d %s", res.status, res.body)
	}
	recording := []byte("the meeting, recorded")
	if st := s3test.PostForm(t, form.URL, form.Fields, nil, "seduta.mp4", recording); st != http.StatusCreated {
		t.Fatalf("upload: %d", st)
	}

	b := newConsoleBrowser(t, r.BaseURL)
	downloads := b.allowDownloads()
	b.signIn("africo", "Maria Rossi")
	b.goTo("#/videoconferenze/" + req.ID)
	// The S3 event closes the request (EVASA) asynchronously: reload until
	// the page offers the download.
	for deadline := time.Now().Add(consoleStep); b.count("#download-recording") == 0; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no recording download on the detail")
		}
		b.do("reload", chromedp.Reload())
		b.do("the detail", chromedp.WaitVisible(chromedp.ID("request-state")))
	}
	b.settledShot("01-registrazione")
	name, got := b.download(downloads, "#download-recording")
	if !bytes.Equal(got, recording) {
		t.Errorf("downloaded %q: %q, want the recording", name, got)
	}
}
