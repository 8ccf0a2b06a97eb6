package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"suapcds/shared/domain"
)

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type     string              `json:"type"`
	Title    string              `json:"title"`
	Status   int                 `json:"status"`
	Detail   string              `json:"detail"`
	Code     string              `json:"code"`
	Instance string              `json:"instance,omitempty"`
	Errors   []domain.FieldError `json:"errors,omitempty"`
}

// ProblemTypeBase prefixes every problem type URI; the code completes it.
const ProblemTypeBase = "https://suapcds.regione.calabria.it/problemi/"

var titles = map[int]string{
	http.StatusBadRequest:            "Richiesta non valida",
	http.StatusUnauthorized:          "Autenticazione richiesta",
	http.StatusForbidden:             "Operazione non consentita",
	http.StatusNotFound:              "Non trovato",
	http.StatusMethodNotAllowed:      "Metodo non consentito",
	http.StatusConflict:              "Conflitto",
	http.StatusRequestEntityTooLarge: "Richiesta troppo grande",
	http.StatusUnsupportedMediaType:  "Formato non supportato",
	http.StatusUnprocessableEntity:   "Dati non accettabili",
	http.StatusInternalServerError:   "Errore interno",
}

// StatusOf maps a domain error to its HTTP status: rule failures on valid
// input are 422, malformed input 400 (see Decode), conflicts 409.
func StatusOf(e *domain.Error) int {
	switch e.Kind {
	case domain.KindInvalid:
		return http.StatusUnprocessableEntity
	case domain.KindForbidden:
		return http.StatusForbidden
	case domain.KindNotFound:
		return http.StatusNotFound
	case domain.KindConflict:
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

// errInternal is what a person reads when the server failed.
var errInternal = &domain.Error{Code: "internal_error",
	Detail: "Si è verificato un errore interno. Riprovare più tardi; se il problema persiste contattare l'assistenza."}

// WriteError answers with the problem err stands for. Errors that are not
// domain errors are bugs or outages: logged, answered 500 without details.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	var de *domain.Error
	if errors.As(err, &de) {
		if status, ok := statusOverride(de); ok {
			WriteProblem(w, r, status, de)
			return
		}
		WriteProblem(w, r, StatusOf(de), de)
		return
	}
	slog.ErrorContext(r.Context(), "request failed", "error", err.Error(), "path", r.URL.Path)
	WriteProblem(w, r, http.StatusInternalServerError, errInternal)
}

// statusOverride gives the decoding errors their own statuses.
func statusOverride(e *domain.Error) (int, bool) {
	switch e.Code {
	case ErrBodyTooLarge.Code:
		return http.StatusRequestEntityTooLarge, true
	case ErrUnsupportedMedia.Code:
		return http.StatusUnsupportedMediaType, true
	case ErrUnauthenticated.Code:
		return http.StatusUnauthorized, true
	case codeMalformed, ErrInvalidEncoding.Code, ErrDuplicateField.Code:
		return http.StatusBadRequest, true
	}
	return 0, false
}

// WriteProblem writes e as a problem+json with the given status.
func WriteProblem(w http.ResponseWriter, r *http.Request, status int, e *domain.Error) {
	p := Problem{
		Type:     ProblemTypeBase + e.Code,
		Title:    titles[status],
		Status:   status,
		Detail:   e.Detail,
		Code:     e.Code,
		Instance: r.URL.Path,
		Errors:   e.Fields,
	}
	if p.Title == "" {
		p.Title = http.StatusText(status)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
