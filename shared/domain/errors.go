package domain

import (
	"errors"
	"fmt"
	"strings"

	"suapcds/shared/workdays"
)

// Kind classifies an Error so that adapters can map it once (HTTP status,
// retry policy) without knowing every code.
type Kind int

// The kinds of domain error.
const (
	KindInvalid   Kind = iota + 1 // bad input: 400/422
	KindForbidden                 // the principal may not do this: 403
	KindNotFound                  // no such thing, or not visible to the principal: 404
	KindConflict                  // the state of the data forbids it now: 409
)

// FieldError is one invalid field of an input.
type FieldError struct {
	Field  string `json:"field"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

// Error is a rule failure: a stable Code for programs, an Italian Detail for
// people, and the invalid fields when the input was at fault.
type Error struct {
	Kind   Kind
	Code   string
	Detail string
	Fields []FieldError
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Code + ": " + e.Detail
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Code
	}
	return e.Code + ": " + e.Detail + " (" + strings.Join(parts, ", ") + ")"
}

// Is makes errors.Is match two *Error values with the same Code, so callers
// can compare against the sentinels below.
func (e *Error) Is(target error) bool {
	var t *Error
	if errors.As(target, &t) {
		return t.Code == e.Code
	}
	return false
}

// Sentinels for the rule failures that callers test for. Detail texts may be
// refined by wrapping with a more precise *Error carrying the same Code.
var (
	ErrNotFound          = &Error{Kind: KindNotFound, Code: "not_found", Detail: "Elemento non trovato."}
	ErrForbidden         = &Error{Kind: KindForbidden, Code: "forbidden", Detail: "Operazione non consentita al profilo corrente."}
	ErrConflict          = &Error{Kind: KindConflict, Code: "version_conflict", Detail: "I dati sono stati modificati da un'altra operazione: ricaricare la pagina e riprovare."}
	ErrLiveRequestExists = &Error{Kind: KindConflict, Code: "live_request_exists", Detail: "Per questa pratica esiste già una richiesta di videoconferenza in corso (aperta o in elaborazione)."}
	ErrThreadClosed      = &Error{Kind: KindConflict, Code: "thread_closed", Detail: "La richiesta è conclusa: non è più possibile inviare comunicazioni."}
	ErrReadOnly          = &Error{Kind: KindForbidden, Code: "read_only", Detail: "La richiesta è stata inserita dall'operatore di bacino: è consultabile in sola lettura."}
	ErrLeadTime          = &Error{Kind: KindInvalid, Code: "lead_time", Detail: "La richiesta deve essere inviata almeno due giorni lavorativi prima della videoconferenza."}
	ErrCDSReasonRequired = &Error{Kind: KindInvalid, Code: "cds_reason_required", Detail: "È necessario indire una CDS oppure indicare il motivo della mancata convocazione."}
	ErrPraticaNotFound   = &Error{Kind: KindNotFound, Code: "pratica_not_found", Detail: "Pratica non trovata."}
	// ErrBadCursor is a list cursor altered, forged, or made for another list.
	ErrBadCursor = &Error{Kind: KindInvalid, Code: "invalid_cursor",
		Detail: "Il parametro di paginazione non è valido: ricaricare la lista dalla prima pagina."}
	// ErrAlreadyEnqueued is an outbox event whose id exists already.
	ErrAlreadyEnqueued = &Error{Kind: KindConflict, Code: "already_enqueued", Detail: "La notifica è già stata accodata."}
)

// HistoryTooLongError is a history longer than max entries, which is not
// exported in one answer.
func HistoryTooLongError(max int) *Error {
	return &Error{Kind: KindConflict, Code: "history_too_long",
		Detail: fmt.Sprintf("Lo storico della pratica supera le %d voci: non può essere esportato in una sola volta.", max)}
}

// TransitionError is returned when a state change is not in the state table.
// It is an *Error of kind Conflict with code "invalid_transition".
func TransitionError(from State, t Transition) *Error {
	return &Error{
		Kind:   KindConflict,
		Code:   "invalid_transition",
		Detail: fmt.Sprintf("Operazione %q non consentita per una richiesta nello stato %q.", t.Label(), from.Label()),
	}
}

// ErrInvalidTransition matches every TransitionError with errors.Is.
var ErrInvalidTransition = &Error{Kind: KindConflict, Code: "invalid_transition", Detail: "Cambio di stato non consentito."}

// fieldErrors accumulates field errors and turns them into one *Error.
type fieldErrors []FieldError

func (f *fieldErrors) add(field, code, detail string) {
	*f = append(*f, FieldError{Field: field, Code: code, Detail: detail})
}

func (f fieldErrors) err() error {
	if len(f) == 0 {
		return nil
	}
	detail := f[0].Detail
	if len(f) > 1 {
		detail = fmt.Sprintf("Alcuni campi non sono validi (%d): %s", len(f), f[0].Detail)
	}
	return &Error{Kind: KindInvalid, Code: "invalid_input", Detail: detail, Fields: f}
}

// AsError returns the *Error inside err, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// DateOutOfRange is a date (or date and time), in the named field or query
// parameter, outside the window workdays.MinDate … workdays.MaxDate.
func DateOutOfRange(field string) *Error {
	detail := fmt.Sprintf("Il campo «%s» deve indicare una data compresa tra il %s e il %s.", field,
		workdays.MinDate.Italian(), workdays.MaxDate.Italian())
	return &Error{Kind: KindInvalid, Code: "date_out_of_range", Detail: detail,
		Fields: []FieldError{{Field: field, Code: "date_out_of_range", Detail: detail}}}
}
