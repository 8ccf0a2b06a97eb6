package main

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	bookings "suapcds/functions/bookings"
	console "suapcds/functions/console"
	manager "suapcds/functions/manager"
	"suapcds/functions/pratiche"
	recordings "suapcds/functions/recordings"
)

// handlerRoutes are the routes each HTTP function's handler serves. A new
// HTTP function adds its handler's Routes here (and to registry).
var handlerRoutes = map[string][]string{
	"PraticheFunction":   pratiche.Routes,
	"BookingsFunction":   bookings.Routes,
	"ManagerFunction":    slices.Concat(manager.Routes, manager.PageRoutes),
	"RecordingsFunction": recordings.Routes,
	"ConsoleFunction":    console.Routes,
}

func moduleTemplate(t *testing.T) *samTemplate {
	t.Helper()
	wd, _ := os.Getwd()
	path, err := findTemplate(wd, "template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := loadTemplate(path)
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// TestRouteTableIsTheHandlersRoutes: the route table the gateway builds from
// template.yaml is, function by function, its handler's Routes, and every
// function of the template is wired in the registry.
func TestRouteTableIsTheHandlersRoutes(t *testing.T) {
	tpl := moduleTemplate(t)
	got := map[string][]string{}
	for _, r := range tpl.Routes() {
		got[r.Function] = append(got[r.Function], r.Key())
	}
	for id, keys := range got {
		want, ok := handlerRoutes[id]
		if !ok {
			t.Errorf("%s has HttpApi routes: add its handler's Routes to handlerRoutes", id)
			continue
		}
		if !slices.Equal(slices.Sorted(slices.Values(keys)), slices.Sorted(slices.Values(want))) {
			t.Errorf("%s:\n template %q\n handler  %q", id, slices.Sorted(slices.Values(keys)), slices.Sorted(slices.Values(want)))
		}
	}
	for id := range handlerRoutes {
		if _, ok := got[id]; !ok {
			t.Errorf("handlerRoutes has %s, which has no route in template.yaml", id)
		}
	}
	for _, id := range tpl.FunctionIDs() {
		f, w := tpl.Functions[id], registry[id]
		if len(f.Routes) > 0 && w.HTTP == nil || len(f.Streams) > 0 && w.Stream == nil || len(f.Schedules) > 0 && w.Schedule == nil {
			t.Errorf("%s is not (fully) wired in infra/local/registry.go", id)
		}
	}
	// The pages of the signed links and the console's files are the only
	// routes without the JWT authorizer.
	for _, r := range tpl.Routes() {
		if r.NoAuth != (slices.Contains(manager.PageRoutes, r.Key()) || slices.Contains(console.Routes, r.Key())) {
			t.Errorf("%s: NoAuth = %v", r.Key(), r.NoAuth)
		}
	}
}

// echo is a function that answers with the event it was given, so a test
// sees what the gateway built: it reads the event back from the adapter's
// context, as a handler on Lambda could.
func echo(t *testing.T) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, ok := core.GetAPIGatewayV2ContextFromContext(r.Context())
		if !ok {
			t.Error("no API Gateway v2 context")
		}
		body, _ := io.ReadAll(r.Body)
		out := map[string]any{
			"routeKey": ev.RouteKey, "claims": nil, "method": r.Method, "path": r.URL.Path, "query": r.URL.RawQuery,
			"body": base64.StdEncoding.EncodeToString(body), "contentType": r.Header.Get("Content-Type"),
			"cookies": len(r.Cookies()), "requestId": ev.RequestID,
		}
		if ev.Authorizer != nil && ev.Authorizer.JWT != nil {
			out["claims"] = ev.Authorizer.JWT.Claims
		}
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		http.SetCookie(w, &http.Cookie{Name: "s1", Value: "v1"})
		http.SetCookie(w, &http.Cookie{Name: "s2", Value: "v2"})
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	})
}

const echoTemplate = `
Transform: AWS::Serverless-2016-10-31
Parameters:
  Size: {Type: Number, Default: 2}
Resources:
  HttpApi: {Type: AWS::Serverless::HttpApi}
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 5
      Environment: {Variables: {SIZE: !Ref Size}}
      Events:
        One: {Type: HttpApi, Properties: {ApiId: !Ref HttpApi, Method: GET, Path: "/things/{id}"}}
        Literal: {Type: HttpApi, Properties: {ApiId: !Ref HttpApi, Method: GET, Path: "/things/special"}}
        Post: {Type: HttpApi, Properties: {ApiId: !Ref HttpApi, Method: post, Path: "/things/{id}/files"}}
        Greedy: {Type: HttpApi, Properties: {ApiId: !Ref HttpApi, Method: ANY, Path: "/files/{proxy+}"}}
        Open:
          Type: HttpApi
          Properties: {ApiId: !Ref HttpApi, Method: GET, Path: "/open", Auth: {Authorizer: NONE}}
  Lonely:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Get: {Type: HttpApi, Properties: {ApiId: !Ref HttpApi, Method: GET, Path: "/lonely"}}
`

func echoGateway(t *testing.T) (*httptest.Server, *authority) {
	t.Helper()
	g, auth := echoGatewayHandler(t)
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return srv, auth
}

// echoGatewayHandler is the gateway of echoTemplate, echo wired.
func echoGatewayHandler(t *testing.T) (*gateway, *authority) {
	t.Helper()
	dir := newDataDir(t)
	path := filepath.Join(dir, "template.yaml")
	if err := os.WriteFile(path, []byte(echoTemplate), 0o600); err != nil {
		t.Fatal(err)
	}
	tpl, err := loadTemplate(path)
	if err != nil {
		t.Fatal(err)
	}
	key, err := loadOrCreateKey(filepath.Join(dir, keyFile))
	if err != nil {
		t.Fatal(err)
	}
	auth, err := newAuthority(key, "https://iss.test", []string{"aud-a", "aud-b"})
	if err != nil {
		t.Fatal(err)
	}
	return newGateway(tpl, map[string]http.Handler{"EchoFunction": echo(t)}, auth, slog.New(slog.DiscardHandler)), auth
}

// TestGatewayEvents: the function gets the event API Gateway would send
// (route key, path and query, headers, cookies, body, claims as strings)
// and its v2 answer reaches the client whole (headers, cookies, status).
func TestGatewayEvents(t *testing.T) {
	srv, auth := echoGateway(t)
	tok, err := auth.Mint(map[string]string{"sub": "u1", "suap_role": "manager"}, 3600e9)
	if err != nil {
		t.Fatal(err)
	}
	do := func(method, path, ctype string, body []byte, token string) (*http.Response, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(string(body)))
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		req.Header.Add("Cookie", "a=1; b=2")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		var v map[string]any
		_ = json.Unmarshal(raw, &v)
		if v == nil {
			v = map[string]any{"raw": string(raw)}
		}
		return res, v
	}

	res, v := do("GET", "/things/a%2Fb?x=1&x=2&y=%C3%A8", "", nil, tok)
	if res.StatusCode != 200 || v["routeKey"] != "GET /things/{id}" || v["query"] != "x=1&x=2&y=%C3%A8" {
		t.Errorf("GET /things/a%%2Fb: %d %v", res.StatusCode, v)
	}
	claims, _ := v["claims"].(map[string]any)
	if claims["sub"] != "u1" || claims["aud"] != "aud-a" || claims["iss"] != "https://iss.test" {
		t.Errorf("claims %v", claims)
	}
	if _, isString := claims["exp"].(string); !isString {
		t.Errorf("exp claim %v: API Gateway passes every claim as a string", claims["exp"])
	}
	if v["cookies"] != 2.0 {
		t.Errorf("%v cookies reached the handler, want 2", v["cookies"])
	}
	// Payload 2.0 has no multi-value headers: repeated ones come joined.
	if got := res.Header.Values("X-Multi"); !slices.Equal(got, []string{"a,b"}) {
		t.Errorf("X-Multi %q", got)
	}
	if got := res.Header.Values("Set-Cookie"); len(got) != 2 {
		t.Errorf("Set-Cookie %q", got)
	}

	// Literal segments win over parameters.
	if _, v := do("GET", "/things/special", "", nil, tok); v["routeKey"] != "GET /things/special" {
		t.Errorf("literal: %v", v)
	}
	// A binary body goes base64 and comes back intact; methods are
	// matched whatever case the template writes them in.
	bin := []byte{0xff, 0x00, 0xfe, 'x'}
	if _, v := do("POST", "/things/7/files", "application/octet-stream", bin, tok); v["body"] != base64.StdEncoding.EncodeToString(bin) {
		t.Errorf("binary body: %v", v)
	}
	if _, v := do("PUT", "/files/a/b/c.txt", "text/plain", []byte("è testo"), tok); v["routeKey"] != "ANY /files/{proxy+}" ||
		v["body"] != base64.StdEncoding.EncodeToString([]byte("è testo")) {
		t.Errorf("greedy: %v", v)
	}
	// Auth: NONE needs no token and passes no claims.
	if res, v := do("GET", "/open", "", nil, ""); res.StatusCode != 200 || v["claims"] != nil {
		t.Errorf("open route: %d %v", res.StatusCode, v)
	}
	// Unknown paths are API Gateway's own 404, before any authorization.
	res, v = do("GET", "/nothing", "", nil, "")
	if res.StatusCode != 404 || v["message"] != "Not Found" || len(v) != 1 || res.Header.Get("Content-Type") != "application/json" {
		t.Errorf("unknown route: %d %v", res.StatusCode, v)
	}
	// A path of the API with another method: 405 with Allow, as the
	// functions answer (#14), before any authorization.
	for path, allow := range map[string]string{"/things/1": "GET", "/things/1/files": "POST", "/things/special": "GET", "/lonely": "GET"} {
		res, v := do("DELETE", path, "", nil, "")
		if res.StatusCode != 405 || v["code"] != "method_not_allowed" || res.Header.Get("Allow") != allow ||
			res.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("DELETE %s: %d %v Allow %q, want 405 Allow %q", path, res.StatusCode, v, res.Header.Get("Allow"), allow)
		}
	}
	// A function of the template without a handler answers 501.
	if res, v := do("GET", "/lonely", "", nil, tok); res.StatusCode != 501 || v["code"] != "function_not_wired" {
		t.Errorf("unwired: %d %v", res.StatusCode, v)
	}
}

// TestNoRedirects (#14 8b): paths with ".", ".." or "//" segments are
// answered as sent, as API Gateway does, never redirected (ServeMux's path
// cleaning answered 307): unmatched, API Gateway's 404; matched as
// parameters, the function's own answer.
func TestNoRedirects(t *testing.T) {
	gw, _ := echoGatewayHandler(t)
	pages := http.NewServeMux()
	pages.HandleFunc("GET /_local/{$}", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(299) })
	root := rootHandler(pages, http.NotFoundHandler(), gw)
	get := func(path string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/", nil)
		r.URL.Path, r.RequestURI = path, path // as sent, not cleaned
		w := httptest.NewRecorder()
		root.ServeHTTP(w, r)
		return w
	}
	for _, path := range []string{"/things/../things/1", "//things/1", "/things//1", "/things/./1/..", "/_local/../things/1",
		"/_local//", "/./nothing", "/things/1/files/..", s3Path + "/../things/1", "/things/1//"} {
		w := get(path)
		if w.Code != 404 || w.Header().Get("Location") != "" || strings.TrimSpace(w.Body.String()) != `{"message":"Not Found"}` {
			t.Errorf("GET %s: %d %s (Location %q), want API Gateway's 404", path, w.Code, w.Body, w.Header().Get("Location"))
		}
	}
	if w := get("/_local/"); w.Code != 299 {
		t.Errorf("the local pages: %d", w.Code)
	}
	// A parameter that is "." or "..": the route matches, the function answers.
	if w := get("/things/.."); w.Code != 401 {
		t.Errorf("GET /things/..: %d %s, want the authorizer's 401", w.Code, w.Body)
	}
}

// TestTemplateModel: !Ref of a Number parameter and of a resource resolve
// as CloudFormation would, events keep their settings, and the timeout
// comes from the function.
func TestTemplateModel(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "t.yaml")
	src := echoTemplate + `
  Streamer:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Feed:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt Table.StreamArn
            StartingPosition: TRIM_HORIZON
            BatchSize: 7
            MaximumRetryAttempts: 2
            FunctionResponseTypes: [ReportBatchItemFailures]
            FilterCriteria:
              Filters:
                - Pattern: '{"eventName":["INSERT"]}'
        Tick: {Type: Schedule, Properties: {Schedule: rate(15 minutes)}}
        Tock: {Type: ScheduleV2, Properties: {ScheduleExpression: "cron(0 * * * ? *)", State: DISABLED}}
        Files: {Type: S3, Properties: {Bucket: !Ref Bucket, Events: s3:ObjectCreated:*}}
`
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	tpl, err := loadTemplate(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(tpl.Functions)); !slices.Equal(got, []string{"EchoFunction", "Lonely", "Streamer"}) {
		t.Fatalf("functions %v", got)
	}
	if to := tpl.Functions["EchoFunction"].Timeout; to != 5e9 {
		t.Errorf("timeout %v", to)
	}
	s := tpl.Functions["Streamer"]
	want := streamEvent{Function: "Streamer", Event: "Feed", BatchSize: 7, MaxRetries: 2, ReportFailures: true, Patterns: []string{`{"eventName":["INSERT"]}`}}
	if len(s.Streams) != 1 || s.Streams[0].BatchSize != want.BatchSize || s.Streams[0].MaxRetries != 2 || !s.Streams[0].ReportFailures ||
		!slices.Equal(s.Streams[0].Patterns, want.Patterns) {
		t.Errorf("streams %+v", s.Streams)
	}
	if len(s.Schedules) != 2 || s.Schedules[0].Every != 15*60e9 || !s.Schedules[0].Enabled || s.Schedules[1].Enabled || s.Schedules[1].Every != 0 {
		t.Errorf("schedules %+v", s.Schedules)
	}
	if len(s.Others) != 0 || len(s.S3) != 1 || s.S3[0] != (s3Event{Function: "Streamer", Event: "Files", Bucket: "Bucket"}) {
		t.Errorf("others %v, S3 %+v", s.Others, s.S3)
	}
}
