package store

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"suapcds/shared/domain"
)

// ErrBadCursor is returned for a cursor that was altered, forged, or made for
// another list.
var ErrBadCursor = domain.ErrBadCursor

// maxCursorLen bounds what is decoded from a client.
const maxCursorLen = 2048

// cursorCodec makes and checks opaque page cursors: the last item's key
// attributes, bound to the list they came from and signed with HMAC-SHA256,
// so a client can neither forge a start key nor reuse one on another list.
type cursorCodec struct{ key []byte }

type cursorBody struct {
	Scope string            `json:"s"`
	Key   map[string]string `json:"k"`
}

func (c cursorCodec) mac(payload []byte) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write(payload)
	return m.Sum(nil)[:20]
}

// encode returns the cursor for the page that follows the item last, in the
// list identified by scope (index, partition and range).
func (c cursorCodec) encode(scope string, index string, last Item) string {
	body := cursorBody{Scope: scope, Key: map[string]string{}}
	for _, a := range KeyAttrs(index) {
		if s, ok := last[a].(*types.AttributeValueMemberS); ok {
			body.Key[a] = s.Value
		}
	}
	payload, _ := json.Marshal(body) // a map of strings always marshals
	enc := base64.RawURLEncoding
	return enc.EncodeToString(payload) + "." + enc.EncodeToString(c.mac(payload))
}

// decode checks cursor against scope and returns the exclusive start key. The
// empty cursor is the first page (nil key).
func (c cursorCodec) decode(scope, index, cursor string) (Item, error) {
	if cursor == "" {
		return nil, nil
	}
	if len(cursor) > maxCursorLen {
		return nil, ErrBadCursor
	}
	p, s, ok := strings.Cut(cursor, ".")
	if !ok {
		return nil, ErrBadCursor
	}
	enc := base64.RawURLEncoding
	payload, err1 := enc.DecodeString(p)
	sig, err2 := enc.DecodeString(s)
	if err1 != nil || err2 != nil || !hmac.Equal(sig, c.mac(payload)) {
		return nil, ErrBadCursor
	}
	var body cursorBody
	if err := json.Unmarshal(payload, &body); err != nil || body.Scope != scope {
		return nil, ErrBadCursor
	}
	start := Item{}
	for _, a := range KeyAttrs(index) {
		v, ok := body.Key[a]
		if !ok {
			return nil, ErrBadCursor
		}
		start[a] = &types.AttributeValueMemberS{Value: v}
	}
	return start, nil
}
