package config

import (
	"errors"
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
	c := Recordings{Bucket: getenv("BUCKET"), Endpoint: getenv("S3_ENDPOINT")}
	var errs []error
	if c.Bucket == "" {
		errs = append(errs, errors.New("BUCKET is not set"))
	}
	var err error
	if c.MaxBytes, err = boundedInt("RECORDING_MAX_BYTES", 1, 5<<30, "1 to 5 GiB (a POST upload's limit) in bytes"); err != nil {
		errs = append(errs, err)
	}
	return c, errors.Join(errs...)
}

// ConferenceFiles is the bucket of the conferences' files (function
// pratiche): the recordings bucket, prefix conferences/.
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
	c := ConferenceFiles{Bucket: getenv("BUCKET"), Endpoint: getenv("S3_ENDPOINT")}
	var errs []error
	if c.Bucket == "" {
		errs = append(errs, errors.New("BUCKET is not set"))
	}
	var err error
	if c.MaxBytes, err = boundedInt("CONFERENCE_FILE_MAX_BYTES", 1, 5<<30, "1 to 5 GiB in bytes"); err != nil {
		errs = append(errs, err)
	}
	return c, errors.Join(errs...)
}
