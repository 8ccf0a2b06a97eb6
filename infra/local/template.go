package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/awslabs/goformation/v7/cloudformation/serverless"
	"github.com/awslabs/goformation/v7/intrinsics"
)

// samTemplate is what the local run needs of template.yaml: each function
// and the events that invoke it.
type samTemplate struct {
	Functions map[string]*samFunction // by logical id
}

// samFunction is one AWS::Serverless::Function.
type samFunction struct {
	ID        string
	Timeout   time.Duration // Timeout, as Lambda stops an invocation
	Routes    []route
	Streams   []streamEvent
	Schedules []scheduleEvent
	S3        []s3Event
	Others    []string // events of types the local run does not raise, "Name (Type)"
}

// s3Event is one S3 event: objects created in Bucket (a logical id) under
// Prefix.
type s3Event struct {
	Function string
	Event    string
	Bucket   string
	Prefix   string
}

// route is one HttpApi event.
type route struct {
	Function string
	Event    string
	Method   string // upper case; "ANY" matches every method
	Path     string // the template's path, e.g. /pratiche/{praticaId}
	// NoAuth is set when the route opts out of the default JWT authorizer
	// (Auth: {Authorizer: NONE}).
	NoAuth bool
}

// Key is the route key as API Gateway writes it: "GET /pratiche/{praticaId}".
func (r route) Key() string { return r.Method + " " + r.Path }

// streamEvent is one DynamoDB event source mapping.
type streamEvent struct {
	Function string
	Event    string
	// BatchSize is the most records per invocation (Lambda's default 100).
	BatchSize int
	// MaxRetries is MaximumRetryAttempts; -1 (the default) retries until the
	// records expire, which here means forever.
	MaxRetries int
	// Patterns are the FilterCriteria patterns (JSON); none lets every
	// record through.
	Patterns []string
	// ReportFailures is set when FunctionResponseTypes has
	// ReportBatchItemFailures; without it Lambda ignores batchItemFailures.
	ReportFailures bool
}

// scheduleEvent is one Schedule (EventBridge rule) or ScheduleV2
// (EventBridge Scheduler) event.
type scheduleEvent struct {
	Function   string
	Event      string
	Expression string        // rate(1 hour), cron(...)
	Every      time.Duration // from a rate expression; 0 for cron
	Enabled    bool
}

// findTemplate looks for name in dir and its parents, so that the runner
// works from any folder of the module.
func findTemplate(dir, name string) (string, error) {
	if filepath.IsAbs(name) {
		return name, nil
	}
	for d := dir; ; d = filepath.Dir(d) {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("%s not found in %s or its parents (run from the module, or pass -template)", name, dir)
		}
	}
}

// loadTemplate reads the SAM template at path.
//
// goformation.Open cannot read ours as a whole: its SAM schema (v7.14.9)
// refuses properties it does not know (AccessLogSettings, LoggingConfig,
// FilterCriteria) and a !Ref to a Number parameter. So the template goes
// through goformation's intrinsic processor (short tags, !Ref, !Sub, ...), and
// the events are decoded into goformation's SAM event types where it has
// them, into small local types where it does not.
func loadTemplate(path string) (*samTemplate, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	js, err := intrinsics.ProcessYAML(raw, &intrinsics.ProcessorOptions{
		IntrinsicHandlerOverrides: map[string]intrinsics.IntrinsicHandler{"Ref": ref},
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var doc struct {
		Globals struct {
			Function struct {
				Timeout *int
			}
		}
		Resources map[string]struct {
			Type       string
			Properties json.RawMessage
		}
	}
	if err := json.Unmarshal(js, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	t := &samTemplate{Functions: map[string]*samFunction{}}
	for id, res := range doc.Resources {
		if res.Type != "AWS::Serverless::Function" {
			continue
		}
		var props struct {
			Timeout *int
			Events  map[string]struct {
				Type       string
				Properties json.RawMessage
			}
		}
		if len(res.Properties) > 0 {
			if err := json.Unmarshal(res.Properties, &props); err != nil {
				return nil, fmt.Errorf("%s: %s: %w", path, id, err)
			}
		}
		f := &samFunction{ID: id, Timeout: 3 * time.Second} // Lambda's default
		for _, to := range []*int{doc.Globals.Function.Timeout, props.Timeout} {
			if to != nil {
				f.Timeout = time.Duration(*to) * time.Second
			}
		}
		for _, name := range slices.Sorted(maps.Keys(props.Events)) {
			ev := props.Events[name]
			if err := f.addEvent(name, ev.Type, ev.Properties); err != nil {
				return nil, fmt.Errorf("%s: %s.Events.%s: %w", path, id, name, err)
			}
		}
		t.Functions[id] = f
	}
	return t, nil
}

// ref resolves !Ref as CloudFormation does for what the local run reads: a
// parameter gives its default as a string (a Number parameter too), a
// resource its logical id.
func ref(name string, input any, tpl any) any {
	switch v := intrinsics.Ref(name, input, tpl).(type) {
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case nil:
		if s, ok := input.(string); ok && !strings.HasPrefix(s, "AWS::") {
			return s
		}
		return nil
	default:
		return v
	}
}

func (f *samFunction) addEvent(name, typ string, raw json.RawMessage) error {
	switch typ {
	case "HttpApi":
		var e serverless.Function_HttpApiEvent
		if err := json.Unmarshal(raw, &e); err != nil {
			return err
		}
		r := route{Function: f.ID, Event: name, Method: "ANY", Path: "$default"}
		if e.Method != nil {
			r.Method = strings.ToUpper(*e.Method)
		}
		if e.Path != nil {
			r.Path = *e.Path
		}
		if e.Auth != nil && e.Auth.Authorizer != nil && *e.Auth.Authorizer == "NONE" {
			r.NoAuth = true
		}
		if r.Path != "$default" && !strings.HasPrefix(r.Path, "/") {
			return fmt.Errorf("path %q must start with /", r.Path)
		}
		f.Routes = append(f.Routes, r)
	case "DynamoDB":
		// goformation's Function_DynamoDBEvent lacks FilterCriteria and
		// FunctionResponseTypes, the two fields that matter here.
		var e struct {
			BatchSize             *int
			MaximumRetryAttempts  *int
			FunctionResponseTypes []string
			FilterCriteria        struct {
				Filters []struct{ Pattern string }
			}
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			return err
		}
		s := streamEvent{Function: f.ID, Event: name, BatchSize: 100, MaxRetries: -1,
			ReportFailures: slices.Contains(e.FunctionResponseTypes, "ReportBatchItemFailures")}
		if e.BatchSize != nil && *e.BatchSize > 0 {
			s.BatchSize = *e.BatchSize
		}
		if e.MaximumRetryAttempts != nil {
			s.MaxRetries = *e.MaximumRetryAttempts
		}
		for _, flt := range e.FilterCriteria.Filters {
			if _, err := parsePattern(flt.Pattern); err != nil {
				return fmt.Errorf("filter pattern %q: %w", flt.Pattern, err)
			}
			s.Patterns = append(s.Patterns, flt.Pattern)
		}
		f.Streams = append(f.Streams, s)
	case "Schedule", "ScheduleV2":
		// ScheduleV2 (EventBridge Scheduler) is not in goformation; both carry
		// the expression and Enabled (Schedule) or State (ScheduleV2).
		var e serverless.Function_ScheduleEvent
		var v2 struct {
			ScheduleExpression string
			State              string
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			return err
		}
		if err := json.Unmarshal(raw, &v2); err != nil {
			return err
		}
		s := scheduleEvent{Function: f.ID, Event: name, Expression: e.Schedule, Enabled: e.Enabled == nil || *e.Enabled}
		if typ == "ScheduleV2" {
			s.Expression, s.Enabled = v2.ScheduleExpression, v2.State != "DISABLED"
		}
		s.Every = rateOf(s.Expression)
		f.Schedules = append(f.Schedules, s)
	case "S3":
		var e struct {
			Bucket string
			Events any // one event type or a list
			Filter struct {
				S3Key struct {
					Rules []struct{ Name, Value string }
				}
			}
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			return err
		}
		s := s3Event{Function: f.ID, Event: name, Bucket: e.Bucket}
		for _, r := range e.Filter.S3Key.Rules {
			if strings.EqualFold(r.Name, "prefix") {
				s.Prefix = r.Value
			}
		}
		f.S3 = append(f.S3, s)
	default:
		f.Others = append(f.Others, name+" ("+typ+")")
	}
	return nil
}

var rateExpr = regexp.MustCompile(`^rate\(\s*(\d+)\s+(minutes?|hours?|days?)\s*\)$`)

// rateOf is the period of a rate(...) expression, 0 for anything else.
func rateOf(expr string) time.Duration {
	m := rateExpr.FindStringSubmatch(strings.TrimSpace(expr))
	if m == nil {
		return 0
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n <= 0 {
		return 0
	}
	unit := map[byte]time.Duration{'m': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour}[m[2][0]]
	return time.Duration(n) * unit
}

// Routes lists every HttpApi route of the template, sorted by key.
func (t *samTemplate) Routes() []route {
	var out []route
	for _, f := range t.Functions {
		out = append(out, f.Routes...)
	}
	slices.SortFunc(out, func(a, b route) int { return strings.Compare(a.Key(), b.Key()) })
	return out
}

// FunctionIDs lists the functions' logical ids, sorted.
func (t *samTemplate) FunctionIDs() []string { return slices.Sorted(maps.Keys(t.Functions)) }
