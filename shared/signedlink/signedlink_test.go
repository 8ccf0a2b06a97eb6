package signedlink

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var key = []byte("0123456789abcdef0123456789abcdef")

func TestSignVerify(t *testing.T) {
	s, err := New(key, 0)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	tok := s.Sign(Answer, "req-1", now)
	exp, err := s.Verify(tok, Answer, "req-1", now.Add(13*24*time.Hour))
	if err != nil || !exp.Equal(now.Add(DefaultTTL)) {
		t.Fatalf("valid token: %v %v", exp, err)
	}
	if _, err := s.Verify(tok, Answer, "req-1", now.Add(DefaultTTL)); !errors.Is(err, ErrExpired) {
		t.Errorf("at expiry: %v", err)
	}
	if _, err := s.Verify(tok, Answer, "req-2", now); !errors.Is(err, ErrInvalid) {
		t.Errorf("other request: %v", err)
	}
	if _, err := s.Verify(tok, Purpose("upload"), "req-1", now); !errors.Is(err, ErrInvalid) {
		t.Errorf("other purpose: %v", err)
	}
	other, _ := New([]byte("another key, long enough to be used"), 0)
	if _, err := other.Verify(tok, Answer, "req-1", now); !errors.Is(err, ErrInvalid) {
		t.Errorf("other key: %v", err)
	}
	// Re-signing another request's payload without the key is impossible:
	// swap the payload, keep the mac.
	forged := strings.Join([]string{"v1", enc.EncodeToString([]byte("answer|req-2|9999999999")), strings.Split(tok, ".")[2]}, ".")
	if _, err := s.Verify(forged, Answer, "req-2", now); !errors.Is(err, ErrInvalid) {
		t.Errorf("forged payload: %v", err)
	}
	for _, bad := range []string{"", "v1", "v1..", "v2." + tok[3:], tok + "x", strings.Repeat("a", 600)} {
		if _, err := s.Verify(bad, Answer, "req-1", now); !errors.Is(err, ErrInvalid) {
			t.Errorf("%.20q: %v", bad, err)
		}
	}
	if _, err := New([]byte("short"), 0); err == nil {
		t.Error("short key accepted")
	}
}

// TestSignUntil: a convocation link lives until the expiry it is given, and
// is good for nothing else.
func TestSignUntil(t *testing.T) {
	s, _ := New(key, 0)
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	until := now.Add(60 * 24 * time.Hour)
	subject := ConvocationSubject("P-1", "c-1", "s-1")
	tok := s.SignUntil(Convocation, subject, until)
	if exp, err := s.Verify(tok, Convocation, subject, until.Add(-time.Second)); err != nil || !exp.Equal(until) {
		t.Fatalf("before expiry: %v %v", exp, err)
	}
	if _, err := s.Verify(tok, Convocation, subject, until); !errors.Is(err, ErrExpired) {
		t.Errorf("at expiry: %v", err)
	}
	if _, err := s.Verify(tok, Answer, subject, now); !errors.Is(err, ErrInvalid) {
		t.Errorf("as an answer link: %v", err)
	}
	if _, err := s.Verify(tok, Convocation, ConvocationSubject("P-1", "c-1", "s-2"), now); !errors.Is(err, ErrInvalid) {
		t.Errorf("for another session: %v", err)
	}
}

// FuzzVerify: no input panics or verifies without the key. Seeds live in
// testdata/fuzz/FuzzVerify.
func FuzzVerify(f *testing.F) {
	s, _ := New(key, time.Hour)
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	f.Add(s.Sign(Answer, "req-1", now))
	f.Add("v1.YW5zd2VyfHJlcS0xfDE.AAAA")
	f.Fuzz(func(t *testing.T, tok string) {
		_, err := s.Verify(tok, Answer, "req-1", now)
		if err == nil && tok != s.Sign(Answer, "req-1", now) {
			t.Fatalf("a token not made by Sign verified: %q", tok)
		}
	})
}

func TestLinkURLs(t *testing.T) {
	if got := AnswerURL("https://v.example.it", "r 1", "v1.a+b"); got != "https://v.example.it/gestore/richieste/r%201?t=v1.a%2Bb" {
		t.Errorf("answer: %s", got)
	}
	if got := ConvocationURL("https://v.example.it", "p", "c", "s", "tok"); got != "https://v.example.it/enti/convocazioni/p/c/s?t=tok" {
		t.Errorf("convocation: %s", got)
	}
}
