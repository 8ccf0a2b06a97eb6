package pratiche

import (
	"errors"

	"suapcds/shared/config"
	"suapcds/shared/recording"
)

// FromEnv fills Deps from the environment Lambda gives the function
// (template.yaml; README "Configuration"), building its clients once.
func FromEnv() (Deps, error) {
	a, err := config.App()
	f, ferr := config.ConferenceFilesFromEnv()
	if err := errors.Join(err, ferr); err != nil {
		return Deps{}, err
	}
	files, err := recording.New(config.AWS(), f.Endpoint, f.Bucket)
	if err != nil {
		return Deps{}, err
	}
	a.Files = files
	a.FileMaxBytes = f.MaxBytes
	return Deps{App: a}, nil
}
