package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestProbeSES: only the emulator's store answers the probe; another server
// on the port (or the emulator still starting) does not.
func TestProbeSES(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		ok     bool
	}{
		{"emulator, empty", 200, `{"templates":{},"emails":[]}`, true},
		{"emulator, with mail", 200, `{"templates":{},"emails":[{"messageId":"ses-1"}]}`, true},
		{"other JSON", 200, `{"tables":[]}`, false},
		{"emails not a list", 200, `{"emails":{}}`, false},
		{"HTML", 200, `<html></html>`, false},
		{"error", 500, `{"emails":[]}`, false},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/store" {
				http.NotFound(w, r)
				return
			}
			w.WriteHeader(tc.status)
			w.Write([]byte(tc.body))
		}))
		err := probeSES(context.Background(), srv.URL)
		srv.Close()
		if (err == nil) != tc.ok {
			t.Errorf("%s: probe error %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}
