// Package apitest calls an API function's handler the way production does and
// checks every exchange against the OpenAPI document (shared/api/openapi.yaml).
//
// A request becomes an API Gateway HTTP API (payload 2.0) event — route key,
// raw path and query, headers, body, and a request context whose JWT
// authorizer carries the principal's claims — handed to
// httpadapter.NewV2(handler).ProxyWithContext, exactly as lambda.Start does
// in the functions' main. The handler therefore sees what it sees on Lambda,
// claims included, and its answer is read back from the proxy response.
//
// Do validates the request against the document first (a request the document
// refuses is a mistake in the test) and DoRaw does not, for tests of malformed
// input. Both validate every response: an undocumented status, a missing or
// extra field, a wrong type or Content-Type fails the test, naming the
// operation and showing the body.
//
// It is a normal package meant for _test files only.
package apitest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"suapcds/shared/api"
	"suapcds/shared/domain"
	"suapcds/shared/httpapi"
)

// host is the domain name the events carry (an HTTP API's default endpoint).
const host = "apitest.execute-api.eu-south-1.amazonaws.com"

// Client sends requests to one handler through the API Gateway v2 adapter.
type Client struct {
	t       testing.TB
	adapter *httpadapter.HandlerAdapterV2
	doc     *openapi3.T
	router  routers.Router
	seq     atomic.Int64
}

// Response is what the handler answered, as the client receives it.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// New returns a Client for h (a function's handler, as its main passes it to
// httpadapter.NewV2). It fails the test if the OpenAPI document does not load
// or is not valid.
func New(t testing.TB, h http.Handler) *Client {
	t.Helper()
	doc, router, err := load()
	if err != nil {
		t.Fatalf("apitest: %v", err)
	}
	return &Client{t: t, adapter: httpadapter.NewV2(h), doc: doc, router: router}
}

// The pre-filled documents are OpenDocument files: validated as binary
// (format: binary), like any file body kin-openapi knows.
func init() {
	openapi3filter.RegisterBodyDecoder("application/vnd.oasis.opendocument.text", openapi3filter.FileBodyDecoder)
}

// load parses and validates the OpenAPI document and builds its router.
func load() (*openapi3.T, routers.Router, error) {
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	if err != nil {
		return nil, nil, fmt.Errorf("loading openapi.yaml: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, nil, fmt.Errorf("openapi.yaml is not valid: %w", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, nil, fmt.Errorf("routing openapi.yaml: %w", err)
	}
	return doc, router, nil
}

// Claims returns the JWT claims an authorizer passes on for p, named as
// httpapi reads them; empty values are left out, as a token would.
func Claims(p domain.Principal) map[string]string {
	c := map[string]string{}
	for k, v := range map[string]string{
		httpapi.ClaimSubject: p.UserID,
		httpapi.ClaimName:    p.Name,
		httpapi.ClaimRole:    string(p.Role),
		httpapi.ClaimOffice:  p.OfficeID,
		httpapi.ClaimBasin:   p.BasinID,
		httpapi.ClaimUnit:    p.Unit,
	} {
		if v != "" {
			c[k] = v
		}
	}
	return c
}

// Do sends a request as who (nil = no authorizer claims) with body (nil, a
// []byte sent raw, or any value JSON-encoded). target is a path with an
// optional query string, e.g. "/booking-requests?state=APERTA". It fails the
// test at once if the request does not match the OpenAPI document (use DoRaw
// for deliberately bad requests), and fails it if the response does not.
func (c *Client) Do(method, target string, who *domain.Principal, body any) *Response {
	c.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			c.t.Fatalf("apitest: %s %s: encoding the body: %v", method, target, err)
		}
	}
	var headers map[string]string
	if raw != nil {
		headers = map[string]string{"Content-Type": "application/json"}
	}
	return c.send(method, target, who, headers, raw, true)
}

// DoRaw is Do with explicit headers (e.g. another Content-Type; none is added)
// and no request validation, for malformed-input tests. The response is still
// validated: against its operation when the method and path match one, else
// as a problem+json.
func (c *Client) DoRaw(method, target string, who *domain.Principal, headers map[string]string, body []byte) *Response {
	c.t.Helper()
	return c.send(method, target, who, headers, body, false)
}

// CheckEvent validates out, the answer a function gave to the HTTP API event
// ev somewhere else than through this client (a bootstrap running under
// aws-lambda-rie, say), against the OpenAPI document as Do validates its own
// exchanges, and returns the answer as a client receives it. The error names
// the operation and what does not match.
func (c *Client) CheckEvent(ev events.APIGatewayV2HTTPRequest, out events.APIGatewayV2HTTPResponse) (*Response, error) {
	ctx := context.Background()
	method := strings.ToUpper(ev.RequestContext.HTTP.Method)
	target := ev.RawPath
	if ev.RawQueryString != "" {
		target += "?" + ev.RawQueryString
	}
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(ev.Body)
		if err != nil {
			return nil, fmt.Errorf("%s %s: base64 body: %w", method, target, err)
		}
		body = b
	}
	req, err := http.NewRequestWithContext(ctx, method, "https://"+host+target, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, target, err)
	}
	for k, v := range ev.Headers {
		req.Header.Set(k, v)
	}
	x := &exchange{method: method, target: target, req: req}
	route, params, err := c.router.FindRoute(req)
	if err == nil {
		x.route, x.pathParams = route, params
	} else if !errors.Is(err, routers.ErrPathNotFound) && !errors.Is(err, routers.ErrMethodNotAllowed) {
		return nil, fmt.Errorf("%s %s: routing: %w", method, target, err)
	}
	resp, err := response(out)
	if err != nil {
		return nil, fmt.Errorf("%s: reading the proxy response: %w", x.name(), err)
	}
	if err := c.checkResponse(ctx, x, resp); err != nil {
		return resp, fmt.Errorf("%s: response %d does not match openapi.yaml: %w\nContent-Type: %s\nbody: %s",
			x.name(), resp.Status, err, resp.Header.Get("Content-Type"), resp.Body)
	}
	return resp, nil
}

// exchange is one request with what the document says of it.
type exchange struct {
	method, target string
	req            *http.Request // for the validators only
	route          *routers.Route
	pathParams     map[string]string
}

func (x *exchange) name() string {
	if x.route != nil && x.route.Operation != nil && x.route.Operation.OperationID != "" {
		return fmt.Sprintf("%s (%s %s)", x.route.Operation.OperationID, x.method, x.target)
	}
	return fmt.Sprintf("%s %s (no operation in openapi.yaml)", x.method, x.target)
}

func (c *Client) send(method, target string, who *domain.Principal, headers map[string]string, body []byte, validate bool) *Response {
	c.t.Helper()
	method = strings.ToUpper(method)
	u, err := url.Parse(target)
	if err != nil || !strings.HasPrefix(target, "/") || u.Host != "" || u.Fragment != "" {
		c.t.Fatalf("apitest: %s %q: the target must be a path with an optional query string", method, target)
	}
	ctx := context.Background()

	// The request the validators look at: the same method, URL, headers, body.
	req, err := http.NewRequestWithContext(ctx, method, "https://"+host+target, bytes.NewReader(body))
	if err != nil {
		c.t.Fatalf("apitest: %s %s: %v", method, target, err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	if who != nil {
		req.Header.Set("Authorization", "Bearer apitest")
	}
	x := &exchange{method: method, target: target, req: req}
	route, params, err := c.router.FindRoute(req)
	if err == nil {
		x.route, x.pathParams = route, params
	} else if !errors.Is(err, routers.ErrPathNotFound) && !errors.Is(err, routers.ErrMethodNotAllowed) {
		c.t.Fatalf("apitest: %s %s: routing: %v", method, target, err)
	}

	if validate {
		if x.route == nil {
			c.t.Fatalf("apitest: %s %s: no operation in openapi.yaml has this method and path (use DoRaw for undocumented routes)", method, target)
		}
		err := openapi3filter.ValidateRequest(ctx, &openapi3filter.RequestValidationInput{
			Request: req, PathParams: x.pathParams, Route: x.route, Options: c.options(),
		})
		if err != nil {
			c.t.Fatalf("apitest: %s: the request does not match openapi.yaml (fix the test, or use DoRaw for a deliberately bad request): %v\nbody: %s",
				x.name(), err, body)
		}
	}

	ev := c.event(x, u, who, headers, body)
	lc := &lambdacontext.LambdaContext{AwsRequestID: ev.RequestContext.RequestID,
		InvokedFunctionArn: "arn:aws:lambda:eu-south-1:123456789012:function:apitest"}
	out, err := c.adapter.ProxyWithContext(lambdacontext.NewContext(ctx, lc), ev)
	if err != nil {
		c.t.Fatalf("apitest: %s: the adapter failed: %v", x.name(), err)
	}
	resp, err := response(out)
	if err != nil {
		c.t.Fatalf("apitest: %s: reading the proxy response: %v", x.name(), err)
	}
	if err := c.checkResponse(ctx, x, resp); err != nil {
		c.t.Errorf("apitest: %s: response %d does not match openapi.yaml: %v\nContent-Type: %s\nbody: %s",
			x.name(), resp.Status, err, resp.Header.Get("Content-Type"), resp.Body)
	}
	return resp
}

// event builds the API Gateway v2 event for the exchange, as the HTTP API
// would deliver it to the function.
func (c *Client) event(x *exchange, u *url.URL, who *domain.Principal, headers map[string]string, body []byte) events.APIGatewayV2HTTPRequest {
	n := c.seq.Add(1)
	now := time.Now()
	routeKey := "$default"
	var pathParams map[string]string
	if x.route != nil {
		routeKey = x.method + " " + x.route.Path
		pathParams = map[string]string{}
		for k, v := range x.pathParams {
			if d, err := url.PathUnescape(v); err == nil {
				v = d
			}
			pathParams[k] = v
		}
	}
	hdr := map[string]string{ // API Gateway lower-cases header names
		"host":              host,
		"user-agent":        "apitest",
		"x-forwarded-proto": "https",
		"x-forwarded-port":  "443",
		"x-amzn-trace-id":   fmt.Sprintf("Root=1-%08x-%024x", now.Unix(), n),
	}
	if who != nil {
		hdr["authorization"] = "Bearer apitest"
	}
	for k, v := range headers {
		hdr[strings.ToLower(k)] = v
	}
	if len(body) > 0 {
		hdr["content-length"] = fmt.Sprint(len(body))
	}
	var query map[string]string
	if q := u.Query(); len(q) > 0 {
		query = map[string]string{}
		for k, vs := range q {
			query[k] = strings.Join(vs, ",") // as API Gateway joins repeated parameters
		}
	}
	ev := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              routeKey,
		RawPath:               u.EscapedPath(),
		RawQueryString:        u.RawQuery,
		Headers:               hdr,
		QueryStringParameters: query,
		PathParameters:        pathParams,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     routeKey,
			AccountID:    "123456789012",
			Stage:        "$default",
			RequestID:    fmt.Sprintf("apitest-%d", n),
			APIID:        "apitest",
			DomainName:   host,
			DomainPrefix: "apitest",
			Time:         now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    x.method,
				Path:      u.EscapedPath(),
				Protocol:  "HTTP/1.1",
				SourceIP:  "192.0.2.10",
				UserAgent: "apitest",
			},
		},
	}
	if who != nil {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: Claims(*who)},
		}
	}
	if len(body) > 0 {
		if utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
	}
	return ev
}

// response turns the proxy response back into what a client receives.
func response(out events.APIGatewayV2HTTPResponse) (*Response, error) {
	r := &Response{Status: out.StatusCode, Header: http.Header{}, Body: []byte(out.Body)}
	keys := make([]string, 0, len(out.Headers))
	for k := range out.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		r.Header.Set(k, out.Headers[k])
	}
	for k, vs := range out.MultiValueHeaders {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	for _, c := range out.Cookies {
		r.Header.Add("Set-Cookie", c)
	}
	if out.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(out.Body)
		if err != nil {
			return nil, fmt.Errorf("base64 body: %w", err)
		}
		r.Body = b
	}
	return r, nil
}

func (c *Client) options() *openapi3filter.Options {
	o := &openapi3filter.Options{
		// The HTTP API's JWT authorizer checks the token; the claims reach
		// the handler through the event.
		AuthenticationFunc:    func(context.Context, *openapi3filter.AuthenticationInput) error { return nil },
		IncludeResponseStatus: true, // an undocumented status is an error
		MultiError:            true,
	}
	o.WithCustomSchemaErrorFunc(schemaError)
	return o
}

// schemaError is a schema violation in one line: where and what, without
// kin-openapi's dump of the schema (the body is shown beside it).
func schemaError(e *openapi3.SchemaError) string {
	if p := e.JSONPointer(); len(p) > 0 {
		return fmt.Sprintf("at %q: %s", "/"+strings.Join(p, "/"), e.Reason)
	}
	return e.Reason
}

// checkResponse validates resp against the exchange's operation, or against
// the Problem schema when no operation matches. Every problem+json must also
// carry the HTTP status in its body.
func (c *Client) checkResponse(ctx context.Context, x *exchange, resp *Response) error {
	if x.route != nil {
		err := openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{
				Request: x.req, PathParams: x.pathParams, Route: x.route, Options: c.options(),
			},
			Status:  resp.Status,
			Header:  resp.Header,
			Body:    io.NopCloser(bytes.NewReader(resp.Body)),
			Options: c.options(),
		})
		if err != nil {
			return err
		}
	} else if err := c.checkProblem(resp); err != nil {
		return err
	}
	if isProblem(resp.Header) {
		var p struct {
			Status int `json:"status"`
		}
		if err := json.Unmarshal(resp.Body, &p); err != nil {
			return fmt.Errorf("problem body: %w", err)
		}
		if p.Status != resp.Status {
			return fmt.Errorf("the problem's status %d is not the response's", p.Status)
		}
	}
	return nil
}

// checkProblem validates the answer to a request no operation matches: an
// error, as problem+json.
func (c *Client) checkProblem(resp *Response) error {
	if resp.Status < 400 {
		return fmt.Errorf("status %d for a route the document does not have", resp.Status)
	}
	if !isProblem(resp.Header) {
		return fmt.Errorf("Content-Type %q, want application/problem+json", resp.Header.Get("Content-Type"))
	}
	ref := c.doc.Components.Schemas["Problem"]
	if ref == nil || ref.Value == nil {
		return errors.New("openapi.yaml has no components/schemas/Problem")
	}
	var v any
	if err := json.Unmarshal(resp.Body, &v); err != nil {
		return fmt.Errorf("problem body: %w", err)
	}
	return ref.Value.VisitJSON(v, openapi3.MultiErrors(), openapi3.SetSchemaErrorMessageCustomizer(schemaError))
}

func isProblem(h http.Header) bool {
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	return err == nil && mt == "application/problem+json"
}

// JSON decodes the body into v, failing the test on error.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("apitest: decoding the %d response into %T: %v\nbody: %s", r.Status, v, err, r.Body)
	}
}

// Problem decodes a problem+json body, failing the test unless the response
// is one.
func (r *Response) Problem(t testing.TB) httpapi.Problem {
	t.Helper()
	if !isProblem(r.Header) {
		t.Fatalf("apitest: response %d has Content-Type %q, want application/problem+json\nbody: %s",
			r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	var p httpapi.Problem
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("apitest: decoding the %d problem: %v\nbody: %s", r.Status, err, r.Body)
	}
	return p
}
