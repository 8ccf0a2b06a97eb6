package api_test

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	bookings "suapcds/functions/bookings"
	manager "suapcds/functions/manager"
	"suapcds/functions/pratiche"
	recordings "suapcds/functions/recordings"
	"suapcds/shared/api"
	"suapcds/shared/domain"
	"suapcds/shared/httpapi"
	"suapcds/shared/workdays"
)

func loadDoc(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	if err != nil {
		t.Fatalf("loading openapi.yaml: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is not valid: %v", err)
	}
	return doc
}

func TestDocumentIsValid(t *testing.T) {
	doc := loadDoc(t)
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi %q, want 3.0.3", doc.OpenAPI)
	}
	if len(doc.Security) != 1 || doc.Security[0]["bearerAuth"] == nil {
		t.Errorf("global security %v, want bearerAuth", doc.Security)
	}
	desc := doc.Components.SecuritySchemes["bearerAuth"].Value.Description
	for _, c := range []string{httpapi.ClaimSubject, httpapi.ClaimName, httpapi.ClaimRole, httpapi.ClaimOffice, httpapi.ClaimBasin, httpapi.ClaimUnit} {
		if !strings.Contains(desc, "`"+c+"`") {
			t.Errorf("the bearer scheme does not document the claim %s", c)
		}
	}
}

// TestRoutesMatchTheFunctions: the document has exactly the JSON routes the
// functions serve, each tagged with the function that serves it. The manager's
// signed-link pages (manager.PageRoutes) are HTML for people, not part of the
// JSON API: they are left out, and must stay out.
func TestRoutesMatchTheFunctions(t *testing.T) {
	doc := loadDoc(t)
	want := map[string]string{} // "GET /path" → function
	for fn, routes := range map[string][]string{"pratiche": pratiche.Routes, "bookings": bookings.Routes, "manager": manager.Routes,
		"recordings": recordings.Routes} {
		for _, r := range routes {
			if _, dup := want[r]; dup {
				t.Errorf("route %s is served twice", r)
			}
			want[r] = fn
		}
	}
	for _, r := range manager.PageRoutes {
		if _, dup := want[r]; dup {
			t.Errorf("page route %s is also a JSON route", r)
		}
	}
	got := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			key := method + " " + path
			got[key] = strings.Join(op.Tags, ",")
			fn, ok := want[key]
			switch {
			case !ok:
				t.Errorf("openapi.yaml documents %s, which no function serves", key)
			case got[key] != fn:
				t.Errorf("%s is tagged %q, want %q (the function serving it)", key, got[key], fn)
			}
		}
	}
	for key := range want {
		if _, ok := got[key]; !ok {
			t.Errorf("route %s is not in openapi.yaml", key)
		}
	}
}

func TestEveryOperationIsComplete(t *testing.T) {
	doc := loadDoc(t)
	problem := doc.Components.Schemas["Problem"]
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			name := method + " " + path
			if op.OperationID == "" {
				t.Errorf("%s has no operationId", name)
			}
			if !strings.Contains(op.Description, "**Who:**") || !strings.Contains(op.Description, "**Errors:**") {
				t.Errorf("%s does not say who may call it and which errors it returns", name)
			}
			statuses := map[int]bool{}
			for code, ref := range op.Responses.Map() {
				n, err := strconv.Atoi(code)
				if err != nil {
					t.Errorf("%s: response %q: only explicit statuses, so that an undocumented one is caught", name, code)
					continue
				}
				statuses[n] = true
				if n < 400 {
					continue
				}
				mt := ref.Value.Content.Get("application/problem+json")
				if mt == nil || mt.Schema == nil || mt.Schema.Value != problem.Value {
					t.Errorf("%s: response %d is not application/problem+json with schema Problem", name, n)
				}
			}
			success := false
			for n := range statuses {
				success = success || (n >= 200 && n < 300)
			}
			if !success {
				t.Errorf("%s has no success response", name)
			}
			need := []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusInternalServerError}
			if op.RequestBody != nil {
				need = append(need, http.StatusBadRequest, http.StatusRequestEntityTooLarge,
					http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity)
				schema := op.RequestBody.Value.Content.Get("application/json").Schema.Value
				if schema.AdditionalProperties.Has == nil || *schema.AdditionalProperties.Has {
					t.Errorf("%s: the request body does not have additionalProperties: false", name)
				}
			}
			for _, n := range need {
				if !statuses[n] {
					t.Errorf("%s has no %d response", name, n)
				}
			}
		}
	}
}

// schemaTypes maps the document's object schemas to the Go types they
// describe.
var schemaTypes = map[string]reflect.Type{
	"BodyRef":                    reflect.TypeFor[api.BodyRef](),
	"PraticaBody":                reflect.TypeFor[api.PraticaBody](),
	"PraticaView":                reflect.TypeFor[api.PraticaView](),
	"CDSCheckBody":               reflect.TypeFor[api.CDSCheckBody](),
	"CDSCheckView":               reflect.TypeFor[api.CDSCheckView](),
	"VerificationsBody":          reflect.TypeFor[api.VerificationsBody](),
	"NewRequestBody":             reflect.TypeFor[api.NewRequestBody](),
	"Person":                     reflect.TypeFor[api.Person](),
	"MeetingView":                reflect.TypeFor[api.MeetingView](),
	"RequestView":                reflect.TypeFor[api.RequestView](),
	"MessageView":                reflect.TypeFor[api.MessageView](),
	"MessageBody":                reflect.TypeFor[api.MessageBody](),
	"Refusal":                    reflect.TypeFor[api.Refusal](),
	"RequestDetailView":          reflect.TypeFor[api.RequestDetailView](),
	"RequestList":                reflect.TypeFor[api.RequestList](),
	"HistoryEntryView":           reflect.TypeFor[api.HistoryEntryView](),
	"HistoryList":                reflect.TypeFor[api.HistoryList](),
	"HistoryExport":              reflect.TypeFor[api.HistoryExport](),
	"HistoryChainEntry":          reflect.TypeFor[api.HistoryChainEntry](),
	"HistoryChainHead":           reflect.TypeFor[api.HistoryChainHead](),
	"CommunicationView":          reflect.TypeFor[api.CommunicationView](),
	"CommunicationList":          reflect.TypeFor[api.CommunicationList](),
	"LastDayView":                reflect.TypeFor[api.LastDayView](),
	"AcceptBody":                 reflect.TypeFor[api.AcceptBody](),
	"DeclineBody":                reflect.TypeFor[api.DeclineBody](),
	"RoomBody":                   reflect.TypeFor[api.RoomBody](),
	"RoomView":                   reflect.TypeFor[api.RoomView](),
	"RoomList":                   reflect.TypeFor[api.RoomList](),
	"RoomAvailabilityView":       reflect.TypeFor[api.RoomAvailabilityView](),
	"AvailabilityView":           reflect.TypeFor[api.AvailabilityView](),
	"RecordingUploadBody":        reflect.TypeFor[api.RecordingUploadBody](),
	"RecordingUploadView":        reflect.TypeFor[api.RecordingUploadView](),
	"RecordingDownloadView":      reflect.TypeFor[api.RecordingDownloadView](),
	"DirectoryBody":              reflect.TypeFor[api.DirectoryBody](),
	"DirectoryBodyView":          reflect.TypeFor[api.DirectoryBodyView](),
	"DirectoryBodyList":          reflect.TypeFor[api.DirectoryBodyList](),
	"NewConferenceBody":          reflect.TypeFor[api.NewConferenceBody](),
	"DeadlineView":               reflect.TypeFor[api.DeadlineView](),
	"ConferenceView":             reflect.TypeFor[api.ConferenceView](),
	"ConferenceList":             reflect.TypeFor[api.ConferenceList](),
	"ConveneBody":                reflect.TypeFor[api.ConveneBody](),
	"ConferenceFileBody":         reflect.TypeFor[api.ConferenceFileBody](),
	"ConferenceFileUploadView":   reflect.TypeFor[api.ConferenceFileUploadView](),
	"ConferenceFileDownloadView": reflect.TypeFor[api.ConferenceFileDownloadView](),
	"ConvokedBodyView":           reflect.TypeFor[api.ConvokedBodyView](),
	"SessionView":                reflect.TypeFor[api.SessionView](),
	"SessionList":                reflect.TypeFor[api.SessionList](),
	"SessionStateBody":           reflect.TypeFor[api.SessionStateBody](),
	"CloseConferenceBody":        reflect.TypeFor[api.CloseConferenceBody](),
	"Problem":                    reflect.TypeFor[httpapi.Problem](),
	"FieldError":                 reflect.TypeFor[domain.FieldError](),
}

// TestSchemasMirrorTheGoTypes: each object schema has exactly the JSON
// fields of its Go type, requires exactly those without omitempty, refuses
// others, and gives each the Go field's JSON type.
func TestSchemasMirrorTheGoTypes(t *testing.T) {
	doc := loadDoc(t)
	names := map[reflect.Type]string{}
	for name, typ := range schemaTypes {
		names[typ] = name
	}
	for name, typ := range schemaTypes {
		ref := doc.Components.Schemas[name]
		if ref == nil {
			t.Errorf("components/schemas/%s is missing (Go type %s)", name, typ)
			continue
		}
		s := ref.Value
		if !s.Type.Is("object") || s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has {
			t.Errorf("%s: want type object with additionalProperties: false", name)
		}
		var fields, required []string
		for i := range typ.NumField() {
			f := typ.Field(i)
			tag, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || tag == "-" || tag == "" {
				t.Fatalf("%s.%s: every field of a contract type needs a json name", typ, f.Name)
			}
			fields = append(fields, tag)
			if !slices.Contains(strings.Split(opts, ","), "omitempty") {
				required = append(required, tag)
			}
			p := s.Properties[tag]
			if p == nil {
				continue
			}
			if err := sameType(p, f.Type, names); err != nil {
				t.Errorf("%s.%s: %v", name, tag, err)
			}
			if isRequestBody(name) && p.Value.Nullable {
				t.Errorf("%s.%s: a request field is never nullable (null reads as absent)", name, tag)
			}
			if f.Type.Kind() == reflect.Pointer && p.Value.Nullable {
				t.Errorf("%s.%s: pointers are omitempty (absent, never null): not nullable", name, tag)
			}
		}
		props := make([]string, 0, len(s.Properties))
		for p := range s.Properties {
			props = append(props, p)
		}
		if a, b := sorted(fields), sorted(props); !slices.Equal(a, b) {
			t.Errorf("%s: properties %v, Go type %s has %v", name, b, typ, a)
		}
		if a, b := sorted(required), sorted(s.Required); !slices.Equal(a, b) {
			t.Errorf("%s: required %v, want the fields without omitempty %v", name, b, a)
		}
	}
}

// isRequestBody tells the schemas of request bodies (and their parts).
func isRequestBody(schema string) bool {
	return strings.HasSuffix(schema, "Body") || schema == "BodyRef"
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

// sameType checks the property schema against the Go type of its field.
func sameType(p *openapi3.SchemaRef, typ reflect.Type, names map[reflect.Type]string) error {
	v := p.Value
	if typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	switch typ {
	case reflect.TypeFor[api.Instant]():
		if !v.Type.Is("string") || v.Format != "date-time" {
			return fmt.Errorf("an Instant: want string date-time")
		}
		return nil
	case reflect.TypeFor[workdays.Date]():
		if !v.Type.Is("string") || v.Format != "date" {
			return fmt.Errorf("a workdays.Date: want string date")
		}
		return nil
	}
	switch typ.Kind() {
	case reflect.String:
		if !v.Type.Is("string") {
			return fmt.Errorf("type %v, want string", v.Type.Slice())
		}
	case reflect.Bool:
		if !v.Type.Is("boolean") {
			return fmt.Errorf("type %v, want boolean", v.Type.Slice())
		}
	case reflect.Int, reflect.Int64:
		if !v.Type.Is("integer") {
			return fmt.Errorf("type %v, want integer", v.Type.Slice())
		}
		if typ.Kind() == reflect.Int64 && v.Format != "int64" {
			return fmt.Errorf("an int64: want format int64")
		}
	case reflect.Slice:
		if !v.Type.Is("array") || v.Items == nil {
			return fmt.Errorf("type %v, want array", v.Type.Slice())
		}
		return sameType(v.Items, typ.Elem(), names)
	case reflect.Map:
		ap := v.AdditionalProperties.Schema
		if !v.Type.Is("object") || typ.Key().Kind() != reflect.String || ap == nil {
			return fmt.Errorf("a map: want type object with additionalProperties of its values")
		}
		return sameType(ap, typ.Elem(), names)
	case reflect.Struct:
		want := "#/components/schemas/" + names[typ]
		if names[typ] == "" || p.Ref != want {
			return fmt.Errorf("$ref %q, want %q (Go type %s)", p.Ref, want, typ)
		}
	default:
		return fmt.Errorf("unexpected Go kind %s", typ.Kind())
	}
	return nil
}

// TestEnumsAndLimitsMatchTheDomain keeps the document's enums and limits in
// step with the rules the code applies.
func TestEnumsAndLimitsMatchTheDomain(t *testing.T) {
	doc := loadDoc(t)
	schema := func(name string) *openapi3.Schema { return doc.Components.Schemas[name].Value }
	enum := func(name string) []string {
		var out []string
		for _, v := range schema(name).Enum {
			out = append(out, fmt.Sprint(v))
		}
		return out
	}
	var states, types []string
	for _, s := range domain.States {
		states = append(states, string(s))
	}
	for _, p := range domain.ProcedureTypes {
		types = append(types, string(p))
	}
	roles := []string{string(domain.RoleSuapOperator), string(domain.RoleBasinOperator), string(domain.RoleManager), string(domain.RoleAdmin)}
	var cdsTypes []string
	for _, c := range domain.ConferenceTypes {
		cdsTypes = append(cdsTypes, string(c))
	}
	sessionStates := []string{string(domain.SessionConvened), string(domain.SessionHeld), string(domain.SessionCancelled)}
	var outcomes []string
	for _, o := range domain.ConferenceOutcomes {
		outcomes = append(outcomes, string(o))
	}
	for name, want := range map[string][]string{"State": states, "ProcedureType": types, "Role": roles, "CDSType": cdsTypes,
		"SessionState": sessionStates, "ConferenceOutcome": outcomes} {
		if got := enum(name); !slices.Equal(sorted(got), sorted(want)) {
			t.Errorf("%s enum %v, want %v", name, got, want)
		}
	}

	maxLen := func(s *openapi3.Schema) uint64 {
		if s.MaxLength == nil {
			return 0
		}
		return *s.MaxLength
	}
	prop := func(obj, name string) *openapi3.Schema { return schema(obj).Properties[name].Value }
	for _, c := range []struct {
		obj, prop string
		want      int
	}{
		{"PraticaBody", "number", domain.MaxPraticaNumberLen},
		{"BodyRef", "name", domain.MaxBodyNameLen},
		{"VerificationsBody", "reason", domain.MaxNoCDSReasonLen},
		{"NewRequestBody", "subject", domain.MaxSubjectLen},
		{"NewRequestBody", "email", domain.MaxEmailLen},
		{"MessageBody", "subject", domain.MaxMessageSubjectLen},
		{"MessageBody", "body", domain.MaxMessageBodyLen},
		{"AcceptBody", "code", domain.MaxMeetingCodeLen},
		{"AcceptBody", "password", domain.MaxMeetingPassLen},
		{"AcceptBody", "link", domain.MaxLinkLen},
		{"DeclineBody", "message", domain.MaxDeclineReasonLen},
		{"RoomBody", "name", domain.MaxRoomNameLen},
		{"RoomBody", "defaultLink", domain.MaxLinkLen},
		{"SessionStateBody", "closingFileKey", domain.MaxFileKeyLen},
		{"CloseConferenceBody", "closingFileKey", domain.MaxFileKeyLen},
	} {
		if got := maxLen(prop(c.obj, c.prop)); got != uint64(c.want) {
			t.Errorf("%s.%s maxLength %d, want %d", c.obj, c.prop, got, c.want)
		}
	}
	for _, obj := range []string{"PraticaBody", "CDSCheckBody", "VerificationsBody"} {
		if p := prop(obj, "bodies"); p.MaxItems == nil || *p.MaxItems != domain.MaxBodies {
			t.Errorf("%s.bodies maxItems %v, want %d", obj, p.MaxItems, domain.MaxBodies)
		}
	}
	d := prop("NewRequestBody", "durationMinutes")
	if d.Min == nil || *d.Min != domain.MinDurationMinutes || d.Max == nil || *d.Max != domain.MaxDurationMinutes {
		t.Errorf("durationMinutes %v–%v, want %d–%d", d.Min, d.Max, domain.MinDurationMinutes, domain.MaxDurationMinutes)
	}
	list := doc.Paths.Find("/booking-requests").Get
	for name, want := range map[string]int{"praticaNumber": domain.MaxPraticaNumberLen, "subject": domain.MaxSubjectLen} {
		if got := maxLen(list.Parameters.GetByInAndName("query", name).Schema.Value); got != uint64(want) {
			t.Errorf("list parameter %s maxLength %d, want %d", name, got, want)
		}
	}

	// The Id pattern is domain.ValidID's.
	re := regexp.MustCompile(schema("Id").Pattern)
	for _, s := range []string{"a", "p-1", "A.b_c-9", "-a", ".a", "_a", "", "a b", "a/b", "è", strings.Repeat("a", 64), strings.Repeat("a", 65)} {
		if re.MatchString(s) != domain.ValidID(s) {
			t.Errorf("Id pattern and domain.ValidID disagree on %q", s)
		}
	}
}
