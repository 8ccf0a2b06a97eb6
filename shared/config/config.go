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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"suapcds/shared/app"
	"suapcds/shared/clock"
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
		Table:          getenv("TABLE_NAME"),
		CursorKey:      []byte(getenv("CURSOR_KEY")),
		LeadDays:       workdays.DefaultLeadDays,
		DynamoEndpoint: getenv("DYNAMODB_ENDPOINT"),
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
		Region: getenv("AWS_REGION"),
		Credentials: credentials.NewStaticCredentialsProvider(
			getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_SESSION_TOKEN")),
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

// App reads the configuration, sets up the JSON logger and builds the
// DynamoDB-backed store: the use cases' dependencies every function that
// works on the table starts from (its FromEnv adds the bucket where it has
// one).
func App() (app.Deps, error) {
	cfg, err := FromEnv()
	if err != nil {
		return app.Deps{}, err
	}
	st, err := cfg.Store(AWS())
	if err != nil {
		return app.Deps{}, err
	}
	return app.Deps{Store: st, Clock: clock.System{}, Logger: Logger(), LeadDays: cfg.LeadDays}, nil
}
