package config

import (
	"errors"
	"fmt"
	"os"
	"strconv"
)

// Recordings is the recordings bucket's configuration (functions recordings
// and manager). It only reads the environment: the S3 client is built by
// shared/recording, so functions without recordings do not carry it.
type Recordings struct {
	// Bucket is BUCKET, the recordings bucket.
	Bucket string
	// MaxBytes is RECORDING_MAX_BYTES, the upload cap (0: the default, 2 GiB).
	MaxBytes int64
	// Endpoint is S3_ENDPOINT, set only for MinIO or another local S3.
	Endpoint string
}

// RecordingsFromEnv reads the recordings' configuration.
func RecordingsFromEnv() (Recordings, error) {
	c := Recordings{Bucket: os.Getenv("BUCKET"), Endpoint: os.Getenv("S3_ENDPOINT")}
	var errs []error
	if c.Bucket == "" {
		errs = append(errs, errors.New("BUCKET is not set"))
	}
	if v := os.Getenv("RECORDING_MAX_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 || n > 5<<30 {
			errs = append(errs, fmt.Errorf("RECORDING_MAX_BYTES=%q: want 1 to 5 GiB (a POST upload's limit) in bytes", v))
		}
		c.MaxBytes = n
	}
	return c, errors.Join(errs...)
}

// ConferenceFiles is the bucket of the conferences' files (function
// cdscheck): the recordings bucket, prefix conferences/.
type ConferenceFiles struct {
	// Bucket is BUCKET.
	Bucket string
	// MaxBytes is CONFERENCE_FILE_MAX_BYTES, the upload cap (0: the
	// default, 20 MiB).
	MaxBytes int64
	// Endpoint is S3_ENDPOINT, set only for MinIO or another local S3.
	Endpoint string
}

// ConferenceFilesFromEnv reads the conference files' configuration.
func ConferenceFilesFromEnv() (ConferenceFiles, error) {
	c := ConferenceFiles{Bucket: os.Getenv("BUCKET"), Endpoint: os.Getenv("S3_ENDPOINT")}
	var errs []error
	if c.Bucket == "" {
		errs = append(errs, errors.New("BUCKET is not set"))
	}
	if v := os.Getenv("CONFERENCE_FILE_MAX_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 || n > 5<<30 {
			errs = append(errs, fmt.Errorf("CONFERENCE_FILE_MAX_BYTES=%q: want 1 to 5 GiB in bytes", v))
		}
		c.MaxBytes = n
	}
	return c, errors.Join(errs...)
}
