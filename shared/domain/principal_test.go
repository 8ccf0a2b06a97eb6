package domain_test

import (
	"testing"

	"suapcds/shared/domain"
)

func TestRoles(t *testing.T) {
	cases := []struct {
		r     domain.Role
		valid bool
		label string
	}{
		{domain.RoleSuapOperator, true, "Utente Ufficio Suap"},
		{domain.RoleBasinOperator, true, "Utente Bacino"},
		{domain.RoleManager, true, "Gestore servizio videoconferenza"},
		{domain.RoleAdmin, true, "Amministratore regionale"},
		{"", false, ""},
		{"SUAP_OPERATOR", false, "SUAP_OPERATOR"},
		{"ente_terzo", false, "ente_terzo"},
	}
	for _, c := range cases {
		if got := c.r.Valid(); got != c.valid {
			t.Errorf("%q.Valid() = %v, want %v", c.r, got, c.valid)
		}
		if got := c.r.Label(); got != c.label {
			t.Errorf("%q.Label() = %q, want %q", c.r, got, c.label)
		}
	}
}

func TestCanActOn(t *testing.T) {
	cases := []struct {
		name          string
		who           domain.Principal
		office, basin string
		want          bool
	}{
		{"suap, own office", suapAfrico, "africo", "locride", true},
		{"suap, own office without basin", suapAfrico, "africo", "", true},
		{"suap, other office", suapAfrico, "acquaro", "locride", false},
		{"suap, office id only as basin", domain.Principal{Role: domain.RoleSuapOperator, BasinID: "locride"}, "africo", "locride", false},
		{"suap without office, office without id", domain.Principal{Role: domain.RoleSuapOperator}, "", "", false},
		{"basin, office of the basin", basinLocr, "africo", "locride", true},
		{"basin, other office of the basin", basinLocr, "bianco", "locride", true},
		{"basin, office of another basin", basinLocr, "acquaro", "vibonese", false},
		{"basin, office without basin", basinLocr, "africo", "", false},
		{"basin without basin, office without basin", domain.Principal{Role: domain.RoleBasinOperator}, "africo", "", false},
		{"basin with matching office id only", domain.Principal{Role: domain.RoleBasinOperator, OfficeID: "africo"}, "africo", "locride", false},
		{"manager", manager, "africo", "locride", false},
		{"admin", admin, "africo", "locride", false},
		{"admin with office and basin", domain.Principal{Role: domain.RoleAdmin, OfficeID: "africo", BasinID: "locride"}, "africo", "locride", false},
		{"no role", domain.Principal{OfficeID: "africo", BasinID: "locride"}, "africo", "locride", false},
	}
	for _, c := range cases {
		if got := c.who.CanActOn(c.office, c.basin); got != c.want {
			t.Errorf("%s: CanActOn(%q, %q) = %v, want %v", c.name, c.office, c.basin, got, c.want)
		}
	}
}

func TestCanSeeRequest(t *testing.T) {
	africo := &domain.Request{OfficeID: "africo", BasinID: "locride", State: domain.StateOpen}
	acquaro := &domain.Request{OfficeID: "acquaro", BasinID: "vibonese", State: domain.StateDone}
	noBasin := &domain.Request{OfficeID: "africo", State: domain.StateOpen}
	cases := []struct {
		who                      domain.Principal
		africo, acquaro, noBasin bool
	}{
		{suapAfrico, true, false, true},
		{suapAcquaro, false, true, false},
		{basinLocr, true, false, false},
		{basinVibo, false, true, false},
		{manager, true, true, true},
		{admin, false, false, false},
		{domain.Principal{}, false, false, false},
	}
	for _, c := range cases {
		for _, x := range []struct {
			r    *domain.Request
			name string
			want bool
		}{{africo, "africo", c.africo}, {acquaro, "acquaro", c.acquaro}, {noBasin, "noBasin", c.noBasin}} {
			if got := c.who.CanSeeRequest(x.r); got != x.want {
				t.Errorf("%s (%s) sees %s: %v, want %v", c.who.UserID, c.who.Role, x.name, got, x.want)
			}
		}
	}
}

func TestSUAPSide(t *testing.T) {
	cases := map[domain.Role]bool{
		domain.RoleSuapOperator:  true,
		domain.RoleBasinOperator: true,
		domain.RoleManager:       false,
		domain.RoleAdmin:         false,
		"":                       false,
	}
	for r, want := range cases {
		if got := (domain.Principal{Role: r}).SUAPSide(); got != want {
			t.Errorf("SUAPSide(%q) = %v, want %v", r, got, want)
		}
	}
}

func TestRoleUnit(t *testing.T) {
	cases := []struct {
		who  domain.Principal
		want string
	}{
		// The manual's history figure.
		{domain.Principal{Role: domain.RoleSuapOperator, Unit: "Suap Comune Acquaro"}, "Utente Ufficio Suap Suap Comune Acquaro"},
		{domain.Principal{Role: domain.RoleBasinOperator, Unit: "Bacino Locride"}, "Utente Bacino Bacino Locride"},
		{domain.Principal{Role: domain.RoleManager}, "Gestore servizio videoconferenza"},
		{domain.Principal{Role: domain.RoleAdmin}, "Amministratore regionale"},
	}
	for _, c := range cases {
		if got := c.who.RoleUnit(); got != c.want {
			t.Errorf("RoleUnit(%+v) = %q, want %q", c.who, got, c.want)
		}
	}
	// The history entry carries it.
	h := domain.NewHistory("p1", suapAcquaro, domain.OpRequestCreated, "", monday)
	if h.RoleUnit != "Utente Ufficio Suap Suap Comune Acquaro" || h.ActorName != suapAcquaro.Name || h.ActorID != suapAcquaro.UserID {
		t.Errorf("history entry = %+v", h)
	}
}
