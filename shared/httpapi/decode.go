package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"suapcds/shared/domain"
	"suapcds/shared/workdays"
)

// MaxBody is the largest request body accepted (64 KiB).
const MaxBody = 64 << 10

const codeMalformed = "malformed_request"

// Decoding errors.
var (
	ErrBodyTooLarge = &domain.Error{Kind: domain.KindInvalid, Code: "body_too_large",
		Detail: "Il corpo della richiesta supera la dimensione massima di 64 KiB."}
	ErrUnsupportedMedia = &domain.Error{Kind: domain.KindInvalid, Code: "unsupported_media_type",
		Detail: "Il corpo della richiesta deve essere in formato JSON (Content-Type: application/json)."}
)

func malformed(detail string) *domain.Error {
	return &domain.Error{Kind: domain.KindInvalid, Code: codeMalformed, Detail: detail}
}

// Decode reads one JSON object from r's body into v: at most MaxBody bytes,
// JSON only, no unknown fields, nothing after the object. Its errors are
// *domain.Error with Italian details (400, 413 or 415 by WriteError).
func Decode(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return ErrUnsupportedMedia
		}
	}
	body := http.MaxBytesReader(w, r.Body, MaxBody)
	return DecodeJSON(body, v)
}

// DecodeJSON is Decode's parsing on any reader (the fuzz tests use it).
func DecodeJSON(body io.Reader, v any) error {
	raw, err := io.ReadAll(body)
	if err != nil {
		return decodeError(err)
	}
	// json accepts `null` for an object and leaves v empty; a body must be
	// one object.
	if trimmed := bytes.TrimSpace(raw); len(trimmed) > 0 && trimmed[0] != '{' {
		return malformed("Il corpo della richiesta deve essere un oggetto JSON.")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var bad *workdays.DateError
		if errors.As(err, &bad) {
			return dateErrors(raw, v)
		}
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return decodeError(err)
		}
		return malformed("Il corpo della richiesta deve contenere un solo oggetto JSON.")
	}
	return nil
}

// ErrInvalidDate is a body's date that is not a "2006-01-02" calendar date;
// dateErrors names the fields.
var ErrInvalidDate = &domain.Error{Kind: domain.KindInvalid, Code: "invalid_date",
	Detail: "Data non valida: usare il formato aaaa-mm-gg, ad esempio 2026-03-11."}

// dateErrors names the date fields of v (workdays.Date, by value or
// pointer) whose value in the top-level object raw is not a date: the JSON
// decoder reports a bad date without saying where.
func dateErrors(raw []byte, v any) error {
	out := *ErrInvalidDate
	var top map[string]json.RawMessage
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if json.Unmarshal(raw, &top) != nil || t == nil || t.Kind() != reflect.Struct {
		return &out
	}
	dateType := reflect.TypeFor[workdays.Date]()
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Type != dateType && f.Type != reflect.PointerTo(dateType) {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		var s string
		if name == "" || json.Unmarshal(top[name], &s) != nil {
			continue
		}
		if _, err := workdays.ParseDate(s); err != nil {
			out.Fields = append(out.Fields, domain.FieldError{Field: name, Code: "invalid_date",
				Detail: "Indicare una data esistente nel formato aaaa-mm-gg, ad esempio 2026-03-11."})
		}
	}
	return &out
}

func decodeError(err error) error {
	var tooLarge *http.MaxBytesError
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	var de *domain.Error
	switch {
	case errors.As(err, &tooLarge):
		return ErrBodyTooLarge
	case errors.As(err, &de):
		// A field's own UnmarshalJSON rejected its value (a date, an e-mail).
		return de
	case errors.Is(err, io.EOF):
		return malformed("Il corpo della richiesta è vuoto: è atteso un oggetto JSON.")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return malformed("Il corpo della richiesta è un JSON incompleto.")
	case errors.As(err, &syntax):
		return malformed(fmt.Sprintf("Il corpo della richiesta non è un JSON valido (posizione %d).", syntax.Offset))
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return malformed("Il corpo della richiesta deve essere un oggetto JSON.")
		}
		return &domain.Error{Kind: domain.KindInvalid, Code: codeMalformed,
			Detail: fmt.Sprintf("Il campo «%s» ha un tipo non valido.", field),
			Fields: []domain.FieldError{{Field: field, Code: "invalid_type", Detail: "Tipo non valido."}}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, uerr := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		if uerr != nil {
			name = "?"
		}
		return &domain.Error{Kind: domain.KindInvalid, Code: codeMalformed,
			Detail: fmt.Sprintf("Il campo «%s» non è previsto.", name),
			Fields: []domain.FieldError{{Field: name, Code: "unknown_field", Detail: "Campo non previsto."}}}
	}
	return malformed("Il corpo della richiesta non è valido.")
}

// QueryLimit reads the optional "limit" query parameter: 1 to 100.
func QueryLimit(r *http.Request) (int, error) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 100 {
		return 0, &domain.Error{Kind: domain.KindInvalid, Code: codeMalformed,
			Detail: "Il parametro «limit» deve essere un numero intero da 1 a 100.",
			Fields: []domain.FieldError{{Field: "limit", Code: "out_of_range", Detail: "Da 1 a 100."}}}
	}
	return n, nil
}

// QueryError is a malformed query parameter (400).
func QueryError(param, detail string) error {
	return &domain.Error{Kind: domain.KindInvalid, Code: codeMalformed, Detail: detail,
		Fields: []domain.FieldError{{Field: param, Code: "invalid", Detail: detail}}}
}
