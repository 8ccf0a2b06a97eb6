package bookings

import "suapcds/shared/config"

// FromEnv fills Deps from the environment Lambda gives the function
// (template.yaml; README "Configuration"), building its clients once.
func FromEnv() (Deps, error) {
	a, err := config.App()
	return Deps{App: a}, err
}
