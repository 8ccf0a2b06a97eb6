package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/mail"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"suapcds/shared/api"
	"suapcds/shared/clock"
	"suapcds/shared/store"
)

// site is the runner's own pages under /_local/ (never routed to a
// function): the demo users' tokens, the outbox mails, the OpenAPI document.
type site struct {
	baseURL string
	dataDir string
	mailDir string
	where   string
	users   []signIn
	routes  []routeInfo
	logger  *slog.Logger
	// unsent reads the outbox items not yet mailed (at most a page).
	unsent func(ctx context.Context) ([]store.OutboxItem, error)
}

// signIn is a demo user with the token minted for it at start.
type signIn struct {
	demoUser
	Token   string
	Expires time.Time
	Curl    string
}

// consolePath is where the operators' web console is served (ConsoleFunction).
const consolePath = "/console"

// Next is where the sign-in link leads: the console for the SUAP and basin
// operators, the index for the other roles (the console is not theirs).
func (u signIn) Next() string {
	if u.P.SUAPSide() {
		return consolePath
	}
	return "/_local/"
}

// routeInfo is a template route as the index page lists it.
type routeInfo struct {
	Key, Function string
	Wired         bool
}

func (s *site) handler() http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("GET /_local/{$}", s.index)
	m.HandleFunc("GET /_local/login", s.login)
	m.HandleFunc("GET /_local/token", s.token)
	m.HandleFunc("GET /_local/mail", s.mailList)
	m.HandleFunc("GET /_local/mail/{name}", s.mailFile)
	m.HandleFunc("GET /_local/outbox", s.outbox)
	m.HandleFunc("GET /_local/openapi.yaml", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
		_, _ = w.Write(api.OpenAPI)
	})
	m.HandleFunc("/_local/", http.NotFound)
	return m
}

func (s *site) user(key string) (signIn, bool) {
	i := slices.IndexFunc(s.users, func(u signIn) bool { return u.Key == key })
	if i < 0 {
		return signIn{}, false
	}
	return s.users[i], true
}

var pageTmpl = template.Must(template.New("page").Funcs(template.FuncMap{
	"when": func(t time.Time) string { return t.In(clock.Rome).Format("02-01-2006 15:04") },
}).Parse(`<!doctype html>
<html lang="it"><head><meta charset="utf-8"><title>suapcds — esecuzione locale</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#1b1b1b}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
code,pre{font:13px ui-monospace,monospace;background:#f4f4f4}pre{padding:.6rem;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
nav a{margin-right:1rem}.muted{color:#666}
</style></head><body>
<nav><a href="/_local/">Esecuzione locale</a><a href="/console">Console operatori</a><a href="/_local/mail">Posta in uscita</a><a href="/_local/openapi.yaml">OpenAPI</a></nav>
{{block "content" .}}{{end}}
</body></html>`))

var indexTmpl = template.Must(template.Must(pageTmpl.Clone()).Parse(`{{define "content"}}
<h1>suapcds — esecuzione locale</h1>
<p>API: <code>{{.BaseURL}}</code> · dati: <code>{{.Where}}</code> · posta: <code>{{.MailDir}}</code></p>
<p id="signed" class="muted"></p>
<h2>Accesso per ruolo</h2>
<table><tr><th>ruolo</th><th>utente</th><th></th><th>token (scade {{with index .Users 0}}{{when .Expires}}{{end}})</th></tr>
{{range .Users}}<tr><td>{{.Label}}<br><span class="muted">{{.P.Role}}{{with .P.Unit}} · {{.}}{{end}}</span></td><td>{{.P.Name}}</td>
<td><a href="/_local/login?role={{.Key}}">Accedi</a></td>
<td><details><summary>mostra</summary><pre>{{.Token}}</pre>{{with .Curl}}<pre>{{.}}</pre>{{end}}</details></td></tr>
{{end}}</table>
<h2>Rotte (da template.yaml)</h2>
<table>{{range .Routes}}<tr><td><code>{{.Key}}</code></td><td>{{.Function}}{{if not .Wired}} <em>(non collegata in locale)</em>{{end}}</td></tr>{{end}}</table>
<script>
const r = sessionStorage.getItem("suapcds.role");
if (r) document.getElementById("signed").textContent = "Accesso attivo in questa scheda: " + r + " (sessionStorage suapcds.token)";
</script>
{{end}}`))

var loginTmpl = template.Must(template.Must(pageTmpl.Clone()).Parse(`{{define "content"}}
<p>Accesso come {{.Label}} ({{.P.Name}})…</p>
<script>
sessionStorage.setItem("suapcds.token", {{.Token}});
sessionStorage.setItem("suapcds.role", {{.Label}});
location.replace({{.Next}});
</script>
{{end}}`))

var mailTmpl = template.Must(template.Must(pageTmpl.Clone()).Parse(`{{define "content"}}
<h1>Posta in uscita</h1>
<p class="muted">{{.Dir}} — {{len .Mails}} messaggi, i più recenti per primi</p>
<table><tr><th>data</th><th>a</th><th>oggetto</th></tr>
{{range .Mails}}<tr><td>{{when .Date}}</td><td>{{.To}}</td><td><a href="/_local/mail/{{.Name}}">{{.Subject}}</a></td></tr>
{{else}}<tr><td colspan="3" class="muted">Nessun messaggio.</td></tr>{{end}}</table>
{{end}}`))

func (s *site) render(w http.ResponseWriter, t *template.Template, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := t.Execute(w, data); err != nil {
		s.logger.Error("local page", "error", err.Error())
	}
}

func (s *site) index(w http.ResponseWriter, _ *http.Request) {
	s.render(w, indexTmpl, map[string]any{"BaseURL": s.baseURL, "Where": s.where, "MailDir": s.mailDir,
		"Users": s.users, "Routes": s.routes})
}

// login puts the role's token in the tab's session storage, where the
// console reads it, and opens the console (operators) or the index.
func (s *site) login(w http.ResponseWriter, r *http.Request) {
	u, ok := s.user(r.URL.Query().Get("role"))
	if !ok {
		http.Error(w, "ruolo sconosciuto", http.StatusNotFound)
		return
	}
	s.render(w, loginTmpl, u)
}

// token answers the role's token as text, for scripts:
// curl -H "Authorization: Bearer $(curl -s URL/_local/token?role=africo)" ...
func (s *site) token(w http.ResponseWriter, r *http.Request) {
	u, ok := s.user(r.URL.Query().Get("role"))
	if !ok {
		http.Error(w, "ruolo sconosciuto", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(u.Token))
}

// outboxStatus is GET /_local/outbox: the outbox items not yet mailed (the
// sweep's sparse index), so one can see mail waiting, e.g. after a crash.
type outboxStatus struct {
	// Unsent counts them, up to a page (100); More says there are more.
	Unsent int           `json:"unsent"`
	More   bool          `json:"more"`
	Items  []outboxEntry `json:"items"`
}

type outboxEntry struct {
	ID     string    `json:"id"`
	Kind   string    `json:"kind"`
	Status string    `json:"status"`
	DueAt  time.Time `json:"dueAt"`
}

func (s *site) outbox(w http.ResponseWriter, r *http.Request) {
	items, err := s.unsent(r.Context())
	if err != nil {
		s.logger.Error("reading the outbox", "error", err.Error())
		http.Error(w, "lettura della coda di notifiche non riuscita", http.StatusInternalServerError)
		return
	}
	st := outboxStatus{Unsent: len(items), More: len(items) == store.MaxPageSize, Items: []outboxEntry{}}
	for _, it := range items {
		st.Items = append(st.Items, outboxEntry{ID: it.ID, Kind: it.Kind, Status: it.Status, DueAt: it.Due()})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(st)
}

// mailEntry is one .eml file of the outbox folder.
type mailEntry struct {
	Name, To, Subject string
	Date              time.Time
}

var emlName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@+-]*\.eml$`)

func (s *site) mailList(w http.ResponseWriter, _ *http.Request) {
	mails, err := listMail(s.mailDir)
	if err != nil {
		s.logger.Error("reading the outbox", "error", err.Error())
	}
	s.render(w, mailTmpl, map[string]any{"Dir": s.mailDir, "Mails": mails})
}

// listMail reads the headers of every .eml in dir, newest first.
func listMail(dir string) ([]mailEntry, error) {
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	dec := new(mime.WordDecoder)
	var out []mailEntry
	for _, e := range ents {
		if e.IsDir() || !emlName.MatchString(e.Name()) {
			continue
		}
		m := mailEntry{Name: e.Name(), Subject: "(senza oggetto)"}
		if info, err := e.Info(); err == nil {
			m.Date = info.ModTime()
		}
		if f, err := os.Open(filepath.Join(dir, e.Name())); err == nil {
			if msg, err := mail.ReadMessage(bufio.NewReader(f)); err == nil {
				if v, err := dec.DecodeHeader(msg.Header.Get("Subject")); err == nil && v != "" {
					m.Subject = v
				}
				m.To, _ = dec.DecodeHeader(msg.Header.Get("To"))
				if d, err := msg.Header.Date(); err == nil {
					m.Date = d
				}
			}
			f.Close()
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b mailEntry) int { return b.Date.Compare(a.Date) })
	return out, nil
}

// mailFile shows one mail: its headers and text part decoded, the names
// of its other parts, and (?raw=1) the .eml itself as text.
func (s *site) mailFile(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !emlName.MatchString(name) {
		http.NotFound(w, r)
		return
	}
	path := filepath.Join(s.mailDir, name)
	if r.URL.Query().Has("raw") {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		http.ServeFile(w, r, path)
		return
	}
	f, err := os.Open(path)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	v, err := readMail(f)
	if err != nil {
		http.Error(w, "messaggio illeggibile: "+err.Error(), http.StatusUnprocessableEntity)
		return
	}
	v.Name = name
	s.render(w, mailViewTmpl, v)
}

// mailView is a mail decoded for reading.
type mailView struct {
	Name    string
	Headers [][2]string
	Text    []textPiece
	Parts   []string // the other parts: "text/html", "invito.ics (text/calendar)"
}

// textPiece is a run of the text part: plain text or a link.
type textPiece struct {
	Text string
	Link bool
}

var urlPattern = regexp.MustCompile(`https?://[^\s<>"]+`)

// readMail decodes the headers people read and the first text/plain part.
func readMail(rd io.Reader) (*mailView, error) {
	msg, err := mail.ReadMessage(bufio.NewReader(rd))
	if err != nil {
		return nil, err
	}
	dec := new(mime.WordDecoder)
	v := &mailView{}
	for _, h := range []string{"Date", "From", "To", "Cc", "Reply-To", "Subject"} {
		if raw := msg.Header.Get(h); raw != "" {
			val, err := dec.DecodeHeader(raw)
			if err != nil {
				val = raw
			}
			v.Headers = append(v.Headers, [2]string{h, val})
		}
	}
	var text string
	err = walkParts(textproto.MIMEHeader(msg.Header), msg.Body, func(h textproto.MIMEHeader, body []byte) {
		mt, params, _ := mime.ParseMediaType(h.Get("Content-Type"))
		if mt == "text/plain" && text == "" {
			text = string(body)
			return
		}
		label := mt
		_, dp, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
		if fn := cmp.Or(dp["filename"], params["name"]); fn != "" {
			label = fn + " (" + mt + ")"
		}
		v.Parts = append(v.Parts, label)
	})
	if err != nil {
		return nil, err
	}
	last := 0
	for _, m := range urlPattern.FindAllStringIndex(text, -1) {
		v.Text = append(v.Text, textPiece{Text: text[last:m[0]]}, textPiece{Text: text[m[0]:m[1]], Link: true})
		last = m[1]
	}
	v.Text = append(v.Text, textPiece{Text: text[last:]})
	return v, nil
}

// walkParts calls fn with each leaf part of a MIME body, decoded.
func walkParts(h textproto.MIMEHeader, body io.Reader, fn func(textproto.MIMEHeader, []byte)) error {
	mt, params, err := mime.ParseMediaType(cmp.Or(h.Get("Content-Type"), "text/plain"))
	if err != nil {
		return err
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := walkParts(p.Header, p, fn); err != nil {
				return err
			}
		}
	}
	var rd io.Reader = body
	switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		rd = quotedprintable.NewReader(body)
	case "base64":
		rd = base64.NewDecoder(base64.StdEncoding, newlineStripper{body})
	}
	b, err := io.ReadAll(io.LimitReader(rd, 4<<20))
	if err != nil {
		return err
	}
	fn(h, b)
	return nil
}

// newlineStripper drops the line breaks of a base64 body.
type newlineStripper struct{ r io.Reader }

func (n newlineStripper) Read(p []byte) (int, error) {
	k, err := n.r.Read(p)
	j := 0
	for _, c := range p[:k] {
		if c != '\r' && c != '\n' {
			p[j] = c
			j++
		}
	}
	return j, err
}

var mailViewTmpl = template.Must(template.Must(pageTmpl.Clone()).Parse(`{{define "content"}}
<p><a href="/_local/mail">← posta in uscita</a> · <a href="/_local/mail/{{.Name}}?raw=1">.eml</a></p>
<table>{{range .Headers}}<tr><th>{{index . 0}}</th><td>{{index . 1}}</td></tr>{{end}}
{{with .Parts}}<tr><th>altre parti</th><td>{{range $i, $p := .}}{{if $i}}, {{end}}{{$p}}{{end}}</td></tr>{{end}}</table>
<pre>{{range .Text}}{{if .Link}}<a href="{{.Text}}">{{.Text}}</a>{{else}}{{.Text}}{{end}}{{end}}</pre>
{{end}}`))
