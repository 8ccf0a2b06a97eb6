package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"suapcds/shared/domain"
	"suapcds/shared/httpapi"
)

// maxPayload is the HTTP API's request size limit (10 MB).
const maxPayload = 10 << 20

// apiID names the local API in events, as an HTTP API's id would.
const apiID = "local"

// gateway is the local HTTP API: it matches a request to a template route,
// runs the JWT authorizer, builds the payload 2.0 event API Gateway would
// send and invokes the function's Lambda entry point with it
// (httpadapter.NewV2(h).ProxyWithContext, exactly what lambda.Start runs).
type gateway struct {
	routes []*boundRoute
	auth   *authority
	logger *slog.Logger
}

// boundRoute is a template route with its function, when wired.
type boundRoute struct {
	route
	segs    []string
	timeout time.Duration
	invoke  func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)
}

// newGateway binds the template's routes to the wired HTTP handlers.
// handlers has a handler per function logical id; a route whose function has
// none is kept (so it is not a 404) and answers 501.
func newGateway(t *samTemplate, handlers map[string]http.Handler, auth *authority, logger *slog.Logger) *gateway {
	g := &gateway{auth: auth, logger: logger}
	for _, id := range t.FunctionIDs() {
		f := t.Functions[id]
		var invoke func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)
		if h, ok := handlers[id]; ok {
			invoke = httpadapter.NewV2(h).ProxyWithContext
		}
		for _, r := range f.Routes {
			g.routes = append(g.routes, &boundRoute{route: r, segs: splitPath(r.Path), timeout: f.Timeout, invoke: invoke})
		}
	}
	return g
}

// splitPath cuts a path into its segments: "//a" and "/a//b" keep their
// empty segment (no route has one); one trailing slash is ignored, as API
// Gateway does ("/console/" is GET /console).
func splitPath(p string) []string {
	return strings.Split(strings.TrimSuffix(strings.TrimPrefix(p, "/"), "/"), "/")
}

// match finds the route for method and path as API Gateway does: the most
// specific one wins (a literal segment over a {param}, a {param} over a
// greedy {proxy+}), then a method over ANY, and $default last. The path
// parameters are URL-decoded.
func (g *gateway) match(method, escapedPath string) (*boundRoute, map[string]string) {
	segs := splitPath(escapedPath)
	var best *boundRoute
	var bestParams map[string]string
	var bestScore []int
	for _, r := range g.routes {
		if r.Method != method && r.Method != "ANY" {
			continue
		}
		var params map[string]string
		var score []int
		if r.Path == "$default" {
			score = []int{-1}
		} else {
			var ok bool
			if params, score, ok = matchSegments(r.segs, segs); !ok {
				continue
			}
		}
		if r.Method != "ANY" {
			score = append(score, 1)
		} else {
			score = append(score, 0)
		}
		if best == nil || compareScores(score, bestScore) > 0 {
			best, bestParams, bestScore = r, params, score
		}
	}
	return best, bestParams
}

// matchSegments matches a route's segments to a path's: it scores each
// segment 3 (literal), 2 ({param}) or 1 ({greedy+}).
func matchSegments(tpl, path []string) (map[string]string, []int, bool) {
	params := map[string]string{}
	var score []int
	for i, t := range tpl {
		if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "+}") {
			if i >= len(path) || (len(path) == i+1 && path[i] == "") {
				return nil, nil, false
			}
			v, err := url.PathUnescape(strings.Join(path[i:], "/"))
			if err != nil {
				return nil, nil, false
			}
			params[t[1:len(t)-2]] = v
			return params, append(score, 1), true
		}
		if i >= len(path) {
			return nil, nil, false
		}
		if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
			v, err := url.PathUnescape(path[i])
			if err != nil || path[i] == "" {
				return nil, nil, false
			}
			params[t[1:len(t)-1]] = v
			score = append(score, 2)
			continue
		}
		if t != path[i] {
			return nil, nil, false
		}
		score = append(score, 3)
	}
	if len(tpl) != len(path) {
		return nil, nil, false
	}
	if len(params) == 0 {
		params = nil
	}
	return params, score, true
}

func compareScores(a, b []int) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] - b[i]
		}
	}
	return len(a) - len(b)
}

// allowed lists, sorted, the methods of the routes that match escapedPath
// (other than $default): a path the API has, asked with another method.
func (g *gateway) allowed(escapedPath string) []string {
	segs := splitPath(escapedPath)
	var methods []string
	for _, r := range g.routes {
		if r.Path == "$default" || slices.Contains(methods, r.Method) {
			continue
		}
		if _, _, ok := matchSegments(r.segs, segs); ok {
			methods = append(methods, r.Method)
		}
	}
	slices.Sort(methods)
	return methods
}

var (
	errNoMethod = &domain.Error{Kind: domain.KindInvalid, Code: "method_not_allowed", Detail: "Metodo non consentito per questa risorsa."}
	errNotWired = &domain.Error{Code: "function_not_wired",
		Detail: "La funzione che serve questa risorsa non è ancora collegata all'esecuzione locale (infra/local/registry.go)."}
)

// rootHandler serves the local pages under /_local/, the in-process S3 under
// s3Path and everything else through the gateway, as is: no ServeMux, whose
// path cleaning would redirect (307) a path with ".", ".." or "//" segments
// where API Gateway answers the path as sent (most often 404).
func rootHandler(pages, objects, gw http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch {
		case !cleanPath(p):
			gw.ServeHTTP(w, r)
		case strings.HasPrefix(p, "/_local/"):
			pages.ServeHTTP(w, r)
		case strings.HasPrefix(p, s3Path+"/"):
			objects.ServeHTTP(w, r)
		default:
			gw.ServeHTTP(w, r)
		}
	})
}

// cleanPath tells whether p has no empty, "." or ".." segment (a trailing
// slash aside).
func cleanPath(p string) bool {
	for seg := range strings.SplitSeq(strings.TrimSuffix(strings.TrimPrefix(p, "/"), "/"), "/") {
		if seg == "" || seg == "." || seg == ".." {
			return p == "/"
		}
	}
	return strings.HasPrefix(p, "/")
}

// ServeHTTP is the HTTP API.
func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqID := newRequestID()
	w.Header().Set("Apigw-Requestid", reqID)
	rt, params := g.match(r.Method, r.URL.EscapedPath())
	if rt == nil {
		// A path the API has, with another method: 405 with Allow, as the
		// functions answer and the OpenAPI document says (deployed, API
		// Gateway answers 404 {"message":"Not Found"} itself). Any other
		// path: API Gateway's own 404, before any authorization.
		status := http.StatusNotFound
		if allow := g.allowed(r.URL.EscapedPath()); len(allow) > 0 {
			status = http.StatusMethodNotAllowed
			w.Header().Set("Allow", strings.Join(allow, ", "))
			httpapi.WriteProblem(w, r, status, errNoMethod)
		} else {
			writeGatewayJSON(w, status, "Not Found")
		}
		g.logger.Info("request", "requestId", reqID, "method", r.Method, "path", r.URL.Path, "status", status)
		return
	}
	logAttrs := []any{"requestId", reqID, "routeKey", rt.Key(), "path", r.URL.Path, "function", rt.Function}

	var claims map[string]string
	if !rt.NoAuth {
		var why string
		var err error
		claims, why, err = g.auth.Verify(r.Header.Get("Authorization"))
		if err != nil {
			// API Gateway's own answer, before the function is invoked.
			writeGatewayJSON(w, http.StatusUnauthorized, "Unauthorized")
			g.logger.Info("request", append(logAttrs, "status", http.StatusUnauthorized, "authorizerError", why)...)
			return
		}
		logAttrs = append(logAttrs, "sub", claims["sub"])
	}
	if rt.invoke == nil {
		httpapi.WriteProblem(w, r, http.StatusNotImplemented, errNotWired)
		g.logger.Warn("request", append(logAttrs, "status", http.StatusNotImplemented, "error", "function not wired locally")...)
		return
	}

	ev, err := buildEvent(r, rt, params, claims, reqID, start)
	if err != nil {
		if errors.Is(err, errPayloadTooLarge) {
			writeGatewayJSON(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		} else {
			writeGatewayJSON(w, http.StatusBadRequest, "Bad Request")
		}
		g.logger.Info("request", append(logAttrs, "status", http.StatusBadRequest, "error", err.Error())...)
		return
	}
	out, err := g.invoke(r.Context(), rt, ev, reqID)
	if err != nil {
		// A failed invocation: API Gateway answers 500 and says no more.
		writeGatewayJSON(w, http.StatusInternalServerError, "Internal Server Error")
		g.logger.Error("request", append(logAttrs, "status", http.StatusInternalServerError, "error", err.Error())...)
		return
	}
	if err := writeResponse(w, out); err != nil {
		writeGatewayJSON(w, http.StatusInternalServerError, "Internal Server Error")
		g.logger.Error("request", append(logAttrs, "status", http.StatusInternalServerError, "error", err.Error())...)
		return
	}
	g.logger.Info("request", append(logAttrs, "status", out.StatusCode, "latencyMs", time.Since(start).Milliseconds())...)
}

// invoke calls the function as Lambda would: a context carrying the
// invocation's request id and the function's timeout as deadline; a panic is
// a failed invocation, not a crashed runner.
func (g *gateway) invoke(ctx context.Context, rt *boundRoute, ev events.APIGatewayV2HTTPRequest, reqID string) (out events.APIGatewayV2HTTPResponse, err error) {
	ctx, cancel := context.WithTimeout(ctx, rt.timeout)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: reqID,
		InvokedFunctionArn: "arn:aws:lambda:local:000000000000:function:" + rt.Function})
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("function %s panicked: %v", rt.Function, p)
		}
	}()
	return rt.invoke(ctx, ev)
}

var errPayloadTooLarge = errors.New("request body over 10 MB")

// buildEvent is the payload 2.0 event the HTTP API would send for r.
func buildEvent(r *http.Request, rt *boundRoute, params, claims map[string]string, reqID string, now time.Time) (events.APIGatewayV2HTTPRequest, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxPayload+1))
	if err != nil {
		return events.APIGatewayV2HTTPRequest{}, err
	}
	if len(body) > maxPayload {
		return events.APIGatewayV2HTTPRequest{}, errPayloadTooLarge
	}
	// API Gateway lower-cases header names, joins repeated ones with commas
	// and moves cookies to their own field.
	headers := map[string]string{}
	var cookies []string
	for k, vs := range r.Header {
		lk := strings.ToLower(k)
		if lk == "cookie" {
			for _, v := range vs {
				for c := range strings.SplitSeq(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						cookies = append(cookies, c)
					}
				}
			}
			continue
		}
		headers[lk] = strings.Join(vs, ",")
	}
	headers["host"] = r.Host
	sourceIP, _, _ := net.SplitHostPort(r.RemoteAddr)
	headers["x-forwarded-for"] = sourceIP
	headers["x-forwarded-proto"] = "http"
	if _, port, err := net.SplitHostPort(r.Host); err == nil {
		headers["x-forwarded-port"] = port
	}
	if len(body) > 0 {
		headers["content-length"] = fmt.Sprint(len(body))
	}
	var query map[string]string
	if q, err := url.ParseQuery(r.URL.RawQuery); err == nil && len(q) > 0 {
		query = map[string]string{}
		for k, vs := range q {
			query[k] = strings.Join(vs, ",")
		}
	}
	ev := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              rt.Key(),
		RawPath:               r.URL.EscapedPath(),
		RawQueryString:        r.URL.RawQuery,
		Cookies:               cookies,
		Headers:               headers,
		QueryStringParameters: query,
		PathParameters:        params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     rt.Key(),
			AccountID:    "000000000000",
			Stage:        "$default",
			RequestID:    reqID,
			APIID:        apiID,
			DomainName:   r.Host,
			DomainPrefix: strings.Split(r.Host, ".")[0],
			Time:         now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      r.URL.EscapedPath(),
				Protocol:  r.Proto,
				SourceIP:  sourceIP,
				UserAgent: r.UserAgent(),
			},
		},
	}
	if claims != nil {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims},
		}
	}
	if len(body) > 0 {
		if isText(r.Header.Get("Content-Type"), body) {
			ev.Body = string(body)
		} else {
			ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
	}
	return ev, nil
}

// isText tells whether API Gateway passes a body as is rather than base64:
// text media types (text/*, JSON, XML, form data) that are valid UTF-8.
func isText(contentType string, body []byte) bool {
	if !utf8.Valid(body) {
		return false
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return contentType == ""
	}
	switch {
	case strings.HasPrefix(mt, "text/"), strings.HasSuffix(mt, "+json"), strings.HasSuffix(mt, "+xml"):
		return true
	}
	switch mt {
	case "application/json", "application/xml", "application/javascript", "application/x-www-form-urlencoded":
		return true
	}
	return false
}

// writeResponse writes the function's payload 2.0 response.
func writeResponse(w http.ResponseWriter, out events.APIGatewayV2HTTPResponse) error {
	body := []byte(out.Body)
	if out.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(out.Body); err != nil {
			return fmt.Errorf("function's base64 body: %w", err)
		}
	}
	h := w.Header()
	for k, v := range out.Headers {
		h.Set(k, v)
	}
	for k, vs := range out.MultiValueHeaders {
		h.Del(k)
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for _, c := range out.Cookies {
		h.Add("Set-Cookie", c)
	}
	status := out.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write(body) // a client gone away is told nothing more
	return nil
}

// writeGatewayJSON is API Gateway's own error body: {"message":"..."}.
func writeGatewayJSON(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, "{\"message\":%q}", msg)
}

// newRequestID is a request id shaped like API Gateway's.
func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:])) + "="
}
