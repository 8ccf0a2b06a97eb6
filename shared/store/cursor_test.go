package store

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func sampleKey() Item {
	return Item{
		AttrPK:      &types.AttributeValueMemberS{Value: "REQ#1"},
		AttrSK:      &types.AttributeValueMemberS{Value: "META"},
		"officeKey": &types.AttributeValueMemberS{Value: "OFFICE#a"},
		"listKey":   &types.AttributeValueMemberS{Value: "2026-11-02T09:00:00.000000000Z#1"},
		"subject":   &types.AttributeValueMemberS{Value: "not a key: never in a cursor"},
	}
}

func TestCursorRoundTrip(t *testing.T) {
	c := cursorCodec{key: []byte("0123456789abcdef")}
	cur := c.encode("scope", IndexByOffice.Name, sampleKey())
	if strings.Contains(cur, "OFFICE") || strings.Contains(cur, "never") {
		t.Errorf("cursor shows its content: %s", cur)
	}
	got, err := c.decode("scope", IndexByOffice.Name, cur)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || got["listKey"].(*types.AttributeValueMemberS).Value != "2026-11-02T09:00:00.000000000Z#1" {
		t.Errorf("decoded %v", got)
	}
	if _, err := c.decode("other scope", IndexByOffice.Name, cur); !errors.Is(err, ErrBadCursor) {
		t.Errorf("other scope: %v", err)
	}
	other := cursorCodec{key: []byte("another-key-0123")}
	if _, err := other.decode("scope", IndexByOffice.Name, cur); !errors.Is(err, ErrBadCursor) {
		t.Errorf("other key: %v", err)
	}
	if k, err := c.decode("scope", "", ""); k != nil || err != nil {
		t.Errorf("empty cursor: %v %v", k, err)
	}
}

// FuzzCursorDecode: whatever a client sends as a cursor, decode either
// refuses it with ErrBadCursor or returns exactly the key attributes of the
// index, and never panics. Seeds live in testdata/fuzz/FuzzCursorDecode.
func FuzzCursorDecode(f *testing.F) {
	c := cursorCodec{key: []byte("0123456789abcdef")}
	f.Add(c.encode("scope", IndexByOffice.Name, sampleKey()))
	f.Add("")
	f.Add("e30.AAAA")
	f.Add("..")
	f.Fuzz(func(t *testing.T, cursor string) {
		k, err := c.decode("scope", IndexByOffice.Name, cursor)
		if err != nil {
			if !errors.Is(err, ErrBadCursor) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if cursor == "" {
			return
		}
		if len(k) != len(KeyAttrs(IndexByOffice.Name)) {
			t.Fatalf("decoded %d attributes", len(k))
		}
	})
}
