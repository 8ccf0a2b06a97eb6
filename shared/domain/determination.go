package domain

import (
	"fmt"
	"mime"
	"slices"
	"strings"
	"time"
)

// DeterminationKind is the position a body states in a conference (its
// determinazione, docs/rules.md §8 rule 1).
type DeterminationKind string

// The three determinations of a body.
const (
	// DeterminationFavourable: in favour (favorevole).
	DeterminationFavourable DeterminationKind = "favorevole"
	// DeterminationConditions: in favour with conditions (favorevole con
	// condizioni); the conditions are required.
	DeterminationConditions DeterminationKind = "favorevole_con_condizioni"
	// DeterminationContrary: against (contrario); the reasons are required,
	// and where possible the changes that would allow assent.
	DeterminationContrary DeterminationKind = "contrario"
)

// DeterminationKinds lists the determinations, as the body's form offers them.
var DeterminationKinds = []DeterminationKind{DeterminationFavourable, DeterminationConditions, DeterminationContrary}

// Valid reports whether k is one of DeterminationKinds.
func (k DeterminationKind) Valid() bool { return slices.Contains(DeterminationKinds, k) }

// Assent reports whether k assents (in favour, with or without conditions).
func (k DeterminationKind) Assent() bool {
	return k == DeterminationFavourable || k == DeterminationConditions
}

// Label is the determination as people read it.
func (k DeterminationKind) Label() string {
	switch k {
	case DeterminationFavourable:
		return "Favorevole"
	case DeterminationConditions:
		return "Favorevole con condizioni"
	case DeterminationContrary:
		return "Contrario"
	}
	return string(k)
}

// MaxDeterminationTextLen bounds each text of a determination (conditions,
// reasons, changes) and of a request for integrations, in characters.
const MaxDeterminationTextLen = 4000

// DeterminationFileTypes are the types a determination's file may have: a
// PDF (signed inside, PAdES, or not) or a signed envelope (.p7m, CAdES).
var DeterminationFileTypes = []string{"application/pdf", "application/pkcs7-mime"}

// DeterminationInput is what a body gives with its determination.
type DeterminationInput struct {
	Kind DeterminationKind
	// Conditions: required with favorevole_con_condizioni, refused otherwise.
	Conditions string
	// Reasons: required with contrario, optional with the others (every
	// determination is reasoned, art. 14-bis c.3).
	Reasons string
	// Changes that would allow assent: only with contrario, optional.
	Changes string
	// FileKey and FileType are the determination's file, when uploaded:
	// both or neither. Checking that the file was uploaded is the caller's.
	FileKey  string
	FileType string
}

// Determination is a body's determination as recorded.
type Determination struct {
	Kind       DeterminationKind
	Conditions string
	Reasons    string
	Changes    string
	FileKey    string
	FileType   string
	// At is when it was given; Revision counts the body's determinations
	// in the conference from 1 (a change is the next revision).
	At       time.Time
	Revision int
}

// NewDetermination validates in, trimming its texts, and builds the
// determination given at now (revision 1). Every invalid field is reported
// at once, with an Italian detail: "kind" (required, invalid_determination),
// "conditions", "reasons", "changes" (required, too_long, not_allowed and
// the character checks of checkText), "fileKey" (required when a type is
// given, too_long, control_characters) and "fileType" (required when a file
// is given, unsupported_type).
func NewDetermination(in DeterminationInput, now time.Time) (*Determination, error) {
	var fe fieldErrors
	switch {
	case in.Kind == "":
		fe.add("kind", "required", "Indicare la determinazione: favorevole, favorevole con condizioni o contrario.")
	case !in.Kind.Valid():
		fe.add("kind", "invalid_determination", fmt.Sprintf("Determinazione %q non valida: ammesse favorevole, favorevole_con_condizioni e contrario.", in.Kind))
	}
	d := &Determination{Kind: in.Kind, At: now, Revision: 1}
	d.Conditions = checkText(&fe, "conditions", "condizioni", in.Conditions, MaxDeterminationTextLen, in.Kind == DeterminationConditions)
	if d.Conditions != "" && in.Kind.Valid() && in.Kind != DeterminationConditions && !fe.has("conditions") {
		fe.add("conditions", "not_allowed", "Le condizioni si indicano solo con una determinazione favorevole con condizioni.")
	}
	d.Reasons = checkText(&fe, "reasons", "motivazione", in.Reasons, MaxDeterminationTextLen, in.Kind == DeterminationContrary)
	d.Changes = checkText(&fe, "changes", "modifiche necessarie per l'assenso", in.Changes, MaxDeterminationTextLen, false)
	if d.Changes != "" && in.Kind.Valid() && in.Kind != DeterminationContrary && !fe.has("changes") {
		fe.add("changes", "not_allowed", "Le modifiche necessarie per l'assenso si indicano solo con una determinazione contraria.")
	}
	d.FileKey, d.FileType = checkDeterminationFile(&fe, in.FileKey, in.FileType)
	if err := fe.err(); err != nil {
		return nil, err
	}
	return d, nil
}

// has reports whether field has an error already.
func (f fieldErrors) has(field string) bool {
	return slices.ContainsFunc(f, func(e FieldError) bool { return e.Field == field })
}

// checkDeterminationFile validates a determination's file reference: a key
// and one of DeterminationFileTypes (parameters dropped), both or neither.
func checkDeterminationFile(fe *fieldErrors, key, contentType string) (string, string) {
	key = checkLine(fe, "fileKey", "file della determinazione", key, MaxFileKeyLen, false)
	ct := strings.TrimSpace(contentType)
	switch {
	case ct == "" && key == "":
		return "", ""
	case ct == "":
		fe.add("fileType", "required", "Indicare il tipo del file della determinazione (PDF o P7M).")
		return key, ""
	case key == "":
		fe.add("fileKey", "required", "Il tipo di file è indicato ma il file della determinazione manca.")
		return "", ""
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || !slices.Contains(DeterminationFileTypes, mt) {
		fe.add("fileType", "unsupported_type", "Il file della determinazione deve essere un PDF o un file firmato P7M.")
		return key, ""
	}
	return key, mt
}

// DeterminationFileName is the name of a body's determination file:
// determinazione-<bodyId>-pratica-<number>.<ext>.
func DeterminationFileName(praticaNumber, bodyID, contentType string) string {
	return "determinazione-" + FileSafe(bodyID) + "-pratica-" + FileSafe(praticaNumber) + fileExt(contentType)
}

// History operations of the bodies' side (docs/rules.md §8).
const (
	OpDeterminationGiven    Operation = "Determinazione ente conferenza dei servizi"
	OpDeterminationChanged  Operation = "Modifica determinazione ente conferenza dei servizi"
	OpIntegrationsRequested Operation = "Richiesta integrazioni documentali ente"
	OpIntegrationsSupplied  Operation = "Trasmissione integrazioni documentali"
	OpSilentAssent          Operation = "Silenzio assenso ente (art. 14-bis c.4)"
)
