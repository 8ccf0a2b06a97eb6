package functions_test

// These tests keep template.yaml, the Makefile, the handlers' routes and the
// sample events of events/ in step: a function folder without its template
// resource or build target, a route the API does not send to its function,
// or a sample that no longer matches a route fails here, not on deploy.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"gopkg.in/yaml.v3"

	"suapcds/functions/bookings"
	"suapcds/functions/console"
	leadtime "suapcds/functions/leadtime"
	managerfn "suapcds/functions/manager"
	notify "suapcds/functions/notify"
	"suapcds/functions/pratiche"
	"suapcds/functions/recordings"
	"suapcds/shared/api"
	"suapcds/shared/config/base"
	"suapcds/shared/httpapi"
	"suapcds/shared/signedlink"
)

// handlerRoutes maps each HTTP function's folder to the routes its handler serves.
// A new HTTP function adds its handler's Routes here.
var handlerRoutes = map[string][]string{
	"pratiche": pratiche.Routes,
	"bookings": bookings.Routes,
	// The manager serves its JSON API and its signed-link pages.
	"manager":    slices.Concat(managerfn.Routes, managerfn.PageRoutes),
	"recordings": recordings.Routes,
	// The console's static files (public, no JWT authorizer).
	"console": console.Routes,
}

// pageRoutes are the routes without the JWT authorizer: HTML pages opened
// from a signed link, whose token `t` (query string on GET, form field on
// POST) is the credential. Their template events carry Auth: {Authorizer:
// NONE}; every other route keeps the API's default JWT authorizer. Their
// samples have no authorizer claims.
var pageRoutes = managerfn.PageRoutes

// staticRoutes are the console's files: public (Auth: {Authorizer: NONE}),
// the page then signs in and sends its token to the API. Their samples have
// no authorizer claims and no body.
var staticRoutes = console.Routes

// pageForms are the fields of each form of the signed-link page
// (functions/manager/handler/page.html.go), by the action it posts to.
var pageForms = map[string][]string{
	"accetta":   {"t", "csrf", "roomId", "code", "password", "link"},
	"rifiuta":   {"t", "csrf", "message"},
	"annulla":   {"t", "csrf", "message"},
	"messaggio": {"t", "csrf", "subject", "body"},
}

// The page samples' token is signed with this key (events/README.md), not
// the deployed LINK_KEY; their form's csrf field repeats this cookie.
const (
	sampleLinkKey = "suapcds-events-sample-link-key-0123456789"
	csrfCookie    = "suapcds_csrf"
)

// bodilessPosts are the POST routes that take no body.
var bodilessPosts = []string{
	"POST /booking-requests/{requestId}/take",
}

// routeBodies gives, for each route that takes a JSON body, the type the handler
// decodes it into; the samples' bodies must decode into it as the handler
// would (no unknown fields).
var routeBodies = map[string]func() any{
	"PUT /pratiche/{praticaId}":                                                        func() any { return new(api.PraticaBody) },
	"POST /pratiche/{praticaId}/cds-check":                                             func() any { return new(api.CDSCheckBody) },
	"POST /pratiche/{praticaId}/verifications":                                         func() any { return new(api.VerificationsBody) },
	"POST /pratiche/{praticaId}/booking-requests":                                      func() any { return new(api.NewRequestBody) },
	"POST /booking-requests/{requestId}/messages":                                      func() any { return new(api.MessageBody) },
	"POST /booking-requests/{requestId}/accept":                                        func() any { return new(api.AcceptBody) },
	"POST /booking-requests/{requestId}/decline":                                       func() any { return new(api.DeclineBody) },
	"POST /booking-requests/{requestId}/cancel":                                        func() any { return new(api.DeclineBody) },
	"PUT /rooms/{roomId}":                                                              func() any { return new(api.RoomBody) },
	"POST /booking-requests/{requestId}/recording-upload":                              func() any { return new(api.RecordingUploadBody) },
	"PUT /bodies/{bodyId}":                                                             func() any { return new(api.DirectoryBody) },
	"POST /pratiche/{praticaId}/conferences":                                           func() any { return new(api.NewConferenceBody) },
	"POST /pratiche/{praticaId}/conferences/{conferenceId}/sessions":                   func() any { return new(api.ConveneBody) },
	"POST /pratiche/{praticaId}/conferences/{conferenceId}/sessions/{sessionId}/state": func() any { return new(api.SessionStateBody) },
	"POST /pratiche/{praticaId}/conferences/{conferenceId}/files":                      func() any { return new(api.ConferenceFileBody) },
	"POST /pratiche/{praticaId}/conferences/{conferenceId}/closure":                    func() any { return new(api.CloseConferenceBody) },
}

// allowedDynamoActions are the only DynamoDB actions a function may have:
// what the store does (GetItem, BatchGetItem for GetMany, Query, and
// TransactWriteItems, which is authorised by the per-item actions of its
// Put, Delete and ConditionCheck).
// No Scan. Adding one here is a deliberate change of the store's contract.
var allowedDynamoActions = []string{
	"dynamodb:BatchGetItem",
	"dynamodb:ConditionCheckItem",
	"dynamodb:DeleteItem",
	"dynamodb:GetItem",
	"dynamodb:PutItem",
	"dynamodb:Query",
}

// allowedSESActions are the only other actions a function may have: sending
// mail (notify), in statements of their own, on the account's SES identities
// and only from the configured sender (a ses:FromAddress condition).
var allowedSESActions = []string{"ses:SendEmail", "ses:SendRawEmail"}

const sesIdentities = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*"

// allowedS3Actions are the only S3 actions a function may have, in
// statements of their own on the recordings bucket's objects under the
// prefixes below only: PutObject (a pre-signed POST is signed with the
// function's credentials; a copy's target), GetObject (download links,
// HEAD, a copy's source), DeleteObject (refused objects). No bucket-level
// action, no other prefix.
var allowedS3Actions = []string{"s3:DeleteObject", "s3:GetObject", "s3:PutObject"}

// The S3 resources, named as strings (see RecordingsBucket): the kept
// recordings and their uploads, the conferences' kept files (pratiche,
// manager, notify) and their uploads; recordingsBucketARN is the bucket,
// only for s3:ListBucket.
const (
	recordingsBucketARN     = "arn:${AWS::Partition}:s3:::suapcds-${Stage}-recordings-${AWS::AccountId}"
	recordingObjects        = recordingsBucketARN + "/recordings/*"
	recordingUploadObjects  = recordingsBucketARN + "/uploads/recordings/*"
	conferenceObjects       = recordingsBucketARN + "/conferences/*"
	conferenceUploadObjects = recordingsBucketARN + "/uploads/conferences/*"
)

// s3Resources are the object resources a function statement may name.
var s3Resources = []string{recordingObjects, recordingUploadObjects, conferenceObjects, conferenceUploadObjects}

const moduleRoot = ".."

// --- template model ----------------------------------------------------------

// The template is decoded with gopkg.in/yaml.v3: CloudFormation's short tags
// (!Ref, !Sub, !GetAtt) are local tags it keeps on yaml.Node (Tag "!Ref",
// Value "Table") and drops when decoding into a string or interface.
type samTemplate struct {
	Parameters map[string]struct {
		Default string `yaml:"Default"`
	} `yaml:"Parameters"`
	Globals struct {
		Function struct {
			Environment struct {
				Variables map[string]yaml.Node `yaml:"Variables"`
			} `yaml:"Environment"`
		} `yaml:"Function"`
	} `yaml:"Globals"`
	Resources map[string]struct {
		Type     string `yaml:"Type"`
		Metadata struct {
			BuildMethod string `yaml:"BuildMethod"`
		} `yaml:"Metadata"`
		Properties yaml.Node `yaml:"Properties"`
	} `yaml:"Resources"`
}

type samFunctionProps struct {
	CodeUri     string `yaml:"CodeUri"`
	Environment struct {
		Variables map[string]yaml.Node `yaml:"Variables"`
	} `yaml:"Environment"`
	LoggingConfig struct {
		LogFormat string    `yaml:"LogFormat"`
		LogGroup  yaml.Node `yaml:"LogGroup"`
	} `yaml:"LoggingConfig"`
	Policies []yaml.Node `yaml:"Policies"`
	Events   map[string]struct {
		Type       string `yaml:"Type"`
		Properties struct {
			ApiId                yaml.Node `yaml:"ApiId"`
			Method               string    `yaml:"Method"`
			Path                 string    `yaml:"Path"`
			PayloadFormatVersion string    `yaml:"PayloadFormatVersion"`
			Auth                 struct {
				Authorizer string `yaml:"Authorizer"`
			} `yaml:"Auth"`
		} `yaml:"Properties"`
	} `yaml:"Events"`
}

type samFunction struct {
	id     string
	folder string // functions/<folder>, from its Makefile build target
	props  samFunctionProps
}

func loadTemplate(t *testing.T) (samTemplate, map[string]*samFunction) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(moduleRoot, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var tpl samTemplate
	if err := yaml.Unmarshal(raw, &tpl); err != nil {
		t.Fatalf("template.yaml: %v", err)
	}
	targets := makeTargets(t)
	fns := map[string]*samFunction{}
	for id, r := range tpl.Resources {
		if r.Type != "AWS::Serverless::Function" {
			continue
		}
		f := &samFunction{id: id}
		if err := r.Properties.Decode(&f.props); err != nil {
			t.Fatalf("template.yaml: %s: %v", id, err)
		}
		if r.Metadata.BuildMethod != "makefile" {
			t.Errorf("%s: Metadata.BuildMethod = %q, want makefile", id, r.Metadata.BuildMethod)
		}
		if f.props.CodeUri != "." {
			t.Errorf("%s: CodeUri = %q, want . (the module root, which the Makefile builds from)", id, f.props.CodeUri)
		}
		recipe, ok := targets["build-"+id]
		if !ok {
			t.Errorf("%s: the Makefile has no build-%s target (sam build runs it)", id, id)
			continue
		}
		pkgs := regexp.MustCompile(`\./functions/([a-z0-9]+)/bootstrap\b`).FindAllStringSubmatch(recipe, -1)
		if len(pkgs) != 1 || !strings.Contains(recipe, "$(ARTIFACTS_DIR)/bootstrap") {
			t.Errorf("build-%s must build one ./functions/<name>/bootstrap into $(ARTIFACTS_DIR)/bootstrap; recipe:\n%s", id, recipe)
			continue
		}
		f.folder = pkgs[0][1]
		fns[id] = f
	}
	return tpl, fns
}

// makeTargets returns the Makefile's targets and their recipes (the
// tab-indented lines after each "target:" line).
func makeTargets(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(moduleRoot, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	targetLine := regexp.MustCompile(`^([A-Za-z0-9_.-]+):([^=]|$)`)
	out := map[string]string{}
	cur := ""
	for line := range strings.Lines(string(raw)) {
		switch m := targetLine.FindStringSubmatch(line); {
		case m != nil:
			cur = m[1]
			out[cur] += ""
		case strings.HasPrefix(line, "\t") && cur != "":
			out[cur] += line
		case strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#"):
		default:
			cur = ""
		}
	}
	return out
}

// functionFolders lists functions/<name>/ folders that have a main.go.
func functionFolders(t *testing.T) []string {
	t.Helper()
	mains, err := filepath.Glob(filepath.Join(moduleRoot, "functions", "*", "bootstrap", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range mains {
		out = append(out, filepath.Base(filepath.Dir(filepath.Dir(m))))
	}
	if len(out) == 0 {
		t.Fatal("no functions/*/main.go found")
	}
	return out
}

func readMain(t *testing.T, folder string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(moduleRoot, "functions", folder, "bootstrap", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// --- template tests ------------------------------------------------------------

// TestEveryFunctionFolderIsDeployed: each functions/<name>/main.go is exactly
// one AWS::Serverless::Function built by make, and each such function builds
// a folder that exists.
func TestEveryFunctionFolderIsDeployed(t *testing.T) {
	_, fns := loadTemplate(t)
	byFolder := map[string][]string{}
	for id, f := range fns {
		byFolder[f.folder] = append(byFolder[f.folder], id)
	}
	folders := functionFolders(t)
	for _, folder := range folders {
		if ids := byFolder[folder]; len(ids) != 1 {
			t.Errorf("functions/%s: %d template functions build it (%v), want exactly 1", folder, len(ids), ids)
		}
	}
	for folder, ids := range byFolder {
		if !slices.Contains(folders, folder) {
			t.Errorf("%v builds ./functions/%s, which has no main.go", ids, folder)
		}
	}
}

// TestHttpApiEventsAreTheHandlersRoutes: the HttpApi events of each function
// are exactly its handler's Routes (so API Gateway sends every route the
// handler serves, and only those, to it), on the template's HttpApi, payload
// format 2.0.
func TestHttpApiEventsAreTheHandlersRoutes(t *testing.T) {
	_, fns := loadTemplate(t)
	seen := map[string]string{}
	for id, f := range fns {
		var got []string
		for name, ev := range f.props.Events {
			if ev.Type != "HttpApi" {
				continue
			}
			p := ev.Properties
			if p.ApiId.Tag != "!Ref" || p.ApiId.Value != "HttpApi" {
				t.Errorf("%s.%s: ApiId must be !Ref HttpApi (otherwise SAM makes an implicit API without the authorizer)", id, name)
			}
			if p.PayloadFormatVersion != "" && p.PayloadFormatVersion != "2.0" {
				t.Errorf("%s.%s: PayloadFormatVersion %q, want 2.0 (httpadapter.NewV2)", id, name, p.PayloadFormatVersion)
			}
			route := p.Method + " " + p.Path
			switch page := slices.Contains(pageRoutes, route) || slices.Contains(staticRoutes, route); {
			case page && p.Auth.Authorizer != "NONE":
				t.Errorf("%s.%s: %s is a signed-link page: Auth.Authorizer must be NONE (the link's token is the credential)", id, name, route)
			case !page && p.Auth.Authorizer != "":
				t.Errorf("%s.%s: Auth.Authorizer %q: an API route keeps the default JWT authorizer", id, name, p.Auth.Authorizer)
			}
			if other, dup := seen[route]; dup {
				t.Errorf("route %q is on both %s and %s", route, other, id)
			}
			seen[route] = id
			got = append(got, route)
		}
		want, known := handlerRoutes[f.folder]
		if !known {
			if len(got) > 0 || strings.Contains(readMain(t, f.folder), "httpadapter.") {
				t.Errorf("%s (functions/%s) serves HTTP: add its handler's Routes to this test's handlerRoutes map", id, f.folder)
			}
			continue
		}
		slices.Sort(got)
		want = slices.Sorted(slices.Values(want))
		if !slices.Equal(got, want) {
			t.Errorf("%s HttpApi events:\n  template %q\n  handler  %q", id, got, want)
		}
	}
	for folder := range handlerRoutes {
		found := false
		for _, f := range fns {
			found = found || f.folder == folder
		}
		if !found {
			t.Errorf("handlerRoutes names functions/%s, which no template function builds", folder)
		}
	}
}

// fromEnv is each function's FromEnv, by folder: what its main reads from
// the environment before New.
var fromEnv = map[string]func() error{
	"bookings":   func() error { _, err := bookings.FromEnv(); return err },
	"console":    func() error { _, err := console.FromEnv(); return err },
	"leadtime":   func() error { _, err := leadtime.FromEnv(); return err },
	"manager":    func() error { _, err := managerfn.FromEnv(); return err },
	"notify":     func() error { _, err := notify.FromEnv(); return err },
	"pratiche":   func() error { _, err := pratiche.FromEnv(); return err },
	"recordings": func() error { _, err := recordings.FromEnv(); return err },
}

// lambdaEnv is what Lambda's runtime sets, not the template: the region and
// the execution role's credentials.
var lambdaEnv = map[string]string{"AWS_REGION": "eu-south-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
	"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AWS_SESSION_TOKEN": "session"}

// localEnv are read by the functions but never set by the template: the
// endpoints of DynamoDB Local, MinIO and the SES emulator (local run, tests).
var localEnv = []string{"DYNAMODB_ENDPOINT", "S3_ENDPOINT", "SES_ENDPOINT"}

// goRuntimeEnv are template variables the Go runtime reads, not the code.
var goRuntimeEnv = []string{"GOMEMLIMIT"}

// sampleValue is a value of variable name as deployed: a parameter's
// default for !Ref, the literal itself, or a placeholder of the deployed
// shape for a !Sub, a !GetAtt or a secret.
func sampleValue(tpl samTemplate, name string, v yaml.Node) string {
	switch {
	case strings.Contains(name, "MAIL"):
		return "videoconferenze@regione.example.it"
	case v.Tag == "!Ref":
		if p, ok := tpl.Parameters[v.Value]; ok {
			if p.Default == "" {
				return "https://idp.example.it" // an issuer, a client id: any non-empty value
			}
			return p.Default
		}
		return "suapcds-prod" // a resource's name
	case strings.Contains(v.Value, "{{resolve:secretsmanager:"):
		return "0123456789abcdef0123456789abcdef0123456789abcdef" // a generated key
	case strings.HasPrefix(v.Value, "https://"):
		return "https://suapcds-prod-recordings-1.s3.eu-south-1.amazonaws.com"
	case v.Tag == "!Sub" || v.Tag == "!GetAtt":
		return "suapcds-prod-x"
	}
	return v.Value
}

// TestFunctionEnvironment: each function reads exactly the variables the
// template gives it (Globals and its own merged, as SAM merges them) — no
// more (its main would fail or fall back on Lambda), no fewer (a variable
// nobody reads is a setting that does nothing) — besides what Lambda's
// runtime sets and the local endpoints; the template's values (parameter
// defaults, literals) satisfy it; and the keys (CURSOR_KEY, LINK_KEY: every
// *_KEY) come from Secrets Manager, never as a literal in the template.
func TestFunctionEnvironment(t *testing.T) {
	tpl, fns := loadTemplate(t)
	for id, f := range fns {
		vars := maps.Clone(tpl.Globals.Function.Environment.Variables)
		if vars == nil {
			vars = map[string]yaml.Node{}
		}
		maps.Copy(vars, f.props.Environment.Variables)
		env := maps.Clone(lambdaEnv)
		var given []string
		for name, v := range vars {
			if strings.HasSuffix(name, "_KEY") && !strings.HasPrefix(v.Value, "{{resolve:secretsmanager:") {
				t.Errorf("%s: %s must be a {{resolve:secretsmanager:...}} reference, got %s %q", id, name, v.Tag, v.Value)
			}
			env[name] = sampleValue(tpl, name, v)
			if !slices.Contains(goRuntimeEnv, name) {
				given = append(given, name)
			}
		}
		load, ok := fromEnv[f.folder]
		if !ok {
			t.Errorf("%s: add functions/%s's FromEnv to this test's fromEnv map", id, f.folder)
			continue
		}
		var err error
		read := base.Trace(env, func() { err = load() })
		if err != nil {
			t.Errorf("%s: the template's values do not configure it: %v", id, err)
		}
		read = slices.DeleteFunc(read, func(n string) bool { _, rt := lambdaEnv[n]; return rt || slices.Contains(localEnv, n) })
		slices.Sort(given)
		if !slices.Equal(read, given) {
			t.Errorf("%s: reads %q\n  template gives %q", id, read, given)
		}
		if f.props.LoggingConfig.LogFormat != "JSON" || f.props.LoggingConfig.LogGroup.Tag != "!Ref" {
			t.Errorf("%s: LoggingConfig wants LogFormat JSON and LogGroup !Ref <its log group with retention>", id)
		}
	}
}

// TestFunctionPolicies: functions get inline statements only (a SAM policy
// template such as DynamoDBCrudPolicy would grant Scan and more), with only
// the DynamoDB actions the store uses, on the table and its indexes.
func TestFunctionPolicies(t *testing.T) {
	_, fns := loadTemplate(t)
	for id, f := range fns {
		for _, pol := range f.props.Policies {
			var doc struct {
				Statement []struct {
					Effect    string    `yaml:"Effect"`
					Action    yaml.Node `yaml:"Action"`
					Resource  yaml.Node `yaml:"Resource"`
					Condition struct {
						StringEquals map[string]yaml.Node `yaml:"StringEquals"`
						StringLike   map[string]yaml.Node `yaml:"StringLike"`
					} `yaml:"Condition"`
				} `yaml:"Statement"`
			}
			if pol.Kind != yaml.MappingNode || pol.Decode(&doc) != nil || len(doc.Statement) == 0 {
				t.Errorf("%s: policy at line %d is not an inline policy document", id, pol.Line)
				continue
			}
			for _, st := range doc.Statement {
				if actions := yamlScalars(st.Action); slices.ContainsFunc(actions, func(a string) bool { return strings.HasPrefix(a, "ses:") }) {
					for _, a := range actions {
						if !slices.Contains(allowedSESActions, a) {
							t.Errorf("%s: action %s in a mail statement: only %v", id, a, allowedSESActions)
						}
					}
					for _, r := range yamlNodes(st.Resource) {
						if r.Tag != "!Sub" || r.Value != sesIdentities {
							t.Errorf("%s: SES resource %s %q, want !Sub %s", id, r.Tag, r.Value, sesIdentities)
						}
					}
					if from, ok := st.Condition.StringEquals["ses:FromAddress"]; !ok || from.Tag != "!Ref" {
						t.Errorf("%s: SES statement without a StringEquals ses:FromAddress !Ref condition (the configured sender)", id)
					}
					continue
				}
				if actions := yamlScalars(st.Action); slices.Equal(actions, []string{"s3:ListBucket"}) {
					// Listing the recordings bucket only, so that a GET or HEAD
					// of a missing conference file is a 404, not a 403. No
					// s3:prefix condition: S3's implicit ListBucket check for
					// a GET/HEAD has no prefix, so the condition would never
					// match and every missing key would still be a 403.
					for _, r := range yamlNodes(st.Resource) {
						if r.Tag != "!Sub" || r.Value != recordingsBucketARN {
							t.Errorf("%s: s3:ListBucket resource %s %q, want !Sub %s", id, r.Tag, r.Value, recordingsBucketARN)
						}
					}
					if len(st.Condition.StringLike) > 0 {
						t.Errorf("%s: s3:ListBucket with a StringLike condition: a GET/HEAD of a missing key never matches it (403, not 404)", id)
					}
					continue
				}
				if actions := yamlScalars(st.Action); slices.ContainsFunc(actions, func(a string) bool { return strings.HasPrefix(a, "s3:") }) {
					for _, a := range actions {
						if !slices.Contains(allowedS3Actions, a) {
							t.Errorf("%s: action %s in an S3 statement: only %v", id, a, allowedS3Actions)
						}
					}
					for _, r := range yamlNodes(st.Resource) {
						if r.Tag != "!Sub" || !slices.Contains(s3Resources, r.Value) {
							t.Errorf("%s: S3 resource %s %q, want !Sub one of %v", id, r.Tag, r.Value, s3Resources)
						}
					}
					continue
				}
				for _, a := range yamlScalars(st.Action) {
					if strings.Contains(a, "*") {
						t.Errorf("%s: wildcard action %q", id, a)
					}
					if strings.HasPrefix(a, "dynamodb:") && !slices.Contains(allowedDynamoActions, a) {
						t.Errorf("%s: action %s is not one the store uses %v", id, a, allowedDynamoActions)
					}
				}
				for _, r := range yamlNodes(st.Resource) {
					okTable := r.Tag == "!GetAtt" && r.Value == "Table.Arn"
					okIndex := r.Tag == "!Sub" && strings.HasPrefix(r.Value, "${Table.Arn}/index/")
					if !okTable && !okIndex {
						t.Errorf("%s: resource %s %q is not the table or its indexes", id, r.Tag, r.Value)
					}
				}
			}
		}
	}
}

func yamlNodes(n yaml.Node) []*yaml.Node {
	if n.Kind == yaml.SequenceNode {
		return n.Content
	}
	return []*yaml.Node{&n}
}

func yamlScalars(n yaml.Node) []string {
	var out []string
	for _, c := range yamlNodes(n) {
		out = append(out, c.Value)
	}
	return out
}

// --- sample events ---------------------------------------------------------------

type apiSample struct {
	file  string
	route string
	req   events.APIGatewayV2HTTPRequest
	raw   map[string]json.RawMessage
}

// apiSamples reads every events/*.json that has a routeKey (the HTTP API
// payload v2 samples; the others are stream, S3 or schedule events).
func apiSamples(t *testing.T) []apiSample {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(moduleRoot, "events", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out []apiSample
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		s := apiSample{file: filepath.Base(file)}
		if err := json.Unmarshal(b, &s.raw); err != nil {
			t.Errorf("%s: %v", s.file, err)
			continue
		}
		if _, ok := s.raw["routeKey"]; !ok {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s.req); err != nil {
			t.Errorf("%s: not an APIGatewayV2HTTPRequest: %v", s.file, err)
			continue
		}
		s.route = s.req.RouteKey
		out = append(out, s)
	}
	return out
}

// TestAPISamplesCoverEveryRoute: every route of every HTTP function has a
// sample, and every sample's routeKey is a route of the function its file
// name says.
func TestAPISamplesCoverEveryRoute(t *testing.T) {
	samples := apiSamples(t)
	covered := map[string]bool{}
	for _, s := range samples {
		owner := ""
		for folder, rs := range handlerRoutes {
			if slices.Contains(rs, s.route) {
				owner = folder
			}
		}
		if owner == "" {
			t.Errorf("%s: routeKey %q is no function's route", s.file, s.route)
			continue
		}
		if !strings.HasPrefix(s.file, owner+"-") {
			t.Errorf("%s: route %q belongs to %s; name the file %s-<what>.json", s.file, s.route, owner, owner)
		}
		covered[s.route] = true
	}
	for folder, rs := range handlerRoutes {
		for _, r := range rs {
			if !covered[r] {
				t.Errorf("%s: no events/ sample for route %q", folder, r)
			}
		}
	}
}

// TestAPISamplesAreConsistent: each sample is what API Gateway would send
// for its route: method, path and path parameters agree with the route (as
// net/http's ServeMux matches it), the query string with its parsed form,
// the authorizer's claims make a principal, and a body decodes into the
// route's request type.
func TestAPISamplesAreConsistent(t *testing.T) {
	var all []string
	for _, rs := range handlerRoutes {
		all = append(all, rs...)
	}
	type match struct {
		pattern string
		params  map[string]string
	}
	mux := http.NewServeMux()
	var got match
	for _, r := range all {
		names := regexp.MustCompile(`\{([A-Za-z0-9_]+)\}`).FindAllStringSubmatch(r, -1)
		mux.HandleFunc(r, func(_ http.ResponseWriter, req *http.Request) {
			got = match{pattern: req.Pattern, params: map[string]string{}}
			for _, n := range names {
				got.params[n[1]] = req.PathValue(n[1])
			}
		})
	}

	for _, s := range apiSamples(t) {
		if !slices.Contains(all, s.route) {
			continue // reported by TestAPISamplesCoverEveryRoute
		}
		t.Run(s.file, func(t *testing.T) {
			rc := s.req.RequestContext
			if s.req.Version != "2.0" {
				t.Errorf("version %q, want 2.0", s.req.Version)
			}
			if rc.RouteKey != s.route {
				t.Errorf("requestContext.routeKey %q, want %q", rc.RouteKey, s.route)
			}
			method, _, _ := strings.Cut(s.route, " ")
			page := slices.Contains(pageRoutes, s.route)
			// HTTP API hands a JSON body over as text, a form post base64-encoded.
			wantBase64 := "false"
			if page && method == http.MethodPost {
				wantBase64 = "true"
			}
			if string(s.raw["isBase64Encoded"]) != wantBase64 {
				t.Errorf("isBase64Encoded = %s, want %s", s.raw["isBase64Encoded"], wantBase64)
			}
			if rc.HTTP.Method != method {
				t.Errorf("requestContext.http.method %q, want %q", rc.HTTP.Method, method)
			}
			if rc.HTTP.Path != s.req.RawPath {
				t.Errorf("requestContext.http.path %q != rawPath %q", rc.HTTP.Path, s.req.RawPath)
			}

			got = match{}
			mux.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, s.req.RawPath, nil))
			if got.pattern != s.route {
				t.Errorf("rawPath %s %s matches route %q, want %q", method, s.req.RawPath, got.pattern, s.route)
			}
			if len(got.params) == 0 {
				got.params = nil
			}
			if !maps.Equal(got.params, s.req.PathParameters) {
				t.Errorf("pathParameters %v, route gives %v", s.req.PathParameters, got.params)
			}

			q, err := url.ParseQuery(s.req.RawQueryString)
			if err != nil {
				t.Errorf("rawQueryString: %v", err)
			}
			flat := map[string]string{}
			for k, v := range q {
				flat[k] = strings.Join(v, ",")
			}
			params := s.req.QueryStringParameters
			if params == nil {
				params = map[string]string{}
			}
			if !maps.Equal(flat, params) {
				t.Errorf("rawQueryString %q parses to %v, queryStringParameters %v", s.req.RawQueryString, flat, params)
			}

			if slices.Contains(staticRoutes, s.route) {
				if rc.Authorizer != nil {
					t.Error("a console file has no authorizer: requestContext.authorizer must be absent")
				}
				if s.req.Body != "" {
					t.Errorf("a %s sample with a body", method)
				}
				return
			}
			if page {
				if rc.Authorizer != nil {
					t.Error("a signed-link page has no authorizer: requestContext.authorizer must be absent")
				}
				checkPageSample(t, s, method)
				return
			}
			if rc.Authorizer == nil || rc.Authorizer.JWT == nil {
				t.Fatal("no requestContext.authorizer.jwt")
			}
			p, ok := httpapi.PrincipalFromClaims(rc.Authorizer.JWT.Claims)
			if !ok {
				t.Errorf("claims %v make no principal", rc.Authorizer.JWT.Claims)
			} else if p.Name == p.UserID || p.Unit == "" && p.Role != "manager" && p.Role != "admin" {
				t.Errorf("claims lack the display name or unit: %+v", p)
			}

			newBody, takesBody := routeBodies[s.route]
			switch {
			case slices.Contains(bodilessPosts, s.route):
				if s.req.Body != "" {
					t.Errorf("route %q takes no body", s.route)
				}
			case takesBody:
				if ct := s.req.Headers["content-type"]; ct != "application/json" {
					t.Errorf("content-type %q, want application/json", ct)
				}
				if err := httpapi.DecodeJSON(strings.NewReader(s.req.Body), newBody()); err != nil {
					t.Errorf("body does not decode as the handler decodes it: %v", err)
				}
			case method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch:
				t.Errorf("route %q takes a body: add its type to this test's routeBodies map", s.route)
			case s.req.Body != "":
				t.Errorf("a %s sample with a body", method)
			}
		})
	}
}

// checkPageSample checks a signed-link page sample: its token is an answer
// link for the request in its path (a convocation link for the session in
// its path), valid at the sample's time under the
// sample key; a GET has it in the query string and no body; a POST is one of
// the page's forms, with the token and the CSRF field repeating the cookie.
func checkPageSample(t *testing.T, s apiSample, method string) {
	t.Helper()
	tok := s.req.QueryStringParameters["t"]
	switch method {
	case http.MethodGet:
		if s.req.Body != "" {
			t.Error("a GET page sample with a body")
		}
	case http.MethodPost:
		if ct := s.req.Headers["content-type"]; ct != "application/x-www-form-urlencoded" {
			t.Errorf("content-type %q, want application/x-www-form-urlencoded (the page's forms)", ct)
		}
		if s.req.RawQueryString != "" {
			t.Errorf("rawQueryString %q: the page's forms post to a URL without a query (the token is a form field)", s.req.RawQueryString)
		}
		raw, err := base64.StdEncoding.DecodeString(s.req.Body)
		if err != nil {
			t.Fatalf("body is not base64: %v", err)
		}
		form, err := url.ParseQuery(string(raw))
		if err != nil {
			t.Fatalf("body is not a form: %v", err)
		}
		action := s.req.PathParameters["action"]
		if want, ok := pageForms[action]; !ok {
			t.Errorf("action %q is none of the page's forms %v", action, slices.Sorted(maps.Keys(pageForms)))
		} else if got := slices.Sorted(maps.Keys(form)); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
			t.Errorf("form fields %v; the %s form has %v", got, action, want)
		}
		for k, v := range form {
			if len(v) != 1 {
				t.Errorf("form field %s given %d times", k, len(v))
			}
		}
		cookie := ""
		for _, line := range s.req.Cookies {
			cs, err := http.ParseCookie(line)
			if err != nil {
				t.Errorf("cookie %q: %v", line, err)
			}
			for _, c := range cs {
				if c.Name == csrfCookie {
					cookie = c.Value
				}
			}
		}
		if cookie == "" || form.Get("csrf") != cookie {
			t.Errorf("the form's csrf %q must repeat the %s cookie %q", form.Get("csrf"), csrfCookie, cookie)
		}
		tok = form.Get("t")
	default:
		t.Errorf("page route with method %s", method)
	}
	signer, err := signedlink.New([]byte(sampleLinkKey), 0)
	if err != nil {
		t.Fatal(err)
	}
	at := time.UnixMilli(s.req.RequestContext.TimeEpoch)
	if pp := s.req.PathParameters; pp["sessionId"] != "" {
		// A convened body's download link.
		subject := signedlink.ConvocationSubject(pp["praticaId"], pp["conferenceId"], pp["sessionId"])
		if _, err := signer.Verify(tok, signedlink.Convocation, subject, at); err != nil {
			t.Errorf("t is not a convocation link for %s valid at %s under the sample key: %v", subject, at.UTC().Format(time.RFC3339), err)
		}
		return
	}
	id := s.req.PathParameters["requestId"]
	if _, err := signer.Verify(tok, signedlink.Answer, id, at); err != nil {
		t.Errorf("t is not an answer link for request %s valid at %s under the sample key: %v", id, at.UTC().Format(time.RFC3339), err)
	}
}
