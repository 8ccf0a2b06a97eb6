package console_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"suapcds/functions/console"
)

func get(t *testing.T, h http.Handler, path string, header ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func newHandler(t *testing.T, c console.Deps) http.Handler {
	t.Helper()
	c.Logger = slog.New(slog.DiscardHandler)
	h, err := console.New(c)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestFiles: the page and every module it loads are served with their type,
// the security headers and an ETag that answers 304; anything else is 404.
func TestFiles(t *testing.T) {
	h := newHandler(t, console.Deps{Issuer: "https://cognito-idp.eu-south-1.amazonaws.com/eu-south-1_Abc", ClientID: "console",
		ExtraOrigins: "https://suapcds.auth.eu-south-1.amazoncognito.com"})
	index := get(t, h, "/console")
	page := body(t, index)
	if index.StatusCode != 200 || !strings.HasPrefix(index.Header.Get("Content-Type"), "text/html") || !strings.Contains(page, `lang="it"`) {
		t.Fatalf("GET /console: %d %s", index.StatusCode, index.Header.Get("Content-Type"))
	}
	csp := index.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self';", "frame-ancestors 'none'", "base-uri 'none'",
		"require-trusted-types-for 'script'", "trusted-types 'none'",
		"connect-src 'self' https://cognito-idp.eu-south-1.amazonaws.com https://suapcds.auth.eu-south-1.amazoncognito.com;"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe") {
		t.Errorf("CSP %q allows unsafe sources", csp)
	}
	for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
		"Cache-Control": "no-cache", "Strict-Transport-Security": "max-age=31536000", "Cross-Origin-Opener-Policy": "same-origin"} {
		if got := index.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	// No inline script or style: every script and stylesheet is a file of ours.
	if regexp.MustCompile(`<script(?:\s+type="module")?>|<style|\son[a-z]+=`).MatchString(page) {
		t.Error("index.html has inline script, style or event handler attributes")
	}

	// Every module the page imports, transitively, is served as JavaScript.
	seen := map[string]bool{}
	todo := regexp.MustCompile(`(?:src|href)="/console/([a-z]+\.(?:js|css))"`).FindAllStringSubmatch(page, -1)
	var names []string
	for _, m := range todo {
		names = append(names, m[1])
	}
	importRe := regexp.MustCompile(`(?m)^import .* from '\./([a-z]+\.js)';$`)
	for len(names) > 0 {
		name := names[0]
		names = names[1:]
		if seen[name] {
			continue
		}
		seen[name] = true
		res := get(t, h, "/console/"+name)
		src := body(t, res)
		if res.StatusCode != 200 {
			t.Errorf("GET /console/%s: %d", name, res.StatusCode)
			continue
		}
		want := "text/javascript; charset=utf-8"
		if strings.HasSuffix(name, ".css") {
			want = "text/css; charset=utf-8"
		}
		if ct := res.Header.Get("Content-Type"); ct != want {
			t.Errorf("%s: Content-Type %q, want %q", name, ct, want)
		}
		for _, m := range importRe.FindAllStringSubmatch(src, -1) {
			names = append(names, m[1])
		}
		// The page builds the DOM from text: never from HTML strings.
		for _, sink := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "createContextualFragment", "DOMParser"} {
			if strings.Contains(src, sink) {
				t.Errorf("%s parses strings as HTML or code (%s)", name, sink)
			}
		}
	}
	for _, must := range []string{"app.js", "api.js", "auth.js", "verifiche.js", "conferenza.js", "conferenze.js", "videoconferenza.js", "storico.js", "style.css"} {
		if !seen[must] {
			t.Errorf("%s is not reached from index.html", must)
		}
	}

	// The ETag revalidates.
	res := get(t, h, "/console/app.js")
	tag := res.Header.Get("ETag")
	if tag == "" {
		t.Fatal("no ETag")
	}
	if res := get(t, h, "/console/app.js", "If-None-Match", tag); res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match with the ETag: %d, want 304", res.StatusCode)
	}
	if res := get(t, h, "/console/app.js", "If-None-Match", `"other"`); res.StatusCode != 200 {
		t.Errorf("If-None-Match with another ETag: %d, want 200", res.StatusCode)
	}

	for _, p := range []string{"/console/nope.js", "/console/..%2fhandler.go", "/console/console.go", "/console/a/b", "/other"} {
		res := get(t, h, p)
		if res.StatusCode != http.StatusNotFound || res.Header.Get("Content-Security-Policy") == "" ||
			res.Header.Get("Strict-Transport-Security") == "" || !strings.Contains(body(t, res), "Risorsa inesistente") {
			t.Errorf("GET %s: %d, want the console's Italian 404 with the headers", p, res.StatusCode)
		}
	}
}

// TestTrailingSlash: /console/ leads to /console, the query kept (a sign-in
// answer), with the headers.
func TestTrailingSlash(t *testing.T) {
	h := newHandler(t, console.Deps{})
	for p, want := range map[string]string{"/console/": "/console", "/console/?code=c&state=s": "/console?code=c&state=s"} {
		res := get(t, h, p)
		if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != want || res.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("GET %s: %d to %q, want 301 to %q with the headers", p, res.StatusCode, res.Header.Get("Location"), want)
		}
	}
}

// TestConfig: config.json hands the page the sign-in configuration.
func TestConfig(t *testing.T) {
	h := newHandler(t, console.Deps{Issuer: "https://idp.example.it/realms/suap/", ClientID: "suapcds-console"})
	res := get(t, h, "/console/config.json")
	var c map[string]string
	if err := json.Unmarshal([]byte(body(t, res)), &c); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"issuer": "https://idp.example.it/realms/suap", "clientId": "suapcds-console", "scope": "openid", "localSignIn": ""}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("config %s = %q, want %q", k, c[k], v)
		}
	}
	scoped := newHandler(t, console.Deps{Issuer: "https://idp.example.it", ClientID: "c", Scope: "openid profile suap"})
	if b := body(t, get(t, scoped, "/console/config.json")); !strings.Contains(b, `"scope":"openid profile suap"`) {
		t.Errorf("config with OIDC_SCOPE: %s", b)
	}
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Errorf("config.json Content-Type %q", res.Header.Get("Content-Type"))
	}

	local := newHandler(t, console.Deps{LocalSignIn: "/_local/"})
	if b := body(t, get(t, local, "/console/config.json")); !strings.Contains(b, `"localSignIn":"/_local/"`) || !strings.Contains(b, `"issuer":""`) {
		t.Errorf("local config %s", b)
	}
	if csp := get(t, local, "/console").Header.Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self';") {
		t.Errorf("local CSP %q: want only the own origin", csp)
	}
}

// TestNewRefusesBadConfig: a malformed issuer or origin, or a client id
// without an issuer, stops the function at start.
func TestNewRefusesBadConfig(t *testing.T) {
	for _, c := range []console.Deps{
		{ClientID: "x"},
		{Issuer: "not a url", ClientID: "x"},
		{Issuer: "ftp://idp.example.it", ClientID: "x"},
		{Issuer: "https://idp.example.it", ClientID: "x", ExtraOrigins: "https://ok.example.it, javascript:alert(1)"},
	} {
		c.Logger = slog.New(slog.DiscardHandler)
		if _, err := console.New(c); err == nil {
			t.Errorf("New(%+v) accepted", c)
		}
	}
}

// TestFileOrigins: the bucket the page posts the conferences' files to is
// allowed in connect-src, also without an identity provider; a malformed
// one stops the function.
func TestFileOrigins(t *testing.T) {
	h := newHandler(t, console.Deps{FileOrigins: "https://suapcds-prod-recordings-1.s3.eu-south-1.amazonaws.com/"})
	csp := get(t, h, "/console").Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "connect-src 'self' https://suapcds-prod-recordings-1.s3.eu-south-1.amazonaws.com;") {
		t.Errorf("CSP %q lacks the bucket's origin", csp)
	}
	if _, err := console.New(console.Deps{FileOrigins: "data:text/html,x", Logger: slog.New(slog.DiscardHandler)}); err == nil {
		t.Error("a data: file origin was accepted")
	}
}
