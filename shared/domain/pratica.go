package domain

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// ProcedureType is a pratica's iter.
type ProcedureType string

// Procedure types. Only the first three can make a CDS mandatory.
const (
	ProcSCIACondizionata  ProcedureType = "scia_condizionata"
	ProcOrdinario         ProcedureType = "ordinario"
	ProcConferenzaServizi ProcedureType = "conferenza_servizi"
	ProcSCIA              ProcedureType = "scia"
	ProcComunicazione     ProcedureType = "comunicazione"
	ProcAutomatizzato     ProcedureType = "automatizzato"
)

// ProcedureTypes lists every known procedure type.
var ProcedureTypes = []ProcedureType{ProcSCIACondizionata, ProcOrdinario, ProcConferenzaServizi, ProcSCIA, ProcComunicazione, ProcAutomatizzato}

// Valid reports whether t is a known procedure type.
func (t ProcedureType) Valid() bool {
	for _, k := range ProcedureTypes {
		if k == t {
			return true
		}
	}
	return false
}

// CanRequireCDS reports whether a pratica of this type must convene a CDS when
// its verifications reach two or more bodies (art. 14 c.2 L. 241/1990).
func (t ProcedureType) CanRequireCDS() bool {
	return t == ProcSCIACondizionata || t == ProcOrdinario || t == ProcConferenzaServizi
}

// BodyOffice is one office of a third-party body (ente terzo) that a
// sub-procedure of the pratica involves, e.g. the "Ufficio tecnico" of the
// body "Comune di Africo".
type BodyOffice struct {
	// BodyID identifies the body (ente); two offices of one body share it.
	BodyID string
	// OfficeID identifies the office within the body.
	OfficeID string
	// Name is the display name, e.g. "Comune di Africo - Ufficio tecnico".
	Name string
}

// Pratica is the part of a SUAP case file this system needs.
type Pratica struct {
	ID            string
	Number        string
	OfficeID      string
	BasinID       string
	ProcedureType ProcedureType
	// Bodies are the offices of third-party bodies its sub-procedures involve.
	Bodies []BodyOffice
	// CDSConvened is set once a services conference is convened for it.
	CDSConvened bool
	// NoCDSReason is the reason given for not convening a mandatory CDS.
	NoCDSReason string
	// VerificationsSent is set once the verifications went out.
	VerificationsSent bool
	// LiveRequestID is the booking request currently APERTA or
	// IN_ELABORAZIONE, if any. The store keeps it in step with the request.
	LiveRequestID string
	// Version counts committed changes; the store refuses a stale one.
	Version int64
	// Chain is its history chain's head, when read for a change (the
	// store's, see ChainHead).
	Chain ChainHead
}

// Limits on a pratica's data.
const (
	MaxPraticaNumberLen = 50
	MaxBodies           = 100
	MaxBodyNameLen      = 200
	MaxNoCDSReasonLen   = 250
)

// Validate checks a pratica as registered by the SUAP back office and returns
// a KindInvalid *Error listing every bad field. It trims text in place.
func (p *Pratica) Validate() error {
	var fe fieldErrors
	if !ValidID(p.ID) {
		fe.add("id", "invalid_id", "Identificativo della pratica non valido (da 1 a 64 caratteri tra lettere, cifre, '.', '_' e '-').")
	}
	p.Number = checkLine(&fe, "number", "numero pratica", p.Number, MaxPraticaNumberLen, true)
	if !ValidID(p.OfficeID) {
		fe.add("officeId", "invalid_id", "Identificativo della struttura SUAP non valido.")
	}
	if p.BasinID != "" && !ValidID(p.BasinID) {
		fe.add("basinId", "invalid_id", "Identificativo del bacino non valido.")
	}
	if !p.ProcedureType.Valid() {
		fe.add("procedureType", "invalid_procedure_type", fmt.Sprintf("Tipo di procedimento %q non riconosciuto.", p.ProcedureType))
	}
	if len(p.Bodies) > MaxBodies {
		fe.add("bodies", "too_many", fmt.Sprintf("Sono ammessi al massimo %d uffici di enti terzi.", MaxBodies))
	}
	seen := map[string]bool{}
	for i := range p.Bodies {
		b := &p.Bodies[i]
		f := fmt.Sprintf("bodies[%d]", i)
		if !ValidID(b.BodyID) || !ValidID(b.OfficeID) {
			fe.add(f, "invalid_id", fmt.Sprintf("Ufficio dell'ente terzo n. %d: identificativi non validi.", i+1))
			continue
		}
		b.Name = checkLine(&fe, f+".name", "denominazione dell'ufficio", b.Name, MaxBodyNameLen, true)
		k := b.BodyID + "/" + b.OfficeID
		if seen[k] {
			fe.add(f, "duplicate", fmt.Sprintf("L'ufficio %q è indicato più volte.", b.Name))
		}
		seen[k] = true
	}
	return fe.err()
}

// DistinctBodies counts the different bodies among the selected offices:
// two offices of the same body count once.
func DistinctBodies(selected []BodyOffice) int {
	bodies := make(map[string]struct{}, len(selected))
	for _, b := range selected {
		bodies[b.BodyID] = struct{}{}
	}
	return len(bodies)
}

// CDSRequired reports whether sending verifications to the selected offices
// makes a services conference mandatory for a pratica of type t: the type is
// one of the three, and at least two different bodies are involved.
func CDSRequired(t ProcedureType, selected []BodyOffice) bool {
	return t.CanRequireCDS() && DistinctBodies(selected) >= 2
}

// CDSNotice is the Italian line the Verifiche page shows while a CDS is needed.
const CDSNotice = "✘ E' necessario indire una CDS"

// NormalizeNoCDSReason trims the reason for not convening a CDS and checks it
// is 1–250 characters. An empty reason yields ErrCDSReasonRequired.
func NormalizeNoCDSReason(reason string) (string, error) {
	r := strings.TrimSpace(reason)
	if r == "" {
		return "", ErrCDSReasonRequired
	}
	if !utf8.ValidString(r) {
		return "", &Error{Kind: KindInvalid, Code: "invalid_input", Detail: "Il motivo contiene caratteri non validi.",
			Fields: []FieldError{{Field: "reason", Code: "invalid_encoding", Detail: "Il motivo contiene caratteri non validi."}}}
	}
	r = strings.ReplaceAll(r, "\r\n", "\n")
	var fe fieldErrors
	if checkChars(&fe, "reason", "motivo mancata convocazione CDS", r, true); len(fe) > 0 {
		return "", fe.err()
	}
	if n := utf8.RuneCountInString(r); n > MaxNoCDSReasonLen {
		d := fmt.Sprintf("Il motivo della mancata convocazione della CDS può contenere al massimo %d caratteri (inseriti: %d).", MaxNoCDSReasonLen, n)
		return "", &Error{Kind: KindInvalid, Code: "invalid_input", Detail: d,
			Fields: []FieldError{{Field: "reason", Code: "too_long", Detail: d}}}
	}
	return r, nil
}

// RemainingReasonChars is the "N caratteri rimanenti" counter of the page.
func RemainingReasonChars(reason string) int {
	return MaxNoCDSReasonLen - utf8.RuneCountInString(strings.TrimSpace(reason))
}

// SendVerifications decides whether the verifications to the selected offices
// may go out now. When a CDS is required and none is convened, a reason is
// mandatory; the normalised reason is returned ("" when none is needed or
// none was given).
func (p *Pratica) SendVerifications(selected []BodyOffice, reason string) (string, error) {
	if len(selected) == 0 {
		return "", &Error{Kind: KindInvalid, Code: "no_bodies_selected", Detail: "Selezionare almeno un ufficio di un ente terzo a cui inviare le verifiche."}
	}
	if err := p.CheckSelected(selected); err != nil {
		return "", err
	}
	if !CDSRequired(p.ProcedureType, selected) || p.CDSConvened {
		if strings.TrimSpace(reason) == "" {
			return "", nil
		}
		return NormalizeNoCDSReason(reason)
	}
	return NormalizeNoCDSReason(reason)
}

// CheckSelected verifies that every selected office is one of the pratica's
// bodies' offices, listed once; it fills in their names from the pratica.
func (p *Pratica) CheckSelected(selected []BodyOffice) error {
	known := make(map[string]BodyOffice, len(p.Bodies))
	for _, b := range p.Bodies {
		known[b.BodyID+"/"+b.OfficeID] = b
	}
	var fe fieldErrors
	seen := map[string]bool{}
	for i := range selected {
		k := selected[i].BodyID + "/" + selected[i].OfficeID
		b, ok := known[k]
		switch {
		case !ok:
			fe.add(fmt.Sprintf("bodies[%d]", i), "unknown_body", fmt.Sprintf("L'ufficio %q non è tra gli enti coinvolti nella pratica.", k))
		case seen[k]:
			fe.add(fmt.Sprintf("bodies[%d]", i), "duplicate", fmt.Sprintf("L'ufficio %q è selezionato più volte.", b.Name))
		default:
			selected[i].Name = b.Name
		}
		seen[k] = true
	}
	return fe.err()
}
