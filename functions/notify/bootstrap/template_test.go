package main

// The template's NotifyFunction must be what the code assumes: every
// variable config.NotifyFromEnv requires, the key from Secrets Manager, a
// stream source filtered to outbox INSERTs that honours batchItemFailures
// with bounded retries and an on-failure queue, and a timeout below the
// claim lease.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"suapcds/functions/notify"
	"suapcds/shared/config"
	"suapcds/shared/store"
)

type streamEvent struct {
	Type       string `yaml:"Type"`
	Properties struct {
		Stream                     yaml.Node `yaml:"Stream"`
		Schedule                   string    `yaml:"Schedule"`
		Enabled                    *bool     `yaml:"Enabled"`
		StartingPosition           string    `yaml:"StartingPosition"`
		BatchSize                  int       `yaml:"BatchSize"`
		MaximumRetryAttempts       *int      `yaml:"MaximumRetryAttempts"`
		BisectBatchOnFunctionError bool      `yaml:"BisectBatchOnFunctionError"`
		FunctionResponseTypes      []string  `yaml:"FunctionResponseTypes"`
		FilterCriteria             struct {
			Filters []struct {
				Pattern string `yaml:"Pattern"`
			} `yaml:"Filters"`
		} `yaml:"FilterCriteria"`
		DestinationConfig struct {
			OnFailure struct {
				Type        string    `yaml:"Type"`
				Destination yaml.Node `yaml:"Destination"`
			} `yaml:"OnFailure"`
		} `yaml:"DestinationConfig"`
	} `yaml:"Properties"`
}

type notifyFunction struct {
	Properties struct {
		Timeout     int `yaml:"Timeout"`
		Environment struct {
			Variables map[string]yaml.Node `yaml:"Variables"`
		} `yaml:"Environment"`
		Events map[string]streamEvent `yaml:"Events"`
	} `yaml:"Properties"`
}

func loadNotify(t *testing.T) (notifyFunction, map[string]yaml.Node, int) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct {
		Globals struct {
			Function struct {
				Timeout     int `yaml:"Timeout"`
				Environment struct {
					Variables map[string]yaml.Node `yaml:"Variables"`
				} `yaml:"Environment"`
			} `yaml:"Function"`
		} `yaml:"Globals"`
		Resources map[string]yaml.Node `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	node, ok := tpl.Resources["NotifyFunction"]
	if !ok {
		t.Fatal("template.yaml has no NotifyFunction")
	}
	var fn notifyFunction
	if err := node.Decode(&fn); err != nil {
		t.Fatal(err)
	}
	vars := map[string]yaml.Node{}
	for k, v := range tpl.Globals.Function.Environment.Variables {
		vars[k] = v
	}
	for k, v := range fn.Properties.Environment.Variables {
		vars[k] = v
	}
	timeout := fn.Properties.Timeout
	if timeout == 0 {
		timeout = tpl.Globals.Function.Timeout
	}
	return fn, vars, timeout
}

// requiredNotifyEnv asks config.NotifyFromEnv which variables it requires:
// with every one unset, its error names each of them.
func requiredNotifyEnv(t *testing.T) []string {
	t.Helper()
	for _, v := range []string{"TABLE_NAME", "SERVICE_MAILBOX", "MAIL_FROM", "PUBLIC_BASE_URL", "LINK_KEY", "NOTIFY_CONCURRENCY"} {
		t.Setenv(v, "")
	}
	_, err := config.NotifyFromEnv()
	if err == nil {
		t.Fatal("NotifyFromEnv accepted an empty environment")
	}
	return regexp.MustCompile(`\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b`).FindAllString(err.Error(), -1)
}

func TestTemplateEnvironment(t *testing.T) {
	_, vars, timeout := loadNotify(t)
	for _, name := range requiredNotifyEnv(t) {
		if _, ok := vars[name]; !ok {
			t.Errorf("NotifyFunction's environment lacks %s, which config.NotifyFromEnv requires", name)
		}
	}
	if lk := vars["LINK_KEY"]; !strings.HasPrefix(lk.Value, "{{resolve:secretsmanager:") {
		t.Errorf("LINK_KEY must come from Secrets Manager, got %s %q", lk.Tag, lk.Value)
	}
	if lease := time.Duration(timeout) * time.Second; lease >= notify.DefaultClaimLease {
		t.Errorf("Timeout %ds is not below the claim lease %s: a live invocation's claim could be taken over", timeout, notify.DefaultClaimLease)
	}
}

func TestTemplateStreamSource(t *testing.T) {
	fn, _, _ := loadNotify(t)
	streams, schedules := 0, 0
	for name, ev := range fn.Properties.Events {
		p := ev.Properties
		if ev.Type == "Schedule" {
			// The sweep: often enough that a crashed delivery's mail goes
			// out minutes after its lease, not hours.
			schedules++
			if p.Schedule != "rate(5 minutes)" || p.Enabled == nil || !*p.Enabled {
				t.Errorf("%s: schedule %q enabled %v, want the sweep every 5 minutes", name, p.Schedule, p.Enabled)
			}
			continue
		}
		streams++
		if ev.Type != "DynamoDB" || p.Stream.Tag != "!GetAtt" || p.Stream.Value != "Table.StreamArn" {
			t.Errorf("%s: %s on %s %q, want DynamoDB on !GetAtt Table.StreamArn", name, ev.Type, p.Stream.Tag, p.Stream.Value)
		}
		if !reflect.DeepEqual(p.FunctionResponseTypes, []string{"ReportBatchItemFailures"}) {
			t.Errorf("%s: FunctionResponseTypes %v: Handle reports batchItemFailures", name, p.FunctionResponseTypes)
		}
		if p.MaximumRetryAttempts == nil || *p.MaximumRetryAttempts < 0 || *p.MaximumRetryAttempts > 10 {
			t.Errorf("%s: MaximumRetryAttempts must be set and small (the default retries forever)", name)
		}
		if !p.BisectBatchOnFunctionError || p.BatchSize < 1 || p.BatchSize > 100 || p.StartingPosition != "LATEST" {
			t.Errorf("%s: bisect %v, batch %d, start %q", name, p.BisectBatchOnFunctionError, p.BatchSize, p.StartingPosition)
		}
		if d := p.DestinationConfig.OnFailure; d.Type != "SQS" || d.Destination.Tag != "!GetAtt" || !strings.HasSuffix(d.Destination.Value, ".Arn") {
			t.Errorf("%s: OnFailure %s %s %q, want an SQS queue", name, d.Type, d.Destination.Tag, d.Destination.Value)
		}
		if len(p.FilterCriteria.Filters) != 1 {
			t.Fatalf("%s: %d filters, want 1", name, len(p.FilterCriteria.Filters))
		}
		var pattern map[string]any
		if err := json.Unmarshal([]byte(p.FilterCriteria.Filters[0].Pattern), &pattern); err != nil {
			t.Fatalf("%s: filter pattern: %v", name, err)
		}
		want := map[string]any{
			"eventName": []any{"INSERT"},
			"dynamodb":  map[string]any{"NewImage": map[string]any{store.AttrType: map[string]any{"S": []any{store.TypeOutbox}}}},
		}
		if !reflect.DeepEqual(pattern, want) {
			got, _ := json.Marshal(pattern)
			exp, _ := json.Marshal(want)
			t.Errorf("%s: filter %s, want %s", name, got, exp)
		}
	}
	if streams != 1 || schedules != 1 {
		t.Errorf("%d streams and %d schedules, want the table's stream and the sweep", streams, schedules)
	}
}
