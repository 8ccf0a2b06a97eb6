package domain_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"suapcds/shared/clock"
	"suapcds/shared/domain"
)

// rome is a wall-clock instant in Europe/Rome.
func rome(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, clock.Rome)
}

// Principals used across the tests: office "africo" belongs to basin
// "locride"; "acquaro" belongs to basin "vibonese".
var (
	suapAfrico  = domain.Principal{UserID: "u-suap", Name: "Maria Rossi", Role: domain.RoleSuapOperator, OfficeID: "africo", Unit: "Suap Comune Africo"}
	suapAcquaro = domain.Principal{UserID: "u-acq", Name: "Luca Bianchi", Role: domain.RoleSuapOperator, OfficeID: "acquaro", Unit: "Suap Comune Acquaro"}
	basinLocr   = domain.Principal{UserID: "u-basin", Name: "Anna Verdi", Role: domain.RoleBasinOperator, BasinID: "locride", Unit: "Bacino Locride"}
	basinVibo   = domain.Principal{UserID: "u-basin2", Name: "Paolo Neri", Role: domain.RoleBasinOperator, BasinID: "vibonese", Unit: "Bacino Vibonese"}
	manager     = domain.Principal{UserID: "u-mgr", Name: "Gestore", Role: domain.RoleManager}
	admin       = domain.Principal{UserID: "u-adm", Name: "Admin", Role: domain.RoleAdmin}
)

// wantDomainErr fails unless err matches sentinel with errors.Is, is a
// *domain.Error of the given kind and has a non-empty detail.
func wantDomainErr(t *testing.T, err error, sentinel *domain.Error, kind domain.Kind) *domain.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", sentinel.Code)
	}
	if !errors.Is(err, sentinel) {
		t.Fatalf("error %v does not match %s", err, sentinel.Code)
	}
	de, ok := domain.AsError(err)
	if !ok {
		t.Fatalf("error %v (%T) is not a *domain.Error", err, err)
	}
	if de.Kind != kind {
		t.Errorf("kind = %d, want %d", de.Kind, kind)
	}
	if strings.TrimSpace(de.Detail) == "" {
		t.Errorf("empty detail in %v", err)
	}
	return de
}

// fieldCodes maps each invalid field of err to its code; it fails when err is
// not a *domain.Error.
func fieldCodes(t *testing.T, err error) map[string]string {
	t.Helper()
	de, ok := domain.AsError(err)
	if !ok {
		t.Fatalf("error %v (%T) is not a *domain.Error", err, err)
	}
	m := make(map[string]string, len(de.Fields))
	for _, f := range de.Fields {
		if _, dup := m[f.Field]; dup {
			t.Errorf("field %q reported twice in %v", f.Field, err)
		}
		if strings.TrimSpace(f.Detail) == "" {
			t.Errorf("field %q has an empty detail", f.Field)
		}
		m[f.Field] = f.Code
	}
	return m
}
