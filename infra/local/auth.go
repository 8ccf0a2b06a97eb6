package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// authority is the local identity provider and the HTTP API's JWT authorizer
// in one: it signs the demo users' tokens with a key kept in the data folder
// and checks incoming tokens the way API Gateway's JWT authorizer does.
//
// RS256, because API Gateway's JWT authorizer accepts only RSA keys.
type authority struct {
	key      *rsa.PrivateKey
	kid      string
	issuer   string
	audience []string
	now      func() time.Time
}

// keyFile is the signing key's file in the data folder.
const keyFile = "jwt-signing-key.pem"

// loadOrCreateKey reads the PEM private key at path, or makes one (first
// start) and writes it there, readable by the owner only.
func loadOrCreateKey(path string) (*rsa.PrivateKey, error) {
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		block, _ := pem.Decode(raw)
		if block == nil {
			return nil, fmt.Errorf("%s: not a PEM file (delete it to get a new key)", path)
		}
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w (delete it to get a new key)", path, err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("%s: not an RSA key (delete it to get a new key)", path)
		}
		return rk, nil
	case !errors.Is(err, os.ErrNotExist):
		return nil, err
	}
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return nil, err
	}
	return k, nil
}

// newAuthority returns an authority signing with key.
func newAuthority(key *rsa.PrivateKey, issuer string, audience []string) (*authority, error) {
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(der)
	return &authority{key: key, kid: base64.RawURLEncoding.EncodeToString(sum[:12]),
		issuer: issuer, audience: audience, now: time.Now}, nil
}

// Mint signs an access token carrying claims (the suap_* claims of a demo
// user), valid for ttl.
func (a *authority) Mint(claims map[string]string, ttl time.Duration) (string, error) {
	now := a.now()
	mc := jwt.MapClaims{
		"iss":   a.issuer,
		"aud":   a.audience[0],
		"iat":   now.Unix(),
		"nbf":   now.Unix(),
		"exp":   now.Add(ttl).Unix(),
		"scope": "openid profile",
	}
	for k, v := range claims {
		mc[k] = v
	}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, mc)
	t.Header["kid"] = a.kid
	return t.SignedString(a.key)
}

// errUnauthorized is every refusal: API Gateway says no more than that.
var errUnauthorized = errors.New("unauthorized")

// Verify checks the Authorization header's value as the JWT authorizer does:
// a token (the "Bearer " prefix is optional), RS256 signed by the key named
// by its kid, the issuer, an audience in aud or client_id, exp (required),
// nbf and iat. It returns the claims as the authorizer passes them to the
// function: every value a string. The reason is for the log, never the
// client.
func (a *authority) Verify(header string) (map[string]string, string, error) {
	tok := strings.TrimSpace(header)
	if len(tok) > 7 && strings.EqualFold(tok[:7], "bearer ") {
		tok = strings.TrimSpace(tok[7:])
	}
	if tok == "" {
		return nil, "no token", errUnauthorized
	}
	mc := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(tok, mc, func(t *jwt.Token) (any, error) {
		if kid, _ := t.Header["kid"].(string); kid != a.kid {
			return nil, fmt.Errorf("unknown kid %q", kid)
		}
		return &a.key.PublicKey, nil
	},
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithIssuer(a.issuer),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(a.now),
	)
	if err != nil {
		return nil, reason(err), errUnauthorized
	}
	if !a.audienceOK(mc) {
		return nil, "audience", errUnauthorized
	}
	return stringClaims(mc), "", nil
}

// reason names what was wrong with a token for the log, in words that
// carry nothing of the token itself.
func reason(err error) string {
	for _, r := range []struct {
		err  error
		what string
	}{
		{jwt.ErrTokenMalformed, "malformed token"},
		{jwt.ErrTokenSignatureInvalid, "bad signature"},
		{jwt.ErrTokenUnverifiable, "unknown key or algorithm"},
		{jwt.ErrTokenExpired, "expired"},
		{jwt.ErrTokenNotValidYet, "not valid yet"},
		{jwt.ErrTokenUsedBeforeIssued, "issued in the future"},
		{jwt.ErrTokenInvalidIssuer, "issuer"},
		{jwt.ErrTokenRequiredClaimMissing, "missing claim"},
	} {
		if errors.Is(err, r.err) {
			return r.what
		}
	}
	return "invalid token"
}

func (a *authority) audienceOK(mc jwt.MapClaims) bool {
	aud, _ := mc.GetAudience()
	if cid, ok := mc["client_id"].(string); ok {
		aud = append(aud, cid)
	}
	for _, x := range aud {
		if slices.Contains(a.audience, x) {
			return true
		}
	}
	return false
}

// stringClaims renders claims as API Gateway hands them to a function in
// requestContext.authorizer.jwt.claims: strings as they are, numbers in
// full, arrays as "[a b]", objects as JSON.
func stringClaims(mc jwt.MapClaims) map[string]string {
	out := make(map[string]string, len(mc))
	for k, v := range mc {
		out[k] = claimString(v)
	}
	return out
}

func claimString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = claimString(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case nil:
		return ""
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}
