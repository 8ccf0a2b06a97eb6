// Package signedlink makes and checks the tokens of the links mailed to the
// regional service: each is bound to one request and one purpose, expires,
// and is signed with HMAC-SHA256 under a key from configuration, so it can be
// neither altered to reach another request nor reused for another purpose.
//
// A token is "v1.<payload>.<mac>", both parts base64url without padding; the
// payload is "<purpose>|<requestId>|<expiry unix seconds>". Tokens are
// credentials: never log them.
package signedlink

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Purpose is what a link allows.
type Purpose string

// The purposes of links.
const (
	// Answer opens a request's page for the service: thread, answer forms,
	// room choice, recording upload.
	Answer Purpose = "answer"
	// Convocation downloads a session's convocation file: the link mailed
	// to a convened body when the file is too big to attach. Its subject is
	// "<praticaId>/<conferenceId>/<sessionId>" (ConvocationSubject).
	Convocation Purpose = "convocation"
)

// ConvocationSubject is what a Convocation link is bound to.
func ConvocationSubject(praticaID, conferenceID, sessionID string) string {
	return praticaID + "/" + conferenceID + "/" + sessionID
}

// DefaultTTL is how long a link is valid (docs/rules.md: default 14 days).
const DefaultTTL = 14 * 24 * time.Hour

// Errors of Verify. Pages show both as 403; the difference is only logged.
var (
	ErrInvalid = errors.New("signedlink: invalid token")
	ErrExpired = errors.New("signedlink: expired token")
)

// Signer makes and checks tokens with one key.
type Signer struct {
	key []byte
	ttl time.Duration
}

// New returns a Signer; the key must be at least 32 bytes; ttl ≤ 0 means
// DefaultTTL.
func New(key []byte, ttl time.Duration) (*Signer, error) {
	if len(key) < 32 {
		return nil, errors.New("signedlink: the key must be at least 32 bytes")
	}
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	return &Signer{key: key, ttl: ttl}, nil
}

// TTL is how long the links this Signer makes stay valid.
func (s *Signer) TTL() time.Duration { return s.ttl }

// Strict decoding: a token has exactly one spelling.
var enc = base64.RawURLEncoding.Strict()

func (s *Signer) mac(payload []byte) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("v1."))
	m.Write(payload)
	return m.Sum(nil)
}

// Sign returns a token for purpose on requestID, valid from now for the TTL.
func (s *Signer) Sign(p Purpose, requestID string, now time.Time) string {
	return s.SignUntil(p, requestID, now.Add(s.ttl))
}

// SignUntil returns a token for purpose on requestID valid until expiry
// (for links whose life follows an event, such as a meeting's date).
func (s *Signer) SignUntil(p Purpose, requestID string, expiry time.Time) string {
	payload := []byte(string(p) + "|" + requestID + "|" + strconv.FormatInt(expiry.Unix(), 10))
	return "v1." + enc.EncodeToString(payload) + "." + enc.EncodeToString(s.mac(payload))
}

// Verify checks that token was made by this Signer for purpose on requestID
// and has not expired at now. It returns the expiry.
func (s *Signer) Verify(token string, p Purpose, requestID string, now time.Time) (time.Time, error) {
	if len(token) > 512 {
		return time.Time{}, ErrInvalid
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] != "v1" {
		return time.Time{}, ErrInvalid
	}
	payload, err1 := enc.DecodeString(parts[1])
	sig, err2 := enc.DecodeString(parts[2])
	if err1 != nil || err2 != nil || !hmac.Equal(sig, s.mac(payload)) {
		return time.Time{}, ErrInvalid
	}
	fields := strings.Split(string(payload), "|")
	if len(fields) != 3 || fields[0] != string(p) || fields[1] != requestID {
		return time.Time{}, ErrInvalid
	}
	exp, err := strconv.ParseInt(fields[2], 10, 64)
	if err != nil {
		return time.Time{}, ErrInvalid
	}
	expiry := time.Unix(exp, 0)
	if !now.Before(expiry) {
		return expiry, ErrExpired
	}
	return expiry, nil
}

// Where the links lead: the manager function serves both pages, notify
// mails them. This is the one place their paths are spelled.
const (
	// AnswerPath is a request's answer page: AnswerPath + {requestId}.
	AnswerPath = "/gestore/richieste/"
	// ConvocationPath is a convened body's download:
	// ConvocationPath + {praticaId}/{conferenceId}/{sessionId}.
	ConvocationPath = "/enti/convocazioni/"
)

// AnswerURL is the mailed link to request id's page under base (the public
// origin, no trailing slash), carrying token.
func AnswerURL(base, requestID, token string) string {
	return base + AnswerPath + url.PathEscape(requestID) + "?" + url.Values{"t": {token}}.Encode()
}

// ConvocationURL is the mailed link to a session's convocation download.
func ConvocationURL(base, praticaID, conferenceID, sessionID, token string) string {
	return base + ConvocationPath + url.PathEscape(praticaID) + "/" + url.PathEscape(conferenceID) + "/" +
		url.PathEscape(sessionID) + "?" + url.Values{"t": {token}}.Encode()
}
