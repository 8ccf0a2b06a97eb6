package notify

import (
	"errors"

	"suapcds/shared/clock"
	"suapcds/shared/config"
	"suapcds/shared/mail"
	"suapcds/shared/s3get"
	"suapcds/shared/signedlink"
)

// FromEnv fills Deps from the environment Lambda gives the function
// (template.yaml; README "Configuration"), building its clients once.
func FromEnv() (Deps, error) {
	cfg, err := config.NotifyFromEnv()
	if err != nil {
		return Deps{}, err
	}
	awsCfg := config.AWS()
	st, serr := cfg.Store(awsCfg)
	links, lerr := signedlink.New(cfg.LinkKey, 0)
	// A signed GET, not the S3 client: notify only reads the convocations
	// to attach, and the client would add 4.7 MB to the binary every cold
	// start loads.
	files, ferr := s3get.New(awsCfg, cfg.S3Endpoint, cfg.Bucket)
	if err := errors.Join(serr, lerr, ferr); err != nil {
		return Deps{}, err
	}
	return Deps{
		Store:          st,
		Sender:         mail.NewSES(mail.NewSESClient(awsCfg, cfg.SESEndpoint)),
		Clock:          clock.System{},
		Links:          links,
		Files:          files,
		AttachMaxBytes: cfg.AttachMaxBytes,
		Logger:         config.Logger(),
		ServiceMailbox: cfg.ServiceMailbox,
		MailFrom:       cfg.MailFrom,
		PublicBaseURL:  cfg.PublicBaseURL,
		Concurrency:    cfg.Concurrency,
		ClaimLease:     cfg.ClaimLease,
	}, nil
}
