package s3get

import "net/http"

// WrapTransport lets the external tests watch the reader's traffic (how
// much of a body it reads) on a real server.
func WrapTransport(r *Reader, wrap func(http.RoundTripper) http.RoundTripper) {
	r.b.WrapTransport(wrap)
}
