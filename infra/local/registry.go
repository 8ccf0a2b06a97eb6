package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	bookings "suapcds/functions/bookings"
	console "suapcds/functions/console"
	leadtime "suapcds/functions/leadtime"
	manager "suapcds/functions/manager"
	notify "suapcds/functions/notify"
	"suapcds/functions/pratiche"
	recordings "suapcds/functions/recordings"
	"suapcds/shared/app"
	"suapcds/shared/clock"
	"suapcds/shared/mail"
	"suapcds/shared/signedlink"
	"suapcds/shared/store"
)

// env is what the functions' Deps are filled from: what each function's
// main builds from its environment on Lambda, built once here and shared.
type env struct {
	Store    *store.Repo
	Clock    clock.Clock
	Logger   *slog.Logger // already tagged with the function's logical id
	Links    *signedlink.Signer
	LeadDays int
	// Mail is where notify sends: the .eml folder (MailDir) by default, an
	// SES v2 endpoint when configured.
	Mail    mail.Sender
	MailDir string
	// ServiceMailbox and MailFrom are notify's SERVICE_MAILBOX and MAIL_FROM.
	ServiceMailbox, MailFrom string
	BaseURL                  string // the runner's URL: the manager's pages in mails
	// Files is the in-process S3 (s3.go) bucket Bucket through the S3
	// client: the recordings and the conferences' files.
	Files  app.RecordingFiles
	Bucket string
	// Attachments reads that bucket for notify, which attaches the
	// convocations from it by signed GETs (s3get), as on Lambda.
	Attachments notify.Files
	// ClaimLease and SweepGrace are notify's claim lease and the sweep's
	// grace (0: the handler's defaults); the crash test shortens both.
	ClaimLease, SweepGrace time.Duration
}

// app is the use cases' Deps, as each function's main fills them.
func (e env) app() app.Deps {
	return app.Deps{Store: e.Store, Clock: e.Clock, Logger: e.Logger, LeadDays: e.LeadDays, Files: e.Files}
}

// notify builds the notify handler; the stream and the sweep each get one,
// as two invocations of the function on Lambda would.
func (e env) notify() (*notify.Handler, error) {
	return notify.New(notify.Deps{Store: e.Store, Sender: e.Mail, Clock: e.Clock, Links: e.Links, Logger: e.Logger,
		ServiceMailbox: e.ServiceMailbox, MailFrom: e.MailFrom, PublicBaseURL: e.BaseURL, Files: e.Attachments,
		ClaimLease: e.ClaimLease, SweepGrace: e.SweepGrace})
}

// recordings builds the recordings function, whose HTTP routes and S3
// events are one Function on Lambda.
func (e env) recordings() (*recordings.Function, error) {
	return recordings.New(recordings.Deps{App: e.app(), Bucket: e.Bucket})
}

// streamHandler is a DynamoDB stream function's Lambda entry point.
type streamHandler func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

// scheduleHandler is a scheduled function's Lambda entry point.
type scheduleHandler func(context.Context, events.EventBridgeEvent) error

// wiring builds one template function's handler in-process: the same
// handler its main hands to lambda.Start. A function has the kinds its
// template events need.
type wiring struct {
	HTTP     func(e env) (http.Handler, error)
	Stream   func(e env) (streamHandler, error)
	Schedule func(e env) (scheduleHandler, error)
	S3       func(e env) (s3Handler, error)
}

// registry maps template.yaml's function logical ids to their handlers. A
// function of the template missing here is logged as "not wired locally";
// its routes answer 501 function_not_wired.
//
// When a function lands, add it here (and wire the same constructor its
// main.go calls).
var registry = map[string]wiring{
	"PraticheFunction": {HTTP: func(e env) (http.Handler, error) { return pratiche.New(pratiche.Deps{App: e.app()}) }},
	"BookingsFunction": {HTTP: func(e env) (http.Handler, error) { return bookings.New(bookings.Deps{App: e.app()}) }},
	"ManagerFunction": {HTTP: func(e env) (http.Handler, error) {
		return manager.New(manager.Deps{App: e.app(), Links: e.Links})
	}},
	"LeadtimeFunction": {Schedule: func(e env) (scheduleHandler, error) {
		h, err := leadtime.New(leadtime.Deps{App: e.app()})
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, ev events.EventBridgeEvent) error {
			_, err := h.Handle(ctx, ev)
			return err
		}, nil
	}},
	"NotifyFunction": {
		Stream: func(e env) (streamHandler, error) {
			h, err := e.notify()
			if err != nil {
				return nil, err
			}
			return h.Handle, nil
		},
		Schedule: func(e env) (scheduleHandler, error) {
			h, err := e.notify()
			if err != nil {
				return nil, err
			}
			return func(ctx context.Context, _ events.EventBridgeEvent) error {
				_, err := h.Sweep(ctx)
				return err
			}, nil
		},
	},
	// The console: no identity provider locally; the page sends people to
	// the demo sign-in links of /_local/.
	"ConsoleFunction": {HTTP: func(e env) (http.Handler, error) {
		return console.New(console.Deps{Logger: e.Logger, LocalSignIn: "/_local/"})
	}},
	"RecordingsFunction": {
		HTTP: func(e env) (http.Handler, error) {
			f, err := e.recordings()
			if err != nil {
				return nil, err
			}
			return f.HTTP, nil
		},
		S3: func(e env) (s3Handler, error) {
			f, err := e.recordings()
			if err != nil {
				return nil, err
			}
			return f.Objects.Handle, nil
		},
	},
}
