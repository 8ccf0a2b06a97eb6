package config

import (
	"fmt"
	"strconv"
)

// boundedInt reads the optional integer variable name: 0 and no error when
// it is unset, an error saying want when it is not an integer from lo to hi.
// Every numeric setting goes through it, so each says its range alike.
func boundedInt(name string, lo, hi int64, want string) (int64, error) {
	v := getenv(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		return n, fmt.Errorf("%s=%q: want %s", name, v, want)
	}
	return n, nil
}

// LinkKey is LINK_KEY: the key the signed links are made and checked with
// (the signer checks its length).
func LinkKey() []byte { return []byte(getenv("LINK_KEY")) }

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
