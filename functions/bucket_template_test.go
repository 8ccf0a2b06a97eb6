package functions_test

import (
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"suapcds/shared/app"
	"suapcds/shared/domain"
)

// keptPrefixes are where acquired recordings and used conference files are
// kept: written only by a server-side copy, never by an upload.
var keptPrefixes = []string{domain.RecordingPrefix, "conferences/"}

// TestBucketKeepsFilesImmutable: the recordings bucket's configuration
// holds what immutability rests on. The bucket policy denies any
// s3:PutObject without x-amz-copy-source (a POST upload) under the kept
// prefixes; the keys the application signs POSTs for are all under
// uploads/, which that denial does not cover, and the kept keys it copies to
// are under it. The lifecycle expires recordings after the retention,
// uploads after a few days, and never the conferences' kept files; the
// bucket is not versioned (the kept keys make versions needless) and no
// rule expires noncurrent versions. The ObjectCreated event fires for
// uploads only (a copy to a kept key raises none for the function).
func TestBucketKeepsFilesImmutable(t *testing.T) {
	tpl, fns := loadTemplate(t)
	bucket, ok := tpl.Resources["RecordingsBucket"]
	if !ok || bucket.Type != "AWS::S3::Bucket" {
		t.Fatal("no RecordingsBucket")
	}
	var props struct {
		VersioningConfiguration *struct {
			Status string `yaml:"Status"`
		} `yaml:"VersioningConfiguration"`
		LifecycleConfiguration struct {
			Rules []struct {
				ID                          string    `yaml:"Id"`
				Status                      string    `yaml:"Status"`
				Prefix                      string    `yaml:"Prefix"`
				ExpirationInDays            yaml.Node `yaml:"ExpirationInDays"`
				NoncurrentVersionExpiration yaml.Node `yaml:"NoncurrentVersionExpiration"`
				NoncurrentVersionExpInDays  yaml.Node `yaml:"NoncurrentVersionExpirationInDays"`
			} `yaml:"Rules"`
		} `yaml:"LifecycleConfiguration"`
	}
	if err := bucket.Properties.Decode(&props); err != nil {
		t.Fatal(err)
	}
	if v := props.VersioningConfiguration; v != nil {
		t.Errorf("RecordingsBucket is versioned (%q): immutability rests on kept keys; versions would keep replaced uploads past the retention", v.Status)
	}
	expiring := map[string]yaml.Node{}
	for _, r := range props.LifecycleConfiguration.Rules {
		if !r.NoncurrentVersionExpiration.IsZero() || !r.NoncurrentVersionExpInDays.IsZero() {
			t.Errorf("lifecycle rule %s expires noncurrent versions", r.ID)
		}
		if r.Status == "Enabled" && !r.ExpirationInDays.IsZero() {
			if r.Prefix == "" {
				t.Errorf("lifecycle rule %s expires the whole bucket", r.ID)
			}
			expiring[r.Prefix] = r.ExpirationInDays
		}
	}
	if n := expiring[domain.RecordingPrefix]; n.Tag != "!Ref" || n.Value != "RecordingRetentionDays" {
		t.Errorf("recordings/ expire after %s %q, want !Ref RecordingRetentionDays", n.Tag, n.Value)
	}
	if n := expiring["uploads/"]; n.Value == "" || n.Value == "0" {
		t.Error("no lifecycle rule expires uploads/")
	}
	for prefix := range expiring {
		if strings.HasPrefix("conferences/", prefix) || strings.HasPrefix(prefix, "conferences/") {
			t.Errorf("a lifecycle rule on %q expires the conferences' kept files", prefix)
		}
	}

	// The bucket policy: no upload under a kept prefix.
	pol, ok := tpl.Resources["RecordingsBucketPolicy"]
	if !ok {
		t.Fatal("no RecordingsBucketPolicy")
	}
	var doc struct {
		PolicyDocument struct {
			Statement []struct {
				Sid       string               `yaml:"Sid"`
				Effect    string               `yaml:"Effect"`
				Principal string               `yaml:"Principal"`
				Action    yaml.Node            `yaml:"Action"`
				Resource  yaml.Node            `yaml:"Resource"`
				Condition map[string]yaml.Node `yaml:"Condition"`
			} `yaml:"Statement"`
		} `yaml:"PolicyDocument"`
	}
	if err := pol.Properties.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	denied := map[string]bool{}
	for _, st := range doc.PolicyDocument.Statement {
		if st.Effect != "Deny" || !slices.Equal(yamlScalars(st.Action), []string{"s3:PutObject"}) {
			continue
		}
		var null map[string]string
		if c, ok := st.Condition["Null"]; !ok || c.Decode(&null) != nil || null["s3:x-amz-copy-source"] != "true" || len(st.Condition) != 1 {
			t.Errorf("%s: denies s3:PutObject without the sole condition Null s3:x-amz-copy-source true", st.Sid)
			continue
		}
		if st.Principal != "*" {
			t.Errorf("%s: principal %q, want *", st.Sid, st.Principal)
		}
		for _, r := range yamlNodes(st.Resource) {
			prefix, ok := strings.CutPrefix(r.Value, "${RecordingsBucket.Arn}/")
			if r.Tag != "!Sub" || !ok || !strings.HasSuffix(prefix, "/*") {
				t.Errorf("%s: resource %s %q, want !Sub ${RecordingsBucket.Arn}/<prefix>/*", st.Sid, r.Tag, r.Value)
				continue
			}
			denied[strings.TrimSuffix(prefix, "*")] = true
		}
	}
	for _, p := range keptPrefixes {
		if !denied[p] {
			t.Errorf("the bucket policy does not deny uploads under %s", p)
		}
	}
	underDenied := func(key string) bool {
		for p := range denied {
			if strings.HasPrefix(key, p) {
				return true
			}
		}
		return false
	}
	// What the application signs POSTs for, and what it keeps.
	for _, key := range []string{domain.RecordingUploadKeyPrefix("r1") + "u", app.ConferenceFileUploadPrefix("p1", "c1") + "u"} {
		if underDenied(key) {
			t.Errorf("upload key %s is under a prefix the bucket policy denies uploads to", key)
		}
		if !strings.HasPrefix(key, "uploads/") {
			t.Errorf("upload key %s is not under uploads/ (its lifecycle rule)", key)
		}
	}
	for _, key := range []string{domain.RecordingKeyPrefix("r1") + "k", app.ConferenceFilePrefix("p1", "c1") + "k"} {
		if !underDenied(key) {
			t.Errorf("kept key %s is not under a prefix the bucket policy keeps from uploads", key)
		}
	}

	// The function's event: uploads only.
	rec := fns["RecordingsFunction"]
	if rec == nil {
		t.Fatal("no RecordingsFunction")
	}
	var events struct {
		Timeout int `yaml:"Timeout"`
		Events  map[string]struct {
			Type       string `yaml:"Type"`
			Properties struct {
				Filter struct {
					S3Key struct {
						Rules []struct {
							Name  string `yaml:"Name"`
							Value string `yaml:"Value"`
						} `yaml:"Rules"`
					} `yaml:"S3Key"`
				} `yaml:"Filter"`
			} `yaml:"Properties"`
		} `yaml:"Events"`
	}
	raw := tpl.Resources["RecordingsFunction"].Properties
	if err := raw.Decode(&events); err != nil {
		t.Fatal(err)
	}
	if events.Timeout < 60 {
		t.Errorf("RecordingsFunction's Timeout %d s: an acquisition copies up to 5 GiB server side, give it a minute or more", events.Timeout)
	}
	var prefixes []string
	for _, e := range events.Events {
		if e.Type != "S3" {
			continue
		}
		for _, r := range e.Properties.Filter.S3Key.Rules {
			if r.Name == "prefix" {
				prefixes = append(prefixes, r.Value)
			}
		}
	}
	if !slices.Equal(prefixes, []string{domain.RecordingUploadPrefix}) {
		t.Errorf("RecordingsFunction's S3 event prefixes %v, want [%s]", prefixes, domain.RecordingUploadPrefix)
	}

	// Who may write kept files (a copy's target): only the functions that
	// copy — recordings (acquisition) and pratiche (convening).
	writers := map[string][]string{}
	for id, f := range fns {
		for _, pol := range f.props.Policies {
			var d struct {
				Statement []struct {
					Action   yaml.Node `yaml:"Action"`
					Resource yaml.Node `yaml:"Resource"`
				} `yaml:"Statement"`
			}
			if pol.Decode(&d) != nil {
				continue
			}
			for _, st := range d.Statement {
				if !slices.Contains(yamlScalars(st.Action), "s3:PutObject") {
					continue
				}
				for _, r := range yamlNodes(st.Resource) {
					if r.Value == recordingObjects || r.Value == conferenceObjects {
						writers[id] = append(writers[id], strings.TrimPrefix(r.Value, recordingsBucketARN+"/"))
					}
				}
			}
		}
	}
	want := map[string][]string{"RecordingsFunction": {"recordings/*"}, "PraticheFunction": {"conferences/*"}}
	if len(writers) != len(want) {
		t.Errorf("s3:PutObject on kept files: %v, want %v", writers, want)
	}
	for id, w := range want {
		if !slices.Equal(writers[id], w) {
			t.Errorf("%s: s3:PutObject on kept files %v, want %v", id, writers[id], w)
		}
	}
}
