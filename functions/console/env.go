package console

import "suapcds/shared/config"

// FromEnv fills Deps from the environment Lambda gives the function
// (template.yaml; README "Configuration"). New validates them.
func FromEnv() (Deps, error) {
	c := config.ConsoleFromEnv()
	return Deps{Logger: config.Logger(), Issuer: c.Issuer, ClientID: c.ClientID, Scope: c.Scope,
		ExtraOrigins: c.ExtraOrigins, FileOrigins: c.FileOrigins}, nil
}
