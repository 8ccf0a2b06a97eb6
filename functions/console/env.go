package console

import "suapcds/shared/config/base"

// FromEnv fills Deps from the environment Lambda gives the function
// (template.yaml; README "Configuration"). New validates them. It reads
// through shared/config/base, which links no AWS client.
func FromEnv() (Deps, error) {
	c := base.ConsoleFromEnv()
	return Deps{Logger: base.Logger(), Issuer: c.Issuer, ClientID: c.ClientID, Scope: c.Scope,
		ExtraOrigins: c.ExtraOrigins, FileOrigins: c.FileOrigins}, nil
}
