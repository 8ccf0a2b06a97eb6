package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// DynamoDB Local ships as a jar inside this npm package, which is the only
// way to fetch it on our closed network (the AWS download site is out of
// reach). 2.9.30 carries DynamoDB Local 1.25.
const (
	ddbNpmSpec    = "amplify-dynamodb-simulator@2.9.30"
	ddbNpmPrefix  = "package/emulator/"
	ddbCacheName  = "dynamodb-local-2.9.30"
	ddbStartTries = 3
	ddbUpTimeout  = 60 * time.Second
)

// dynamoDBLocal runs DynamoDB Local in memory on a free port and exposes it
// to the tests as DYNAMODB_ENDPOINT.
type dynamoDBLocal struct {
	dir      string // emulator folder: DynamoDBLocal.jar, DynamoDBLocal_lib/
	proc     *process
	endpoint string
}

func newDynamoDBLocal(cache string) *dynamoDBLocal {
	return &dynamoDBLocal{dir: filepath.Join(cache, ddbCacheName)}
}

func (d *dynamoDBLocal) name() string { return "dynamodb-local" }

func (d *dynamoDBLocal) install(ctx context.Context) error {
	if err := ensureCommand(ctx, "java", "openjdk-17-jre-headless"); err != nil {
		return err
	}
	if !cached(d.dir) {
		progress("installing DynamoDB Local from %s into %s", ddbNpmSpec, d.dir)
		if err := installNpmDir(ctx, ddbNpmSpec, ddbNpmPrefix, d.dir); err != nil {
			return err
		}
	}
	for _, f := range []string{"DynamoDBLocal.jar", "DynamoDBLocal_lib"} {
		if _, err := os.Stat(filepath.Join(d.dir, f)); err != nil {
			return fmt.Errorf("DynamoDB Local install in %s is incomplete (remove it to reinstall): %w", d.dir, err)
		}
	}
	return nil
}

func (d *dynamoDBLocal) start(ctx context.Context, logDir string) error {
	for try := 1; try <= ddbStartTries; try++ {
		logPath := filepath.Join(logDir, fmt.Sprintf("%s.%d.log", d.name(), try))
		port, err := freePort()
		if err != nil {
			return err
		}
		p, err := startProcess(logPath, d.dir, "java",
			// C1 only and the serial GC: the server lives for one test run
			// on 2 cores, so start-up time matters more than peak speed
			// (≈4.5 s → ≈3 s here under load).
			"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
			"-Djava.library.path="+filepath.Join(d.dir, "DynamoDBLocal_lib"),
			"-jar", filepath.Join(d.dir, "DynamoDBLocal.jar"),
			"-inMemory", "-port", strconv.Itoa(port),
			// One database for every access key and region, so test
			// processes that build clients differently still meet.
			"-sharedDb",
			// Nothing may leave this machine; telemetry would only retry.
			"-disableTelemetry")
		if err != nil {
			return err
		}
		url := "http://127.0.0.1:" + strconv.Itoa(port)
		err = waitUntil(ctx, ddbUpTimeout, p.done, func(ctx context.Context) error {
			// DynamoDB Local does not exit when its port is taken: it logs a
			// BindException and lingers, so read the log to fail fast.
			if b, _ := os.ReadFile(logPath); bytes.Contains(b, []byte("BindException")) {
				return giveUp{fmt.Errorf("port %d is taken", port)}
			}
			return probeDynamoDB(ctx, url)
		})
		if err == nil {
			d.proc, d.endpoint = p, url
			return nil
		}
		_ = p.stop()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// Most likely the port was taken between freePort and java binding it.
		progress("%s on port %d did not come up (try %d/%d): %v\n%s",
			d.name(), port, try, ddbStartTries, err, indent(p.tail(20)))
	}
	return fmt.Errorf("did not start after %d tries (logs in %s are kept with -keep-logs)", ddbStartTries, logDir)
}

// probeDynamoDB sends ListTables. DynamoDB Local rejects a request without
// a SigV4-shaped Authorization header (400 MissingAuthenticationToken) but
// does not check the signature, so a fixed fake one will do. Any answer
// below 500 means it is serving; the x-amzn-RequestId header makes sure it
// is DynamoDB answering, not some other server that got the port first.
func probeDynamoDB(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/", strings.NewReader("{}"))
	if err != nil {
		return err
	}
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=local/20260101/eu-south-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode >= 500 {
		return errors.New(resp.Status)
	}
	if resp.Header.Get("X-Amzn-Requestid") == "" {
		return fmt.Errorf("%s answered without x-amzn-RequestId: not DynamoDB", url)
	}
	return nil
}

func (d *dynamoDBLocal) env() []envVar {
	// The SDK needs some region and credentials; DynamoDB Local accepts any.
	return []envVar{
		{key: "DYNAMODB_ENDPOINT", value: d.endpoint},
		{key: "AWS_REGION", value: "eu-south-1", ifUnset: true},
		{key: "AWS_ACCESS_KEY_ID", value: "local", ifUnset: true},
		{key: "AWS_SECRET_ACCESS_KEY", value: "local", ifUnset: true},
	}
}

func (d *dynamoDBLocal) stop() error {
	err := d.proc.stop()
	d.proc = nil
	return err
}
