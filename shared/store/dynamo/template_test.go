package dynamo_test

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"gopkg.in/yaml.v3"

	"suapcds/shared/store/dynamo"
)

type keyElem struct {
	AttributeName string `yaml:"AttributeName"`
	KeyType       string `yaml:"KeyType"`
}

type cfnTable struct {
	Resources map[string]struct {
		Type       string `yaml:"Type"`
		Properties struct {
			BillingMode          string `yaml:"BillingMode"`
			AttributeDefinitions []struct {
				AttributeName string `yaml:"AttributeName"`
				AttributeType string `yaml:"AttributeType"`
			} `yaml:"AttributeDefinitions"`
			KeySchema              []keyElem `yaml:"KeySchema"`
			GlobalSecondaryIndexes []struct {
				IndexName  string    `yaml:"IndexName"`
				KeySchema  []keyElem `yaml:"KeySchema"`
				Projection struct {
					ProjectionType string `yaml:"ProjectionType"`
				} `yaml:"Projection"`
			} `yaml:"GlobalSecondaryIndexes"`
			StreamSpecification struct {
				StreamViewType string `yaml:"StreamViewType"`
			} `yaml:"StreamSpecification"`
		} `yaml:"Properties"`
	} `yaml:"Resources"`
}

// TestTemplateMatchesTable checks that the table template.yaml deploys has the
// keys, indexes and stream the code creates in DynamoDB Local, so tests and
// production cannot drift apart.
func TestTemplateMatchesTable(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var tpl cfnTable
	if err := yaml.Unmarshal(raw, &tpl); err != nil {
		t.Fatalf("template.yaml: %v", err)
	}
	res, ok := tpl.Resources["Table"]
	if !ok || res.Type != "AWS::DynamoDB::Table" {
		t.Fatalf("template.yaml has no AWS::DynamoDB::Table named Table")
	}
	p := res.Properties
	want := dynamo.TableInput("x")

	str := func(kes []keyElem) []string {
		var out []string
		for _, k := range kes {
			out = append(out, k.AttributeName+":"+k.KeyType)
		}
		return out
	}
	var wantKeys []string
	for _, k := range want.KeySchema {
		wantKeys = append(wantKeys, aws.ToString(k.AttributeName)+":"+string(k.KeyType))
	}
	if got := str(p.KeySchema); !reflect.DeepEqual(got, wantKeys) {
		t.Errorf("key schema: template %v, code %v", got, wantKeys)
	}

	var gotAttrs, wantAttrs []string
	for _, a := range p.AttributeDefinitions {
		gotAttrs = append(gotAttrs, a.AttributeName+":"+a.AttributeType)
	}
	for _, a := range want.AttributeDefinitions {
		wantAttrs = append(wantAttrs, aws.ToString(a.AttributeName)+":"+string(a.AttributeType))
	}
	sort.Strings(gotAttrs)
	if !reflect.DeepEqual(gotAttrs, wantAttrs) {
		t.Errorf("attribute definitions: template %v, code %v", gotAttrs, wantAttrs)
	}

	if len(p.GlobalSecondaryIndexes) != len(want.GlobalSecondaryIndexes) {
		t.Fatalf("template has %d indexes, code %d", len(p.GlobalSecondaryIndexes), len(want.GlobalSecondaryIndexes))
	}
	for i, ix := range p.GlobalSecondaryIndexes {
		w := want.GlobalSecondaryIndexes[i]
		var wk []string
		for _, k := range w.KeySchema {
			wk = append(wk, aws.ToString(k.AttributeName)+":"+string(k.KeyType))
		}
		if ix.IndexName != aws.ToString(w.IndexName) || !reflect.DeepEqual(str(ix.KeySchema), wk) ||
			ix.Projection.ProjectionType != string(w.Projection.ProjectionType) {
			t.Errorf("index %d: template %s %v %s, code %s %v %s", i, ix.IndexName, str(ix.KeySchema),
				ix.Projection.ProjectionType, aws.ToString(w.IndexName), wk, w.Projection.ProjectionType)
		}
	}
	if p.StreamSpecification.StreamViewType != string(want.StreamSpecification.StreamViewType) {
		t.Errorf("stream view: template %q, code %q", p.StreamSpecification.StreamViewType, want.StreamSpecification.StreamViewType)
	}
	if p.BillingMode != string(want.BillingMode) {
		t.Errorf("billing: template %q, code %q", p.BillingMode, want.BillingMode)
	}
}
