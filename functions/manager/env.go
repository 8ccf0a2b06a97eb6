package manager

import (
	"errors"

	"suapcds/shared/config"
	"suapcds/shared/recording"
	"suapcds/shared/signedlink"
)

// FromEnv fills Deps from the environment Lambda gives the function
// (template.yaml; README "Configuration"), building its clients once.
func FromEnv() (Deps, error) {
	a, err := config.App()
	r, rerr := config.RecordingsFromEnv()
	links, lerr := signedlink.New(config.LinkKey(), 0)
	if err := errors.Join(err, rerr, lerr); err != nil {
		return Deps{}, err
	}
	// Presigning is local signing: nothing is called at start. The bucket
	// holds the recordings (the page's upload form) and the conferences'
	// files (the convocations' downloads).
	files, err := recording.New(config.AWS(), r.Endpoint, r.Bucket)
	if err != nil {
		return Deps{}, err
	}
	a.Files = files
	a.RecordingMaxBytes = r.MaxBytes
	return Deps{App: a, Links: links}, nil
}
