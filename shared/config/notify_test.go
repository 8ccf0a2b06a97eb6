package config_test

import (
	"strings"
	"testing"

	"suapcds/shared/config"
)

func setNotifyEnv(t *testing.T, env map[string]string) {
	t.Helper()
	for _, k := range []string{"TABLE_NAME", "DYNAMODB_ENDPOINT", "SERVICE_MAILBOX", "MAIL_FROM", "PUBLIC_BASE_URL", "LINK_KEY", "SES_ENDPOINT", "NOTIFY_CONCURRENCY",
		"BUCKET", "S3_ENDPOINT", "CONVOCATION_ATTACH_MAX_BYTES"} {
		t.Setenv(k, env[k])
	}
}

func goodNotifyEnv() map[string]string {
	return map[string]string{
		"TABLE_NAME":      "suapcds-dev",
		"SERVICE_MAILBOX": "videoconferenze@regione.example.it",
		"MAIL_FROM":       "notifiche@videoconferenze.example.it",
		"PUBLIC_BASE_URL": "https://videoconferenze.example.it/",
		"LINK_KEY":        strings.Repeat("k", 32),
		"BUCKET":          "suapcds-dev-recordings-123456789012",
	}
}

func TestNotifyFromEnv(t *testing.T) {
	setNotifyEnv(t, goodNotifyEnv())
	c, err := config.NotifyFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if c.Bucket != "suapcds-dev-recordings-123456789012" || c.AttachMaxBytes != 0 {
		t.Errorf("bucket config: %+v", c)
	}
	env0 := goodNotifyEnv()
	env0["CONVOCATION_ATTACH_MAX_BYTES"] = "1048576"
	setNotifyEnv(t, env0)
	if c, err := config.NotifyFromEnv(); err != nil || c.AttachMaxBytes != 1<<20 {
		t.Errorf("CONVOCATION_ATTACH_MAX_BYTES=1048576: %d %v", c.AttachMaxBytes, err)
	}
	setNotifyEnv(t, goodNotifyEnv())
	if c.Concurrency != 0 || c.PublicBaseURL != "https://videoconferenze.example.it" || c.ServiceMailbox != "videoconferenze@regione.example.it" ||
		c.MailFrom != "notifiche@videoconferenze.example.it" || len(c.LinkKey) != 32 || c.Table != "suapcds-dev" {
		t.Errorf("config: %+v", c)
	}
	// The local run may serve the pages over plain http on this machine.
	env := goodNotifyEnv()
	env["PUBLIC_BASE_URL"] = "http://localhost:8080"
	setNotifyEnv(t, env)
	if _, err := config.NotifyFromEnv(); err != nil {
		t.Errorf("http://localhost: %v", err)
	}
}

func TestNotifyFromEnvReportsEveryProblem(t *testing.T) {
	setNotifyEnv(t, map[string]string{
		"SERVICE_MAILBOX":              "Servizio <videoconferenze@regione.example.it>",
		"PUBLIC_BASE_URL":              "http://videoconferenze.example.it",
		"LINK_KEY":                     "short",
		"NOTIFY_CONCURRENCY":           "0",
		"CONVOCATION_ATTACH_MAX_BYTES": "10485761",
	})
	_, err := config.NotifyFromEnv()
	if err == nil {
		t.Fatal("accepted a bad environment")
	}
	for _, name := range []string{"TABLE_NAME", "SERVICE_MAILBOX", "MAIL_FROM", "PUBLIC_BASE_URL", "LINK_KEY", "NOTIFY_CONCURRENCY", "BUCKET", "CONVOCATION_ATTACH_MAX_BYTES"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("the error does not name %s: %v", name, err)
		}
	}
	if strings.Contains(err.Error(), "short") {
		t.Error("the error shows the key's value")
	}
	for _, bad := range []string{"https://x.example.it?a=1", "ftp://x.example.it", "videoconferenze.example.it", "https://u:p@x.example.it"} {
		env := goodNotifyEnv()
		env["PUBLIC_BASE_URL"] = bad
		setNotifyEnv(t, env)
		if _, err := config.NotifyFromEnv(); err == nil {
			t.Errorf("PUBLIC_BASE_URL %q accepted", bad)
		}
	}
}
