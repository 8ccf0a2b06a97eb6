package domain_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"suapcds/shared/domain"
)

var (
	comuneTecnico = domain.BodyOffice{BodyID: "comune-africo", OfficeID: "tecnico", Name: "Comune di Africo - Ufficio tecnico"}
	comunePM      = domain.BodyOffice{BodyID: "comune-africo", OfficeID: "polizia-municipale", Name: "Comune di Africo - Polizia municipale"}
	provincia     = domain.BodyOffice{BodyID: "provincia-rc", OfficeID: "ambiente", Name: "Provincia di Reggio Calabria - Ambiente"}
	vvf           = domain.BodyOffice{BodyID: "vvf-rc", OfficeID: "prevenzione", Name: "Vigili del Fuoco - Prevenzione incendi"}
)

func TestProcedureTypes(t *testing.T) {
	cases := []struct {
		t            domain.ProcedureType
		valid, canCD bool
	}{
		{domain.ProcSCIACondizionata, true, true},
		{domain.ProcOrdinario, true, true},
		{domain.ProcConferenzaServizi, true, true},
		{domain.ProcSCIA, true, false},
		{domain.ProcComunicazione, true, false},
		{domain.ProcAutomatizzato, true, false},
		{"", false, false},
		{"ORDINARIO", false, false},
		{"altro", false, false},
	}
	for _, c := range cases {
		if got := c.t.Valid(); got != c.valid {
			t.Errorf("%q.Valid() = %v, want %v", c.t, got, c.valid)
		}
		if got := c.t.CanRequireCDS(); got != c.canCD {
			t.Errorf("%q.CanRequireCDS() = %v, want %v", c.t, got, c.canCD)
		}
	}
	if len(domain.ProcedureTypes) != 6 {
		t.Errorf("ProcedureTypes = %v, want the 6 known types", domain.ProcedureTypes)
	}
}

func TestCDSRequired(t *testing.T) {
	selections := []struct {
		name     string
		sel      []domain.BodyOffice
		distinct int
	}{
		{"none", nil, 0},
		{"empty", []domain.BodyOffice{}, 0},
		{"one body", []domain.BodyOffice{provincia}, 1},
		{"two offices of one body", []domain.BodyOffice{comuneTecnico, comunePM}, 1},
		{"same office twice", []domain.BodyOffice{provincia, provincia}, 1},
		{"two bodies", []domain.BodyOffice{comuneTecnico, provincia}, 2},
		{"three offices of two bodies", []domain.BodyOffice{comuneTecnico, comunePM, provincia}, 2},
		{"three bodies", []domain.BodyOffice{comuneTecnico, provincia, vvf}, 3},
	}
	for _, pt := range domain.ProcedureTypes {
		for _, s := range selections {
			t.Run(string(pt)+"/"+s.name, func(t *testing.T) {
				if got := domain.DistinctBodies(s.sel); got != s.distinct {
					t.Errorf("DistinctBodies = %d, want %d", got, s.distinct)
				}
				want := s.distinct >= 2 && (pt == domain.ProcSCIACondizionata || pt == domain.ProcOrdinario || pt == domain.ProcConferenzaServizi)
				if got := domain.CDSRequired(pt, s.sel); got != want {
					t.Errorf("CDSRequired(%s, %s) = %v, want %v", pt, s.name, got, want)
				}
			})
		}
	}
	if domain.CDSRequired("sconosciuto", []domain.BodyOffice{comuneTecnico, provincia}) {
		t.Error("an unknown procedure type requires a CDS")
	}
}

func TestNormalizeNoCDSReason(t *testing.T) {
	cases := []struct {
		name   string
		in     string
		want   string // result when ok
		errSen *domain.Error
		field  string // field code expected in the error
	}{
		{"empty", "", "", domain.ErrCDSReasonRequired, ""},
		{"blanks", "   ", "", domain.ErrCDSReasonRequired, ""},
		{"tabs and newlines", "\t\n \r\n", "", domain.ErrCDSReasonRequired, ""},
		{"one char", "x", "x", nil, ""},
		{"trimmed", "  Parere già acquisito  \n", "Parere già acquisito", nil, ""},
		{"250 à", strings.Repeat("à", 250), strings.Repeat("à", 250), nil, ""},
		{"250 à with spaces", "   " + strings.Repeat("à", 250) + "   ", strings.Repeat("à", 250), nil, ""},
		{"250 ASCII", strings.Repeat("m", 250), strings.Repeat("m", 250), nil, ""},
		{"251 à", strings.Repeat("à", 251), "", &domain.Error{Code: "invalid_input"}, "too_long"},
		{"251 ASCII", strings.Repeat("m", 251), "", &domain.Error{Code: "invalid_input"}, "too_long"},
		{"invalid UTF-8", "motivo \xff", "", &domain.Error{Code: "invalid_input"}, "invalid_encoding"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := domain.NormalizeNoCDSReason(c.in)
			if c.errSen == nil {
				if err != nil {
					t.Fatalf("error %v", err)
				}
				if got != c.want {
					t.Fatalf("= %q, want %q", got, c.want)
				}
				return
			}
			if got != "" {
				t.Errorf("returned %q with an error", got)
			}
			wantDomainErr(t, err, c.errSen, domain.KindInvalid)
			if c.field != "" {
				if f := fieldCodes(t, err); f["reason"] != c.field || len(f) != 1 {
					t.Errorf("fields = %v, want reason: %s", f, c.field)
				}
			}
			if c.errSen != domain.ErrCDSReasonRequired && errors.Is(err, domain.ErrCDSReasonRequired) {
				t.Errorf("a present reason reported as missing")
			}
		})
	}
	// The too-long message counts characters, not bytes.
	_, err := domain.NormalizeNoCDSReason(strings.Repeat("à", 251))
	if de, _ := domain.AsError(err); de == nil || !strings.Contains(de.Detail, "251") || !strings.Contains(de.Detail, "250") {
		t.Errorf("detail %v does not give 250 and 251", err)
	}
}

func TestRemainingReasonChars(t *testing.T) {
	cases := map[string]int{
		"":                                   250,
		"   ":                                250,
		"abc":                                247,
		"  abc  ":                            247,
		"èèè":                                247,
		strings.Repeat("à", 250):             0,
		strings.Repeat("à", 260):             -10,
		" " + strings.Repeat("x", 249) + " ": 1,
	}
	for in, want := range cases {
		if got := domain.RemainingReasonChars(in); got != want {
			t.Errorf("RemainingReasonChars(%d bytes) = %d, want %d", len(in), got, want)
		}
	}
}

func TestSendVerifications(t *testing.T) {
	two := []domain.BodyOffice{comuneTecnico, provincia}
	sameBody := []domain.BodyOffice{comuneTecnico, comunePM}
	cases := []struct {
		name      string
		proc      domain.ProcedureType
		convened  bool
		sel       []domain.BodyOffice
		reason    string
		want      string
		wantErr   *domain.Error
		wantField string
	}{
		{"required, no reason", domain.ProcOrdinario, false, two, "", "", domain.ErrCDSReasonRequired, ""},
		{"required, blank reason", domain.ProcSCIACondizionata, false, two, "   ", "", domain.ErrCDSReasonRequired, ""},
		{"required, reason", domain.ProcConferenzaServizi, false, two, "  Pareri già acquisiti. ", "Pareri già acquisiti.", nil, ""},
		{"required, reason too long", domain.ProcOrdinario, false, two, strings.Repeat("è", 251), "", &domain.Error{Code: "invalid_input"}, "too_long"},
		{"convened, no reason", domain.ProcOrdinario, true, two, "", "", nil, ""},
		{"convened, reason given anyway", domain.ProcOrdinario, true, two, " motivo ", "motivo", nil, ""},
		{"not required: one body", domain.ProcOrdinario, false, sameBody, "", "", nil, ""},
		{"not required: SCIA", domain.ProcSCIA, false, two, "", "", nil, ""},
		{"not required, reason too long", domain.ProcSCIA, false, two, strings.Repeat("x", 251), "", &domain.Error{Code: "invalid_input"}, "too_long"},
		{"no bodies", domain.ProcOrdinario, false, nil, "motivo", "", &domain.Error{Code: "no_bodies_selected"}, ""},
		{"no bodies, convened", domain.ProcOrdinario, true, []domain.BodyOffice{}, "", "", &domain.Error{Code: "no_bodies_selected"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := praticaAfrico()
			p.ProcedureType = c.proc
			p.CDSConvened = c.convened
			p.Bodies = []domain.BodyOffice{comuneTecnico, comunePM, provincia}
			before := fmt.Sprintf("%+v", *p)
			got, err := p.SendVerifications(c.sel, c.reason)
			if after := fmt.Sprintf("%+v", *p); after != before {
				t.Errorf("SendVerifications changed the pratica: %s", after)
			}
			if c.wantErr == nil {
				if err != nil {
					t.Fatalf("error %v", err)
				}
				if got != c.want {
					t.Fatalf("reason = %q, want %q", got, c.want)
				}
				return
			}
			if got != "" {
				t.Errorf("reason %q returned with an error", got)
			}
			wantDomainErr(t, err, c.wantErr, domain.KindInvalid)
			if c.wantField != "" {
				if f := fieldCodes(t, err); f["reason"] != c.wantField {
					t.Errorf("fields = %v, want reason: %s", f, c.wantField)
				}
			}
		})
	}
}

func TestPraticaValidate(t *testing.T) {
	valid := func() *domain.Pratica {
		p := praticaAfrico()
		p.Bodies = []domain.BodyOffice{comuneTecnico, comunePM, provincia}
		return p
	}
	manyBodies := func(n int) []domain.BodyOffice {
		bs := make([]domain.BodyOffice, n)
		for i := range bs {
			bs[i] = domain.BodyOffice{BodyID: fmt.Sprintf("ente-%d", i), OfficeID: "u", Name: fmt.Sprintf("Ente %d", i)}
		}
		return bs
	}
	type fields = map[string]string
	cases := []struct {
		name string
		edit func(*domain.Pratica)
		want fields
	}{
		{"valid", func(*domain.Pratica) {}, nil},
		{"no basin", func(p *domain.Pratica) { p.BasinID = "" }, nil},
		{"no bodies", func(p *domain.Pratica) { p.Bodies = nil }, nil},
		{"100 bodies", func(p *domain.Pratica) { p.Bodies = manyBodies(100) }, nil},
		{"same office id in two bodies", func(p *domain.Pratica) {
			p.Bodies = []domain.BodyOffice{{BodyID: "a", OfficeID: "x", Name: "A"}, {BodyID: "b", OfficeID: "x", Name: "B"}}
		}, nil},
		{"empty id", func(p *domain.Pratica) { p.ID = "" }, fields{"id": "invalid_id"}},
		{"id with slash", func(p *domain.Pratica) { p.ID = "p/1" }, fields{"id": "invalid_id"}},
		{"id with space", func(p *domain.Pratica) { p.ID = "p 1" }, fields{"id": "invalid_id"}},
		{"id starting with dot", func(p *domain.Pratica) { p.ID = ".p1" }, fields{"id": "invalid_id"}},
		{"id of 65 chars", func(p *domain.Pratica) { p.ID = strings.Repeat("a", 65) }, fields{"id": "invalid_id"}},
		{"id of 64 chars", func(p *domain.Pratica) { p.ID = strings.Repeat("a", 64) }, nil},
		{"number missing", func(p *domain.Pratica) { p.Number = "  " }, fields{"number": "required"}},
		{"number too long", func(p *domain.Pratica) { p.Number = strings.Repeat("9", 51) }, fields{"number": "too_long"}},
		{"office missing", func(p *domain.Pratica) { p.OfficeID = "" }, fields{"officeId": "invalid_id"}},
		{"bad basin", func(p *domain.Pratica) { p.BasinID = "bacino locride" }, fields{"basinId": "invalid_id"}},
		{"unknown procedure type", func(p *domain.Pratica) { p.ProcedureType = "straordinario" }, fields{"procedureType": "invalid_procedure_type"}},
		{"no procedure type", func(p *domain.Pratica) { p.ProcedureType = "" }, fields{"procedureType": "invalid_procedure_type"}},
		{"duplicate body office", func(p *domain.Pratica) { p.Bodies = append(p.Bodies, comunePM) }, fields{"bodies[3]": "duplicate"}},
		{"body without id", func(p *domain.Pratica) { p.Bodies[1].BodyID = "" }, fields{"bodies[1]": "invalid_id"}},
		{"body office without id", func(p *domain.Pratica) { p.Bodies[0].OfficeID = "a b" }, fields{"bodies[0]": "invalid_id"}},
		{"body without name", func(p *domain.Pratica) { p.Bodies[2].Name = " " }, fields{"bodies[2].name": "required"}},
		{"too many bodies", func(p *domain.Pratica) { p.Bodies = manyBodies(101) }, fields{"bodies": "too_many"}},
		{"everything wrong", func(p *domain.Pratica) {
			p.ID, p.Number, p.ProcedureType = "", "", "x"
			p.Bodies = append(p.Bodies, comuneTecnico)
		}, fields{"id": "invalid_id", "number": "required", "procedureType": "invalid_procedure_type", "bodies[3]": "duplicate"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := valid()
			c.edit(p)
			err := p.Validate()
			if c.want == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			wantDomainErr(t, err, &domain.Error{Code: "invalid_input"}, domain.KindInvalid)
			got := fieldCodes(t, err)
			if len(got) != len(c.want) {
				t.Errorf("fields = %v, want %v", got, c.want)
			}
			for f, code := range c.want {
				if got[f] != code {
					t.Errorf("field %s: %q, want %q (all: %v)", f, got[f], code, got)
				}
				if !strings.Contains(err.Error(), f+": "+code) {
					t.Errorf("Error() %q does not list %s: %s", err.Error(), f, code)
				}
			}
		})
	}
}

func TestPraticaValidateTrims(t *testing.T) {
	p := praticaAfrico()
	p.Number = "  SUAP/2026/001 \t"
	p.Bodies = []domain.BodyOffice{{BodyID: "b", OfficeID: "o", Name: "  Comune di Africo  "}}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if p.Number != "SUAP/2026/001" || p.Bodies[0].Name != "Comune di Africo" {
		t.Errorf("not trimmed: %q, %q", p.Number, p.Bodies[0].Name)
	}
}
