package domain_test

import (
	"regexp"
	"strings"
	"testing"

	"suapcds/shared/domain"
)

// idPattern is the expression ValidID once compiled at init; ValidID must
// agree with it on every string.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

var idSeeds = []string{
	"", "a", "Z", "0", "p-1", "A.b_c-9", "suap-africo", "-a", ".a", "_a", "a-", "a.", "a b", " a", "a ", "a/b", "a\n", "a\x00",
	"è", "aè", "a\u0130", "\xff", "a\xc3", strings.Repeat("a", 63), strings.Repeat("a", 64), strings.Repeat("a", 65),
	"a" + strings.Repeat("-", 63), "a" + strings.Repeat("_", 64), "a#b", "a+b", "a:b", "a~b", "a@b", "[a]", "a^", "a`",
}

func TestValidIDMatchesItsExpression(t *testing.T) {
	for _, s := range idSeeds {
		if got, want := domain.ValidID(s), idPattern.MatchString(s); got != want {
			t.Errorf("ValidID(%q) = %v, the expression says %v", s, got, want)
		}
	}
	for c := range 256 { // every byte, alone and after a letter
		for _, s := range []string{string([]byte{byte(c)}), "a" + string([]byte{byte(c)})} {
			if got, want := domain.ValidID(s), idPattern.MatchString(s); got != want {
				t.Errorf("ValidID(%q) = %v, the expression says %v", s, got, want)
			}
		}
	}
}

func FuzzValidID(f *testing.F) {
	for _, s := range idSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := domain.ValidID(s), idPattern.MatchString(s); got != want {
			t.Errorf("ValidID(%q) = %v, the expression says %v", s, got, want)
		}
	})
}
