package recordings

import (
	"errors"

	"suapcds/shared/config"
	"suapcds/shared/recording"
)

// FromEnv fills Deps from the environment Lambda gives the function
// (template.yaml; README "Configuration"), building its clients once.
func FromEnv() (Deps, error) {
	a, err := config.App()
	r, rerr := config.RecordingsFromEnv()
	if err := errors.Join(err, rerr); err != nil {
		return Deps{}, err
	}
	files, err := recording.New(config.AWS(), r.Endpoint, r.Bucket)
	if err != nil {
		return Deps{}, err
	}
	a.Files = files
	a.RecordingMaxBytes = r.MaxBytes
	return Deps{App: a, Bucket: r.Bucket}, nil
}
