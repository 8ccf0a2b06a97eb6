package domain_test

import (
	"testing"
	"time"

	"suapcds/shared/domain"
	"suapcds/shared/workdays"
)

func TestCheckSelected(t *testing.T) {
	p := praticaAfrico()
	p.Bodies = []domain.BodyOffice{comuneTecnico, comunePM, provincia}
	sel := []domain.BodyOffice{{BodyID: comuneTecnico.BodyID, OfficeID: comuneTecnico.OfficeID}}
	if err := p.CheckSelected(sel); err != nil || sel[0].Name != comuneTecnico.Name {
		t.Errorf("known office: %v, name %q", err, sel[0].Name)
	}
	codes := fieldCodes(t, p.CheckSelected([]domain.BodyOffice{
		{BodyID: "procura", OfficeID: "rc"},
		{BodyID: provincia.BodyID, OfficeID: provincia.OfficeID},
		{BodyID: provincia.BodyID, OfficeID: provincia.OfficeID},
	}))
	if codes["bodies[0]"] != "unknown_body" || codes["bodies[2]"] != "duplicate" || len(codes) != 2 {
		t.Errorf("codes %v", codes)
	}
	if _, err := p.SendVerifications([]domain.BodyOffice{{BodyID: "x", OfficeID: "y"}}, "motivo"); fieldCodes(t, err)["bodies[0]"] != "unknown_body" {
		t.Errorf("verifications to an office outside the pratica: %v", err)
	}
}

func TestOneLineFieldsRefuseControlCharacters(t *testing.T) {
	now := rome(2026, time.March, 2, 10, 0)
	in := domain.NewRequestInput{Start: rome(2026, time.March, 20, 10, 0), DurationMinutes: 60,
		Email: "demo@demo.it", Subject: "Riunione\r\nBcc: x@y.it"}
	p := praticaAfrico()
	_, err := domain.NewRequest(p, suapAfrico, in, now, workdays.National(), 2)
	if fieldCodes(t, err)["subject"] != "control_characters" {
		t.Errorf("subject with CRLF: %v", err)
	}
	r := &domain.Request{ID: "r", OfficeID: p.OfficeID, BasinID: p.BasinID, State: domain.StateOpen, CreatedByRole: domain.RoleSuapOperator}
	if _, err := domain.NewMessage(suapAfrico, r, "a\x00b", "", now); fieldCodes(t, err)["subject"] != "control_characters" {
		t.Errorf("message subject with NUL: %v", err)
	}
	// A body may span lines.
	if _, err := domain.NewMessage(suapAfrico, r, "ok", "riga 1\nriga 2", now); err != nil {
		t.Errorf("multi-line body: %v", err)
	}
}
