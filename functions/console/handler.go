// Package console is the console function: it serves the operators' web
// console (plain HTML, CSS and JavaScript modules embedded in the binary) on
// the API's own origin, so the page calls the API without CORS, and the
// console's sign-in configuration (config.json). It reads no data: the page
// signs in with the identity provider and calls the API with its token.
package console

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"

	"suapcds/shared/httpapi"
)

// Routes lists the console's routes; template.yaml routes them here without
// the JWT authorizer (the files are public; the data behind the API is not).
var Routes = []string{indexRoute, fileRoute}

// The console's two routes: its page and its files.
const (
	indexRoute = "GET /console"
	fileRoute  = "GET /console/{file}"
)

//go:embed static
var static embed.FS

// Deps are the function's dependencies, its sign-in configuration and
// its logger (required): its main, the local run and the tests fill them
// alike.
type Deps struct {
	Logger *slog.Logger
	// Issuer is OIDC_ISSUER: the identity provider behind the API's JWT
	// authorizer (its /.well-known/openid-configuration is read by the page).
	// Empty: no sign-in on this deployment (the page says so), unless
	// LocalSignIn is set.
	Issuer string
	// ClientID is OIDC_CLIENT_ID, the console's public client (no secret:
	// authorization code with PKCE).
	ClientID string
	// Scope is OIDC_SCOPE, the scopes the page asks for, space separated
	// ("openid" by default).
	Scope string
	// ExtraOrigins is OIDC_EXTRA_ORIGINS: origins besides the issuer's the
	// page must call to sign in (space or comma separated), e.g. the
	// hosted domain that serves the token endpoint of Amazon Cognito.
	ExtraOrigins string
	// FileOrigins is FILE_ORIGINS: the origins the page uploads the
	// conferences' files to (space or comma separated), i.e. the bucket's
	// pre-signed POST URL, e.g. https://<bucket>.s3.<region>.amazonaws.com.
	// Not needed where the bucket is on the page's own origin (the local run).
	FileOrigins string
	// LocalSignIn, on the local run only, is the page listing the demo
	// sign-in links (/_local/), shown instead of the identity provider.
	LocalSignIn string
}

// file is one embedded file, ready to serve.
type file struct {
	body        []byte
	contentType string
	etag        string
}

type handler struct {
	files  map[string]file
	config file
	csp    string
	logger *slog.Logger
}

// New returns the console's handler. It fails on a malformed issuer or
// origin, or when a client id comes without an issuer.
func New(c Deps) (http.Handler, error) {
	if c.Logger == nil {
		return nil, errors.New("console: Deps needs a Logger")
	}
	h := &handler{files: map[string]file{}, logger: c.Logger}
	origins, err := signInOrigins(c)
	if err != nil {
		return nil, err
	}
	files, err := parseOrigins(c.FileOrigins)
	if err != nil {
		return nil, err
	}
	h.csp = contentSecurityPolicy(append(origins, files...))
	err = fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := static.ReadFile(p)
		if err != nil {
			return err
		}
		h.files[path.Base(p)] = newFile(b, contentType(p))
		return nil
	})
	if err != nil {
		return nil, err
	}
	scope := c.Scope
	if scope == "" {
		scope = "openid"
	}
	cfg, err := json.Marshal(map[string]string{"issuer": strings.TrimSuffix(c.Issuer, "/"), "clientId": c.ClientID,
		"scope": scope, "localSignIn": c.LocalSignIn})
	if err != nil {
		return nil, err
	}
	h.config = newFile(cfg, "application/json; charset=utf-8")

	m := http.NewServeMux()
	m.HandleFunc(indexRoute, func(w http.ResponseWriter, r *http.Request) { h.serve(w, r, "index.html") })
	m.HandleFunc(fileRoute, func(w http.ResponseWriter, r *http.Request) { h.serve(w, r, r.PathValue("file")) })
	// "/console/" (the gateways route it as GET /console): to the console,
	// whose files and sign-in redirect URI are under /console.
	m.HandleFunc("GET /console/{$}", func(w http.ResponseWriter, r *http.Request) {
		h.securityHeaders(w.Header())
		target := "/console"
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		w.Header().Set("Location", target)
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusMovedPermanently)
	})
	// Anything else: the console's own 404, with its headers, in Italian.
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { h.serve(w, r, "") })
	return httpapi.Log(c.Logger, m), nil
}

func newFile(b []byte, ct string) file {
	sum := sha256.Sum256(b)
	return file{body: b, contentType: ct, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
}

func contentType(p string) string {
	switch path.Ext(p) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".html":
		return "text/html; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	if ct := mime.TypeByExtension(path.Ext(p)); ct != "" {
		return ct
	}
	return "application/octet-stream"
}

// signInOrigins are the origins the page calls besides its own: the issuer
// (discovery, keys, token) and the extra ones configured.
func signInOrigins(c Deps) ([]string, error) {
	if c.Issuer == "" {
		if c.ClientID != "" {
			return nil, errors.New("OIDC_CLIENT_ID is set without OIDC_ISSUER")
		}
		return nil, nil
	}
	return parseOrigins(c.Issuer + " " + c.ExtraOrigins)
}

// parseOrigins turns a space or comma separated list of http(s) URLs into
// their origins (scheme and host).
func parseOrigins(list string) ([]string, error) {
	var out []string
	for _, raw := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' }) {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return nil, errors.New("origin " + raw + ": want an http(s) URL")
		}
		if o := u.Scheme + "://" + u.Host; !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	return out, nil
}

// contentSecurityPolicy allows the page's own files only: no inline script
// or style, no framing, API calls to its own origin, the sign-in origins and
// the conference files' bucket (the page posts the files there directly).
// Trusted Types with no policy at all: every DOM sink that would parse a
// string as HTML or script (innerHTML, document.write, …) throws.
func contentSecurityPolicy(origins []string) string {
	connect := strings.Join(append([]string{"'self'"}, origins...), " ")
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src " + connect + "; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; " +
		"require-trusted-types-for 'script'; trusted-types 'none'"
}

var errNotFound = []byte("Risorsa inesistente.\n")

// securityHeaders are on every answer of the console.
func (h *handler) securityHeaders(hd http.Header) {
	hd.Set("Content-Security-Policy", h.csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Strict-Transport-Security", "max-age=31536000")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
}

func (h *handler) serve(w http.ResponseWriter, r *http.Request, name string) {
	hd := w.Header()
	h.securityHeaders(hd)
	f, ok := h.files[name]
	if name == "config.json" {
		f, ok = h.config, true
	}
	if !ok {
		hd.Set("Content-Type", "text/plain; charset=utf-8")
		hd.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write(errNotFound)
		return
	}
	hd.Set("Content-Type", f.contentType)
	// Revalidated on every use (the names carry no hash): an unchanged file
	// costs a 304.
	hd.Set("Cache-Control", "no-cache")
	hd.Set("ETag", f.etag)
	if match := r.Header.Get("If-None-Match"); match != "" && etagMatches(match, f.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	_, _ = w.Write(f.body)
}

func etagMatches(header, etag string) bool {
	for c := range strings.SplitSeq(header, ",") {
		c = strings.TrimPrefix(strings.TrimSpace(c), "W/")
		if c == etag || c == "*" {
			return true
		}
	}
	return false
}
