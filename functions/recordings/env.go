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
	a.Files = recording.New(recording.NewClient(config.AWS(), r.Endpoint), r.Bucket)
	a.RecordingMaxBytes = r.MaxBytes
	return Deps{App: a, Bucket: r.Bucket}, nil
}
