package manager

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"suapcds/shared/app"
	"suapcds/shared/domain"
	"suapcds/shared/signedlink"
)

// csrfCookie carries the double-submit CSRF token of the pages' forms.
const csrfCookie = "suapcds_csrf"

// maxForm bounds a posted form (64 KiB, as the API's bodies).
const maxForm = 64 << 10

// The page's forms post to signedlink.AnswerPath{id}/{action}, one action
// each.
const (
	actionAccept  = "accetta"
	actionDecline = "rifiuta"
	actionCancel  = "annulla"
	actionMessage = "messaggio"
)

// Action is the path the page's form for action posts to.
func (p pageData) Action(action string) string {
	return signedlink.AnswerPath + p.Detail.Request.ID + "/" + action
}

// pageData is what the request page shows.
type pageData struct {
	Title   string
	Token   string
	CSRF    string
	Detail  *app.RequestDetail
	Rooms   []app.RoomAvailability
	Notice  string
	Error   string
	Fields  map[string]string // field → error, for the form in error
	Form    url.Values        // what was submitted, so nothing is lost
	Closed  bool
	Blocked bool // the link is invalid: show only the error
	// Uploads are the recording's upload forms (one per kind), posting
	// straight to the bucket; MaxLabel is the cap as people read it.
	Uploads  []uploadForm
	MaxLabel string
	// UploadFrom is when the upload opens (the meeting's start, as people
	// read it), for a request that waits for a meeting not yet begun.
	UploadFrom string
	// FormOrigin is the bucket's origin, allowed as a form action.
	FormOrigin string
}

// uploadForm is one pre-signed POST form of the page: video or audio.
type uploadForm struct {
	Kind   string // "video" or "audio"
	Label  string
	URL    string
	Fields map[string]string // hidden fields, Content-Type excepted
	Types  []string          // the Content-Type choices, of Kind
	Accept string
}

// uploadKinds are the page's upload forms: the policy of each requires a
// Content-Type of its kind, chosen from Types (no script: the browser sends
// the selected value as the form's Content-Type field).
var uploadKinds = []struct {
	kind, label string
	types       []string
}{
	{"video", "Carica la registrazione video", []string{"video/mp4", "video/webm", "video/quicktime", "video/x-matroska"}},
	{"audio", "Carica la registrazione audio", []string{"audio/mpeg", "audio/mp4", "audio/ogg", "audio/wav", "audio/webm"}},
}

func (p pageData) Value(name string) string { return p.Form.Get(name) }

var funcs = template.FuncMap{
	"rome":     domain.FormatRome,
	"duration": domain.DurationLabel,
	"state":    func(s domain.State) string { return s.Label() },
	"size":     domain.SizeLabel,
}

// pageTmpl is parsed on the first signed-link page, not at init: most of
// the function's cold starts serve the JSON routes, and the parse cost each
// of them ≈0.4 ms and 1,348 allocations (the tests render every page).
var pageTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("page").Funcs(funcs).Parse(pageHTML))
})

// securityHeaders: the page carries a credential in its URL, so it is never
// cached, never sent as a referrer, never framed, and runs no script. Its
// forms post to itself, and the recording's upload form to formOrigin (the
// bucket) when set.
func securityHeaders(w http.ResponseWriter, formOrigin string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	action := "'self'"
	if formOrigin != "" {
		action += " " + formOrigin
	}
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action "+action+"; frame-ancestors 'none'; base-uri 'none'")
}

func (h handler) render(w http.ResponseWriter, status int, d pageData) {
	securityHeaders(w, d.FormOrigin)
	w.WriteHeader(status)
	if err := pageTmpl().Execute(w, d); err != nil {
		h.logger.Error("page render", "error", err.Error())
	}
}

func (h handler) forbidden(w http.ResponseWriter) {
	h.render(w, http.StatusForbidden, pageData{Title: "Link non valido", Blocked: true,
		Error: "Il link non è valido o è scaduto. Usare il link più recente ricevuto per e-mail oppure accedere al servizio con le proprie credenziali."})
}

func (h handler) pages() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("requestId")
		if r.Method == http.MethodGet {
			tok := r.URL.Query().Get("t")
			if !h.validLink(r.Context(), tok, id) {
				h.forbidden(w)
				return
			}
			h.show(w, r, id, tok, http.StatusOK, pageData{Notice: notices[r.URL.Query().Get("esito")]})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseForm(); err != nil {
			h.forbidden(w)
			return
		}
		tok := r.PostForm.Get("t")
		if !h.validLink(r.Context(), tok, id) {
			h.forbidden(w)
			return
		}
		c, err := r.Cookie(csrfCookie)
		if err != nil || c.Value == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostForm.Get("csrf"))) != 1 {
			h.show(w, r, id, tok, http.StatusForbidden, pageData{Form: r.PostForm,
				Error: "Il modulo è scaduto o non proviene da questa pagina: ricaricare la pagina e ripetere l'operazione."})
			return
		}
		h.act(w, r, id, tok)
	})
}

// validLink checks the token without ever logging it.
func (h handler) validLink(ctx context.Context, tok, id string) bool {
	if !domain.ValidID(id) {
		return false
	}
	_, err := h.links.Verify(tok, signedlink.Answer, id, h.clock.Now())
	if err != nil {
		h.logger.InfoContext(ctx, "signed link refused", "reason", err.Error())
		return false
	}
	return true
}

var notices = map[string]string{
	"accettata": "Risposta registrata: la videoconferenza è confermata.",
	"rifiutata": "Risposta registrata: la videoconferenza non è disponibile.",
	"annullata": "La videoconferenza è stata annullata e la sala liberata.",
	"messaggio": "Messaggio inviato.",
	// The bucket redirects here after an upload; the request becomes EVASA
	// when the file has been checked, moments later.
	"registrazione": "Registrazione caricata: la richiesta diventa «Evasa» appena il file è verificato (ricaricare la pagina tra qualche secondo).",
}

// act runs the posted answer; on success it redirects (post/redirect/get),
// on a refusal it shows the page again with the message and the form as sent.
func (h handler) act(w http.ResponseWriter, r *http.Request, id, tok string) {
	who := app.LinkPrincipal(id)
	f := r.PostForm
	var err error
	var outcome string
	switch r.PathValue("action") {
	case actionAccept:
		_, err = h.svc.Accept(r.Context(), who, id, domain.AcceptInput{RoomID: f.Get("roomId"), Code: f.Get("code"),
			Password: f.Get("password"), Link: f.Get("link")})
		outcome = "accettata"
	case actionDecline:
		_, err = h.svc.Decline(r.Context(), who, id, f.Get("message"))
		outcome = "rifiutata"
	case actionCancel:
		_, err = h.svc.Cancel(r.Context(), who, id, f.Get("message"))
		outcome = "annullata"
	case actionMessage:
		_, err = h.svc.PostMessage(r.Context(), who, id, f.Get("subject"), f.Get("body"))
		outcome = "messaggio"
	default:
		http.NotFound(w, r)
		return
	}
	if err != nil {
		var de *domain.Error
		if !errors.As(err, &de) {
			h.logger.ErrorContext(r.Context(), "answer failed", "error", err.Error())
			h.render(w, http.StatusInternalServerError, pageData{Title: "Errore", Blocked: true,
				Error: "Si è verificato un errore interno. Riprovare più tardi."})
			return
		}
		d := pageData{Form: f, Error: de.Detail, Fields: map[string]string{}}
		for _, fe := range de.Fields {
			d.Fields[fe.Field] = fe.Detail
		}
		status := http.StatusUnprocessableEntity
		if de.Kind == domain.KindConflict {
			status = http.StatusConflict
		}
		h.show(w, r, id, tok, status, d)
		return
	}
	http.Redirect(w, r, signedlink.AnswerPath+url.PathEscape(id)+"?t="+url.QueryEscape(tok)+"&esito="+outcome, http.StatusSeeOther)
}

// show renders the request page, setting the CSRF cookie when missing.
func (h handler) show(w http.ResponseWriter, r *http.Request, id, tok string, status int, d pageData) {
	who := app.LinkPrincipal(id)
	detail, catalogue, err := h.svc.RequestPage(r.Context(), who, id)
	if errors.Is(err, domain.ErrNotFound) {
		h.forbidden(w)
		return
	}
	if err != nil {
		h.logger.ErrorContext(r.Context(), "request page", "error", err.Error())
		h.render(w, http.StatusInternalServerError, pageData{Title: "Errore", Blocked: true,
			Error: "Si è verificato un errore interno. Riprovare più tardi."})
		return
	}
	// Only the accept form, shown while APERTA, needs the rooms.
	var rooms []app.RoomAvailability
	if detail.Request.State == domain.StateOpen {
		if rooms, err = h.svc.RoomsFor(r.Context(), detail.Request, catalogue); err != nil {
			h.logger.ErrorContext(r.Context(), "availability", "error", err.Error())
		}
	}
	csrf := ""
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 {
		csrf = c.Value
	} else {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		csrf = base64.RawURLEncoding.EncodeToString(b)
		http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: csrf, Path: signedlink.AnswerPath, HttpOnly: true,
			Secure:   !strings.HasPrefix(r.Host, "127.0.0.1") && !strings.HasPrefix(r.Host, "localhost"),
			SameSite: http.SameSiteStrictMode})
	}
	d.Title = "Richiesta di videoconferenza - pratica n. " + detail.Request.PraticaNumber
	d.Token, d.CSRF, d.Detail, d.Rooms = tok, csrf, detail, rooms
	d.Closed = detail.Request.State.Final()
	if d.Form == nil {
		d.Form = url.Values{}
		for _, a := range rooms {
			if a.Free && a.Room.DefaultLink != "" {
				d.Form.Set("link", a.Room.DefaultLink)
				break
			}
		}
	}
	if h.rec != nil && detail.Request.ExpectsRecording() {
		if start := detail.Request.Start; h.clock.Now().Before(start) {
			d.UploadFrom = domain.FormatRome(start)
		} else {
			h.uploadForms(r, id, tok, &d)
		}
	}
	h.render(w, status, d)
}

// uploadForms presigns the page's recording upload forms (one per kind).
// The bucket redirects the browser back to this page after an upload.
func (h handler) uploadForms(r *http.Request, id, tok string, d *pageData) {
	scheme := "https"
	if strings.HasPrefix(r.Host, "127.0.0.1") || strings.HasPrefix(r.Host, "localhost") {
		scheme = "http"
	}
	back := scheme + "://" + r.Host + signedlink.AnswerPath + url.PathEscape(id) + "?t=" + url.QueryEscape(tok) + "&esito=registrazione"
	who := app.LinkPrincipal(id)
	for _, k := range uploadKinds {
		f, err := h.rec.UploadOfKind(r.Context(), who, id, k.types[0], back)
		if err != nil {
			h.logger.ErrorContext(r.Context(), "recording upload form", "error", err.Error())
			d.Uploads = nil
			return
		}
		fields := make(map[string]string, len(f.Fields))
		for name, v := range f.Fields {
			if name != "Content-Type" {
				fields[name] = v
			}
		}
		d.Uploads = append(d.Uploads, uploadForm{Kind: k.kind, Label: k.label, URL: f.URL, Fields: fields,
			Types: k.types, Accept: k.kind + "/*"})
		d.FormOrigin = origin(f.URL)
	}
	d.MaxLabel = domain.SizeLabel(h.rec.MaxBytes())
}

// origin is the scheme and host of an upload form's URL, for the page's
// Content-Security-Policy form-action.
func origin(formURL string) string {
	u, err := url.Parse(formURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
