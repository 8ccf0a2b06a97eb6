package domain_test

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"suapcds/shared/domain"
)

func TestErrorIsMatchesByCode(t *testing.T) {
	sentinels := []*domain.Error{
		domain.ErrNotFound, domain.ErrForbidden, domain.ErrConflict, domain.ErrLiveRequestExists,
		domain.ErrThreadClosed, domain.ErrReadOnly, domain.ErrLeadTime, domain.ErrCDSReasonRequired,
		domain.ErrInvalidTransition,
	}
	codes := map[string]bool{}
	for _, s := range sentinels {
		if codes[s.Code] {
			t.Errorf("code %q used by two sentinels", s.Code)
		}
		codes[s.Code] = true
		if s.Detail == "" || s.Kind < domain.KindInvalid || s.Kind > domain.KindConflict {
			t.Errorf("sentinel %s: kind %d, detail %q", s.Code, s.Kind, s.Detail)
		}
	}
	for _, a := range sentinels {
		// A refined error with the same code and another detail still matches.
		refined := &domain.Error{Kind: a.Kind, Code: a.Code, Detail: "Dettaglio più preciso."}
		for _, b := range sentinels {
			if got, want := errors.Is(refined, b), a.Code == b.Code; got != want {
				t.Errorf("errors.Is(%s, %s) = %v, want %v", a.Code, b.Code, got, want)
			}
		}
		if errors.Is(refined, io.EOF) {
			t.Errorf("%s matches io.EOF", a.Code)
		}
	}
	if errors.Is(io.EOF, domain.ErrNotFound) {
		t.Error("io.EOF matches not_found")
	}
	if errors.Is(nil, domain.ErrNotFound) {
		t.Error("nil matches not_found")
	}
	// The transition errors all match the sentinel, whatever their detail.
	if !errors.Is(domain.TransitionError(domain.StateDone, domain.Cancel), domain.ErrInvalidTransition) {
		t.Error("TransitionError does not match ErrInvalidTransition")
	}
}

func TestAsErrorThroughWrapping(t *testing.T) {
	base := &domain.Error{Kind: domain.KindConflict, Code: "live_request_exists", Detail: "In corso."}
	cases := []struct {
		name string
		err  error
		want *domain.Error
	}{
		{"plain", base, base},
		{"wrapped once", fmt.Errorf("crea richiesta: %w", base), base},
		{"wrapped twice", fmt.Errorf("handler: %w", fmt.Errorf("store: %w", base)), base},
		{"joined", errors.Join(io.EOF, base), base},
		{"sentinel wrapped", fmt.Errorf("x: %w", domain.ErrNotFound), domain.ErrNotFound},
		{"not wrapped (%v)", fmt.Errorf("x: %v", base), nil},
		{"other error", io.EOF, nil},
		{"nil", nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := domain.AsError(c.err)
			if c.want == nil {
				if ok || got != nil {
					t.Fatalf("AsError = %v, %v; want nothing", got, ok)
				}
				return
			}
			if !ok || got != c.want {
				t.Fatalf("AsError = %v, %v; want %v", got, ok, c.want)
			}
			if !errors.Is(c.err, &domain.Error{Code: c.want.Code}) {
				t.Errorf("errors.Is through the wrapping fails for %s", c.want.Code)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	cases := []struct {
		err  *domain.Error
		want string
	}{
		{domain.ErrNotFound, "not_found: Elemento non trovato."},
		{&domain.Error{Code: "invalid_input", Detail: "Campo obbligatorio.", Fields: []domain.FieldError{{Field: "subject", Code: "required"}}},
			"invalid_input: Campo obbligatorio. (subject: required)"},
		{&domain.Error{Code: "invalid_input", Detail: "Alcuni campi non sono validi (2).", Fields: []domain.FieldError{
			{Field: "subject", Code: "required"}, {Field: "email", Code: "invalid_email"}}},
			"invalid_input: Alcuni campi non sono validi (2). (subject: required, email: invalid_email)"},
	}
	for _, c := range cases {
		if got := c.err.Error(); got != c.want {
			t.Errorf("Error() = %q, want %q", got, c.want)
		}
	}
	// A real validation error lists every field in its string.
	_, err := domain.NewRequest(praticaAfrico(), suapAfrico, domain.NewRequestInput{}, monday, nil, 2)
	msg := fmt.Sprint(err)
	for _, part := range []string{"invalid_input", "subject: required", "email: required", "durationMinutes: required", "start: required"} {
		if !strings.Contains(msg, part) {
			t.Errorf("%q does not contain %q", msg, part)
		}
	}
}
