// Package httpapi is the HTTP plumbing every API function shares: who is
// calling (from the JWT authorizer's claims), request decoding with limits,
// RFC 9457 problem responses with Italian details and stable codes, and one
// JSON log line per request.
//
// Handlers are plain net/http (Go 1.22 patterns). On Lambda they run behind
// github.com/awslabs/aws-lambda-go-api-proxy's httpadapter.NewV2, which puts
// the API Gateway v2 request context — with the authorizer's claims — in the
// request's context; the local gateway and the tests build the same events.
package httpapi
