package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"suapcds/shared/config"
	"suapcds/shared/store"
	"suapcds/shared/store/dynamo"
	"suapcds/shared/store/embedded"
)

// The data folder holds everything a local run keeps between starts.
const (
	dbFile        = "suapcds.db"
	cursorKeyFile = "cursor-key"
	linkKeyFile   = "link-key"
	outboxDir     = "outbox"
)

// openedStore is the store the run uses, with what closes it and, for the
// embedded one, its change feed.
type openedStore struct {
	repo  *store.Repo
	feed  changeSource // nil on DynamoDB
	close func() error
	where string // for the start-up block
}

// openStore opens the embedded store file, or DynamoDB when the
// configuration names a table or an endpoint.
func openStore(ctx context.Context, c *cfg, cursorKey []byte) (*openedStore, error) {
	opts := store.Options{CursorKey: cursorKey}
	if c.DynamoEndpoint == "" && c.Table == "" {
		b, err := embedded.Open(c.DBPath, embedded.Options{})
		if err != nil {
			if strings.Contains(err.Error(), "timeout") {
				return nil, fmt.Errorf("%s is in use: is another local run using this data folder? Stop it, or pass -data with another folder", c.DBPath)
			}
			return nil, err
		}
		repo, err := store.New(b, opts)
		if err != nil {
			b.Close()
			return nil, err
		}
		return &openedStore{repo: repo, feed: b, close: b.Close, where: "embedded " + c.DBPath}, nil
	}

	table := c.Table
	if table == "" {
		table = "suapcds-local"
	}
	awsCfg := config.AWS()
	if c.DynamoEndpoint != "" {
		awsCfg = localAWS()
	} else if awsCfg.Region == "" {
		return nil, errors.New("-table without -dynamodb-endpoint means AWS: set AWS_REGION and the credentials (AWS_ACCESS_KEY_ID, ...)")
	}
	client := dynamo.NewClient(awsCfg, c.DynamoEndpoint)
	where := "DynamoDB table " + table
	if c.DynamoEndpoint != "" {
		where += " at " + c.DynamoEndpoint
		if err := ensureTable(ctx, client, table); err != nil {
			return nil, err
		}
	}
	repo, err := store.New(dynamo.New(client, table), opts)
	if err != nil {
		return nil, err
	}
	return &openedStore{repo: repo, close: func() error { return nil }, where: where}, nil
}

// localAWS is the AWS configuration for an emulator (DynamoDB Local, the
// SES emulator): the environment's, with a region and dummy credentials
// when it has none, since emulators take any but the SDK wants some.
func localAWS() aws.Config {
	cfg := config.AWS()
	if cfg.Region == "" {
		cfg.Region = "eu-south-1"
	}
	if os.Getenv("AWS_ACCESS_KEY_ID") == "" {
		cfg.Credentials = credentials.NewStaticCredentialsProvider("local", "local", "")
	}
	return cfg
}

// ensureTable creates the table on DynamoDB Local when it is missing, and
// adds the indexes a table made by an older version lacks.
func ensureTable(ctx context.Context, c *dynamodb.Client, table string) error {
	_, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	var nf *dtypes.ResourceNotFoundException
	switch {
	case err == nil:
		_, err := dynamo.AddMissingIndexes(ctx, c, table)
		return err
	case errors.As(err, &nf):
		return dynamo.CreateTable(ctx, c, table)
	default:
		return fmt.Errorf("DynamoDB at the endpoint: %w", err)
	}
}

// loadOrCreateSecret returns the secret in path, making a random one at
// first start (the local stand-in for a value kept in Secrets Manager).
func loadOrCreateSecret(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err == nil {
		if s := strings.TrimSpace(string(raw)); len(s) >= 16 {
			return []byte(s), nil
		}
		return nil, fmt.Errorf("%s: shorter than 16 bytes (delete it to get a new one)", path)
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	var b [36]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	s := base64.RawURLEncoding.EncodeToString(b[:])
	if err := writeFileAtomic(path, []byte(s+"\n"), 0o600); err != nil {
		return nil, err
	}
	return []byte(s), nil
}

// writeFileAtomic writes data to path through a temporary file and a
// rename, so a crash leaves the old or the new content, never half.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
