// Package base is the part of the functions' configuration that links no
// AWS client: the JSON logger, failing init visibly, and the console's
// settings. shared/config builds on it and adds the table's store; the
// console function imports only this package, so its binary carries neither
// the DynamoDB client nor its init (≈3 ms and ≈3,000 allocations in the SDK
// versions with schema-based serialization).
package base

import (
	"log/slog"
	"os"
)

// Logger is the JSON logger every function uses (one line per event); it
// becomes slog's default.
func Logger() *slog.Logger {
	l := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(l)
	return l
}

// Fatal logs err and exits: a function that cannot configure itself must
// fail its init, visibly, rather than answer wrongly.
func Fatal(msg string, err error) {
	slog.Error(msg, "error", err.Error())
	os.Exit(1)
}

// Console is what the console function reads: the identity provider
// (OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_SCOPE), the origins the page may also
// talk to (OIDC_EXTRA_ORIGINS) and the bucket's origins for uploads and
// downloads (FILE_ORIGINS). The handler validates them.
type Console struct {
	Issuer, ClientID, Scope, ExtraOrigins, FileOrigins string
}

// ConsoleFromEnv reads the console's configuration.
func ConsoleFromEnv() Console {
	return Console{
		Issuer:       getenv("OIDC_ISSUER"),
		ClientID:     getenv("OIDC_CLIENT_ID"),
		Scope:        getenv("OIDC_SCOPE"),
		ExtraOrigins: getenv("OIDC_EXTRA_ORIGINS"),
		FileOrigins:  getenv("FILE_ORIGINS"),
	}
}
