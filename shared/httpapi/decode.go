package httpapi

import (
	"bytes"
	"encoding"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

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
//
// The body is read with the Go team's JSON v2 (github.com/go-json-experiment/json):
// first as text, strictly (valid UTF-8 with no lone surrogate escape, no
// duplicate member name, one value), then into v with exact-case member
// names and unknown members refused. Then every field of v's struct types
// without "omitempty" in its json tag is required: absent or null, it is a
// 422 naming it. Dates (workdays.Date) must lie in the window
// workdays.MinDate … workdays.MaxDate (422 date_out_of_range).
func DecodeJSON(body io.Reader, v any) error {
	raw, err := io.ReadAll(body)
	if err != nil {
		return decodeError(err)
	}
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 {
		return malformed("Il corpo della richiesta è vuoto: è atteso un oggetto JSON.")
	}
	// A body must be one object (json would read `null` as an empty one).
	if trimmed[0] != '{' {
		return malformed("Il corpo della richiesta deve essere un oggetto JSON.")
	}
	dec := jsontext.NewDecoder(bytes.NewReader(raw))
	val, err := dec.ReadValue()
	if err != nil {
		return syntaxError(raw, err)
	}
	val = val.Clone() // the next read reuses its buffer
	if _, err := dec.ReadValue(); !errors.Is(err, io.EOF) {
		if err != nil {
			return syntaxError(raw, err)
		}
		return malformed("Il corpo della richiesta deve contenere un solo oggetto JSON.")
	}
	if err := json.Unmarshal(val, v, json.RejectUnknownMembers(true)); err != nil {
		var bad *workdays.DateError
		if errors.As(err, &bad) {
			return dateErrors(val, v)
		}
		return decodeError(err)
	}
	if err := missingFields(val, v); err != nil {
		return err
	}
	return datesOutOfRange(v)
}

// Strictness errors: the body's text, before its meaning.
var (
	// ErrInvalidEncoding is a body that is not UTF-8 text, or a string with a
	// lone UTF-16 surrogate escape (\ud800).
	ErrInvalidEncoding = &domain.Error{Kind: domain.KindInvalid, Code: "invalid_encoding",
		Detail: "Il corpo della richiesta contiene testo non codificato in UTF-8 valido."}
	// ErrDuplicateField is an object with the same member name twice.
	ErrDuplicateField = &domain.Error{Kind: domain.KindInvalid, Code: "duplicate_field",
		Detail: "Il corpo della richiesta contiene un campo ripetuto."}
)

// syntaxError maps the strict reading's failure: a repeated name, text that
// is not valid UTF-8 (what a lenient reading would accept), or bad JSON.
func syntaxError(raw []byte, err error) error {
	var syn *jsontext.SyntacticError
	if !errors.As(err, &syn) {
		return decodeError(err)
	}
	field := fieldPath(syn.JSONPointer)
	switch {
	case errors.Is(err, jsontext.ErrDuplicateName):
		name := syn.JSONPointer.LastToken()
		out := *ErrDuplicateField
		out.Detail = fmt.Sprintf("Il campo «%s» è ripetuto: ogni campo può comparire una sola volta.", name)
		out.Fields = []domain.FieldError{{Field: field, Code: "duplicate_field", Detail: "Campo ripetuto."}}
		return &out
	case !utf8.Valid(raw) || jsontext.Value(raw).IsValid(jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true)):
		out := *ErrInvalidEncoding
		if field != "" {
			out.Detail = fmt.Sprintf("Il campo «%s» contiene testo non codificato in UTF-8 valido.", field)
			out.Fields = []domain.FieldError{{Field: field, Code: "invalid_encoding",
				Detail: "Testo non valido: usare caratteri UTF-8, senza surrogati isolati."}}
		}
		return &out
	case errors.Is(err, io.ErrUnexpectedEOF):
		return malformed("Il corpo della richiesta è un JSON incompleto.")
	}
	return malformed(fmt.Sprintf("Il corpo della richiesta non è un JSON valido (posizione %d).", syn.ByteOffset))
}

// fieldPath names the member p points to as the domain names fields:
// "bodies[0].bodyId".
func fieldPath(p jsontext.Pointer) string {
	var b strings.Builder
	for tok := range p.Tokens() {
		if _, err := strconv.Atoi(tok); err == nil && b.Len() > 0 {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

// required tells whether a struct field must be present in a body: one
// without "omitempty" (or "omitzero") in its json tag.
func required(f reflect.StructField) (name string, ok bool) {
	tag := f.Tag.Get("json")
	if tag == "-" || !f.IsExported() {
		return "", false
	}
	name, opts, _ := strings.Cut(tag, ",")
	if name == "" {
		name = f.Name
	}
	for o := range strings.SplitSeq(opts, ",") {
		if o == "omitempty" || o == "omitzero" {
			return name, false
		}
	}
	return name, true
}

// missingFields checks that every required field of t (see required) is in
// the object raw and not null, in nested objects and arrays of objects too.
func missingFields(raw []byte, v any) error {
	var fe []domain.FieldError
	collectMissing(&fe, "", raw, reflect.TypeOf(v))
	if len(fe) == 0 {
		return nil
	}
	detail := fe[0].Detail
	if len(fe) > 1 {
		detail = fmt.Sprintf("Alcuni campi obbligatori mancano (%d): %s", len(fe), fe[0].Detail)
	}
	return &domain.Error{Kind: domain.KindInvalid, Code: "invalid_input", Detail: detail, Fields: fe}
}

var (
	textType = reflect.TypeFor[encoding.TextUnmarshaler]()
	jsonType = reflect.TypeFor[interface{ UnmarshalJSON([]byte) error }]()
)

// opaque tells whether t decodes itself (a date, an instant): its members
// are none of the body's.
func opaque(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return p.Implements(textType) || p.Implements(jsonType)
}

func collectMissing(fe *[]domain.FieldError, prefix string, raw []byte, t reflect.Type) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || opaque(t) {
		return
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		var items []jsontext.Value
		if json.Unmarshal(raw, &items) != nil {
			return
		}
		for i, it := range items {
			collectMissing(fe, fmt.Sprintf("%s[%d]", prefix, i), it, t.Elem())
		}
	case reflect.Struct:
		var members map[string]jsontext.Value
		if json.Unmarshal(raw, &members) != nil {
			return
		}
		for i := range t.NumField() {
			f := t.Field(i)
			name, req := required(f)
			if name == "" {
				continue
			}
			path := name
			if prefix != "" {
				path = prefix + "." + name
			}
			m, present := members[name]
			// An empty date or instant reads as absent (as the types do).
			empty := m.Kind() == 'n' || (opaque(f.Type) && string(m) == `""`)
			if present && !empty {
				collectMissing(fe, path, m, f.Type)
				continue
			}
			if req {
				*fe = append(*fe, domain.FieldError{Field: path, Code: "required",
					Detail: fmt.Sprintf("Il campo «%s» è obbligatorio (assente o null).", path)})
			}
		}
	}
}

// datesOutOfRange checks the dates (workdays.Date, by value or pointer) of
// v's top-level struct.
func datesOutOfRange(v any) error {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return nil
	}
	var out *domain.Error
	for i := range rv.NumField() {
		if !rv.Type().Field(i).IsExported() {
			continue
		}
		f := rv.Field(i)
		for f.Kind() == reflect.Pointer && !f.IsNil() {
			f = f.Elem()
		}
		d, ok := f.Interface().(workdays.Date)
		if !ok || d.IsZero() || d.InWindow() {
			continue
		}
		name, _ := required(rv.Type().Field(i))
		if out == nil {
			out = domain.DateOutOfRange(name)
		} else {
			out.Fields = append(out.Fields, domain.DateOutOfRange(name).Fields...)
		}
	}
	if out == nil {
		return nil
	}
	return out
}

// ErrInvalidDate is a body's date that is not a "2006-01-02" calendar date;
// dateErrors names the fields.
var ErrInvalidDate = &domain.Error{Kind: domain.KindInvalid, Code: "invalid_date",
	Detail: "Data non valida: usare il formato aaaa-mm-gg, ad esempio 2026-03-11."}

// dateErrors names the date fields of v (workdays.Date, by value or
// pointer) whose value in the top-level object raw is not a date: the
// decoder stops at the first.
func dateErrors(raw []byte, v any) error {
	out := *ErrInvalidDate
	var top map[string]jsontext.Value
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
		if name == "" || json.Unmarshal(top[name], &s) != nil || s == "" {
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
	var sem *json.SemanticError
	var de *domain.Error
	switch {
	case errors.As(err, &tooLarge):
		return ErrBodyTooLarge
	case errors.As(err, &de):
		// A field's own UnmarshalJSON rejected its value (an instant).
		return de
	case errors.As(err, &sem) && errors.Is(err, json.ErrUnknownName):
		name := sem.JSONPointer.LastToken()
		return &domain.Error{Kind: domain.KindInvalid, Code: codeMalformed,
			Detail: fmt.Sprintf("Il campo «%s» non è previsto.", name),
			Fields: []domain.FieldError{{Field: name, Code: "unknown_field", Detail: "Campo non previsto."}}}
	case errors.As(err, &sem):
		field := fieldPath(sem.JSONPointer)
		if field == "" {
			return malformed("Il corpo della richiesta deve essere un oggetto JSON.")
		}
		return &domain.Error{Kind: domain.KindInvalid, Code: codeMalformed,
			Detail: fmt.Sprintf("Il campo «%s» ha un tipo non valido.", field),
			Fields: []domain.FieldError{{Field: field, Code: "invalid_type", Detail: "Tipo non valido."}}}
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
