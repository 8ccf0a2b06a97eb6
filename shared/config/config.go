// Package config reads the functions' configuration from the environment and
// builds the clients they need, once per process. It builds a lean aws.Config
// from the variables Lambda sets (AWS_REGION and the execution role's
// credentials) instead of config.LoadDefaultConfig, which costs ≈8 ms of
// cold start for probing shared files and profiles that Lambda never has.
//
// Importing it links the DynamoDB client. A function that does not work on
// the table (the console) imports shared/config/base instead.
package config

import (
	"errors"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"suapcds/shared/config/base"
	"suapcds/shared/store"
	"suapcds/shared/store/dynamo"
	"suapcds/shared/workdays"
)

// Config is what the API functions read from the environment.
type Config struct {
	// Table is TABLE_NAME, the DynamoDB table.
	Table string
	// CursorKey is CURSOR_KEY: signs list cursors (at least 16 bytes).
	CursorKey []byte
	// LeadDays is LEAD_DAYS, the booking lead time in working days (2).
	LeadDays int
	// DynamoEndpoint is DYNAMODB_ENDPOINT, set only for DynamoDB Local.
	DynamoEndpoint string
}

// FromEnv reads the configuration, reporting every missing or bad variable.
func FromEnv() (Config, error) {
	c := Config{
		Table:          os.Getenv("TABLE_NAME"),
		CursorKey:      []byte(os.Getenv("CURSOR_KEY")),
		LeadDays:       workdays.DefaultLeadDays,
		DynamoEndpoint: os.Getenv("DYNAMODB_ENDPOINT"),
	}
	var errs []error
	if c.Table == "" {
		errs = append(errs, errors.New("TABLE_NAME is not set"))
	}
	if len(c.CursorKey) < 16 {
		errs = append(errs, errors.New("CURSOR_KEY must be at least 16 bytes"))
	}
	if n, err := boundedInt("LEAD_DAYS", 1, 30, "1 to 30 working days"); err != nil {
		errs = append(errs, err)
	} else if n > 0 {
		c.LeadDays = int(n)
	}
	return c, errors.Join(errs...)
}

// AWS returns an aws.Config from the environment Lambda provides.
func AWS() aws.Config {
	return aws.Config{
		Region: os.Getenv("AWS_REGION"),
		Credentials: credentials.NewStaticCredentialsProvider(
			os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN")),
	}
}

// Store builds the DynamoDB-backed store.
func (c Config) Store(awsCfg aws.Config) (*store.Repo, error) {
	client := dynamo.NewClient(awsCfg, c.DynamoEndpoint)
	return store.New(dynamo.New(client, c.Table), store.Options{CursorKey: c.CursorKey})
}

// Logger is the JSON logger every function uses (one line per event):
// base.Logger, for the functions that import this package.
func Logger() *slog.Logger { return base.Logger() }

// Fatal logs err and exits (base.Fatal): a function that cannot configure
// itself must fail its init, visibly, rather than answer wrongly.
func Fatal(msg string, err error) { base.Fatal(msg, err) }

// MustStore reads the configuration, sets up the JSON logger and builds the
// DynamoDB-backed store, exiting on any error: the common start of every
// function that works on the table.
func MustStore() (Config, *store.Repo, *slog.Logger) {
	cfg, err := FromEnv()
	if err != nil {
		Fatal("configuration", err)
	}
	logger := Logger()
	st, err := cfg.Store(AWS())
	if err != nil {
		Fatal("store", err)
	}
	return cfg, st, logger
}
