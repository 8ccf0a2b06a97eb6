package httpapi

import (
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"suapcds/shared/domain"
)

// HandlerFunc is an authenticated handler: it gets the caller and returns an
// error instead of writing one, so every failure is mapped once.
type HandlerFunc func(w http.ResponseWriter, r *http.Request, who domain.Principal) error

// Mux routes Go 1.22 patterns to HandlerFuncs, behind Authenticate and Log,
// and answers unknown routes and methods with problem+json too.
type Mux struct {
	mux *http.ServeMux
	h   http.Handler
	// head: a route was registered for HEAD itself. Otherwise the
	// ServeMux's Allow, which adds HEAD to every GET, drops it: API Gateway
	// routes only the template's methods.
	head bool
}

// NewMux returns an empty Mux logging to logger.
func NewMux(logger *slog.Logger) *Mux {
	m := &Mux{mux: http.NewServeMux()}
	m.h = Log(logger, Authenticate(http.HandlerFunc(m.serve)))
	return m
}

// Handle registers h for pattern (e.g. "GET /pratiche/{id}").
func (m *Mux) Handle(pattern string, h HandlerFunc) {
	if strings.HasPrefix(pattern, http.MethodHead+" ") {
		m.head = true
	}
	m.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		who, _ := Principal(r.Context()) // Authenticate guarantees it
		if err := h(w, r, who); err != nil {
			WriteError(w, r, err)
		}
	})
}

var (
	errNoRoute  = &domain.Error{Kind: domain.KindNotFound, Code: "route_not_found", Detail: "Risorsa inesistente."}
	errNoMethod = &domain.Error{Kind: domain.KindInvalid, Code: "method_not_allowed", Detail: "Metodo non consentito per questa risorsa."}
)

func (m *Mux) serve(w http.ResponseWriter, r *http.Request) {
	h, pattern := m.mux.Handler(r)
	if pattern != "" {
		m.mux.ServeHTTP(w, r)
		return
	}
	// No route matched: let the ServeMux decide between 404 and 405 (and the
	// Allow header), then answer in problem+json.
	rec := &discard{header: http.Header{}, code: http.StatusOK}
	h.ServeHTTP(rec, r)
	if allow := rec.header.Get("Allow"); allow != "" {
		methods := strings.Split(allow, ", ")
		if !m.head {
			methods = slices.DeleteFunc(methods, func(s string) bool { return s == http.MethodHead })
		}
		w.Header().Set("Allow", strings.Join(methods, ", "))
	}
	if rec.code == http.StatusMethodNotAllowed {
		WriteProblem(w, r, http.StatusMethodNotAllowed, errNoMethod)
		return
	}
	WriteProblem(w, r, http.StatusNotFound, errNoRoute)
}

// discard keeps the status and headers of the ServeMux's own error answer
// and drops its text body (net/http/httptest would do, at 60 KiB of binary).
type discard struct {
	header http.Header
	code   int
}

func (d *discard) Header() http.Header         { return d.header }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(code int)        { d.code = code }

// ServeHTTP serves the request.
func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.h.ServeHTTP(w, r) }

// Route is one route of a function: its pattern (e.g. "GET /pratiche/{id}")
// next to the handler that serves it. A function declares its routes once,
// as a []Route; its mux and its exported pattern list both come from it, so
// a route can never be bound to another's handler by position.
type Route struct {
	Pattern string
	Handle  HandlerFunc
}

// Patterns lists the routes' patterns, in order.
func Patterns(routes []Route) []string {
	out := make([]string, len(routes))
	for i, r := range routes {
		out[i] = r.Pattern
	}
	return out
}

// HandleAll registers every route.
func (m *Mux) HandleAll(routes []Route) {
	for _, r := range routes {
		m.Handle(r.Pattern, r.Handle)
	}
}
